//! The settler: a keeper that only starts, settles and resets auctions, and the oracle feeder.
//!
//! After anything that changes the balance sheet, the settler checks it:
//! ```text
//!   queued era released (era + wait ≤ now) ─► flog      (else: check again at era + wait)
//!   surplus > 0 ─► heal min(surplus, woe); kiss the rest against Ash; no auction yet
//!   woe ≥ sump  ─► flop / flopDutch: n = min(⌊woe / sump⌋ − kicks in flight,
//!                                         max_live − running − kicks in flight)
//! ```
//! `max_live` (`[settler]`, default 64) caps the auctions running at once, kicks in flight
//! included: a debt of more lots is auctioned in waves, the next auction starting when a running
//! one finishes (its `deal`, or the take that sells a Dutch sale out), so each wave is bid at the
//! market of its own time.
//!
//! Each auction's timer brings it back: an English auction whose bid or whole time has run out is
//! `deal`t (with a bid) or `tick`ed (without); a Dutch sale that is done is `redo`ne. Each of
//! these is sent once and marked pending until it lands; if it reverts (the state moved on), the
//! settler looks again.
//!
//! With a loss waterfall the check is the waterfall's (`cover`): the same `flog`s, then the
//! first layer that can act, the auctions among them, gated on the waterfall; no `heal`/`kiss`
//! outside the treasury layer.
//!
//! The oracle feeder pushes the market price, lagged by the scenario's oracle lag, before every
//! kick, reset and pledge round lands (an OSM-style delayed price), held within the prices the contracts
//! compute with ([`crate::market::oracle_price_of`]).

use super::{
    Mechanism, SETTLER, State,
    handlers::{Actor, Ev},
};
use crate::{error::Result, market::oracle_price_of};
use backstop_core::{Action, Timestamp, Wad};
use rustc_hash::FxHashSet;

/// A settler transaction in flight (at most one of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Pending {
    Flog(Timestamp),
    Heal,
    Kiss,
    Deal(u64),
    Tick(u64),
    Redo(u64),
    CoverTreasury,
    CoverSlash,
    OpenPledge,
    SettlePledge,
    Socialise,
}

/// The settler's transactions in flight and what it paid and earned.
#[derive(Debug, Default)]
pub(super) struct Settler {
    /// Transactions in flight, one of each kind.
    pub(super) pending: FxHashSet<Pending>,
    /// Kicks in flight.
    pub(super) flops_pending: u64,
    /// Gas paid, stablecoin.
    pub(super) gas: f64,
    /// Dutch keeper rewards received, WAD of governance tokens.
    pub(super) rewards: Wad,
    /// Their market value at receipt, stablecoin.
    pub(super) reward_value: f64,
}

