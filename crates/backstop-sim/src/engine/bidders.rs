//! The simulated bidders: their money, their attention, and what they do when they wake.
//!
//! A bidder's valuation is the market price times a factor drawn once per run; its limit price is
//! that valuation less its margin. Its budget is its capital less what it has spent, what is
//! committed as a standing English high bid and what is reserved by its own transactions in
//! flight. It wakes after a reaction delay (exponential, mean from the scenario) whenever an
//! auction starts or restarts, after it is outbid, after a revert, and when its budget grows; it
//! may be offline then, and look again when it is back.
//!
//! On waking it decides exactly as the keeper library does:
//! - English: [`english_bid`] within its limit and budget; above its limit, it rechecks after
//!   its recheck interval while the auction is biddable.
//! - Dutch: [`dutch_take`] within its limit and budget; above its limit, it sleeps until the first
//!   second the price reaches the limit ([`DutchHouse::crossing`](backstop_core::DutchHouse::crossing))
//!   or its recheck interval, whichever is first (the limit moves with the market).
//!
//! Without the budget for a bid it waits until its budget grows.
//!
//! A flash bidder (`kind = "flash"`, Dutch only) holds no stablecoin. On waking it reads the pool
//! (arbitrage brought up to now) and decides with [`crate::pool::flash_plan`] — the keeper's
//! [`flash_take`](backstop_core::strategy::flash_take) with the gas of a flash take, at the gas
//! price of the moment, added to its `min_profit`. When no slice pays yet it sleeps until the
//! Dutch price reaches [`crate::pool::flash_limit`] (at least until the next price step) or its
//! recheck interval, whichever is first: the pool moves back up with arbitrage, and down with
//! other keepers' sales.

use super::{
    SatAdd, State, bidder_address,
    handlers::{Actor, Ev},
};
use crate::{
    market::{Presence, f64_of_ray, ray_of, wad_ceil},
    pool::{flash_limit, flash_plan},
    scenario::{DEFAULT_FLASH_GAS, Scenario},
};
use alloy_primitives::{Address, U256};
use backstop_core::{
    Action, Ray, Timestamp, Wad,
    amm::Reserves,
    strategy::{Bidder, EnglishMode, NoBid, NoTake, dutch_take, english_bid},
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rustc_hash::{FxHashMap, FxHashSet};

/// An auction a bidder looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Target {
    English(u64),
    Dutch(u64),
}

/// One bidder during a run. Amounts are WAD of stablecoin (`tokens`: of governance tokens),
/// floats in whole stablecoin; times are seconds.
#[derive(Debug, Clone)]
pub(super) struct BidderState {
    /// Index of its group in the scenario.
    pub(super) group: usize,
    pub(super) addr: Address,
    /// Valuation multiple of the market price, drawn for the run.
    pub(super) factor: f64,
    /// `1 − margin`, WAD.
    margin_keep: Wad,
    mode: EnglishMode,
    /// Mean reaction delay, seconds.
    reaction: f64,
    /// Seconds before looking again at an auction priced above its limit.
    recheck: u64,
    pub(super) capital: Wad,
    pub(super) spent: Wad,
    /// Its standing English high bids.
    pub(super) committed: Wad,
    /// Its transactions in flight.
    pub(super) reserved: Wad,
    pub(super) tokens: Wad,
    /// Market value of the tokens received, at receipt.
    pub(super) market_value: f64,
    pub(super) gas: f64,
    /// Auctions won or takes made.
    pub(super) won: u64,
    /// Accepted bids (English dents, Dutch takes).
    pub(super) bids: u64,
    presence: Presence,
    /// Auctions it has a transaction in flight for.
    pub(super) pending: FxHashSet<Target>,
    /// Auctions it could not afford, looked at again when its budget grows.
    waiting: Vec<Target>,
    /// A capital-free bidder's terms (`kind = "flash"`); `None` for a capital bidder.
    pub(super) flash: Option<FlashTerms>,
    /// A flash bidder's takes' profit before gas, `Σ (out − owe)`, WAD (exact).
    pub(super) flash_profit: Wad,
    /// A flash bidder's next look at each Dutch sale it waits on (sale id → unix seconds): one
    /// per sale, so the looks that kicks, resets and reverts add do not pile up.
    flash_sleep: FxHashMap<u64, Timestamp>,
    /// A flash bidder's takes in flight, and the pool as its last one leaves it (WAD): it plans
    /// its next take against that, as the keeper plans a second sale in the same step.
    pub(super) flash_in_flight: (u32, Option<Reserves>),
}

