//! A real Aave v3 market, a real bad-debt event on it, and bad debt measured on the pool.
//!
//! The contracts are Aave's own, from the published npm package `@aave/core-v3` 1.19.3 (Aave
//! v3.0.2), which `scripts/install-tools.sh` installs into `tools/node_modules`. Nothing of it is
//! compiled into the crate: the artifacts are read at run time ([`artifacts`]), so the crate
//! builds on a fresh clone, and every entry point fails with an [`AaveError`] naming the missing
//! file until the package is installed. The same code deploys on any [`crate::Settlement`]
//! backend: the embedded EVM and Anvil.
//!
//! ```text
//!   AaveCore (the installed package) ─ artifacts, linkReferences
//!        │ link: each logic library deployed once, its address written at its offsets
//!        ▼
//!   deploy_market ─► PoolAddressesProvider ─ ACLManager (pool, emergency and risk admin)
//!                     ├─ Pool (proxy via setPoolImpl)  ├─ PoolConfigurator (proxy)
//!                     ├─ AaveOracle (MockAggregator per asset, USD, 8 decimals)
//!                     ├─ AaveProtocolDataProvider
//!                     └─ initReserves: WETH, a stablecoin, an LRT ("rsETH-like"), each with
//!                        AToken / StableDebtToken / VariableDebtToken proxies and a
//!                        DefaultReserveInterestRateStrategy; collateral, caps, borrowing, and
//!                        an ETH-correlated e-mode (WETH + LRT)
//!   run_bad_debt_event ─► suppliers supply, LRT borrowers enter the e-mode and borrow WETH,
//!                        the LRT's price falls, a liquidator calls liquidationCall
//!   read_accounts ─────► getUserAccountData + variable-debt balances, per account and in total
//!   AaveStatus::read ──► the booked accounts (Book events) measured on the pool, the book's
//!                        total, Ash, the sink's repaid / held / returned (`backstop status`)
//! ```
//!
//! ## The model
//!
//! Borrower `i` supplies `c_i` LRT (wei) and borrows `d_i` WETH (wei) in the e-mode, where it may
//! borrow up to `c_i · P_lrt · LTV_e / P_weth` (prices USD·1e8, LTV 93%). An unbacked mint of the
//! LRT is modelled as its oracle source being replaced by an aggregator at
//! `P'_lrt = P_lrt · (1 − drop)` (the package's `MockAggregator` has no setter; the replacement is
//! the oracle admin's `setAssetSources`). The health factor falls to
//! `c_i · P'_lrt · LT_e / (d_i · P_weth)`, below 0.95 for any large drop, so Aave's close factor is
//! 100%; each `liquidationCall(lrt, weth, user, type(uint256).max, false)` repays debt `x` and seizes
//! `x · P_weth · bonus_e / P'_lrt` of collateral, capped by the collateral left, in which case it
//! seizes all of it and repays only `c · P'_lrt / (P_weth · bonus_e)`. The liquidator repeats until
//! the account has no collateral left (`getUserAccountData`'s `totalCollateralBase == 0`) or its
//! health factor is back at 1. What is left is bad debt:
//!
//! ```text
//!   bad debt (WETH wei) = Σ over accounts with totalCollateralBase == 0 of
//!                         variableDebtToken(WETH).balanceOf(account)
//! ```
//!
//! Aave v3.0 (this package) does not burn it (the deficit accounting of v3.3 does not exist
//! here): it stays on the debt token, accruing interest, until someone repays it with
//! `repay(weth, amount, 2, onBehalfOf)`, which is what Backstop's recapitalization must do. The
//! measurement ([`read_accounts`]) reads every number from the pool at one block and never from
//! what the scenario asked for.
//!
//! Units everywhere: token amounts in wei (every reserve has 18 decimals); prices and Aave's
//! "base" amounts in USD with 8 decimals (`_usd_e8`, `_base`); health factors in WAD (1e18 = 1);
//! ratios in basis points (`_bps`).

pub mod artifacts;
pub mod bindings;
mod deploy;
mod event;
pub mod fork;
mod measure;
mod params;
mod recap;
mod status;

pub use artifacts::{AAVE_CORE_ENV, AAVE_CORE_VERSION, AaveContract, AaveCore, Artifact};
pub use deploy::{AaveMarket, COLLECTOR, ReserveAddresses, deploy_market};
pub use event::{
    BadDebtEvent, LIQUIDATOR, Liquidation, borrower, bystander, run_bad_debt_event,
    stable_supplier, weth_supplier,
};
pub use fork::{AaveForkError, AaveForkFile, AaveForkMarket, check_fork_market};
pub use measure::{AccountReading, PoolReading, read_accounts};
pub use params::{
    AaveMarketParams, BPS, BorrowerPosition, BystanderPosition, DECIMALS, EModeParams, EventParams,
    MAX_ACCOUNTS, MAX_CAP, RateParams, ReserveParams, UNIT, tokens,
};
pub use recap::{
    AaveBackstop, BookEntry, GOV_NAME, GOV_SYMBOL, RepayEntry, SinkTotals, deploy_backstop,
    deploy_backstop_over,
};
pub use status::{AaveStatus, booked_accounts};

