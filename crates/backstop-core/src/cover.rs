//! The loss waterfall wired into a [`System`]: the model of `Waterfall.sol`, `StakingVault.sol`
//! and `PledgeRound.sol` over the system's accountant, with the tokens moved as the contracts
//! move them.
//!
//! ```text
//!   Book ─► accountant.fess ──► CoverTreasury: surplus ─────────────► sink   (heal)
//!                           ──► CoverSlash:    vault ─► accountant ─► sink   (heal)
//!                           ──► OpenPledge / Pledge: pledger ─► round
//!                               SettlePledge: round ─► accountant ─► sink   (heal)
//!                               ClaimPledge: governance tokens minted to the pledger
//!                               RefundPledge: round ─► pledger (a failed round)
//!                           ──► flop / flopDutch (gated on `auctions_ready`)
//!                           ──► Socialise: accountant.writeOff (after the deadline)
//! ```
//!
//! With a waterfall attached, the system also keeps the waterfall's ledger ([`Covered`]) of what
//! the auctions cancel (`Settle`, `Kiss`) and of surplus healed outside the treasury step (a direct
//! `heal`, a flop healing the surplus below `sump`), so that
//! `booked = covered.total() + accountant.debt()` holds after every action when debt enters
//! through [`Action::Book`] ([`System::unaccounted`]). Every action either returns its events in
//! the contracts' order or an [`Error`] in the contracts' check order, in which case nothing
//! changed. Amounts WAD of the raise asset (the stablecoin) unless stated.

use crate::{
    Action, Error, Event, Events, Result, System, Timestamp,
    math::Wad,
    waterfall::{Covered, Layer, Waterfall, WaterfallEvent},
};
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// Where the waterfall's contracts are (a zero address for a layer the order leaves out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WaterfallAddresses {
    /// `Waterfall.sol`.
    pub waterfall: Address,
    /// `StakingVault.sol` (holds the stakers' raise asset).
    pub vault: Address,
    /// `PledgeRound.sol` (holds pledges until a round settles or refunds).
    pub round: Address,
}

/// A waterfall attached to a system: the model and its contracts' addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    /// The model.
    pub model: Waterfall,
    /// Its contracts.
    pub addrs: WaterfallAddresses,
}

fn wf(event: WaterfallEvent) -> Event {
    Event::Waterfall(event)
}

fn covered(layer: Layer, amount: Wad) -> Event {
    wf(WaterfallEvent::Covered { layer, amount })
}

impl System {
    /// The same system with `model` attached at `addrs`: `flop` and `flopDutch` then wait for
    /// its `auctions_ready`, and the waterfall's actions apply.
    #[must_use]
    pub fn with_waterfall(mut self, model: Waterfall, addrs: WaterfallAddresses) -> Self {
        self.cover = Some(Box::new(Cover { model, addrs }));
        self
    }

    /// The attached waterfall's model.
    pub fn waterfall(&self) -> Option<&Waterfall> {
        self.cover.as_ref().map(|c| &c.model)
    }

    /// The attached waterfall's ledger, WAD.
    pub fn covered(&self) -> Option<Covered> {
        self.waterfall().map(|w| w.covered)
    }

    /// `booked − covered − debt` (zero when every wei is accounted for); `None` without a
    /// waterfall.
    pub fn unaccounted(&self) -> Option<Result<Wad>> {
        self.waterfall().map(|w| w.unaccounted(&self.accountant))
    }

    fn cover_ref(&self) -> Result<&Cover> {
        self.cover.as_deref().ok_or(Error::NotConfigured)
    }

    /// Refuses an auction start while the waterfall holds it back (`LayerNotReady("auctions")`).
    pub(crate) fn check_auctions_ready(&self, now: Timestamp) -> Result<()> {
        match &self.cover {
            Some(c) => c.model.auctions_ready(&self.accountant, self.surplus(), now),
            None => Ok(()),
        }
    }

    /// Records surplus healed outside the treasury step.
    pub(crate) fn note_healed(&mut self, x: Wad) -> Result<()> {
        match &mut self.cover {
            Some(c) => c.model.healed(x),
            None => Ok(()),
        }
    }

    /// Records governance tokens minted (the waterfall's `minted`, for its mint cap).
    pub(crate) fn note_minted(&mut self, x: Wad) -> Result<()> {
        match &mut self.cover {
            Some(c) => c.model.note_minted(x),
            None => Ok(()),
        }
    }

    /// Records on-auction debt cancelled by raised stablecoin (`Settle`, `Kiss`).
    pub(crate) fn note_auctioned(&mut self, k: Wad) -> Result<()> {
        match &mut self.cover {
            Some(c) => c.model.auctioned(k),
            None => Ok(()),
        }
    }

