//! The accountant: the protocol's balance sheet (dss Vow), which queues bad debt, cancels it with
//! surplus, and starts debt auctions.
//!
//! ```text
//!   fess(tab) ─► sin[now] ─(wait)─ flog(era) ─► woe (free debt) ─ heal(surplus) ─► cancelled
//!                                                  │ flop: sump ≤ woe and surplus == 0
//!                                                  ▼
//!                                              Ash (on auction) ─ settle(raised) ─► cancelled
//!                                                                 unwind(unraised) ─► woe
//!   woe = debt − Sin − Ash
//! ```
//!
//! All amounts are stablecoin, WAD. The surplus is the accountant's stablecoin balance; it is
//! passed in by the caller (the [`crate::System`] reads it from its ledger, the contract from
//! `balanceOf`). Stablecoin that cancels debt goes to the sink (outside this struct).

use crate::{
    Rules, Timestamp,
    error::{Error, Result},
    math::Wad,
};
use alloy_primitives::U256;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Parameters of the accountant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountantParams {
    /// Delay before queued debt can be released by `flog`, seconds. `≤ MAX_DURATION`.
    pub wait: u64,
    /// Stablecoin raised per debt auction, WAD. `> 0`.
    pub sump: Wad,
    /// Opening English lot / maximum Dutch lot of governance tokens, WAD. `> 0`.
    pub dump: Wad,
}

/// One parameter change, as `file(what, data)` on the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", content = "data", rename_all = "camelCase")]
pub enum AccountantParam {
    /// `wait`, seconds.
    Wait(u64),
    /// `sump`, WAD.
    Sump(Wad),
    /// `dump`, WAD.
    Dump(Wad),
}

impl AccountantParam {
    /// The contract's parameter name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Wait(_) => "wait",
            Self::Sump(_) => "sump",
            Self::Dump(_) => "dump",
        }
    }
    /// The raw `uint256` the contract's `file` receives.
    pub fn raw(&self) -> U256 {
        match *self {
            Self::Wait(s) => U256::from(s),
            Self::Sump(w) | Self::Dump(w) => w.raw(),
        }
    }
}

impl AccountantParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        let mut p = *self;
        p.file(AccountantParam::Wait(self.wait))?;
        p.file(AccountantParam::Sump(self.sump))?;
        p.file(AccountantParam::Dump(self.dump))
    }

    /// Applies one change after validating it.
    pub fn file(&mut self, change: AccountantParam) -> Result<()> {
        match change {
            AccountantParam::Wait(v) if v > crate::MAX_DURATION => {
                return Err(Error::invalid("wait", "must be at most MAX_DURATION = 315,360,000 s"));
            }
            AccountantParam::Wait(v) => self.wait = v,
            AccountantParam::Sump(v) | AccountantParam::Dump(v) if v.is_zero() => {
                return Err(Error::invalid(change.name(), "must be above 0"));
            }
            AccountantParam::Sump(v) => self.sump = v,
            AccountantParam::Dump(v) => self.dump = v,
        }
        Ok(())
    }
}

/// Events of the accountant (the contract's events, same fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum AccountantEvent {
    /// Bad debt entered the queue.
    Fess {
        /// Timestamp of the entry, seconds.
        era: Timestamp,
        /// WAD.
        tab: Wad,
    },
    /// Queued debt was released to free debt.
    Flog {
        /// Era, seconds.
        era: Timestamp,
        /// WAD.
        amount: Wad,
    },
    /// Surplus cancelled free debt.
    Heal {
        /// WAD.
        amount: Wad,
    },
    /// Surplus cancelled debt on auction (a user's `kiss`).
    Kiss {
        /// WAD.
        amount: Wad,
    },
    /// Free debt was put on auction by a flop (`woe → Ash`).
    Flop {
        /// WAD.
        amount: Wad,
    },
    /// An auction cancelled on-auction debt with the stablecoin it raised (`settle`).
    Settle {
        /// WAD.
        amount: Wad,
    },
    /// Debt an auction could not raise went back to free debt.
    Unwind {
        /// WAD.
        amount: Wad,
    },
    /// A bidder of an auction yanked after cage is owed `amount` (the debt stays cancelled).
    Refund {
        /// Recipient.
        to: alloy_primitives::Address,
        /// WAD.
        amount: Wad,
    },
    /// A bidder collected (part of) the refund it is owed.
    Claim {
        /// The bidder.
        usr: alloy_primitives::Address,
        /// Where the stablecoin went.
        to: alloy_primitives::Address,
        /// Paid, WAD.
        amount: Wad,
    },
    /// Free debt was written off with no stablecoin (the waterfall's socialisation layer).
    WriteOff {
        /// WAD.
        amount: Wad,
    },
}

