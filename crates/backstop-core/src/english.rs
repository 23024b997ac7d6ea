//! English debt auction (dss Flopper semantics): a fixed stablecoin raise `bid`, a shrinking lot of
//! governance tokens.
//!
//! ```text
//!   kick ──► Open (tic = 0) ──dent──► Bidding (now < tic, now < end) ──dent──► …
//!              │ now ≥ end                          │ now ≥ tic or now ≥ end
//!              ▼                                    ▼
//!            tick: lot · pad, end = now + tau      deal: mint lot to guy, delete
//! ```
//!
//! A bid `dent(id, lot', bid)` keeps `bid` and asks for fewer tokens: `lot' < lot` and
//! `beg · lot' ≤ lot · WAD`. The new bidder repays the previous one `bid` in full; the first bid pays
//! the accountant. Bidding never extends `end`, so an auction with a bid is dealable by `end`.
//!
//! Two protections dss lacks, both off by default: an opening lot sized from the oracle price
//! ([`LotSizing::Oracle`]) and a dilution bound (`floor` price, `max_ticks`).
//!
//! The house is pure: [`EnglishHouse::check_dent`] validates without changing anything (a keeper's
//! pre-flight), [`EnglishHouse::dent`] validates and applies. Token movements are returned as
//! [`DentPayment`] for the caller (the [`crate::System`]) to carry out.

use crate::{
    Rules, Timestamp,
    error::{Error, Result},
    math::{Ray, Wad, fits_u128, mul_128_64},
    time_add,
};
use alloy_primitives::{Address, U256};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// How the opening lot of an auction is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LotSizing {
    /// The accountant's fixed `dump` (dss).
    #[default]
    Fixed,
    /// `bid / (price · (1 − discount))` from the oracle price (Reflexer GEB style).
    Oracle,
}

impl LotSizing {
    /// The contract's encoding (`sizing` = 0 or 1).
    pub fn code(self) -> u8 {
        match self {
            Self::Fixed => 0,
            Self::Oracle => 1,
        }
    }
    /// From the contract's encoding.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(Self::Fixed),
            1 => Some(Self::Oracle),
            _ => None,
        }
    }
}

/// Parameters of the English debt auction house.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnglishParams {
    /// Minimum lot decrease per bid, WAD: `beg · lot' ≤ lot · WAD`. `1 < beg ≤ 10`.
    pub beg: Wad,
    /// Lot increase on `tick`, WAD. `1 ≤ pad ≤ 10`.
    pub pad: Wad,
    /// Bid lifetime, seconds. `0 < ttl ≤ tau`.
    pub ttl: u64,
    /// Auction length, seconds. `0 < tau ≤ MAX_DURATION`.
    pub tau: u64,
    /// Opening-lot rule.
    #[serde(default)]
    pub sizing: LotSizing,
    /// Discount to the oracle price for [`LotSizing::Oracle`], WAD. `< 1`.
    #[serde(default)]
    pub discount: Wad,
    /// Price floor, RAY (stablecoin per token): no lot implies a lower price. 0 = off.
    #[serde(default)]
    pub floor: Ray,
    /// Ticks that grow the lot; later ticks only restart. 0 = unlimited, `≤ 65,535`.
    #[serde(default)]
    pub max_ticks: u16,
}

impl Default for EnglishParams {
    /// The contract's defaults (dss Flopper's): beg 1.05, pad 1.5, ttl 3 h, tau 2 days.
    fn default() -> Self {
        Self {
            beg: Wad::from_raw(U256::from(1_050_000_000_000_000_000u64)),
            pad: Wad::from_raw(U256::from(1_500_000_000_000_000_000u64)),
            ttl: 3 * 3600,
            tau: 2 * 86400,
            sizing: LotSizing::Fixed,
            discount: Wad::ZERO,
            floor: Ray::ZERO,
            max_ticks: 0,
        }
    }
}

