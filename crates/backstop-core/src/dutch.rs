//! Dutch debt auction (dss Clipper/Abacus semantics applied to debt): raise `tab` stablecoin by
//! minting at most `lot` governance tokens at a falling price.
//!
//! ```text
//!  price
//!   top ┤●━━━┓                       top = oracle · buf
//!       │    ┗━━━┓                   linear:      top · (tau − dur) / tau
//!       │        ┗━━━┓               stair-step:  top · cut^⌊dur / step⌋
//! cusp·top ┄┄┄┄┄┄┄┄┄┄┄┄┗━━━  done    exponential: top · cut^dur
//!       └────────────────────── dur = now − tic;  done = dur > tail or price / top < cusp
//! ```
//!
//! Anyone `take`s any part at the current price (`slice` tokens for `owe = ⌈slice · price⌉`
//! stablecoin), until `tab` is raised or `lot` is exhausted. A done sale cannot be bought from; `redo`
//! restarts it at a fresh `top` and pays the caller `tip + chip · tab` (in governance tokens at the
//! oracle price) unless the sale is dust.
//!
//! Rewards have a budget ([`RewardBudget`]): the stablecoin value of every reward paid stays at
//! most `rmax · raised`, where `raised` is what takes have raised plus the one wei a fresh house
//! counts (so the bound is at most one wei above `rmax · Σ owe`). A sale nobody buys cannot be
//! farmed by resetting it every `tail`, and nothing is paid before anything is raised.

use crate::{
    Timestamp,
    error::{Error, Result},
    math::{MAX_U128, RAY, Ray, WAD, Wad, fits_u128},
};
use alloy_primitives::{Address, U256};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The price curve (dss Abacus), with the contract's encoding `calc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Calc {
    /// `calc = 0`: linear to zero over `tau` seconds.
    Linear,
    /// `calc = 1`: multiply by `cut` every `step` seconds.
    #[default]
    StairStep,
    /// `calc = 2`: multiply by `cut` every second.
    Exponential,
}

impl Calc {
    /// The contract's encoding.
    pub fn code(self) -> u8 {
        match self {
            Self::Linear => 0,
            Self::StairStep => 1,
            Self::Exponential => 2,
        }
    }
    /// From the contract's encoding.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(Self::Linear),
            1 => Some(Self::StairStep),
            2 => Some(Self::Exponential),
            _ => None,
        }
    }
}

/// Parameters of the Dutch debt auction house.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DutchParams {
    /// Starting price over the oracle price, RAY (`top = price · buf`). `0 < buf ≤ 10`.
    pub buf: Ray,
    /// Seconds after which a sale is done and needs `redo`. `0 < tail ≤ MAX_DURATION`.
    pub tail: u64,
    /// Fraction of `top` below which a sale is done, RAY. `0 < cusp < 1`.
    pub cusp: Ray,
    /// Keeper reward as a fraction of `tab`, WAD. `≤ 1`.
    pub chip: Wad,
    /// Flat keeper reward, WAD of stablecoin value. `< 2^128`.
    pub tip: Wad,
    /// Dust: a partial take must leave at least this much tab, WAD. `< 2^128`.
    pub chost: Wad,
    /// Price curve.
    pub calc: Calc,
    /// Linear curve length, seconds. `0 < tau ≤ MAX_DURATION`.
    pub tau: u64,
    /// Per-step (stair-step) or per-second (exponential) multiplier, RAY. `0 < cut ≤ 1`.
    pub cut: Ray,
    /// Stair-step length, seconds. `0 < step ≤ MAX_DURATION`.
    pub step: u64,
    /// Reward budget: all keeper rewards paid (stablecoin value) stay at most `rmax · raised`,
    /// where `raised` is the stablecoin raised by takes; WAD. `≤ 1`.
    pub rmax: Wad,
}

