//! The governance token's constant-product pool (Uniswap V2), and the decision of a keeper
//! without capital that sells what it takes there.
//!
//! A scenario with `[market.pool]` holds one pool of the governance token against the stablecoin.
//! Its state is the pair's two reserves, exact integers ([`Reserves`], WAD), and every trade on it
//! uses the pair's own arithmetic ([`backstop_core::amm`]: `amount_out` with the 0.3% fee, rounded
//! down), so `k = R_gov · R_coin` never decreases. Three kinds of trade move it:
//!
//! ```text
//!   start        R_coin = coin_reserve,  R_gov = ⌊coin_reserve · RAY / price⌋   (spot = market price)
//!   flash take   a keeper without capital buys a Dutch slice at the sale's price p and sells it
//!                here in the same transaction: out = amount_out(slice, R_gov, R_coin);
//!                it takes only if out − ⌈slice · p⌉ ≥ min_profit + gas  (strategy::flash_take)
//!   winners      a capital bidder that wins sells `market.depth.sell` of its tokens here
//!                (instead of the float impact model of `market.depth`)
//!   arbitrage    every arb_step seconds, at t = k · arb_step, against the market path m(t):
//!                  band   = [0.997 · m, m / 0.997]            (inside it no arbitrage pays)
//!                  edge   = the band's nearer end; nothing to do if spot is inside
//!                  target = edge · (spot / edge)^keep,  keep = (1 − arb_rate)^(arb_step / 3600)
//!                  trade  = the swap (exact amount_out) whose post-trade spot is the target:
//!                           selling a of the dear token X (reserve x, other reserve y) leaves
//!                           its price at Q when 997a² + 1997x·a + 1000x² − 1000x·y/Q = 0
//!                so the log-gap between the pool and the band closes by 1 − keep per step and
//!                by arb_rate per hour (arb_rate = 1: closed at every step)
//! ```
//!
//! The market path `m(t)` is the scenario's price path: with a pool, winners sell on the pool,
//! so the path is not depressed by the impact model, and the market price that bidders value the
//! token at, the oracle reads and the discount is measured against is the path. The pool's own
//! price is what keepers without capital can sell at: it falls as they sell and arbitrage pulls
//! it back. Arbitrageurs trade against a market outside the model, which they do not move.
//!
//! Arbitrage happens on a fixed grid of times, before anything else at the same second, so the
//! pool at `t` depends only on the trades made before `t` and the path, never on how often it is
//! read: a run's outcome does not change when a trace reads the pool more often. The sizes of the
//! arbitrage trades are computed in floats (they decide *how much* to trade); the trades
//! themselves are exact.
//!
//! A flash keeper decides with [`flash_plan`] (the keeper's own [`flash_take`], with the gas of
//! the take added to its minimum profit) and, when no slice pays yet, sleeps until the Dutch
//! price reaches [`flash_limit`] (the price at which the best slice earns the minimum against the
//! pool as it is now). Its transaction lands later, against the pool and the sale as they are
//! then: [`flash_settle`] takes and sells as `DutchFlashTaker` does, and reverts
//! (`ProfitTooLow`) when the sale no longer pays the minimum — the taker's on-chain check, which
//! does not count gas.

use crate::scenario::PoolSpec;
use alloy_primitives::{Address, U256, U512};
use backstop_core::{
    DutchHouse, Error as CoreError, Ray, TakePlan, Timestamp, Wad,
    amm::{MAX_RESERVE, Reserves},
    strategy::{FlashTake, NoTake, flash_take},
};

/// The pair's fee as the fraction an input keeps: 997 / 1000.
pub const FEE_KEEP: f64 = 0.997;

/// Seconds in an hour, the unit of `arb_rate`.
const HOUR: f64 = 3_600.0;

