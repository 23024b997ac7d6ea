//! A constant-product market (Uniswap V2), in the pair's own integer arithmetic.
//!
//! A keeper without capital buys a Dutch slice and sells it on a governance-token / stablecoin
//! pair in the same transaction. Whether that pays, and how large a slice to take, depends on the
//! pair's reserves only, so this module computes it exactly as the pair does:
//!
//! ```text
//!   out = ⌊ 997 · in · R_out / (1000 · R_in + 997 · in) ⌋        (UniswapV2Library.getAmountOut)
//!   in  = ⌊ 1000 · R_in · out / (997 · (R_out − out)) ⌋ + 1     (UniswapV2Library.getAmountIn)
//! ```
//!
//! The pair accepts any swap that keeps `(1000·b_in − 3·in) · 1000·b_out ≥ R_in · R_out · 1000²`
//! (its `K` check) with balances below 2^112; `out` above is the largest output that passes it.
//!
//! A flash take of `slice` tokens at the Dutch price `p` (RAY) owes `⌈slice · p / RAY⌉`
//! stablecoin (the auction rounds the buyer's payment up) and sells for `out(slice)`, so its
//! profit is `out(slice) − ⌈slice · p / RAY⌉` (WAD), concave in `slice` up to the roundings. Its
//! continuous maximum is where the pool's marginal price equals `p`:
//!
//! ```text
//!   1000 · R_in + 997 · slice = √(997 · 1000 · R_in · R_out · RAY / p)
//! ```
//!
//! [`Reserves::best_slice`] starts there and searches the integers around it.
//!
//! Amounts are in the tokens' base units; both tokens of a Backstop deployment have 18 decimals,
//! so they are [`Wad`]s. Reserves are the pair's `uint112`s.

use crate::{
    error::{Error, Result},
    math::{RAY, Ray, Wad},
};
use alloy_primitives::{U256, U512};
use serde::{Deserialize, Serialize};

/// The largest reserve (and balance) a pair stores: 2^112 − 1.
pub const MAX_RESERVE: U256 = U256::from_limbs([u64::MAX, (1 << 48) - 1, 0, 0]);

/// How far around the continuous optimum [`Reserves::best_slice`] searches, in base units.
const SEARCH: u64 = 4;

/// The output of a swap of `amount_in` (base units) against reserves `reserve_in`,
/// `reserve_out`, exactly as `UniswapV2Library.getAmountOut` (0.3% fee, floor).
///
/// Errors: [`Error::InsufficientInputAmount`] for a zero input,
/// [`Error::InsufficientLiquidity`] for an empty reserve, [`Error::Overflow`] when the pair could
/// not hold the new balance (above 2^112 − 1).
pub fn amount_out(amount_in: Wad, reserve_in: Wad, reserve_out: Wad) -> Result<Wad> {
    check_reserves(reserve_in, reserve_out)?;
    if amount_in.is_zero() {
        return Err(Error::InsufficientInputAmount);
    }
    let (a, ri, ro) = (amount_in.raw(), reserve_in.raw(), reserve_out.raw());
    if ri.checked_add(a).is_none_or(|b| b > MAX_RESERVE) {
        return Err(Error::Overflow);
    }
    // a, ri, ro < 2^112: 997·a·ro < 2^234 and 1000·ri + 997·a < 2^123, no overflow.
    let with_fee = a * U256::from(997);
    let num = with_fee * ro;
    let den = ri * U256::from(1000) + with_fee;
    Ok(Wad::from_raw(num / den))
}

/// The input a swap needs for `amount_out` (base units), exactly as
/// `UniswapV2Library.getAmountIn`: `⌊1000 · R_in · out / (997 · (R_out − out))⌋ + 1`.
///
/// Errors: [`Error::InsufficientOutputAmount`] for a zero output,
/// [`Error::InsufficientLiquidity`] for an empty reserve or `out ≥ R_out`.
pub fn amount_in(amount_out: Wad, reserve_in: Wad, reserve_out: Wad) -> Result<Wad> {
    check_reserves(reserve_in, reserve_out)?;
    if amount_out.is_zero() {
        return Err(Error::InsufficientOutputAmount);
    }
    let (o, ri, ro) = (amount_out.raw(), reserve_in.raw(), reserve_out.raw());
    if o >= ro {
        return Err(Error::InsufficientLiquidity { reserve_in: ri, reserve_out: ro });
    }
    let num = ri * o * U256::from(1000);
    let den = (ro - o) * U256::from(997);
    Ok(Wad::from_raw(num / den + U256::from(1)))
}

