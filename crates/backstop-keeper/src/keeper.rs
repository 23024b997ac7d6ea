//! The keeper: follows a deployment, bids within its limits and settles, until the bad debt is
//! cleared.
//!
//! ```text
//!  start: load_live (every live auction, from events) ─► model (a core System)
//!  step:  poll receipts ─► poll events from the cursor ─► re-read what changed ─► decide:
//!           balance sheet: flog ready eras, heal/kiss surplus
//!           kick:          flop / flopDutch while woe ≥ sump and no surplus
//!           English:       deal, tick, or bid (strategy::english_bid) within limit and budget
//!           Dutch:         redo when done, or take (strategy::dutch_take) at or below the limit
//!         ─► submit through the TxManager (simulate, broadcast, replace when stuck)
//! ```
//!
//! State lives on the chain: a restarted keeper rebuilds it from events and reads, and sends no bid
//! while transactions of a previous process are still pending, so it loses nothing and bids nothing
//! twice. Discovery costs a constant number of requests per step, whatever the number of auctions
//! ever started.

use crate::{
    metrics::Metrics,
    price::{AuctionStatus, PriceConfig, PriceSource},
    strategy::{Bidder, EnglishMode, NoBid, NoTake, dutch_take, english_bid},
    tx::{Confirmed, FeePolicy, SubmitError, TxKind, TxManager},
};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop_chain::{
    Broadcast, ChainError, Deployment, EventWatcher, SettlementExt, TxRequest, WatchEvent,
    bindings::{Accountant, DutchDebtAuction, EnglishDebtAuction, PriceOracle, Stablecoin},
    decode::log_to_core,
    live::{self, LiveIds, load_live},
};
use backstop_core::{
    AccountantEvent, DutchEvent, EnglishEvent, Event, Ray, System, Timestamp, Wad,
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeSet, sync::Arc, time::Duration};

/// Which auctions a keeper bids on and which it starts.
pub use backstop_core::Mechanism;

/// Gas settings of a keeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GasConfig {
    /// Cap on `maxFeePerGas`, gwei.
    pub max_fee_gwei: Option<u64>,
    /// Fee increase per replacement, percent (≥ 10).
    pub bump_percent: u64,
    /// Replace a transaction not mined after this many seconds.
    pub replace_after_secs: u64,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self { max_fee_gwei: None, bump_percent: 13, replace_after_secs: 30 }
    }
}

/// A keeper's configuration (the `[keeper]` table of its TOML file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// Name in logs and metrics.
    #[serde(default = "default_name")]
    pub name: String,
    /// The auctions it starts and bids on.
    #[serde(default)]
    pub mechanism: Mechanism,
    /// Its valuation of the governance token.
    #[serde(default = "default_price")]
    pub price: PriceConfig,
    /// Bids at most at valuation × (1 − margin), WAD fraction.
    #[serde(default)]
    pub margin: Wad,
    /// English bidding: the smallest outbid, or straight to the limit.
    #[serde(default)]
    pub english_mode: EnglishMode,
    /// Stablecoin it may spend in all, WAD.
    pub budget: Wad,
    /// Bid and take.
    #[serde(default = "yes")]
    pub bid: bool,
    /// Start auctions (flop / flopDutch) and reset Dutch sales (redo).
    #[serde(default = "yes")]
    pub kick: bool,
    /// Settle: deal, tick.
    #[serde(default = "yes")]
    pub settle: bool,
    /// Balance sheet: flog ready debt, heal/kiss surplus.
    #[serde(default = "yes")]
    pub balance_sheet: bool,
    /// Gas.
    #[serde(default)]
    pub gas: GasConfig,
    /// Log what would be sent; send nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn default_name() -> String {
    "keeper".to_owned()
}
fn default_price() -> PriceConfig {
    PriceConfig::Oracle
}
fn yes() -> bool {
    true
}

impl KeeperConfig {
    /// A bidding keeper with `budget` (WAD) valuing the token at `price` (RAY).
    pub fn bidder(name: &str, price: Ray, budget: Wad) -> Self {
        Self {
            name: name.to_owned(),
            mechanism: Mechanism::English,
            price: PriceConfig::Fixed { price },
            margin: Wad::ZERO,
            english_mode: EnglishMode::Step,
            budget,
            bid: true,
            kick: true,
            settle: true,
            balance_sheet: true,
            gas: GasConfig::default(),
            dry_run: false,
        }
    }
}