/// A whole-token float (≥ 0) as a [`Wad`], rounded down to the wei; `None` if not finite, not
/// positive, or beyond 2^112 − 1 wei (what a pair holds).
pub fn wad_floor(x: f64) -> Option<Wad> {
    if !(x.is_finite() && x > 0.0) {
        return None;
    }
    // Whole tokens and 18 decimals, split so that a large amount keeps an f64's precision.
    let whole = x.floor();
    if whole >= 5.2e15 {
        return None; // ≥ 2^112 wei
    }
    let frac = ((x - whole) * 1e18).floor();
    let raw = U256::from(whole as u128) * U256::from(10u64).pow(U256::from(18))
        + U256::from(frac as u128);
    (!raw.is_zero() && raw <= MAX_RESERVE).then(|| Wad::from_raw(raw))
}

/// The input `a` (whole units of the token sold, X) that leaves X's price in units of Y at `q`
/// after a swap against reserves `x` (of X) and `y` (of Y), the 0.3% fee included: the positive
/// root of `997a² + 1997x·a + 1000x² − 1000x·y/q = 0`, written so that a small trade keeps its
/// precision. 0 if X is not dearer than `q` (`y / x ≤ q`) or the inputs are not positive.
pub fn swap_in_for_price(x: f64, y: f64, q: f64) -> f64 {
    if !(x > 0.0 && y > 0.0 && q > 0.0) {
        return 0.0;
    }
    let excess = y / q - x; // positive when X is dearer than q
    if !(excess > 0.0 && excess.is_finite()) {
        return 0.0;
    }
    let d = 9.0 * x * x + 3_988_000.0 * x * (y / q);
    let a = 2_000.0 * x * excess / (1_997.0 * x + d.sqrt());
    if a.is_finite() { a.max(0.0) } else { 0.0 }
}

/// The pool during a run: its reserves and the arbitrage clock.
#[derive(Debug, Clone)]
pub struct Pool {
    reserves: Reserves,
    /// The part of the log-gap an arbitrage step leaves: `(1 − arb_rate)^(arb_step / 3600)`.
    keep: f64,
    /// Seconds between arbitrage steps.
    step: u64,
    /// The next arbitrage step, seconds after `t = 0`.
    next: u64,
    /// Arbitrage swaps made.
    pub arb_trades: u64,
}

impl Pool {
    /// The pool of `spec` holding `reserves` (WAD) at `t = 0`.
    pub fn new(spec: &PoolSpec, reserves: Reserves) -> Self {
        let step = spec.arb_step.max(1);
        let keep = (1.0 - spec.arb_rate.clamp(0.0, 1.0)).powf(step as f64 / HOUR);
        Self { reserves, keep, step, next: step, arb_trades: 0 }
    }

    /// The reserves now, WAD.
    pub fn reserves(&self) -> Reserves {
        self.reserves
    }

    /// The spot price, stablecoin per token (float; 0 for an empty side).
    pub fn spot(&self) -> f64 {
        spot(&self.reserves)
    }

    /// Makes every arbitrage step due at or before `t` (seconds after `t = 0`), each against the
    /// market price `market(step time)` (stablecoin per token).
    pub fn sync(&mut self, t: u64, mut market: impl FnMut(u64) -> f64) {
        while self.next <= t {
            let m = market(self.next);
            self.arbitrage(m);
            self.next = self.next.saturating_add(self.step);
        }
    }

