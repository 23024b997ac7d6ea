//! The world around the auctions: the governance token's market price, the price impact of
//! winners selling, and the network that delays transactions.
//!
//! Everything here is a float model driven by the run's seeded RNG; it only decides *when* and *at
//! what limit* bidders act. What an action does is decided by `backstop-core`'s exact rules.
//!
//! ```text
//!   market(t) = path(t) · exp(−impact · pressure(t))
//!   pressure  += sell · tokens won          (decays with `half_life`, if set)
//!   with [market.pool]: market(t) = path(t); winners sell `sell · tokens won` on the pool
//!                       instead, and the pool's own price moves (crate::pool)
//!   path: GBM       S(t+dt) = S(t) · exp((μ − σ²/2)·dt + σ·√dt·Z)
//!         crash     GBM noise × a log-linear fall by `depth` over `fall`, then a climb to `recover_to`
//!         csv       linear between the rows (a file, or `points` inline)
//!   inclusion: a transaction sent at t lands in the first block after t that includes it; each
//!              block includes it with probability p(block) (geometric waits, memoryless across
//!              congestion windows)
//! ```

use crate::{
    pool::Pool,
    scenario::{Congestion, NetworkSpec, PathSpec, Scenario, YEAR},
};
use backstop_core::{MAX_PRICE, MIN_PRICE, Ray, Timestamp, Wad};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// `x` (≥ 0, finite) as a [`Ray`], rounded to 9 decimals.
pub fn ray_of(x: f64) -> Ray {
    let nano = (x.max(0.0) * 1e9).round();
    let nano = if nano.is_finite() { nano.min(1e30) as u128 } else { 0 };
    Ray::from_raw(alloy_primitives::U256::from(nano) * alloy_primitives::U256::from(10u64.pow(18)))
}

/// The RAY the oracle is fed for a market price `x` (stablecoin per token): [`ray_of`] held
/// within [[`MIN_PRICE`], [`MAX_PRICE`]], the prices the contracts compute with (a price beyond,
/// or not a number, takes the nearer end). Validated paths stay inside; only GBM noise can reach
/// the ends.
pub fn oracle_price_of(x: f64) -> Ray {
    if x.is_nan() || x <= 0.0 {
        return MIN_PRICE;
    }
    if x >= 1e21 {
        return MAX_PRICE; // beyond ray_of's range, far beyond MAX_PRICE
    }
    ray_of(x).clamp(MIN_PRICE, MAX_PRICE)
}

/// True if the market price `x` (stablecoin per token), as the oracle is fed it ([`ray_of`], 9
/// decimals), is within [[`MIN_PRICE`], [`MAX_PRICE`]].
pub fn price_in_range(x: f64) -> bool {
    x.is_finite() && x > 0.0 && x < 1e21 && (MIN_PRICE..=MAX_PRICE).contains(&ray_of(x))
}

/// A [`Wad`] as a float (whole units; precision of an `f64`).
pub fn f64_of_wad(w: Wad) -> f64 {
    fixed_to_f64(w.raw(), 1e18)
}

/// A [`Ray`] as a float (whole units; precision of an `f64`).
pub fn f64_of_ray(r: Ray) -> f64 {
    fixed_to_f64(r.raw(), 1e27)
}

fn fixed_to_f64(raw: alloy_primitives::U256, scale: f64) -> f64 {
    let limbs = raw.as_limbs();
    let mut x = 0.0;
    for (i, l) in limbs.iter().enumerate() {
        x += (*l as f64) * 2f64.powi(64 * i as i32);
    }
    x / scale
}

/// The market price path (before impact), generated lazily on a grid as time moves forward.
#[derive(Debug, Clone)]
pub struct PricePath {
    kind: PathKind,
    p0: f64,
    /// Grid step, seconds (GBM and crash).
    dt: u64,
    /// Noise level at grid points `0, dt, 2dt, …` (log of the multiplicative noise).
    log_noise: Vec<f64>,
    mu: f64,
    sigma: f64,
}

#[derive(Debug, Clone)]
enum PathKind {
    Gbm,
    Crash { at: f64, depth: f64, fall: f64, recovery: f64, recover_to: f64 },
    Csv(Vec<(u64, f64)>),
}

