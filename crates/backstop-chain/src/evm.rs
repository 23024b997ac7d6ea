//! The embedded EVM backend: revm in-process, one block per transaction, a clock that only moves
//! when told. Deterministic and fast; the default backend of the demo and of the differential tests.
//!
//! Any address can send (no signatures; every sender is treated as a funded dev account) and gas is
//! free (`basefee = 0`, `gas_price = 0`), while `gas_used` is metered exactly as on a real chain of
//! the same hardfork (Prague), so gas reports match Anvil's receipts.

use crate::settlement::{
    Broadcast, BroadcastError, CallOutcome, ChainLog, DevChain, Fees, LogQuery, Receipt,
    Settlement, TxRequest,
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
    handler::MainnetEvm,
    primitives::{TxKind, hardfork::SpecId},
    state::AccountInfo,
};
use std::{future::Future, sync::Mutex};

/// What can go wrong in the embedded EVM (never a revert: that is a receipt with status 0).
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// revm refused the transaction (nonce, gas limit, malformed).
    #[error("embedded EVM rejected the transaction")]
    Invalid(#[source] revm::context::result::EVMError<core::convert::Infallible>),
    /// The state lock was poisoned by a panic in another thread.
    #[error("embedded EVM state poisoned by an earlier panic")]
    Poisoned,
}

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<revm::handler::MainnetContext<Db>>;

/// The answer of a call that was not committed.
fn outcome(r: ExecutionResult) -> CallOutcome {
    match r {
        ExecutionResult::Success { output, .. } => CallOutcome::Success(output.into_data()),
        ExecutionResult::Revert { output, .. } => CallOutcome::Revert(output),
        ExecutionResult::Halt { reason, .. } => {
            CallOutcome::Revert(Bytes::from(format!("halt: {reason:?}").into_bytes()))
        }
    }
}

/// revm's EVM is not `Send`; the state is, so an EVM is built around it for each transaction.
fn build_evm(db: Db, chain_id: u64, block: BlockEnv) -> Evm {
    let mut cfg = CfgEnv::new_with_spec(SpecId::PRAGUE);
    cfg.chain_id = chain_id;
    Context::mainnet().with_db(db).with_cfg(cfg).with_block(block).build_mainnet()
}

struct Snapshot {
    db: Db,
    hashes: usize,
    block: u64,
    timestamp: u64,
    logs: usize,
}

struct Inner {
    db: Db,
    block: u64,
    timestamp: u64,
    logs: Vec<ChainLog>,
    /// Hash of every block, by number (block 0 included).
    hashes: Vec<B256>,
    snapshots: Vec<Snapshot>,
    tx_count: u64,
    /// Receipts by hash, for [`Broadcast::receipt`].
    receipts: std::collections::HashMap<B256, Receipt>,
}

impl Inner {
    /// Seals a new block: its hash commits to its number, its content and the chain so far, so a
    /// chain rebuilt after `revert` gets different hashes (what a log watcher sees as a reorg).
    fn seal(&mut self, number: u64, content: B256) -> B256 {
        let parent = self.hashes.last().copied().unwrap_or_default();
        let hash =
            keccak256([parent.as_slice(), &number.to_be_bytes(), content.as_slice()].concat());
        self.hashes.push(hash);
        hash
    }
}

/// revm running the contracts in-process.
pub struct EmbeddedEvm {
    inner: Mutex<Inner>,
    chain_id: u64,
}

impl std::fmt::Debug for EmbeddedEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEvm").field("chain_id", &self.chain_id).finish_non_exhaustive()
    }
}

/// Gas limit of every block (and of a transaction without one), as Anvil's default.
pub const BLOCK_GAS_LIMIT: u64 = 30_000_000;

impl EmbeddedEvm {
    /// An empty chain (id 31337, like Anvil) at `timestamp` seconds, block 0.
    pub fn new(timestamp: u64) -> Self {
        Self::with_chain_id(31_337, timestamp)
    }