/// One parameter change, as `file(what, data)` on the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", content = "data", rename_all = "camelCase")]
pub enum EnglishParam {
    /// `beg`, WAD.
    Beg(Wad),
    /// `pad`, WAD.
    Pad(Wad),
    /// `ttl`, seconds.
    Ttl(u64),
    /// `tau`, seconds.
    Tau(u64),
    /// `sizing`.
    Sizing(LotSizing),
    /// `discount`, WAD.
    Discount(Wad),
    /// `floor`, RAY.
    Floor(Ray),
    /// `maxTicks`.
    MaxTicks(u16),
}

impl EnglishParam {
    /// The contract's parameter name (`bytes32` of `file`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Beg(_) => "beg",
            Self::Pad(_) => "pad",
            Self::Ttl(_) => "ttl",
            Self::Tau(_) => "tau",
            Self::Sizing(_) => "sizing",
            Self::Discount(_) => "discount",
            Self::Floor(_) => "floor",
            Self::MaxTicks(_) => "maxTicks",
        }
    }
    /// The raw `uint256` the contract's `file` receives.
    pub fn raw(&self) -> U256 {
        match *self {
            Self::Beg(w) | Self::Pad(w) | Self::Discount(w) => w.raw(),
            Self::Ttl(s) | Self::Tau(s) => U256::from(s),
            Self::Sizing(s) => U256::from(s.code()),
            Self::Floor(r) => r.raw(),
            Self::MaxTicks(n) => U256::from(n),
        }
    }
}

impl EnglishParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        check_beg(self.beg)?;
        check_pad(self.pad)?;
        check_tau(self.tau)?;
        check_ttl(self.ttl, self.tau)?;
        check_discount(self.discount)?;
        Ok(())
    }

    /// Applies one change after validating it against the current values (`ttl ≤ tau`).
    pub fn file(&mut self, change: EnglishParam) -> Result<()> {
        match change {
            EnglishParam::Beg(v) => check_beg(v).map(|()| self.beg = v),
            EnglishParam::Pad(v) => check_pad(v).map(|()| self.pad = v),
            EnglishParam::Ttl(v) => check_ttl(v, self.tau).map(|()| self.ttl = v),
            EnglishParam::Tau(v) => {
                check_tau(v)?;
                if self.ttl > v {
                    return Err(Error::invalid(
                        "tau",
                        format!("{v} s is below ttl {} s", self.ttl),
                    ));
                }
                self.tau = v;
                Ok(())
            }
            EnglishParam::Sizing(v) => {
                self.sizing = v;
                Ok(())
            }
            EnglishParam::Discount(v) => check_discount(v).map(|()| self.discount = v),
            EnglishParam::Floor(v) => {
                self.floor = v;
                Ok(())
            }
            EnglishParam::MaxTicks(v) => {
                self.max_ticks = v;
                Ok(())
            }
        }
    }
}

fn check_beg(beg: Wad) -> Result<()> {
    if beg <= Wad::ONE || beg > Wad::from_units(10) {
        return Err(Error::invalid("beg", format!("{beg} must be in (1, 10]")));
    }
    Ok(())
}
fn check_pad(pad: Wad) -> Result<()> {
    if pad < Wad::ONE || pad > Wad::from_units(10) {
        return Err(Error::invalid("pad", format!("{pad} must be in [1, 10]")));
    }
    Ok(())
}
fn check_tau(tau: u64) -> Result<()> {
    if tau == 0 || tau > crate::MAX_DURATION {
        return Err(Error::invalid(
            "tau",
            format!("{tau} s must be in (0, {} s]", crate::MAX_DURATION),
        ));
    }
    Ok(())
}
fn check_ttl(ttl: u64, tau: u64) -> Result<()> {
    if ttl == 0 || ttl > tau {
        return Err(Error::invalid("ttl", format!("{ttl} s must be in (0, tau = {tau} s]")));
    }
    Ok(())
}
fn check_discount(d: Wad) -> Result<()> {
    if d >= Wad::ONE {
        return Err(Error::invalid("discount", format!("{d} must be below 1")));
    }
    Ok(())
}