impl PricePath {
    /// The path of `scenario`'s market.
    pub fn new(scenario: &Scenario) -> Self {
        let p0 = f64_of_ray(scenario.market.price);
        match &scenario.market.path {
            PathSpec::Gbm { drift, volatility, dt } => Self {
                kind: PathKind::Gbm,
                p0,
                dt: *dt,
                log_noise: vec![0.0],
                mu: *drift,
                sigma: *volatility,
            },
            PathSpec::Crash { at, depth, fall, recovery, recover_to, drift, volatility, dt } => {
                Self {
                    kind: PathKind::Crash {
                        at: *at as f64,
                        depth: *depth,
                        fall: *fall as f64,
                        recovery: *recovery as f64,
                        recover_to: *recover_to,
                    },
                    p0,
                    dt: *dt,
                    log_noise: vec![0.0],
                    mu: *drift,
                    sigma: *volatility,
                }
            }
            PathSpec::Csv { .. } | PathSpec::Points { .. } => Self {
                kind: PathKind::Csv(scenario.csv_points.clone()),
                p0,
                dt: 1,
                log_noise: vec![0.0],
                mu: 0.0,
                sigma: 0.0,
            },
        }
    }

    /// The price at `t` seconds after the start (stablecoin per token). Queries should move
    /// forward in time (the noise is generated up to the latest `t` asked for).
    pub fn at(&mut self, t: u64, rng: &mut ChaCha8Rng) -> f64 {
        if let PathKind::Csv(points) = &self.kind {
            return csv_price(points, t);
        }
        let i = (t / self.dt) as usize;
        if self.sigma > 0.0 || self.mu != 0.0 {
            let h = self.dt as f64 / YEAR;
            let drift = (self.mu - 0.5 * self.sigma * self.sigma) * h;
            let vol = self.sigma * h.sqrt();
            while self.log_noise.len() <= i + 1 {
                let z: f64 = rng.sample(StandardNormal);
                let last = *self.log_noise.last().unwrap_or(&0.0);
                self.log_noise.push(last + drift + vol * z);
            }
        } else if self.log_noise.len() <= i + 1 {
            self.log_noise.resize(i + 2, 0.0);
        }
        // Linear in log between grid points.
        let frac = (t % self.dt) as f64 / self.dt as f64;
        let noise = self.log_noise[i] * (1.0 - frac) + self.log_noise[i + 1] * frac;
        let shape = match self.kind {
            PathKind::Crash { at, depth, fall, recovery, recover_to } => {
                crash_shape(t as f64, at, depth, fall, recovery, recover_to)
            }
            _ => 0.0,
        };
        self.p0 * (noise + shape).exp()
    }
}

/// Log of the crash shape's multiplier at `t`.
fn crash_shape(t: f64, at: f64, depth: f64, fall: f64, recovery: f64, recover_to: f64) -> f64 {
    let bottom = (1.0 - depth).ln();
    let top = recover_to.ln();
    if t <= at {
        0.0
    } else if t <= at + fall {
        bottom * (t - at) / fall
    } else if recovery > 0.0 && t <= at + fall + recovery {
        bottom + (top - bottom) * (t - at - fall) / recovery
    } else {
        top
    }
}

fn csv_price(points: &[(u64, f64)], t: u64) -> f64 {
    let i = points.partition_point(|(s, _)| *s <= t);
    match i {
        0 => points.first().map_or(0.0, |p| p.1),
        i if i == points.len() => points[i - 1].1,
        i => {
            let (t0, p0) = points[i - 1];
            let (t1, p1) = points[i];
            p0 + (p1 - p0) * (t - t0) as f64 / (t1 - t0) as f64
        }
    }
}

/// The market: the path, the selling pressure of winners, and the pool if there is one.
#[derive(Debug, Clone)]
pub struct Market {
    /// The path before impact.
    pub path: PricePath,
    impact: f64,
    sell: f64,
    half_life: f64,
    pressure: f64,
    pressure_at: u64,
    /// Tokens winners sold so far, WAD-free float (whole tokens).
    pub sold: f64,
    /// The constant-product pool (`[market.pool]`): winners sell here instead of into the
    /// impact model, and flash bidders sell their slices here.
    pool: Option<Pool>,
    /// Lowest pool price / market price right after a sale on the pool (a fraction; 1 without a
    /// sale).
    pub pool_low: f64,
}

