//! Backstop over an Aave v3 market: the deployment whose raise asset is the market's WETH, whose
//! debt comes only from [`AaveBadDebtBook`] (bad debt measured on the pool) and whose sink is
//! [`AaveRepaySink`] (proceeds repay the booked accounts' debt on the pool).
//!
//! ```text
//!   deploy_backstop ─► Accountant(WETH, 0), GovToken ("Aave-like"), PriceOracle (WETH per token),
//!                      English and Dutch houses (deploy_over_asset)
//!                    ─► AaveBadDebtBook(accountant, pool, WETH)   accountant.rely(book)
//!                    ─► AaveRepaySink(book)                       accountant.file("sink", sink)
//! ```
//!
//! The calls here are the protocol-specific glue only: booking, repaying, giving back, and
//! reading the book's and the sink's totals. Who calls them and when is the scenario's business
//! (the root package's `aave_demo`).
//!
//! Units: every amount of the raise asset is wei of WETH (18 decimals, the same number as the
//! core's WAD); collateral in Aave's base currency is USD with 8 decimals (`_base`).

use super::{AaveError, AaveMarket};
use crate::{
    ChainError, Deployment, Settlement, SettlementExt,
    backstop::{
        AaveAddresses,
        bindings::{AaveBadDebtBook, AaveRepaySink, Accountant},
        decode::name_bytes32,
        deploy::deploy_over_asset,
    },
};
use alloy::sol_types::{SolConstructor, SolEvent, SolInterface};
use alloy_primitives::{Address, U256};
use backstop_core::{Ray, SystemParams};

/// The governance token's name in an Aave deployment (an AAVE-like token minted only by the
/// auctions).
pub const GOV_NAME: &str = "Aave-like Governance";
/// Its symbol.
pub const GOV_SYMBOL: &str = "xAAVE";

/// Backstop deployed over an Aave v3 market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AaveBackstop {
    /// Backstop's contracts; `stablecoin` is the market's WETH and `sink` the repay sink.
    pub deployment: Deployment,
    /// The [`AaveBadDebtBook`] (a ward of the accountant).
    pub book: Address,
    /// The [`AaveRepaySink`] (the accountant's sink).
    pub sink: Address,
    /// The Aave pool.
    pub pool: Address,
    /// The raise asset (the reserve whose bad debt is booked): WETH.
    pub asset: Address,
    /// The raise asset's variable debt token on the pool.
    pub debt_token: Address,
}

/// One account of a `book` call, from its `Book` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookEntry {
    /// The account.
    pub account: Address,
    /// Its variable debt on the pool at booking, wei of the raise asset.
    pub debt_wei: U256,
    /// What was booked now (debt above the account's mark), wei of the raise asset.
    pub tab_wei: U256,
}

/// One account of a `repay` call, from its `Repay`, `Held` or `Unapplied` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepayEntry {
    /// Repaid on the pool.
    Repaid {
        /// The account.
        account: Address,
        /// Repaid, wei of the raise asset.
        amount_wei: U256,
        /// The account's debt before, wei.
        debt_wei: U256,
    },
    /// Not repaid now: the account has collateral on the pool again (the oracle recovered after
    /// it was booked); the amount stays held in the sink for a later `repay`.
    Held {
        /// The account.
        account: Address,
        /// Held, wei of the raise asset (its outstanding amount).
        amount_wei: U256,
        /// Its collateral now, the pool's base currency (USD with 8 decimals).
        collateral_base: U256,
    },
    /// Booked debt the pool no longer has (repaid by someone else), set aside to give back.
    Unapplied {
        /// The account.
        account: Address,
        /// Set aside, wei of the raise asset.
        amount_wei: U256,
        /// The account's debt now, wei.
        debt_wei: U256,
    },
}

/// The sink's totals, all wei of the raise asset, read at one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SinkTotals {
    /// Everything the sink ever received (`received()`).
    pub received_wei: U256,
    /// Repaid on the pool (`totalRepaid`).
    pub repaid_wei: U256,
    /// Booked debt found already repaid by others (`totalUnapplied`).
    pub unapplied_wei: U256,
    /// Given back to the accountant (`totalReturned`).
    pub returned_wei: U256,
    /// Held: the sink's balance of the raise asset.
    pub balance_wei: U256,
    /// Booked and not yet repaid or unapplied (`outstanding()`).
    pub outstanding_wei: U256,
}