/// One English auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnglishAuction {
    /// Fixed stablecoin raise, WAD.
    pub bid: Wad,
    /// Governance tokens the high bidder receives, WAD.
    pub lot: Wad,
    /// High bidder; the `gal` (the accountant) until the first bid.
    pub guy: Address,
    /// Bid expiry, seconds; 0 = no bid yet.
    pub tic: Timestamp,
    /// Auction expiry, seconds.
    pub end: Timestamp,
    /// Ticks that grew the lot so far (saturates at 65,535).
    pub ticks: u16,
}

impl EnglishAuction {
    /// True once somebody has bid.
    pub fn has_bid(&self) -> bool {
        self.tic != 0
    }
    /// True if bids are accepted at `now` (the house being live aside).
    pub fn is_biddable(&self, now: Timestamp) -> bool {
        (self.tic == 0 || now < self.tic) && now < self.end
    }
    /// True if `deal` passes at `now` under Backstop's rules.
    pub fn is_dealable(&self, now: Timestamp) -> bool {
        self.is_dealable_under(Rules::Backstop, now)
    }
    /// True if `deal` passes at `now` under `rules` (the house being live aside).
    pub fn is_dealable_under(&self, rules: Rules, now: Timestamp) -> bool {
        self.tic != 0 && (rules.closed(now, self.tic) || rules.closed(now, self.end))
    }
    /// True if `tick` passes at `now` under Backstop's rules.
    pub fn is_tickable(&self, now: Timestamp) -> bool {
        self.is_tickable_under(Rules::Backstop, now)
    }
    /// True if `tick` passes at `now` under `rules`.
    pub fn is_tickable_under(&self, rules: Rules, now: Timestamp) -> bool {
        self.tic == 0 && rules.closed(now, self.end)
    }
    /// When the auction's status next changes by time alone under Backstop's rules: the current
    /// bid expiring or the auction ending, whichever is first; `None` if it is already finished
    /// (dealable or tickable).
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.next_change_under(Rules::Backstop, now)
    }
    /// [`Self::next_change`] under `rules`. Under dss the auction stops taking bids at the close
    /// and can be dealt or ticked one second later: both are changes.
    pub fn next_change_under(&self, rules: Rules, now: Timestamp) -> Option<Timestamp> {
        let closes = if self.tic == 0 { self.end } else { self.tic.min(self.end) };
        if now < closes {
            Some(closes)
        } else {
            let done = rules.closes_at(closes);
            (now < done).then_some(done)
        }
    }
    /// Seconds until [`Self::next_change`], 0 if it has happened.
    pub fn time_until_change(&self, now: Timestamp) -> u64 {
        self.next_change(now).map_or(0, |t| t - now)
    }
    /// Price the current lot implies: `bid · RAY / lot` (stablecoin per token, RAY).
    pub fn implied_price(&self) -> Result<Ray> {
        Ray::ratio(self.bid, self.lot)
    }
}

/// Events of the English house (the contract's events, same fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum EnglishEvent {
    /// An auction started.
    Kick {
        /// Auction id.
        id: u64,
        /// Opening lot, WAD.
        lot: Wad,
        /// Fixed raise, WAD.
        bid: Wad,
        /// Beneficiary of the first bid (the accountant).
        gal: Address,
        /// Auction expiry, seconds.
        end: Timestamp,
    },
    /// A bid was accepted.
    Dent {
        /// Auction id.
        id: u64,
        /// New high bidder.
        guy: Address,
        /// New lot, WAD.
        lot: Wad,
        /// The raise, WAD.
        bid: Wad,
        /// Bid expiry, seconds.
        tic: Timestamp,
    },
    /// An auction settled: `lot` minted to `guy`.
    Deal {
        /// Auction id.
        id: u64,
        /// Winner.
        guy: Address,
        /// Tokens minted, WAD.
        lot: Wad,
    },
    /// An unbid auction restarted.
    Tick {
        /// Auction id.
        id: u64,
        /// New lot, WAD.
        lot: Wad,
        /// New expiry, seconds.
        end: Timestamp,
    },
    /// The house was caged.
    Cage,
    /// An auction was removed after cage.
    Yank {
        /// Auction id.
        id: u64,
    },
    /// An outbid bidder could not be repaid by push (a blocklisted or refusing recipient): the
    /// house holds its bid as a credit. Never produced by the model, whose ledger is a supported
    /// token (every push succeeds).
    Credit {
        /// The outbid bidder.
        usr: Address,
        /// WAD.
        amount: Wad,
    },
    /// A credit was withdrawn.
    Claim {
        /// The bidder.
        usr: Address,
        /// Recipient.
        to: Address,
        /// WAD.
        amount: Wad,
    },
}

