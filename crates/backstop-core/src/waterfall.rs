//! The loss waterfall: the layers that cover bad debt before and besides the debt auctions
//! (`docs/design/waterfall.md`).
//!
//! ```text
//!   booked ─► treasury (heal with surplus) ─► staking (slash the vault above `offset`)
//!          ─► pledge (all-or-nothing round at a fixed price) ─► auctions ─► socialise
//!
//!   booked = treasury + slashed + pledged + auctioned + socialised + outstanding   (to the wei)
//! ```
//!
//! [`StakingVault`] is an ERC-4626 vault of the raise asset (shares WAD, not transferable) with a
//! cooldown, an unstake window, a pause, slashing capped per slash and reward emissions.
//! [`PledgeRound`] is one assurance round: pledges at a fixed price (the oracle's less a
//! discount), binding until the deadline, all refunded if the target is not met. [`Waterfall`]
//! holds the order of the layers and the per-layer ledger ([`Covered`]), and applies each layer to
//! an [`Accountant`] as its contract does: the caller moves the tokens, as with the accountant.
//!
//! Amounts are WAD of the raise asset unless stated; governance tokens WAD; prices RAY (raise
//! asset per governance token); times unix seconds.

use crate::{
    Accountant, Timestamp,
    error::{Error, Result},
    math::{Ray, Wad, div, div_up, mul},
};
use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod steps;

/// Parameters of a staking vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultParams {
    /// Seconds from `cooldown()` until the unstake window opens.
    pub cooldown: u64,
    /// Seconds the unstake window stays open. `> 0`.
    pub window: u64,
    /// Largest fraction of the vault's assets one slash takes, WAD. `≤ 1`.
    pub max_slash: Wad,
}

impl VaultParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 {
            return Err(Error::invalid("window", "must be at least 1 second"));
        }
        if self.cooldown > crate::MAX_DURATION || self.window > crate::MAX_DURATION {
            return Err(Error::invalid("cooldown", "cooldown and window must fit MAX_DURATION"));
        }
        if self.max_slash > Wad::ONE {
            return Err(Error::invalid(
                "maxSlash",
                format!("{} must be at most 1", self.max_slash),
            ));
        }
        Ok(())
    }
}

/// A staker's cooldown: when it started and the shares it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cooldown {
    /// When `cooldown()` was called, seconds.
    pub start: Timestamp,
    /// Shares that may leave in the window, WAD.
    pub shares: Wad,
}

/// The staking vault: first-loss capital in the raise asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakingVault {
    /// Parameters.
    pub params: VaultParams,
    assets: Wad,
    supply: Wad,
    shares: BTreeMap<Address, Wad>,
    cooldowns: BTreeMap<Address, Cooldown>,
    paused: bool,
}

/// `x · (n + 1) / (d + 1)`, rounded down or up (the virtual share and asset).
fn convert(x: Wad, n: Wad, d: Wad, up: bool) -> Result<Wad> {
    let one = U256::from(1u8);
    let num = mul(x.raw(), n.raw().checked_add(one).ok_or(Error::Overflow)?)?;
    let den = d.raw().checked_add(one).ok_or(Error::Overflow)?;
    Ok(Wad::from_raw(if up { div_up(num, den)? } else { div(num, den)? }))
}

