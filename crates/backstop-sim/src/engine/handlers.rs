//! The clock, the transactions in flight and the event handlers.
//!
//! Time is a priority queue of events keyed by (time, sequence number): the earliest runs first,
//! ties in the order they were scheduled. An event is a debt tranche arriving, a transaction
//! landing in a block, a bidder waking up about an auction, an auction's clock running out
//! (`tic`, `end`, a Dutch sale's done time) or a settler check at a queued era's release.
//! An auction has at most one live timer: setting it again replaces it, and a popped timer
//! that is no longer the live one is stale and ignored.
//!
//! A transaction is sent now and lands after the network's inclusion delay; it is applied to the
//! [`System`](backstop_core::System) then, and may revert there (outbid, expired, the state moved
//! on). An accepted action's events drive the bookkeeping: bidders' commitments, the per-auction
//! records and the totals, new timers and wake-ups.

use super::{
    Mechanism, SatAdd, State, TimedAction, bidders::Target, outcome::AuctionRec, settler::Pending,
};
use crate::{
    error::{Result, SimError},
    market::f64_of_wad,
    pool::{FlashOrder, flash_settle},
};
use alloy_primitives::Address;
use backstop_core::{
    AccountantEvent, Action, DutchEvent, EnglishEvent, Event, Timestamp, Wad,
    waterfall::{Layer, WaterfallEvent},
};
use rustc_hash::FxHashMap;
use std::{cmp::Reverse, collections::BinaryHeap};

/// Something that happens at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ev {
    /// Debt tranche `i` of the scenario arrives.
    Tranche(u32),
    /// Transaction `i` of the mempool lands in a block.
    Include(u32),
    /// A bidder looks at an auction.
    Wake { bidder: u32, target: Target },
    /// A flash bidder's scheduled look at a Dutch sale (one live per bidder and sale).
    FlashLook { bidder: u32, id: u64 },
    /// An auction's clock: English `tic`/`end`, or a Dutch sale's done time.
    Timer { dutch: bool, id: u64 },
    /// The settler checks the balance sheet (a queued era is released; with a waterfall also a
    /// slash interval's end, a round's end, the deadline).
    Settle,
    /// A revenue instalment lands in the accountant (`[revenue]`).
    Revenue,
    /// Staker `i` looks (its delay after the first booking, its window opening).
    Staker(u32),
    /// Pledger `i` looks (a round opened, met its target or ended).
    Pledger(u32),
    /// Governance sends the vault's pause (`true`) or unpause.
    Governance(bool),
}

/// The event queue and the auction timers. Times are unix seconds.
pub(super) struct Clock {
    /// Start of the run.
    pub(super) start: Timestamp,
    /// The horizon: nothing happens after it.
    pub(super) end: Timestamp,
    /// The current time.
    pub(super) now: Timestamp,
    queue: BinaryHeap<Reverse<(Timestamp, u64, Ev)>>,
    seq: u64,
    /// The live timer of each auction, by (Dutch?, id).
    timers: FxHashMap<(bool, u64), Timestamp>,
}

impl Clock {
    pub(super) fn new(start: Timestamp, end: Timestamp) -> Self {
        Self {
            start,
            end,
            now: start,
            queue: BinaryHeap::new(),
            seq: 0,
            timers: FxHashMap::default(),
        }
    }

    /// Seconds since the start.
    pub(super) fn rel(&self) -> u64 {
        self.now - self.start
    }

    /// Schedules `ev` at `at` (after every event already scheduled at `at`).
    pub(super) fn push(&mut self, at: Timestamp, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, ev)));
    }

    /// The earliest event and its time.
    pub(super) fn pop(&mut self) -> Option<(Timestamp, Ev)> {
        self.queue.pop().map(|Reverse((t, _, ev))| (t, ev))
    }

    /// Sets an auction's timer to `at` (not before now), replacing the live one.
    pub(super) fn set_timer(&mut self, dutch: bool, id: u64, at: Timestamp) {
        let at = at.max(self.now);
        if self.timers.get(&(dutch, id)) == Some(&at) {
            return;
        }
        self.timers.insert((dutch, id), at);
        self.push(at, Ev::Timer { dutch, id });
    }

    /// True if the popped timer is the auction's live one (now due); it is then removed.
    pub(super) fn fire(&mut self, dutch: bool, id: u64) -> bool {
        if self.timers.get(&(dutch, id)) != Some(&self.now) {
            return false;
        }
        self.timers.remove(&(dutch, id));
        true
    }

    /// Drops an auction's timer (it is over).
    pub(super) fn clear_timer(&mut self, dutch: bool, id: u64) {
        self.timers.remove(&(dutch, id));
    }
}