impl Market {
    /// The market of `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let d = scenario.market.depth;
        let pool = match (&scenario.market.pool, scenario.pool_reserves()) {
            (Some(spec), Some(reserves)) => Some(Pool::new(spec, reserves)),
            _ => None,
        };
        Self {
            path: PricePath::new(scenario),
            impact: d.impact,
            sell: d.sell,
            half_life: d.half_life as f64,
            pressure: 0.0,
            pressure_at: 0,
            sold: 0.0,
            pool,
            pool_low: 1.0,
        }
    }

    /// True if the scenario has a pool.
    pub fn has_pool(&self) -> bool {
        self.pool.is_some()
    }

    /// The pool with every arbitrage step due by `t` (seconds after the start) made against the
    /// path; `None` without a pool.
    pub fn pool_at(&mut self, t: u64, rng: &mut ChaCha8Rng) -> Option<&mut Pool> {
        let path = &mut self.path;
        let pool = self.pool.as_mut()?;
        pool.sync(t, |s| path.at(s, rng));
        Some(pool)
    }

    /// The pool's price at `t` (stablecoin per token), `None` without a pool.
    pub fn pool_price(&mut self, t: u64, rng: &mut ChaCha8Rng) -> Option<f64> {
        self.pool_at(t, rng).map(|p| p.spot())
    }

    /// Notes the pool's price against the market's right after a sale on it at `t`.
    pub fn note_pool_sale(&mut self, t: u64, rng: &mut ChaCha8Rng) {
        let Some(spot) = self.pool.as_ref().map(Pool::spot) else { return };
        let m = self.path.at(t, rng);
        if m > 0.0 && spot / m < self.pool_low {
            self.pool_low = spot / m;
        }
    }

    /// The selling pressure at `t` (whole tokens), decayed from the last sale. A pure function of
    /// the sales so far: reading the price at more times (a trace) changes no later price.
    fn pressure_at_time(&self, t: u64) -> f64 {
        if self.half_life > 0.0 && t > self.pressure_at {
            let dt = (t - self.pressure_at) as f64;
            self.pressure * (-(dt / self.half_life) * std::f64::consts::LN_2).exp()
        } else {
            self.pressure
        }
    }

    /// The market price at `t` seconds after the start, stablecoin per token.
    pub fn price(&mut self, t: u64, rng: &mut ChaCha8Rng) -> f64 {
        self.path.at(t, rng) * (-self.impact * self.pressure_at_time(t)).exp()
    }

    /// A winner received `tokens` (WAD) at `t`; it sells its `sell` fraction at once: on the
    /// pool if there is one (exact), else into the impact model.
    pub fn received(&mut self, t: u64, tokens: Wad, rng: &mut ChaCha8Rng) {
        if self.pool.is_some() {
            let amount = fraction_of(tokens, self.sell);
            if let Some(pool) = self.pool_at(t, rng)
                && pool.sell(amount).is_some()
            {
                self.sold += f64_of_wad(amount);
                self.note_pool_sale(t, rng);
            }
            return;
        }
        let tokens = f64_of_wad(tokens);
        self.pressure = self.pressure_at_time(t);
        self.pressure_at = self.pressure_at.max(t);
        let sold = tokens * self.sell;
        self.pressure += sold;
        self.sold += sold;
    }
}

/// `x` (WAD) times the fraction `f` in `[0, 1]`, rounded down (to 9 decimals of `f`; exact for
/// `f = 1`).
pub fn fraction_of(x: Wad, f: f64) -> Wad {
    if f >= 1.0 {
        return x;
    }
    if f.is_nan() || f <= 0.0 {
        return Wad::ZERO;
    }
    let nano = alloy_primitives::U256::from((f * 1e9).round() as u64);
    Wad::from_raw(x.raw().saturating_mul(nano) / alloy_primitives::U256::from(1_000_000_000u64))
}

/// Stablecoin (whole units, ≥ 0) as a [`Wad`], rounded up to 9 decimals (a cost a keeper must
/// cover is never understated); 0 for a negative or non-finite amount, capped at 10^30.
pub fn wad_ceil(x: f64) -> Wad {
    if !(x.is_finite() && x > 0.0) {
        return Wad::ZERO;
    }
    let nano = (x * 1e9).ceil().min(1e30) as u128;
    Wad::from_raw(
        alloy_primitives::U256::from(nano) * alloy_primitives::U256::from(1_000_000_000u64),
    )
}

/// Transaction inclusion and gas.
#[derive(Debug, Clone)]
pub struct Network {
    block_time: u64,
    inclusion: f64,
    gas_price: f64,
    gas_cost_per_gwei: f64,
    /// Stablecoin per gwei per unit of gas: 10^-9 × the native token's price.
    gas_unit_per_gwei: f64,
    congestion: Vec<Congestion>,
}