impl Default for DutchParams {
    /// The contract's defaults (dss ETH-A's curve): buf 1.2, tail 1 h, cusp 0.6, stair-step
    /// `cut` 0.99 every 90 s, no keeper reward (a reward budget of 1% of what takes raise),
    /// linear `tau` 1 h.
    fn default() -> Self {
        Self {
            buf: Ray::from_raw(RAY / U256::from(10) * U256::from(12)),
            tail: 3600,
            cusp: Ray::from_raw(RAY / U256::from(10) * U256::from(6)),
            chip: Wad::ZERO,
            tip: Wad::ZERO,
            chost: Wad::ZERO,
            calc: Calc::StairStep,
            tau: 3600,
            cut: Ray::from_raw(RAY / U256::from(100) * U256::from(99)),
            step: 90,
            rmax: Wad::from_raw(WAD / U256::from(100)),
        }
    }
}

/// One parameter change, as `file(what, data)` on the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", content = "data", rename_all = "camelCase")]
pub enum DutchParam {
    /// `buf`, RAY.
    Buf(Ray),
    /// `tail`, seconds.
    Tail(u64),
    /// `cusp`, RAY.
    Cusp(Ray),
    /// `chip`, WAD.
    Chip(Wad),
    /// `tip`, WAD.
    Tip(Wad),
    /// `chost`, WAD.
    Chost(Wad),
    /// `calc`.
    Calc(Calc),
    /// `tau`, seconds.
    Tau(u64),
    /// `cut`, RAY.
    Cut(Ray),
    /// `step`, seconds.
    Step(u64),
    /// `rmax`, WAD.
    Rmax(Wad),
}

impl DutchParam {
    /// The contract's parameter name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Buf(_) => "buf",
            Self::Tail(_) => "tail",
            Self::Cusp(_) => "cusp",
            Self::Chip(_) => "chip",
            Self::Tip(_) => "tip",
            Self::Chost(_) => "chost",
            Self::Calc(_) => "calc",
            Self::Tau(_) => "tau",
            Self::Cut(_) => "cut",
            Self::Step(_) => "step",
            Self::Rmax(_) => "rmax",
        }
    }
    /// The raw `uint256` the contract's `file` receives.
    pub fn raw(&self) -> U256 {
        match *self {
            Self::Buf(r) | Self::Cusp(r) | Self::Cut(r) => r.raw(),
            Self::Chip(w) | Self::Tip(w) | Self::Chost(w) | Self::Rmax(w) => w.raw(),
            Self::Tail(s) | Self::Tau(s) | Self::Step(s) => U256::from(s),
            Self::Calc(c) => U256::from(c.code()),
        }
    }
}

impl DutchParams {
    /// Checks every rule; the error names the first failing field.
    pub fn validate(&self) -> Result<()> {
        let mut p = Self::default();
        for change in [
            DutchParam::Buf(self.buf),
            DutchParam::Tail(self.tail),
            DutchParam::Cusp(self.cusp),
            DutchParam::Chip(self.chip),
            DutchParam::Tip(self.tip),
            DutchParam::Chost(self.chost),
            DutchParam::Calc(self.calc),
            DutchParam::Tau(self.tau),
            DutchParam::Cut(self.cut),
            DutchParam::Step(self.step),
            DutchParam::Rmax(self.rmax),
        ] {
            p.file(change)?;
        }
        Ok(())
    }

    /// Applies one change after validating it.
    pub fn file(&mut self, change: DutchParam) -> Result<()> {
        let bad = |reason: &str| Err(Error::invalid(change.name(), reason));
        match change {
            DutchParam::Buf(v) if v.is_zero() || v.raw() > U256::from(10) * crate::math::RAY => {
                return bad("must be in (0, 10]");
            }
            DutchParam::Tail(v) | DutchParam::Tau(v) | DutchParam::Step(v)
                if v == 0 || v > crate::MAX_DURATION =>
            {
                return bad("must be in (0, MAX_DURATION = 315,360,000 s]");
            }
            DutchParam::Cusp(v) if v.is_zero() || v >= Ray::ONE => return bad("must be in (0, 1)"),
            DutchParam::Chip(v) | DutchParam::Rmax(v) if v > Wad::ONE => {
                return bad("must be at most 1");
            }
            DutchParam::Tip(v) | DutchParam::Chost(v) if v.raw() > MAX_U128 => {
                return bad("must be below 2^128");
            }
            DutchParam::Cut(v) if v.is_zero() || v > Ray::ONE => return bad("must be in (0, 1]"),
            _ => {}
        }
        match change {
            DutchParam::Buf(v) => self.buf = v,
            DutchParam::Tail(v) => self.tail = v,
            DutchParam::Cusp(v) => self.cusp = v,
            DutchParam::Chip(v) => self.chip = v,
            DutchParam::Tip(v) => self.tip = v,
            DutchParam::Chost(v) => self.chost = v,
            DutchParam::Calc(v) => self.calc = v,
            DutchParam::Tau(v) => self.tau = v,
            DutchParam::Cut(v) => self.cut = v,
            DutchParam::Step(v) => self.step = v,
            DutchParam::Rmax(v) => self.rmax = v,
        }
        Ok(())
    }

