//! The loss waterfall in a run: the settler's waterfall steps, the stakers, the pledgers,
//! governance's pause and the revenue stream.
//!
//! The settler runs the waterfall's permissionless steps exactly when they would succeed and
//! change something, with the decision the keeper makes too
//! ([`Waterfall::next_step`](backstop_core::waterfall::Waterfall::next_step)): the first layer in
//! the waterfall's order that can act does.
//! ```text
//!   a round met its target         ─► SettlePledge
//!   a round is open                ─► nothing (every layer waits)
//!   treasury: surplus > 0, woe > 0 ─► CoverTreasury
//!   staking:  woe > offset, the vault not paused, the last slash ≥ slash_interval ago
//!                                  ─► CoverSlash
//!   pledge:   debt booked since the last round, woe − offset ≥ min_target
//!                                  ─► OpenPledge          (the oracle poked first)
//!   socialise: from the deadline   ─► Socialise
//!   none due, before the deadline  ─► flop / flopDutch while the auctions may start and
//!                                     woe ≥ sump (max_live)
//! ```
//! Its looks are woken by the balance sheet's changes and by the moments the clock alone makes a
//! step due ([`Waterfall::next_time`](backstop_core::waterfall::Waterfall::next_time): the slash
//! interval's end, a round's end, the deadline), never by polling.
//!
//! Stakers deposit at `t = 0`. When the first loss is booked each starts its cooldown with its
//! group's probability after a drawn delay; when the cooldown lands it sleeps until its unstake
//! window opens and (with `exit`) redeems all its recorded shares — unless the vault is paused:
//! then it waits for the unpause, and after a window missed it cools down again (at most
//! [`MAX_COOLDOWNS`] cooldowns in a run). Pledgers look at a round after a drawn delay from its
//! opening and pledge all they hold if its price is at most their `max_price` × the market;
//! otherwise they look again every `recheck` while it is open; they claim after a success and
//! take their pledge back after a failure. Governance sends the pause after its delay from the
//! first booking and the unpause `duration` after the pause lands. All of their transactions go
//! through the network as bids do (their gas is not counted: they are not keepers). The revenue
//! stream is minted to the accountant (the faucet, as the treasury at `t = 0`) every `every`
//! seconds.