    /// Interprets one of the waterfall's actions (the caller matched it).
    pub(crate) fn apply_cover(&mut self, action: &Action, now: Timestamp) -> Result<Events> {
        match *action {
            Action::Book { tab } => self.book(tab, now),
            Action::CoverTreasury => self.cover_treasury(now),
            Action::CoverSlash => self.cover_slash(now),
            Action::OpenPledge => self.open_pledge(now),
            Action::SettlePledge => self.settle_pledge(now),
            Action::Socialise => self.socialise(now),
            Action::Pledge { sender, amount } => self.pledge(sender, amount, now),
            Action::ClaimPledge { sender, id } => self.claim_pledge(sender, id, now),
            Action::RefundPledge { sender, id } => self.refund_pledge(sender, id, now),
            Action::Stake { sender, assets } => self.stake(sender, assets),
            Action::Cooldown { sender } => self.cooldown(sender, now),
            Action::Unstake { sender, shares } => self.unstake(sender, shares, now),
            Action::RewardStakers { sender, amount } => self.reward_stakers(sender, amount),
            Action::PauseVault { paused } => self.pause_vault(paused),
            _ => Err(Error::NotConfigured),
        }
    }

    /// `tab` of bad debt booked through the waterfall (its ward): `Book`, then the accountant's
    /// `Fess`.
    pub fn book(&mut self, tab: Wad, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let mut acc = self.accountant.clone();
        let ev = m.book(&mut acc, tab, now)?;
        c.model = m;
        self.accountant = acc;
        Ok(vec![wf(WaterfallEvent::Book { tab }), Event::Accountant(ev)])
    }

    /// The treasury layer: heals `min(surplus, woe)`, paid to the sink.
    pub fn cover_treasury(&mut self, now: Timestamp) -> Result<Events> {
        let surplus = self.surplus();
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut acc = self.accountant.clone();
        let x = c.model.treasury(&mut acc, surplus, now)?;
        self.accountant = acc;
        let sink = self.addrs.sink;
        let _ = self.ledger.stablecoin.transfer(self.addrs.accountant, sink, x);
        Ok(vec![covered(Layer::Treasury, x), heal_event(x)])
    }

    /// The staking layer: slashes the vault for the free debt above the offset (within its cap);
    /// the asset goes from the vault to the accountant, which heals it to the sink.
    pub fn cover_slash(&mut self, now: Timestamp) -> Result<Events> {
        let surplus = self.surplus();
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let mut acc = self.accountant.clone();
        let asked = m.slashable(&acc, now);
        let x = m.slash(&mut acc, surplus, now)?;
        // `slash` succeeded, so `slashable` did (it is its first step after the gate).
        let asked = asked.unwrap_or(x);
        let vault = c.addrs.vault;
        self.ledger.stablecoin.transfer(vault, self.addrs.sink, x)?;
        c.model = m;
        self.accountant = acc;
        Ok(vec![
            covered(Layer::Staking, x),
            wf(WaterfallEvent::Slash { asked, slashed: x }),
            heal_event(x),
        ])
    }

    /// The pledge layer: opens a round for the free debt above the offset at the oracle price
    /// less the discount. Check order as the contracts': the gate, the target, then the oracle.
    pub fn open_pledge(&mut self, now: Timestamp) -> Result<Events> {
        let surplus = self.surplus();
        let read = self.oracle.read(now);
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let opened = m.open_pledge(
            &self.accountant,
            surplus,
            *read.as_ref().unwrap_or(&self.oracle.price),
            now,
        );
        let id = match opened {
            Err(e @ (Error::LayerNotReady { .. } | Error::TargetTooSmall { .. })) => return Err(e),
            r => {
                read?;
                r?
            }
        };
        let r = m.round_by_id(id)?;
        let ev = WaterfallEvent::Open { id, target: r.target, price: r.price, end: r.end };
        c.model = m;
        Ok(vec![wf(ev)])
    }

    /// Settles the last round, which met its target: its asset goes to the accountant, which
    /// heals `min(pledged, woe)` to the sink (anything above stays as surplus).
    pub fn settle_pledge(&mut self, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let mut acc = self.accountant.clone();
        let x = m.settle_pledge(&mut acc, now)?;
        let r = m.round.as_ref().ok_or(Error::RoundNotOpen { id: 0 })?;
        let (id, pledged) = (r.id, r.pledged);
        let (round, accountant, sink) = (c.addrs.round, self.addrs.accountant, self.addrs.sink);
        self.ledger.stablecoin.transfer(round, accountant, pledged)?;
        // `x ≤ pledged`, just received.
        let _ = self.ledger.stablecoin.transfer(accountant, sink, x);
        c.model = m;
        self.accountant = acc;
        Ok(vec![
            covered(Layer::Pledge, x),
            wf(WaterfallEvent::Settle { id, amount: pledged }),
            heal_event(x),
        ])
    }

