//! One run: the scenario played out on a [`System`] with `backstop-core`'s exact rules.
//!
//! The engine is event-driven. A priority queue holds the moments something can happen — a debt
//! tranche arriving, a transaction landing in a block, a bidder waking up, an auction's clock
//! running out — and time jumps straight to the earliest one (ties in the order they were
//! scheduled). Nothing is stepped through idle seconds.
//!
//! ```text
//!   tranche ─► fess ─► settler: flog ─► heal (treasury) ─► flop / flopDutch ─┐
//!                                                                         kick│
//!   bidders wake (reaction delay, offline spells) ◄───────────────────────────┘
//!     English: strategy::english_bid(limit = value · (1 − margin), budget)  ─► dent tx
//!     Dutch:   strategy::dutch_take(limit, budget) when the price crosses    ─► take tx
//!   tx ─► network: lands after a geometric number of blocks ─► System::apply (may revert)
//!   auction clocks: tic / end ─► deal or tick;  done ─► poke + redo
//! ```
//!
//! Bidders decide exactly as the keeper library does ([`backstop_core::strategy`]); the settler (a
//! keeper that only starts, settles and resets auctions) pokes the oracle before every kick and
//! reset. Every accepted action is recorded with its time: the [`ActionLog`] replays the run on a
//! fresh model ([`replay_on_model`]) or on a chain.
//!
//! Randomness comes from three ChaCha8 streams per run (market, network, bidders), all derived
//! from the master seed and the run index, so a run is reproducible on its own and the market path
//! of run `i` is the same whatever the auction parameters (common random numbers in sweeps).

use crate::{
    error::{Result, SimError},
    market::{Market, Network, Presence, f64_of_ray, f64_of_wad, ray_of},
    scenario::{Mechanism, Scenario},
};
use alloy_primitives::Address;
use backstop_core::{
    AccountantEvent, Action, Addresses, DutchEvent, EnglishEvent, Event, Ray, System, SystemParams,
    Timestamp, Wad,
    strategy::{Bidder, EnglishMode, NoBid, NoTake, dutch_take, english_bid},
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::{cmp::Reverse, collections::BinaryHeap};

/// The settler's account: starts auctions, settles them, resets Dutch sales (and earns the Dutch
/// keeper reward).
pub const SETTLER: Address = Address::new([0x5e; 20]);

/// The account of bidder `i` (0-based, over all groups in order).
pub fn bidder_address(i: usize) -> Address {
    let mut b = [0u8; 20];
    b[0] = 0xb1;
    b[12..20].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    Address::new(b)
}

/// What a run keeps besides its summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Keep the action log and the final state.
    pub log: bool,
    /// Keep a time series of prices and debt (every `trace_step` seconds and at every action).
    pub trace: bool,
    /// Keep one line per auction.
    pub auctions: bool,
}

impl RunOptions {
    /// Everything: for a run that is plotted, saved or replayed.
    pub fn full() -> Self {
        Self { log: true, trace: true, auctions: true }
    }
}

/// One accepted action and when it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    /// Block timestamp, unix seconds.
    pub at: Timestamp,
    /// The action (`sender` fields are the bidders' and the settler's accounts).
    pub action: Action,
}

/// Everything needed to replay a run: the deployment and the timed actions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLog {
    /// Deployment parameters.
    pub params: SystemParams,
    /// Oracle price at deployment, RAY.
    pub oracle: Ray,
    /// Contract and sink addresses used by the model.
    pub addrs: Addresses,
    /// The settler's account.
    pub settler: Address,
    /// The bidders' accounts, in scenario order.
    pub bidders: Vec<Address>,
    /// Accepted actions with their block timestamps (non-decreasing).
    pub actions: Vec<TimedAction>,
}

/// Re-applies `log` to a fresh [`System`] and returns the final state. Every action must be
/// accepted again: a rejection is [`SimError::Replay`].
pub fn replay_on_model(log: &ActionLog) -> Result<System> {
    let mut sys = System::new(log.params, log.oracle, log.addrs)?;
    for (index, ta) in log.actions.iter().enumerate() {
        sys.apply(&ta.action, ta.at).map_err(|error| SimError::Replay {
            index,
            action: format!("{:?}", ta.action),
            at: ta.at,
            error,
        })?;
    }
    Ok(sys)
}

/// The numbers of one run. Stablecoin and token amounts are floats in whole units (the exact
/// values are in the action log); times are seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Run index.
    pub run: u64,
    /// True if the mechanism finished within the horizon: no auction left, no queued debt, free
    /// debt below one lot.
    pub cleared: bool,
    /// Seconds from the first tranche to clearing (empty if not cleared).
    pub time_to_clear: Option<u64>,
    /// Bad debt booked, stablecoin.
    pub debt: f64,
    /// Paid by the treasury (heal), stablecoin.
    pub treasury_paid: f64,
    /// Raised by auctions, stablecoin.
    pub raised: f64,
    /// Bad debt left at the end, stablecoin.
    pub residual_debt: f64,
    /// Auctions started.
    pub auctions: u64,
    /// Accepted bids (English dents, Dutch takes).
    pub bids: u64,
    /// Bidder transactions that reverted (outbid in the same block, expired, sale gone, …).
    pub reverted: u64,
    /// English restarts (`tick`).
    pub ticks: u64,
    /// Dutch resets (`redo`).
    pub redos: u64,
    /// English auctions won with a single bid.
    pub lone_bidder: u64,
    /// Auctions still running at the horizon.
    pub failed: u64,
    /// Governance tokens minted in all (lots, slices, keeper rewards), tokens.
    pub minted: f64,
    /// Of which keeper rewards (Dutch kick/redo incentive), tokens.
    pub rewards: f64,
    /// Minted / initial supply, a fraction.
    pub dilution: f64,
    /// Raised / tokens sold to bidders, stablecoin per token (0 if none sold).
    pub avg_price: f64,
    /// Market price weighted by the tokens sold, at the time each was received, stablecoin per
    /// token (0 if none sold).
    pub market_price: f64,
    /// `avg_price / market_price` (0 if none sold).
    pub price_ratio: f64,
    /// Discount paid to keepers: `1 − raised / market value of the tokens sold`, a fraction.
    pub discount: f64,
    /// Keepers' profit: market value of the tokens they received (at receipt) − stablecoin paid
    /// − gas, stablecoin.
    pub keeper_profit: f64,
    /// Gas paid by keepers (bidders and settler), stablecoin.
    pub gas: f64,
    /// Market price at the end of the run, stablecoin per token.
    pub end_price: f64,
    /// Lowest market price seen at an action, stablecoin per token.
    pub min_price: f64,
    /// Seconds simulated (until clearing or the horizon).
    pub duration: u64,
}