fn check_reserves(reserve_in: Wad, reserve_out: Wad) -> Result<()> {
    let (ri, ro) = (reserve_in.raw(), reserve_out.raw());
    if ri.is_zero() || ro.is_zero() {
        return Err(Error::InsufficientLiquidity { reserve_in: ri, reserve_out: ro });
    }
    if ri > MAX_RESERVE || ro > MAX_RESERVE {
        return Err(Error::Overflow);
    }
    Ok(())
}

/// A governance-token / stablecoin pair's reserves, base units (WAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reserves {
    /// Governance tokens in the pair, WAD.
    pub gov: Wad,
    /// Stablecoin (the raise asset) in the pair, WAD.
    pub coin: Wad,
}

/// One flash take, as [`Reserves::flash`] prices it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashTrade {
    /// Governance tokens bought from the auction and sold on the pair, WAD.
    pub slice: Wad,
    /// Stablecoin owed to the auction, `⌈slice · price / RAY⌉`, WAD.
    pub owe: Wad,
    /// Stablecoin the pair pays for the slice, WAD.
    pub out: Wad,
}

impl FlashTrade {
    /// `out − owe` (WAD), or `None` when the trade loses (or breaks even).
    pub fn profit(&self) -> Option<Wad> {
        self.out.checked_sub(self.owe).ok().filter(|p| !p.is_zero())
    }

    fn signed(&self) -> (bool, U256) {
        let (o, w) = (self.out.raw(), self.owe.raw());
        if o >= w { (true, o - w) } else { (false, w - o) }
    }

    /// True if this trade's profit is strictly above `other`'s.
    fn beats(&self, other: &Self) -> bool {
        match (self.signed(), other.signed()) {
            ((true, a), (true, b)) => a > b,
            ((true, _), (false, _)) => true,
            ((false, _), (true, _)) => false,
            ((false, a), (false, b)) => a < b,
        }
    }
}

impl Reserves {
    /// Reserves of `gov` governance tokens and `coin` stablecoin, WAD each.
    pub fn new(gov: Wad, coin: Wad) -> Self {
        Self { gov, coin }
    }

    /// Stablecoin out for selling `gov_in` governance tokens ([`amount_out`]), and the reserves
    /// after the swap.
    pub fn sell_gov(&self, gov_in: Wad) -> Result<(Wad, Self)> {
        let out = amount_out(gov_in, self.gov, self.coin)?;
        Ok((out, Self { gov: self.gov.checked_add(gov_in)?, coin: self.coin.checked_sub(out)? }))
    }

    /// Governance tokens out for `coin_in` stablecoin ([`amount_out`]), and the reserves after.
    pub fn buy_gov(&self, coin_in: Wad) -> Result<(Wad, Self)> {
        let out = amount_out(coin_in, self.coin, self.gov)?;
        Ok((out, Self { gov: self.gov.checked_sub(out)?, coin: self.coin.checked_add(coin_in)? }))
    }

    /// The marginal price before fees, stablecoin per governance token, RAY (floor).
    pub fn spot_price(&self) -> Result<Ray> {
        check_reserves(self.gov, self.coin)?;
        Ok(Ray::from_raw(self.coin.raw() * RAY / self.gov.raw()))
    }

    /// The price impact of selling `gov_in`: `1 − (out / gov_in) / spot`, RAY (the 0.3% fee
    /// included; `0.0030…` for a tiny sale, towards 1 for a sale that drains the pool). Rounded
    /// up, so a keeper comparing it with a bound errs on the safe side.
    pub fn price_impact(&self, gov_in: Wad) -> Result<Ray> {
        let out = amount_out(gov_in, self.gov, self.coin)?;
        // out / in / (coin / gov) = out · gov / (in · coin) ≤ 1; 1 − that, rounded up, in RAY.
        let num = U512::from(out.raw()) * U512::from(self.gov.raw()) * U512::from(RAY);
        let den = U512::from(gov_in.raw()) * U512::from(self.coin.raw());
        let ratio = num / den; // floor, so 1 − ratio rounds up
        let ratio = U256::from(ratio.min(U512::from(RAY)));
        Ok(Ray::from_raw(RAY - ratio))
    }

    /// A flash take of `slice` at the Dutch `price` (RAY): owe `⌈slice · price / RAY⌉`, sell the
    /// slice on this pair.
    pub fn flash(&self, price: Ray, slice: Wad) -> Result<FlashTrade> {
        let owe = owe(slice, price)?;
        let out = amount_out(slice, self.gov, self.coin)?;
        Ok(FlashTrade { slice, owe, out })
    }