/// What a keeper has done so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Auctions discovered.
    pub auctions_seen: u64,
    /// Bids and takes broadcast.
    pub bids_sent: u64,
    /// English auctions dealt to us and Dutch takes mined.
    pub won: u64,
    /// Times our high bid was outbid.
    pub lost: u64,
    /// Governance tokens received, WAD.
    pub tokens: Wad,
    /// Stablecoin paid for them, WAD.
    pub spent: Wad,
    /// Stablecoin held in our standing English high bids, WAD.
    pub committed: Wad,
    /// Σ tokens × the limit price at which each was bought, WAD: the value at the keeper's limit.
    pub value_at_limit: Wad,
    /// Transactions mined.
    pub txs: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Rejected submissions that only meant a lost race (quiet).
    pub races_lost: u64,
    /// Auctions started, reset and settled by us.
    pub kicks: u64,
    /// Deals, ticks, flogs, heals, kisses.
    pub settlements: u64,
}

impl Stats {
    /// Profit and loss at the limit price: value of the tokens bought at the keeper's limit minus
    /// the stablecoin paid, WAD (negative as a string with a sign).
    pub fn pnl(&self) -> String {
        if self.value_at_limit >= self.spent {
            format!("+{}", self.value_at_limit.saturating_sub(self.spent))
        } else {
            format!("-{}", self.spent.saturating_sub(self.value_at_limit))
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Transactions broadcast.
    pub sent: usize,
    /// Transactions mined and seen.
    pub confirmed: usize,
    /// Events read.
    pub events: usize,
    /// Transactions of a previous process still pending: no new bids.
    pub draining: bool,
}

/// A running keeper over any [`Broadcast`] backend.
pub struct Keeper<S> {
    /// Configuration.
    pub cfg: KeeperConfig,
    chain: Arc<S>,
    d: Deployment,
    me: Address,
    /// The model of the deployment as last read.
    pub model: System,
    ids: LiveIds,
    watcher: EventWatcher,
    tx: TxManager,
    prices: PriceSource,
    /// Limit price of each auction we hold the high bid on (for the P&L at the limit).
    limits: std::collections::HashMap<(bool, u64), Ray>,
    /// Stablecoin promised by bids and takes in flight, by label, WAD.
    reserved: std::collections::HashMap<String, Wad>,
    /// What it has done.
    pub stats: Stats,
    metrics: Metrics,
    approved: bool,
    /// Our stablecoin balance, read at most once per step.
    balance_cache: Option<Wad>,
    /// Latest block timestamp seen, seconds.
    pub now: Timestamp,
}

impl<S> std::fmt::Debug for Keeper<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper")
            .field("name", &self.cfg.name)
            .field("me", &self.me)
            .finish_non_exhaustive()
    }
}

fn chain_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Backend(e.to_string())
}

