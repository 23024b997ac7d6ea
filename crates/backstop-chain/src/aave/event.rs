//! The bad-debt event, driven through the real contracts: suppliers, LRT borrowers in the
//! e-mode, the LRT's price collapse, and liquidations through `liquidationCall`.
//!
//! Every account is a fixed address derived from its role and index ([`borrower`],
//! [`weth_supplier`], …), so two runs send the same transactions. Tokens come from the package's
//! test helpers (`WETH9Mocked` and `MintableERC20` mint to anyone).

use super::{
    AaveContract, AaveCore, AaveError, AaveMarket,
    bindings::{IAaveOracle, IERC20, IPool, MintableERC20, MockAggregator, WETH9Mocked},
    deploy::{Sender, answer},
    params::AaveMarketParams,
};
use crate::Settlement;
use alloy::sol_types::SolConstructor;
use alloy_primitives::{Address, U256};

/// The liquidator of the event.
pub const LIQUIDATOR: Address =
    Address::new([0xa1, 0x1c, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11]);

fn actor(role: u8, i: usize) -> Address {
    let mut a = [0u8; 20];
    a[0] = 0xa1;
    a[1] = 0x1c;
    a[2] = role;
    a[18..].copy_from_slice(&u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes());
    Address::new(a)
}

/// The `i`-th LRT borrower.
pub fn borrower(i: usize) -> Address {
    actor(0xb0, i)
}
/// The `i`-th WETH supplier.
pub fn weth_supplier(i: usize) -> Address {
    actor(0x5e, i)
}
/// The `i`-th stablecoin supplier.
pub fn stable_supplier(i: usize) -> Address {
    actor(0x55, i)
}
/// The `i`-th bystander (WETH collateral, stablecoin debt).
pub fn bystander(i: usize) -> Address {
    actor(0xb7, i)
}

/// What the liquidator did to one account (measured from its own balances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liquidation {
    /// The account liquidated.
    pub account: Address,
    /// `liquidationCall`s sent.
    pub calls: u32,
    /// WETH the liquidator paid, wei.
    pub weth_repaid_wei: U256,
    /// LRT the liquidator received, wei.
    pub lrt_seized_wei: U256,
}

/// Who took part in the event and what the liquidator did. Bad debt is not in here: it is
/// measured on the pool with [`super::read_accounts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDebtEvent {
    /// The LRT borrowers, in parameter order.
    pub borrowers: Vec<Address>,
    /// The WETH suppliers.
    pub weth_suppliers: Vec<Address>,
    /// The stablecoin suppliers.
    pub stable_suppliers: Vec<Address>,
    /// The bystanders.
    pub bystanders: Vec<Address>,
    /// The liquidator.
    pub liquidator: Address,
    /// The LRT's oracle price before the drop, USD with 8 decimals (read from the oracle).
    pub lrt_price_before_usd_e8: U256,
    /// The LRT's oracle price after the drop, USD with 8 decimals (read from the oracle).
    pub lrt_price_after_usd_e8: U256,
    /// The aggregator the LRT's price now comes from.
    pub lrt_aggregator_after: Address,
    /// One entry per borrower, in order.
    pub liquidations: Vec<Liquidation>,
}

impl BadDebtEvent {
    /// Every account that took part (borrowers, suppliers, bystanders), for measurements.
    pub fn accounts(&self) -> Vec<Address> {
        [&self.borrowers, &self.weth_suppliers, &self.stable_suppliers, &self.bystanders]
            .into_iter()
            .flatten()
            .copied()
            .collect()
    }
}

const VARIABLE: U256 = U256::from_limbs([2, 0, 0, 0]);

