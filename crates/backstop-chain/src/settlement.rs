//! The settlement trait: what Backstop needs from a chain, whatever runs it.
//!
//! Two backends implement it: [`crate::EmbeddedEvm`] (revm in-process, deterministic, no node) and
//! the Anvil/JSON-RPC backend (any node over HTTP or WebSocket). Like revm's `Database`, the trait
//! carries an associated error type, so each backend reports its own failures.
//!
//! A reverted transaction is not an error of the backend: it is a [`Receipt`] with
//! `status == false` (it was mined and paid for gas), with the revert data where the backend can
//! know it. Typed calls and revert decoding live in [`crate::SettlementExt`].
//!
//! Like revm's `Database` / `DatabaseCommit` and alloy's `Provider` / `AnvilApi`, what every node
//! offers ([`Settlement`], [`Broadcast`]) is apart from what only a development chain offers
//! ([`DevChain`]: time, mining, snapshots, balances, impersonation).

use alloy_primitives::{Address, B256, Bytes, Log, U256};
use core::future::Future;

/// A transaction (or a call) to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxRequest {
    /// Sender.
    pub from: Address,
    /// Recipient; `None` creates a contract from `data`.
    pub to: Option<Address>,
    /// Calldata (or init code).
    pub data: Bytes,
    /// Value, wei.
    pub value: U256,
    /// Gas limit; `None` lets the backend choose (estimate, or the block limit).
    pub gas_limit: Option<u64>,
}

impl TxRequest {
    /// A call of `to` with `data` from `from`.
    pub fn call(from: Address, to: Address, data: impl Into<Bytes>) -> Self {
        Self { from, to: Some(to), data: data.into(), ..Self::default() }
    }
    /// A contract creation from `from`.
    pub fn create(from: Address, init_code: impl Into<Bytes>) -> Self {
        Self { from, to: None, data: init_code.into(), ..Self::default() }
    }
}

/// A log with where it was included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLog {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Index of the log in its block.
    pub log_index: u64,
    /// The log: emitter, topics, data.
    pub log: Log,
    /// The block's timestamp, seconds, where the backend reports it (the embedded EVM always;
    /// a node when its `eth_getLogs` answers `blockTimestamp`, as Anvil and reth do).
    pub block_timestamp: Option<u64>,
    /// True if a reorg removed it (only from watchers).
    pub removed: bool,
}

/// The outcome of a mined transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block it was included in.
    pub block_number: u64,
    /// True if it succeeded.
    pub status: bool,
    /// Gas used, including the 21,000 base and calldata.
    pub gas_used: u64,
    /// Effective gas price paid, wei.
    pub effective_gas_price: u128,
    /// Address of the created contract, for a creation.
    pub contract_address: Option<Address>,
    /// Logs emitted (empty when reverted).
    pub logs: Vec<ChainLog>,
    /// Revert data, where the backend knows it (the embedded EVM always; JSON-RPC after a replay).
    pub revert_data: Option<Bytes>,
}

/// The outcome of a call that is not mined (`eth_call`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// Returned data.
    Success(Bytes),
    /// Reverted with data.
    Revert(Bytes),
}

/// Which logs to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogQuery {
    /// First block, inclusive.
    pub from_block: u64,
    /// Last block, inclusive; `None` = latest.
    pub to_block: Option<u64>,
    /// Emitters; empty = any.
    pub addresses: Vec<Address>,
}

/// What Backstop needs from a chain. Every method is `&self`; backends synchronise internally.
pub trait Settlement: Send + Sync {
    /// The backend's failure (transport, node, EVM), never a revert.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The chain id.
    fn chain_id(&self) -> u64;

    /// Runs `tx` against the latest mined state without mining it (`eth_call` at `latest`, never
    /// `pending`: a keeper must not react to transactions that are not mined).
    fn call(&self, tx: &TxRequest)
    -> impl Future<Output = Result<CallOutcome, Self::Error>> + Send;

    /// Runs `tx` against the state at the end of block `block` (so that reads agree with the
    /// events read up to that block). A backend without history (the embedded EVM) answers from
    /// its latest state, which is that block's as long as nothing was mined since.
    fn call_at(
        &self,
        tx: &TxRequest,
        block: u64,
    ) -> impl Future<Output = Result<CallOutcome, Self::Error>> + Send;

    /// Runs every call in `txs` against the latest mined state, in order, without mining any of
    /// them: one answer per call, in the same order. The default runs [`Settlement::call`] for
    /// each; a backend that can answer several calls in one round trip (the embedded EVM builds
    /// one EVM for all of them) overrides it.
    fn call_many(
        &self,
        txs: &[TxRequest],
    ) -> impl Future<Output = Result<Vec<CallOutcome>, Self::Error>> + Send {
        async move {
            let mut out = Vec::with_capacity(txs.len());
            for tx in txs {
                out.push(self.call(tx).await?);
            }
            Ok(out)
        }
    }