    /// The curve's price at `dur` seconds after a start at `top` (RAY).
    pub fn price(&self, top: Ray, dur: u64) -> Result<Ray> {
        match self.calc {
            Calc::Linear => {
                if dur >= self.tau {
                    return Ok(Ray::ZERO);
                }
                let frac =
                    crate::math::mul(U256::from(self.tau - dur), RAY)? / U256::from(self.tau);
                top.rmul(Ray::from_raw(frac))
            }
            Calc::StairStep => top.rmul(self.cut.rpow(dur / self.step)?),
            Calc::Exponential => top.rmul(self.cut.rpow(dur)?),
        }
    }

    /// `done` for a price: `dur > tail` or `price · RAY / top < cusp`.
    pub fn is_done(&self, top: Ray, price: Ray, dur: u64) -> Result<bool> {
        Ok(dur > self.tail || price.rdiv(top)? < self.cusp)
    }

    /// The keeper incentive `tip + chip · tab / WAD` (stablecoin value, WAD).
    pub fn coin(&self, tab: Wad) -> Result<Wad> {
        self.tip.checked_add(tab.wmul(self.chip)?)
    }

    /// True if any keeper incentive is configured.
    pub fn has_incentive(&self) -> bool {
        !self.tip.is_zero() || !self.chip.is_zero()
    }
}

/// One Dutch sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutchSale {
    /// Stablecoin still to raise, WAD.
    pub tab: Wad,
    /// Governance tokens that may still be minted, WAD.
    pub lot: Wad,
    /// Starting price, RAY.
    pub top: Ray,
    /// Start (kick or last redo), seconds.
    pub tic: Timestamp,
}

/// A sale's status at a time (the contract's `getStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutchStatus {
    /// True if the sale is done and must be reset with `redo` before anyone can take.
    pub needs_redo: bool,
    /// Current price, RAY.
    pub price: Ray,
    /// Tokens left, WAD.
    pub lot: Wad,
    /// Stablecoin left to raise, WAD.
    pub tab: Wad,
}

/// Events of the Dutch house (the contract's events, same fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum DutchEvent {
    /// A sale started.
    Kick {
        /// Sale id.
        id: u64,
        /// Starting price, RAY.
        top: Ray,
        /// Stablecoin to raise, WAD.
        tab: Wad,
        /// Maximum tokens to mint, WAD.
        lot: Wad,
        /// Keeper rewarded.
        kpr: Address,
        /// Reward in stablecoin value, WAD.
        coin: Wad,
        /// Reward minted in governance tokens, WAD.
        reward: Wad,
    },
    /// A purchase.
    Take {
        /// Sale id.
        id: u64,
        /// Recipient of the tokens.
        who: Address,
        /// Buyer's price limit, RAY.
        max: Ray,
        /// Price paid, RAY.
        price: Ray,
        /// Stablecoin paid, WAD.
        owe: Wad,
        /// Tokens minted, WAD.
        slice: Wad,
        /// Tab left, WAD.
        tab: Wad,
        /// Lot left, WAD.
        lot: Wad,
    },
    /// A done sale restarted.
    Redo {
        /// Sale id.
        id: u64,
        /// New starting price, RAY.
        top: Ray,
        /// Tab, WAD.
        tab: Wad,
        /// Lot, WAD.
        lot: Wad,
        /// Keeper rewarded.
        kpr: Address,
        /// Reward in stablecoin value, WAD.
        coin: Wad,
        /// Reward minted in governance tokens, WAD.
        reward: Wad,
    },
    /// A sale was removed by governance.
    Yank {
        /// Sale id.
        id: u64,
    },
}