/// What a flash bidder asks of a take.
#[derive(Debug, Clone, Copy)]
pub(super) struct FlashTerms {
    /// Stablecoin a take must leave after gas, WAD (also the taker's on-chain minimum).
    pub(super) min_profit: Wad,
    /// Gas a flash take is counted and charged at.
    pub(super) gas: u64,
}

impl BidderState {
    /// What it can still put into a bid, WAD.
    fn available(&self) -> Wad {
        self.capital
            .saturating_sub(self.spent)
            .saturating_sub(self.committed)
            .saturating_sub(self.reserved)
    }
}

/// The bidders of a scenario, every group in order, with their valuations and presence drawn
/// from `rng` (the bidders' stream).
pub(super) fn spawn(sc: &Scenario, rng: &mut ChaCha8Rng) -> Vec<BidderState> {
    let mut bidders = Vec::new();
    for (g, spec) in sc.bidders.iter().enumerate() {
        for _ in 0..spec.count {
            let z: f64 = rng.sample(rand_distr::StandardNormal);
            let factor = (spec.valuation * (1.0 + spec.spread * z)).max(0.0);
            let presence = Presence::new(spec.offline, spec.offline_spell, rng);
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
                bids: 0,
                presence,
                pending: FxHashSet::default(),
                waiting: Vec::new(),
                flash: spec.kind.is_flash().then(|| FlashTerms {
                    min_profit: spec.min_profit.unwrap_or(Wad::ZERO),
                    gas: spec.gas.unwrap_or(DEFAULT_FLASH_GAS),
                }),
                flash_profit: Wad::ZERO,
                flash_sleep: FxHashMap::default(),
                flash_in_flight: (0, None),
            });
        }
    }
    bidders
}

