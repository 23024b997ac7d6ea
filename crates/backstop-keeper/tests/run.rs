//! `Keeper::run`: the loop an operator's process runs. It steps until nothing more can happen,
//! retries failed steps with backoff (a node that drops requests), and stops on its shutdown
//! signal, also while backing off.

use alloy_primitives::{Address, B256, Bytes, U256};
use backstop_chain::{
    Broadcast, BroadcastError, CallOutcome, ChainLog, DevChain, EmbeddedEvm, Fees, LogQuery,
    Receipt, Settlement, SystemClient, TxRequest, deploy_system,
};
use backstop_core::{AccountantParams, Action, Ray, SystemParams, Wad};
use backstop_keeper::{Keeper, KeeperConfig, RunEnd, RunOptions};
use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

const DEPLOYER: Address = Address::new([0xd1; 20]);
const KEEPER: Address = Address::new([0xe1; 20]);

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

/// A backend that fails the first `fail` requests it reads with, then passes everything through.
#[derive(Debug)]
struct Flaky {
    inner: EmbeddedEvm,
    fail: AtomicU64,
    failed: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
enum FlakyError {
    #[error("injected failure")]
    Injected,
    #[error(transparent)]
    Inner(#[from] backstop_chain::EvmError),
}

impl Flaky {
    fn new(inner: EmbeddedEvm, fail: u64) -> Self {
        Self { inner, fail: AtomicU64::new(fail), failed: AtomicU64::new(0) }
    }
    fn gate(&self) -> Result<(), FlakyError> {
        let left = self.fail.load(Ordering::SeqCst);
        if left > 0 {
            self.fail.store(left - 1, Ordering::SeqCst);
            self.failed.fetch_add(1, Ordering::SeqCst);
            return Err(FlakyError::Injected);
        }
        Ok(())
    }
}

impl Settlement for Flaky {
    type Error = FlakyError;
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
    async fn call(&self, tx: &TxRequest) -> Result<CallOutcome, FlakyError> {
        self.gate()?;
        Ok(self.inner.call(tx).await?)
    }
    async fn call_at(&self, tx: &TxRequest, block: u64) -> Result<CallOutcome, FlakyError> {
        self.gate()?;
        Ok(self.inner.call_at(tx, block).await?)
    }
    async fn send(&self, tx: TxRequest) -> Result<Receipt, FlakyError> {
        Ok(self.inner.send(tx).await?)
    }
    async fn block_number(&self) -> Result<u64, FlakyError> {
        self.gate()?;
        Ok(self.inner.block_number().await?)
    }
    async fn block_hash(&self, n: u64) -> Result<Option<B256>, FlakyError> {
        Ok(self.inner.block_hash(n).await?)
    }
    async fn timestamp(&self) -> Result<u64, FlakyError> {
        self.gate()?;
        Ok(self.inner.timestamp().await?)
    }
    async fn logs(&self, q: &LogQuery) -> Result<Vec<ChainLog>, FlakyError> {
        Ok(self.inner.logs(q).await?)
    }
}

impl Broadcast for Flaky {
    async fn nonce(&self, who: Address, pending: bool) -> Result<u64, FlakyError> {
        Ok(self.inner.nonce(who, pending).await?)
    }
    async fn fees(&self) -> Result<Fees, FlakyError> {
        Ok(self.inner.fees().await?)
    }
    async fn estimate(&self, tx: &TxRequest) -> Result<Result<u64, Bytes>, FlakyError> {
        Ok(self.inner.estimate(tx).await?)
    }
    fn broadcast(
        &self,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
    ) -> impl Future<Output = Result<B256, BroadcastError>> + Send {
        self.inner.broadcast(tx, nonce, fees)
    }
    async fn receipt(&self, hash: B256) -> Result<Option<Receipt>, FlakyError> {
        Ok(self.inner.receipt(hash).await?)
    }
}

/// A deployment with 100,000 of bad debt booked and a treasury of 100,000 in the accountant:
/// the keeper's whole job is to flog the queued era and heal the debt with the surplus.
async fn booked_and_funded() -> (EmbeddedEvm, backstop_chain::Deployment) {
    let evm = EmbeddedEvm::new(1_700_000_000);
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let price: Ray = "200".parse().unwrap();
    let d =
        deploy_system(&evm, DEPLOYER, &params, price, Address::repeat_byte(0x5b)).await.unwrap();
    let c = SystemClient::new(&evm, d);
    c.apply(DEPLOYER, &Action::Fess { tab: w("100000") }).await.unwrap();
    c.apply(DEPLOYER, &Action::Mint { to: d.accountant, amount: w("100000") }).await.unwrap();
    evm.set_balance(KEEPER, U256::from(10u64).pow(U256::from(21))).await.unwrap();
    (evm, d)
}

fn opts() -> RunOptions {
    RunOptions {
        until_cleared: true,
        interval: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
    }
}

fn settler() -> KeeperConfig {
    let mut cfg = KeeperConfig::bidder("settler", Ray::ZERO, Wad::ZERO);
    cfg.bid = false;
    cfg
}

#[tokio::test]
async fn runs_until_the_debt_is_cleared() {
    let (evm, d) = booked_and_funded().await;
    let chain = Arc::new(evm);
    let mut k = Keeper::start(chain.clone(), d, KEEPER, settler()).await.unwrap();
    let end = k.run(&opts(), None, std::future::pending()).await;
    assert_eq!(end, RunEnd::Finished);
    assert!(k.is_cleared(), "debt left: {}", k.model.accountant.debt());
    assert!(k.stats.settlements >= 2, "flog and heal: {:?}", k.stats);
}

#[tokio::test]
async fn retries_failed_steps_and_keeps_going() {
    let (evm, d) = booked_and_funded().await;
    // Attach first (start is not retried by run), then let the node fail 25 requests.
    let chain = Arc::new(Flaky::new(evm, 0));
    let mut k = Keeper::start(chain.clone(), d, KEEPER, settler()).await.unwrap();
    chain.fail.store(25, Ordering::SeqCst);
    let end = k.run(&opts(), None, std::future::pending()).await;
    assert_eq!(end, RunEnd::Finished);
    assert!(k.is_cleared());
    assert_eq!(chain.failed.load(Ordering::SeqCst), 25, "every injected failure was hit");
}

#[tokio::test]
async fn stops_on_shutdown_also_while_backing_off() {
    let (evm, d) = booked_and_funded().await;
    let chain = Arc::new(Flaky::new(evm, 0));
    let mut k = Keeper::start(chain.clone(), d, KEEPER, settler()).await.unwrap();
    // A node that never answers again: the loop backs off for ever unless told to stop.
    chain.fail.store(u64::MAX, Ordering::SeqCst);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let stop = async move {
        let _ = rx.await;
    };
    let run = tokio::spawn(async move {
        let slow = RunOptions { max_backoff: Duration::from_secs(3600), ..opts() };
        k.run(&slow, None, stop).await
    });
    // Let it fail at least once before the signal.
    while chain.failed.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    tx.send(()).unwrap();
    assert_eq!(run.await.unwrap(), RunEnd::Shutdown);
}

#[tokio::test]
async fn without_until_cleared_only_shutdown_ends_it() {
    let (evm, d) = booked_and_funded().await;
    let chain = Arc::new(evm);
    let mut k = Keeper::start(chain.clone(), d, KEEPER, settler()).await.unwrap();
    let o = RunOptions { until_cleared: false, ..opts() };
    let end = k.run(&o, None, std::future::ready(())).await;
    assert_eq!(end, RunEnd::Shutdown);
}