/// A validated purchase, ready to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakePlan {
    /// Sale id.
    pub id: u64,
    /// Price paid, RAY.
    pub price: Ray,
    /// Buyer's limit, RAY.
    pub max: Ray,
    /// Stablecoin the buyer pays, WAD.
    pub owe: Wad,
    /// Tokens minted to `who`, WAD.
    pub slice: Wad,
    /// Tab left after the take, WAD.
    pub tab: Wad,
    /// Lot left after the take, WAD.
    pub lot: Wad,
    /// Recipient.
    pub who: Address,
}

impl TakePlan {
    /// True if the sale ends with this take.
    pub fn finishes(&self) -> bool {
        self.tab.is_zero() || self.lot.is_zero()
    }
    /// Tab that could not be raised because the lot ran out (goes back to free debt), WAD.
    pub fn unraised(&self) -> Wad {
        if self.lot.is_zero() { self.tab } else { Wad::ZERO }
    }
}

/// A keeper reward: `coin` (stablecoin value, WAD) paid as `reward` governance tokens (WAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reward {
    /// Stablecoin value, WAD.
    pub coin: Wad,
    /// Governance tokens to mint, WAD.
    pub reward: Wad,
}

/// The keeper-reward budget of a house: rewards paid stay at most `rmax · raised`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RewardBudget {
    /// Stablecoin raised by takes, plus the one wei a fresh house counts, WAD (saturates at
    /// 2^128 − 1, as the contract stores it).
    pub raised: Wad,
    /// Keeper rewards paid, their stablecoin value when paid, WAD.
    pub paid: Wad,
}

impl RewardBudget {
    /// A fresh house's budget: one wei counted as raised (the contract keeps the slot non-zero so
    /// that no take pays a zero-to-non-zero storage write), nothing paid.
    pub fn fresh() -> Self {
        Self { raised: Wad::from_raw(U256::from(1)), paid: Wad::ZERO }
    }

    /// What a reward may still pay under `rmax` (WAD): `⌊rmax · raised⌋ − paid`, or zero.
    pub fn room(&self, rmax: Wad) -> Result<Wad> {
        Ok(self.raised.wmul(rmax)?.saturating_sub(self.paid))
    }
}

/// The Dutch auction house.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutchHouse {
    /// Parameters (read at every action).
    pub params: DutchParams,
    sales: FxHashMap<u64, DutchSale>,
    kicks: u64,
    #[serde(default)]
    budget: RewardBudget,
}

impl DutchHouse {
    /// A house with validated parameters.
    pub fn new(params: DutchParams) -> Result<Self> {
        params.validate()?;
        Ok(Self { params, sales: FxHashMap::default(), kicks: 0, budget: RewardBudget::fresh() })
    }

    /// A house as read back from a chain: parameters, the kick counter, the reward budget and
    /// the running sales.
    pub fn restore(
        params: DutchParams,
        kicks: u64,
        budget: RewardBudget,
        sales: impl IntoIterator<Item = (u64, DutchSale)>,
    ) -> Self {
        Self { params, sales: sales.into_iter().collect(), kicks, budget }
    }

    /// The keeper-reward budget: stablecoin raised and rewards paid so far.
    pub fn budget(&self) -> RewardBudget {
        self.budget
    }

    /// Inserts or replaces one sale (as read from a chain); `None` removes it.
    pub fn set_sale(&mut self, id: u64, sale: Option<DutchSale>) {
        match sale {
            Some(x) => {
                self.sales.insert(id, x);
            }
            None => {
                self.sales.remove(&id);
            }
        }
        self.kicks = self.kicks.max(id);
    }