    /// The slice in `[1, max_slice]` (WAD) whose flash take at `price` (RAY) earns the most, or
    /// `None` when none earns anything. It is the integer optimum near the continuous one (where
    /// the pool's marginal price after the sale equals `price`); the roundings of `owe` and `out`
    /// make the profit jitter by at most 2 wei around a concave curve, so a slice found here
    /// earns within 2 wei of the best integer slice.
    pub fn best_slice(&self, price: Ray, max_slice: Wad) -> Result<Option<FlashTrade>> {
        check_reserves(self.gov, self.coin)?;
        if price.is_zero() {
            return Err(Error::DivisionByZero);
        }
        let max = max_slice.raw().min(MAX_RESERVE - self.gov.raw());
        if max.is_zero() {
            return Ok(None);
        }
        let (ri, ro) = (U512::from(self.gov.raw()), U512::from(self.coin.raw()));
        // √(997 · 1000 · R_in · R_out · RAY / p): below 2^(20 + 224 + 90) / 1 under the root.
        let radicand = U512::from(997_000u64) * ri * ro * U512::from(RAY) / U512::from(price.raw());
        let root = radicand.root(2);
        let base = ri * U512::from(1000);
        let center = if root > base {
            U256::from((root - base) / U512::from(997)).min(max)
        } else {
            U256::from(1)
        };
        let lo = center.saturating_sub(U256::from(SEARCH)).max(U256::from(1));
        let hi = center.saturating_add(U256::from(SEARCH)).min(max);
        let mut best: Option<FlashTrade> = None;
        let mut s = lo;
        while s <= hi {
            let t = self.flash(price, Wad::from_raw(s))?;
            if best.as_ref().is_none_or(|b| t.beats(b)) {
                best = Some(t);
            }
            s += U256::from(1);
        }
        Ok(best.filter(|t| t.profit().is_some()))
    }

    /// The largest slice in `[1, max_slice]` (WAD) whose flash take at `price` (RAY) still earns
    /// at least `min_profit` (WAD): past [`Self::best_slice`], profit falls as the slice grows,
    /// so this clears the most debt a keeper will take at its margin. `None` if even the best
    /// slice earns less.
    pub fn largest_slice(
        &self,
        price: Ray,
        max_slice: Wad,
        min_profit: Wad,
    ) -> Result<Option<FlashTrade>> {
        let Some(best) = self.best_slice(price, max_slice)? else { return Ok(None) };
        let enough = |t: &FlashTrade| t.profit().is_some_and(|p| p >= min_profit);
        if !enough(&best) {
            return Ok(None);
        }
        let max = max_slice.raw().min(MAX_RESERVE - self.gov.raw());
        let top = self.flash(price, Wad::from_raw(max))?;
        if enough(&top) {
            return Ok(Some(top));
        }
        // Invariant: `lo` earns enough, `hi` does not.
        let (mut lo, mut hi) = (best, top);
        while hi.slice.raw() - lo.slice.raw() > U256::from(1) {
            let mid = (lo.slice.raw() + hi.slice.raw()) >> 1;
            let t = self.flash(price, Wad::from_raw(mid))?;
            if enough(&t) { lo = t } else { hi = t }
        }
        Ok(Some(lo))
    }
}