impl StakingVault {
    /// An empty vault.
    pub fn new(params: VaultParams) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            assets: Wad::ZERO,
            supply: Wad::ZERO,
            shares: BTreeMap::new(),
            cooldowns: BTreeMap::new(),
            paused: false,
        })
    }

    /// A vault as read from its contract: `assets` and `supply` (WAD), the pause, and the
    /// accounts known to the reader with their shares (WAD) and cooldowns. Accounts not listed
    /// hold `supply − Σ shares` between them, which the model then cannot move.
    pub fn restore(
        params: VaultParams,
        assets: Wad,
        supply: Wad,
        paused: bool,
        accounts: impl IntoIterator<Item = (Address, Wad, Option<Cooldown>)>,
    ) -> Result<Self> {
        params.validate()?;
        let mut v = Self {
            params,
            assets,
            supply,
            shares: BTreeMap::new(),
            cooldowns: BTreeMap::new(),
            paused,
        };
        for (who, shares, cooldown) in accounts {
            if !shares.is_zero() {
                v.shares.insert(who, shares);
            }
            if let Some(c) = cooldown {
                v.cooldowns.insert(who, c);
            }
        }
        Ok(v)
    }

    /// Assets held for the stakers (internal accounting), WAD.
    pub fn total_assets(&self) -> Wad {
        self.assets
    }
    /// Shares outstanding, WAD.
    pub fn total_supply(&self) -> Wad {
        self.supply
    }
    /// Shares of `who`, WAD.
    pub fn shares_of(&self, who: Address) -> Wad {
        self.shares.get(&who).copied().unwrap_or_default()
    }
    /// The cooldown of `who`, if any.
    pub fn cooldown_of(&self, who: Address) -> Option<Cooldown> {
        self.cooldowns.get(&who).copied()
    }
    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Shares `assets` buys, rounded down (`deposit`).
    pub fn convert_to_shares(&self, assets: Wad) -> Result<Wad> {
        convert(assets, self.supply, self.assets, false)
    }
    /// Assets `shares` are worth, rounded down (`redeem`).
    pub fn convert_to_assets(&self, shares: Wad) -> Result<Wad> {
        convert(shares, self.assets, self.supply, false)
    }
    /// Assets a `mint` of `shares` costs, rounded up.
    pub fn preview_mint(&self, shares: Wad) -> Result<Wad> {
        convert(shares, self.assets, self.supply, true)
    }
    /// Shares a `withdraw` of `assets` burns, rounded up.
    pub fn preview_withdraw(&self, assets: Wad) -> Result<Wad> {
        convert(assets, self.supply, self.assets, true)
    }

    fn live(&self) -> Result<()> {
        if self.paused { Err(Error::Paused) } else { Ok(()) }
    }

    fn credit(&mut self, who: Address, assets: Wad, shares: Wad) -> Result<()> {
        let a = self.assets.checked_add(assets)?;
        let s = self.supply.checked_add(shares)?;
        let mine = self.shares_of(who).checked_add(shares)?;
        self.assets = a;
        self.supply = s;
        self.shares.insert(who, mine);
        Ok(())
    }

    /// `who` deposits `assets`: returns the shares minted (the caller pulls the assets).
    pub fn deposit(&mut self, who: Address, assets: Wad) -> Result<Wad> {
        self.live()?;
        let shares = self.convert_to_shares(assets)?;
        if shares.is_zero() {
            return Err(Error::ZeroShares);
        }
        self.credit(who, assets, shares)?;
        Ok(shares)
    }

    /// `who` mints `shares`: returns the assets it pays (the caller pulls them).
    pub fn mint(&mut self, who: Address, shares: Wad) -> Result<Wad> {
        self.live()?;
        let assets = self.preview_mint(shares)?;
        if shares.is_zero() || assets.is_zero() {
            return Err(Error::ZeroShares);
        }
        self.credit(who, assets, shares)?;
        Ok(assets)
    }

    /// `who` starts (or restarts) its cooldown at `now`, for all its shares.
    pub fn cooldown(&mut self, who: Address, now: Timestamp) {
        let shares = self.shares_of(who);
        self.cooldowns.insert(who, Cooldown { start: now, shares });
    }

    /// The unstake window of `who`'s cooldown, `(opens, closes)` inclusive.
    pub fn window_of(&self, who: Address) -> Option<(Timestamp, Timestamp)> {
        let c = self.cooldown_of(who)?;
        let opens = c.start.saturating_add(self.params.cooldown);
        Some((opens, opens.saturating_add(self.params.window)))
    }

    fn check_exit(&self, who: Address, shares: Wad, now: Timestamp) -> Result<Cooldown> {
        self.live()?;
        let Some((opens, closes)) = self.window_of(who) else {
            return Err(Error::NotInUnstakeWindow { opens: 0, closes: 0 });
        };
        if now < opens || now > closes {
            return Err(Error::NotInUnstakeWindow { opens, closes });
        }
        let c = self.cooldowns[&who];
        if shares > c.shares {
            return Err(Error::AboveCooldownShares {
                recorded: c.shares.raw(),
                requested: shares.raw(),
            });
        }
        let have = self.shares_of(who);
        if shares > have {
            return Err(Error::InsufficientBalance { have: have.raw(), need: shares.raw() });
        }
        Ok(c)
    }

    fn debit(&mut self, who: Address, c: Cooldown, assets: Wad, shares: Wad) -> Result<()> {
        let a = self.assets.checked_sub(assets)?;
        let s = self.supply.checked_sub(shares)?;
        let mine = self.shares_of(who).checked_sub(shares)?;
        self.assets = a;
        self.supply = s;
        self.shares.insert(who, mine);
        self.cooldowns.insert(who, Cooldown { shares: c.shares.saturating_sub(shares), ..c });
        Ok(())
    }

    /// `who` redeems `shares` in its unstake window: returns the assets paid out.
    pub fn redeem(&mut self, who: Address, shares: Wad, now: Timestamp) -> Result<Wad> {
        let c = self.check_exit(who, shares, now)?;
        let assets = self.convert_to_assets(shares)?;
        if shares.is_zero() || assets.is_zero() {
            return Err(Error::ZeroShares);
        }
        self.debit(who, c, assets, shares)?;
        Ok(assets)
    }

    /// `who` withdraws `assets` in its unstake window: returns the shares burned.
    pub fn withdraw(&mut self, who: Address, assets: Wad, now: Timestamp) -> Result<Wad> {
        let shares = self.preview_withdraw(assets)?;
        let c = self.check_exit(who, shares, now)?;
        if shares.is_zero() || assets.is_zero() {
            return Err(Error::ZeroShares);
        }
        self.debit(who, c, assets, shares)?;
        Ok(shares)
    }

    /// Pauses (governance): no slash, deposit or exit until [`Self::unpause`].
    pub fn pause(&mut self) {
        self.paused = true;
    }
    /// Lifts the pause.
    pub fn unpause(&mut self) {
        self.paused = false;
    }

    /// The most one slash takes now: `⌊assets · maxSlash / WAD⌋`.
    pub fn slash_cap(&self) -> Result<Wad> {
        self.assets.wmul(self.params.max_slash)
    }

    /// Takes `min(amount, cap)` of the assets (the caller sends them on); returns it.
    pub fn slash(&mut self, amount: Wad) -> Result<Wad> {
        self.live()?;
        let slashed = amount.min(self.slash_cap()?);
        self.assets = self.assets.checked_sub(slashed)?;
        Ok(slashed)
    }

    /// Adds `amount` of rewards to the assets (every share is worth more).
    pub fn reward(&mut self, amount: Wad) -> Result<()> {
        self.assets = self.assets.checked_add(amount)?;
        Ok(())
    }
}

/// Parameters of the pledge layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PledgeParams {
    /// Discount to the oracle price, WAD. `< 1`.
    pub discount: Wad,
    /// Seconds a round stays open. `> 0`.
    pub duration: u64,
    /// Smallest target a round opens for, WAD.
    pub min_target: Wad,
}

impl PledgeParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        if self.discount >= Wad::ONE {
            return Err(Error::invalid("discount", format!("{} must be below 1", self.discount)));
        }
        if self.duration == 0 || self.duration > crate::MAX_DURATION {
            return Err(Error::invalid("duration", "must be in (0, MAX_DURATION] seconds"));
        }
        Ok(())
    }
}

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundState {
    /// Taking pledges.
    Open,
    /// The target was met: pledgers claim tokens.
    Succeeded,
    /// The deadline passed below target: pledgers take their pledges back.
    Failed,
}

/// One pledge round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeRound {
    /// Round id (1, 2, …).
    pub id: u64,
    /// Raise asset wanted, WAD.
    pub target: Wad,
    /// Raise asset pledged so far, WAD.
    pub pledged: Wad,
    /// Price of the governance token in the round, RAY.
    pub price: Ray,
    /// Deadline, seconds: pledges while `now < end`.
    pub end: Timestamp,
    /// True once a successful round's raise asset has healed debt.
    #[serde(default)]
    pub settled: bool,
    pledges: BTreeMap<Address, Wad>,
}

impl PledgeRound {
    /// Opens round `id` for `target` at the oracle price `oracle` (RAY) less `p.discount`, until
    /// `now + p.duration`.
    pub fn open(
        id: u64,
        target: Wad,
        oracle: Ray,
        p: &PledgeParams,
        now: Timestamp,
    ) -> Result<Self> {
        if target < p.min_target || target.is_zero() {
            return Err(Error::TargetTooSmall { target: target.raw(), min: p.min_target.raw() });
        }
        let price = oracle.wmul(Wad::ONE.checked_sub(p.discount)?)?;
        if price.is_zero() {
            return Err(Error::InvalidPrice { price: price.raw() });
        }
        let end = crate::time_add(now, p.duration)?;
        Ok(Self {
            id,
            target,
            pledged: Wad::ZERO,
            price,
            end,
            settled: false,
            pledges: BTreeMap::new(),
        })
    }

    /// A round as read from its contract, with the pledges known to the reader (WAD each).
    pub fn restore(
        id: u64,
        target: Wad,
        pledged: Wad,
        price: Ray,
        end: Timestamp,
        settled: bool,
        pledges: impl IntoIterator<Item = (Address, Wad)>,
    ) -> Self {
        let pledges = pledges.into_iter().filter(|(_, w)| !w.is_zero()).collect();
        Self { id, target, pledged, price, end, settled, pledges }
    }