/// One auction's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuctionOutcome {
    /// English or Dutch.
    pub kind: Mechanism,
    /// Auction id.
    pub id: u64,
    /// Start, seconds after `t = 0`.
    pub kicked: u64,
    /// End (deal, or the take that finished it), seconds after `t = 0`; empty if it never ended.
    pub finished: Option<u64>,
    /// Accepted bids.
    pub bids: u32,
    /// Distinct bidders with an accepted bid.
    pub bidders: u32,
    /// Ticks or redos.
    pub restarts: u32,
    /// Stablecoin raised.
    pub raised: f64,
    /// Tokens sold.
    pub tokens: f64,
    /// Raised / tokens, stablecoin per token.
    pub price: f64,
    /// Market price when it finished, stablecoin per token.
    pub market: f64,
    /// Won with a single bid (English).
    pub lone: bool,
}

/// One bidder's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BidderOutcome {
    /// Group name.
    pub name: String,
    /// Account.
    pub account: Address,
    /// Valuation multiple of the market price drawn for this run.
    pub valuation: f64,
    /// Auctions won or takes made.
    pub won: u64,
    /// Tokens received.
    pub tokens: f64,
    /// Stablecoin paid.
    pub paid: f64,
    /// Gas, stablecoin.
    pub gas: f64,
    /// Market value at receipt − paid − gas, stablecoin.
    pub profit: f64,
}

/// A point of the price and debt time series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// Seconds after `t = 0`.
    pub t: u64,
    /// Market price, stablecoin per token.
    pub market: f64,
    /// Oracle price, stablecoin per token.
    pub oracle: f64,
    /// Bad debt left, stablecoin.
    pub debt: f64,
    /// Governance tokens minted so far, tokens.
    pub minted: f64,
}

/// A finished run (`run-<i>.json` deserialises into it; the final state is not serialised: replay
/// the log to get it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// The numbers.
    pub summary: RunSummary,
    /// Per bidder.
    pub bidders: Vec<BidderOutcome>,
    /// Per auction (with [`RunOptions::auctions`]).
    pub auctions: Vec<AuctionOutcome>,
    /// Prices and debt over time (with [`RunOptions::trace`]).
    pub trace: Vec<TracePoint>,
    /// The action log (with [`RunOptions::log`]).
    pub log: Option<ActionLog>,
    /// The model's final state (with [`RunOptions::log`]).
    #[serde(skip)]
    pub final_state: Option<System>,
}

/// Saturating sum of two [`Wad`]s (totals in a run cannot reach 2^256).
trait SatAdd {
    fn saturating_add(self, other: Self) -> Self;
}

impl SatAdd for Wad {
    fn saturating_add(self, other: Self) -> Self {
        Self::from_raw(self.raw().saturating_add(other.raw()))
    }
}