    /// The sale with this id, if running.
    pub fn sale(&self, id: u64) -> Option<&DutchSale> {
        self.sales.get(&id)
    }
    /// Every running sale (unordered).
    pub fn sales(&self) -> impl Iterator<Item = (u64, &DutchSale)> {
        self.sales.iter().map(|(id, s)| (*id, s))
    }
    /// Number of running sales.
    pub fn len(&self) -> usize {
        self.sales.len()
    }
    /// True if no sale is running.
    pub fn is_empty(&self) -> bool {
        self.sales.is_empty()
    }
    /// Sales started so far (the last id).
    pub fn kicks(&self) -> u64 {
        self.kicks
    }

    fn get(&self, id: u64) -> Result<&DutchSale> {
        self.sales.get(&id).ok_or(Error::SaleNotFound { id })
    }

    fn top(&self, price: Ray) -> Result<Ray> {
        let top = price.rmul(self.params.buf)?;
        if top.is_zero() {
            return Err(Error::InvalidPrice { price: price.raw() });
        }
        fits_u128(top.raw())?;
        Ok(top)
    }

    /// The reward for a sale of `tab` at oracle `price`: `tip + chip · tab` within the budget's
    /// room, in tokens at `price`.
    fn reward(&self, tab: Wad, price: Ray) -> Result<Reward> {
        let coin = self.params.coin(tab)?.min(self.budget.room(self.params.rmax)?);
        if coin.is_zero() {
            return Ok(Reward::default());
        }
        Ok(Reward { coin, reward: coin.rdiv(price)? })
    }

    /// Counts a paid reward against the budget.
    fn pay(&mut self, reward: Reward) {
        // paid + coin ≤ rmax · raised ≤ raised < 2^128: no overflow.
        self.budget.paid = Wad::from_raw(self.budget.paid.raw() + reward.coin.raw());
    }

    /// Status of sale `id` at `now`: current price and whether it needs `redo`.
    pub fn status(&self, id: u64, now: Timestamp) -> Result<DutchStatus> {
        let s = self.get(id)?;
        let dur = now.saturating_sub(s.tic);
        let price = self.params.price(s.top, dur)?;
        let needs_redo = self.params.is_done(s.top, price, dur)?;
        Ok(DutchStatus { needs_redo, price, lot: s.lot, tab: s.tab })
    }

    /// The first time at or after `now` when sale `id` is done (needs `redo`), by time alone.
    pub fn done_at(&self, id: u64, now: Timestamp) -> Result<Timestamp> {
        let s = *self.get(id)?;
        let limit = s.tic.saturating_add(self.params.tail).saturating_add(1);
        // done is monotone in time (price non-increasing, dur increasing): binary search.
        let (mut lo, mut hi) = (now.max(s.tic), limit);
        if self.status(id, lo)?.needs_redo {
            return Ok(lo);
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            let dur = mid - s.tic;
            let price = self.params.price(s.top, dur)?;
            if self.params.is_done(s.top, price, dur)? { hi = mid } else { lo = mid }
        }
        Ok(hi)
    }

    /// The first second `t ≥ now` at which sale `id` can be bought at `limit` (RAY) or less: its
    /// price is at most `limit` and it is not done. `Ok(None)` if the price stays above `limit`
    /// until the sale is done (only a `redo`, at a fresh `top`, can bring it lower), or if it is
    /// done already.
    ///
    /// Exact, in the contract's arithmetic: the price is non-increasing in time, so this is a
    /// bisection over [`DutchParams::price`] between `now` and the last second before
    /// [`Self::done_at`], `O(log tail)` price evaluations. Errors: [`Error::SaleNotFound`], or an
    /// arithmetic error of the price function.
    pub fn crossing(&self, id: u64, limit: Ray, now: Timestamp) -> Result<Option<Timestamp>> {
        let s = *self.get(id)?;
        let done = self.done_at(id, now)?;
        if done <= now {
            return Ok(None);
        }
        let price_at = |t: Timestamp| self.params.price(s.top, t.saturating_sub(s.tic));
        // Not done on [now, done): the answer is the first second there with price ≤ limit.
        let last = done - 1;
        if price_at(last)? > limit {
            return Ok(None);
        }
        if price_at(now)? <= limit {
            return Ok(Some(now));
        }
        // price(lo) > limit ≥ price(hi).
        let (mut lo, mut hi) = (now, last);
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if price_at(mid)? <= limit {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Some(hi))
    }