    /// The round's state at `now`.
    pub fn state(&self, now: Timestamp) -> RoundState {
        if self.pledged == self.target {
            RoundState::Succeeded
        } else if now >= self.end {
            RoundState::Failed
        } else {
            RoundState::Open
        }
    }

    /// What `who` pledged, WAD.
    pub fn pledge_of(&self, who: Address) -> Wad {
        self.pledges.get(&who).copied().unwrap_or_default()
    }

    /// `who` pledges up to `amount`: returns what is taken, `min(amount, target − pledged)` (the
    /// caller pulls it).
    pub fn pledge(&mut self, who: Address, amount: Wad, now: Timestamp) -> Result<Wad> {
        let take = self.check_pledge(amount, now)?;
        let mine = self.pledge_of(who).checked_add(take)?;
        self.pledged = self.pledged.checked_add(take)?;
        self.pledges.insert(who, mine);
        Ok(take)
    }

    /// What a pledge of `amount` at `now` would take, `min(amount, target − pledged)`, or why it
    /// is refused (`RoundNotOpen`, `ZeroShares`); nothing changes.
    pub fn check_pledge(&self, amount: Wad, now: Timestamp) -> Result<Wad> {
        if self.state(now) != RoundState::Open {
            return Err(Error::RoundNotOpen { id: self.id });
        }
        let take = amount.min(self.target.saturating_sub(self.pledged));
        if take.is_zero() {
            return Err(Error::ZeroShares);
        }
        Ok(take)
    }

    /// Pledgers with a pledge still to claim or refund, and the amounts, WAD.
    pub fn pledges(&self) -> impl Iterator<Item = (Address, Wad)> + '_ {
        self.pledges.iter().map(|(a, w)| (*a, *w))
    }

    /// Tokens `who` is owed after a success: `⌊pledge · RAY / price⌋`, WAD.
    pub fn tokens_for(&self, who: Address) -> Result<Wad> {
        self.pledge_of(who).rdiv(self.price)
    }

    /// After a success, `who` claims its tokens (the caller mints them); returns the amount.
    pub fn claim(&mut self, who: Address, now: Timestamp) -> Result<Wad> {
        if self.state(now) != RoundState::Succeeded {
            return Err(Error::RoundNotFinished { id: self.id, end: self.end });
        }
        let tokens = self.tokens_for(who)?;
        if self.pledges.remove(&who).is_none() {
            return Err(Error::NothingToClaim);
        }
        Ok(tokens)
    }

    /// After a failure, `who` takes its pledge back (the caller pays it); returns the amount.
    pub fn refund(&mut self, who: Address, now: Timestamp) -> Result<Wad> {
        if self.state(now) != RoundState::Failed {
            return Err(Error::RoundNotFinished { id: self.id, end: self.end });
        }
        self.pledges.remove(&who).ok_or(Error::NothingToClaim)
    }
}

/// A layer of the waterfall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// The accountant's surplus heals.
    Treasury,
    /// The staking vault is slashed above the offset.
    Staking,
    /// A pledge round before dilution.
    Pledge,
    /// Debt auctions.
    Auctions,
    /// What is left is written off.
    Socialise,
}

impl Layer {
    /// Every layer, in the usual order.
    pub const ALL: [Self; 5] =
        [Self::Treasury, Self::Staking, Self::Pledge, Self::Auctions, Self::Socialise];

    /// The name in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Treasury => "treasury",
            Self::Staking => "staking",
            Self::Pledge => "pledge",
            Self::Auctions => "auctions",
            Self::Socialise => "socialise",
        }
    }
}

/// Checks an order of layers: no layer twice, `socialise` only last, `treasury` before any layer
/// that slashes or mints.
pub fn validate_order(order: &[Layer]) -> Result<()> {
    for (i, l) in order.iter().enumerate() {
        if order[..i].contains(l) {
            return Err(Error::invalid("order", format!("{} appears twice", l.name())));
        }
        if *l == Layer::Socialise && i + 1 != order.len() {
            return Err(Error::invalid("order", "socialise must be the last layer"));
        }
        if *l == Layer::Treasury && i > 0 {
            return Err(Error::invalid(
                "order",
                format!(
                    "treasury after {}: the protocol's own surplus pays first",
                    order[0].name()
                ),
            ));
        }
    }
    Ok(())
}

/// Loss covered so far, by who paid, WAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Covered {
    /// Booked bad debt, in all.
    pub booked: Wad,
    /// Healed with the treasury's surplus.
    pub treasury: Wad,
    /// Slashed from stakers.
    pub slashed: Wad,
    /// Paid by pledgers of a successful round.
    pub pledged: Wad,
    /// Raised by debt auctions.
    pub auctioned: Wad,
    /// Written off.
    pub socialised: Wad,
    /// Healed with surplus outside the treasury step (a direct `heal`, or a flop healing the
    /// surplus below `sump`): the protocol's money too, but not in the contract's ledger.
    #[serde(default)]
    pub healed: Wad,
}

impl Covered {
    /// `treasury + slashed + pledged + auctioned + socialised + healed`.
    pub fn total(&self) -> Result<Wad> {
        [self.slashed, self.pledged, self.auctioned, self.socialised, self.healed]
            .into_iter()
            .try_fold(self.treasury, |s, x| s.checked_add(x))
    }
}

/// The waterfall's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaterfallParams {
    /// The layers, in order.
    pub order: Vec<Layer>,
    /// Free debt the protocol keeps before stakers are touched, WAD.
    pub offset: Wad,
    /// Seconds between two slashes.
    pub slash_interval: u64,
    /// Seconds after the first booking when what is free is socialised (0: never).
    pub deadline: u64,
    /// Governance tokens minted since the first booking beyond which no auction starts and what
    /// is free may be socialised at once, WAD (0: none).
    #[serde(default)]
    pub mint_cap: Wad,
}

/// The waterfall over one accountant: its order, the vault, the current round, the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waterfall {
    /// Parameters.
    pub params: WaterfallParams,
    /// The staking vault (with [`Layer::Staking`]).
    pub vault: Option<StakingVault>,
    /// The pledge layer's parameters (with [`Layer::Pledge`]).
    pub pledge: Option<PledgeParams>,
    /// The current or last pledge round.
    pub round: Option<PledgeRound>,
    /// Earlier rounds, by id: their pledgers still claim or refund.
    #[serde(default)]
    pub past_rounds: BTreeMap<u64, PledgeRound>,
    /// Who paid what.
    pub covered: Covered,
    last_slash: Option<Timestamp>,
    first_booking: Option<Timestamp>,
    rounds: u64,
    /// Bookings so far.
    #[serde(default)]
    bookings: u64,
    /// `bookings` when the last round opened: a round is due while it is lower.
    #[serde(default)]
    round_bookings: u64,
    /// Governance tokens minted since the first booking (auctions, claims, keeper rewards), WAD.
    #[serde(default)]
    minted: Wad,
}