/// Deploys Backstop over `market`: raise asset the market's WETH, a new AAVE-like governance
/// token minted only by the auctions, the oracle at `price` (RAY: WETH per governance token), the
/// auctions' and accountant's `params`, the book (a ward of the accountant) and the repay sink
/// (the accountant's sink). `deployer` is the first ward of every Backstop contract.
pub async fn deploy_backstop<S: Settlement>(
    chain: &S,
    market: &AaveMarket,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
) -> Result<AaveBackstop, AaveError> {
    deploy_backstop_over(chain, market.pool, market.weth.underlying, deployer, params, price).await
}

/// [`deploy_backstop`] over any Aave v3 `pool` (one deployed here, or an existing market on a
/// fork) with `weth` (a reserve of the pool) as the raise asset.
pub async fn deploy_backstop_over<S: Settlement>(
    chain: &S,
    pool: Address,
    weth: Address,
    deployer: Address,
    params: &SystemParams,
    price: Ray,
) -> Result<AaveBackstop, AaveError> {
    let step = |what: &str| format!("deploy Backstop over the Aave market: {what}");
    let mut d = deploy_over_asset(
        chain,
        deployer,
        params,
        price,
        Address::ZERO,
        weth,
        GOV_NAME,
        GOV_SYMBOL,
    )
    .await
    .map_err(|e| AaveError::step(step("system"), e))?;
    let book = chain
        .deploy_code(
            deployer,
            &AaveBadDebtBook::BYTECODE,
            AaveBadDebtBook::constructorCall {
                accountant_: d.accountant,
                pool_: pool,
                asset_: weth,
            }
            .abi_encode(),
        )
        .await
        .map_err(|e| AaveError::step(step("AaveBadDebtBook"), e))?;
    let sink = chain
        .deploy_code(
            deployer,
            &AaveRepaySink::BYTECODE,
            AaveRepaySink::constructorCall { book_: book }.abi_encode(),
        )
        .await
        .map_err(|e| AaveError::step(step("AaveRepaySink"), e))?;
    chain
        .send_sol(deployer, d.accountant, &Accountant::relyCall { usr: book })
        .await
        .map_err(|e| AaveError::step(step("accountant.rely(book)"), e))?;
    let file = Accountant::file_1Call { what: name_bytes32("sink"), data: sink };
    chain
        .send_sol(deployer, d.accountant, &file)
        .await
        .map_err(|e| AaveError::step(step("accountant.file(sink)"), e))?;
    d.sink = sink;
    let debt_token = chain.call_sol(deployer, book, &AaveBadDebtBook::debtTokenCall {}).await?;
    d.aave = Some(AaveAddresses { pool, asset: weth, debt_token, book, sink });
    Ok(AaveBackstop { deployment: d, book, sink, pool, asset: weth, debt_token })
}

/// The typed error of a book or sink revert, else [`AaveError::step`].
fn refused(step: &str, source: ChainError) -> AaveError {
    use AaveBadDebtBook::AaveBadDebtBookErrors as E;
    let decoded = match &source {
        ChainError::RevertedRaw { data, .. } => E::abi_decode(data).ok(),
        _ => None,
    };
    match decoded {
        Some(E::HasCollateral(h)) => AaveError::HasCollateral {
            account: h.account,
            collateral_base: h.collateralBase,
            source: Box::new(source),
        },
        Some(E::RepayMismatch(r)) => AaveError::RepayMismatch {
            account: r.account,
            asked_wei: r.asked,
            paid_wei: r.paid,
            source: Box::new(source),
        },
        _ => AaveError::step(step, source),
    }
}

impl AaveBackstop {
    /// The Aave recapitalization a deployment file describes (its `aave` addresses), if any.
    pub fn from_deployment(deployment: Deployment) -> Option<Self> {
        let a = deployment.aave?;
        Some(Self {
            deployment,
            book: a.book,
            sink: a.sink,
            pool: a.pool,
            asset: a.asset,
            debt_token: a.debt_token,
        })
    }