use crate::ChainError;
use std::path::PathBuf;

/// What can go wrong loading, deploying or driving the Aave market.
#[derive(Debug, thiserror::Error)]
pub enum AaveError {
    /// The package is not installed where it was looked for.
    #[error(
        "{path} not found: @aave/core-v3 {AAVE_CORE_VERSION} is not installed; run \
         `scripts/install-tools.sh` (or set BACKSTOP_AAVE_CORE to the package's folder)"
    )]
    PackageNotFound {
        /// The package's `package.json`, where it was expected.
        path: PathBuf,
    },
    /// The package is there but another version.
    #[error(
        "{path}: {found}, expected @aave/core-v3@{AAVE_CORE_VERSION}; run `scripts/install-tools.sh`"
    )]
    VersionMismatch {
        /// The package's `package.json`.
        path: PathBuf,
        /// The name and version found.
        found: String,
    },
    /// An artifact the deployer needs is missing from the package.
    #[error("{path} not found in the Aave package; run `scripts/install-tools.sh` to reinstall it")]
    ArtifactMissing {
        /// The artifact's path.
        path: PathBuf,
    },
    /// A file of the package could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An artifact is not what a hardhat artifact with bytecode and link references should be.
    #[error("{path}: malformed artifact: {reason}")]
    ArtifactMalformed {
        /// The artifact's path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A contract needs a library that was not deployed.
    #[error("{contract} links {library}, which was not deployed")]
    Link {
        /// The contract being linked.
        contract: String,
        /// The library (`source:name`).
        library: String,
    },
    /// A parameter the contracts would refuse, or that the event cannot run with.
    #[error("invalid Aave market parameter {field}: {reason}")]
    InvalidParam {
        /// The field (`event.borrowers[1].weth_borrowed_wei`).
        field: String,
        /// Why.
        reason: String,
    },
    /// A step of the deployment or the event failed on the chain.
    #[error("{step} failed: {reason}")]
    Step {
        /// What was being done (`borrowers[0]: borrow`).
        step: String,
        /// Aave's revert reason where there is one (`Aave error 35`), else the chain's error.
        reason: String,
        /// The chain's error.
        #[source]
        source: Box<ChainError>,
    },
    /// The liquidator called `liquidationCall` as often as allowed and the account still has
    /// collateral and a health factor below 1.
    #[error(
        "{account}: still liquidatable after {calls} liquidationCall(s) (health factor {health_factor_wad} WAD)"
    )]
    LiquidationUnfinished {
        /// The account.
        account: alloy_primitives::Address,
        /// Calls made.
        calls: u32,
        /// Its health factor afterwards, WAD.
        health_factor_wad: alloy_primitives::U256,
    },
    /// `AaveBadDebtBook.book` refused the batch: `account` still has collateral on the pool.
    #[error("{account} has collateral on the pool ({collateral_base} base, USD·1e8): not bad debt")]
    HasCollateral {
        /// The account.
        account: alloy_primitives::Address,
        /// Its collateral, the pool's base currency (USD with 8 decimals).
        collateral_base: alloy_primitives::U256,
        /// The revert.
        #[source]
        source: Box<ChainError>,
    },
    /// `AaveRepaySink.repay`: the pool pulled another amount than asked.
    #[error("repaying {account}: asked the pool to take {asked_wei} wei, it took {paid_wei} wei")]
    RepayMismatch {
        /// The account.
        account: alloy_primitives::Address,
        /// Asked, wei of the raise asset.
        asked_wei: alloy_primitives::U256,
        /// Taken, wei of the raise asset.
        paid_wei: alloy_primitives::U256,
        /// The revert.
        #[source]
        source: Box<ChainError>,
    },
    /// A read failed or did not decode.
    #[error(transparent)]
    Chain(Box<ChainError>),
}

impl From<ChainError> for AaveError {
    fn from(e: ChainError) -> Self {
        Self::Chain(Box::new(e))
    }
}

impl AaveError {
    /// Wraps a chain error of `step`, with Aave's revert reason when the revert is an
    /// `Error(string)` (Aave v3.0's reverts are numeric codes: `Errors.sol` in the package).
    pub fn step(step: impl Into<String>, source: ChainError) -> Self {
        let reason = match &source {
            ChainError::RevertedRaw { data, .. } => {
                match <alloy::sol_types::Revert as alloy::sol_types::SolError>::abi_decode(data) {
                    Ok(r) if r.reason.chars().all(|c| c.is_ascii_digit()) => {
                        format!("Aave error {}", r.reason)
                    }
                    Ok(r) => format!("reverted: {}", r.reason),
                    Err(_) => source.to_string(),
                }
            }
            other => other.to_string(),
        };
        Self::Step { step: step.into(), reason, source: Box::new(source) }
    }

    /// The Aave error code of a failed step (`"35"`), if it reverted with one.
    pub fn aave_code(&self) -> Option<&str> {
        match self {
            Self::Step { reason, .. } => reason.strip_prefix("Aave error "),
            _ => None,
        }
    }
}