    /// Sends and mines `tx` (or waits until it is mined) and returns its receipt.
    fn send(&self, tx: TxRequest) -> impl Future<Output = Result<Receipt, Self::Error>> + Send;

    /// The latest block number.
    fn block_number(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// The hash of block `number`; `None` if the chain has no such block.
    fn block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<B256>, Self::Error>> + Send;

    /// The latest block's timestamp, seconds.
    fn timestamp(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// The timestamp the next block will have as far as the node knows (its pending block),
    /// seconds: the time a transaction sent now is judged at. On a chain whose clock moves with
    /// blocks only (the embedded EVM) it is the latest block's; on an automining Anvil with no
    /// traffic it still moves with the wall clock, where the latest block's stands still.
    fn next_timestamp(&self) -> impl Future<Output = Result<u64, Self::Error>> + Send {
        self.timestamp()
    }

    /// Logs matching `query`, in chain order.
    fn logs(
        &self,
        query: &LogQuery,
    ) -> impl Future<Output = Result<Vec<ChainLog>, Self::Error>> + Send;
}

/// A backend whose `call`s read the state at one block (see [`Settlement::call_at`]); everything
/// else goes to the backend as it is. Reads through it agree with events read up to that block.
#[derive(Debug, Clone, Copy)]
pub struct AtBlock<'a, S> {
    chain: &'a S,
    block: u64,
}

impl<'a, S: Settlement> AtBlock<'a, S> {
    /// `chain` read at `block`.
    pub fn new(chain: &'a S, block: u64) -> Self {
        Self { chain, block }
    }
}

impl<S: Settlement> Settlement for AtBlock<'_, S> {
    type Error = S::Error;

    fn chain_id(&self) -> u64 {
        self.chain.chain_id()
    }
    fn call(&self, tx: &TxRequest) -> impl Future<Output = Result<CallOutcome, S::Error>> + Send {
        self.chain.call_at(tx, self.block)
    }
    fn call_at(
        &self,
        tx: &TxRequest,
        block: u64,
    ) -> impl Future<Output = Result<CallOutcome, S::Error>> + Send {
        self.chain.call_at(tx, block)
    }
    fn send(&self, tx: TxRequest) -> impl Future<Output = Result<Receipt, S::Error>> + Send {
        self.chain.send(tx)
    }
    fn block_number(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.chain.block_number()
    }
    fn block_hash(&self, n: u64) -> impl Future<Output = Result<Option<B256>, S::Error>> + Send {
        self.chain.block_hash(n)
    }
    fn timestamp(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.chain.timestamp()
    }
    fn next_timestamp(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.chain.next_timestamp()
    }
    fn logs(&self, q: &LogQuery) -> impl Future<Output = Result<Vec<ChainLog>, S::Error>> + Send {
        self.chain.logs(q)
    }
}

/// What only a development chain offers: moving the clock, mining on demand, snapshots, setting
/// balances and sending as any account. Implemented by [`crate::EmbeddedEvm`] and by
/// [`crate::RpcChain`] connected to Anvil (with [`crate::RpcConfig::dev`]); a keeper on a real
/// network needs only [`Settlement`] and [`Broadcast`].
pub trait DevChain: Settlement {
    /// The timestamp of the next block, seconds.
    fn set_next_timestamp(&self, t: u64) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Moves the clock forward by `dt` seconds.
    fn increase_time(&self, dt: u64) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Mines an empty block.
    fn mine(&self) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Saves the whole state; returns an id for [`Self::revert`].
    fn snapshot(&self) -> impl Future<Output = Result<U256, Self::Error>> + Send;