    /// One arbitrage step against the market price `m` (stablecoin per token): the exact swap
    /// that moves the spot to `edge · (spot / edge)^keep`, where `edge` is the nearer end of the
    /// fee band `[0.997 · m, m / 0.997]`; nothing inside the band, nothing if `m` is not a
    /// positive number, nothing if the pair would refuse the swap.
    pub fn arbitrage(&mut self, m: f64) {
        if !(m.is_finite() && m > 0.0) || self.keep >= 1.0 {
            return;
        }
        let s = self.spot();
        if s.is_nan() || s <= 0.0 {
            return;
        }
        let (lo, hi) = (m * FEE_KEEP, m / FEE_KEEP);
        let edge = if s < lo {
            lo
        } else if s > hi {
            hi
        } else {
            return;
        };
        let target = edge * (s / edge).powf(self.keep);
        let gov = crate::market::f64_of_wad(self.reserves.gov);
        let coin = crate::market::f64_of_wad(self.reserves.coin);
        let traded = if s < lo {
            // The token is cheap here: buy it with stablecoin until it costs `target`; the
            // stablecoin's price in tokens falls to 1 / target.
            wad_floor(swap_in_for_price(coin, gov, 1.0 / target))
                .and_then(|a| self.reserves.buy_gov(a).ok())
        } else {
            // Dear here: sell tokens until one fetches `target`.
            wad_floor(swap_in_for_price(gov, coin, target))
                .and_then(|a| self.reserves.sell_gov(a).ok())
        };
        if let Some((_, after)) = traded
            && !after.gov.is_zero()
            && !after.coin.is_zero()
        {
            self.reserves = after;
            self.arb_trades += 1;
        }
    }

    /// Sells `gov_in` governance tokens (WAD) on the pool: the stablecoin out (WAD), exact; `None`
    /// (and nothing changes) for a zero amount or a sale the pair refuses.
    pub fn sell(&mut self, gov_in: Wad) -> Option<Wad> {
        if gov_in.is_zero() {
            return None;
        }
        let (out, after) = self.reserves.sell_gov(gov_in).ok()?;
        self.reserves = after;
        Some(out)
    }

    /// Sets the reserves after a trade priced elsewhere against the current ones
    /// ([`flash_settle`]).
    pub fn set(&mut self, reserves: Reserves) {
        self.reserves = reserves;
    }
}

/// `reserves`' spot price, stablecoin per token (float; 0 for an empty side).
pub fn spot(reserves: &Reserves) -> f64 {
    let gov = crate::market::f64_of_wad(reserves.gov);
    if gov > 0.0 { crate::market::f64_of_wad(reserves.coin) / gov } else { 0.0 }
}

/// `a + b` (WAD), saturating.
fn add(a: Wad, b: Wad) -> Wad {
    Wad::from_raw(a.raw().saturating_add(b.raw()))
}

/// A flash keeper's decision on sale `id` at `now`, against the pool's `reserves`: the keeper's
/// own [`flash_take`] with `min_profit + gas` (WAD, stablecoin) as the minimum the sale of the
/// slice must leave after paying what it owes. Never a take whose planned profit is below that
/// minimum.
pub fn flash_plan(
    house: &DutchHouse,
    id: u64,
    who: Address,
    reserves: &Reserves,
    min_profit: Wad,
    gas: Wad,
    now: Timestamp,
) -> Result<FlashTake, NoTake> {
    flash_take(house, id, who, reserves, add(min_profit, gas), now)
}

/// The highest Dutch price (stablecoin per token) at which some slice of a sale with `lot`
/// tokens and `tab` stablecoin left (WAD) earns `min_profit` (WAD) against `reserves`, in the
/// continuous approximation: the best slice `s*` solves `(R_gov + 0.997 s)² = 0.997 R_gov R_coin
/// / p`, capped at `min(lot, tab / p)`, and the profit `out(s*) − s* p` falls as `p` rises. Found
/// by bisection below `below` (the sale's current price); `None` if not even a price near 0 pays.
/// It only tells a keeper when to look again: the decision itself is [`flash_plan`]'s, exact.
pub fn flash_limit(
    reserves: &Reserves,
    min_profit: Wad,
    lot: Wad,
    tab: Wad,
    below: f64,
) -> Option<f64> {
    let (rg, rc) =
        (crate::market::f64_of_wad(reserves.gov), crate::market::f64_of_wad(reserves.coin));
    let (lot, tab, m) = (
        crate::market::f64_of_wad(lot),
        crate::market::f64_of_wad(tab),
        crate::market::f64_of_wad(min_profit),
    );
    if !(rg > 0.0 && rc > 0.0 && lot > 0.0 && below > 0.0) {
        return None;
    }
    let profit = |p: f64| {
        let cap = if tab > 0.0 { lot.min(tab / p) } else { lot };
        let s = (((FEE_KEEP * rg * rc / p).sqrt() - rg) / FEE_KEEP).clamp(0.0, cap);
        let out = FEE_KEEP * s * rc / (rg + FEE_KEEP * s);
        out - s * p
    };
    let ok = |p: f64| profit(p) >= m && profit(p) > 0.0;
    let (mut lo, mut hi) = (below * 1e-9, below);
    if !ok(lo) {
        return None;
    }
    if ok(hi) {
        return Some(hi);
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) { lo = mid } else { hi = mid }
    }
    Some(lo)
}