/// Stablecoin movement a bid causes; the caller carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DentPayment {
    /// The first bid: `bid` goes to the accountant side (the sink for the part that cancels
    /// on-auction debt, the accountant for the rest).
    First {
        /// WAD.
        bid: Wad,
    },
    /// An outbid: the new bidder repays the previous high bidder `bid` (pushed; with a supported
    /// token the push never fails, so the contract's fallback credit is not modelled).
    Outbid {
        /// The previous high bidder.
        to: Address,
        /// WAD.
        bid: Wad,
    },
    /// The high bidder lowered its own lot: nothing moves.
    None,
}

/// A validated bid, ready to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DentPlan {
    /// Auction id.
    pub id: u64,
    /// Bidder.
    pub guy: Address,
    /// New lot, WAD.
    pub lot: Wad,
    /// The raise, WAD.
    pub bid: Wad,
    /// New bid expiry, seconds.
    pub tic: Timestamp,
    /// What the bidder pays, and to whom.
    pub payment: DentPayment,
}

/// The English auction house: parameters, live auctions by id, the kick counter and `live`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnglishHouse {
    /// Parameters (read at every action, as in dss).
    pub params: EnglishParams,
    auctions: FxHashMap<u64, EnglishAuction>,
    kicks: u64,
    live: bool,
    /// Credits of outbid bidders the push could not repay (WAD); empty in the model.
    #[serde(default)]
    claimable: FxHashMap<Address, Wad>,
    /// The contract set's edges (windows, zero kicks, storage widths).
    #[serde(default)]
    rules: Rules,
}

