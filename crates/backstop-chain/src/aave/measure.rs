//! Bad debt measured on the pool: per account, `getUserAccountData` and the balance of the debt
//! asset's variable-debt token, all read at one block; bad debt is the debt of the accounts
//! without collateral. Nothing here knows what a scenario asked for.

use super::{
    AaveError,
    bindings::{IERC20, IPool},
};
use crate::{AtBlock, ChainError, Settlement, SettlementExt};
use alloy_primitives::{Address, U256};

/// One account as the pool sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountReading {
    /// The account.
    pub account: Address,
    /// `getUserAccountData.totalCollateralBase`: collateral, USD with 8 decimals.
    pub total_collateral_base: U256,
    /// `getUserAccountData.totalDebtBase`: debt in every asset, USD with 8 decimals.
    pub total_debt_base: U256,
    /// `getUserAccountData.healthFactor`, WAD (`U256::MAX` without debt).
    pub health_factor_wad: U256,
    /// The debt asset's variable-debt token balance: debt in that asset, wei.
    pub variable_debt_wei: U256,
}

impl AccountReading {
    /// No collateral left and debt in the asset: bad debt.
    pub fn is_bad_debt(&self) -> bool {
        self.total_collateral_base.is_zero() && !self.variable_debt_wei.is_zero()
    }
}

/// Accounts read at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolReading {
    /// The block every value was read at.
    pub block: u64,
    /// The pool.
    pub pool: Address,
    /// The debt asset (WETH for the 2026 shape).
    pub debt_asset: Address,
    /// Its variable-debt token (read from the pool's reserve data).
    pub variable_debt_token: Address,
    /// One reading per account, in the order asked.
    pub accounts: Vec<AccountReading>,
    /// Σ of every account's variable debt in the asset, wei.
    pub total_debt_wei: U256,
    /// Σ of the variable debt of the accounts with zero collateral, wei: the bad debt.
    pub bad_debt_wei: U256,
}

impl PoolReading {
    /// The accounts whose debt is bad (zero collateral, debt in the asset), in order.
    pub fn bad_debt_accounts(&self) -> impl Iterator<Item = &AccountReading> {
        self.accounts.iter().filter(|a| a.is_bad_debt())
    }
}

/// Reads `accounts` on `pool` at the latest block: `getUserAccountData` and the variable debt in
/// `debt_asset` (its variable-debt token from `getReserveData`). Any Aave v3 pool will do: the
/// market deployed here or a real network's on a fork. A duplicate account is counted once.
pub async fn read_accounts<S: Settlement>(
    chain: &S,
    pool: Address,
    debt_asset: Address,
    accounts: &[Address],
) -> Result<PoolReading, AaveError> {
    let block = chain.block_number().await.map_err(ChainError::backend)?;
    // Every call at the same block: values agree with each other even while blocks are mined.
    let view = AtBlock::new(chain, block);
    let reserve = view
        .call_sol(Address::ZERO, pool, &IPool::getReserveDataCall { asset: debt_asset })
        .await?;
    let debt_token = reserve.variableDebtTokenAddress;
    if debt_token == Address::ZERO {
        return Err(AaveError::InvalidParam {
            field: "debt_asset".into(),
            reason: format!("{debt_asset} is not a reserve of the pool {pool}"),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut readings = Vec::new();
    let (mut total, mut bad) = (U256::ZERO, U256::ZERO);
    for &account in accounts {
        if !seen.insert(account) {
            continue;
        }
        let data = view
            .call_sol(Address::ZERO, pool, &IPool::getUserAccountDataCall { user: account })
            .await?;
        let debt =
            view.call_sol(Address::ZERO, debt_token, &IERC20::balanceOfCall { account }).await?;
        let r = AccountReading {
            account,
            total_collateral_base: data.totalCollateralBase,
            total_debt_base: data.totalDebtBase,
            health_factor_wad: data.healthFactor,
            variable_debt_wei: debt,
        };
        let overflow = |_| ChainError::OutOfRange { what: "a sum of debt", value: debt };
        total = total.checked_add(debt).ok_or(()).map_err(overflow)?;
        if r.is_bad_debt() {
            bad = bad.checked_add(debt).ok_or(()).map_err(overflow)?;
        }
        readings.push(r);
    }
    Ok(PoolReading {
        block,
        pool,
        debt_asset,
        variable_debt_token: debt_token,
        accounts: readings,
        total_debt_wei: total,
        bad_debt_wei: bad,
    })
}

impl super::AaveMarket {
    /// [`read_accounts`] on this market's pool, in WETH.
    pub async fn read_weth_debt<S: Settlement>(
        &self,
        chain: &S,
        accounts: &[Address],
    ) -> Result<PoolReading, AaveError> {
        read_accounts(chain, self.pool, self.weth.underlying, accounts).await
    }
}