    /// Restores a snapshot; false if the id is unknown.
    fn revert(&self, id: U256) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Sets the ether balance of `who`, wei.
    fn set_balance(
        &self,
        who: Address,
        wei: U256,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Lets `who` send without its key (Anvil's `anvil_impersonateAccount`; the embedded EVM
    /// accepts any sender already).
    fn impersonate(&self, who: Address) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// EIP-1559 fees, wei per gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fees {
    /// `maxFeePerGas`.
    pub max_fee: u128,
    /// `maxPriorityFeePerGas`.
    pub priority: u128,
}

impl Fees {
    /// Both fees raised by `percent` (at least +1 wei each, as replacement rules require), then
    /// capped at `cap` (`maxFeePerGas`).
    pub fn bumped(self, percent: u64, cap: Option<u128>) -> Self {
        let up = |x: u128| x.saturating_add((x * u128::from(percent) / 100).max(1));
        let mut f = Self { max_fee: up(self.max_fee), priority: up(self.priority) };
        if let Some(c) = cap {
            f.max_fee = f.max_fee.min(c);
            f.priority = f.priority.min(f.max_fee);
        }
        f
    }
}

/// Why a broadcast was refused by the node. Callers decide on the kind (`NonceTooLow` means
/// resync, `Underpriced` means bump), never on message text.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    /// The nonce is already used (by us, or by the same account elsewhere).
    #[error("nonce too low")]
    NonceTooLow,
    /// A replacement whose fees are not enough above the pending one's.
    #[error("replacement underpriced")]
    Underpriced,
    /// The nonce is above the account's next one (the embedded EVM mines in nonce order only).
    #[error("nonce gap: {nonce} is above the next nonce {next}")]
    NonceGap {
        /// The nonce asked for.
        nonce: u64,
        /// The account's next nonce.
        next: u64,
    },
    /// The node holds no key for the sender and does not impersonate it (a restarted dev node).
    #[error("the node has no signer for {0}")]
    UnknownSigner(Address),
    /// Any other refusal or failure, with the backend's error as its source.
    #[error("broadcast failed")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl BroadcastError {
    /// Wraps any backend error.
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Other(Box::new(e))
    }
}

/// The lower half of sending, for a keeper that manages its own nonces and fees: estimate (which
/// also simulates), broadcast at a given nonce and fees without waiting, look for the receipt
/// later. Replacing a stuck transaction is broadcasting again at the same nonce with higher fees.
pub trait Broadcast: Settlement {
    /// The next nonce of `who`: counting pending transactions, or only mined ones.
    fn nonce(
        &self,
        who: Address,
        pending: bool,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// Fees for the next block.
    fn fees(&self) -> impl Future<Output = Result<Fees, Self::Error>> + Send;

    /// Gas `tx` uses, or the revert data if it reverts now (a simulation).
    fn estimate(
        &self,
        tx: &TxRequest,
    ) -> impl Future<Output = Result<Result<u64, Bytes>, Self::Error>> + Send;

    /// Broadcasts `tx` at `nonce` with `fees` (and `tx.gas_limit`); returns its hash at once.
    fn broadcast(
        &self,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
    ) -> impl Future<Output = Result<B256, BroadcastError>> + Send;

    /// The receipt of `hash`, once mined.
    fn receipt(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<Receipt>, Self::Error>> + Send;

    /// Signs `tx` at `nonce` with `fees` (and `tx.gas_limit`) with the sender's local key, without
    /// sending it: what a private relay takes, and what the public node gets later, byte for byte.
    /// `Ok(None)` when the backend holds no key for the sender (an impersonated account, the
    /// embedded EVM): such a sender can only [`Self::broadcast`].
    fn sign(
        &self,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
    ) -> impl Future<Output = Result<Option<SignedTx>, BroadcastError>> + Send {
        let _ = (tx, nonce, fees);
        async { Ok(None) }
    }

    /// Sends a transaction signed by [`Self::sign`] as it is (`eth_sendRawTransaction`); returns
    /// its hash. A backend that cannot take signed transactions refuses with
    /// [`BroadcastError::Other`].
    fn send_raw(&self, raw: &Bytes) -> impl Future<Output = Result<B256, BroadcastError>> + Send {
        let _ = raw;
        async { Err(BroadcastError::other(RawUnsupported)) }
    }
}

/// A transaction signed by a local key: its hash and its EIP-2718 encoding (the bytes
/// `eth_sendRawTransaction` takes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The transaction hash (keccak of `raw`).
    pub hash: B256,
    /// The EIP-2718 envelope.
    pub raw: Bytes,
}

/// The refusal of a backend that takes no signed transactions.
#[derive(Debug, thiserror::Error)]
#[error("this backend takes no signed (raw) transactions")]
pub struct RawUnsupported;

/// Where signed transactions go instead of the public node: a private relay (a builder's or an
/// order-flow auction's endpoint), which only has to answer `eth_sendRawTransaction`. Object safe,
/// so a keeper holds any relay behind one pointer.
pub trait RawRelay: Send + Sync + core::fmt::Debug {
    /// Sends `raw` (an EIP-2718 envelope) to the relay; returns the hash it answered.
    fn send_raw<'a>(
        &'a self,
        raw: &'a Bytes,
    ) -> core::pin::Pin<Box<dyn Future<Output = Result<B256, BroadcastError>> + Send + 'a>>;

    /// The endpoint for logs: scheme, host and port only (a relay URL's path or query may carry
    /// an API key).
    fn endpoint(&self) -> String;
}