/// Runs the event of `params.event` on `market` (deployed from the same `params`): suppliers
/// supply, bystanders borrow the stablecoin against WETH, each LRT borrower supplies, enters the
/// e-mode and borrows WETH; then `admin` points the LRT's oracle source at an aggregator
/// `lrt_price_drop_bps` lower, and the liquidator liquidates every borrower through
/// `liquidationCall(lrt, weth, borrower, type(uint256).max, false)` until its collateral is gone or
/// its health factor is back at 1. Works on any backend where these addresses can send (the
/// embedded EVM; Anvil, which impersonates them).
pub async fn run_bad_debt_event<S: Settlement>(
    chain: &S,
    core: &AaveCore,
    market: &AaveMarket,
    admin: Address,
    params: &AaveMarketParams,
) -> Result<BadDebtEvent, AaveError> {
    params.validate()?;
    let aggregator_code = core.contract(AaveContract::MockAggregator)?.link(&Default::default())?;
    let ev = &params.event;
    let pool = market.pool;
    let (weth, stable, lrt) =
        (market.weth.underlying, market.stable.underlying, market.lrt.underlying);
    let as_ = |from| Sender { chain, from };

    let weth_suppliers: Vec<Address> =
        (0..ev.weth_suppliers_wei.len()).map(weth_supplier).collect();
    for (i, (&who, &amount)) in weth_suppliers.iter().zip(&ev.weth_suppliers_wei).enumerate() {
        let step = format!("weth_suppliers[{i}]");
        mint_and_supply(&as_(who), &step, pool, weth, amount).await?;
    }
    let stable_suppliers: Vec<Address> =
        (0..ev.stable_suppliers_wei.len()).map(stable_supplier).collect();
    for (i, (&who, &amount)) in stable_suppliers.iter().zip(&ev.stable_suppliers_wei).enumerate() {
        let step = format!("stable_suppliers[{i}]");
        mint_and_supply(&as_(who), &step, pool, stable, amount).await?;
    }
    let bystanders: Vec<Address> = (0..ev.bystanders.len()).map(bystander).collect();
    for (i, (&who, b)) in bystanders.iter().zip(&ev.bystanders).enumerate() {
        let step = format!("bystanders[{i}]");
        let tx = as_(who);
        mint_and_supply(&tx, &step, pool, weth, b.weth_supplied_wei).await?;
        if !b.stable_borrowed_wei.is_zero() {
            borrow(&tx, &step, pool, stable, b.stable_borrowed_wei).await?;
        }
    }
    let borrowers: Vec<Address> = (0..ev.borrowers.len()).map(borrower).collect();
    for (i, (&who, b)) in borrowers.iter().zip(&ev.borrowers).enumerate() {
        let step = format!("borrowers[{i}]");
        let tx = as_(who);
        mint_and_supply(&tx, &step, pool, lrt, b.lrt_supplied_wei).await?;
        tx.send(
            format!("{step}: setUserEMode"),
            pool,
            &IPool::setUserEModeCall { categoryId: market.emode_category },
        )
        .await?;
        borrow(&tx, &step, pool, weth, b.weth_borrowed_wei).await?;
    }

    // The unbacked mint: the LRT's source now answers the lower price.
    let admin_tx = as_(admin);
    let price = |step: &'static str| {
        let tx = as_(admin);
        async move { tx.call(step, market.oracle, &IAaveOracle::getAssetPriceCall { asset: lrt }).await }
    };
    let lrt_price_before_usd_e8 = price("LRT price before").await?;
    let args =
        MockAggregator::constructorCall { initialAnswer: answer(params.lrt_price_after_usd_e8()) };
    let lrt_aggregator_after = admin_tx
        .create("deploy the LRT's new aggregator", aggregator_code, args.abi_encode())
        .await?;
    admin_tx
        .send(
            "setAssetSources(LRT)",
            market.oracle,
            &IAaveOracle::setAssetSourcesCall {
                assets: vec![lrt],
                sources: vec![lrt_aggregator_after],
            },
        )
        .await?;
    let lrt_price_after_usd_e8 = price("LRT price after").await?;

    // Liquidations.
    let liq = as_(LIQUIDATOR);
    let budget = ev.borrowers.iter().fold(U256::ZERO, |a, b| a + b.weth_borrowed_wei);
    liq.send(
        "liquidator: mint WETH",
        weth,
        &WETH9Mocked::mintCall { account: LIQUIDATOR, value: budget },
    )
    .await?;
    liq.send(
        "liquidator: approve WETH",
        weth,
        &IERC20::approveCall { spender: pool, amount: U256::MAX },
    )
    .await?;
    let balance = |token: Address| {
        let tx = as_(LIQUIDATOR);
        async move {
            tx.call("liquidator balance", token, &IERC20::balanceOfCall { account: LIQUIDATOR })
                .await
        }
    };
    let mut liquidations = Vec::new();
    for (i, &who) in borrowers.iter().enumerate() {
        let (weth0, lrt0) = (balance(weth).await?, balance(lrt).await?);
        let mut calls = 0;
        loop {
            let data = liq
                .call(
                    format!("borrowers[{i}]: getUserAccountData"),
                    pool,
                    &IPool::getUserAccountDataCall { user: who },
                )
                .await?;
            let done = data.totalCollateralBase.is_zero()
                || data.totalDebtBase.is_zero()
                || data.healthFactor >= U256::from(10u64).pow(U256::from(18));
            if done {
                break;
            }
            if calls == ev.max_liquidations_per_account {
                return Err(AaveError::LiquidationUnfinished {
                    account: who,
                    calls,
                    health_factor_wad: data.healthFactor,
                });
            }
            liq.send(
                format!("borrowers[{i}]: liquidationCall #{}", calls + 1),
                pool,
                &IPool::liquidationCallCall {
                    collateralAsset: lrt,
                    debtAsset: weth,
                    user: who,
                    debtToCover: U256::MAX,
                    receiveAToken: false,
                },
            )
            .await?;
            calls += 1;
        }
        let (weth1, lrt1) = (balance(weth).await?, balance(lrt).await?);
        liquidations.push(Liquidation {
            account: who,
            calls,
            weth_repaid_wei: weth0.saturating_sub(weth1),
            lrt_seized_wei: lrt1.saturating_sub(lrt0),
        });
    }

    Ok(BadDebtEvent {
        borrowers,
        weth_suppliers,
        stable_suppliers,
        bystanders,
        liquidator: LIQUIDATOR,
        lrt_price_before_usd_e8,
        lrt_price_after_usd_e8,
        lrt_aggregator_after,
        liquidations,
    })
}