impl EnglishHouse {
    /// A live house with validated parameters.
    pub fn new(params: EnglishParams) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            auctions: FxHashMap::default(),
            kicks: 0,
            live: true,
            claimable: FxHashMap::default(),
            rules: Rules::Backstop,
        })
    }

    /// A house as read back from a chain: parameters, the kick counter, `live`, and the auctions
    /// that exist (by id).
    pub fn restore(
        params: EnglishParams,
        kicks: u64,
        live: bool,
        auctions: impl IntoIterator<Item = (u64, EnglishAuction)>,
    ) -> Self {
        Self {
            params,
            auctions: auctions.into_iter().collect(),
            kicks,
            live,
            claimable: FxHashMap::default(),
            rules: Rules::Backstop,
        }
    }

    /// The same house under `rules`.
    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// The contract set's edges the house applies.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// True if `deal` of `a` passes at `now` under the house's rules (liveness aside).
    pub fn dealable(&self, a: &EnglishAuction, now: Timestamp) -> bool {
        a.is_dealable_under(self.rules, now)
    }

    /// True if `tick` of `a` passes at `now` under the house's rules.
    pub fn tickable(&self, a: &EnglishAuction, now: Timestamp) -> bool {
        a.is_tickable_under(self.rules, now)
    }

    /// When `a`'s status next changes by time alone under the house's rules.
    pub fn next_change(&self, a: &EnglishAuction, now: Timestamp) -> Option<Timestamp> {
        a.next_change_under(self.rules, now)
    }

    /// Inserts or replaces one auction (as read from a chain); `None` removes it.
    pub fn set_auction(&mut self, id: u64, auction: Option<EnglishAuction>) {
        match auction {
            Some(a) => {
                self.auctions.insert(id, a);
            }
            None => {
                self.auctions.remove(&id);
            }
        }
        self.kicks = self.kicks.max(id);
    }

    /// The auction with this id, if it exists.
    pub fn auction(&self, id: u64) -> Option<&EnglishAuction> {
        self.auctions.get(&id)
    }
    /// Every live auction (unordered).
    pub fn auctions(&self) -> impl Iterator<Item = (u64, &EnglishAuction)> {
        self.auctions.iter().map(|(id, a)| (*id, a))
    }
    /// Number of auctions that exist.
    pub fn len(&self) -> usize {
        self.auctions.len()
    }
    /// True if no auction exists.
    pub fn is_empty(&self) -> bool {
        self.auctions.is_empty()
    }
    /// Auctions started so far (the last id).
    pub fn kicks(&self) -> u64 {
        self.kicks
    }
    /// False after `cage`.
    pub fn is_live(&self) -> bool {
        self.live
    }
    /// Credit the house holds for `usr` (`claimable`), WAD.
    pub fn claimable(&self, usr: Address) -> Wad {
        self.claimable.get(&usr).copied().unwrap_or_default()
    }
    /// `usr` withdraws its credit to `to`: returns the amount (WAD) the caller pays from the house
    /// to `to`, and the event.
    pub fn claim(&mut self, usr: Address, to: Address) -> (Wad, EnglishEvent) {
        let amount = self.claimable.remove(&usr).unwrap_or_default();
        (amount, EnglishEvent::Claim { usr, to, amount })
    }

    fn get(&self, id: u64) -> Result<&EnglishAuction> {
        self.auctions.get(&id).ok_or(Error::AuctionNotFound { id })
    }

    /// The opening lot for a raise of `bid`: the fixed `dump`, or sized from the oracle `price`
    /// (RAY) when [`LotSizing::Oracle`]; capped by the `floor` price when set. WAD.
    pub fn opening_lot(&self, dump: Wad, bid: Wad, price: Ray) -> Result<Wad> {
        let p = &self.params;
        let mut lot = match p.sizing {
            LotSizing::Fixed => dump,
            LotSizing::Oracle => {
                let discounted = price.wmul(Wad::ONE.checked_sub(p.discount)?)?;
                if discounted.is_zero() {
                    return Err(Error::InvalidPrice { price: price.raw() });
                }
                bid.rdiv(discounted)?
            }
        };
        if !p.floor.is_zero() {
            lot = lot.min(bid.rdiv(p.floor)?);
        }
        Ok(lot)
    }

    /// The largest lot the next bid on `id` may ask for: `⌊lot · WAD / beg⌋`, exactly the
    /// contract's `beg` check (`beg · lot' ≤ lot · WAD`). WAD.
    pub fn max_next_lot(&self, id: u64) -> Result<Wad> {
        self.get(id)?.lot.wdiv(self.params.beg)
    }

    /// Starts an auction raising `bid` (WAD) for at most `lot` (WAD) tokens.
    pub fn kick(
        &mut self,
        gal: Address,
        lot: Wad,
        bid: Wad,
        now: Timestamp,
    ) -> Result<(u64, EnglishEvent)> {
        if !self.live {
            return Err(Error::NotLive);
        }
        if self.rules == Rules::Backstop {
            if lot.is_zero() {
                return Err(Error::ZeroLot);
            }
            if bid.is_zero() {
                return Err(Error::ZeroBid);
            }
            fits_u128(lot.raw())?;
            fits_u128(bid.raw())?;
        }
        let end = time_add(now, self.params.tau)?;
        let id = self.kicks.checked_add(1).ok_or(Error::Overflow)?;
        self.kicks = id;
        self.auctions.insert(id, EnglishAuction { bid, lot, guy: gal, tic: 0, end, ticks: 0 });
        Ok((id, EnglishEvent::Kick { id, lot, bid, gal, end }))
    }

    /// Validates a bid without changing anything.
    pub fn check_dent(
        &self,
        sender: Address,
        id: u64,
        lot: Wad,
        bid: Wad,
        now: Timestamp,
    ) -> Result<DentPlan> {
        if !self.live {
            return Err(Error::NotLive);
        }
        let a = self.get(id)?;
        if a.tic != 0 && now >= a.tic {
            return Err(Error::BidExpired { id, tic: a.tic });
        }
        if now >= a.end {
            return Err(Error::AuctionExpired { id, end: a.end });
        }
        if bid != a.bid {
            return Err(Error::BidMismatch { expected: a.bid.raw(), offered: bid.raw() });
        }
        if lot >= a.lot {
            return Err(Error::LotNotLower { current: a.lot.raw(), offered: lot.raw() });
        }
        // beg · lot' ≤ lot · WAD, with lot' < lot < 2^128 and beg ≤ 10 WAD < 2^64 on the fast path.
        let beg = self.params.beg.raw();
        let lhs = match mul_128_64(lot.raw(), beg) {
            Some(x) => x,
            None => crate::math::mul(beg, lot.raw())?,
        };
        let rhs = match mul_128_64(a.lot.raw(), crate::math::WAD) {
            Some(x) => x,
            None => crate::math::mul(a.lot.raw(), crate::math::WAD)?,
        };
        if lhs > rhs {
            return Err(Error::IncrementTooSmall {
                required: (rhs / self.params.beg.raw()),
                offered: lot.raw(),
            });
        }
        let tic = time_add(now, self.params.ttl)?;
        let payment = if sender == a.guy {
            DentPayment::None
        } else if a.tic == 0 {
            DentPayment::First { bid }
        } else {
            DentPayment::Outbid { to: a.guy, bid }
        };
        Ok(DentPlan { id, guy: sender, lot, bid, tic, payment })
    }

    /// Applies a plan from [`Self::check_dent`] (made against the current state).
    pub fn apply_dent(&mut self, plan: &DentPlan) -> EnglishEvent {
        if let Some(a) = self.auctions.get_mut(&plan.id) {
            a.guy = plan.guy;
            a.lot = plan.lot;
            a.tic = plan.tic;
        }
        EnglishEvent::Dent {
            id: plan.id,
            guy: plan.guy,
            lot: plan.lot,
            bid: plan.bid,
            tic: plan.tic,
        }
    }

    /// Bids: validates, applies and returns the event and the payment the caller must make.
    pub fn dent(
        &mut self,
        sender: Address,
        id: u64,
        lot: Wad,
        bid: Wad,
        now: Timestamp,
    ) -> Result<(EnglishEvent, DentPayment)> {
        let plan = self.check_dent(sender, id, lot, bid, now)?;
        Ok((self.apply_dent(&plan), plan.payment))
    }

    /// Validates a deal; returns the winner and the lot to mint.
    pub fn check_deal(&self, id: u64, now: Timestamp) -> Result<(Address, Wad)> {
        if !self.live {
            return Err(Error::NotLive);
        }
        let a = match (self.get(id), self.rules) {
            (Ok(a), _) => a,
            // dss reads an empty slot: `tic == 0`, "not finished".
            (Err(_), Rules::Dss) => return Err(Error::NotFinished { id, tic: 0, end: 0 }),
            (Err(e), Rules::Backstop) => return Err(e),
        };
        // dss checks both in one `require` ("Flopper/not-finished").
        if a.tic == 0 && self.rules == Rules::Backstop {
            return Err(Error::NoBids { id });
        }
        if !a.is_dealable_under(self.rules, now) {
            return Err(Error::NotFinished { id, tic: a.tic, end: a.end });
        }
        Ok((a.guy, a.lot))
    }

    /// Settles a finished auction: deletes it; the caller mints `lot` to `guy` (in the event).
    pub fn deal(&mut self, id: u64, now: Timestamp) -> Result<EnglishEvent> {
        let (guy, lot) = self.check_deal(id, now)?;
        self.auctions.remove(&id);
        Ok(EnglishEvent::Deal { id, guy, lot })
    }

    /// Restarts an unbid, ended auction: grows the lot by `pad` (within the dilution bound) and
    /// sets `end = now + tau`.
    pub fn tick(&mut self, id: u64, now: Timestamp) -> Result<EnglishEvent> {
        let p = self.params;
        let a = self.get(id)?;
        if !self.rules.closed(now, a.end) {
            return Err(Error::AuctionNotExpired { id, end: a.end });
        }
        if a.tic != 0 {
            return Err(Error::HasBid { id });
        }
        let end = time_add(now, p.tau)?;
        let mut lot = a.lot;
        if p.max_ticks == 0 || a.ticks < p.max_ticks {
            let mut grown = lot.wmul(p.pad)?;
            if !p.floor.is_zero() {
                grown = grown.min(lot.max(a.bid.rdiv(p.floor)?));
            }
            lot = match self.rules {
                Rules::Backstop => Wad::from_raw(fits_u128(grown.raw())?),
                Rules::Dss => grown,
            };
        }
        let a = self.auctions.get_mut(&id).ok_or(Error::AuctionNotFound { id })?;
        a.lot = lot;
        a.end = end;
        a.ticks = a.ticks.saturating_add(1);
        Ok(EnglishEvent::Tick { id, lot, end })
    }

    /// Stops the house: no more kicks, bids or deals; auctions can be yanked.
    pub fn cage(&mut self) -> EnglishEvent {
        self.live = false;
        EnglishEvent::Cage
    }

    /// Removes an auction after cage; returns the bidder to refund and the amount (WAD), if any.
    pub fn yank(&mut self, id: u64) -> Result<(EnglishEvent, Option<(Address, Wad)>)> {
        if self.live {
            return Err(Error::StillLive);
        }
        let a = *self.get(id)?;
        self.auctions.remove(&id);
        Ok((EnglishEvent::Yank { id }, a.has_bid().then_some((a.guy, a.bid))))
    }

    /// Checks that a yank would pass; returns the refund it would cause.
    pub fn check_yank(&self, id: u64) -> Result<Option<(Address, Wad)>> {
        if self.live {
            return Err(Error::StillLive);
        }
        let a = self.get(id)?;
        Ok(a.has_bid().then_some((a.guy, a.bid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    const GAL: Address = address!("00000000000000000000000000000000000000aa");
    const A: Address = address!("0000000000000000000000000000000000000001");
    const B: Address = address!("0000000000000000000000000000000000000002");

    fn w(s: &str) -> Wad {
        s.parse().unwrap()
    }

    fn house() -> EnglishHouse {
        EnglishHouse::new(EnglishParams {
            beg: w("1.03"),
            pad: w("1.2"),
            ttl: 6 * 3600,
            tau: 3 * 86400,
            ..EnglishParams::default()
        })
        .unwrap()
    }

    #[test]
    fn black_thursday_lot_and_first_bid() {
        let mut h = house();
        let (id, _) = h.kick(GAL, w("250"), w("50000"), 1_000).unwrap();
        // The largest valid lot is 250 / 1.03 floored to the wei.
        let max = h.max_next_lot(id).unwrap();
        assert_eq!(max.raw(), w("250").raw() * crate::math::WAD / w("1.03").raw());
        let (_, pay) = h.dent(A, id, max, w("50000"), 1_001).unwrap();
        assert_eq!(pay, DentPayment::First { bid: w("50000") });
        // One wei more than the largest valid lot fails with the exact bound.
        let next = h.max_next_lot(id).unwrap();
        let err = h.dent(B, id, Wad::from_raw(next.raw() + U256::from(1)), w("50000"), 1_002);
        assert_eq!(
            err.unwrap_err(),
            Error::IncrementTooSmall { required: next.raw(), offered: next.raw() + U256::from(1) }
        );
        let (_, pay) = h.dent(B, id, next, w("50000"), 1_002).unwrap();
        assert_eq!(pay, DentPayment::Outbid { to: A, bid: w("50000") });
        let (_, pay) = h.dent(B, id, h.max_next_lot(id).unwrap(), w("50000"), 1_003).unwrap();
        assert_eq!(pay, DentPayment::None);
    }

    #[test]
    fn no_dead_second_at_tic() {
        let mut h = house();
        let (id, _) = h.kick(GAL, w("250"), w("50000"), 0).unwrap();
        h.dent(A, id, w("200"), w("50000"), 10).unwrap();
        let tic = 10 + 6 * 3600;
        assert!(h.check_deal(id, tic - 1).is_err());
        assert_eq!(
            h.check_dent(B, id, w("100"), w("50000"), tic).unwrap_err(),
            Error::BidExpired { id, tic }
        );
        assert!(h.check_deal(id, tic).is_ok());
    }

    #[test]
    fn tick_grows_by_pad_then_respects_the_bounds() {
        let mut h = house();
        h.params.max_ticks = 2;
        let (id, _) = h.kick(GAL, w("250"), w("50000"), 0).unwrap();
        let end = 3 * 86400;
        assert_eq!(h.tick(id, end - 1).unwrap_err(), Error::AuctionNotExpired { id, end });
        h.tick(id, end).unwrap();
        assert_eq!(h.auction(id).unwrap().lot, w("300"));
        h.tick(id, 2 * end).unwrap();
        assert_eq!(h.auction(id).unwrap().lot, w("360"));
        h.tick(id, 3 * end).unwrap();
        assert_eq!(h.auction(id).unwrap().lot, w("360"), "max_ticks reached: restart only");
        assert_eq!(h.auction(id).unwrap().ticks, 3);

        let mut h = house();
        h.params.floor = "180".parse().unwrap(); // never below 180 per token: lot ≤ 277.7…
        let (id, _) = h.kick(GAL, w("250"), w("50000"), 0).unwrap();
        h.tick(id, end).unwrap();
        assert_eq!(h.auction(id).unwrap().lot, w("50000").rdiv("180".parse().unwrap()).unwrap());
    }

    #[test]
    fn opening_lot_rules() {
        let mut h = house();
        let price: Ray = "200".parse().unwrap();
        assert_eq!(h.opening_lot(w("250"), w("50000"), price).unwrap(), w("250"));
        h.params.sizing = LotSizing::Oracle;
        h.params.discount = w("0.2");
        // 50,000 / (200 · 0.8) = 312.5
        assert_eq!(h.opening_lot(w("250"), w("50000"), price).unwrap(), w("312.5"));
        assert_eq!(
            h.opening_lot(w("250"), w("50000"), Ray::ZERO).unwrap_err(),
            Error::InvalidPrice { price: U256::ZERO }
        );
        h.params.floor = "250".parse().unwrap();
        assert_eq!(h.opening_lot(w("250"), w("50000"), price).unwrap(), w("200"));
    }

    #[test]
    fn params_validation_names_the_field() {
        let bad = EnglishParams { beg: Wad::ONE, ..EnglishParams::default() };
        assert!(matches!(bad.validate(), Err(Error::InvalidParam { what, .. }) if what == "beg"));
        let bad = EnglishParams { ttl: 10, tau: 5, ..EnglishParams::default() };
        assert!(matches!(bad.validate(), Err(Error::InvalidParam { what, .. }) if what == "ttl"));
        let mut p = EnglishParams::default();
        assert!(
            matches!(p.file(EnglishParam::Tau(60)), Err(Error::InvalidParam { what, .. }) if what == "tau")
        );
        assert_eq!(p, EnglishParams::default());
    }
}