impl<S: Broadcast + 'static> Keeper<S> {
    /// Attaches to `d` as `me`: loads every live auction and the balance sheet from the chain.
    pub async fn start(
        chain: Arc<S>,
        d: Deployment,
        me: Address,
        cfg: KeeperConfig,
    ) -> Result<Self, ChainError> {
        let live = load_live(&*chain, &d).await?;
        let policy = FeePolicy {
            max_fee_cap: cfg.gas.max_fee_gwei.map(|g| u128::from(g) * 1_000_000_000),
            bump_percent: cfg.gas.bump_percent.max(10),
            replace_after: Duration::from_secs(cfg.gas.replace_after_secs),
        };
        let tx = TxManager::new(&*chain, me, policy).await.map_err(chain_err)?;
        let watcher =
            EventWatcher::new(live.block + 1, vec![d.accountant, d.english, d.dutch, d.oracle]);
        let metrics = Metrics::new(&cfg.name);
        let prices = PriceSource::new(cfg.price.clone());
        let mut k = Self {
            cfg,
            chain,
            d,
            me,
            model: live.system,
            ids: live.ids,
            watcher,
            tx,
            prices,
            limits: Default::default(),
            reserved: Default::default(),
            stats: Stats::default(),
            metrics,
            approved: false,
            balance_cache: None,
            now: live.timestamp,
        };
        k.stats.auctions_seen = (k.ids.english.len() + k.ids.dutch.len()) as u64;
        // Standing high bids of ours (a restart mid-auction) count as committed.
        for (_, a) in k.model.english.auctions() {
            if a.guy == me && a.has_bid() {
                k.stats.committed = k.stats.committed.saturating_add_wad(a.bid);
            }
        }
        tracing::info!(keeper = %k.cfg.name, account = %me, english = k.ids.english.len(), dutch = k.ids.dutch.len(), "attached");
        Ok(k)
    }

    /// The deployment it works on.
    pub fn deployment(&self) -> Deployment {
        self.d
    }

    /// The keeper's account.
    pub fn account(&self) -> Address {
        self.me
    }

    /// The metrics (serve them with [`Metrics::serve`]).
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
    }

    /// Reads receipts and events, updates the model, decides and sends.
    pub async fn step(&mut self) -> Result<StepReport, ChainError> {
        let mut report = StepReport::default();
        self.balance_cache = None;
        for c in self.tx.poll(&*self.chain).await.map_err(chain_err)? {
            report.confirmed += 1;
            self.on_confirmed(c);
        }
        report.events = self.sync().await?;
        if let Err(why) = self.model.check_invariants() {
            // The events and the state disagree (a node restored from a state dump without its
            // logs, say): read every auction id once and carry on from the chain's truth.
            tracing::warn!(keeper = %self.cfg.name, %why, "model inconsistent with the events: full re-read");
            self.refresh_accountant(true, true).await?;
            self.full_resync().await?;
        }
        if !self.tx.drained(&*self.chain).await.map_err(chain_err)? {
            report.draining = true;
            return Ok(report);
        }
        report.sent += self.balance_sheet().await?;
        report.sent += self.kick().await?;
        report.sent += self.english().await?;
        report.sent += self.dutch().await?;
        Ok(report)
    }

    fn on_confirmed(&mut self, c: Confirmed) {
        self.reserved.remove(&c.label);
        self.stats.txs += 1;
        self.stats.gas_used += c.receipt.gas_used;
        self.metrics.gas_spent.inc_by(c.receipt.gas_used);
        if c.kind == TxKind::Bid && c.receipt.status {
            self.metrics.bid_latency.observe(c.latency.as_secs_f64());
        }
        if !c.receipt.status {
            tracing::warn!(keeper = %self.cfg.name, label = %c.label, "mined but reverted (state moved on)");
        }
    }

    /// Follows the events since the last step and re-reads what they touched.
    async fn sync(&mut self) -> Result<usize, ChainError> {
        let events = self.watcher.poll(&*self.chain).await.map_err(chain_err)?;
        self.now = self.chain.timestamp().await.map_err(chain_err)?;
        if events.is_empty() {
            return Ok(0);
        }
        let emitters = self.d.emitters();
        let (mut english, mut dutch) = (BTreeSet::new(), BTreeSet::new());
        let (mut params, mut oracle) = (false, false);
        for e in &events {
            let (log, removed) = match e {
                WatchEvent::Added(l) => (l, false),
                WatchEvent::Removed(l) => (l, true),
            };
            let Some(ev) = log_to_core(&log.log, &emitters) else { continue };
            if removed {
                // A reorg: re-read whatever the event touched, parameters included.
                params = true;
                oracle = true;
            } else {
                self.account_event(&ev);
                self.ids.apply(&ev);
            }
            match ev {
                Event::English(
                    EnglishEvent::Kick { id, .. }
                    | EnglishEvent::Dent { id, .. }
                    | EnglishEvent::Deal { id, .. }
                    | EnglishEvent::Tick { id, .. }
                    | EnglishEvent::Yank { id },
                ) => {
                    english.insert(id);
                }
                Event::English(EnglishEvent::Cage) => params = true,
                Event::Dutch(
                    DutchEvent::Kick { id, .. }
                    | DutchEvent::Take { id, .. }
                    | DutchEvent::Redo { id, .. }
                    | DutchEvent::Yank { id },
                ) => {
                    dutch.insert(id);
                }
                Event::Accountant(_) => {}
                Event::File { .. } => params = true,
                Event::Poke { .. } => oracle = true,
            }
        }
        for id in english {
            let a = live::english_auction(&*self.chain, &self.d, id).await?;
            self.model.english.set_auction(id, a);
        }
        for id in dutch {
            let s = live::dutch_sale(&*self.chain, &self.d, id).await?;
            if s.is_none() {
                self.prices.forget(true, id);
            }
            self.model.dutch.set_sale(id, s);
        }
        // Every bid, take and settlement moves the balance sheet: read it again (a fixed number of
        // calls); parameters and the oracle only when they changed.
        self.refresh_accountant(params, oracle).await?;
        Ok(events.len())
    }

    /// Keeps the stats from the events that concern us.
    fn account_event(&mut self, ev: &Event) {
        match *ev {
            Event::English(EnglishEvent::Kick { id, lot, bid, gal, end }) => {
                self.stats.auctions_seen += 1;
                self.metrics.auctions_seen.inc();
                let a = backstop_core::EnglishAuction { bid, lot, guy: gal, tic: 0, end, ticks: 0 };
                self.model.english.set_auction(id, Some(a));
            }
            Event::Dutch(DutchEvent::Kick { .. }) => {
                self.stats.auctions_seen += 1;
                self.metrics.auctions_seen.inc();
            }
            Event::English(EnglishEvent::Dent { id, guy, bid, lot, tic }) => {
                let prev = self.model.english.auction(id).copied();
                // Events of one poll are applied in order, so the next Dent sees this one's bidder.
                if let Some(a) = prev {
                    self.model.english.set_auction(
                        id,
                        Some(backstop_core::EnglishAuction { guy, lot, tic, ..a }),
                    );
                }
                let prev = prev.map(|a| (a.guy, a.has_bid()));
                let was_me = prev.is_some_and(|(g, bid)| g == self.me && bid);
                if guy == self.me && !was_me {
                    self.stats.committed = self.stats.committed.saturating_add_wad(bid);
                } else if guy != self.me && was_me {
                    self.stats.committed = self.stats.committed.saturating_sub(bid);
                    self.stats.lost += 1;
                    self.metrics.bids_lost.inc();
                    self.limits.remove(&(false, id));
                }
            }
            Event::English(EnglishEvent::Deal { id, guy, lot }) if guy == self.me => {
                let bid = self.model.english.auction(id).map(|a| a.bid).unwrap_or_default();
                self.stats.committed = self.stats.committed.saturating_sub(bid);
                self.stats.spent = self.stats.spent.saturating_add_wad(bid);
                self.stats.tokens = self.stats.tokens.saturating_add_wad(lot);
                let limit = self
                    .limits
                    .remove(&(false, id))
                    .unwrap_or_else(|| Ray::ratio(bid, lot).unwrap_or_default());
                self.stats.value_at_limit = self
                    .stats
                    .value_at_limit
                    .saturating_add_wad(lot.rmul(limit).unwrap_or_default());
                self.stats.won += 1;
                self.metrics.bids_won.inc();
                self.metrics.tokens_bought.set(f64_of(self.stats.tokens));
                self.metrics.stablecoin_spent.set(f64_of(self.stats.spent));
            }
            Event::Dutch(DutchEvent::Take { id, who, owe, slice, price, .. }) if who == self.me => {
                self.stats.spent = self.stats.spent.saturating_add_wad(owe);
                self.stats.tokens = self.stats.tokens.saturating_add_wad(slice);
                let limit = self.limits.remove(&(true, id)).unwrap_or(price);
                self.stats.value_at_limit = self
                    .stats
                    .value_at_limit
                    .saturating_add_wad(slice.rmul(limit).unwrap_or_default());
                self.stats.won += 1;
                self.metrics.bids_won.inc();
                self.metrics.tokens_bought.set(f64_of(self.stats.tokens));
                self.metrics.stablecoin_spent.set(f64_of(self.stats.spent));
            }
            Event::Accountant(AccountantEvent::Fess { era, .. }) => {
                self.ids.eras.insert(era);
            }
            _ => {}
        }
    }

    /// Reads every English and Dutch id up to `kicks` (only when the events proved insufficient).
    async fn full_resync(&mut self) -> Result<(), ChainError> {
        let (c, d) = (self.chain.clone(), self.d);
        let me = d.deployer;
        let kicks = c.call_sol(me, d.english, &EnglishDebtAuction::kicksCall {}).await?;
        for id in 1..=u64::try_from(kicks).unwrap_or(0) {
            let a = live::english_auction(&*c, &d, id).await?;
            if a.is_some() {
                self.ids.english.insert(id);
            }
            self.model.english.set_auction(id, a);
        }
        let kicks = c.call_sol(me, d.dutch, &DutchDebtAuction::kicksCall {}).await?;
        for id in 1..=u64::try_from(kicks).unwrap_or(0) {
            let x = live::dutch_sale(&*c, &d, id).await?;
            if x.is_some() {
                self.ids.dutch.insert(id);
            }
            self.model.dutch.set_sale(id, x);
        }
        Ok(())
    }

    async fn refresh_accountant(
        &mut self,
        params_changed: bool,
        oracle_changed: bool,
    ) -> Result<(), ChainError> {
        let (c, d) = (&*self.chain, &self.d);
        let me = d.deployer;
        let wait = c.call_sol(me, d.accountant, &Accountant::waitCall {}).await?;
        let sump = c.call_sol(me, d.accountant, &Accountant::sumpCall {}).await?;
        let dump = c.call_sol(me, d.accountant, &Accountant::dumpCall {}).await?;
        let debt = Wad::from_raw(c.call_sol(me, d.accountant, &Accountant::debtCall {}).await?);
        let ash = Wad::from_raw(c.call_sol(me, d.accountant, &Accountant::AshCall {}).await?);
        let mut queue = Vec::new();
        for era in self.ids.eras.clone() {
            let x = Wad::from_raw(
                c.call_sol(me, d.accountant, &Accountant::sinCall { era: U256::from(era) }).await?,
            );
            if x.is_zero() {
                self.ids.eras.remove(&era);
            } else {
                queue.push((era, x));
            }
        }
        let params = backstop_core::AccountantParams {
            wait: u64::try_from(wait).unwrap_or(u64::MAX),
            sump: Wad::from_raw(sump),
            dump: Wad::from_raw(dump),
        };
        self.model.accountant = backstop_core::Accountant::restore(params, debt, queue, ash)
            .map_err(|e| ChainError::Decode { what: "accountant".into(), reason: e.to_string() })?;
        let surplus = Wad::from_raw(
            c.call_sol(me, d.stablecoin, &Stablecoin::balanceOfCall { usr: d.accountant }).await?,
        );
        self.model.ledger = backstop_core::Ledger::default();
        let _ = self.model.ledger.stablecoin.mint(d.accountant, surplus);
        if oracle_changed {
            self.model.oracle =
                Ray::from_raw(c.call_sol(me, d.oracle, &PriceOracle::priceCall {}).await?);
        }
        if params_changed {
            self.model.english.params = live::english_params(c, d).await?;
            self.model.dutch.params = live::dutch_params(c, d).await?;
            let live = c.call_sol(me, d.english, &EnglishDebtAuction::liveCall {}).await?;
            if !live && self.model.english.is_live() {
                self.model.english.cage();
            }
        }
        Ok(())
    }

    async fn send(
        &mut self,
        kind: TxKind,
        label: String,
        to: Address,
        data: Vec<u8>,
    ) -> Result<bool, ChainError> {
        if self.tx.in_flight(&label) {
            return Ok(false);
        }
        if self.cfg.dry_run {
            tracing::info!(keeper = %self.cfg.name, %label, "dry run: would send");
            return Ok(false);
        }
        let tx = TxRequest::call(self.me, to, data);
        match self.tx.submit(&*self.chain, kind, label.clone(), tx).await {
            Ok(nonce) => {
                tracing::debug!(keeper = %self.cfg.name, %label, nonce, "sent");
                Ok(true)
            }
            Err(e) if e.is_race_lost() => {
                self.stats.races_lost += 1;
                tracing::debug!(keeper = %self.cfg.name, %label, reason = %e, "race lost");
                Ok(false)
            }
            Err(e @ SubmitError::Rejected { .. }) => {
                tracing::warn!(keeper = %self.cfg.name, %label, reason = %e, "not sent");
                Ok(false)
            }
            Err(e) => Err(ChainError::Backend(e.to_string())),
        }
    }

    async fn balance_sheet(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.balance_sheet {
            return Ok(0);
        }
        let mut sent = 0;
        let a = self.model.accountant.clone();
        let wait = a.params.wait;
        for (era, _) in a.queue() {
            if era.saturating_add(wait) <= self.now {
                let data = Accountant::flogCall { era: U256::from(era) }.abi_encode();
                sent += usize::from(
                    self.send(TxKind::Settle, format!("flog:{era}"), self.d.accountant, data)
                        .await?,
                );
            }
        }
        let surplus = self.model.surplus();
        if !surplus.is_zero() {
            let heal = surplus.min(a.woe());
            if !heal.is_zero() {
                let data = Accountant::healCall { amount: heal.raw() }.abi_encode();
                sent += usize::from(
                    self.send(TxKind::Settle, format!("heal:{heal}"), self.d.accountant, data)
                        .await?,
                );
            }
            let kiss = surplus.saturating_sub(heal).min(a.ash());
            if !kiss.is_zero() {
                let data = Accountant::kissCall { amount: kiss.raw() }.abi_encode();
                sent += usize::from(
                    self.send(TxKind::Settle, format!("kiss:{kiss}"), self.d.accountant, data)
                        .await?,
                );
            }
        }
        self.stats.settlements += sent as u64;
        Ok(sent)
    }

    async fn kick(&mut self) -> Result<usize, ChainError> {
        if !self.cfg.kick {
            return Ok(0);
        }
        let a = &self.model.accountant;
        if !self.model.surplus().is_zero() || a.params.sump.is_zero() || a.woe() < a.params.sump {
            return Ok(0);
        }
        // As many auctions as the free debt allows, at once (pipelined).
        let n = (a.woe().raw() / a.params.sump.raw()).min(U256::from(64)).to::<u64>();
        let mut sent = 0;
        for i in 0..n {
            let (label, data) = match self.cfg.mechanism {
                Mechanism::English => {
                    (format!("flop:{}:{i}", self.now), Accountant::flopCall {}.abi_encode())
                }
                Mechanism::Dutch => (
                    format!("flopDutch:{}:{i}", self.now),
                    Accountant::flopDutchCall { kpr: self.me }.abi_encode(),
                ),
            };
            if self.send(TxKind::Kick, label, self.d.accountant, data).await? {
                sent += 1;
            } else {
                break;
            }
        }
        self.stats.kicks += sent as u64;
        Ok(sent)
    }

    /// Stablecoin it may still commit, WAD.
    fn available(&self) -> Wad {
        let reserved = self.reserved.values().fold(Wad::ZERO, |s, x| s.saturating_add_wad(*x));
        self.cfg
            .budget
            .saturating_sub(self.stats.spent)
            .saturating_sub(self.stats.committed)
            .saturating_sub(reserved)
    }

    async fn ensure_allowance(&mut self) -> Result<(), ChainError> {
        if self.approved || self.cfg.dry_run {
            return Ok(());
        }
        let chain = self.chain.clone();
        for spender in [self.d.english, self.d.dutch] {
            let call = Stablecoin::allowanceCall { owner: self.me, spender };
            let allowance = chain.call_sol(self.me, self.d.stablecoin, &call).await?;
            if allowance < self.cfg.budget.raw() {
                let data = Stablecoin::approveCall { spender, amount: U256::MAX }.abi_encode();
                self.send(TxKind::Admin, format!("approve:{spender}"), self.d.stablecoin, data)
                    .await?;
            }
        }
        self.approved = true;
        Ok(())
    }

    /// Our stablecoin balance (one call per step at most; bids sent since are in `reserved`).
    async fn balance(&mut self) -> Result<Wad, ChainError> {
        if let Some(b) = self.balance_cache {
            return Ok(b);
        }
        let call = Stablecoin::balanceOfCall { usr: self.me };
        let b = Wad::from_raw(self.chain.call_sol(self.me, self.d.stablecoin, &call).await?);
        self.balance_cache = Some(b);
        Ok(b)
    }

    async fn english(&mut self) -> Result<usize, ChainError> {
        let mut ids: Vec<u64> = self.model.english.auctions().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut sent = 0;
        for id in ids {
            let Some(a) = self.model.english.auction(id).copied() else { continue };
            if a.is_dealable(self.now) {
                if self.cfg.settle {
                    let data = EnglishDebtAuction::dealCall { id: U256::from(id) }.abi_encode();
                    let s = self
                        .send(TxKind::Settle, format!("deal:{id}"), self.d.english, data)
                        .await?;
                    self.stats.settlements += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if a.is_tickable(self.now) {
                if self.cfg.settle {
                    let data = EnglishDebtAuction::tickCall { id: U256::from(id) }.abi_encode();
                    let s = self
                        .send(TxKind::Settle, format!("tick:{id}:{}", a.end), self.d.english, data)
                        .await?;
                    self.stats.settlements += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if !self.cfg.bid
                || self.cfg.mechanism != Mechanism::English
                || !self.model.english.is_live()
            {
                continue;
            }
            let status = AuctionStatus {
                kind: "english",
                id,
                bid: a.bid.to_string(),
                lot: a.lot.to_string(),
                guy: Some(a.guy.to_string()),
                tic: a.tic,
                end: Some(a.end),
                price: a.implied_price().map(|p| p.to_string()).unwrap_or_default(),
                oracle: self.model.oracle.to_string(),
                now: self.now,
            };
            let Some(value) = self.prices.price(&status, self.model.oracle).await else { continue };
            let limit = value.wmul(Wad::ONE.saturating_sub(self.cfg.margin)).unwrap_or_default();
            let budget = self.available();
            let bidder = Bidder { me: self.me, limit, budget, mode: self.cfg.english_mode };
            match english_bid(id, &a, &self.model.english.params, &bidder, self.now) {
                Ok(b) => {
                    self.ensure_allowance().await?;
                    let reserved =
                        self.reserved.values().fold(Wad::ZERO, |s, x| s.saturating_add_wad(*x));
                    if self.balance().await?.saturating_sub(reserved) < b.bid {
                        tracing::debug!(keeper = %self.cfg.name, id, "balance below the raise: not bidding");
                        continue;
                    }
                    let data = EnglishDebtAuction::dentCall {
                        id: U256::from(id),
                        lot: b.lot.raw(),
                        bid: b.bid.raw(),
                    }
                    .abi_encode();
                    let label = format!("dent:{id}:{}", b.lot);
                    if self.send(TxKind::Bid, label.clone(), self.d.english, data).await? {
                        self.reserved.insert(label, b.bid);
                        self.stats.bids_sent += 1;
                        self.metrics.bids_sent.inc();
                        self.limits.insert((false, id), limit);
                        sent += 1;
                    }
                }
                Err(NoBid::Budget) => tracing::debug!(keeper = %self.cfg.name, id, "budget spent"),
                Err(_) => {}
            }
        }
        Ok(sent)
    }

    async fn dutch(&mut self) -> Result<usize, ChainError> {
        let mut ids: Vec<u64> = self.model.dutch.sales().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut sent = 0;
        for id in ids {
            let Ok(st) = self.model.dutch.status(id, self.now) else { continue };
            if st.needs_redo {
                if self.cfg.kick || self.cfg.bid {
                    let data = DutchDebtAuction::redoCall { id: U256::from(id), kpr: self.me }
                        .abi_encode();
                    let s = self
                        .send(TxKind::Kick, format!("redo:{id}:{}", self.now), self.d.dutch, data)
                        .await?;
                    self.stats.kicks += u64::from(s);
                    sent += usize::from(s);
                }
                continue;
            }
            if !self.cfg.bid || self.cfg.mechanism != Mechanism::Dutch {
                continue;
            }
            let sale = self.model.dutch.sale(id).copied();
            let status = AuctionStatus {
                kind: "dutch",
                id,
                bid: st.tab.to_string(),
                lot: st.lot.to_string(),
                guy: None,
                tic: sale.map_or(0, |s| s.tic),
                end: None,
                price: st.price.to_string(),
                oracle: self.model.oracle.to_string(),
                now: self.now,
            };
            let Some(value) = self.prices.price(&status, self.model.oracle).await else { continue };
            let limit = value.wmul(Wad::ONE.saturating_sub(self.cfg.margin)).unwrap_or_default();
            let reserved = self.reserved.values().fold(Wad::ZERO, |s, x| s.saturating_add_wad(*x));
            let budget = self.available().min(self.balance().await?.saturating_sub(reserved));
            match dutch_take(&self.model.dutch, id, self.me, limit, budget, self.now) {
                Ok(t) => {
                    self.ensure_allowance().await?;
                    let data = DutchDebtAuction::takeCall {
                        id: U256::from(id),
                        amt: t.amt.raw(),
                        max: t.max.raw(),
                        who: self.me,
                        data: Default::default(),
                    }
                    .abi_encode();
                    let label = format!("take:{id}:{}", self.now);
                    if self.send(TxKind::Bid, label.clone(), self.d.dutch, data).await? {
                        self.reserved.insert(label, t.plan.owe);
                        self.stats.bids_sent += 1;
                        self.metrics.bids_sent.inc();
                        self.limits.insert((true, id), limit);
                        sent += 1;
                    }
                }
                Err(NoTake::Budget) => tracing::debug!(keeper = %self.cfg.name, id, "budget spent"),
                Err(_) => {}
            }
        }
        Ok(sent)
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