/// Mints `amount` of `token` to the sender (the package's test tokens mint to anyone), approves
/// the pool and supplies it.
async fn mint_and_supply<S: Settlement>(
    tx: &Sender<'_, S>,
    step: &str,
    pool: Address,
    token: Address,
    amount: U256,
) -> Result<(), AaveError> {
    let who = tx.from;
    // `WETH9Mocked` and `MintableERC20` share `mint(address,uint256)`.
    tx.send(
        format!("{step}: mint"),
        token,
        &MintableERC20::mintCall { account: who, value: amount },
    )
    .await?;
    tx.send(format!("{step}: approve"), token, &IERC20::approveCall { spender: pool, amount })
        .await?;
    tx.send(
        format!("{step}: supply"),
        pool,
        &IPool::supplyCall { asset: token, amount, onBehalfOf: who, referralCode: 0 },
    )
    .await
}

async fn borrow<S: Settlement>(
    tx: &Sender<'_, S>,
    step: &str,
    pool: Address,
    asset: Address,
    amount: U256,
) -> Result<(), AaveError> {
    tx.send(
        format!("{step}: borrow"),
        pool,
        &IPool::borrowCall {
            asset,
            amount,
            interestRateMode: VARIABLE,
            referralCode: 0,
            onBehalfOf: tx.from,
        },
    )
    .await
}