/// A flash take as it lands: what the sale sold and the pool paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashFill {
    /// What the sale does: slice minted, stablecoin owed (WAD), price (RAY).
    pub plan: TakePlan,
    /// Stablecoin the pool pays for the slice, WAD.
    pub out: Wad,
    /// The pool's reserves after the sale, WAD.
    pub after: Reserves,
}

impl FlashFill {
    /// The taker's profit before gas, `out − owe` (WAD; at least the minimum it was settled
    /// with).
    pub fn profit(&self) -> Wad {
        self.out.saturating_sub(self.plan.owe)
    }
}

/// Why a flash take reverts when it lands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlashRevert {
    /// The sale refuses the take (gone, needs a reset, price above `max`, the dust rule).
    #[error("the sale refuses the take: {0}")]
    Take(CoreError),
    /// The pair refuses the sale of the slice.
    #[error("the pair refuses the sale of the slice: {0}")]
    Pool(CoreError),
    /// Selling the slice does not pay what it owes plus the minimum (the taker's `ProfitTooLow`).
    #[error("ProfitTooLow: out {out}, owe {owe}, min_profit {min_profit}")]
    ProfitTooLow {
        /// Stablecoin the pool would pay, WAD.
        out: Wad,
        /// Stablecoin the slice owes, WAD.
        owe: Wad,
        /// The taker's minimum, WAD.
        min_profit: Wad,
    },
}

/// A flash take as sent: the `take` arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashOrder {
    /// Sale id.
    pub id: u64,
    /// Tokens asked for, WAD.
    pub amt: Wad,
    /// Highest price, RAY (stablecoin per token).
    pub max: Ray,
    /// Recipient of the slice (the taker).
    pub who: Address,
}

/// A flash take `order` landing at `now` against the sale and the pool (`reserves`, WAD) as they
/// are then, as `DutchFlashTaker` executes it: the sale's plan (`check_take`), the sale of the
/// slice on the pool (exact), and the check that it pays `owe + min_profit` (WAD; gas is not
/// counted on chain). Nothing is changed: the caller applies the take and sets the pool to
/// [`FlashFill::after`].
pub fn flash_settle(
    house: &DutchHouse,
    order: &FlashOrder,
    reserves: &Reserves,
    min_profit: Wad,
    now: Timestamp,
) -> Result<FlashFill, FlashRevert> {
    let FlashOrder { id, amt, max, who } = *order;
    let plan = house.check_take(id, amt, max, who, now).map_err(FlashRevert::Take)?;
    let (out, after) = reserves.sell_gov(plan.slice).map_err(FlashRevert::Pool)?;
    if out < add(plan.owe, min_profit) {
        return Err(FlashRevert::ProfitTooLow { out, owe: plan.owe, min_profit });
    }
    Ok(FlashFill { plan, out, after })
}