impl Network {
    /// The network of a scenario (`start` is the scenario's `t = 0` in unix seconds).
    pub fn new(spec: &NetworkSpec) -> Self {
        let mut congestion = spec.congestion.clone();
        congestion.sort_by_key(|c| c.from);
        Self {
            block_time: spec.block_time,
            inclusion: spec.inclusion,
            gas_price: spec.gas_price,
            // gwei → native token → stablecoin, per transaction.
            gas_cost_per_gwei: spec.gas_per_tx as f64 * 1e-9 * spec.gas_token_price,
            gas_unit_per_gwei: 1e-9 * spec.gas_token_price,
            congestion,
        }
    }

    /// The inclusion probability per block and the gas price (gwei) at `t` (relative seconds),
    /// and until when they hold.
    fn conditions(&self, t: u64) -> (f64, f64, u64) {
        let mut next_change = u64::MAX;
        for c in &self.congestion {
            if t >= c.from && t < c.until {
                return (c.inclusion, c.gas_price, c.until);
            }
            if c.from > t {
                next_change = next_change.min(c.from);
            }
        }
        (self.inclusion, self.gas_price, next_change)
    }

    /// Gas cost of one transaction included at `t`, stablecoin.
    pub fn gas_cost(&self, t: u64) -> f64 {
        self.conditions(t).1 * self.gas_cost_per_gwei
    }

    /// Gas cost of a transaction of `gas` units included at `t`, stablecoin.
    pub fn gas_cost_of(&self, t: u64, gas: u64) -> f64 {
        self.conditions(t).1 * self.gas_unit_per_gwei * gas as f64
    }

    /// When a transaction sent at `t` (relative seconds) lands: the timestamp of the block that
    /// includes it, strictly after `t`.
    pub fn inclusion_time(&self, t: u64, rng: &mut ChaCha8Rng) -> u64 {
        let bt = self.block_time;
        // The next block after t.
        let mut block = (t / bt + 1) * bt;
        loop {
            let (p, _, until) = self.conditions(block);
            if p >= 1.0 {
                return block;
            }
            // Geometric number of failed blocks before success, then check the window.
            let u: f64 = rng.random::<f64>();
            let fails = if u <= 0.0 { 0.0 } else { (1.0 - u).ln() / (1.0 - p).ln() };
            let fails = if fails.is_finite() { fails.floor() as u64 } else { u64::MAX / 4 };
            let at = block.saturating_add(fails.saturating_mul(bt));
            if at < until {
                return at;
            }
            // Memoryless: restart at the first block of the next regime.
            block = until.div_ceil(bt) * bt;
        }
    }
}

/// A bidder's online/offline process: alternating exponential spells, offline a long-run
/// fraction `p` of the time, spells of mean `spell` seconds.
#[derive(Debug, Clone)]
pub struct Presence {
    p: f64,
    spell: f64,
    online: bool,
    until: u64,
}

impl Presence {
    /// Starts in the stationary distribution.
    pub fn new(p: f64, spell: u64, rng: &mut ChaCha8Rng) -> Self {
        let mut s = Self { p, spell: spell as f64, online: true, until: u64::MAX };
        if p <= 0.0 {
            return s;
        }
        if p >= 1.0 {
            s.online = false;
            return s;
        }
        s.online = rng.random::<f64>() >= p;
        s.until = s.draw_spell(0, rng);
        s
    }

    fn draw_spell(&self, from: u64, rng: &mut ChaCha8Rng) -> u64 {
        let mean = if self.online { self.spell * (1.0 - self.p) / self.p } else { self.spell };
        let e: f64 = rng.sample(rand_distr::Exp1);
        from.saturating_add((mean * e).ceil().max(1.0) as u64)
    }

    /// `None` if online at `t`, else when it comes back (`u64::MAX` if never). Queries move
    /// forward in time.
    pub fn offline_until(&mut self, t: u64, rng: &mut ChaCha8Rng) -> Option<u64> {
        if self.p <= 0.0 {
            return None;
        }
        if self.p >= 1.0 {
            return Some(u64::MAX);
        }
        while t >= self.until {
            self.online = !self.online;
            self.until = self.draw_spell(self.until, rng);
        }
        if self.online { None } else { Some(self.until) }
    }
}