    /// The checks a kick makes before it reads the oracle: non-zero `tab` and `lot` (WAD) that
    /// fit their 128-bit slots.
    pub fn check_amounts(tab: Wad, lot: Wad) -> Result<()> {
        if tab.is_zero() {
            return Err(Error::ZeroTab);
        }
        if lot.is_zero() {
            return Err(Error::ZeroLot);
        }
        fits_u128(tab.raw())?;
        fits_u128(lot.raw())?;
        Ok(())
    }

    /// Validates a kick; returns the starting price and the reward it would pay.
    pub fn check_kick(
        &self,
        tab: Wad,
        lot: Wad,
        price: Ray,
        now: Timestamp,
    ) -> Result<(Ray, Reward)> {
        Self::check_amounts(tab, lot)?;
        let top = self.top(price)?;
        if now > crate::MAX_TIME {
            return Err(Error::TimeOverflow);
        }
        let reward =
            if self.params.has_incentive() { self.reward(tab, price)? } else { Reward::default() };
        Ok((top, reward))
    }

    /// Starts a sale raising `tab` (WAD) by minting at most `lot` (WAD) at a price starting at
    /// `oracle price · buf`. Returns the id, the event and the reward to mint to `kpr`.
    pub fn kick(
        &mut self,
        tab: Wad,
        lot: Wad,
        kpr: Address,
        price: Ray,
        now: Timestamp,
    ) -> Result<(u64, DutchEvent, Reward)> {
        let (top, reward) = self.check_kick(tab, lot, price, now)?;
        let id = self.kicks.checked_add(1).ok_or(Error::Overflow)?;
        self.kicks = id;
        self.sales.insert(id, DutchSale { tab, lot, top, tic: now });
        self.pay(reward);
        let ev =
            DutchEvent::Kick { id, top, tab, lot, kpr, coin: reward.coin, reward: reward.reward };
        Ok((id, ev, reward))
    }

    /// Validates a purchase of up to `amt` tokens (WAD) at a price at most `max` (RAY).
    pub fn check_take(
        &self,
        id: u64,
        amt: Wad,
        max: Ray,
        who: Address,
        now: Timestamp,
    ) -> Result<TakePlan> {
        let s = self.get(id)?;
        let st = self.status(id, now)?;
        if st.needs_redo {
            return Err(Error::NeedsReset { id });
        }
        let price = st.price;
        if max < price {
            return Err(Error::TooExpensive { price: price.raw(), max: max.raw() });
        }
        let mut slice = s.lot.min(amt);
        let mut owe = slice.rmul_up(price)?;
        let chost = self.params.chost;
        if owe > s.tab {
            owe = s.tab;
            slice = owe.rdiv(price)?;
        } else if owe < s.tab && slice < s.lot && s.tab.checked_sub(owe)? < chost {
            if s.tab <= chost {
                return Err(Error::NoPartialPurchase { tab: s.tab.raw(), chost: chost.raw() });
            }
            owe = s.tab.checked_sub(chost)?;
            slice = owe.rdiv(price)?;
        }
        Ok(TakePlan {
            id,
            price,
            max,
            owe,
            slice,
            tab: s.tab.checked_sub(owe)?,
            lot: s.lot.checked_sub(slice)?,
            who,
        })
    }

    /// Applies a plan from [`Self::check_take`] (made against the current state).
    pub fn apply_take(&mut self, plan: &TakePlan) -> DutchEvent {
        if plan.finishes() {
            self.sales.remove(&plan.id);
        } else if let Some(s) = self.sales.get_mut(&plan.id) {
            s.tab = plan.tab;
            s.lot = plan.lot;
        }
        // raised < 2^128 and owe ≤ tab < 2^128: no 256-bit overflow; saturates at 2^128 − 1.
        let raised = self.budget.raised.raw() + plan.owe.raw();
        self.budget.raised = Wad::from_raw(raised.min(MAX_U128));
        DutchEvent::Take {
            id: plan.id,
            who: plan.who,
            max: plan.max,
            price: plan.price,
            owe: plan.owe,
            slice: plan.slice,
            tab: plan.tab,
            lot: plan.lot,
        }
    }

