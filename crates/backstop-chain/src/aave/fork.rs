//! An existing Aave v3 market to recapitalize on an Anvil fork: its addresses file, read and
//! checked against the fork before anything is sent.
//!
//! ```text
//!   AaveForkFile::load(path) ─► JSON, every field named; a missing file, bad JSON, an unknown
//!        │                      field or an empty account list is an error naming the file
//!        ▼
//!   check_fork_market(fork) ──► reads only: code at the provider, the pool, WETH and its debt
//!                               token; the pool's WETH reserve and its variable-debt token as
//!                               the file says; every account measured on the pool: no
//!                               collateral, WETH debt (bad debt) ─► AaveForkMarket
//! ```
//!
//! The file (`camelCase` JSON; amounts are decimal strings of wei, addresses hex):
//!
//! ```json
//! {
//!   "poolAddressesProvider": "0x…",          // or "pool" (or both: they must agree)
//!   "weth": "0x…",                           // the raise asset
//!   "wethVariableDebtToken": "0x…",          // must be the pool's for WETH
//!   "collector": "0x…",                      // the treasury, impersonated on the fork
//!   "treasuryShareWei": "40000000000000000000000",   // optional: the most it pays
//!   "treasuryDepositWei": "60000000000000000000000", // optional: WETH deposited to it first
//!   "accounts": ["0x…"],                     // the bad-debt accounts to book
//!   "suppliers": ["0x…"]                     // optional: WETH suppliers who withdraw at the end
//! }
//! ```

use super::{
    bindings::{IERC20, IPool, IPoolAddressesProvider},
    measure::{PoolReading, read_accounts},
};
use crate::{ChainError, RpcChain, RpcChainError, SettlementExt};
use alloy::providers::Provider;
use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What is wrong with an addresses file or the market it names. Every variant names the file;
/// all are raised before any transaction is sent.
#[derive(Debug, thiserror::Error)]
pub enum AaveForkError {
    /// The file cannot be read.
    #[error("cannot read the Aave market file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of the expected shape (serde names the field, line and column).
    #[error("{path}: not an Aave market file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A field the file must have, or a value it cannot hold.
    #[error("{path}: {field}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The field (`accounts`, `pool`).
        field: String,
        /// Why.
        reason: String,
    },
    /// An address that must be a contract has no code on the fork.
    #[error("{path}: {field} = {address} has no code on the fork (not this network's market?)")]
    NoCode {
        /// The file.
        path: PathBuf,
        /// The field (`pool`, `weth`).
        field: String,
        /// The address.
        address: Address,
    },
    /// The pool or its reserve is not what the file says.
    #[error("{path}: {field} = {given}, but the chain has {found} ({what})")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The field.
        field: String,
        /// What the file says.
        given: Address,
        /// What the chain says.
        found: Address,
        /// Where the chain's value was read.
        what: String,
    },
    /// A listed account is not bad debt on the pool now.
    #[error("{path}: accounts[{index}] = {account} is not bad debt: {reason}")]
    NotBadDebt {
        /// The file.
        path: PathBuf,
        /// Its index in `accounts`.
        index: usize,
        /// The account.
        account: Address,
        /// Why (collateral left, in USD·1e8; or no WETH debt).
        reason: String,
    },
    /// A read on the fork failed or did not decode.
    #[error("{path}: reading {what} on the fork failed")]
    Chain {
        /// The file.
        path: PathBuf,
        /// What was read.
        what: String,
        /// The chain's error.
        #[source]
        source: Box<ChainError>,
    },
    /// Measuring the accounts on the pool failed.
    #[error("{path}: measuring the accounts on the pool failed")]
    Measure {
        /// The file.
        path: PathBuf,
        /// The measurement's error.
        #[source]
        source: Box<super::AaveError>,
    },
}

/// The addresses file of an existing Aave v3 market (module docs for the format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AaveForkFile {
    /// The market's `PoolAddressesProvider` (its `getPool()` is the pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_addresses_provider: Option<Address>,
    /// The pool (proxy); read from the provider when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<Address>,
    /// The raise asset: WETH, a reserve of the pool.
    pub weth: Address,
    /// WETH's variable-debt token (`getReserveData(weth).variableDebtTokenAddress`).
    pub weth_variable_debt_token: Address,
    /// The treasury (Aave's Collector): impersonated on the fork, pays from its WETH.
    pub collector: Address,
    /// The most the treasury pays of the booked debt, wei of WETH (default: see the recap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treasury_share_wei: Option<U256>,
    /// WETH deposited to the collector before the recap (ether set on the fork, then
    /// `WETH.deposit`), wei: a treasury amount when the collector holds too little.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treasury_deposit_wei: Option<U256>,
    /// The accounts whose WETH debt is bad (no collateral left): booked, auctioned, repaid.
    pub accounts: Vec<Address>,
    /// WETH suppliers who withdraw their whole balance at the end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppliers: Vec<Address>,
}

