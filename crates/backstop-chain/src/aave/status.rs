//! What `backstop status` shows of an Aave recapitalization, every number read from the chain at
//! one block: the accounts the book has booked (from its `Book` events), their debt measured on
//! the pool ([`super::read_accounts`]: variable-debt-token balances in the raise asset, and how
//! many still have zero collateral), what the book has booked, what is on auction (the
//! accountant's `Ash`) and what the sink has repaid, holds and returned.
//!
//! Units: amounts of the raise asset in wei (`_wei`, the same number as the core's WAD).

use super::{AaveBackstop, AaveError, PoolReading, SinkTotals, read_accounts};
use crate::{
    AtBlock, ChainError, LogQuery, Settlement, SettlementExt,
    backstop::bindings::{AaveBadDebtBook, Accountant},
};
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, U256};
use serde::Serialize;

/// An Aave recapitalization's state, read at one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AaveStatus {
    /// The block every value was read at.
    pub block: u64,
    /// The Aave pool.
    pub pool: Address,
    /// The raise asset.
    pub asset: Address,
    /// The book.
    pub book: Address,
    /// The sink.
    pub sink: Address,
    /// Accounts the book has booked (each once, in the order first booked).
    pub accounts: usize,
    /// Of those, how many have zero collateral on the pool now (`totalCollateralBase == 0`).
    pub zero_collateral: usize,
    /// The booked accounts' variable debt in the raise asset on the pool now, wei.
    pub debt_wei: U256,
    /// Of that, the debt of the accounts with zero collateral now (bad debt), wei.
    pub bad_debt_wei: U256,
    /// Everything the book has booked (`totalBooked`), wei.
    pub booked_wei: U256,
    /// The accountant's debt (`debt()`), wei.
    pub accountant_debt_wei: U256,
    /// On auction: the accountant's `Ash`, wei.
    pub on_auction_wei: U256,
    /// Received by the sink, wei.
    pub sink_received_wei: U256,
    /// Repaid on the pool by the sink, wei.
    pub repaid_wei: U256,
    /// Held by the sink (its balance), wei.
    pub held_wei: U256,
    /// Returned by the sink to the accountant, wei.
    pub returned_wei: U256,
    /// Booked debt found already repaid by others (`totalUnapplied`), wei.
    pub unapplied_wei: U256,
    /// Booked and neither repaid nor unapplied (`outstanding()`), wei.
    pub outstanding_wei: U256,
}

impl AaveStatus {
    /// Reads the status of `aave` at the latest block (the booked accounts from the book's events
    /// since the deployment's first block).
    pub async fn read<S: Settlement>(chain: &S, aave: &AaveBackstop) -> Result<Self, AaveError> {
        let block = chain.block_number().await.map_err(ChainError::backend)?;
        let view = AtBlock::new(chain, block);
        let accounts = booked_accounts(chain, aave, block).await?;
        let pool: PoolReading = read_accounts(&view, aave.pool, aave.asset, &accounts).await?;
        let sink: SinkTotals = aave.sink_totals(&view).await?;
        let z = Address::ZERO;
        let booked_wei = view.call_sol(z, aave.book, &AaveBadDebtBook::totalBookedCall {}).await?;
        let acc = aave.deployment.accountant;
        let accountant_debt_wei = view.call_sol(z, acc, &Accountant::debtCall {}).await?;
        let on_auction_wei = view.call_sol(z, acc, &Accountant::AshCall {}).await?;
        Ok(Self {
            block,
            pool: aave.pool,
            asset: aave.asset,
            book: aave.book,
            sink: aave.sink,
            accounts: pool.accounts.len(),
            zero_collateral: pool
                .accounts
                .iter()
                .filter(|a| a.total_collateral_base.is_zero())
                .count(),
            debt_wei: pool.total_debt_wei,
            bad_debt_wei: pool.bad_debt_wei,
            booked_wei,
            accountant_debt_wei,
            on_auction_wei,
            sink_received_wei: sink.received_wei,
            repaid_wei: sink.repaid_wei,
            held_wei: sink.balance_wei,
            returned_wei: sink.returned_wei,
            unapplied_wei: sink.unapplied_wei,
            outstanding_wei: sink.outstanding_wei,
        })
    }
}

/// The accounts of the book's `Book` events up to `to_block`, each once, in the order first seen.
pub async fn booked_accounts<S: Settlement>(
    chain: &S,
    aave: &AaveBackstop,
    to_block: u64,
) -> Result<Vec<Address>, AaveError> {
    let q = LogQuery {
        from_block: aave.deployment.from_block,
        to_block: Some(to_block),
        addresses: vec![aave.book],
    };
    let logs = chain.logs(&q).await.map_err(ChainError::backend)?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(logs
        .iter()
        .filter_map(|l| AaveBadDebtBook::Book::decode_log_data(&l.log.data).ok())
        .map(|b| b.account)
        .filter(|a| seen.insert(*a))
        .collect())
}
