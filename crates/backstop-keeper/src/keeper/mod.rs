//! The keeper: follows a deployment, bids within its limits and settles, until the bad debt is
//! cleared.
//!
//! ```text
//!  start: load_live (every live auction, from events) ─► model (a core System)
//!  step:  poll receipts ─► poll events from the cursor ─► re-read what changed ─► decide:
//!           balance sheet: flog ready eras, heal/kiss surplus
//!           kick:          flop / flopDutch while woe ≥ sump and no surplus
//!           English:       deal, tick, or bid (strategy::english_bid) within limit and budget
//!           Dutch:         redo when done, or take (strategy::dutch_take) at or below the limit;
//!                          with [keeper.flash], a flash take through a Uniswap V2 pair
//!                          (strategy::flash_take, module `flash`): no stablecoin held
//!         ─► submit through the TxManager (simulate, broadcast, replace when stuck)
//! ```
//!
//! The keeper knows no contract set: it speaks the core's actions and events and reaches the
//! chain through an [`Adapter`] (Backstop's own contracts by default). The module is split along
//! the loop: [`config`] (what it is told), `sync` (what it reads), `decide` (what it sends),
//! `flash` (Dutch takes paid by the pool), and `observe` (what it tells its metrics).
//!
//! Each auction it took part in ends with one line in its log ([`AuctionPnl`], target
//! `backstop_keeper::pnl`): what it bought, paid and spent on gas, the oracle's value of the tokens
//! and the profit. Transactions go to a private relay when one is configured, and stay within the
//! gas spending caps ([`crate::tx`]).
//!
//! State lives on the chain: a restarted keeper rebuilds it from events and reads, and sends no bid
//! while transactions of a previous process are still pending, so it loses nothing and bids nothing
//! twice. Discovery costs a constant number of requests per step, whatever the number of auctions
//! ever started.

use crate::{
    metrics::{BidFailure, Metrics},
    price::PriceSource,
    tx::{AuctionKey, Confirmed, FeePolicy, PrivateRoute, TxKind, TxManager},
};
use alloy_primitives::{Address, B256, U256};
use backstop_chain::{
    Adapter, Broadcast, ChainError, Deployment, EventWatcher, RpcChain,
    live::{LiveIds, load_live},
};
use backstop_core::{Ray, System, Timestamp, Wad};
use std::{future::Future, sync::Arc, time::Duration};

pub mod config;
mod cover;
mod decide;
mod flash;
mod observe;
mod sync;

pub use config::{
    AuctionPnl, DEFAULT_FALLBACK_BLOCKS, GasConfig, KeeperConfig, PrivateConfig, Stats, StepReport,
    poll_interval,
};
pub use decide::PNL_TARGET;
pub use flash::{DEFAULT_FLASH_GAS, FlashConfig};

/// Which auctions a keeper bids on and which it starts.
pub use backstop_core::Mechanism;

/// A running keeper over any [`Broadcast`] backend and any contract set's [`Adapter`].
pub struct Keeper<S, A = Deployment> {
    /// Configuration.
    pub cfg: KeeperConfig,
    chain: Arc<S>,
    adapter: A,
    me: Address,
    /// The model of the deployment as last read.
    pub model: System,
    ids: LiveIds,
    watcher: EventWatcher,
    tx: TxManager,
    prices: PriceSource,
    /// Limit price of each auction we hold the high bid on (for the P&L at the limit).
    limits: std::collections::HashMap<(bool, u64), Ray>,
    /// Limit price of each pledge round we pledged to, RAY.
    pledge_limits: std::collections::HashMap<u64, Ray>,
    /// Stablecoin promised by bids and takes in flight, by label, WAD.
    reserved: std::collections::HashMap<String, Wad>,
    /// What it has done.
    pub stats: Stats,
    metrics: Metrics,
    approved: bool,
    /// The last decision logged per auction (`english:5`), so each is logged once per state.
    notes: std::collections::HashMap<String, String>,
    /// Labels whose submission was refused (logged once).
    refused: std::collections::HashSet<String>,
    /// Our stablecoin balance, read at most once per step.
    balance_cache: Option<Wad>,
    /// Flash takes (`[keeper.flash]`): the taker, the pair and the Dutch house, checked at start.
    flash: Option<flash::Flash>,
    /// Latest block timestamp seen, seconds.
    pub now: Timestamp,
    /// What the metrics are told each step (module `observe`).
    ops: observe::Observer,
    /// The P&L of each auction it took part in, until the auction ends.
    pnl: std::collections::HashMap<AuctionKey, AuctionPnl>,
    /// Auctions that ended, written out once none of our transactions about them is in flight.
    ended: std::collections::BTreeSet<AuctionKey>,
    /// The P&L of every auction that ended, in the order written.
    closed: Vec<AuctionPnl>,
}