use super::{
    SatAdd, State,
    handlers::{Actor, Ev},
    pledger_address,
    settler::Pending,
    staker_address,
};
use crate::{
    market::{f64_of_ray, f64_of_wad},
    scenario::Scenario,
    waterfall::DelaySpec,
};
use alloy_primitives::Address;
use backstop_core::{
    Action, Timestamp, Wad,
    waterfall::{RoundState, WaterfallEvent},
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// The most cooldowns a staker starts in a run (the first, and new ones after missed windows).
pub const MAX_COOLDOWNS: u32 = 3;

/// One staker during a run.
#[derive(Debug, Clone)]
pub(super) struct StakerState {
    pub(super) group: usize,
    pub(super) addr: Address,
    /// Deposited at `t = 0`, WAD.
    pub(super) stake: Wad,
    /// Wants out: drew to start a cooldown once the loss was booked.
    wants_out: bool,
    exit: bool,
    delay: DelaySpec,
    probability: f64,
    /// A transaction of its own in flight.
    pub(super) pending: bool,
    /// Cooldowns sent.
    cooldowns: u32,
    /// In its window while the vault is paused: looks again at the unpause.
    waiting_unpause: bool,
    /// Redeemed, WAD.
    pub(super) redeemed: Wad,
    /// When its first cooldown landed, seconds after `t = 0`.
    pub(super) first_cooldown: Option<u64>,
}

/// One pledger during a run.
#[derive(Debug, Clone)]
pub(super) struct PledgerState {
    pub(super) group: usize,
    pub(super) addr: Address,
    /// Its `max_price` multiple, drawn for the run.
    pub(super) factor: f64,
    delay: DelaySpec,
    recheck: u64,
    pub(super) pending: bool,
    /// Its pledges, by round id, WAD.
    pub(super) pledges: Vec<(u64, Wad)>,
    pub(super) refunded: Wad,
    pub(super) tokens: Wad,
    /// Market value of its tokens at each claim, stablecoin.
    pub(super) value: f64,
}

/// The waterfall side of a run.
#[derive(Debug)]
pub(super) struct Cover {
    pub(super) stakers: Vec<StakerState>,
    pub(super) pledgers: Vec<PledgerState>,
    /// The settler's scheduled looks (unix seconds), so each clock wakes it once.
    wakes: BTreeSet<Timestamp>,
    /// When the first loss was booked.
    pub(super) first_booking: Option<Timestamp>,
    /// Stablecoin redeemed by stakers after the first booking, WAD.
    pub(super) escaped: Wad,
    /// Rounds that met their target.
    pub(super) rounds_met: u64,
    /// Governance paused the vault in this run.
    pub(super) paused: bool,
}

impl Cover {
    /// The agents of `sc`'s waterfall; pledgers draw their price multiples from `rng`.
    pub(super) fn new(sc: &Scenario, rng: &mut ChaCha8Rng) -> Self {
        let mut stakers = Vec::new();
        for (g, spec) in sc.stakers.iter().enumerate() {
            for _ in 0..spec.count {
                stakers.push(StakerState {
                    group: g,
                    addr: staker_address(stakers.len()),
                    stake: spec.stake,
                    wants_out: false,
                    exit: spec.exit,
                    delay: spec.delay,
                    probability: spec.cooldown_probability,
                    pending: false,
                    cooldowns: 0,
                    waiting_unpause: false,
                    redeemed: Wad::ZERO,
                    first_cooldown: None,
                });
            }
        }
        let mut pledgers = Vec::new();
        for (g, spec) in sc.pledgers.iter().enumerate() {
            for _ in 0..spec.count {
                let z: f64 = rng.sample(rand_distr::StandardNormal);
                pledgers.push(PledgerState {
                    group: g,
                    addr: pledger_address(pledgers.len()),
                    factor: (spec.max_price * (1.0 + spec.spread * z)).max(0.0),
                    delay: spec.delay,
                    recheck: spec.recheck,
                    pending: false,
                    pledges: Vec::new(),
                    refunded: Wad::ZERO,
                    tokens: Wad::ZERO,
                    value: 0.0,
                });
            }
        }
        Self {
            stakers,
            pledgers,
            wakes: BTreeSet::new(),
            first_booking: None,
            escaped: Wad::ZERO,
            rounds_met: 0,
            paused: false,
        }
    }

    fn staker_index(&self, who: Address) -> Option<usize> {
        self.stakers.iter().position(|s| s.addr == who)
    }

    fn pledger_index(&self, who: Address) -> Option<usize> {
        self.pledgers.iter().position(|p| p.addr == who)
    }
}

impl State<'_> {
    fn cover(&self) -> &Cover {
        self.cover.as_ref().expect("waterfall runs only")
    }

    fn cover_mut(&mut self) -> &mut Cover {
        self.cover.as_mut().expect("waterfall runs only")
    }

    /// At `t = 0`: stakers get their stake and deposit it, pledgers get their capital, the first
    /// revenue instalment is scheduled. Authorised set-up: must pass.
    pub(super) fn setup_cover(&mut self) -> crate::Result<()> {
        for i in 0..self.cover().stakers.len() {
            let (sender, assets) = (self.cover().stakers[i].addr, self.cover().stakers[i].stake);
            self.direct(Action::Mint { to: sender, amount: assets })?;
            self.direct(Action::Stake { sender, assets })?;
        }
        for i in 0..self.cover().pledgers.len() {
            let to = self.cover().pledgers[i].addr;
            let capital = self.sc.pledgers[self.cover().pledgers[i].group].capital;
            self.direct(Action::Mint { to, amount: capital })?;
        }
        if let Some(r) = &self.sc.revenue {
            self.clock.push(self.clock.start + r.from + r.every, Ev::Revenue);
        }
        Ok(())
    }

    /// A tranche arrives: booked through the waterfall; the first one sets the stakers and
    /// governance going.
    pub(super) fn book(&mut self, tab: Wad) -> crate::Result<()> {
        self.direct(Action::Book { tab })?;
        let now = self.clock.now;
        if self.cover().first_booking.is_some() {
            return Ok(());
        }
        self.cover_mut().first_booking = Some(now);
        for i in 0..self.cover().stakers.len() {
            let st = &self.cover().stakers[i];
            let (p, delay) = (st.probability, st.delay);
            let u: f64 = self.rng.agents.random();
            if u < p {
                let d = delay.draw(&mut self.rng.agents);
                self.cover_mut().stakers[i].wants_out = true;
                self.push_before_end(now.saturating_add(d), Ev::Staker(i as u32));
            }
        }
        if let Some(g) = self.sc.governance {
            let u: f64 = self.rng.agents.random();
            if u < g.probability {
                let d = g.after.draw(&mut self.rng.agents);
                self.push_before_end(now.saturating_add(d), Ev::Governance(true));
            }
        }
        Ok(())
    }

    /// Schedules `ev` at `at` unless it is past the horizon.
    fn push_before_end(&mut self, at: Timestamp, ev: Ev) {
        if at <= self.clock.end {
            self.clock.push(at, ev);
        }
    }

    /// A revenue instalment lands in the accountant; the next is scheduled.
    pub(super) fn revenue(&mut self) -> crate::Result<()> {
        let Some(r) = self.sc.revenue else { return Ok(()) };
        let accountant = self.sys.addrs.accountant;
        self.direct(Action::Mint { to: accountant, amount: r.instalment() })?;
        let until = self.clock.start + r.until.unwrap_or(self.sc.horizon).min(self.sc.horizon);
        let next = self.clock.now.saturating_add(r.every);
        if next <= until {
            self.clock.push(next, Ev::Revenue);
        }
        self.settle();
        Ok(())
    }

    /// Wakes the settler at `at` (once per time).
    fn wake_settler_at(&mut self, at: Timestamp) {
        if at > self.clock.now && at <= self.clock.end && self.cover_mut().wakes.insert(at) {
            self.clock.push(at, Ev::Settle);
        }
    }

    /// A settler look scheduled at now is due.
    pub(super) fn settler_woken(&mut self) {
        if let Some(c) = self.cover.as_mut() {
            let now = self.clock.now;
            c.wakes.remove(&now);
        }
    }

    /// The settler's check with a waterfall: flog what is released, then the step due now
    /// ([`Waterfall::next_step`](backstop_core::waterfall::Waterfall::next_step), the decision the
    /// keeper makes too), else the auctions (before the deadline); and a look at the next moment
    /// the clock alone may make a step due ([`Waterfall::next_time`]).
    ///
    /// [`Waterfall::next_time`]: backstop_core::waterfall::Waterfall::next_time
    pub(super) fn settle_waterfall(&mut self) {
        self.flog_released();
        let now = self.clock.now;
        let Some(wf) = self.sys.waterfall() else { return };
        // The oracle feeder pokes before a round's opening lands: the settler decides on the
        // price it will push, not on one gone stale since the last kick.
        let oracle = Some(self.sys.oracle.price);
        let step = wf.next_step(&self.sys.accountant, self.sys.surplus(), oracle, now);
        let next = wf.next_time(now);
        let past_deadline = wf.socialise_at().is_some_and(|d| now >= d);
        if let Some(t) = next {
            self.wake_settler_at(t);
        }
        match step {
            Some(action) => {
                let pending = match action {
                    Action::CoverTreasury => Pending::CoverTreasury,
                    Action::CoverSlash => Pending::CoverSlash,
                    Action::OpenPledge => Pending::OpenPledge,
                    Action::SettlePledge => Pending::SettlePledge,
                    _ => Pending::Socialise,
                };
                self.send_once(action, pending);
            }
            None if !past_deadline => self.start_auctions(),
            None => {}
        }
    }

    /// Books a waterfall event; true if the settler should look again.
    pub(super) fn on_waterfall(&mut self, e: WaterfallEvent) -> bool {
        let now = self.clock.now;
        match e {
            WaterfallEvent::Open { end, .. } => {
                for i in 0..self.cover().pledgers.len() {
                    let delay = self.cover().pledgers[i].delay;
                    let d = delay.draw(&mut self.rng.agents);
                    self.push_before_end(now.saturating_add(d), Ev::Pledger(i as u32));
                }
                self.wake_settler_at(end);
                false
            }
            WaterfallEvent::Pledge { id, who, amount } => {
                let Some(i) = self.cover().pledger_index(who) else { return false };
                self.cover_mut().pledgers[i].pledges.push((id, amount));
                let round = self.sys.waterfall().and_then(|w| w.round_by_id(id).ok());
                let (end, met) =
                    round.map_or((now, false), |r| (r.end, r.state(now) == RoundState::Succeeded));
                // It looks again at the end (a refund if the round failed) …
                let delay = self.cover().pledgers[i].delay;
                let d = delay.draw(&mut self.rng.agents);
                self.push_before_end(end.max(now).saturating_add(d), Ev::Pledger(i as u32));
                if met {
                    // … and every pledger of a round that met its target claims.
                    for j in 0..self.cover().pledgers.len() {
                        if self.cover().pledgers[j].pledges.iter().any(|(r, _)| *r == id) {
                            let delay = self.cover().pledgers[j].delay;
                            let d = delay.draw(&mut self.rng.agents);
                            self.push_before_end(now.saturating_add(d), Ev::Pledger(j as u32));
                        }
                    }
                }
                met
            }
            WaterfallEvent::Settle { .. } => {
                self.cover_mut().rounds_met += 1;
                true
            }
            WaterfallEvent::Claim { who, tokens, .. } => {
                let market = self.market_price();
                if let Some(i) = self.cover().pledger_index(who) {
                    let p = &mut self.cover_mut().pledgers[i];
                    p.tokens = p.tokens.saturating_add(tokens);
                    p.value += f64_of_wad(tokens) * market;
                }
                false
            }
            WaterfallEvent::Refund { who, amount, .. } => {
                if let Some(i) = self.cover().pledger_index(who) {
                    let p = &mut self.cover_mut().pledgers[i];
                    p.refunded = p.refunded.saturating_add(amount);
                }
                false
            }
            WaterfallEvent::Cooldown { who, .. } => {
                let rel = self.rel();
                let window = self.sys.waterfall().and_then(|w| w.vault.as_ref()?.window_of(who));
                if let Some(i) = self.cover().staker_index(who) {
                    self.cover_mut().stakers[i].first_cooldown.get_or_insert(rel);
                    if let Some((opens, _)) = window {
                        self.push_before_end(opens.max(now), Ev::Staker(i as u32));
                    }
                }
                false
            }
            WaterfallEvent::Withdraw { who, assets, .. } => {
                let booked = self.cover().first_booking.is_some();
                let c = self.cover_mut();
                if let Some(i) = c.staker_index(who) {
                    c.stakers[i].redeemed = c.stakers[i].redeemed.saturating_add(assets);
                }
                if booked {
                    c.escaped = c.escaped.saturating_add(assets);
                }
                false
            }
            WaterfallEvent::Pause { paused } => {
                if paused {
                    self.cover_mut().paused = true;
                    if let Some(g) = self.sc.governance
                        && g.duration > 0
                    {
                        self.push_before_end(now.saturating_add(g.duration), Ev::Governance(false));
                    }
                } else {
                    for i in 0..self.cover().stakers.len() {
                        if std::mem::take(&mut self.cover_mut().stakers[i].waiting_unpause) {
                            self.staker_look(i as u32);
                        }
                    }
                }
                true
            }
            WaterfallEvent::Book { .. }
            | WaterfallEvent::Covered { .. }
            | WaterfallEvent::Slash { .. }
            | WaterfallEvent::Deposit { .. }
            | WaterfallEvent::Reward { .. } => false,
        }
    }

    /// Governance sends the pause (`true`) or the unpause.
    pub(super) fn governance(&mut self, paused: bool) {
        self.send(Actor::Governance, Action::PauseVault { paused }, Wad::ZERO, None, None);
    }

    fn send_staker(&mut self, i: u32, action: Action) {
        self.cover_mut().stakers[i as usize].pending = true;
        self.send(Actor::Staker(i), action, Wad::ZERO, None, None);
    }

    /// Staker `i` looks: starts its cooldown, or redeems in its window, or waits.
    pub(super) fn staker_look(&mut self, i: u32) {
        let now = self.clock.now;
        let st = &self.cover().stakers[i as usize];
        if st.pending || !st.wants_out {
            return;
        }
        let (me, exit, cooldowns) = (st.addr, st.exit, st.cooldowns);
        let Some(v) = self.sys.waterfall().and_then(|w| w.vault.as_ref()) else { return };
        let shares = v.shares_of(me);
        if shares.is_zero() {
            return;
        }
        let paused = v.is_paused();
        let cooldown = v.cooldown_of(me);
        let window = v.window_of(me);
        let cool = |s: &mut Self| {
            s.cover_mut().stakers[i as usize].cooldowns += 1;
            s.send_staker(i, Action::Cooldown { sender: me });
        };
        match (window, cooldown) {
            (Some((opens, _)), Some(_)) if now < opens => {
                self.push_before_end(opens, Ev::Staker(i));
            }
            // In its window: out with everything it recorded, unless paused (then at the
            // unpause); a staker that only cools down stays.
            (Some((_, closes)), Some(c)) if now <= closes => {
                if !exit {
                    return;
                }
                if paused {
                    self.cover_mut().stakers[i as usize].waiting_unpause = true;
                    return;
                }
                let out = c.shares.min(shares);
                if !out.is_zero() {
                    self.send_staker(i, Action::Unstake { sender: me, shares: out });
                } else if cooldowns < MAX_COOLDOWNS {
                    cool(self);
                }
            }
            // No cooldown yet, or its window has closed (missed while paused).
            _ => {
                if cooldowns == 0 || (exit && cooldowns < MAX_COOLDOWNS) {
                    cool(self);
                }
            }
        }
    }

    fn send_pledger(&mut self, i: u32, action: Action) {
        self.cover_mut().pledgers[i as usize].pending = true;
        self.send(Actor::Pledger(i), action, Wad::ZERO, None, None);
    }

    /// Pledger `i` looks: claims or takes back a pledge to a finished round, or pledges to the
    /// open round if its price is within its threshold.
    pub(super) fn pledger_look(&mut self, i: u32) {
        let now = self.clock.now;
        let p = &self.cover().pledgers[i as usize];
        if p.pending {
            return;
        }
        let (me, factor, recheck) = (p.addr, p.factor, p.recheck);
        let Some(wf) = self.sys.waterfall() else { return };
        for id in 1..=wf.rounds() {
            let Ok(r) = wf.round_by_id(id) else { continue };
            if r.pledge_of(me).is_zero() {
                continue;
            }
            match r.state(now) {
                RoundState::Succeeded => {
                    return self.send_pledger(i, Action::ClaimPledge { sender: me, id });
                }
                RoundState::Failed => {
                    return self.send_pledger(i, Action::RefundPledge { sender: me, id });
                }
                RoundState::Open => {}
            }
        }
        let Some(r) = wf.open_round(now) else { return };
        if !r.pledge_of(me).is_zero() {
            return; // bound until the round ends; it looks again then
        }
        let (price, end) = (f64_of_ray(r.price), r.end);
        let have = self.sys.ledger.stablecoin.balance_of(me);
        if have.is_zero() {
            return;
        }
        let market = self.market_price();
        if price <= factor * market {
            self.send_pledger(i, Action::Pledge { sender: me, amount: have });
        } else if now.saturating_add(recheck) < end {
            self.push_before_end(now + recheck, Ev::Pledger(i));
        }
    }

    /// An agent's transaction reverted: it looks again (a pledger after its recheck).
    pub(super) fn agent_reverted(&mut self, from: Actor) {
        match from {
            Actor::Staker(i) => self.staker_look(i),
            Actor::Pledger(i) => {
                let at = self.clock.now + self.cover().pledgers[i as usize].recheck;
                self.push_before_end(at, Ev::Pledger(i));
            }
            Actor::Governance | Actor::Settler | Actor::Bidder(_) => {}
        }
    }

    /// An agent's transaction landed (accepted or not): it may send again.
    pub(super) fn agent_landed(&mut self, from: Actor) {
        match from {
            Actor::Staker(i) => self.cover_mut().stakers[i as usize].pending = false,
            Actor::Pledger(i) => self.cover_mut().pledgers[i as usize].pending = false,
            Actor::Governance | Actor::Settler | Actor::Bidder(_) => {}
        }
    }

    /// True when every pledge has been claimed or taken back (nothing left for a pledger to do).
    pub(super) fn pledges_settled(&self) -> bool {
        self.sys.waterfall().is_none_or(|w| {
            w.round.iter().chain(w.past_rounds.values()).all(|r| r.pledges().next().is_none())
        })
    }

    /// The pledgers' totals: stablecoin paid into rounds that met their target (WAD), the tokens
    /// claimed (WAD) and their value at the claims (stablecoin).
    pub(super) fn pledger_totals(&self) -> (Wad, Wad, f64) {
        let Some(c) = &self.cover else { return (Wad::ZERO, Wad::ZERO, 0.0) };
        let (mut tokens, mut value) = (Wad::ZERO, 0.0);
        for p in &c.pledgers {
            tokens = tokens.saturating_add(p.tokens);
            value += p.value;
        }
        let paid = c.pledgers.iter().fold(Wad::ZERO, |s, p| s.saturating_add(self.paid_by(p)));
        (paid, tokens, value)
    }

    /// What `p` pledged to rounds that met their target, WAD.
    pub(super) fn paid_by(&self, p: &PledgerState) -> Wad {
        let Some(wf) = self.sys.waterfall() else { return Wad::ZERO };
        let now = self.clock.now;
        p.pledges.iter().fold(Wad::ZERO, |s, (id, w)| {
            let met = wf.round_by_id(*id).is_ok_and(|r| r.state(now) == RoundState::Succeeded);
            if met { s.saturating_add(*w) } else { s }
        })
    }
}
