//! Which permissionless step of the waterfall is due now, and when the next one can fall due by
//! the clock alone: the decision a keeper and the simulator's settler share.
//!
//! A step is due when sending it now would succeed and change something: the treasury with
//! surplus and free debt, a slash that takes more than 0, a round whose target is at least
//! `minTarget` (and the oracle fresh), a settle of a round that met its target, a socialisation
//! after the deadline with free debt. Steps of 0 (which the contracts accept) are never due.

use super::{Layer, RoundState, Waterfall};
use crate::{Accountant, Action, Ray, Timestamp, Wad};

impl Waterfall {
    /// The first step due at `now`, in the order of the layers (a round that met its target is
    /// settled first); `oracle` is the price the oracle would give now (`None` when stale).
    pub fn next_step(
        &self,
        acc: &Accountant,
        surplus: Wad,
        oracle: Option<Ray>,
        now: Timestamp,
    ) -> Option<Action> {
        if let Some(r) = &self.round
            && r.state(now) == RoundState::Succeeded
            && !r.settled
        {
            return Some(Action::SettlePledge);
        }
        let woe = acc.woe();
        if woe.is_zero() {
            return None;
        }
        for layer in &self.params.order {
            if self.ready(*layer, acc, surplus, now).is_err() {
                continue;
            }
            let due = match layer {
                Layer::Treasury => (!surplus.is_zero()).then_some(Action::CoverTreasury),
                Layer::Staking => self
                    .slashable(acc, now)
                    .is_ok_and(|x| !x.is_zero())
                    .then_some(Action::CoverSlash),
                Layer::Pledge => {
                    (oracle.is_some() && self.pledge_due(acc)).then_some(Action::OpenPledge)
                }
                Layer::Auctions => None,
                Layer::Socialise => (self.cap_reached()
                    || self.socialise_at().is_some_and(|at| now >= at))
                .then_some(Action::Socialise),
            };
            if due.is_some() {
                return due;
            }
        }
        None
    }

    /// The next moment after `now` at which a step may fall due with nothing else happening:
    /// the end of the slash interval, the open round's deadline, the socialisation deadline
    /// (seconds). `None` if the clock alone changes nothing.
    pub fn next_time(&self, now: Timestamp) -> Option<Timestamp> {
        let slash = self
            .last_slash
            .filter(|_| self.vault.is_some())
            .map(|t| t.saturating_add(self.params.slash_interval));
        let round = self.round.as_ref().filter(|r| r.state(now) == RoundState::Open).map(|r| r.end);
        [slash, round, self.socialise_at()].into_iter().flatten().filter(|t| *t > now).min()
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Accountant, AccountantParams, Action, Ray, Wad,
        waterfall::{Layer, PledgeParams, StakingVault, VaultParams, Waterfall, WaterfallParams},
    };
    use alloy_primitives::Address;

    fn w(x: &str) -> Wad {
        x.parse().unwrap()
    }

    fn acc() -> Accountant {
        Accountant::new(AccountantParams { wait: 0, sump: w("1000"), dump: w("10") }).unwrap()
    }

    /// Treasury, then staking, then a round, then (after the round fails) socialisation at the
    /// deadline: each step is due exactly when it would act, and the clock's next moments are
    /// the interval, the round's end and the deadline.
    #[test]
    fn steps_fall_due_in_the_layers_order_and_only_when_they_act() {
        let order =
            vec![Layer::Treasury, Layer::Staking, Layer::Pledge, Layer::Auctions, Layer::Socialise];
        let vp = VaultParams { cooldown: 100, window: 50, max_slash: w("0.5") };
        let mut v = StakingVault::new(vp).unwrap();
        v.deposit(Address::repeat_byte(1), w("1000")).unwrap();
        let pp = PledgeParams { discount: w("0.1"), duration: 3_600, min_target: w("100") };
        let params = WaterfallParams {
            order,
            offset: w("50"),
            slash_interval: 600,
            deadline: 86_400,
            mint_cap: Wad::ZERO,
        };
        let mut wf = Waterfall::new(params, Some(v), Some(pp)).unwrap();
        let mut a = acc();
        let price = Some(Ray::from_units(2));
        wf.book(&mut a, w("2000"), 10).unwrap();
        assert_eq!(wf.next_step(&a, w("300"), price, 10), None, "queued debt is not free");
        a.flog(10, 10).unwrap();
        assert_eq!(wf.next_step(&a, w("300"), price, 10), Some(Action::CoverTreasury));
        wf.treasury(&mut a, w("300"), 10).unwrap();
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 10), Some(Action::CoverSlash));
        wf.slash(&mut a, Wad::ZERO, 10).unwrap();
        // 1000 · 0.5 = 500 slashed; 1200 free; the vault can be slashed again at 610.
        assert_eq!(wf.next_time(10), Some(610));
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 10), Some(Action::OpenPledge));
        assert_eq!(wf.next_step(&a, Wad::ZERO, None, 10), None, "a stale oracle opens no round");
        wf.open_pledge(&a, Wad::ZERO, Ray::from_units(2), 10).unwrap();
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 11), None, "the round holds the rest");
        assert_eq!(wf.next_time(11), Some(610));
        // At 610 the interval is over, but every layer waits while a round is open.
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 610), None);
        assert_eq!(wf.next_time(610), Some(3_610));
        // The round fails at 3610: the slash is due again (250 of 500 left).
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 3_610), Some(Action::CoverSlash));
        assert_eq!(wf.next_time(3_610), Some(86_410));
        assert_eq!(wf.next_step(&a, Wad::ZERO, price, 86_410), Some(Action::CoverSlash));
    }

    #[test]
    fn a_met_round_is_settled_first_and_nothing_is_due_without_free_debt() {
        let order = vec![Layer::Pledge, Layer::Auctions];
        let pp = PledgeParams { discount: w("0"), duration: 100, min_target: w("0") };
        let params = WaterfallParams {
            order,
            offset: Wad::ZERO,
            slash_interval: 0,
            deadline: 0,
            mint_cap: Wad::ZERO,
        };
        let mut wf = Waterfall::new(params, None, Some(pp)).unwrap();
        let mut a = acc();
        assert_eq!(wf.next_step(&a, Wad::ZERO, Some(Ray::ONE), 1), None);
        wf.book(&mut a, w("10"), 1).unwrap();
        a.flog(1, 1).unwrap();
        wf.open_pledge(&a, Wad::ZERO, Ray::ONE, 1).unwrap();
        wf.pledge(Address::repeat_byte(2), w("10"), 2).unwrap();
        assert_eq!(wf.next_step(&a, Wad::ZERO, None, 2), Some(Action::SettlePledge));
        wf.settle_pledge(&mut a, 2).unwrap();
        assert_eq!(wf.next_step(&a, Wad::ZERO, Some(Ray::ONE), 2), None);
        assert_eq!(wf.next_time(2), None);
    }
}