/// Seconds between trace samples.
const TRACE_STEP: u64 = 300;
/// At most this many auctions are started by one settler check (as the keeper pipelines kicks).
const MAX_KICKS: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    English(u64),
    Dutch(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pending {
    Flog(Timestamp),
    Heal,
    Kiss,
    Deal(u64),
    Tick(u64),
    Redo(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Tranche(u32),
    Include(u32),
    Wake { bidder: u32, target: Target },
    Timer { dutch: bool, id: u64 },
    Settle,
}

#[derive(Debug, Clone, Copy)]
enum Actor {
    Settler,
    Bidder(u32),
}

#[derive(Debug, Clone)]
struct Tx {
    from: Actor,
    action: Action,
    reserved: Wad,
    pending: Option<Pending>,
    target: Option<Target>,
}

#[derive(Debug, Clone)]
struct BidderState {
    group: usize,
    addr: Address,
    factor: f64,
    margin_keep: Wad,
    mode: EnglishMode,
    reaction: f64,
    recheck: u64,
    capital: Wad,
    spent: Wad,
    committed: Wad,
    reserved: Wad,
    tokens: Wad,
    market_value: f64,
    gas: f64,
    won: u64,
    presence: Presence,
    pending: FxHashSet<Target>,
    waiting: Vec<Target>,
}

impl BidderState {
    fn available(&self) -> Wad {
        self.capital
            .saturating_sub(self.spent)
            .saturating_sub(self.committed)
            .saturating_sub(self.reserved)
    }
}

#[derive(Debug, Clone, Default)]
struct AuctionRec {
    kicked: u64,
    bids: u32,
    bidders: FxHashSet<u32>,
    high: Option<u32>,
    restarts: u32,
    raised: Wad,
    tokens: Wad,
    market_value: f64,
}

impl AuctionRec {
    /// The auction's record: `raised` (stablecoin) and `tokens` (governance tokens) as floats,
    /// `market` the market price per token; the price paid (`raised / tokens`) only for a
    /// finished auction that sold tokens, else 0. Not a lone-bidder auction unless set after.
    fn outcome(
        &self,
        kind: Mechanism,
        id: u64,
        finished: Option<u64>,
        raised: f64,
        tokens: f64,
        market: f64,
    ) -> AuctionOutcome {
        let price = if finished.is_some() && tokens > 0.0 { raised / tokens } else { 0.0 };
        AuctionOutcome {
            kind,
            id,
            kicked: self.kicked,
            finished,
            bids: self.bids,
            bidders: self.bidders.len() as u32,
            restarts: self.restarts,
            raised,
            tokens,
            price,
            market,
            lone: false,
        }
    }
}

struct State<'a> {
    sc: &'a Scenario,
    run: u64,
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
    sys: System,
    oracle0: Ray,
    queue: BinaryHeap<Reverse<(Timestamp, u64, Ev)>>,
    seq: u64,
    rng_market: ChaCha8Rng,
    rng_net: ChaCha8Rng,
    rng_bid: ChaCha8Rng,
    market: Market,
    network: Network,
    bidders: Vec<BidderState>,
    txs: Vec<Option<Tx>>,
    free_txs: Vec<u32>,
    settler_pending: FxHashSet<Pending>,
    flops_pending: u64,
    settler_gas: f64,
    settler_rewards: Wad,
    settler_reward_value: f64,
    timers: FxHashMap<(bool, u64), Timestamp>,
    english: FxHashMap<u64, AuctionRec>,
    dutch: FxHashMap<u64, AuctionRec>,
    tranches_left: usize,
    first_tranche: Timestamp,
    cleared_at: Option<Timestamp>,
    // Totals.
    raised: Wad,
    sold: Wad,
    sold_value: f64,
    treasury_paid: Wad,
    bids: u64,
    reverted: u64,
    ticks: u64,
    redos: u64,
    lone: u64,
    min_price: f64,
    // Optional records.
    opts: RunOptions,
    log: Vec<TimedAction>,
    trace: Vec<TracePoint>,
    next_sample: u64,
    outcomes: Vec<AuctionOutcome>,
}

/// The three RNG streams of run `index` under `seed`.
fn streams(seed: u64, index: u64) -> [ChaCha8Rng; 3] {
    let base = ChaCha8Rng::seed_from_u64(seed);
    let mk = |k: u64| {
        let mut r = base.clone();
        r.set_stream(index.wrapping_mul(4).wrapping_add(k));
        r
    };
    [mk(0), mk(1), mk(2)]
}

/// Runs `scenario` once: run `index` under master seed `seed`.
pub fn simulate(scenario: &Scenario, seed: u64, index: u64, opts: RunOptions) -> Result<Run> {
    let mut st = State::new(scenario, seed, index, opts)?;
    st.setup()?;
    while let Some(Reverse((t, _, ev))) = st.queue.pop() {
        if t > st.end {
            break;
        }
        if st.opts.trace {
            st.sample_until(t);
        }
        st.now = st.now.max(t);
        st.handle(ev)?;
        if st.cleared_at.is_some() {
            break;
        }
    }
    st.finish(seed)
}

impl<'a> State<'a> {
    fn new(sc: &'a Scenario, seed: u64, run: u64, opts: RunOptions) -> Result<Self> {
        let [rng_market, rng_net, mut rng_bid] = streams(seed, run);
        let mut market = Market::new(sc);
        let mut rng_m = rng_market;
        let p0 = market.price(0, &mut rng_m);
        let oracle0 = ray_of(p0);
        let sys = System::new(sc.params(), oracle0, Addresses::default())?;
        let mut bidders = Vec::new();
        for (g, spec) in sc.bidders.iter().enumerate() {
            for _ in 0..spec.count {
                let z: f64 = rng_bid.sample(rand_distr::StandardNormal);
                let factor = (spec.valuation * (1.0 + spec.spread * z)).max(0.0);
                let presence = Presence::new(spec.offline, spec.offline_spell, &mut rng_bid);
                bidders.push(BidderState {
                    group: g,
                    addr: bidder_address(bidders.len()),
                    factor,
                    margin_keep: Wad::ONE.saturating_sub(spec.margin),
                    mode: spec.mode,
                    reaction: spec.reaction as f64,
                    recheck: spec.recheck,
                    capital: spec.capital,
                    spent: Wad::ZERO,
                    committed: Wad::ZERO,
                    reserved: Wad::ZERO,
                    tokens: Wad::ZERO,
                    market_value: 0.0,
                    gas: 0.0,
                    won: 0,
                    presence,
                    pending: FxHashSet::default(),
                    waiting: Vec::new(),
                });
            }
        }
        let first = sc.debt.tranches.iter().map(|t| t.at).min().unwrap_or(0);
        Ok(Self {
            sc,
            run,
            start: sc.start,
            end: sc.start + sc.horizon,
            now: sc.start,
            sys,
            oracle0,
            queue: BinaryHeap::new(),
            seq: 0,
            rng_market: rng_m,
            rng_net,
            rng_bid,
            market,
            network: Network::new(&sc.network),
            bidders,
            txs: Vec::new(),
            free_txs: Vec::new(),
            settler_pending: FxHashSet::default(),
            flops_pending: 0,
            settler_gas: 0.0,
            settler_rewards: Wad::ZERO,
            settler_reward_value: 0.0,
            timers: FxHashMap::default(),
            english: FxHashMap::default(),
            dutch: FxHashMap::default(),
            tranches_left: sc.debt.tranches.len(),
            first_tranche: sc.start + first,
            cleared_at: None,
            raised: Wad::ZERO,
            sold: Wad::ZERO,
            sold_value: 0.0,
            treasury_paid: Wad::ZERO,
            bids: 0,
            reverted: 0,
            ticks: 0,
            redos: 0,
            lone: 0,
            min_price: p0,
            opts,
            log: Vec::new(),
            trace: Vec::new(),
            next_sample: 0,
            outcomes: Vec::new(),
        })
    }

    fn rel(&self) -> u64 {
        self.now - self.start
    }

    fn push(&mut self, at: Timestamp, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, ev)));
    }

    fn market_price(&mut self) -> f64 {
        let rel = self.rel();
        let p = self.market.price(rel, &mut self.rng_market);
        if p < self.min_price {
            self.min_price = p;
        }
        p
    }

    /// An authorised action (faucet, fess, oracle feeder): must pass.
    fn direct(&mut self, action: Action) -> Result<Vec<Event>> {
        let events = self.sys.apply(&action, self.now).map_err(|error| SimError::Engine {
            run: self.run,
            action: format!("{action:?}"),
            at: self.now,
            error,
        })?;
        self.record(action);
        Ok(events)
    }

    fn record(&mut self, action: Action) {
        if self.opts.log {
            self.log.push(TimedAction { at: self.now, action });
        }
        if self.opts.trace {
            let t = self.rel();
            self.sample(t);
        }
    }

    fn sample(&mut self, t: u64) {
        let market = self.market.price(t, &mut self.rng_market);
        self.trace.push(TracePoint {
            t,
            market,
            oracle: f64_of_ray(self.sys.oracle),
            debt: f64_of_wad(self.sys.accountant.debt()),
            minted: f64_of_wad(self.sys.ledger.gov.total_supply()),
        });
    }

    fn sample_until(&mut self, t: Timestamp) {
        let rel = t.saturating_sub(self.start);
        while self.next_sample < rel {
            let s = self.next_sample;
            self.sample(s);
            self.next_sample += TRACE_STEP;
        }
    }

    fn setup(&mut self) -> Result<()> {
        for i in 0..self.bidders.len() {
            let (to, amount) = (self.bidders[i].addr, self.bidders[i].capital);
            self.direct(Action::Mint { to, amount })?;
        }
        let treasury = self.sc.debt.treasury;
        if !treasury.is_zero() {
            self.direct(Action::Mint { to: self.sys.addrs.accountant, amount: treasury })?;
        }
        for (i, t) in self.sc.debt.tranches.iter().enumerate() {
            self.push(self.start + t.at, Ev::Tranche(i as u32));
        }
        Ok(())
    }

    fn handle(&mut self, ev: Ev) -> Result<()> {
        match ev {
            Ev::Tranche(i) => {
                let tab = self.sc.debt.tranches[i as usize].amount;
                self.direct(Action::Fess { tab })?;
                self.tranches_left -= 1;
                self.settle();
            }
            Ev::Include(i) => self.include(i)?,
            Ev::Wake { bidder, target } => self.wake(bidder, target),
            Ev::Timer { dutch, id } => self.timer(dutch, id),
            Ev::Settle => self.settle(),
        }
        self.check_cleared();
        Ok(())
    }

    fn check_cleared(&mut self) {
        if self.tranches_left > 0 || !self.sys.english.is_empty() || !self.sys.dutch.is_empty() {
            return;
        }
        let a = &self.sys.accountant;
        if !a.sin_total().is_zero() || !a.ash().is_zero() {
            return;
        }
        let woe = a.woe();
        if woe >= a.params.sump || (!woe.is_zero() && !self.sys.surplus().is_zero()) {
            return;
        }
        self.cleared_at = Some(self.now);
    }

    // ---- transactions -----------------------------------------------------------------------

    fn send(
        &mut self,
        from: Actor,
        action: Action,
        reserved: Wad,
        pending: Option<Pending>,
        target: Option<Target>,
    ) {
        let rel = self.rel();
        let at = self.start + self.network.inclusion_time(rel, &mut self.rng_net);
        let tx = Tx { from, action, reserved, pending, target };
        let i = match self.free_txs.pop() {
            Some(i) => {
                self.txs[i as usize] = Some(tx);
                i
            }
            None => {
                self.txs.push(Some(tx));
                (self.txs.len() - 1) as u32
            }
        };
        self.push(at, Ev::Include(i));
    }

    fn include(&mut self, i: u32) -> Result<()> {
        let Some(tx) = self.txs[i as usize].take() else { return Ok(()) };
        self.free_txs.push(i);
        let gas = self.network.gas_cost(self.rel());
        match tx.from {
            Actor::Settler => self.settler_gas += gas,
            Actor::Bidder(b) => self.bidders[b as usize].gas += gas,
        }
        if matches!(tx.action, Action::Flop | Action::FlopDutch { .. } | Action::Redo { .. }) {
            self.poke()?;
        }
        if let Action::Flop | Action::FlopDutch { .. } = tx.action {
            self.flops_pending = self.flops_pending.saturating_sub(1);
        }
        if let Some(p) = tx.pending {
            self.settler_pending.remove(&p);
        }
        if let Actor::Bidder(b) = tx.from {
            let st = &mut self.bidders[b as usize];
            st.reserved = st.reserved.saturating_sub(tx.reserved);
            if let Some(t) = tx.target {
                st.pending.remove(&t);
            }
        }
        match self.sys.apply(&tx.action, self.now) {
            Ok(events) => {
                self.record(tx.action);
                self.on_events(&events, tx.from)?;
            }
            Err(_) => match tx.from {
                Actor::Settler => {
                    // The state moved on (another auction took the free debt, a bid came in):
                    // look again.
                    match tx.pending {
                        Some(Pending::Deal(id) | Pending::Tick(id)) => {
                            self.set_timer(false, id, self.now)
                        }
                        Some(Pending::Redo(id)) => self.set_timer(true, id, self.now),
                        _ => self.settle(),
                    }
                }
                Actor::Bidder(b) => {
                    self.reverted += 1;
                    if let Some(t) = tx.target {
                        self.wake_later(b, t);
                    }
                    self.release_waiting(b);
                }
            },
        }
        Ok(())
    }

    /// The oracle feeder pushes the market price `lag` seconds ago, if it changed.
    fn poke(&mut self) -> Result<()> {
        let rel = self.rel().saturating_sub(self.sc.oracle.lag);
        let lagged = self.market.path.at(rel, &mut self.rng_market);
        // Impact is part of the market price: the feeder reads the market now, with the
        // path lagged (an OSM delays the whole price; the impact is recent and small, so the
        // model keeps the lagged path times today's impact factor).
        let now_path = self.market.path.at(self.rel(), &mut self.rng_market);
        let now_market = self.market_price();
        let impact = if now_path > 0.0 { now_market / now_path } else { 1.0 };
        let price = ray_of(lagged * impact);
        if price != self.sys.oracle && !price.is_zero() {
            self.direct(Action::Poke { price })?;
        }
        Ok(())
    }

    fn on_events(&mut self, events: &[Event], from: Actor) -> Result<()> {
        let mut settle = false;
        for ev in events {
            match *ev {
                Event::Accountant(a) => {
                    settle = true;
                    if let AccountantEvent::Heal { amount } = a {
                        self.treasury_paid = self.treasury_paid.saturating_add(amount);
                    }
                }
                Event::English(e) => self.on_english(e, from),
                Event::Dutch(e) => self.on_dutch(e, from),
                Event::File { .. } | Event::Poke { .. } => {}
            }
        }
        if settle {
            self.settle();
        }
        Ok(())
    }

    fn bidder_index(&self, who: Address) -> Option<u32> {
        // Bidder addresses encode their index + 1 in the last 8 bytes.
        let b = who.as_slice();
        if b[0] != 0xb1 {
            return None;
        }
        let mut idx = [0u8; 8];
        idx.copy_from_slice(&b[12..20]);
        let i = u64::from_be_bytes(idx).checked_sub(1)? as usize;
        (i < self.bidders.len() && self.bidders[i].addr == who).then_some(i as u32)
    }

    fn on_english(&mut self, e: EnglishEvent, _from: Actor) {
        match e {
            EnglishEvent::Kick { id, end, .. } => {
                let rel = self.rel();
                self.english.insert(id, AuctionRec { kicked: rel, ..AuctionRec::default() });
                self.set_timer(false, id, end);
                for b in 0..self.bidders.len() as u32 {
                    self.wake_later(b, Target::English(id));
                }
            }
            EnglishEvent::Dent { id, guy, bid, tic, .. } => {
                self.bids += 1;
                let g = self.bidder_index(guy);
                let rec = self.english.entry(id).or_default();
                rec.bids += 1;
                let prev = rec.high;
                rec.high = g;
                rec.raised = bid;
                if let Some(g) = g {
                    rec.bidders.insert(g);
                }
                if prev != g {
                    if let Some(p) = prev {
                        let st = &mut self.bidders[p as usize];
                        st.committed = st.committed.saturating_sub(bid);
                        self.wake_later(p, Target::English(id));
                        self.release_waiting(p);
                    }
                    if let Some(g) = g {
                        let st = &mut self.bidders[g as usize];
                        st.committed = st.committed.saturating_add(bid);
                    }
                }
                let end = self.sys.english.auction(id).map_or(tic, |a| a.end);
                self.set_timer(false, id, tic.min(end));
            }
            EnglishEvent::Deal { id, guy, lot } => {
                let market = self.market_price();
                let rec = self.english.remove(&id).unwrap_or_default();
                self.timers.remove(&(false, id));
                // The raise is fixed per auction (recorded from its bids).
                let raise = rec.raised;
                let tokens = f64_of_wad(lot);
                self.market.received(self.rel(), tokens);
                self.raised = self.raised.saturating_add(raise);
                self.sold = self.sold.saturating_add(lot);
                self.sold_value += tokens * market;
                if let Some(g) = self.bidder_index(guy) {
                    let st = &mut self.bidders[g as usize];
                    st.committed = st.committed.saturating_sub(raise);
                    st.spent = st.spent.saturating_add(raise);
                    st.tokens = st.tokens.saturating_add(lot);
                    st.market_value += tokens * market;
                    st.won += 1;
                    self.release_waiting(g);
                }
                let lone = rec.bids == 1;
                if lone {
                    self.lone += 1;
                }
                if self.opts.auctions {
                    let finished = Some(self.rel());
                    let raised = f64_of_wad(raise);
                    self.outcomes.push(AuctionOutcome {
                        lone,
                        ..rec.outcome(Mechanism::English, id, finished, raised, tokens, market)
                    });
                }
            }
            EnglishEvent::Tick { id, end, .. } => {
                self.ticks += 1;
                if let Some(rec) = self.english.get_mut(&id) {
                    rec.restarts += 1;
                }
                self.set_timer(false, id, end);
                for b in 0..self.bidders.len() as u32 {
                    self.wake_later(b, Target::English(id));
                }
            }
            // Credits and claims of outbid bids (contract side only; never from the model).
            EnglishEvent::Cage
            | EnglishEvent::Yank { .. }
            | EnglishEvent::Credit { .. }
            | EnglishEvent::Claim { .. } => {}
        }
    }

    fn on_dutch(&mut self, e: DutchEvent, _from: Actor) {
        match e {
            DutchEvent::Kick { id, reward, .. } | DutchEvent::Redo { id, reward, .. } => {
                let redo = matches!(e, DutchEvent::Redo { .. });
                if redo {
                    self.redos += 1;
                    if let Some(rec) = self.dutch.get_mut(&id) {
                        rec.restarts += 1;
                    }
                } else {
                    let rel = self.rel();
                    self.dutch.insert(id, AuctionRec { kicked: rel, ..AuctionRec::default() });
                }
                if !reward.is_zero() {
                    let market = self.market_price();
                    self.settler_rewards = self.settler_rewards.saturating_add(reward);
                    self.settler_reward_value += f64_of_wad(reward) * market;
                    self.market.received(self.rel(), f64_of_wad(reward));
                }
                if let Ok(t) = self.sys.dutch.done_at(id, self.now) {
                    self.set_timer(true, id, t);
                }
                for b in 0..self.bidders.len() as u32 {
                    self.wake_later(b, Target::Dutch(id));
                }
            }
            DutchEvent::Take { id, who, owe, slice, tab, lot, .. } => {
                self.bids += 1;
                let market = self.market_price();
                let tokens = f64_of_wad(slice);
                self.market.received(self.rel(), tokens);
                self.raised = self.raised.saturating_add(owe);
                self.sold = self.sold.saturating_add(slice);
                self.sold_value += tokens * market;
                let g = self.bidder_index(who);
                let rec = self.dutch.entry(id).or_default();
                rec.bids += 1;
                rec.raised = rec.raised.saturating_add(owe);
                rec.tokens = rec.tokens.saturating_add(slice);
                rec.market_value += tokens * market;
                if let Some(g) = g {
                    rec.bidders.insert(g);
                    let st = &mut self.bidders[g as usize];
                    st.spent = st.spent.saturating_add(owe);
                    st.tokens = st.tokens.saturating_add(slice);
                    st.market_value += tokens * market;
                    st.won += 1;
                }
                if tab.is_zero() || lot.is_zero() {
                    let rec = self.dutch.remove(&id).unwrap_or_default();
                    self.timers.remove(&(true, id));
                    if self.opts.auctions {
                        let raised = f64_of_wad(rec.raised);
                        let tokens = f64_of_wad(rec.tokens);
                        // The market price averaged over the takes, per token.
                        let market_avg =
                            if tokens > 0.0 { rec.market_value / tokens } else { market };
                        let finished = Some(self.rel());
                        self.outcomes.push(rec.outcome(
                            Mechanism::Dutch,
                            id,
                            finished,
                            raised,
                            tokens,
                            market_avg,
                        ));
                    }
                } else if let Some(g) = g {
                    // More to buy: the taker looks again.
                    self.wake_later(g, Target::Dutch(id));
                }
            }
            DutchEvent::Yank { .. } => {}
        }
    }

    // ---- the settler ------------------------------------------------------------------------

    fn settle(&mut self) {
        let now = self.now;
        let a = &self.sys.accountant;
        let wait = a.params.wait;
        let sump = a.params.sump;
        let eras: Vec<Timestamp> = a.queue().map(|(e, _)| e).collect();
        let (woe, ash) = (a.woe(), a.ash());
        for era in eras {
            let ready = era.saturating_add(wait);
            if ready <= now {
                if self.settler_pending.insert(Pending::Flog(era)) {
                    self.send(
                        Actor::Settler,
                        Action::Flog { era },
                        Wad::ZERO,
                        Some(Pending::Flog(era)),
                        None,
                    );
                }
            } else {
                self.push(ready, Ev::Settle);
            }
        }
        let surplus = self.sys.surplus();
        if !surplus.is_zero() {
            let heal = surplus.min(woe);
            if !heal.is_zero() && self.settler_pending.insert(Pending::Heal) {
                self.send(
                    Actor::Settler,
                    Action::Heal { amount: heal },
                    Wad::ZERO,
                    Some(Pending::Heal),
                    None,
                );
            }
            let kiss = surplus.saturating_sub(heal).min(ash);
            if !kiss.is_zero() && self.settler_pending.insert(Pending::Kiss) {
                self.send(
                    Actor::Settler,
                    Action::Kiss { amount: kiss },
                    Wad::ZERO,
                    Some(Pending::Kiss),
                    None,
                );
            }
            return;
        }
        if woe < sump || sump.is_zero() {
            return;
        }
        let possible = (woe.raw() / sump.raw()).saturating_to::<u64>();
        let n = possible
            .saturating_sub(self.flops_pending)
            .min(MAX_KICKS.saturating_sub(self.flops_pending));
        let action = match self.sc.mechanism {
            Mechanism::English => Action::Flop,
            Mechanism::Dutch => Action::FlopDutch { kpr: SETTLER },
        };
        for _ in 0..n {
            self.flops_pending += 1;
            self.send(Actor::Settler, action, Wad::ZERO, None, None);
        }
    }

    fn set_timer(&mut self, dutch: bool, id: u64, at: Timestamp) {
        let at = at.max(self.now);
        if self.timers.get(&(dutch, id)) == Some(&at) {
            return;
        }
        self.timers.insert((dutch, id), at);
        self.push(at, Ev::Timer { dutch, id });
    }

    fn timer(&mut self, dutch: bool, id: u64) {
        if self.timers.get(&(dutch, id)) != Some(&self.now) {
            return; // stale
        }
        self.timers.remove(&(dutch, id));
        let now = self.now;
        if dutch {
            let Ok(st) = self.sys.dutch.status(id, now) else { return };
            if st.needs_redo {
                if self.settler_pending.insert(Pending::Redo(id)) {
                    self.send(
                        Actor::Settler,
                        Action::Redo { id, kpr: SETTLER },
                        Wad::ZERO,
                        Some(Pending::Redo(id)),
                        None,
                    );
                }
            } else if let Ok(t) = self.sys.dutch.done_at(id, now) {
                self.set_timer(true, id, t);
            }
        } else {
            let Some(a) = self.sys.english.auction(id).copied() else { return };
            if a.is_dealable(now) {
                if self.settler_pending.insert(Pending::Deal(id)) {
                    self.send(
                        Actor::Settler,
                        Action::Deal { id },
                        Wad::ZERO,
                        Some(Pending::Deal(id)),
                        None,
                    );
                }
            } else if a.is_tickable(now) {
                if self.settler_pending.insert(Pending::Tick(id)) {
                    self.send(
                        Actor::Settler,
                        Action::Tick { id },
                        Wad::ZERO,
                        Some(Pending::Tick(id)),
                        None,
                    );
                }
            } else if let Some(t) = a.next_change(now) {
                self.set_timer(false, id, t);
            }
        }
    }

    // ---- bidders ----------------------------------------------------------------------------

    /// Wakes bidder `b` about `target` after its reaction delay.
    fn wake_later(&mut self, b: u32, target: Target) {
        let mean = self.bidders[b as usize].reaction;
        let delay = if mean > 0.0 {
            let e: f64 = self.rng_bid.sample(rand_distr::Exp1);
            (mean * e).round() as u64
        } else {
            0
        };
        self.push(self.now + delay, Ev::Wake { bidder: b, target });
    }

    /// Bidder `b`'s budget grew: look again at what it could not afford.
    fn release_waiting(&mut self, b: u32) {
        let waiting = std::mem::take(&mut self.bidders[b as usize].waiting);
        for t in waiting {
            self.wake_later(b, t);
        }
    }

    fn limit(&mut self, b: u32) -> Ray {
        let market = self.market_price();
        let st = &self.bidders[b as usize];
        ray_of(market * st.factor).wmul(st.margin_keep).unwrap_or_default()
    }

    fn wake(&mut self, b: u32, target: Target) {
        let rel = self.rel();
        if let Some(back) = self.bidders[b as usize].presence.offline_until(rel, &mut self.rng_bid)
        {
            if back != u64::MAX {
                let at = self.start.saturating_add(back);
                if at <= self.end {
                    self.push(at, Ev::Wake { bidder: b, target });
                }
            }
            return;
        }
        if self.bidders[b as usize].pending.contains(&target) {
            return;
        }
        let now = self.now;
        match target {
            Target::English(id) => {
                let Some(a) = self.sys.english.auction(id).copied() else { return };
                if !self.sys.english.is_live() {
                    return;
                }
                let limit = self.limit(b);
                let st = &self.bidders[b as usize];
                let bidder = Bidder { me: st.addr, limit, budget: st.available(), mode: st.mode };
                match english_bid(id, &a, &self.sys.english.params, &bidder, now) {
                    Ok(bid) => {
                        let st = &mut self.bidders[b as usize];
                        st.reserved = st.reserved.saturating_add(bid.bid);
                        st.pending.insert(target);
                        let action =
                            Action::Dent { sender: st.addr, id, lot: bid.lot, bid: bid.bid };
                        self.send(Actor::Bidder(b), action, bid.bid, None, Some(target));
                    }
                    Err(NoBid::Budget) => self.bidders[b as usize].waiting.push(target),
                    Err(NoBid::AboveLimit) => {
                        let at = now + self.bidders[b as usize].recheck;
                        if a.is_biddable(at) {
                            self.push(at, Ev::Wake { bidder: b, target });
                        }
                    }
                    Err(NoBid::Winning | NoBid::Closed) => {}
                }
            }
            Target::Dutch(id) => {
                if self.sys.dutch.sale(id).is_none() {
                    return;
                }
                let limit = self.limit(b);
                let st = &self.bidders[b as usize];
                let (me, budget) = (st.addr, st.available());
                match dutch_take(&self.sys.dutch, id, me, limit, budget, now) {
                    Ok(t) => {
                        let st = &mut self.bidders[b as usize];
                        st.reserved = st.reserved.saturating_add(t.plan.owe);
                        st.pending.insert(target);
                        let action =
                            Action::Take { sender: me, id, amt: t.amt, max: t.max, who: me };
                        self.send(Actor::Bidder(b), action, t.plan.owe, None, Some(target));
                    }
                    Err(NoTake::AboveLimit) => {
                        let recheck = now + self.bidders[b as usize].recheck;
                        let at = dutch_crossing(&self.sys, id, limit, now)
                            .map_or(recheck, |t| t.min(recheck));
                        if at > now {
                            self.push(at, Ev::Wake { bidder: b, target });
                        }
                    }
                    Err(NoTake::Budget) => self.bidders[b as usize].waiting.push(target),
                    Err(NoTake::NeedsRedo | NoTake::Gone) => {}
                }
            }
        }
    }

    fn finish(mut self, seed: u64) -> Result<Run> {
        let end_rel = self.cleared_at.unwrap_or(self.end).min(self.end).max(self.now) - self.start;
        self.now = self.start + end_rel;
        let end_price = self.market_price();
        if self.opts.trace {
            self.sample_until(self.now);
            self.sample(end_rel);
        }
        let debt = f64_of_wad(self.sc.total_debt()?);
        let sold = f64_of_wad(self.sold);
        let raised = f64_of_wad(self.raised);
        let minted = f64_of_wad(self.sys.ledger.gov.total_supply());
        let rewards = f64_of_wad(self.settler_rewards);
        let supply = f64_of_wad(self.sc.market.supply);
        let mut gas = self.settler_gas;
        let mut profit = self.settler_reward_value - self.settler_gas;
        let mut bidders = Vec::with_capacity(self.bidders.len());
        for st in &self.bidders {
            let paid = f64_of_wad(st.spent);
            let p = st.market_value - paid - st.gas;
            gas += st.gas;
            profit += p;
            bidders.push(BidderOutcome {
                name: self.sc.bidders[st.group].name.clone(),
                account: st.addr,
                valuation: st.factor,
                won: st.won,
                tokens: f64_of_wad(st.tokens),
                paid,
                gas: st.gas,
                profit: p,
            });
        }
        let avg_price = if sold > 0.0 { raised / sold } else { 0.0 };
        let market_price = if sold > 0.0 { self.sold_value / sold } else { 0.0 };
        let failed = (self.sys.english.len() + self.sys.dutch.len()) as u64;
        if self.opts.auctions {
            // Unfinished auctions, for the record.
            let mut open: Vec<(Mechanism, u64, AuctionRec)> = self
                .english
                .drain()
                .map(|(id, r)| (Mechanism::English, id, r))
                .chain(self.dutch.drain().map(|(id, r)| (Mechanism::Dutch, id, r)))
                .collect();
            open.sort_by_key(|(k, id, _)| (*k == Mechanism::Dutch, *id));
            for (kind, id, r) in open {
                let (raised, tokens) = (f64_of_wad(r.raised), f64_of_wad(r.tokens));
                self.outcomes.push(r.outcome(kind, id, None, raised, tokens, end_price));
            }
        }
        let summary = RunSummary {
            run: self.run,
            cleared: self.cleared_at.is_some(),
            time_to_clear: self.cleared_at.map(|t| t.saturating_sub(self.first_tranche)),
            debt,
            treasury_paid: f64_of_wad(self.treasury_paid),
            raised,
            residual_debt: f64_of_wad(self.sys.accountant.debt()),
            auctions: self.sys.english.kicks() + self.sys.dutch.kicks(),
            bids: self.bids,
            reverted: self.reverted,
            ticks: self.ticks,
            redos: self.redos,
            lone_bidder: self.lone,
            failed,
            minted,
            rewards,
            dilution: minted / supply,
            avg_price,
            market_price,
            price_ratio: if market_price > 0.0 { avg_price / market_price } else { 0.0 },
            discount: if self.sold_value > 0.0 { 1.0 - raised / self.sold_value } else { 0.0 },
            keeper_profit: profit,
            gas,
            end_price,
            min_price: self.min_price.min(end_price),
            duration: end_rel,
        };
        let log = self.opts.log.then(|| ActionLog {
            params: self.sc.params(),
            oracle: self.oracle0,
            addrs: self.sys.addrs,
            settler: SETTLER,
            bidders: self.bidders.iter().map(|b| b.addr).collect(),
            actions: std::mem::take(&mut self.log),
        });
        Ok(Run {
            scenario: self.sc.name.clone(),
            seed,
            summary,
            bidders,
            auctions: std::mem::take(&mut self.outcomes),
            trace: std::mem::take(&mut self.trace),
            log,
            final_state: self.opts.log.then(|| self.sys.clone()),
        })
    }
}