impl<S, A> std::fmt::Debug for Keeper<S, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper")
            .field("name", &self.cfg.name)
            .field("me", &self.me)
            .finish_non_exhaustive()
    }
}

impl<S: Broadcast + 'static, A: Adapter> Keeper<S, A> {
    /// Attaches to the deployment `adapter` speaks for, as `me`: loads every live auction and the
    /// balance sheet from the chain.
    pub async fn start(
        chain: Arc<S>,
        adapter: A,
        me: Address,
        cfg: KeeperConfig,
    ) -> Result<Self, ChainError> {
        let live = load_live(&*chain, &adapter).await?;
        let policy = FeePolicy {
            max_fee_cap: cfg.gas.max_fee_gwei.map(|g| u128::from(g) * 1_000_000_000),
            bump_percent: cfg.gas.bump_percent.max(10),
            replace_after: Duration::from_secs(cfg.gas.replace_after_secs),
        };
        let mut tx = TxManager::new(&*chain, me, policy).await.map_err(ChainError::backend)?;
        tx.set_caps(cfg.gas.caps());
        if let Some(url) = &cfg.private.rpc_url {
            // Only a transaction signed here can go to a relay: an impersonated account cannot.
            let probe = backstop_chain::TxRequest::call(me, me, alloy_primitives::Bytes::new());
            let signs = chain
                .sign(&probe, 0, backstop_chain::Fees::default())
                .await
                .map_err(ChainError::backend)?;
            if signs.is_none() {
                return Err(ChainError::Config {
                    path: "private.rpc_url".into(),
                    reason: format!(
                        "private submission needs the key of {me} (env var or keystore): the relay takes signed transactions only"
                    ),
                });
            }
            let relay =
                backstop_chain::RpcRelay::connect(url).await.map_err(ChainError::backend)?;
            tracing::info!(keeper = %cfg.name, relay = %backstop_chain::RawRelay::endpoint(&relay), fallback_blocks = cfg.private.fallback_blocks, "private submission");
            tx.set_private(PrivateRoute {
                relay: Arc::new(relay),
                fallback_blocks: cfg.private.fallback_blocks,
            });
        }
        let watcher = EventWatcher::new(live.block + 1, adapter.emitters());
        let metrics = Metrics::new(&cfg.name);
        let prices = PriceSource::new(cfg.price.clone());
        let flash = match cfg.flash {
            Some(f) => Some(flash::Flash::resolve(&*chain, &adapter, f).await?),
            None => None,
        };
        let mut k = Self {
            cfg,
            chain,
            adapter,
            me,
            model: live.system,
            ids: live.ids,
            watcher,
            tx,
            prices,
            limits: Default::default(),
            pledge_limits: Default::default(),
            reserved: Default::default(),
            stats: Stats::default(),
            metrics,
            approved: false,
            notes: Default::default(),
            refused: Default::default(),
            balance_cache: None,
            flash,
            now: live.timestamp,
            ops: observe::Observer::at(live.block),
            pnl: Default::default(),
            ended: Default::default(),
            closed: Vec::new(),
        };
        k.metrics.observe_block(live.block, live.timestamp);
        k.tx.set_clock(k.now);
        k.stats.auctions_seen = (k.ids.english.len() + k.ids.dutch.len()) as u64;
        // Standing high bids of ours (a restart mid-auction) count as committed.
        for (_, a) in k.model.english.auctions() {
            if a.guy == me && a.has_bid() {
                k.stats.committed = k.stats.committed.saturating_add_wad(a.bid);
                k.stats.standing_at_start += 1;
            }
        }
        tracing::info!(keeper = %k.cfg.name, account = %me, english = k.ids.english.len(), dutch = k.ids.dutch.len(), "attached");
        Ok(k)
    }

    /// The contract set and deployment it works on.
    pub fn adapter(&self) -> &A {
        &self.adapter
    }

    /// The keeper's account.
    pub fn account(&self) -> Address {
        self.me
    }

    /// Its transactions in flight (sent, receipt not seen yet): nonce and every hash each was
    /// broadcast under (a replacement adds one), by nonce.
    pub fn in_flight(&self) -> Vec<(u64, Vec<B256>)> {
        self.tx.pending().map(|(n, p)| (*n, p.hashes.clone())).collect()
    }

    /// The metrics (serve them with [`crate::metrics::MetricsServer`]).
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    /// Wei paid for gas so far.
    pub fn gas_paid(&self) -> u128 {
        self.tx.gas_paid
    }

    /// Transactions replaced after being stuck.
    pub fn replacements(&self) -> u64 {
        self.tx.replacements
    }

    /// The transaction manager: nonces, fees, the gas ledger, private submission counters.
    pub fn tx(&self) -> &TxManager {
        &self.tx
    }

    /// The P&L of every auction it took part in that ended, in the order they were logged.
    pub fn closed(&self) -> &[AuctionPnl] {
        &self.closed
    }

    /// True when no bad debt is left and no auction runs.
    pub fn is_cleared(&self) -> bool {
        self.model.is_cleared()
    }

    /// True when nothing more can happen: no live auction, no queued debt, and not enough free debt
    /// for another auction (or surplus to heal it).
    pub fn is_finished(&self) -> bool {
        let a = &self.model.accountant;
        self.model.english.is_empty()
            && self.model.dutch.is_empty()
            && a.sin_total().is_zero()
            && (a.woe() < a.params.sump || a.params.sump.is_zero())
            && (self.model.surplus().is_zero() || a.woe().is_zero())
            && self.model.waterfall().is_none_or(|w| {
                // No step due now or later by the clock while debt is free, and no pledge of
                // ours left to claim or take back.
                let oracle = self.model.oracle.read(self.now).ok();
                w.next_step(a, self.model.surplus(), oracle, self.now).is_none()
                    && (a.woe().is_zero() || w.next_time(self.now).is_none())
                    && w.round.as_ref().is_none_or(|r| r.pledge_of(self.me).is_zero())
            })
    }

    /// Reads receipts and events, updates the model, decides and sends.
    pub async fn step(&mut self) -> Result<StepReport, ChainError> {
        let mut report = StepReport::default();
        self.balance_cache = None;
        for c in self.tx.poll(&*self.chain).await.map_err(ChainError::backend)? {
            report.confirmed += 1;
            self.on_confirmed(c);
        }
        for label in self.tx.take_dropped() {
            // Given up (nonce consumed elsewhere, or lost by the node): its reservation is free,
            // and a lost approval is sent again.
            if label.starts_with("setup:") {
                self.approved = false;
            }
            self.reserved.remove(&label);
        }
        report.events = self.sync().await?;
        self.tx.set_clock(self.now);
        if let Err(why) = self.model.check_invariants() {
            // The events and the state disagree (a node restored from a state dump without its
            // logs, say): read every auction id once and carry on from the chain's truth.
            tracing::warn!(keeper = %self.cfg.name, %why, "model inconsistent with the events: full re-read");
            self.stats.full_rereads += 1;
            self.refresh_accountant(true, true).await?;
            self.full_resync().await?;
        }
        self.observe_chain().await?;
        self.close_ended();
        if !self.tx.drained(&*self.chain).await.map_err(ChainError::backend)? {
            report.draining = true;
            return Ok(report);
        }
        report.sent += self.balance_sheet().await?;
        let steps = self.waterfall_steps().await?;
        report.sent += steps + self.pledges().await?;
        // A waterfall step in flight changes what may start: kick at the next step.
        if steps == 0 {
            report.sent += self.kick().await?;
        }
        report.sent += self.english().await?;
        report.sent += self.dutch().await?;
        self.observe_funds().await?;
        Ok(report)
    }

    fn on_confirmed(&mut self, c: Confirmed) {
        self.reserved.remove(&c.label);
        self.stats.txs += 1;
        self.stats.gas_used += c.receipt.gas_used;
        self.metrics.gas_spent.inc_by(c.receipt.gas_used);
        if let Some(a) = c.auction {
            let p = self.pnl.entry(a).or_insert_with(|| AuctionPnl::new(a));
            p.txs += 1;
            p.gas_used += c.receipt.gas_used;
            p.gas_wei = p.gas_wei.saturating_add(c.cost_wei);
        }
        if c.kind == TxKind::Bid && c.receipt.status {
            self.metrics.bid_latency.observe(c.latency.as_secs_f64());
            if c.label.starts_with("flash:") {
                self.on_flash_receipt(&c.receipt, c.auction);
            }
        }
        if !c.receipt.status {
            // Another keeper's transaction landed first in the same block: a lost race.
            self.stats.races_lost += 1;
            self.bid_failed(c.kind, BidFailure::RaceLost);
            tracing::info!(keeper = %self.cfg.name, label = %c.label, "mined but reverted: the state moved on (a lost race)");
        }
    }

    /// Logs a decision about `key` (an auction) at info, once per distinct decision.
    fn note(&mut self, key: String, what: impl Into<String>) {
        let what = what.into();
        if self.notes.get(&key) != Some(&what) {
            tracing::info!(keeper = %self.cfg.name, auction = %key, "{what}");
            self.notes.insert(key, what);
        }
    }

    /// Steps until `shutdown` resolves or, with [`RunOptions::until_cleared`], until nothing more
    /// can happen. Between steps it waits for a new head from `heads` (a WebSocket subscription)
    /// or `opts.interval`. A failed step (a node restart, a dropped connection) is retried with
    /// exponential backoff from 100 ms up to `opts.max_backoff`; a lost subscription is renewed,
    /// falling back to polling. `shutdown` is honoured during backoff and waits.
    pub async fn run<F: Future<Output = ()>>(
        &mut self,
        opts: &RunOptions,
        heads: Option<Arc<RpcChain>>,
        shutdown: F,
    ) -> RunEnd {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut stream = match &heads {
            Some(h) => h.new_heads().await.ok().flatten().map(Box::pin),
            None => None,
        };
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.step().await {
                Ok(_) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(keeper = %self.cfg.name, error = %ErrorChain(&e), retry_in = ?backoff, "step failed");
                    tokio::select! {
                        () = &mut shutdown => return RunEnd::Shutdown,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(opts.max_backoff);
                    continue;
                }
            }
            if opts.until_cleared && self.is_finished() {
                return RunEnd::Finished;
            }
            let wait = opts.interval.max(Duration::from_millis(1));
            let lost = tokio::select! {
                () = &mut shutdown => return RunEnd::Shutdown,
                lost = async {
                    match stream.as_mut() {
                        Some(h) => {
                            use futures_util::StreamExt;
                            let silent = wait.max(Duration::from_secs(30));
                            // The subscription ended, or went silent: poll, then subscribe again.
                            !matches!(tokio::time::timeout(silent, h.next()).await, Ok(Some(_)))
                        }
                        None => {
                            tokio::time::sleep(wait).await;
                            false
                        }
                    }
                } => lost,
            };
            if lost && let Some(h) = &heads {
                tracing::warn!(keeper = %self.cfg.name, "new-heads subscription lost; subscribing again");
                stream = match h.new_heads().await {
                    Ok(s) => s.map(Box::pin),
                    Err(e) => {
                        tracing::warn!(error = %ErrorChain(&e), "resubscribe failed; polling");
                        None
                    }
                };
            }
        }
    }
}

/// How [`Keeper::run`] paces itself and when it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Stop once nothing more can happen ([`Keeper::is_finished`]).
    pub until_cleared: bool,
    /// Time between steps without a new-heads subscription.
    pub interval: Duration,
    /// The longest wait between retries of a failed step.
    pub max_backoff: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            until_cleared: false,
            interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Why [`Keeper::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Nothing more can happen (with [`RunOptions::until_cleared`]).
    Finished,
    /// The shutdown signal resolved.
    Shutdown,
}

/// Displays an error with its chain of causes: `what: why: why`.
#[derive(Debug, Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

fn f64_of(w: Wad) -> f64 {
    w.to_string().parse().unwrap_or(f64::NAN)
}

trait SaturatingAddWad {
    fn saturating_add_wad(self, other: Wad) -> Wad;
}

impl SaturatingAddWad for Wad {
    fn saturating_add_wad(self, other: Wad) -> Wad {
        self.checked_add(other).unwrap_or(Self::from_raw(U256::MAX))
    }
}