    /// An empty chain with the given id.
    pub fn with_chain_id(chain_id: u64, timestamp: u64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                db: Db::default(),
                block: 0,
                timestamp,
                logs: Vec::new(),
                hashes: vec![keccak256(chain_id.to_be_bytes())],
                snapshots: Vec::new(),
                tx_count: 0,
                receipts: std::collections::HashMap::new(),
            }),
            chain_id,
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, EvmError> {
        self.inner.lock().map_err(|_| EvmError::Poisoned)
    }

    fn tx_env(&self, inner: &mut Inner, tx: &TxRequest) -> TxEnv {
        let nonce = inner.db.cache.accounts.get(&tx.from).map_or(0, |a| a.info.nonce);
        TxEnv {
            caller: tx.from,
            gas_limit: tx.gas_limit.unwrap_or(BLOCK_GAS_LIMIT),
            gas_price: 0,
            kind: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            data: tx.data.clone(),
            nonce,
            chain_id: Some(self.chain_id),
            ..TxEnv::default()
        }
    }

    /// Runs `tx` on the next block without committing it.
    fn simulate(&self, tx: &TxRequest) -> Result<ExecutionResult, EvmError> {
        let mut inner = self.lock()?;
        let env = self.tx_env(&mut inner, tx);
        let block = block_env(inner.block + 1, inner.timestamp);
        let mut evm = build_evm(std::mem::take(&mut inner.db), self.chain_id, block);
        let out = evm.transact(env);
        inner.db = evm.ctx.journaled_state.database;
        Ok(out.map_err(EvmError::Invalid)?.result)
    }

    fn run_call(&self, tx: &TxRequest) -> Result<CallOutcome, EvmError> {
        Ok(outcome(self.simulate(tx)?))
    }

    /// Runs every call on the next block without committing any, in one EVM: building the
    /// context and the interpreter's frames is paid once for the whole batch.
    fn run_calls(&self, txs: &[TxRequest]) -> Result<Vec<CallOutcome>, EvmError> {
        let mut inner = self.lock()?;
        let block = block_env(inner.block + 1, inner.timestamp);
        let envs: Vec<TxEnv> = txs.iter().map(|tx| self.tx_env(&mut inner, tx)).collect();
        let mut evm = build_evm(std::mem::take(&mut inner.db), self.chain_id, block);
        let mut out = Vec::with_capacity(envs.len());
        let mut failed = None;
        for env in envs {
            match evm.transact(env) {
                Ok(r) => out.push(outcome(r.result)),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        inner.db = evm.ctx.journaled_state.database;
        match failed {
            Some(e) => Err(EvmError::Invalid(e)),
            None => Ok(out),
        }
    }

    fn run_send(&self, tx: TxRequest) -> Result<Receipt, EvmError> {
        let mut inner = self.lock()?;
        let env = self.tx_env(&mut inner, &tx);
        let number = inner.block + 1;
        let block = block_env(number, inner.timestamp);
        let mut evm = build_evm(std::mem::take(&mut inner.db), self.chain_id, block);
        let result = evm.transact_commit(env);
        inner.db = evm.ctx.journaled_state.database;
        let result = result.map_err(EvmError::Invalid)?;
        inner.block = number;
        inner.tx_count += 1;
        let tx_hash = keccak256([tx.from.as_slice(), &inner.tx_count.to_be_bytes()].concat());
        let block_hash = inner.seal(number, tx_hash);
        let gas_used = result.gas().tx_gas_used();
        let contract_address = match (&result, tx.to) {
            (ExecutionResult::Success { output, .. }, None) => output.address().copied(),
            _ => None,
        };
        let (status, logs, revert_data) = match result {
            ExecutionResult::Success { logs, .. } => (true, logs, None),
            ExecutionResult::Revert { output, .. } => (false, vec![], Some(output)),
            ExecutionResult::Halt { reason, .. } => {
                (false, vec![], Some(Bytes::from(format!("halt: {reason:?}").into_bytes())))
            }
        };
        let logs: Vec<ChainLog> = logs
            .into_iter()
            .enumerate()
            .map(|(i, log)| ChainLog {
                block_number: number,
                block_hash,
                tx_hash,
                log_index: i as u64,
                block_timestamp: Some(inner.timestamp),
                log,
                removed: false,
            })
            .collect();
        inner.logs.extend(logs.iter().cloned());
        let receipt = Receipt {
            tx_hash,
            block_number: number,
            status,
            gas_used,
            effective_gas_price: 0,
            contract_address,
            logs,
            revert_data,
        };
        inner.receipts.insert(tx_hash, receipt.clone());
        Ok(receipt)
    }

    fn account_nonce(&self, who: Address) -> Result<u64, EvmError> {
        Ok(self.lock()?.db.cache.accounts.get(&who).map_or(0, |a| a.info.nonce))
    }

    fn run_estimate(&self, tx: &TxRequest) -> Result<Result<u64, Bytes>, EvmError> {
        Ok(match self.simulate(tx)? {
            ExecutionResult::Success { gas, .. } => Ok(gas.tx_gas_used()),
            ExecutionResult::Revert { output, .. } => Err(output),
            ExecutionResult::Halt { reason, .. } => {
                Err(Bytes::from(format!("halt: {reason:?}").into_bytes()))
            }
        })
    }
}

impl Broadcast for EmbeddedEvm {
    fn nonce(
        &self,
        who: Address,
        _pending: bool,
    ) -> impl Future<Output = Result<u64, EvmError>> + Send {
        // Nothing is ever pending: a broadcast is mined at once.
        std::future::ready(self.account_nonce(who))
    }

    fn fees(&self) -> impl Future<Output = Result<Fees, EvmError>> + Send {
        std::future::ready(Ok(Fees::default()))
    }

    fn estimate(
        &self,
        tx: &TxRequest,
    ) -> impl Future<Output = Result<Result<u64, Bytes>, EvmError>> + Send {
        std::future::ready(self.run_estimate(tx))
    }

    fn broadcast(
        &self,
        tx: &TxRequest,
        nonce: u64,
        _fees: Fees,
    ) -> impl Future<Output = Result<B256, BroadcastError>> + Send {
        let out = (|| {
            let current = self.account_nonce(tx.from).map_err(BroadcastError::other)?;
            if nonce < current {
                return Err(BroadcastError::NonceTooLow);
            }
            if nonce > current {
                return Err(BroadcastError::NonceGap { nonce, next: current });
            }
            self.run_send(tx.clone()).map(|r| r.tx_hash).map_err(BroadcastError::other)
        })();
        std::future::ready(out)
    }

    fn receipt(
        &self,
        hash: B256,
    ) -> impl Future<Output = Result<Option<Receipt>, EvmError>> + Send {
        std::future::ready(self.lock().map(|i| i.receipts.get(&hash).cloned()))
    }
}

fn block_env(number: u64, timestamp: u64) -> BlockEnv {
    BlockEnv {
        number: U256::from(number),
        timestamp: U256::from(timestamp),
        gas_limit: BLOCK_GAS_LIMIT,
        basefee: 0,
        prevrandao: Some(B256::ZERO),
        ..BlockEnv::default()
    }
}

impl Settlement for EmbeddedEvm {
    type Error = EvmError;

    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn call(&self, tx: &TxRequest) -> impl Future<Output = Result<CallOutcome, EvmError>> + Send {
        std::future::ready(self.run_call(tx))
    }

    fn call_many(
        &self,
        txs: &[TxRequest],
    ) -> impl Future<Output = Result<Vec<CallOutcome>, EvmError>> + Send {
        std::future::ready(self.run_calls(txs))
    }

    fn call_at(
        &self,
        tx: &TxRequest,
        _block: u64,
    ) -> impl Future<Output = Result<CallOutcome, EvmError>> + Send {
        // No history is kept: the latest state answers.
        std::future::ready(self.run_call(tx))
    }

    fn send(&self, tx: TxRequest) -> impl Future<Output = Result<Receipt, EvmError>> + Send {
        std::future::ready(self.run_send(tx))
    }

    fn block_number(&self) -> impl Future<Output = Result<u64, EvmError>> + Send {
        std::future::ready(self.lock().map(|i| i.block))
    }

    fn timestamp(&self) -> impl Future<Output = Result<u64, EvmError>> + Send {
        std::future::ready(self.lock().map(|i| i.timestamp))
    }

    fn logs(&self, q: &LogQuery) -> impl Future<Output = Result<Vec<ChainLog>, EvmError>> + Send {
        let out = self.lock().map(|i| {
            // Logs are in block order: start at the first log of `from_block`.
            let start = i.logs.partition_point(|l| l.block_number < q.from_block);
            i.logs[start..]
                .iter()
                .take_while(|l| q.to_block.is_none_or(|to| l.block_number <= to))
                .filter(|l| q.addresses.is_empty() || q.addresses.contains(&l.log.address))
                .cloned()
                .collect()
        });
        std::future::ready(out)
    }

    fn block_hash(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<B256>, EvmError>> + Send {
        std::future::ready(self.lock().map(|i| i.hashes.get(number as usize).copied()))
    }
}

impl DevChain for EmbeddedEvm {
    fn set_next_timestamp(&self, t: u64) -> impl Future<Output = Result<(), EvmError>> + Send {
        std::future::ready(self.lock().map(|mut i| i.timestamp = t))
    }

    fn increase_time(&self, dt: u64) -> impl Future<Output = Result<(), EvmError>> + Send {
        std::future::ready(self.lock().map(|mut i| i.timestamp = i.timestamp.saturating_add(dt)))
    }

    fn mine(&self) -> impl Future<Output = Result<(), EvmError>> + Send {
        std::future::ready(self.lock().map(|mut i| {
            i.block += 1;
            let n = i.block;
            i.seal(n, B256::ZERO);
        }))
    }

    fn snapshot(&self) -> impl Future<Output = Result<U256, EvmError>> + Send {
        let out = self.lock().map(|mut i| {
            let snap = Snapshot {
                db: i.db.clone(),
                hashes: i.hashes.len(),
                block: i.block,
                timestamp: i.timestamp,
                logs: i.logs.len(),
            };
            i.snapshots.push(snap);
            U256::from(i.snapshots.len() - 1)
        });
        std::future::ready(out)
    }

    fn revert(&self, id: U256) -> impl Future<Output = Result<bool, EvmError>> + Send {
        let out = self.lock().map(|mut i| {
            let Ok(idx) = usize::try_from(id) else { return false };
            if idx >= i.snapshots.len() {
                return false;
            }
            // Like Anvil: reverting to a snapshot drops it and every later one.
            let snap = i.snapshots.drain(idx..).next().expect("index checked");
            i.db = snap.db;
            i.block = snap.block;
            i.timestamp = snap.timestamp;
            i.logs.truncate(snap.logs);
            i.hashes.truncate(snap.hashes);
            true
        });
        std::future::ready(out)
    }

    fn set_balance(
        &self,
        who: Address,
        wei: U256,
    ) -> impl Future<Output = Result<(), EvmError>> + Send {
        let out = self.lock().map(|mut i| {
            let db = &mut i.db;
            let mut info =
                db.cache.accounts.get(&who).map(|a| a.info.clone()).unwrap_or_else(|| {
                    AccountInfo { balance: U256::ZERO, ..AccountInfo::default() }
                });
            info.balance = wei;
            db.insert_account_info(who, info);
        });
        std::future::ready(out)
    }

    fn impersonate(&self, _who: Address) -> impl Future<Output = Result<(), EvmError>> + Send {
        // Any address can send already.
        std::future::ready(Ok(()))
    }
}