    /// Buys: validates, applies, returns the plan (what to mint and collect) and the event.
    pub fn take(
        &mut self,
        id: u64,
        amt: Wad,
        max: Ray,
        who: Address,
        now: Timestamp,
    ) -> Result<(TakePlan, DutchEvent)> {
        let plan = self.check_take(id, amt, max, who, now)?;
        let ev = self.apply_take(&plan);
        Ok((plan, ev))
    }

    /// Validates a reset; returns the new top and the reward it pays.
    pub fn check_redo(&self, id: u64, price: Ray, now: Timestamp) -> Result<(Ray, Reward)> {
        let s = self.get(id)?;
        if !self.status(id, now)?.needs_redo {
            return Err(Error::CannotReset { id });
        }
        let top = self.top(price)?;
        if now > crate::MAX_TIME {
            return Err(Error::TimeOverflow);
        }
        let chost = self.params.chost;
        let pays = self.params.has_incentive() && s.tab >= chost && s.lot.rmul(price)? >= chost;
        let reward = if pays { self.reward(s.tab, price)? } else { Reward::default() };
        Ok((top, reward))
    }

    /// Restarts a done sale at `top = price · buf`; returns the event and the reward to mint.
    pub fn redo(
        &mut self,
        id: u64,
        kpr: Address,
        price: Ray,
        now: Timestamp,
    ) -> Result<(DutchEvent, Reward)> {
        let (top, reward) = self.check_redo(id, price, now)?;
        let s = self.sales.get_mut(&id).ok_or(Error::SaleNotFound { id })?;
        s.top = top;
        s.tic = now;
        let (tab, lot) = (s.tab, s.lot);
        self.pay(reward);
        let ev =
            DutchEvent::Redo { id, top, tab, lot, kpr, coin: reward.coin, reward: reward.reward };
        Ok((ev, reward))
    }

