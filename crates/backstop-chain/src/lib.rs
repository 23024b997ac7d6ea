//! # backstop-chain: settlement, one adapter per contract set
//!
//! Everything between the auction rules and a chain:
//!
//! ```text
//!   backstop_core::{Action, Event, Error, System}
//!            ▲ encode / decode / read
//!   Adapter ─┤  one per contract set: backstop::Deployment (Backstop's contracts)
//!            ▼
//!   Settlement (+ Broadcast)   what every node offers: call, send, logs, blocks, nonces, fees
//!   DevChain                   what only a dev chain offers: time, mining, snapshots, balances
//!            ▲
//!   EmbeddedEvm (revm, in-process)   RpcChain (JSON-RPC: Anvil, a fork, any node)
//! ```
//!
//! - [`Settlement`], [`Broadcast`], [`DevChain`]: the backend traits. Like revm's `Database`,
//!   each carries an associated error type, so each backend reports its own failures.
//! - [`EmbeddedEvm`]: revm in-process, the default backend (no node, deterministic).
//! - [`RpcChain`]: the same traits over JSON-RPC; [`AnvilNode`] starts and stops the pinned Anvil.
//! - [`Adapter`]: the seam between the core's actions, events and errors and one contract set's
//!   calldata, logs and reverts; [`backstop`] holds Backstop's own contracts (bindings, decoding,
//!   deployment, the loss waterfall's `Waterfall`, `StakingVault` and `PledgeRound`), the only
//!   module that knows their ABI.
//! - [`SystemClient`]: send the core's actions through an adapter and get the core's events.
//! - [`live`]: load every live auction, the balance sheet and the parameters into a core
//!   `System`, for any adapter.
//! - [`watch`]: a reorg-aware log follower from a block cursor, for any backend.
//! - `differential` (feature `test-utils`): the model and a deployment in lock-step, compared after
//!   every action (`differential::waterfall`: with a loss waterfall).
//! - [`dss`]: MakerDAO dss (`Vat`, `Vow`, `Flopper`, `DaiJoin`), the second adapter: RAD
//!   converted exactly, closed windows, auctions found from storage; and Backstop's
//!   dss-compatible test contracts.
//! - [`aave`]: a real Aave v3 market from the installed `@aave/core-v3` package (loaded at run
//!   time), a bad-debt event driven through its contracts, and bad debt measured on the pool.
//! - [`uniswap`]: a real Uniswap V2 market from its npm package (`@uniswap/v2-core` 1.0.1, read at
//!   run time): factory, pairs, reserves as the core's `amm::Reserves`, swaps.
//! - `gas` (feature `test-utils`): gas per action in two matched states on any dev chain, and the
//!   report `contracts-abi/GAS.md` rendered from the figures.
#![warn(unused_crate_dependencies)]

pub mod aave;
pub mod adapter;
pub mod anvil;
pub mod backstop;
pub mod client;
pub mod config;
#[cfg(feature = "test-utils")]
pub mod differential;
pub mod dss;
mod error;
pub mod evm;
#[cfg(feature = "test-utils")]
pub mod gas;
pub mod live;
pub mod rpc;
pub mod settlement;
pub mod uniswap;
pub mod watch;

pub use adapter::{Adapter, Call};
pub use anvil::{AnvilConfig, AnvilError, AnvilNode, find_anvil};
pub use backstop::{
    AaveAddresses, Deployment, WaterfallContracts, bindings, decode,
    deploy::{deploy_system, deploy_waterfall, deploy_with, waterfall_model},
};
pub use client::{Answers, ReadBatch, SettlementExt, Slot, SystemClient};
pub use config::DeployConfig;
pub use error::{BoxError, ChainError, Result};
pub use evm::{EmbeddedEvm, EvmError};
pub use rpc::{RpcChain, RpcChainError, RpcConfig, RpcErrorKind, RpcRelay};
pub use settlement::{
    AtBlock, Broadcast, BroadcastError, CallOutcome, ChainLog, DevChain, Fees, LogQuery, RawRelay,
    RawUnsupported, Receipt, Settlement, SignedTx, TxRequest,
};
pub use watch::{EventWatcher, WatchEvent};

#[cfg(test)]
mod dev_deps {
    // Used by the integration tests only.
    use backstop_chain as _;
    use proptest as _;
}