impl State<'_> {
    /// The bidder with this account, if it is one.
    pub(super) fn bidder_index(&self, who: Address) -> Option<u32> {
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

    /// Wakes bidder `b` about `target` after its reaction delay.
    pub(super) fn wake_later(&mut self, b: u32, target: Target) {
        let mean = self.bidders[b as usize].reaction;
        let delay = if mean > 0.0 {
            let e: f64 = self.rng.bidders.sample(rand_distr::Exp1);
            (mean * e).round() as u64
        } else {
            0
        };
        self.clock.push(self.clock.now + delay, Ev::Wake { bidder: b, target });
    }

    /// Bidder `b`'s budget grew: look again at what it could not afford.
    pub(super) fn release_waiting(&mut self, b: u32) {
        let waiting = std::mem::take(&mut self.bidders[b as usize].waiting);
        for t in waiting {
            self.wake_later(b, t);
        }
    }

    /// Bidder `b`'s limit price now, RAY: market price · factor · (1 − margin).
    fn limit(&mut self, b: u32) -> Ray {
        let market = self.market_price();
        let st = &self.bidders[b as usize];
        ray_of(market * st.factor).wmul(st.margin_keep).unwrap_or_default()
    }

    /// Bidder `b` looks at `target`: bids, takes, waits for its budget or sleeps.
    pub(super) fn wake(&mut self, b: u32, target: Target) {
        let rel = self.rel();
        if let Some(back) =
            self.bidders[b as usize].presence.offline_until(rel, &mut self.rng.bidders)
        {
            if back != u64::MAX {
                let at = self.clock.start.saturating_add(back);
                if at <= self.clock.end {
                    self.clock.push(at, Ev::Wake { bidder: b, target });
                }
            }
            return;
        }
        if self.bidders[b as usize].pending.contains(&target) {
            return;
        }
        let now = self.clock.now;
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
                            self.clock.push(at, Ev::Wake { bidder: b, target });
                        }
                    }
                    Err(NoBid::Winning | NoBid::Closed) => {}
                }
            }
            Target::Dutch(id) => {
                if self.sys.dutch.sale(id).is_none() {
                    self.bidders[b as usize].flash_sleep.remove(&id);
                    return;
                }
                if let Some(terms) = self.bidders[b as usize].flash {
                    self.wake_flash(b, id, terms);
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
                        let crossing = self.sys.dutch.crossing(id, limit, now).ok().flatten();
                        let at = crossing.map_or(recheck, |t| t.min(recheck));
                        if at > now {
                            self.clock.push(at, Ev::Wake { bidder: b, target });
                        }
                    }
                    Err(NoTake::Budget) => self.bidders[b as usize].waiting.push(target),
                    Err(NoTake::NeedsRedo | NoTake::Gone) => {}
                }
            }
        }
    }

    /// Flash bidder `b` looks at Dutch sale `id`: takes if selling on the pool pays owe + gas +
    /// `min_profit`, else sleeps until the price may pay.
    fn wake_flash(&mut self, b: u32, id: u64, terms: FlashTerms) {
        let (now, rel) = (self.clock.now, self.rel());
        let Some(pool) = self.market.pool_at(rel, &mut self.rng.market).map(|p| p.reserves())
        else {
            return;
        };
        // With its own takes in flight, the pool as they will leave it.
        let reserves = self.bidders[b as usize].flash_in_flight.1.unwrap_or(pool);
        let gas = wad_ceil(self.network.gas_cost_of(rel, terms.gas));
        let me = self.bidders[b as usize].addr;
        let target = Target::Dutch(id);
        match flash_plan(&self.sys.dutch, id, me, &reserves, terms.min_profit, gas, now) {
            Ok(ft) => {
                let st = &mut self.bidders[b as usize];
                st.pending.insert(target);
                st.flash_in_flight = (st.flash_in_flight.0 + 1, Some(ft.after));
                let t = ft.take;
                let action = Action::Take { sender: me, id, amt: t.amt, max: t.max, who: me };
                self.send(Actor::Bidder(b), action, Wad::ZERO, None, Some(target));
            }
            Err(NoTake::AboveLimit) => {
                let recheck = now + self.bidders[b as usize].recheck;
                let Ok(st) = self.sys.dutch.status(id, now) else { return };
                let min = Wad::from_raw(terms.min_profit.raw().saturating_add(gas.raw()));
                let price = f64_of_ray(st.price);
                // The first second the price reaches the level at which a slice pays, and no
                // sooner than the next price step (the estimate is continuous; the decision is
                // exact and may still find nothing at that level).
                let next_step = Ray::from_raw(st.price.raw().saturating_sub(U256::from(1)));
                let house = &self.sys.dutch;
                let crossing = |limit: Ray| house.crossing(id, limit, now).ok().flatten();
                // Still above the level at the recheck (and not done by then): the recheck comes
                // first, and the exact crossing (a bisection on the curve) is not needed.
                let above_until_recheck = |limit: Ray| {
                    house.status(id, recheck).is_ok_and(|s| !s.needs_redo && s.price > limit)
                };
                let at = match flash_limit(&reserves, min, st.lot, st.tab, price).map(ray_of) {
                    Some(l) if above_until_recheck(l) => recheck,
                    Some(l) => match crossing(l) {
                        Some(t) if t > now => t,
                        Some(_) => crossing(next_step).unwrap_or(recheck),
                        None => recheck,
                    },
                    None => recheck,
                }
                .min(recheck);
                if at > now {
                    self.flash_sleep(b, id, at);
                }
            }
            Err(NoTake::Budget | NoTake::NeedsRedo | NoTake::Gone) => {}
        }
    }

    /// Flash bidder `b` looks at sale `id` again at `at` (unix seconds), unless it already will
    /// at or before `at`; a later look is replaced.
    fn flash_sleep(&mut self, b: u32, id: u64, at: Timestamp) {
        let now = self.clock.now;
        let sleep = &mut self.bidders[b as usize].flash_sleep;
        if sleep.get(&id).is_some_and(|t| *t > now && *t <= at) {
            return;
        }
        sleep.insert(id, at);
        self.clock.push(at, Ev::FlashLook { bidder: b, id });
    }

    /// A flash bidder's scheduled look at sale `id` is due: it wakes, unless this look was
    /// replaced by an earlier one.
    pub(super) fn flash_look(&mut self, b: u32, id: u64) {
        let sleep = &mut self.bidders[b as usize].flash_sleep;
        if sleep.get(&id) != Some(&self.clock.now) {
            return;
        }
        sleep.remove(&id);
        self.wake(b, Target::Dutch(id));
    }
}