    /// Removes a sale (governance); returns the event and the tab that was not raised (WAD).
    pub fn yank(&mut self, id: u64) -> Result<(DutchEvent, Wad)> {
        let s = *self.get(id)?;
        self.sales.remove(&id);
        Ok((DutchEvent::Yank { id }, s.tab))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Ray {
        s.parse().unwrap()
    }
    fn w(s: &str) -> Wad {
        s.parse().unwrap()
    }
    const K: Address = Address::ZERO;

    #[test]
    fn curves_start_at_top_and_fall() {
        let top = r("260");
        for calc in [Calc::Linear, Calc::StairStep, Calc::Exponential] {
            let p = DutchParams { calc, cut: r("0.9999"), ..DutchParams::default() };
            assert_eq!(p.price(top, 0).unwrap(), top, "{calc:?}");
            assert!(p.price(top, 600).unwrap() < top, "{calc:?}");
        }
        let p = DutchParams { calc: Calc::Linear, tau: 100, ..DutchParams::default() };
        assert_eq!(p.price(top, 50).unwrap(), r("130"));
        assert_eq!(p.price(top, 100).unwrap(), Ray::ZERO);
        let p = DutchParams::default();
        assert_eq!(p.price(top, 89).unwrap(), top, "stair-step is flat within a step");
        assert_eq!(p.price(top, 90).unwrap(), r("257.4"));
    }

    #[test]
    fn take_rounds_for_the_protocol_and_respects_dust() {
        let mut h = DutchHouse::new(DutchParams {
            chost: w("1000"),
            calc: Calc::Exponential,
            cut: Ray::ONE,
            ..DutchParams::default()
        })
        .unwrap();
        let (id, _, _) = h.kick(w("50000"), w("400"), K, r("200"), 0).unwrap();
        // top = 240. Buying 200 tokens would cost 48,000 and leave 2,000 ≥ chost.
        let plan = h.check_take(id, w("200"), r("240"), K, 1).unwrap();
        assert_eq!((plan.owe, plan.slice, plan.tab), (w("48000"), w("200"), w("2000")));
        // 205 tokens would leave 800 < chost: the take is cut to leave exactly chost.
        let plan = h.check_take(id, w("205"), r("240"), K, 1).unwrap();
        assert_eq!(plan.tab, w("1000"));
        assert_eq!(plan.owe, w("49000"));
        assert!(plan.slice.rmul_up(r("240")).unwrap() <= plan.owe);
        // Asking for more than the tab buys exactly the tab.
        let plan = h.check_take(id, w("400"), r("240"), K, 1).unwrap();
        assert_eq!((plan.owe, plan.tab), (w("50000"), Wad::ZERO));
        assert_eq!(
            h.check_take(id, w("1"), r("239"), K, 1).unwrap_err(),
            Error::TooExpensive { price: r("240").raw(), max: r("239").raw() }
        );
    }

    #[test]
    fn done_and_redo_with_anti_farming() {
        let params = DutchParams { tip: w("100"), chost: w("1000"), ..DutchParams::default() };
        // A budget with room: 1% of 1,000,000 raised.
        let budget = RewardBudget { raised: w("1000000"), paid: Wad::ZERO };
        let mut h = DutchHouse::restore(params, 0, budget, []);
        let (id, _, rew) = h.kick(w("50000"), w("400"), K, r("200"), 0).unwrap();
        assert_eq!(rew.reward, w("0.5"), "100 stablecoin of reward at 200 per token");
        let done = h.done_at(id, 0).unwrap();
        assert!(h.status(id, done).unwrap().needs_redo);
        assert!(!h.status(id, done - 1).unwrap().needs_redo);
        assert_eq!(h.check_redo(id, r("200"), done - 1).unwrap_err(), Error::CannotReset { id });
        assert_eq!(
            h.check_take(id, w("1"), r("999"), K, done).unwrap_err(),
            Error::NeedsReset { id }
        );
        let (_, rew) = h.redo(id, K, r("200"), done).unwrap();
        assert_eq!(rew.coin, w("100"));
        // A dusty sale is reset without reward.
        let (id, _, _) = h.kick(w("500"), w("400"), K, r("200"), 0).unwrap();
        let done = h.done_at(id, 0).unwrap();
        let (_, rew) = h.redo(id, K, r("200"), done).unwrap();
        assert_eq!(rew, Reward::default());
        // Kick, redo, and the second kick (the dust rule is for resets only): 3 × 100.
        assert_eq!(h.budget().paid, w("300"));
    }

    /// Audit finding 5: rewards come out of `rmax · raised`; nothing before a take.
    #[test]
    fn rewards_stay_within_the_budget() {
        let p = DutchParams { tip: w("100"), chip: w("0.01"), ..DutchParams::default() };
        let mut h = DutchHouse::new(p).unwrap();
        let (id, _, rew) = h.kick(w("50000"), w("250"), K, r("200"), 0).unwrap();
        assert_eq!(rew, Reward::default(), "nothing raised, nothing paid");
        // 50 tokens at top 240: 12,000 raised; room 1% = 120 of the 100 + 1% · 38,000 = 480 due.
        let (plan, _) = h.take(id, w("50"), r("240"), K, 0).unwrap();
        assert_eq!(plan.owe, w("12000"));
        let done = h.done_at(id, 0).unwrap();
        let (_, rew) = h.redo(id, K, r("200"), done).unwrap();
        assert_eq!(rew, Reward { coin: w("120"), reward: w("0.6") });
        let (_, rew) = h.redo(id, K, r("200"), h.done_at(id, done).unwrap()).unwrap();
        assert_eq!(rew, Reward::default(), "the room is used up");
        let raised = w("12000").checked_add(Wad::from_raw(U256::from(1))).unwrap();
        assert_eq!(h.budget(), RewardBudget { raised, paid: w("120") });
        // Lowering rmax below what was paid leaves no room (no underflow).
        h.params.rmax = Wad::ZERO;
        assert_eq!(h.budget().room(h.params.rmax), Ok(Wad::ZERO));
    }
}