/// Unix seconds of a relative time.
pub fn unix(start: Timestamp, t: u64) -> Timestamp {
    start + t
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ray_and_back() {
        assert_eq!(ray_of(265.0), "265".parse().unwrap());
        assert_eq!(ray_of(0.123456789), "0.123456789".parse().unwrap());
        assert!((f64_of_ray("171.67".parse().unwrap()) - 171.67).abs() < 1e-9);
        assert!((f64_of_wad("5670000.25".parse().unwrap()) - 5_670_000.25).abs() < 1e-6);
    }

    #[test]
    fn the_oracle_is_fed_prices_the_contracts_compute_with() {
        assert_eq!(oracle_price_of(265.0), ray_of(265.0));
        for x in [0.0, -1.0, 1e-300, f64::NAN, 4e-10] {
            assert_eq!(oracle_price_of(x), MIN_PRICE, "{x}");
        }
        for x in [1e300, f64::INFINITY, 1e20, 1.1e10] {
            assert_eq!(oracle_price_of(x), MAX_PRICE, "{x}");
        }
        assert!(price_in_range(1e-9) && price_in_range(1e10) && price_in_range(265.0));
        for x in [4e-10, 1e-300, 1.1e10, 1e300, f64::INFINITY, f64::NAN, 0.0, -5.0] {
            assert!(!price_in_range(x), "{x}");
        }
    }

    #[test]
    fn crash_shape_hits_its_marks() {
        let s = |t| crash_shape(t, 100.0, 0.5, 1000.0, 2000.0, 0.8).exp();
        assert!((s(0.0) - 1.0).abs() < 1e-12);
        assert!((s(1100.0) - 0.5).abs() < 1e-12);
        assert!((s(3100.0) - 0.8).abs() < 1e-12);
        assert!((s(1e9) - 0.8).abs() < 1e-12);
        assert!(s(600.0) < 1.0 && s(600.0) > 0.5);
    }

    #[test]
    fn csv_interpolates_and_clamps() {
        let pts = vec![(10, 100.0), (20, 200.0)];
        assert_eq!(csv_price(&pts, 0), 100.0);
        assert_eq!(csv_price(&pts, 15), 150.0);
        assert_eq!(csv_price(&pts, 20), 200.0);
        assert_eq!(csv_price(&pts, 99), 200.0);
    }

    #[test]
    fn inclusion_waits_follow_the_probability() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let spec = NetworkSpec {
            block_time: 10,
            inclusion: 0.5,
            congestion: vec![Congestion {
                from: 0,
                until: 1_000_000,
                gas_price: 100.0,
                inclusion: 0.05,
            }],
            ..NetworkSpec::default()
        };
        let net = Network::new(&spec);
        let n = 20_000;
        let mean =
            (0..n).map(|_| (net.inclusion_time(5, &mut rng) - 10) as f64).sum::<f64>() / n as f64;
        // Geometric failures with p = 0.05: mean (1 − p) / p = 19 blocks = 190 s.
        assert!((mean - 190.0).abs() < 10.0, "{mean}");
        // After the window: p = 0.5, mean 1 block of failures.
        let mean2 = (0..n)
            .map(|_| (net.inclusion_time(2_000_000, &mut rng) - 2_000_010) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean2 - 10.0).abs() < 1.0, "{mean2}");
        // Always strictly after the send time, on a block boundary.
        let t = net.inclusion_time(999_999, &mut rng);
        assert!(t > 999_999 && t.is_multiple_of(10));
    }

    #[test]
    fn presence_matches_its_offline_fraction() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut p = Presence::new(0.3, 100, &mut rng);
        let n = 2_000_000u64;
        let offline = (0..n).step_by(7).filter(|t| p.offline_until(*t, &mut rng).is_some()).count();
        let frac = offline as f64 / (n / 7) as f64;
        assert!((frac - 0.3).abs() < 0.03, "{frac}");
    }

    #[test]
    fn gbm_has_the_right_drift_and_volatility() {
        // Over one year with daily steps, log returns have mean (μ − σ²/2) and variance σ².
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut s = Scenario::builtin("aave-2026").unwrap();
        s.market.path = PathSpec::Gbm { drift: 0.1, volatility: 0.5, dt: 86_400 };
        let year = 31_536_000;
        let n = 2_000;
        let rets: Vec<f64> = (0..n)
            .map(|_| {
                let mut path = PricePath::new(&s);
                (path.at(year, &mut rng) / 150.0).ln()
            })
            .collect();
        let mean = rets.iter().sum::<f64>() / n as f64;
        let var = rets.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((mean - (0.1 - 0.125)).abs() < 0.05, "{mean}");
        assert!((var - 0.25).abs() < 0.03, "{var}");
    }
}
