//! Recapitalizing an existing Aave v3 market on an Anvil fork: `backstop demo --protocol aave-v3
//! --fork-url URL --aave-market FILE`.
//!
//! The market's addresses come from a file ([`backstop_chain::aave::fork`] for the format),
//! checked on the fork with reads only before anything is sent
//! ([`backstop_chain::aave::check_fork_market`]). Backstop's own contracts are deployed over the
//! market; the Collector is impersonated (a dev power of the fork) and pays first; the bidders'
//! WETH is wrapped from ether set on the fork (`deposit()`, so any WETH9 works); then the same
//! stages as the demo ([`crate::aave_demo::AaveRecap`]): auctions, booking the interest, repaying
//! every account on the pool, the listed suppliers withdrawing.
//!
//! Amounts the file leaves open: the treasury pays at most `treasuryShareWei`, by default all of
//! the Collector's WETH (after `treasuryDepositWei`) but 1% kept for the interest that accrues
//! while the auctions run (booked and paid by the treasury before repaying); each bidder's budget
//! is raised to the measured bad debt, so competition, not budgets, decides the price.

use crate::aave_demo::{
    AaveDemoError, AaveDemoReport, AaveRecap, AaveRecapParams, AaveTarget, WethSource,
};
use crate::demo::Progress;
use alloy_primitives::U256;
use backstop_chain::{
    RpcChain,
    aave::{AaveForkError, AaveForkMarket},
};
use backstop_core::Wad;
use std::sync::Arc;

/// The default treasury share: the Collector's WETH less this fraction (kept for the interest
/// booked at the end), in parts per hundred.
pub const TREASURY_RESERVE_PERCENT: u64 = 1;

/// The parameters of a fork recap: `base`'s auction parameters and bidders, with the treasury
/// share and the bidders' budgets set from the file and the measured bad debt (module docs).
pub fn fork_params(
    market: &AaveForkMarket,
    base: AaveRecapParams,
) -> Result<AaveRecapParams, AaveForkError> {
    let file = &market.file;
    let deposit = file.treasury_deposit_wei.unwrap_or_default();
    let available = market.collector_weth_wei.saturating_add(deposit);
    if available.is_zero() {
        return Err(AaveForkError::Invalid {
            path: market.path.clone(),
            field: "collector".into(),
            reason: format!(
                "{} holds no WETH: give treasuryDepositWei (the treasury pays the interest booked \
                 at the end)",
                file.collector
            ),
        });
    }
    let share = match file.treasury_share_wei {
        Some(share) if share > available => {
            return Err(AaveForkError::Invalid {
                path: market.path.clone(),
                field: "treasuryShareWei".into(),
                reason: format!(
                    "{share} wei, but the collector {} holds {} wei of WETH (+{deposit} wei \
                     deposited)",
                    file.collector, market.collector_weth_wei
                ),
            });
        }
        Some(share) => share,
        None => available - available * U256::from(TREASURY_RESERVE_PERCENT) / U256::from(100),
    };
    let bad = market.reading.bad_debt_wei;
    let keepers = base
        .keepers
        .into_iter()
        .map(|(name, value, budget)| (name, value, budget.max(Wad::from_raw(bad))))
        .collect();
    Ok(AaveRecapParams { collector_weth_wei: deposit, treasury_share_wei: share, keepers, ..base })
}

/// The market as the stages see it.
pub fn fork_target(market: &AaveForkMarket) -> AaveTarget {
    AaveTarget {
        pool: market.pool,
        weth: market.weth,
        a_weth: market.a_weth,
        weth_debt_token: market.weth_debt_token,
        collector: market.file.collector,
        weth_suppliers: market.file.suppliers.clone(),
        weth_source: WethSource::Deposit,
    }
}

/// Runs the whole recap on the fork `chain` (its clock pinned: it moves only when told) over
/// `market` (checked on this chain).
pub async fn run_aave_fork_recap(
    chain: Arc<RpcChain>,
    backend: String,
    market: &AaveForkMarket,
    base: AaveRecapParams,
    max_rounds: u64,
    progress: impl FnMut(&Progress),
) -> Result<AaveDemoReport, AaveDemoError> {
    let params = fork_params(market, base)?;
    let target = fork_target(market);
    let mut r = AaveRecap::attach(chain, target, params, &market.file.accounts).await?;
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await?;
    r.run_auctions(max_rounds, None, progress).await?;
    r.settle_on_pool().await?;
    let withdrawals = r.withdraw_suppliers().await?;
    r.report(backend, withdrawals).await
}
