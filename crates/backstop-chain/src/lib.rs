//! # backstop-chain: the settlement adapter
//!
//! Everything between the auction rules and a chain:
//! - [`bindings`]: the contracts' ABI and bytecode, from the compiled artifacts through `sol!`.
//! - [`Settlement`]: the backend trait (call, send, logs, time control, snapshots).
//! - [`EmbeddedEvm`]: revm in-process, the default backend (no node, deterministic).
//! - [`RpcChain`]: the same trait over JSON-RPC (Anvil, an Anvil fork, any node); [`AnvilNode`]
//!   starts and stops the pinned Anvil.
//! - [`client`]: deploy and wire a system, send the core's actions, read state back.
//! - [`differential`]: the model and a deployment in lock-step, compared after every action.
//! - [`live`]: load every live auction, the balance sheet and the parameters into a core `System`.
//! - [`watch`]: a reorg-aware log follower from a block cursor, for any backend.
//! - [`decode`]: revert data into [`backstop_core::Error`], logs into [`backstop_core::Event`].

pub mod anvil;
pub mod bindings;
pub mod client;
pub mod config;
pub mod decode;
pub mod differential;
mod error;
pub mod evm;
pub mod live;
pub mod rpc;
pub mod settlement;
pub mod watch;

pub use anvil::{AnvilConfig, AnvilError, AnvilNode, find_anvil};
pub use client::{Deployment, SettlementExt, SystemClient, deploy_system, deploy_with};
pub use config::DeployConfig;
pub use error::{ChainError, Result};
pub use evm::{EmbeddedEvm, EvmError};
pub use rpc::{RpcChain, RpcChainError, RpcConfig};
pub use settlement::{
    Broadcast, BroadcastError, CallOutcome, ChainLog, Fees, LogQuery, Receipt, Settlement,
    TxRequest,
};
pub use watch::{EventWatcher, WatchEvent};