    /// The socialise layer: after the deadline, writes off the free debt.
    pub fn socialise(&mut self, now: Timestamp) -> Result<Events> {
        let surplus = self.surplus();
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut acc = self.accountant.clone();
        let x = c.model.socialise(&mut acc, surplus, now)?;
        self.accountant = acc;
        Ok(vec![
            covered(Layer::Socialise, x),
            Event::Accountant(crate::AccountantEvent::WriteOff { amount: x }),
        ])
    }

    /// `sender` pledges up to `amount` to the last round: what is taken moves to the round.
    pub fn pledge(&mut self, sender: Address, amount: Wad, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let r = c.model.round.as_ref().ok_or(Error::RoundNotOpen { id: 0 })?;
        let (id, take) = (r.id, r.check_pledge(amount, now)?);
        self.ledger.stablecoin.transfer(sender, c.addrs.round, take)?;
        c.model.pledge(sender, amount, now)?;
        Ok(vec![wf(WaterfallEvent::Pledge { id, who: sender, amount: take })])
    }

    /// `sender` claims its governance tokens of round `id` (a success): they are minted to it.
    pub fn claim_pledge(&mut self, sender: Address, id: u64, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let tokens = m.claim(sender, id, now)?;
        m.note_minted(tokens)?;
        self.ledger.gov.mint(sender, tokens)?;
        c.model = m;
        Ok(vec![wf(WaterfallEvent::Claim { id, who: sender, tokens })])
    }

    /// `sender` takes its pledge to round `id` back (a failure).
    pub fn refund_pledge(&mut self, sender: Address, id: u64, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut m = c.model.clone();
        let amount = m.refund(sender, id, now)?;
        self.ledger.stablecoin.transfer(c.addrs.round, sender, amount)?;
        c.model = m;
        Ok(vec![wf(WaterfallEvent::Refund { id, who: sender, amount })])
    }

    /// `sender` deposits `assets` into the vault (receiver: itself).
    pub fn stake(&mut self, sender: Address, assets: Wad) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut v = c.model.vault.clone().ok_or(Error::NotConfigured)?;
        let shares = v.deposit(sender, assets)?;
        self.ledger.stablecoin.transfer(sender, c.addrs.vault, assets)?;
        c.model.vault = Some(v);
        Ok(vec![wf(WaterfallEvent::Deposit { who: sender, assets, shares })])
    }

    /// `sender` starts (or restarts) its cooldown for all its shares.
    pub fn cooldown(&mut self, sender: Address, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let v = c.model.vault.as_mut().ok_or(Error::NotConfigured)?;
        v.cooldown(sender, now);
        let shares = v.cooldown_of(sender).map(|x| x.shares).unwrap_or_default();
        Ok(vec![wf(WaterfallEvent::Cooldown { who: sender, shares })])
    }

    /// `sender` redeems `shares` in its unstake window (receiver: itself).
    pub fn unstake(&mut self, sender: Address, shares: Wad, now: Timestamp) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut v = c.model.vault.clone().ok_or(Error::NotConfigured)?;
        let assets = v.redeem(sender, shares, now)?;
        self.ledger.stablecoin.transfer(c.addrs.vault, sender, assets)?;
        c.model.vault = Some(v);
        Ok(vec![wf(WaterfallEvent::Withdraw { who: sender, assets, shares })])
    }

    /// `sender` adds `amount` to the vault's assets (emissions).
    pub fn reward_stakers(&mut self, sender: Address, amount: Wad) -> Result<Events> {
        let c = self.cover.as_deref_mut().ok_or(Error::NotConfigured)?;
        let mut v = c.model.vault.clone().ok_or(Error::NotConfigured)?;
        v.reward(amount)?;
        self.ledger.stablecoin.transfer(sender, c.addrs.vault, amount)?;
        c.model.vault = Some(v);
        Ok(vec![wf(WaterfallEvent::Reward { from: sender, amount })])
    }

    /// Pauses or unpauses the vault (governance, the vault's ward).
    pub fn pause_vault(&mut self, paused: bool) -> Result<Events> {
        let v = self.cover_vault_mut()?;
        if paused {
            v.pause()
        } else {
            v.unpause()
        }
        Ok(vec![wf(WaterfallEvent::Pause { paused })])
    }

    fn cover_vault_mut(&mut self) -> Result<&mut crate::waterfall::StakingVault> {
        self.cover.as_deref_mut().and_then(|c| c.model.vault.as_mut()).ok_or(Error::NotConfigured)
    }

    /// The attached waterfall's addresses.
    pub fn waterfall_addresses(&self) -> Result<WaterfallAddresses> {
        self.cover_ref().map(|c| c.addrs)
    }
}

fn heal_event(amount: Wad) -> Event {
    Event::Accountant(crate::AccountantEvent::Heal { amount })
}