impl State<'_> {
    /// Sends a settler transaction unless one of the same kind is in flight.
    pub(super) fn send_once(&mut self, action: Action, pending: Pending) {
        if self.settler.pending.insert(pending) {
            self.send(Actor::Settler, action, Wad::ZERO, Some(pending), None);
        }
    }

    /// `flog`s every queued era already released; a look at the release of the others.
    pub(super) fn flog_released(&mut self) {
        let now = self.clock.now;
        let a = &self.sys.accountant;
        let wait = a.params.wait;
        let eras: Vec<Timestamp> = a.queue().map(|(e, _)| e).collect();
        for era in eras {
            let ready = era.saturating_add(wait);
            if ready <= now {
                self.send_once(Action::Flog { era }, Pending::Flog(era));
            } else {
                self.clock.push(ready, Ev::Settle);
            }
        }
    }

    /// The settler's check of the balance sheet: flog, heal/kiss, or start auctions (with a
    /// loss waterfall: the waterfall's check).
    pub(super) fn settle(&mut self) {
        if self.cover.is_some() {
            return self.settle_waterfall();
        }
        self.flog_released();
        let a = &self.sys.accountant;
        let (woe, ash) = (a.woe(), a.ash());
        let surplus = self.sys.surplus();
        if !surplus.is_zero() {
            let heal = surplus.min(woe);
            if !heal.is_zero() {
                self.send_once(Action::Heal { amount: heal }, Pending::Heal);
            }
            let kiss = surplus.saturating_sub(heal).min(ash);
            if !kiss.is_zero() {
                self.send_once(Action::Kiss { amount: kiss }, Pending::Kiss);
            }
            return;
        }
        self.start_auctions();
    }

    /// Starts auctions while `woe ≥ sump`, within `max_live` (kicks in flight counted); with a
    /// waterfall only once it lets the auctions start.
    pub(super) fn start_auctions(&mut self) {
        let now = self.clock.now;
        let a = &self.sys.accountant;
        let (woe, sump) = (a.woe(), a.params.sump);
        if woe < sump || sump.is_zero() {
            return;
        }
        if let Some(wf) = self.sys.waterfall()
            && wf.auctions_ready(a, self.sys.surplus(), now).is_err()
        {
            return;
        }
        let possible = (woe.raw() / sump.raw()).saturating_to::<u64>();
        let in_flight = self.settler.flops_pending;
        let room = u64::from(self.sc.settler.max_live)
            .saturating_sub(self.running())
            .saturating_sub(in_flight);
        let n = possible.saturating_sub(in_flight).min(room);
        let action = match self.sc.mechanism {
            Mechanism::English => Action::Flop,
            Mechanism::Dutch => Action::FlopDutch { kpr: SETTLER },
        };
        for _ in 0..n {
            self.settler.flops_pending += 1;
            self.send(Actor::Settler, action, Wad::ZERO, None, None);
        }
    }

    /// Auctions running now: English auctions not yet dealt and Dutch sales not yet sold out.
    pub(super) fn running(&self) -> u64 {
        (self.sys.english.len() + self.sys.dutch.len()) as u64
    }

    /// An auction's timer fired: deal, tick or redo it, or set the timer again.
    pub(super) fn timer(&mut self, dutch: bool, id: u64) {
        if !self.clock.fire(dutch, id) {
            return; // stale
        }
        let now = self.clock.now;
        if dutch {
            let Ok(st) = self.sys.dutch.status(id, now) else { return };
            if st.needs_redo {
                self.send_once(Action::Redo { id, kpr: SETTLER }, Pending::Redo(id));
            } else if let Ok(t) = self.sys.dutch.done_at(id, now) {
                self.clock.set_timer(true, id, t);
            }
        } else {
            let Some(a) = self.sys.english.auction(id).copied() else { return };
            let house = &self.sys.english;
            if house.dealable(&a, now) {
                self.send_once(Action::Deal { id }, Pending::Deal(id));
            } else if house.tickable(&a, now) {
                self.send_once(Action::Tick { id }, Pending::Tick(id));
            } else if let Some(t) = house.next_change(&a, now) {
                self.clock.set_timer(false, id, t);
            }
        }
    }

    /// The oracle feeder pushes the market price `lag` seconds ago, if it changed or the last poke
    /// would be stale. A price outside the oracle's bounds is refused by the contract: the feeder
    /// cannot push it and the oracle keeps its last price (stale after `age`, stopping Dutch
    /// starts and resets, as on chain).
    pub(super) fn poke(&mut self) -> Result<()> {
        let rel = self.rel().saturating_sub(self.sc.oracle.lag);
        let lagged = self.market.path.at(rel, &mut self.rng.market);
        // Impact is part of the market price: the feeder reads the market now, with the
        // path lagged (an OSM delays the whole price; the impact is recent and small, so the
        // model keeps the lagged path times today's impact factor).
        let now_path = self.market.path.at(self.rel(), &mut self.rng.market);
        let now_market = self.market_price();
        let impact = if now_path > 0.0 { now_market / now_path } else { 1.0 };
        let price = oracle_price_of(lagged * impact);
        let o = &self.sys.oracle;
        let in_bounds = price >= o.params.lo && price <= o.params.hi;
        if in_bounds && (price != o.price || o.is_stale(self.clock.now)) {
            self.direct(Action::Poke { price })?;
        }
        Ok(())
    }
}