/// The first time at or after `now` at which sale `id`'s price is at or below `limit` (RAY) while
/// the sale is not done; `None` if that never happens before it is done.
pub fn dutch_crossing(sys: &System, id: u64, limit: Ray, now: Timestamp) -> Option<Timestamp> {
    let house = &sys.dutch;
    let s = *house.sale(id)?;
    let done = house.done_at(id, now).ok()?;
    if done <= now {
        return None;
    }
    let p = &house.params;
    let price_at = |t: Timestamp| p.price(s.top, t.saturating_sub(s.tic)).ok();
    // The last second before done.
    let last = done - 1;
    if price_at(last)? > limit {
        return None;
    }
    if price_at(now)? <= limit {
        return Some(now);
    }
    // price(lo) > limit ≥ price(hi); the price is non-increasing in time.
    let (mut lo, mut hi) = (now, last);
    // Narrow with a float estimate for the geometric curves.
    if let Some(guess) = float_guess(sys, id, limit, now) {
        let g = guess.clamp(lo, hi);
        let a = g.saturating_sub(p.step.max(1)).max(lo);
        let b = g.saturating_add(p.step.max(1)).min(hi);
        if price_at(a)? > limit {
            lo = a;
        }
        if price_at(b)? <= limit {
            hi = b;
        }
    }
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if price_at(mid)? <= limit {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

fn float_guess(sys: &System, id: u64, limit: Ray, now: Timestamp) -> Option<Timestamp> {
    let house = &sys.dutch;
    let s = house.sale(id)?;
    let p = &house.params;
    let top = f64_of_ray(s.top);
    let l = f64_of_ray(limit);
    if top <= 0.0 || l <= 0.0 || l >= top {
        return Some(now);
    }
    let dur = match p.calc {
        backstop_core::Calc::Linear => p.tau as f64 * (1.0 - l / top),
        backstop_core::Calc::StairStep => {
            let cut = f64_of_ray(p.cut);
            if cut >= 1.0 {
                return None;
            }
            ((l / top).ln() / cut.ln()).ceil() * p.step as f64
        }
        backstop_core::Calc::Exponential => {
            let cut = f64_of_ray(p.cut);
            if cut >= 1.0 {
                return None;
            }
            (l / top).ln() / cut.ln()
        }
    };
    dur.is_finite().then(|| s.tic.saturating_add(dur.max(0.0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(name: &str) -> Scenario {
        Scenario::builtin(name).unwrap()
    }

    #[test]
    fn deterministic_for_a_seed() {
        let sc = small("black-thursday-2020");
        let a = simulate(&sc, 7, 3, RunOptions::default()).unwrap();
        let b = simulate(&sc, 7, 3, RunOptions::default()).unwrap();
        assert_eq!(a.summary, b.summary);
        let c = simulate(&sc, 7, 4, RunOptions::default()).unwrap();
        assert_ne!(a.summary, c.summary);
    }

    #[test]
    fn options_do_not_change_the_outcome() {
        let sc = small("black-thursday-dutch");
        let a = simulate(&sc, 1, 0, RunOptions::default()).unwrap();
        let b = simulate(&sc, 1, 0, RunOptions::full()).unwrap();
        assert_eq!(a.summary, b.summary);
        assert!(!b.trace.is_empty() && b.log.is_some());
    }

    #[test]
    fn crossing_is_exact() {
        let sc = small("black-thursday-dutch");
        let mut sys =
            System::new(sc.params(), "265".parse().unwrap(), Addresses::default()).unwrap();
        sys.fess("50000".parse().unwrap(), 0).unwrap();
        sys.flog(0, 0).unwrap();
        let (id, _) = sys.flop_dutch(SETTLER, 0).unwrap();
        for limit in ["300", "258", "200", "140.5"] {
            let limit: Ray = limit.parse().unwrap();
            let t = dutch_crossing(&sys, id, limit, 0).unwrap();
            let st = sys.dutch.status(id, t).unwrap();
            assert!(st.price <= limit && !st.needs_redo);
            if t > 0 {
                assert!(sys.dutch.status(id, t - 1).unwrap().price > limit);
            }
        }
        // Below the reset floor (cusp · top = 0.4 · 344.5): never.
        assert_eq!(dutch_crossing(&sys, id, "100".parse().unwrap(), 0), None);
    }
}