/// What a slice owes at `price`: `⌈slice · price / RAY⌉` (WAD), as the Dutch auction computes it.
pub fn owe(slice: Wad, price: Ray) -> Result<Wad> {
    let p = slice.raw().checked_mul(price.raw()).ok_or(Error::Overflow)?;
    Ok(Wad::from_raw(p.div_ceil(RAY)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(units: u64) -> Wad {
        Wad::from_raw(U256::from(units))
    }

    /// The pair's own acceptance rule for a swap of `a_in` in for `out` out.
    fn pair_accepts(ri: u128, ro: u128, a_in: u128, out: u128) -> bool {
        if out == 0 || out >= ro {
            return false;
        }
        let (ri, ro, a, o) = (U256::from(ri), U256::from(ro), U256::from(a_in), U256::from(out));
        let b_in = ri + a;
        let b_out = ro - o;
        let adj_in = b_in * U256::from(1000) - a * U256::from(3);
        let adj_out = b_out * U256::from(1000);
        adj_in * adj_out >= ri * ro * U256::from(1_000_000)
    }

    #[test]
    fn matches_the_library_on_known_values() {
        // getAmountOut(1e18, 5e18, 10e18) = 1662497915624478906 (Uniswap V2's own test vector).
        let out = amount_out(Wad::from_units(1), Wad::from_units(5), Wad::from_units(10)).unwrap();
        assert_eq!(out.raw(), U256::from(1_662_497_915_624_478_906u64));
        assert_eq!(amount_out(w(0), w(1), w(1)), Err(Error::InsufficientInputAmount));
        assert!(matches!(amount_out(w(1), w(0), w(1)), Err(Error::InsufficientLiquidity { .. })));
        assert!(matches!(amount_in(w(10), w(10), w(10)), Err(Error::InsufficientLiquidity { .. })));
    }

    #[test]
    fn the_best_slice_of_a_pool_below_the_price_is_none() {
        // Pool price 1 coin per token, Dutch price 2: buying to sell loses.
        let r = Reserves::new(Wad::from_units(1000), Wad::from_units(1000));
        assert_eq!(r.best_slice("2".parse().unwrap(), Wad::from_units(100)).unwrap(), None);
        // Dutch price 0.5: the best slice is where the pool's marginal price falls to 0.5.
        let t = r.best_slice("0.5".parse().unwrap(), Wad::from_units(1000)).unwrap().unwrap();
        assert!(t.profit().unwrap() > Wad::from_units(80), "{t:?}");
        let after =
            Reserves::new(r.gov.checked_add(t.slice).unwrap(), r.coin.checked_sub(t.out).unwrap());
        let spot = after.spot_price().unwrap();
        assert!(spot > "0.49".parse().unwrap() && spot < "0.51".parse().unwrap(), "{spot}");
    }

    proptest! {
        /// `amount_out` is the largest output the pair's K check accepts, and `amount_in` the
        /// smallest input for a given output.
        #[test]
        fn out_is_the_largest_the_pair_accepts(
            ri in 1u128..1_000_000_000_000, ro in 1u128..1_000_000_000_000, a in 1u128..1_000_000_000_000,
        ) {
            let out = amount_out(w(a as u64), w(ri as u64), w(ro as u64)).unwrap();
            let o = out.raw().to::<u128>();
            if o > 0 {
                prop_assert!(pair_accepts(ri, ro, a, o));
            }
            prop_assert!(!pair_accepts(ri, ro, a, o + 1));
            if o > 0 {
                let need = amount_in(out, w(ri as u64), w(ro as u64)).unwrap().raw().to::<u128>();
                prop_assert!(need <= a);
                prop_assert!(pair_accepts(ri, ro, need, o));
                prop_assert!(need == 1 || !pair_accepts(ri, ro, need - 1, o));
            }
        }

        /// Against every slice of a small pool: the best slice earns within 2 wei of the best
        /// integer slice, and exists whenever some slice earns more than 2 wei.
        #[test]
        fn best_slice_is_within_two_wei_of_exhaustive_search(
            ri in 1u64..5_000, ro in 1u64..5_000, max in 1u64..3_000,
            price_milli in 1u64..4_000,
        ) {
            let r = Reserves::new(w(ri), w(ro));
            let price = Ray::from_raw(U256::from(price_milli) * RAY / U256::from(1000));
            let profit = |t: &FlashTrade| t.out.raw().to::<i128>() - t.owe.raw().to::<i128>();
            let best = (1..=max).map(|s| profit(&r.flash(price, w(s)).unwrap())).max().unwrap();
            let found = r.best_slice(price, w(max)).unwrap();
            if best > 2 {
                let f = found.expect("a slice earning more than 2 wei exists");
                prop_assert!(profit(&f) + 2 >= best, "found {f:?}, best {best}");
            }
            if let Some(f) = found {
                prop_assert!(profit(&f) > 0 && f.slice.raw() <= U256::from(max));
            }
        }

        /// `largest_slice` earns at least the minimum, and one more base unit would not
        /// (or the cap was reached).
        #[test]
        fn largest_slice_is_the_last_that_earns_the_minimum(
            ri in 1_000u64..1_000_000, ro in 1_000u64..1_000_000, max in 1u64..500_000,
            price_milli in 1u64..2_000, min in 0u64..1_000,
        ) {
            let r = Reserves::new(w(ri), w(ro));
            let price = Ray::from_raw(U256::from(price_milli) * RAY / U256::from(1000));
            if let Some(t) = r.largest_slice(price, w(max), w(min)).unwrap() {
                prop_assert!(t.profit().unwrap() >= w(min));
                let s = t.slice.raw().to::<u64>();
                if s < max {
                    let next = r.flash(price, w(s + 1)).unwrap();
                    prop_assert!(next.profit().is_none_or(|p| p < w(min)), "{t:?} then {next:?}");
                }
            }
        }

        /// Price impact is at least the fee and grows with the sale (at token scale, where the
        /// floor of `out` is far below a RAY-unit of impact).
        #[test]
        fn price_impact_grows_with_the_sale(
            ri in 100u64..1_000_000_000, ro in 100u64..1_000_000_000, a in 1_000u64..1_000_000,
        ) {
            let unit = |n: u64| Wad::from_raw(U256::from(n) * U256::from(10u64).pow(U256::from(15)));
            let r = Reserves::new(unit(ri * 1000), unit(ro * 1000));
            let small = r.price_impact(unit(a)).unwrap();
            let big = r.price_impact(unit(a * 10)).unwrap();
            prop_assert!(small <= big, "{small} > {big}");
            prop_assert!(small.raw() + U256::from(1) >= "0.003".parse::<Ray>().unwrap().raw());
        }
    }
}