/// The balance sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accountant {
    /// Parameters.
    pub params: AccountantParams,
    debt: Wad,
    sin: BTreeMap<Timestamp, Wad>,
    sin_total: Wad,
    ash: Wad,
    /// Refunds owed after cage, by bidder (WAD).
    #[serde(default)]
    due: BTreeMap<alloy_primitives::Address, Wad>,
    /// Σ `due` (`Due`), WAD: reserved out of the stablecoin balance.
    #[serde(default)]
    due_total: Wad,
    /// The contract set's edges (the flop's surplus rule).
    #[serde(default)]
    rules: Rules,
}

impl Accountant {
    /// An accountant with no debt.
    pub fn new(params: AccountantParams) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            debt: Wad::ZERO,
            sin: BTreeMap::new(),
            sin_total: Wad::ZERO,
            ash: Wad::ZERO,
            due: BTreeMap::new(),
            due_total: Wad::ZERO,
            rules: Rules::Backstop,
        })
    }

    /// An accountant as read back from a chain: total debt, the queue (era, amount) and `Ash`
    /// (WAD). `Sin` is the queue's sum.
    pub fn restore(
        params: AccountantParams,
        debt: Wad,
        queue: impl IntoIterator<Item = (Timestamp, Wad)>,
        ash: Wad,
    ) -> Result<Self> {
        let sin: BTreeMap<Timestamp, Wad> =
            queue.into_iter().filter(|(_, a)| !a.is_zero()).collect();
        let sin_total = sin.values().try_fold(Wad::ZERO, |s, x| s.checked_add(*x))?;
        Ok(Self {
            params,
            debt,
            sin,
            sin_total,
            ash,
            due: BTreeMap::new(),
            due_total: Wad::ZERO,
            rules: Rules::Backstop,
        })
    }

    /// The same balance sheet under `rules`.
    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// The contract set's edges the accountant applies.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// Sets the total of refunds owed (`Due`, WAD) as read back from a chain (the per-bidder
    /// amounts are not enumerable there).
    pub fn restore_due(&mut self, due_total: Wad) {
        self.due_total = due_total;
    }

    /// Refunds owed after cage (`Due`), WAD.
    pub fn due_total(&self) -> Wad {
        self.due_total
    }
    /// Refund owed to `usr`, WAD.
    pub fn due(&self, usr: alloy_primitives::Address) -> Wad {
        self.due.get(&usr).copied().unwrap_or_default()
    }
    /// Free surplus: the stablecoin `balance` (WAD) less the refunds owed, 0 if it owes more.
    pub fn free_surplus(&self, balance: Wad) -> Wad {
        balance.saturating_sub(self.due_total)
    }

    /// Total bad debt, WAD.
    pub fn debt(&self) -> Wad {
        self.debt
    }
    /// Queued debt (`Sin`), WAD.
    pub fn sin_total(&self) -> Wad {
        self.sin_total
    }
    /// Debt queued at `era`, WAD.
    pub fn sin(&self, era: Timestamp) -> Wad {
        self.sin.get(&era).copied().unwrap_or_default()
    }
    /// Eras with queued debt, oldest first.
    pub fn queue(&self) -> impl Iterator<Item = (Timestamp, Wad)> + '_ {
        self.sin.iter().map(|(e, a)| (*e, *a))
    }
    /// Debt on auction (`Ash`), WAD.
    pub fn ash(&self) -> Wad {
        self.ash
    }
    /// Free bad debt `woe = debt − Sin − Ash`, WAD.
    pub fn woe(&self) -> Wad {
        self.debt.saturating_sub(self.sin_total).saturating_sub(self.ash)
    }
    /// True if every piece of bad debt is cleared.
    pub fn is_cleared(&self) -> bool {
        self.debt.is_zero()
    }

    /// New bad debt `tab` (WAD) enters the queue at `now`.
    pub fn fess(&mut self, tab: Wad, now: Timestamp) -> Result<AccountantEvent> {
        let debt = self.debt.checked_add(tab)?;
        let sin_total = self.sin_total.checked_add(tab)?;
        let era = self.sin(now).checked_add(tab)?;
        self.debt = debt;
        self.sin_total = sin_total;
        self.sin.insert(now, era);
        Ok(AccountantEvent::Fess { era: now, tab })
    }

    /// Releases the debt queued at `era` once `era + wait ≤ now`.
    pub fn flog(&mut self, era: Timestamp, now: Timestamp) -> Result<AccountantEvent> {
        let ready_at = era.checked_add(self.params.wait).ok_or(Error::Overflow)?;
        if ready_at > now {
            return Err(Error::QueueNotReady { era, ready_at });
        }
        let amount = self.sin.remove(&era).unwrap_or_default();
        self.sin_total = self.sin_total.checked_sub(amount)?;
        Ok(AccountantEvent::Flog { era, amount })
    }

    /// Validates cancelling `amount` of free debt with surplus.
    pub fn check_heal(&self, amount: Wad, surplus: Wad) -> Result<()> {
        if amount > surplus {
            return Err(Error::InsufficientSurplus {
                available: surplus.raw(),
                requested: amount.raw(),
            });
        }
        let woe = self.woe();
        if amount > woe {
            return Err(Error::InsufficientFreeDebt { woe: woe.raw(), requested: amount.raw() });
        }
        Ok(())
    }

    /// Cancels `amount` (WAD) of free debt; the caller sends `amount` of surplus to the sink.
    pub fn heal(&mut self, amount: Wad, surplus: Wad) -> Result<AccountantEvent> {
        self.check_heal(amount, surplus)?;
        self.debt = self.debt.checked_sub(amount)?;
        Ok(AccountantEvent::Heal { amount })
    }

    /// Writes off `amount` (WAD) of free debt with no stablecoin (the loss waterfall's last
    /// layer: socialised onto the depositors).
    pub fn write_off(&mut self, amount: Wad) -> Result<AccountantEvent> {
        let woe = self.woe();
        if amount > woe {
            return Err(Error::InsufficientFreeDebt { woe: woe.raw(), requested: amount.raw() });
        }
        self.debt = self.debt.checked_sub(amount)?;
        Ok(AccountantEvent::WriteOff { amount })
    }

    /// Validates cancelling `amount` of on-auction debt with surplus.
    pub fn check_kiss(&self, amount: Wad, surplus: Wad) -> Result<()> {
        if amount > self.ash {
            return Err(Error::InsufficientOnAuction {
                ash: self.ash.raw(),
                requested: amount.raw(),
            });
        }
        if amount > surplus {
            return Err(Error::InsufficientSurplus {
                available: surplus.raw(),
                requested: amount.raw(),
            });
        }
        Ok(())
    }

    /// Cancels `amount` (WAD) of on-auction debt; the caller sends `amount` of surplus to the sink.
    pub fn kiss(&mut self, amount: Wad, surplus: Wad) -> Result<AccountantEvent> {
        self.check_kiss(amount, surplus)?;
        self.settle(amount);
        Ok(AccountantEvent::Kiss { amount })
    }

    /// Validates starting a debt auction: `sump ≤ woe`, and a (free) surplus below `sump` (a
    /// smaller surplus is healed by the flop itself, so dust cannot block an auction). Under
    /// [`Rules::Dss`] any surplus at all refuses it, as dss's `Vow.flop` does.
    pub fn check_flop(&self, surplus: Wad) -> Result<()> {
        let (woe, sump) = (self.woe(), self.params.sump);
        if sump > woe {
            return Err(Error::InsufficientDebt { woe: woe.raw(), sump: sump.raw() });
        }
        let blocks = match self.rules {
            Rules::Backstop => surplus >= sump,
            Rules::Dss => !surplus.is_zero(),
        };
        if blocks {
            return Err(Error::SurplusNotZero { surplus: surplus.raw() });
        }
        Ok(())
    }

    /// The raise of the next auction after [`Self::check_flop`]: `min(sump, woe − surplus)`, WAD
    /// (`sump` under [`Rules::Dss`], where the surplus is zero and `sump ≤ woe`).
    pub fn flop_bid(&self, surplus: Wad) -> Result<Wad> {
        self.check_flop(surplus)?;
        Ok(self.params.sump.min(self.woe().saturating_sub(surplus)))
    }

    /// Starts an auction after [`Self::check_flop`]: heals `surplus` (the caller sends it to the
    /// sink; event `Heal` if non-zero), then puts `bid = min(sump, woe)` on auction (`Ash += bid`).
    /// Returns `(bid, dump, events)`: `Heal` (if the surplus was not zero), then `Flop`.
    pub fn flop(&mut self, surplus: Wad) -> Result<(Wad, Wad, Vec<AccountantEvent>)> {
        let bid = self.flop_bid(surplus)?;
        let (heal, flop) = self.apply_flop(surplus, bid)?;
        Ok((bid, self.params.dump, heal.into_iter().chain([flop]).collect()))
    }

    /// [`Self::flop`] without the checks, for a caller that has `bid` from [`Self::flop_bid`]
    /// with the same `surplus`: returns the `Heal` event (if `surplus` is not zero) and `Flop`.
    pub(crate) fn apply_flop(
        &mut self,
        surplus: Wad,
        bid: Wad,
    ) -> Result<(Option<AccountantEvent>, AccountantEvent)> {
        let ash = self.ash.checked_add(bid)?;
        let heal = (!surplus.is_zero()).then(|| {
            self.debt = self.debt.saturating_sub(surplus);
            AccountantEvent::Heal { amount: surplus }
        });
        self.ash = ash;
        Ok((heal, AccountantEvent::Flop { amount: bid }))
    }

    /// The auctions' hook: `k` (WAD) raised, already paid to the sink, cancels on-auction debt.
    /// Callers pass `k ≤ min(raised, Ash)`, so it cannot fail.
    pub fn settle(&mut self, k: Wad) -> AccountantEvent {
        self.ash = self.ash.saturating_sub(k);
        self.debt = self.debt.saturating_sub(k);
        AccountantEvent::Settle { amount: k }
    }

    /// The auctions' hook: `amount` (WAD, `≤ Ash`) of on-auction debt was not raised; it is free
    /// debt again.
    pub fn unwind(&mut self, amount: Wad) -> AccountantEvent {
        self.ash = self.ash.saturating_sub(amount);
        AccountantEvent::Unwind { amount }
    }

    /// The English yank hook: `to` is owed `amount` (WAD); nothing is paid here (see
    /// [`Self::claim`]). The debt the bid cancelled stays cancelled, so `surplus − debt` falls by
    /// exactly `amount`.
    pub fn refund(
        &mut self,
        to: alloy_primitives::Address,
        amount: Wad,
    ) -> Result<AccountantEvent> {
        let total = self.due_total.checked_add(amount)?;
        let owed = self.due(to).checked_add(amount)?;
        self.due_total = total;
        self.due.insert(to, owed);
        Ok(AccountantEvent::Refund { to, amount })
    }

    /// `usr` collects what it is owed, paid to `to`, as far as the stablecoin `balance` (WAD)
    /// goes; returns the amount the caller pays from the accountant to `to`.
    pub fn claim(
        &mut self,
        usr: alloy_primitives::Address,
        to: alloy_primitives::Address,
        balance: Wad,
    ) -> (Wad, AccountantEvent) {
        let owed = self.due(usr);
        let amount = owed.min(balance);
        if !owed.is_zero() {
            let left = owed.saturating_sub(amount);
            if left.is_zero() {
                self.due.remove(&usr);
            } else {
                self.due.insert(usr, left);
            }
        }
        self.due_total = self.due_total.saturating_sub(amount);
        (amount, AccountantEvent::Claim { usr, to, amount })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(n: u64) -> Wad {
        Wad::from_units(n)
    }

    fn acc(wait: u64) -> Accountant {
        Accountant::new(AccountantParams { wait, sump: w(50_000), dump: w(250) }).unwrap()
    }

    #[test]
    fn queue_then_flop() {
        let mut a = acc(100);
        a.fess(w(120_000), 10).unwrap();
        assert_eq!(a.woe(), Wad::ZERO);
        assert_eq!(a.flog(10, 109).unwrap_err(), Error::QueueNotReady { era: 10, ready_at: 110 });
        a.flog(10, 110).unwrap();
        assert_eq!(a.woe(), w(120_000));
        assert_eq!(
            a.check_flop(w(50_000)).unwrap_err(),
            Error::SurplusNotZero { surplus: w(50_000).raw() }
        );
        a.flop(Wad::ZERO).unwrap();
        a.flop(Wad::ZERO).unwrap();
        assert_eq!(
            a.check_flop(Wad::ZERO).unwrap_err(),
            Error::InsufficientDebt { woe: w(20_000).raw(), sump: w(50_000).raw() }
        );
        assert_eq!(a.ash(), w(100_000));
    }

    /// dss issue #108: raised stablecoin cancelled with `heal` left `Ash` inflated for ever. Here
    /// `heal` cannot touch on-auction debt, and `settle(min(bid, Ash))` always succeeds.
    #[test]
    fn issue_108_cannot_block_auctions() {
        let mut a = acc(0);
        a.fess(w(100_000), 0).unwrap();
        a.flog(0, 0).unwrap();
        a.flop(Wad::ZERO).unwrap(); // Ash = 50k, woe = 50k
        // A third party kisses part of Ash with its own stablecoin.
        a.kiss(w(10_000), w(10_000)).unwrap(); // Ash = 40k, debt = 90k
        // The first bid settles min(bid, Ash) = 40k: no revert, Ash = 0.
        let k = w(50_000).min(a.ash());
        a.settle(k);
        assert_eq!(a.ash(), Wad::ZERO);
        // The extra 10k of the bid is surplus; healing it frees room, and the next auction starts.
        a.heal(w(10_000), w(10_000)).unwrap();
        assert_eq!(a.woe(), w(40_000));
        assert_eq!(a.debt(), w(40_000));
        // heal can never eat on-auction debt.
        a.fess(w(60_000), 1).unwrap();
        a.flog(1, 1).unwrap();
        a.flop(Wad::ZERO).unwrap();
        assert!(matches!(
            a.check_heal(w(60_000), w(60_000)),
            Err(Error::InsufficientFreeDebt { .. })
        ));
    }
}