impl Waterfall {
    /// A waterfall with its layers' parts; the order is validated and each layer it names must
    /// have its part.
    pub fn new(
        params: WaterfallParams,
        vault: Option<StakingVault>,
        pledge: Option<PledgeParams>,
    ) -> Result<Self> {
        validate_order(&params.order)?;
        if params.order.contains(&Layer::Staking) != vault.is_some() {
            return Err(Error::invalid("staking", "a staking layer needs a vault, and only it"));
        }
        if params.order.contains(&Layer::Pledge) != pledge.is_some() {
            return Err(Error::invalid(
                "pledge",
                "a pledge layer needs its parameters, and only it",
            ));
        }
        if let Some(p) = &pledge {
            p.validate()?;
        }
        Ok(Self {
            params,
            vault,
            pledge,
            round: None,
            past_rounds: BTreeMap::new(),
            covered: Covered::default(),
            last_slash: None,
            first_booking: None,
            rounds: 0,
            bookings: 0,
            round_bookings: 0,
            minted: Wad::ZERO,
        })
    }

    /// A waterfall as read from its contracts: the ledger (`covered`, with `auctioned` and
    /// `healed` as the reader counts them), the last slash and the first booking (seconds; 0 on
    /// chain is `None`), the number of rounds opened and the last one.
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        params: WaterfallParams,
        vault: Option<StakingVault>,
        pledge: Option<PledgeParams>,
        round: Option<PledgeRound>,
        covered: Covered,
        last_slash: Option<Timestamp>,
        first_booking: Option<Timestamp>,
        rounds: u64,
    ) -> Result<Self> {
        let mut w = Self::new(params, vault, pledge)?;
        w.round = round;
        w.covered = covered;
        w.last_slash = last_slash;
        w.first_booking = first_booking;
        w.rounds = rounds;
        Ok(w)
    }

    /// Rounds opened so far (the last one's id).
    pub fn rounds(&self) -> u64 {
        self.rounds
    }

    /// The same waterfall with the contract's booking counters: `bookings` so far, and
    /// `round_bookings`, their number when the last round opened.
    #[must_use]
    pub fn with_bookings(mut self, bookings: u64, round_bookings: u64) -> Self {
        self.bookings = bookings;
        self.round_bookings = round_bookings;
        self
    }

    /// The same waterfall with `minted` governance tokens (WAD) since the first booking, as the
    /// contract's `minted()` reads.
    #[must_use]
    pub fn with_minted(mut self, minted: Wad) -> Self {
        self.minted = minted;
        self
    }

    /// Governance tokens minted since the first booking, WAD.
    pub fn minted(&self) -> Wad {
        self.minted
    }

    /// `x` governance tokens (WAD) were minted (a deal, a take, a claim, a keeper reward):
    /// counted from the first booking on.
    pub fn note_minted(&mut self, x: Wad) -> Result<()> {
        if self.first_booking.is_some() {
            self.minted = self.minted.checked_add(x)?;
        }
        Ok(())
    }

    /// True once `minted ≥ mint_cap` with a cap set: no auction starts, and the socialise
    /// layer may act before the deadline.
    pub fn cap_reached(&self) -> bool {
        !self.params.mint_cap.is_zero() && self.minted >= self.params.mint_cap
    }

    /// `(bookings, round_bookings)`: bookings so far, and their number when the last round
    /// opened.
    pub fn bookings(&self) -> (u64, u64) {
        (self.bookings, self.round_bookings)
    }

    /// A pledge round is due: debt was booked since the last round opened, and the free debt
    /// above the offset is at least the round's `min_target` (and above 0). While one is due,
    /// the layers after the pledge layer wait; a round opens only when one is due.
    pub fn pledge_due(&self, acc: &Accountant) -> bool {
        let Some(p) = self.pledge else { return false };
        let target = acc.woe().saturating_sub(self.params.offset);
        self.bookings > self.round_bookings && !target.is_zero() && target >= p.min_target
    }

    fn position(&self, layer: Layer) -> Result<usize> {
        self.params.order.iter().position(|l| *l == layer).ok_or_else(|| Error::LayerNotReady {
            layer: layer.name().into(),
            reason: "not in this waterfall's order".into(),
        })
    }

    /// The open round, if one is open at `now`.
    pub fn open_round(&self, now: Timestamp) -> Option<&PledgeRound> {
        self.round.as_ref().filter(|r| r.state(now) == RoundState::Open)
    }

    /// Refuses `layer` while an earlier layer can still act (the treasury has surplus and there
    /// is free debt, the vault can be slashed) or a pledge round is open or met its target and
    /// is not settled (its target is reserved).
    fn ready(&self, layer: Layer, acc: &Accountant, surplus: Wad, now: Timestamp) -> Result<()> {
        let at = self.position(layer)?;
        let not = |reason: String| Error::LayerNotReady { layer: layer.name().into(), reason };
        if layer == Layer::Auctions && self.cap_reached() {
            return Err(not(format!(
                "{} governance tokens minted since the first booking, the cap is {}",
                self.minted, self.params.mint_cap
            )));
        }
        if let Some(r) = &self.round {
            match r.state(now) {
                RoundState::Open => {
                    return Err(not(format!("pledge round {} is open until {}", r.id, r.end)));
                }
                RoundState::Succeeded if !r.settled => {
                    return Err(not(format!("pledge round {} met its target: settle it", r.id)));
                }
                _ => {}
            }
        }
        for earlier in &self.params.order[..at] {
            match earlier {
                Layer::Treasury if !surplus.is_zero() && !acc.woe().is_zero() => {
                    return Err(not(format!("the treasury holds {surplus}")));
                }
                Layer::Staking if self.slashable(acc, now).is_ok_and(|x| !x.is_zero()) => {
                    return Err(not("the vault can be slashed".into()));
                }
                Layer::Pledge if self.pledge_due(acc) => {
                    return Err(not(
                        "a pledge round is due for the debt booked since the last".into()
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `tab` of bad debt enters the accountant's queue at `now`; returns the accountant's `Fess`.
    pub fn book(
        &mut self,
        acc: &mut Accountant,
        tab: Wad,
        now: Timestamp,
    ) -> Result<crate::AccountantEvent> {
        let booked = self.covered.booked.checked_add(tab)?;
        let ev = acc.fess(tab, now)?;
        self.covered.booked = booked;
        self.bookings = self.bookings.saturating_add(1);
        self.first_booking.get_or_insert(now);
        Ok(ev)
    }

    /// The treasury layer: heals `min(surplus, woe)`; returns it (the caller sends it to the
    /// sink).
    pub fn treasury(&mut self, acc: &mut Accountant, surplus: Wad, now: Timestamp) -> Result<Wad> {
        self.ready(Layer::Treasury, acc, surplus, now)?;
        let x = surplus.min(acc.woe());
        acc.heal(x, surplus)?;
        self.covered.treasury = self.covered.treasury.checked_add(x)?;
        Ok(x)
    }

    /// What a slash at `now` would ask of the vault: `woe − offset` (0 at or below the offset);
    /// an error if the vault cannot be slashed now (paused, too soon).
    pub fn slashable(&self, acc: &Accountant, now: Timestamp) -> Result<Wad> {
        let vault = self.vault.as_ref().ok_or_else(|| Error::LayerNotReady {
            layer: "staking".into(),
            reason: "no vault".into(),
        })?;
        if vault.is_paused() {
            return Err(Error::Paused);
        }
        if let Some(t) = self.last_slash {
            let next = t.saturating_add(self.params.slash_interval);
            if now < next {
                return Err(Error::SlashTooSoon { next });
            }
        }
        Ok(acc.woe().saturating_sub(self.params.offset).min(vault.slash_cap()?))
    }

    /// The staking layer: slashes the vault for the free debt above the offset (within its cap)
    /// and heals it; returns the amount (the caller moves it from the vault to the sink).
    pub fn slash(&mut self, acc: &mut Accountant, surplus: Wad, now: Timestamp) -> Result<Wad> {
        self.ready(Layer::Staking, acc, surplus, now)?;
        let ask = self.slashable(acc, now)?;
        let vault = self.vault.as_mut().ok_or(Error::NotConfigured)?;
        let slashed = vault.slash(ask)?;
        acc.heal(slashed, slashed)?;
        self.last_slash = Some(now);
        self.covered.slashed = self.covered.slashed.checked_add(slashed)?;
        Ok(slashed)
    }

    /// The pledge layer: opens a round for the free debt above the offset, at `oracle` (RAY) less
    /// the discount; returns its id.
    pub fn open_pledge(
        &mut self,
        acc: &Accountant,
        surplus: Wad,
        oracle: Ray,
        now: Timestamp,
    ) -> Result<u64> {
        self.ready(Layer::Pledge, acc, surplus, now)?;
        if self.bookings == self.round_bookings {
            return Err(Error::LayerNotReady {
                layer: Layer::Pledge.name().into(),
                reason: "no debt booked since the last round".into(),
            });
        }
        let p = self.pledge.ok_or(Error::NotConfigured)?;
        let target = acc.woe().saturating_sub(self.params.offset);
        let id = self.rounds.checked_add(1).ok_or(Error::Overflow)?;
        let round = PledgeRound::open(id, target, oracle, &p, now)?;
        self.rounds = id;
        self.round_bookings = self.bookings;
        if let Some(old) = self.round.replace(round) {
            self.past_rounds.insert(old.id, old);
        }
        Ok(id)
    }

    /// A pledge to the open round (see [`PledgeRound::pledge`]); returns what is taken.
    pub fn pledge(&mut self, who: Address, amount: Wad, now: Timestamp) -> Result<Wad> {
        let r = self.round.as_mut().ok_or(Error::RoundNotOpen { id: 0 })?;
        r.pledge(who, amount, now)
    }

    /// Round `id`, the current one or an earlier one; `RoundNotOpen(id)` for an id never opened.
    pub fn round_by_id(&self, id: u64) -> Result<&PledgeRound> {
        match &self.round {
            Some(r) if r.id == id => Ok(r),
            _ => self.past_rounds.get(&id).ok_or(Error::RoundNotOpen { id }),
        }
    }

    fn round_by_id_mut(&mut self, id: u64) -> Result<&mut PledgeRound> {
        match &mut self.round {
            Some(r) if r.id == id => Ok(r),
            _ => self.past_rounds.get_mut(&id).ok_or(Error::RoundNotOpen { id }),
        }
    }

    /// `who` claims its governance tokens of round `id` after a success (the caller mints them);
    /// returns the amount, WAD.
    pub fn claim(&mut self, who: Address, id: u64, now: Timestamp) -> Result<Wad> {
        self.round_by_id_mut(id)?.claim(who, now)
    }

    /// `who` takes its pledge to round `id` back after a failure (the caller pays it); returns
    /// the amount, WAD.
    pub fn refund(&mut self, who: Address, id: u64, now: Timestamp) -> Result<Wad> {
        self.round_by_id_mut(id)?.refund(who, now)
    }

    /// Surplus `x` healed outside the treasury step (a direct `heal`, a flop's heal).
    pub fn healed(&mut self, x: Wad) -> Result<()> {
        self.covered.healed = self.covered.healed.checked_add(x)?;
        Ok(())
    }

    /// The first booking's time, seconds.
    pub fn first_booking(&self) -> Option<Timestamp> {
        self.first_booking
    }

    /// The last slash's time, seconds.
    pub fn last_slash(&self) -> Option<Timestamp> {
        self.last_slash
    }

    /// Settles a round that met its target: its raise asset heals the free debt it was opened
    /// for; returns the amount (the caller moves it from the round to the sink).
    pub fn settle_pledge(&mut self, acc: &mut Accountant, now: Timestamp) -> Result<Wad> {
        let r = self.round.as_mut().ok_or(Error::RoundNotOpen { id: 0 })?;
        if r.state(now) != RoundState::Succeeded || r.settled {
            return Err(Error::RoundNotFinished { id: r.id, end: r.end });
        }
        let x = r.pledged.min(acc.woe());
        acc.heal(x, r.pledged)?;
        r.settled = true;
        self.covered.pledged = self.covered.pledged.checked_add(x)?;
        Ok(x)
    }

    /// True if the auctions may start now (no earlier layer can act, no round open or
    /// unsettled); the error says which layer is still due.
    pub fn auctions_ready(&self, acc: &Accountant, surplus: Wad, now: Timestamp) -> Result<()> {
        self.ready(Layer::Auctions, acc, surplus, now)
    }

    /// The auctions' hook: `k` of on-auction debt was cancelled by raised stablecoin (the
    /// accountant's `Settle` or `Kiss`).
    pub fn auctioned(&mut self, k: Wad) -> Result<()> {
        self.covered.auctioned = self.covered.auctioned.checked_add(k)?;
        Ok(())
    }

    /// When the socialisation layer may act: `deadline` seconds after the first booking.
    pub fn socialise_at(&self) -> Option<Timestamp> {
        (self.params.deadline != 0)
            .then(|| self.first_booking.map(|t| t.saturating_add(self.params.deadline)))
            .flatten()
    }

    /// The socialisation layer: after the deadline, writes off the free debt; returns it.
    pub fn socialise(&mut self, acc: &mut Accountant, surplus: Wad, now: Timestamp) -> Result<Wad> {
        self.ready(Layer::Socialise, acc, surplus, now)?;
        if !self.cap_reached() {
            let at = self.socialise_at().ok_or_else(|| Error::LayerNotReady {
                layer: "socialise".into(),
                reason: "no deadline, or nothing booked".into(),
            })?;
            if now < at {
                return Err(Error::LayerNotReady {
                    layer: "socialise".into(),
                    reason: format!("the deadline is {at}"),
                });
            }
        }
        let x = acc.woe();
        acc.write_off(x)?;
        self.covered.socialised = self.covered.socialised.checked_add(x)?;
        Ok(x)
    }

    /// `booked − covered − outstanding`: zero when every wei is accounted for.
    pub fn unaccounted(&self, acc: &Accountant) -> Result<Wad> {
        let accounted = self.covered.total()?.checked_add(acc.debt())?;
        self.covered.booked.checked_sub(accounted)
    }
}

/// What the waterfall's contracts emit, in the order they emit it (`Waterfall`, `StakingVault`,
/// `PledgeRound`). Amounts WAD of the raise asset unless stated; prices RAY; times seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum WaterfallEvent {
    /// `Book(tab)`: bad debt entered the accountant's queue through the waterfall.
    Book {
        /// WAD.
        tab: Wad,
    },
    /// `Covered(layer, amount)`: a layer covered `amount`.
    Covered {
        /// The layer.
        layer: Layer,
        /// WAD.
        amount: Wad,
    },
    /// `Deposit(sender, owner, assets, shares)` with sender = owner.
    Deposit {
        /// The staker.
        who: Address,
        /// WAD of the raise asset.
        assets: Wad,
        /// WAD of shares.
        shares: Wad,
    },
    /// `Withdraw(sender, receiver, owner, assets, shares)` with all three the staker.
    Withdraw {
        /// The staker.
        who: Address,
        /// WAD of the raise asset.
        assets: Wad,
        /// WAD of shares.
        shares: Wad,
    },
    /// `Cooldown(who, shares)`.
    Cooldown {
        /// The staker.
        who: Address,
        /// WAD of shares recorded.
        shares: Wad,
    },
    /// `Slash(asked, slashed, to)`, to the accountant.
    Slash {
        /// WAD asked.
        asked: Wad,
        /// WAD taken.
        slashed: Wad,
    },
    /// `Reward(from, amount)`.
    Reward {
        /// Who paid it.
        from: Address,
        /// WAD.
        amount: Wad,
    },
    /// `Pause(paused)`.
    Pause {
        /// True when paused.
        paused: bool,
    },
    /// `Open(id, target, price, end)`.
    Open {
        /// Round id.
        id: u64,
        /// WAD.
        target: Wad,
        /// RAY.
        price: Ray,
        /// Seconds.
        end: Timestamp,
    },
    /// `Pledge(id, who, amount)`.
    Pledge {
        /// Round id.
        id: u64,
        /// The pledger.
        who: Address,
        /// WAD taken.
        amount: Wad,
    },
    /// `Claim(id, who, tokens)`.
    Claim {
        /// Round id.
        id: u64,
        /// The pledger.
        who: Address,
        /// WAD of governance tokens minted.
        tokens: Wad,
    },
    /// `Refund(id, who, amount)`.
    Refund {
        /// Round id.
        id: u64,
        /// The pledger.
        who: Address,
        /// WAD paid back.
        amount: Wad,
    },
    /// `Settle(id, amount)`: the round's asset went to the accountant.
    Settle {
        /// Round id.
        id: u64,
        /// WAD.
        amount: Wad,
    },
}

/// A waterfall as a file declares it (`[waterfall]`, with `[waterfall.staking]` and
/// `[waterfall.pledge]` for those layers). Amounts are human decimals (WAD), times seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaterfallConfig {
    /// The layers, in order.
    pub order: Vec<Layer>,
    /// Free debt the protocol keeps before stakers are touched, WAD.
    #[serde(default)]
    pub offset: Wad,
    /// Seconds between two slashes.
    #[serde(default)]
    pub slash_interval: u64,
    /// Seconds after the first booking when what is free is socialised (0: never).
    #[serde(default)]
    pub deadline: u64,
    /// Governance tokens minted since the first booking beyond which no auction starts and what
    /// is free may be socialised at once, WAD (0: none).
    #[serde(default)]
    pub mint_cap: Wad,
    /// The staking vault (with the staking layer).
    #[serde(default)]
    pub staking: Option<VaultParams>,
    /// The pledge round (with the pledge layer).
    #[serde(default)]
    pub pledge: Option<PledgeParams>,
}

/// One danger of a waterfall's parameters: what can go wrong, and the numbers that say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Danger {
    /// A short name (`stakers-escape`).
    pub kind: &'static str,
    /// What happens, with the parameters' values.
    pub what: String,
}

impl WaterfallConfig {
    /// The waterfall this file declares, every rule checked (the error names the field).
    pub fn build(&self) -> Result<Waterfall> {
        let vault = self.staking.map(StakingVault::new).transpose()?;
        Waterfall::new(
            WaterfallParams {
                order: self.order.clone(),
                offset: self.offset,
                slash_interval: self.slash_interval,
                deadline: self.deadline,
                mint_cap: self.mint_cap,
            },
            vault,
            self.pledge,
        )
    }

    /// What can go wrong with these parameters when a loss is booked with the accountant's queue
    /// delay `wait` (seconds) and auctions take `auction_time` seconds from the first kick to the
    /// last deal: stakers who see the loss coming and leave before they can be slashed, layers
    /// that never pay, a deadline that socialises before the auctions could finish.
    pub fn dangers(&self, wait: u64, auction_time: u64) -> Vec<Danger> {
        let mut out = Vec::new();
        let mut d = |kind: &'static str, what: String| out.push(Danger { kind, what });
        let has = |l: Layer| self.order.contains(&l);
        if let Some(v) = &self.staking {
            // A staker who starts its cooldown when the loss is booked is out by
            // `cooldown + window`; the first slash is possible once the debt is free (`wait`).
            if v.cooldown < wait {
                d(
                    "stakers-escape",
                    format!(
                        "cooldown {} s is shorter than the queue delay wait {} s: a staker who starts its cooldown when the loss is booked can leave before the debt can be slashed",
                        v.cooldown, wait
                    ),
                );
            }
            if v.max_slash.is_zero() {
                d(
                    "stakers-never-pay",
                    "maxSlash is 0: the staking layer never covers anything".into(),
                );
            }
            if v.cooldown == 0 {
                d(
                    "no-cooldown",
                    "cooldown 0: stakers leave the moment a loss appears (only a pause holds them, and a pause also stops the slash)".into(),
                );
            }
        }
        if has(Layer::Staking) && self.slash_interval == 0 {
            d(
                "slash-repeats",
                "slash_interval 0: slashes repeat block after block, each up to maxSlash of what is left".into(),
            );
        }
        if has(Layer::Auctions)
            && self.deadline != 0
            && self.deadline < wait.saturating_add(auction_time)
        {
            d(
                "early-socialisation",
                format!(
                    "deadline {} s is shorter than the queue delay and the auctions ({} + {} s): depositors are written down while the auctions could still cover the loss",
                    self.deadline, wait, auction_time
                ),
            );
        }
        if let Some(p) = &self.pledge
            && self.deadline != 0
            && p.duration >= self.deadline
        {
            d(
                "round-outlives-deadline",
                format!(
                    "a pledge round of {} s does not close before the deadline {} s",
                    p.duration, self.deadline
                ),
            );
        }
        if !has(Layer::Socialise) && !has(Layer::Auctions) {
            d(
                "debt-left-on-the-books",
                "neither auctions nor socialisation: what the first layers do not cover stays on the books".into(),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountantParams;
    use proptest::prelude::*;

    fn w(n: u64) -> Wad {
        Wad::from_units(n)
    }
    fn who(i: u8) -> Address {
        Address::repeat_byte(0x10 + (i % 3))
    }

    #[test]
    fn a_file_declares_a_waterfall_and_its_dangers() {
        let text = r#"
            order = ["treasury", "staking", "auctions", "socialise"]
            offset = "100000"
            slash_interval = 86400
            deadline = 600000
            [staking]
            cooldown = 86400
            window = 172800
            max_slash = "0.3"
        "#;
        let cfg: WaterfallConfig = toml::from_str(text).unwrap();
        assert!(cfg.build().is_ok());
        // Umbrella's 20-day cooldown against a 6.5-day queue: no escape. A one-day cooldown: escape.
        let kinds = |c: &WaterfallConfig| -> Vec<&str> {
            c.dangers(561_600, 259_200).iter().map(|d| d.kind).collect()
        };
        assert_eq!(kinds(&cfg), ["stakers-escape", "early-socialisation"]);
        let mut safe = cfg.clone();
        safe.staking.as_mut().unwrap().cooldown = 20 * 86_400;
        safe.deadline = 30 * 86_400;
        assert!(kinds(&safe).is_empty());
        // A layer named without its part is refused, with the field.
        let mut bad = cfg;
        bad.staking = None;
        assert!(matches!(bad.build(), Err(Error::InvalidParam { what, .. }) if what == "staking"));
        assert!(
            toml::from_str::<WaterfallConfig>("order = [\"auctions\", \"treasury\"]")
                .unwrap()
                .build()
                .is_err()
        );
    }

    #[test]
    fn orders_are_validated() {
        use Layer::*;
        assert!(validate_order(&[Treasury, Staking, Pledge, Auctions, Socialise]).is_ok());
        assert!(validate_order(&[Staking, Auctions]).is_ok());
        assert!(validate_order(&[Auctions, Treasury]).is_err());
        assert!(validate_order(&[Treasury, Socialise, Auctions]).is_err());
        assert!(validate_order(&[Treasury, Auctions, Auctions]).is_err());
    }

    #[test]
    fn the_vault_rounds_for_itself_and_keeps_its_window() {
        let p = VaultParams {
            cooldown: 100,
            window: 10,
            max_slash: w(1)
                .wmul(Wad::from_raw(U256::from(3u64) * U256::from(10u64).pow(U256::from(17u64))))
                .unwrap(),
        };
        let mut v = StakingVault::new(p).unwrap();
        let a = who(0);
        assert_eq!(v.deposit(a, w(1_000)).unwrap(), w(1_000));
        // A slash of 30% at most; share price falls for everyone.
        assert_eq!(v.slash(w(1_000)).unwrap(), w(300));
        assert_eq!(v.total_assets(), w(700));
        // No exit without a cooldown, before the window, or after it.
        assert!(matches!(v.redeem(a, w(1), 0), Err(Error::NotInUnstakeWindow { .. })));
        v.cooldown(a, 50);
        assert!(v.redeem(a, w(1), 149).is_err());
        assert!(v.redeem(a, w(1), 161).is_err());
        // In the window, at most the recorded shares; what it gets rounds down.
        let got = v.redeem(a, w(500), 150).unwrap();
        assert!(got <= w(350));
        assert!(matches!(v.redeem(a, w(501), 160), Err(Error::AboveCooldownShares { .. })));
        // Paused: no slash, no exit.
        v.pause();
        assert_eq!(v.slash(w(1)), Err(Error::Paused));
        assert_eq!(v.redeem(a, w(1), 155), Err(Error::Paused));
    }

    #[test]
    fn a_round_is_all_or_nothing() {
        let p = PledgeParams {
            discount: Wad::from_raw(U256::from(10u64).pow(U256::from(17u64))),
            duration: 100,
            min_target: w(10),
        };
        let price = Ray::from_raw(U256::from(200u64) * crate::math::RAY);
        let mut r = PledgeRound::open(1, w(1_000), price, &p, 0).unwrap();
        assert_eq!(r.price, Ray::from_raw(U256::from(180u64) * crate::math::RAY));
        assert_eq!(r.pledge(who(0), w(600), 10).unwrap(), w(600));
        assert_eq!(r.pledge(who(1), w(600), 20).unwrap(), w(400), "capped at the target");
        assert_eq!(r.state(20), RoundState::Succeeded);
        assert!(r.refund(who(0), 200).is_err(), "no refund after a success");
        assert_eq!(r.claim(who(0), 30).unwrap(), w(600).rdiv(r.price).unwrap());
        assert_eq!(r.claim(who(0), 30), Err(Error::NothingToClaim));
        let mut f = PledgeRound::open(2, w(1_000), price, &p, 0).unwrap();
        f.pledge(who(2), w(999), 99).unwrap();
        assert!(f.refund(who(2), 99).is_err(), "binding until the deadline");
        assert_eq!(f.state(100), RoundState::Failed);
        assert_eq!(f.refund(who(2), 100).unwrap(), w(999));
        assert!(f.claim(who(2), 100).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Book(u16),
        Income(u16),
        Deposit(u8, u16),
        Cooldown(u8),
        Redeem(u8, u8),
        Pause(bool),
        Reward(u16),
        Warp(u32),
        Treasury,
        Slash,
        Open,
        Pledge(u8, u16),
        Settle,
        Refund(u8),
        Claim(u8),
        Flop,
        Raise(u8),
        Socialise,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1u16..2_000).prop_map(Op::Book),
            (1u16..500).prop_map(Op::Income),
            (any::<u8>(), 1u16..2_000).prop_map(|(a, x)| Op::Deposit(a, x)),
            any::<u8>().prop_map(Op::Cooldown),
            (any::<u8>(), 1u8..=100).prop_map(|(a, f)| Op::Redeem(a, f)),
            any::<bool>().prop_map(Op::Pause),
            (1u16..100).prop_map(Op::Reward),
            (1u32..200_000).prop_map(Op::Warp),
            Just(Op::Treasury),
            Just(Op::Slash),
            Just(Op::Open),
            (any::<u8>(), 1u16..3_000).prop_map(|(a, x)| Op::Pledge(a, x)),
            Just(Op::Settle),
            any::<u8>().prop_map(Op::Refund),
            any::<u8>().prop_map(Op::Claim),
            Just(Op::Flop),
            (1u8..=100).prop_map(Op::Raise),
            Just(Op::Socialise),
        ]
    }

    fn orders() -> impl Strategy<Value = Vec<Layer>> {
        use Layer::*;
        prop_oneof![
            Just(vec![Treasury, Staking, Pledge, Auctions, Socialise]),
            Just(vec![Treasury, Pledge, Auctions, Socialise]),
            Just(vec![Treasury, Staking, Auctions]),
            Just(vec![Treasury, Auctions, Socialise]),
            Just(vec![Staking, Pledge, Auctions]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Whatever the order, the parameters and the sequence of actions: booked debt equals
        /// what each layer covered plus what is outstanding, to the wei; the vault's assets are
        /// what came in less what left; no slash takes more than its cap; a round mints at most
        /// its target at its price.
        #[test]
        fn every_wei_of_booked_debt_is_accounted_for(
            order in orders(),
            offset in 0u16..500,
            max_slash_pct in 0u64..=100,
            ops in prop::collection::vec(op(), 1..120),
        ) {
            let params = AccountantParams { wait: 0, sump: w(300), dump: w(10) };
            let mut acc = Accountant::new(params).unwrap();
            let vault = order.contains(&Layer::Staking).then(|| {
                StakingVault::new(VaultParams {
                    cooldown: 1_000,
                    window: 500,
                    max_slash: Wad::from_raw(U256::from(max_slash_pct) * U256::from(10u64).pow(U256::from(16u64))),
                }).unwrap()
            });
            let pledge = order.contains(&Layer::Pledge).then_some(PledgeParams {
                discount: Wad::from_raw(U256::from(10u64).pow(U256::from(17u64))),
                duration: 5_000,
                min_target: w(1),
            });
            let wp = WaterfallParams { order, offset: w(u64::from(offset)), slash_interval: 600, deadline: 400_000, mint_cap: Wad::ZERO };
            let mut wf = Waterfall::new(wp, vault, pledge).unwrap();
            let (mut now, mut surplus) = (1_000u64, Wad::ZERO);
            // The vault's assets from its own ledger of flows.
            let (mut vin, mut vout) = (Wad::ZERO, Wad::ZERO);
            let mut minted = Wad::ZERO;
            let price = Ray::from_raw(U256::from(250u64) * crate::math::RAY);
            for o in ops {
                match o {
                    Op::Book(x) => {
                        wf.book(&mut acc, w(u64::from(x)), now).unwrap();
                        // Released at once (wait 0).
                        acc.flog(now, now).unwrap();
                    }
                    Op::Income(x) => surplus = surplus.checked_add(w(u64::from(x))).unwrap(),
                    Op::Deposit(a, x) => {
                        if let Some(v) = wf.vault.as_mut()
                            && v.deposit(who(a), w(u64::from(x))).is_ok()
                        {
                            vin = vin.checked_add(w(u64::from(x))).unwrap();
                        }
                    }
                    Op::Cooldown(a) => {
                        if let Some(v) = wf.vault.as_mut() {
                            v.cooldown(who(a), now);
                        }
                    }
                    Op::Redeem(a, f) => {
                        if let Some(v) = wf.vault.as_mut() {
                            let s = Wad::from_raw(v.shares_of(who(a)).raw() * U256::from(f) / U256::from(100u8));
                            if let Ok(x) = v.redeem(who(a), s, now) {
                                vout = vout.checked_add(x).unwrap();
                            }
                        }
                    }
                    Op::Pause(p) => {
                        if let Some(v) = wf.vault.as_mut() {
                            if p { v.pause() } else { v.unpause() }
                        }
                    }
                    Op::Reward(x) => {
                        if let Some(v) = wf.vault.as_mut() {
                            v.reward(w(u64::from(x))).unwrap();
                            vin = vin.checked_add(w(u64::from(x))).unwrap();
                        }
                    }
                    Op::Warp(dt) => now += u64::from(dt),
                    Op::Treasury => {
                        if let Ok(x) = wf.treasury(&mut acc, surplus, now) {
                            surplus = surplus.checked_sub(x).unwrap();
                        }
                    }
                    Op::Slash => {
                        let cap = wf.vault.as_ref().map(|v| v.slash_cap().unwrap());
                        if let Ok(x) = wf.slash(&mut acc, surplus, now) {
                            prop_assert!(x <= cap.unwrap(), "slash above its cap");
                            vout = vout.checked_add(x).unwrap();
                        }
                    }
                    Op::Open => {
                        let _ = wf.open_pledge(&acc, surplus, price, now);
                    }
                    Op::Pledge(a, x) => {
                        let _ = wf.pledge(who(a), w(u64::from(x)), now);
                    }
                    Op::Settle => {
                        let _ = wf.settle_pledge(&mut acc, now);
                    }
                    Op::Refund(a) => {
                        if let Some(r) = wf.round.as_mut() {
                            let _ = r.refund(who(a), now);
                        }
                    }
                    Op::Claim(a) => {
                        if let Some(r) = wf.round.as_mut()
                            && let Ok(t) = r.claim(who(a), now)
                        {
                            minted = minted.checked_add(t).unwrap();
                            let most = r.target.rdiv(r.price).unwrap();
                            prop_assert!(t <= most);
                        }
                    }
                    Op::Flop => {
                        if wf.auctions_ready(&acc, surplus, now).is_ok() && surplus.is_zero() {
                            let _ = acc.flop(surplus);
                        }
                    }
                    Op::Raise(f) => {
                        let k = Wad::from_raw(acc.ash().raw() * U256::from(f) / U256::from(100u8));
                        if !k.is_zero() {
                            acc.settle(k);
                            wf.auctioned(k).unwrap();
                        }
                    }
                    Op::Socialise => {
                        let _ = wf.socialise(&mut acc, surplus, now);
                    }
                }
                prop_assert_eq!(wf.unaccounted(&acc), Ok(Wad::ZERO), "booked {:?} debt {}", wf.covered, acc.debt());
                if let Some(v) = &wf.vault {
                    prop_assert_eq!(Ok(v.total_assets()), vin.checked_sub(vout));
                }
            }
        }
    }
}