    /// `book(accounts)` from `from`: books each account's variable debt above its mark (one
    /// `fess` of the total). Returns one entry per account, in order (`tab_wei` 0 when nothing
    /// new). An account with collateral refuses the whole batch: [`AaveError::HasCollateral`].
    pub async fn book<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        accounts: &[Address],
    ) -> Result<Vec<BookEntry>, AaveError> {
        let call = AaveBadDebtBook::bookCall { accounts: accounts.to_vec() };
        let receipt =
            chain.send_sol(from, self.book, &call).await.map_err(|e| refused("book", e))?;
        Ok(receipt
            .logs
            .iter()
            .filter(|l| l.log.address == self.book)
            .filter_map(|l| AaveBadDebtBook::Book::decode_log_data(&l.log.data).ok())
            .map(|b| BookEntry { account: b.account, debt_wei: b.debt, tab_wei: b.tab })
            .collect())
    }

    /// What `book([account])` would find now: (collateral in base currency, USD·1e8; variable
    /// debt, wei; the part not yet booked, wei).
    pub async fn quote<S: Settlement>(
        &self,
        chain: &S,
        account: Address,
    ) -> Result<(U256, U256, U256), AaveError> {
        let q = chain
            .call_sol(Address::ZERO, self.book, &AaveBadDebtBook::quoteCall { account })
            .await?;
        Ok((q.collateralBase, q.debt, q.tab))
    }

    /// Debt booked for `account` so far (its mark), wei of the raise asset.
    pub async fn booked<S: Settlement>(
        &self,
        chain: &S,
        account: Address,
    ) -> Result<U256, AaveError> {
        let call = AaveBadDebtBook::bookedCall { account };
        Ok(chain.call_sol(Address::ZERO, self.book, &call).await?)
    }

    /// Everything the book has booked, wei of the raise asset.
    pub async fn total_booked<S: Settlement>(&self, chain: &S) -> Result<U256, AaveError> {
        let call = AaveBadDebtBook::totalBookedCall {};
        Ok(chain.call_sol(Address::ZERO, self.book, &call).await?)
    }

    /// `repay(accounts)` from `from`: the sink applies its balance to the accounts' debt on the
    /// pool, holding those with collateral again. Returns the `Repay`, `Held` and `Unapplied`
    /// entries in the order emitted.
    pub async fn repay<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
        accounts: &[Address],
    ) -> Result<Vec<RepayEntry>, AaveError> {
        let call = AaveRepaySink::repayCall { accounts: accounts.to_vec() };
        let receipt =
            chain.send_sol(from, self.sink, &call).await.map_err(|e| refused("repay", e))?;
        let mut out = Vec::new();
        for l in receipt.logs.iter().filter(|l| l.log.address == self.sink) {
            if let Ok(r) = AaveRepaySink::Repay::decode_log_data(&l.log.data) {
                out.push(RepayEntry::Repaid {
                    account: r.account,
                    amount_wei: r.amount,
                    debt_wei: r.debt,
                });
            } else if let Ok(h) = AaveRepaySink::Held::decode_log_data(&l.log.data) {
                out.push(RepayEntry::Held {
                    account: h.account,
                    amount_wei: h.amount,
                    collateral_base: h.collateralBase,
                });
            } else if let Ok(u) = AaveRepaySink::Unapplied::decode_log_data(&l.log.data) {
                out.push(RepayEntry::Unapplied {
                    account: u.account,
                    amount_wei: u.amount,
                    debt_wei: u.debt,
                });
            }
        }
        Ok(out)
    }

    /// `giveBack()` from `from`: sends the sink's unusable balance to the accountant. Returns the
    /// amount, wei of the raise asset (from the `GiveBack` event).
    pub async fn give_back<S: Settlement>(
        &self,
        chain: &S,
        from: Address,
    ) -> Result<U256, AaveError> {
        let receipt = chain
            .send_sol(from, self.sink, &AaveRepaySink::giveBackCall {})
            .await
            .map_err(|e| refused("giveBack", e))?;
        Ok(receipt
            .logs
            .iter()
            .filter(|l| l.log.address == self.sink)
            .filter_map(|l| AaveRepaySink::GiveBack::decode_log_data(&l.log.data).ok())
            .map(|g| g.amount)
            .sum())
    }

    /// The sink's totals at the latest block.
    pub async fn sink_totals<S: Settlement>(&self, chain: &S) -> Result<SinkTotals, AaveError> {
        let block = chain.block_number().await.map_err(ChainError::backend)?;
        let view = crate::AtBlock::new(chain, block);
        let s = self.sink;
        let z = Address::ZERO;
        Ok(SinkTotals {
            received_wei: view.call_sol(z, s, &AaveRepaySink::receivedCall {}).await?,
            repaid_wei: view.call_sol(z, s, &AaveRepaySink::totalRepaidCall {}).await?,
            unapplied_wei: view.call_sol(z, s, &AaveRepaySink::totalUnappliedCall {}).await?,
            returned_wei: view.call_sol(z, s, &AaveRepaySink::totalReturnedCall {}).await?,
            balance_wei: view
                .call_sol(z, self.asset, &super::bindings::IERC20::balanceOfCall { account: s })
                .await?,
            outstanding_wei: view.call_sol(z, s, &AaveRepaySink::outstanding_1Call {}).await?,
        })
    }
}