/// `k = R_gov · R_coin` (exact, 512 bits): the pair's invariant, which no trade lowers.
pub fn k(reserves: &Reserves) -> U512 {
    U512::from(reserves.gov.raw()) * U512::from(reserves.coin.raw())
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_core::{
        DutchParams,
        amm::amount_out,
        arb::{arb_dutch_params, arb_price, arb_wad},
    };
    use proptest::prelude::*;

    fn tokens(x: u64) -> Wad {
        Wad::from_units(x)
    }

    fn spec(arb_rate: f64, arb_step: u64) -> PoolSpec {
        PoolSpec { coin_reserve: tokens(1), arb_rate, arb_step }
    }

    /// A pool of `coin` stablecoin at `price` per token.
    fn pool(arb_rate: f64, coin: u64, price: u64) -> Pool {
        Pool::new(&spec(arb_rate, 60), Reserves::new(tokens(coin / price), tokens(coin)))
    }

    /// `ln(spot / edge)` against a market of `m`: 0 inside the fee band.
    fn gap(p: &Pool, m: f64) -> f64 {
        let s = p.spot();
        if s < m * FEE_KEEP {
            (s / (m * FEE_KEEP)).ln()
        } else if s > m / FEE_KEEP {
            (s / (m / FEE_KEEP)).ln()
        } else {
            0.0
        }
    }

    #[test]
    fn arbitrage_closes_the_gap_at_the_configured_rate() {
        for (start, m) in [(80u64, 100.0), (130, 100.0)] {
            for rate in [0.25, 0.5, 0.9] {
                let mut p = pool(rate, 10_000_000, start);
                let g0 = gap(&p, m);
                assert!(g0.abs() > 0.1, "{g0}");
                for hours in 1..=3u64 {
                    p.sync(hours * 3600, |_| m);
                    let expected = g0 * (1.0 - rate).powi(hours as i32);
                    let g = gap(&p, m);
                    assert!(
                        (g - expected).abs() < 1e-6 * g0.abs(),
                        "start {start}, rate {rate}, {hours} h: gap {g}, expected {expected}"
                    );
                }
                assert_eq!(p.arb_trades, 180);
            }
        }
    }

    #[test]
    fn full_arbitrage_lands_on_the_band_and_none_stays_put() {
        let mut p = pool(1.0, 10_000_000, 80);
        p.sync(60, |_| 100.0);
        assert!((p.spot() / (100.0 * FEE_KEEP) - 1.0).abs() < 1e-9, "{}", p.spot());
        // Inside the band: nothing to do.
        let before = p.reserves();
        p.sync(3600, |_| 100.0);
        assert_eq!(p.reserves(), before);
        let mut p = pool(0.0, 10_000_000, 80);
        let before = p.reserves();
        p.sync(86_400, |_| 100.0);
        assert_eq!((p.reserves(), p.arb_trades), (before, 0));
    }

    #[test]
    fn arbitrage_runs_on_its_grid_whoever_reads_the_pool() {
        // Read every second or once: the same pool at the end.
        let path = |t: u64| 100.0 * (1.0 + 0.3 * ((t as f64) / 5000.0).sin());
        let (mut a, mut b) = (pool(0.5, 5_000_000, 100), pool(0.5, 5_000_000, 100));
        for t in 0..=20_000 {
            a.sync(t, path);
        }
        b.sync(20_000, path);
        assert_eq!(a.reserves(), b.reserves());
        assert_eq!(a.arb_trades, b.arb_trades);
    }

    #[test]
    fn swap_size_hits_the_target_price() {
        let r = Reserves::new(tokens(100_000), tokens(10_000_000)); // 100 per token
        for target in [99.0, 90.0, 50.0, 1.0] {
            let a = swap_in_for_price(100_000.0, 10_000_000.0, target);
            let (_, after) = r.sell_gov(wad_floor(a).unwrap()).unwrap();
            assert!((spot(&after) / target - 1.0).abs() < 1e-9, "{target}: {}", spot(&after));
        }
        assert_eq!(swap_in_for_price(100_000.0, 10_000_000.0, 150.0), 0.0);
        assert_eq!(swap_in_for_price(0.0, 1.0, 1.0), 0.0);
        assert_eq!(
            wad_floor(1.5),
            Some(Wad::from_raw(U256::from(15u64) * U256::from(10u64).pow(U256::from(17))))
        );
        assert_eq!(wad_floor(-1.0), None);
        assert_eq!(wad_floor(f64::NAN), None);
        assert_eq!(wad_floor(1e30), None);
    }

    fn reserves() -> impl Strategy<Value = Reserves> {
        (arb_wad(1_000, 1_000_000_000), arb_wad(1_000, 1_000_000_000))
            .prop_map(|(gov, coin)| Reserves::new(gov, coin))
    }

    /// A step of the pool's life: an arbitrage step against a market price, or a sale.
    #[derive(Debug, Clone)]
    enum Op {
        Arb(f64),
        Sell(Wad),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (-6.0f64..6.0).prop_map(|e| Op::Arb(10f64.powf(e))),
            arb_wad(0, 10_000_000).prop_map(Op::Sell),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Arbitrage and sales are swaps in the pair's exact arithmetic: `k` never decreases,
        /// neither reserve empties, and an arbitrage swap is exactly `amount_out` of its input.
        #[test]
        fn k_never_decreases_and_trades_are_exact(
            start in reserves(),
            rate in 0.0f64..=1.0,
            ops in prop::collection::vec(op(), 1..40),
        ) {
            let mut p = Pool::new(&spec(rate, 60), start);
            for op in ops {
                let before = p.reserves();
                match op {
                    Op::Arb(m) => p.arbitrage(m),
                    Op::Sell(amount) => {
                        let out = p.sell(amount);
                        if let Some(out) = out {
                            prop_assert_eq!(out, amount_out(amount, before.gov, before.coin).unwrap());
                        }
                    }
                }
                let after = p.reserves();
                prop_assert!(k(&after) >= k(&before), "k fell: {:?} → {:?}", before, after);
                prop_assert!(!after.gov.is_zero() && !after.coin.is_zero());
                if after.coin > before.coin && after.gov < before.gov {
                    // Bought tokens with stablecoin.
                    let paid = after.coin.checked_sub(before.coin).unwrap();
                    let got = before.gov.checked_sub(after.gov).unwrap();
                    prop_assert_eq!(got, amount_out(paid, before.coin, before.gov).unwrap());
                } else if after.gov > before.gov {
                    let sold = after.gov.checked_sub(before.gov).unwrap();
                    let got = before.coin.checked_sub(after.coin).unwrap();
                    prop_assert_eq!(got, amount_out(sold, before.gov, before.coin).unwrap());
                } else {
                    prop_assert_eq!(after, before);
                }
            }
        }

        /// A flash keeper never takes at a loss: a take it plans pays, at the state it planned
        /// against, what the slice owes plus gas plus its minimum; and if another sale moves the
        /// pool before the take lands, the take either still pays the taker's minimum or reverts.
        #[test]
        fn the_flash_keeper_never_takes_at_a_loss(
            dp in arb_dutch_params(),
            oracle in arb_price(),
            tab in arb_wad(1, 1_000_000),
            lot in arb_wad(1, 100_000),
            gov in arb_wad(1_000, 100_000_000),
            ratio in 0.3f64..3.0,
            min_profit in arb_wad(0, 1_000),
            gas in arb_wad(0, 100),
            dt in 0u64..20_000,
            front_run in prop::option::of(0.0001f64..1.0),
        ) {
            // A pool priced near the oracle: `ratio` × the oracle price.
            let coin = crate::market::f64_of_wad(gov) * crate::market::f64_of_ray(oracle) * ratio;
            let Some(coin) = wad_floor(coin) else { return Ok(()) };
            let pool = Reserves::new(gov, coin);
            let who = Address::new([7; 20]);
            let mut house = DutchHouse::new(dp).unwrap();
            let Ok((id, _, _)) = house.kick(tab, lot, Address::ZERO, oracle, 0) else {
                return Ok(());
            };
            let Ok(ft) = flash_plan(&house, id, who, &pool, min_profit, gas, dt) else {
                return Ok(());
            };
            let planned = ft.trade.profit().unwrap_or(Wad::ZERO);
            prop_assert!(ft.trade.out > ft.trade.owe);
            prop_assert!(planned >= add(min_profit, gas), "{:?}", ft);
            let order = FlashOrder { id, amt: ft.take.amt, max: ft.take.max, who };
            // Landing on the state it planned against: it pays as planned.
            let fill = flash_settle(&house, &order, &pool, min_profit, dt).unwrap();
            prop_assert_eq!(fill.out, ft.trade.out);
            prop_assert_eq!(fill.plan.owe, ft.trade.owe);
            prop_assert_eq!(fill.after, ft.after);
            prop_assert!(k(&fill.after) >= k(&pool));
            // Landing after someone else sold on the pool (and a minute later).
            // (a sale of up to the pool's own token reserve)
            if let Some(part) = front_run {
                let sold = wad_floor(crate::market::f64_of_wad(gov) * part);
                let Some(Ok((_, moved))) = sold.map(|s| pool.sell_gov(s)) else { return Ok(()) };
                match flash_settle(&house, &order, &moved, min_profit, dt + 60) {
                    Ok(fill) => prop_assert!(fill.out >= add(fill.plan.owe, min_profit)),
                    Err(FlashRevert::ProfitTooLow { out, owe, .. }) => {
                        prop_assert!(out < add(owe, min_profit))
                    }
                    Err(FlashRevert::Take(_) | FlashRevert::Pool(_)) => {}
                }
            }
        }

        /// The price at which a keeper is told to look again is one at which (near) the best
        /// slice does pay its minimum, exactly.
        #[test]
        fn the_flash_limit_is_where_a_slice_pays(
            pool in reserves(),
            lot in arb_wad(1, 100_000),
            min_profit in arb_wad(1, 1_000),
        ) {
            let tab = tokens(1_000_000_000);
            let spot = spot(&pool);
            if let Some(l) = flash_limit(&pool, min_profit, lot, tab, spot) {
                prop_assert!(l > 0.0 && l <= spot * FEE_KEEP);
                // Just below the limit, the exact best slice earns the minimum (the continuous
                // estimate is exact up to roundings of a few wei).
                let price = crate::market::ray_of(l * 0.999_999);
                if !price.is_zero() {
                    let best = pool.best_slice(price, lot).unwrap();
                    let m = crate::market::f64_of_wad(min_profit);
                    let got = best.and_then(|t| t.profit()).map_or(0.0, crate::market::f64_of_wad);
                    prop_assert!(got >= m * 0.999, "limit {l}: best earns {got} < {m}");
                }
            }
        }
    }

    #[test]
    fn a_take_planned_with_default_params_pays() {
        let mut house = DutchHouse::new(DutchParams::default()).unwrap();
        let (id, _, _) = house
            .kick(tokens(50_000), tokens(1_000), Address::ZERO, "100".parse().unwrap(), 0)
            .unwrap();
        let deep = Reserves::new(tokens(200_000), tokens(20_000_000));
        let who = Address::new([1; 20]);
        // At the start (120 per token) nothing pays; after 30 steps of 1% (≈ 88.7) it does.
        assert!(flash_plan(&house, id, who, &deep, tokens(25), tokens(12), 0).is_err());
        let ft = flash_plan(&house, id, who, &deep, tokens(25), tokens(12), 30 * 90).unwrap();
        assert_eq!(ft.take.plan.owe, tokens(50_000), "the whole tab pays");
        let l = flash_limit(&deep, tokens(37), tokens(1_000), tokens(50_000), 120.0).unwrap();
        assert!(l > 95.0 && l < 99.7, "{l}");
    }
}