impl AaveForkFile {
    /// Reads and parses `path`; checks what needs no chain (a pool or a provider, at least one
    /// account, no repeated account).
    pub fn load(path: &Path) -> Result<Self, AaveForkError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| AaveForkError::Read { path: path.to_owned(), source })?;
        let file: Self = serde_json::from_str(&text)
            .map_err(|source| AaveForkError::Json { path: path.to_owned(), source })?;
        file.validate(path)?;
        Ok(file)
    }

    /// The checks of [`Self::load`] that need no chain.
    pub fn validate(&self, path: &Path) -> Result<(), AaveForkError> {
        let bad = |field: &str, reason: String| AaveForkError::Invalid {
            path: path.to_owned(),
            field: field.to_owned(),
            reason,
        };
        if self.pool.is_none() && self.pool_addresses_provider.is_none() {
            return Err(bad("pool", "give `pool` or `poolAddressesProvider`".into()));
        }
        if self.accounts.is_empty() {
            return Err(bad("accounts", "no account to book".into()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            if !seen.insert(*a) {
                return Err(bad(&format!("accounts[{i}]"), format!("{a} is listed twice")));
            }
        }
        Ok(())
    }
}

/// A market checked on the fork: every address has code and agrees with the pool, every account
/// is bad debt now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveForkMarket {
    /// The file it came from.
    pub path: PathBuf,
    /// The file.
    pub file: AaveForkFile,
    /// The pool (from the file or the provider).
    pub pool: Address,
    /// WETH.
    pub weth: Address,
    /// WETH's aToken on the pool.
    pub a_weth: Address,
    /// WETH's variable-debt token on the pool.
    pub weth_debt_token: Address,
    /// The accounts measured on the pool at the check (all bad debt).
    pub reading: PoolReading,
    /// The collector's WETH at the check, wei.
    pub collector_weth_wei: U256,
}

/// Checks `file` (read from `path`) against the fork `chain`, with reads only: code at the
/// provider, the pool, WETH and the debt token; the pool from the provider equal to `pool` when
/// both are given; WETH a reserve of the pool whose variable-debt token is the file's; every
/// account without collateral and with WETH debt; every supplier holding aWETH.
pub async fn check_fork_market(
    chain: &RpcChain,
    path: &Path,
    file: &AaveForkFile,
) -> Result<AaveForkMarket, AaveForkError> {
    file.validate(path)?;
    let p = || path.to_owned();
    let read = |what: &str| {
        let what = what.to_owned();
        move |e: ChainError| AaveForkError::Chain { path: p(), what, source: Box::new(e) }
    };
    let has_code = |field: &'static str, address: Address| async move {
        let code = chain
            .provider()
            .get_code_at(address)
            .await
            .map_err(|e| ChainError::backend(RpcChainError::rpc("eth_getCode", e)))
            .map_err(read(&format!("the code at {field}")))?;
        if code.is_empty() {
            return Err(AaveForkError::NoCode { path: p(), field: field.into(), address });
        }
        Ok(())
    };
    let z = Address::ZERO;
    let pool = match (file.pool_addresses_provider, file.pool) {
        (Some(provider), given) => {
            has_code("poolAddressesProvider", provider).await?;
            let found = chain
                .call_sol(z, provider, &IPoolAddressesProvider::getPoolCall {})
                .await
                .map_err(read("poolAddressesProvider.getPool()"))?;
            match given {
                Some(pool) if pool != found => {
                    return Err(AaveForkError::Mismatch {
                        path: p(),
                        field: "pool".into(),
                        given: pool,
                        found,
                        what: "poolAddressesProvider.getPool()".into(),
                    });
                }
                _ => found,
            }
        }
        (None, Some(pool)) => pool,
        (None, None) => {
            return Err(AaveForkError::Invalid {
                path: p(),
                field: "pool".into(),
                reason: "give `pool` or `poolAddressesProvider`".into(),
            });
        }
    };
    has_code("pool", pool).await?;
    has_code("weth", file.weth).await?;
    has_code("wethVariableDebtToken", file.weth_variable_debt_token).await?;
    let reserve = chain
        .call_sol(z, pool, &IPool::getReserveDataCall { asset: file.weth })
        .await
        .map_err(read("pool.getReserveData(weth)"))?;
    if reserve.variableDebtTokenAddress == Address::ZERO {
        return Err(AaveForkError::Invalid {
            path: p(),
            field: "weth".into(),
            reason: format!("{} is not a reserve of the pool {pool}", file.weth),
        });
    }
    if reserve.variableDebtTokenAddress != file.weth_variable_debt_token {
        return Err(AaveForkError::Mismatch {
            path: p(),
            field: "wethVariableDebtToken".into(),
            given: file.weth_variable_debt_token,
            found: reserve.variableDebtTokenAddress,
            what: "pool.getReserveData(weth).variableDebtTokenAddress".into(),
        });
    }
    let reading = read_accounts(chain, pool, file.weth, &file.accounts)
        .await
        .map_err(|e| AaveForkError::Measure { path: p(), source: Box::new(e) })?;
    for (index, r) in reading.accounts.iter().enumerate() {
        let reason = if !r.total_collateral_base.is_zero() {
            format!("it has collateral on the pool ({} USD·1e8)", r.total_collateral_base)
        } else if r.variable_debt_wei.is_zero() {
            "it owes no WETH at the variable rate".to_owned()
        } else {
            continue;
        };
        return Err(AaveForkError::NotBadDebt { path: p(), index, account: r.account, reason });
    }
    let a_weth = reserve.aTokenAddress;
    for (i, &who) in file.suppliers.iter().enumerate() {
        let a = chain
            .call_sol(z, a_weth, &IERC20::balanceOfCall { account: who })
            .await
            .map_err(read("aWETH.balanceOf(supplier)"))?;
        if a.is_zero() {
            return Err(AaveForkError::Invalid {
                path: p(),
                field: format!("suppliers[{i}]"),
                reason: format!("{who} holds no aWETH"),
            });
        }
    }
    let collector_weth_wei = chain
        .call_sol(z, file.weth, &IERC20::balanceOfCall { account: file.collector })
        .await
        .map_err(read("WETH.balanceOf(collector)"))?;
    Ok(AaveForkMarket {
        path: p(),
        file: file.clone(),
        pool,
        weth: file.weth,
        a_weth,
        weth_debt_token: reserve.variableDebtTokenAddress,
        reading,
        collector_weth_wei,
    })
}