/// Who sent a transaction.
#[derive(Debug, Clone, Copy)]
pub(super) enum Actor {
    Settler,
    Bidder(u32),
    Staker(u32),
    Pledger(u32),
    Governance,
}

/// A transaction in flight.
#[derive(Debug, Clone)]
struct Tx {
    from: Actor,
    action: Action,
    /// Stablecoin the bidder set aside for it, WAD (released when it lands).
    reserved: Wad,
    /// The settler's in-flight marker, cleared when it lands.
    pending: Option<Pending>,
    /// The auction a bidder's transaction is about.
    target: Option<Target>,
}

/// Transactions in flight, in reusable slots (an [`Ev::Include`] names a slot).
#[derive(Debug, Default)]
pub(super) struct Mempool {
    txs: Vec<Option<Tx>>,
    free: Vec<u32>,
}

impl Mempool {
    fn insert(&mut self, tx: Tx) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.txs[i as usize] = Some(tx);
                i
            }
            None => {
                self.txs.push(Some(tx));
                (self.txs.len() - 1) as u32
            }
        }
    }

    fn take(&mut self, i: u32) -> Option<Tx> {
        let tx = self.txs[i as usize].take()?;
        self.free.push(i);
        Some(tx)
    }
}

impl State<'_> {
    /// Funds the bidders and the treasury (with a waterfall: the stakers, who deposit, and the
    /// pledgers) and schedules the tranches (and the revenue).
    pub(super) fn setup(&mut self) -> Result<()> {
        for i in 0..self.bidders.len() {
            let (to, amount) = (self.bidders[i].addr, self.bidders[i].capital);
            if !amount.is_zero() {
                // A flash bidder holds nothing.
                self.direct(Action::Mint { to, amount })?;
            }
        }
        let treasury = self.sc.debt.treasury;
        if !treasury.is_zero() {
            self.direct(Action::Mint { to: self.sys.addrs.accountant, amount: treasury })?;
        }
        if self.cover.is_some() {
            self.setup_cover()?;
        }
        for (i, t) in self.sc.debt.tranches.iter().enumerate() {
            self.clock.push(self.clock.start + t.at, Ev::Tranche(i as u32));
        }
        Ok(())
    }

    pub(super) fn handle(&mut self, ev: Ev) -> Result<()> {
        match ev {
            Ev::Tranche(i) => {
                let tab = self.sc.debt.tranches[i as usize].amount;
                if self.cover.is_some() {
                    self.book(tab)?;
                } else {
                    self.direct(Action::Fess { tab })?;
                }
                self.progress.tranches_left -= 1;
                self.settle();
            }
            Ev::Include(i) => self.include(i)?,
            Ev::Wake { bidder, target } => self.wake(bidder, target),
            Ev::FlashLook { bidder, id } => self.flash_look(bidder, id),
            Ev::Timer { dutch, id } => self.timer(dutch, id),
            Ev::Settle => {
                self.settler_woken();
                self.settle();
            }
            Ev::Revenue => self.revenue()?,
            Ev::Staker(i) => self.staker_look(i),
            Ev::Pledger(i) => self.pledger_look(i),
            Ev::Governance(paused) => self.governance(paused),
        }
        self.check_cleared();
        Ok(())
    }

    /// Covered: every tranche booked and no bad debt outstanding. Cleared: every tranche booked,
    /// no auction running, no queued or on-auction debt, and the free debt below one lot (and not
    /// payable from surplus); with a waterfall: covered, no auction running and every pledge
    /// claimed or taken back.
    fn check_cleared(&mut self) {
        let all_booked = self.progress.tranches_left == 0;
        if all_booked && self.sys.accountant.debt().is_zero() {
            self.progress.covered_at.get_or_insert(self.clock.now);
        }
        if self.cover.is_some() {
            if self.progress.covered_at.is_some()
                && self.sys.english.is_empty()
                && self.sys.dutch.is_empty()
                && self.pledges_settled()
            {
                self.progress.cleared_at = Some(self.clock.now);
            }
            return;
        }
        if self.progress.tranches_left > 0
            || !self.sys.english.is_empty()
            || !self.sys.dutch.is_empty()
        {
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
        self.progress.cleared_at = Some(self.clock.now);
    }

    /// An authorised action (faucet, fess, oracle feeder): must pass.
    pub(super) fn direct(&mut self, action: Action) -> Result<Vec<Event>> {
        let now = self.clock.now;
        let events = self.sys.apply(&action, now).map_err(|error| SimError::Engine {
            run: self.run,
            action: format!("{action:?}"),
            at: now,
            error,
        })?;
        self.record(action);
        Ok(events)
    }

    /// Logs an accepted action, integrates the outstanding debt up to now (the stand-off cost)
    /// and samples the trace.
    fn record(&mut self, action: Action) {
        let now = self.clock.now;
        let (since, before) = self.books.debt_since;
        let add = super::debt_seconds(before, now.saturating_sub(since));
        self.books.standoff = self.books.standoff.saturating_add(add);
        let debt = self.sys.accountant.debt();
        self.books.debt_since = (now, debt);
        if self.records.opts.curve && debt != before {
            let rel = self.rel();
            self.records.uncovered.push((rel, f64_of_wad(debt)));
        }
        if self.records.opts.log {
            self.records.log.push(TimedAction { at: self.clock.now, action });
        }
        if self.records.opts.trace {
            let t = self.rel();
            self.sample(t);
        }
    }

    // ---- transactions -----------------------------------------------------------------------

    /// Sends a transaction: it lands after the network's inclusion delay.
    pub(super) fn send(
        &mut self,
        from: Actor,
        action: Action,
        reserved: Wad,
        pending: Option<Pending>,
        target: Option<Target>,
    ) {
        let rel = self.rel();
        let at = self.clock.start + self.network.inclusion_time(rel, &mut self.rng.network);
        let i = self.mempool.insert(Tx { from, action, reserved, pending, target });
        self.clock.push(at, Ev::Include(i));
    }

    /// Transaction `i` lands: gas is paid, markers are cleared, then it applies or reverts.
    fn include(&mut self, i: u32) -> Result<()> {
        let Some(tx) = self.mempool.take(i) else { return Ok(()) };
        // Keepers' gas (the waterfall's agents are not keepers: theirs is not counted).
        match tx.from {
            Actor::Bidder(b) => {
                self.bidders[b as usize].gas += match self.bidders[b as usize].flash {
                    Some(terms) => self.network.gas_cost_of(self.rel(), terms.gas),
                    None => self.network.gas_cost(self.rel()),
                };
            }
            Actor::Settler => self.settler.gas += self.network.gas_cost(self.rel()),
            Actor::Staker(_) | Actor::Pledger(_) | Actor::Governance => {}
        }
        if matches!(
            tx.action,
            Action::Flop | Action::FlopDutch { .. } | Action::Redo { .. } | Action::OpenPledge
        ) {
            self.poke()?;
        }
        if self.cover.is_some() {
            self.agent_landed(tx.from);
        }
        if let Action::Flop | Action::FlopDutch { .. } = tx.action {
            self.settler.flops_pending = self.settler.flops_pending.saturating_sub(1);
        }
        if let Some(p) = tx.pending {
            self.settler.pending.remove(&p);
        }
        if let Actor::Bidder(b) = tx.from {
            let st = &mut self.bidders[b as usize];
            st.reserved = st.reserved.saturating_sub(tx.reserved);
            if let Some(t) = tx.target {
                st.pending.remove(&t);
            }
        }
        if let (Actor::Bidder(b), Action::Take { sender, id, amt, max, who }) = (tx.from, tx.action)
            && let Some(terms) = self.bidders[b as usize].flash
        {
            let order = FlashOrder { id, amt, max, who };
            return self.include_flash(b, sender, order, terms.min_profit, tx.target);
        }
        match self.sys.apply(&tx.action, self.clock.now) {
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
                            self.clock.set_timer(false, id, self.clock.now)
                        }
                        Some(Pending::Redo(id)) => self.clock.set_timer(true, id, self.clock.now),
                        _ => self.settle(),
                    }
                }
                Actor::Bidder(b) => self.bidder_reverted(b, tx.target),
                Actor::Staker(_) | Actor::Pledger(_) | Actor::Governance => {
                    self.agent_reverted(tx.from);
                }
            },
        }
        Ok(())
    }

    /// Bidder `b`'s transaction about `target` reverted: it looks again after its reaction delay.
    fn bidder_reverted(&mut self, b: u32, target: Option<Target>) {
        self.books.reverted += 1;
        if let Some(t) = target {
            self.wake_later(b, t);
        }
        self.release_waiting(b);
    }

    /// A flash take of bidder `b` (the `sender`) lands: against the sale and the pool as they are
    /// now, the sale's plan and the sale of the slice on the pool must pay what the slice owes
    /// plus `min_profit` (WAD), or it reverts (`ProfitTooLow`), as the taker contract does. If it
    /// pays, the stablecoin the pool pays out settles the take: the faucet mints the bidder the
    /// `owe` the pool's output covers (the pool is outside the model; the log stays replayable),
    /// the take applies, and the pool holds the slice. The bidder keeps `out − owe`.
    fn include_flash(
        &mut self,
        b: u32,
        sender: Address,
        order: FlashOrder,
        min_profit: Wad,
        target: Option<Target>,
    ) -> Result<()> {
        let (now, rel) = (self.clock.now, self.rel());
        let flight = &mut self.bidders[b as usize].flash_in_flight;
        flight.0 = flight.0.saturating_sub(1);
        if flight.0 == 0 {
            flight.1 = None;
        }
        let Some(reserves) = self.market.pool_at(rel, &mut self.rng.market).map(|p| p.reserves())
        else {
            self.bidder_reverted(b, target);
            return Ok(());
        };
        let fill = match flash_settle(&self.sys.dutch, &order, &reserves, min_profit, now) {
            Ok(fill) if self.sys.ledger.gov.check_mint(fill.plan.slice).is_ok() => fill,
            Ok(_) | Err(_) => {
                self.bidder_reverted(b, target);
                return Ok(());
            }
        };
        self.direct(Action::Mint { to: sender, amount: fill.plan.owe })?;
        if let Some(pool) = self.market.pool_at(rel, &mut self.rng.market) {
            pool.set(fill.after);
        }
        self.market.note_pool_sale(rel, &mut self.rng.market);
        let st = &mut self.bidders[b as usize];
        st.market_value += f64_of_wad(fill.out);
        st.flash_profit = st.flash_profit.saturating_add(fill.profit());
        let FlashOrder { id, amt, max, who } = order;
        let events = self.direct(Action::Take { sender, id, amt, max, who })?;
        self.on_events(&events, Actor::Bidder(b))
    }

    // ---- the core's events ------------------------------------------------------------------

    fn on_events(&mut self, events: &[Event], from: Actor) -> Result<()> {
        let mut settle = false;
        // A slash's or a round's heal is the stakers' or the pledgers' money, not the treasury's.
        let others = events.iter().any(|e| {
            matches!(e, Event::Waterfall(WaterfallEvent::Covered { layer, .. })
                if *layer != Layer::Treasury)
        });
        for ev in events {
            match *ev {
                Event::Accountant(a) => {
                    settle = true;
                    if let AccountantEvent::Heal { amount } = a
                        && !others
                    {
                        self.books.treasury_paid = self.books.treasury_paid.saturating_add(amount);
                    }
                }
                // An auction that finishes makes room for the next (`[settler] max_live`).
                Event::English(e) => settle |= self.on_english(e, from),
                Event::Dutch(e) => settle |= self.on_dutch(e, from),
                Event::Waterfall(e) => settle |= self.cover.is_some() && self.on_waterfall(e),
                Event::File { .. } | Event::Poke { .. } => {}
            }
        }
        if settle {
            self.settle();
        }
        Ok(())
    }

    /// Books an English event; true if an auction finished.
    fn on_english(&mut self, e: EnglishEvent, _from: Actor) -> bool {
        match e {
            EnglishEvent::Kick { id, end, .. } => {
                self.books.peak_live = self.books.peak_live.max(self.running());
                let rel = self.rel();
                self.books.english.insert(id, AuctionRec { kicked: rel, ..AuctionRec::default() });
                self.clock.set_timer(false, id, end);
                for b in 0..self.bidders.len() as u32 {
                    self.wake_later(b, Target::English(id));
                }
            }
            EnglishEvent::Dent { id, guy, bid, tic, .. } => {
                self.books.bids += 1;
                let g = self.bidder_index(guy);
                let rec = self.books.english.entry(id).or_default();
                rec.bids += 1;
                let prev = rec.high;
                rec.high = g;
                rec.raised = bid;
                if let Some(g) = g {
                    rec.bidders.insert(g);
                    self.bidders[g as usize].bids += 1;
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
                self.clock.set_timer(false, id, tic.min(end));
            }
            EnglishEvent::Deal { id, guy, lot } => {
                let market = self.market_price();
                let rec = self.books.english.remove(&id).unwrap_or_default();
                self.clock.clear_timer(false, id);
                // The raise is fixed per auction (recorded from its bids).
                let raise = rec.raised;
                let tokens = f64_of_wad(lot);
                self.market.received(self.rel(), lot, &mut self.rng.market);
                self.books.raised = self.books.raised.saturating_add(raise);
                self.books.sold = self.books.sold.saturating_add(lot);
                self.books.sold_value += tokens * market;
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
                    self.books.lone += 1;
                }
                if self.records.opts.auctions {
                    let finished = Some(self.rel());
                    let raised = f64_of_wad(raise);
                    let outcome =
                        rec.outcome(Mechanism::English, id, finished, raised, tokens, market);
                    self.records.outcomes.push(super::AuctionOutcome { lone, ..outcome });
                }
                return true;
            }
            EnglishEvent::Tick { id, end, .. } => {
                self.books.ticks += 1;
                if let Some(rec) = self.books.english.get_mut(&id) {
                    rec.restarts += 1;
                }
                self.clock.set_timer(false, id, end);
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
        false
    }

    /// Books a Dutch event; true if a sale finished.
    fn on_dutch(&mut self, e: DutchEvent, _from: Actor) -> bool {
        match e {
            DutchEvent::Kick { id, reward, .. } | DutchEvent::Redo { id, reward, .. } => {
                let redo = matches!(e, DutchEvent::Redo { .. });
                if redo {
                    self.books.redos += 1;
                    if let Some(rec) = self.books.dutch.get_mut(&id) {
                        rec.restarts += 1;
                    }
                } else {
                    self.books.peak_live = self.books.peak_live.max(self.running());
                    let rel = self.rel();
                    self.books
                        .dutch
                        .insert(id, AuctionRec { kicked: rel, ..AuctionRec::default() });
                }
                if !reward.is_zero() {
                    let market = self.market_price();
                    self.settler.rewards = self.settler.rewards.saturating_add(reward);
                    self.settler.reward_value += f64_of_wad(reward) * market;
                    self.market.received(self.rel(), reward, &mut self.rng.market);
                }
                if let Ok(t) = self.sys.dutch.done_at(id, self.clock.now) {
                    self.clock.set_timer(true, id, t);
                }
                for b in 0..self.bidders.len() as u32 {
                    self.wake_later(b, Target::Dutch(id));
                }
            }
            DutchEvent::Take { id, who, owe, slice, tab, lot, .. } => {
                self.books.bids += 1;
                let market = self.market_price();
                let tokens = f64_of_wad(slice);
                let g = self.bidder_index(who);
                // A flash taker sold its slice on the pool in the take itself.
                let flash = g.is_some_and(|g| self.bidders[g as usize].flash.is_some());
                if !flash {
                    self.market.received(self.rel(), slice, &mut self.rng.market);
                }
                self.books.raised = self.books.raised.saturating_add(owe);
                self.books.sold = self.books.sold.saturating_add(slice);
                self.books.sold_value += tokens * market;
                let rec = self.books.dutch.entry(id).or_default();
                rec.bids += 1;
                rec.raised = rec.raised.saturating_add(owe);
                rec.tokens = rec.tokens.saturating_add(slice);
                rec.market_value += tokens * market;
                if let Some(g) = g {
                    rec.bidders.insert(g);
                    let st = &mut self.bidders[g as usize];
                    st.bids += 1;
                    st.spent = st.spent.saturating_add(owe);
                    st.tokens = st.tokens.saturating_add(slice);
                    if !flash {
                        // A flash taker's value is what the pool paid (`include_flash`).
                        st.market_value += tokens * market;
                    }
                    st.won += 1;
                }
                if tab.is_zero() || lot.is_zero() {
                    let rec = self.books.dutch.remove(&id).unwrap_or_default();
                    self.clock.clear_timer(true, id);
                    if self.records.opts.auctions {
                        let raised = f64_of_wad(rec.raised);
                        let tokens = f64_of_wad(rec.tokens);
                        // The market price averaged over the takes, per token.
                        let market_avg =
                            if tokens > 0.0 { rec.market_value / tokens } else { market };
                        let finished = Some(self.rel());
                        self.records.outcomes.push(rec.outcome(
                            Mechanism::Dutch,
                            id,
                            finished,
                            raised,
                            tokens,
                            market_avg,
                        ));
                    }
                    return true;
                } else if let Some(g) = g {
                    // More to buy: the taker looks again.
                    self.wake_later(g, Target::Dutch(id));
                }
            }
            DutchEvent::Yank { .. } => {}
        }
        false
    }
}
