//! `check`: the property suite and adversarial scenarios against **one** parameter set.
//!
//! Each property is a proptest run programmatically ([`TestRunner`]) with strategies constrained to
//! the given parameters and oracle price: random walks of `backstop_core::arb` steps (parameter
//! changes left out, so the parameters stay the ones under test) and targeted strategies. A
//! property either holds for every generated case or is reported broken with proptest's shrunk
//! counterexample and the assertion that failed.
//!
//! Three kinds of properties:
//! - **mechanism**: the rules themselves (conservation, the `beg`/`pad` rules, the Dutch bounds, the
//!   accountant's gates, `Ash` never blocking auctions, time limits). They hold for any valid
//!   parameters; a break here is a bug in the core.
//! - **keeper**: the shared bidding policy never sends a bid the rules reject or above its limit.
//! - **parameters**: risks of this parameter set under adversarial conditions — a lone bidder's
//!   discount after unbid restarts, unbounded dilution by ticks, a Dutch lot too small to raise its
//!   tab when the oracle moves. These break for real deployments (dss's own flop parameters break
//!   the first two), and that is the point of running them before deploying.

use crate::{
    error::{Result, SimError},
    limits::MAX_CHECK_CASES,
    scenario::Scenario,
};
use alloy_primitives::U256;
use backstop_core::{
    Action, Addresses, DeploymentParams, Ray, System, SystemParams, Wad,
    arb::{self, ACTORS, Step},
    strategy::{Bidder, EnglishMode, dutch_take, english_bid},
    walk::{Checks, WalkProperty, walk},
};
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner},
};
use serde::Serialize;
use std::{fmt, path::Path};

/// How hard to check, and the thresholds of the parameter properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckConfig {
    /// Cases per property.
    pub cases: u32,
    /// Seed of the test runners.
    pub seed: u64,
    /// Largest acceptable discount to the oracle for a lone bidder (fraction, e.g. 0.25).
    pub max_discount: f64,
    /// Oracle moves considered, as a fraction either way (e.g. 0.5: from half to 1.5×).
    pub price_move: f64,
    /// Largest acceptable growth of an unbid auction's lot through ticks (e.g. 2: at most double).
    pub max_lot_growth: f64,
}

impl Default for CheckConfig {
    fn default() -> Self {
        Self { cases: 256, seed: 0, max_discount: 0.25, price_move: 0.5, max_lot_growth: 2.0 }
    }
}

impl CheckConfig {
    /// Checks every value against its range, naming its flag: `--cases` 1 to
    /// [`MAX_CHECK_CASES`], `--max-discount` and `--price-move` fractions in `[0, 1)`,
    /// `--max-lot-growth` a finite factor ≥ 1.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_CHECK_CASES).contains(&self.cases) {
            let why = format!("must be in [1, {MAX_CHECK_CASES}] cases per property");
            return Err(SimError::flag("--cases", self.cases, why));
        }
        for (flag, x) in [("--max-discount", self.max_discount), ("--price-move", self.price_move)]
        {
            if !(0.0..1.0).contains(&x) {
                return Err(SimError::flag(flag, x, "must be a fraction in [0, 1)"));
            }
        }
        let g = self.max_lot_growth;
        if !(g.is_finite() && g >= 1.0) {
            return Err(SimError::flag("--max-lot-growth", g, "must be a factor ≥ 1"));
        }
        Ok(())
    }
}

/// One property's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyResult {
    /// Short name.
    pub name: &'static str,
    /// `mechanism`, `keeper` or `parameters`.
    pub kind: &'static str,
    /// What it states.
    pub description: String,
    /// True if every case passed.
    pub held: bool,
    /// Cases run.
    pub cases: u32,
    /// The shrunk counterexample (debug text of the generated input).
    pub counterexample: Option<String>,
    /// The failed assertion.
    pub failure: Option<String>,
}

/// Every verdict for one parameter set.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Where the parameters came from.
    pub origin: String,
    /// Oracle price used, RAY.
    pub oracle: Ray,
    /// The parameters.
    pub params: SystemParams,
    /// Cases per property.
    pub cases: u32,
    /// Runner seed.
    pub seed: u64,
    /// Per property.
    pub results: Vec<PropertyResult>,
}

impl CheckReport {
    /// True if every property held.
    pub fn all_held(&self) -> bool {
        self.results.iter().all(|r| r.held)
    }
    /// The broken properties.
    pub fn broken(&self) -> impl Iterator<Item = &PropertyResult> {
        self.results.iter().filter(|r| !r.held)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Backstop check: {} (oracle {}, {} cases per property, seed {})",
            self.origin, self.oracle, self.cases, self.seed
        )?;
        for r in &self.results {
            let verdict = if r.held { "held  " } else { "BROKEN" };
            writeln!(f, "  {verdict} [{:<10}] {:<32} {}", r.kind, r.name, r.description)?;
            if let Some(c) = &r.failure {
                writeln!(f, "           failure: {c}")?;
            }
            if let Some(c) = &r.counterexample {
                let c = if c.len() > 600 { format!("{}…", &c[..600]) } else { c.clone() };
                writeln!(f, "           counterexample: {c}")?;
            }
        }
        let broken = self.broken().count();
        writeln!(f, "  {} held, {} broken", self.results.len() - broken, broken)
    }
}

/// A loss waterfall file (a `[waterfall]` table, `backstop_core::waterfall::WaterfallConfig`),
/// read and built with every rule checked; an invalid field is [`SimError::Invalid`] naming it as
/// `waterfall.field`.
pub fn load_waterfall(path: &Path) -> Result<backstop_core::waterfall::WaterfallConfig> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        waterfall: backstop_core::waterfall::WaterfallConfig,
    }
    let text = std::fs::read_to_string(path).map_err(|e| SimError::io("reading", path, e))?;
    let file = path.display().to_string();
    let f: File = toml::from_str(&text).map_err(|e| SimError::Invalid {
        file: file.clone(),
        field: "waterfall".into(),
        reason: e.to_string(),
    })?;
    if let Err(e) = f.waterfall.build() {
        let field = match &e {
            backstop_core::Error::InvalidParam { what, .. } => format!("waterfall.{what}"),
            _ => "waterfall".into(),
        };
        return Err(SimError::Invalid { file, field, reason: e.to_string() });
    }
    Ok(f.waterfall)
}

/// The waterfall's verdicts: one `waterfall` result per danger (broken), or one that holds when
/// there is none. The queue delay is the accountant's `wait`; the auctions' length the English
/// `tau`.
pub fn waterfall_results(
    w: &backstop_core::waterfall::WaterfallConfig,
    params: &SystemParams,
) -> Vec<PropertyResult> {
    let dangers = w.dangers(params.accountant.wait, params.english.tau);
    if dangers.is_empty() {
        let order: Vec<&str> = w.order.iter().map(|l| l.name()).collect();
        return vec![PropertyResult {
            name: "waterfall-safe",
            kind: "waterfall",
            description: format!("order {} with no known danger", order.join(" → ")),
            held: true,
            cases: 1,
            counterexample: None,
            failure: None,
        }];
    }
    dangers
        .into_iter()
        .map(|d| PropertyResult {
            name: d.kind,
            kind: "waterfall",
            description: d.what,
            held: false,
            cases: 1,
            counterexample: None,
            failure: None,
        })
        .collect()
}

/// The parameters and oracle price of a built-in scenario, a scenario file or a deployment
/// parameter file (`oracle_price`, `[accountant]`, `[english]`, `[dutch]`: a
/// [`DeploymentParams`], validated by [`DeploymentParams::validate`], the rules `backstop deploy`
/// applies). An invalid field is [`SimError::Invalid`] naming it as `section.field`.
pub fn load_params(name_or_path: &str) -> Result<(String, SystemParams, Ray)> {
    if let Some(s) = Scenario::builtin(name_or_path) {
        return Ok((format!("built-in:{name_or_path}"), s.params(), s.market.price));
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        return Err(Scenario::resolve(name_or_path).err().unwrap_or_else(|| {
            SimError::UnknownScenario { name: name_or_path.to_owned(), builtins: String::new() }
        }));
    }
    let text = std::fs::read_to_string(path).map_err(|e| SimError::io("reading", path, e))?;
    let origin = path.display().to_string();
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| SimError::Parse { file: origin.clone(), message: e.to_string() })?;
    if table.contains_key("oracle_price") {
        let p: DeploymentParams = toml::from_str(&text)
            .map_err(|e| SimError::Parse { file: origin.clone(), message: e.to_string() })?;
        p.validate().map_err(|e| match e {
            backstop_core::Error::InvalidParam { what, reason } => {
                SimError::Invalid { file: origin.clone(), field: what, reason }
            }
            other => SimError::Core(other),
        })?;
        return Ok((origin, p.params(), p.oracle_price));
    }
    let s = Scenario::load(path)?;
    Ok((origin, s.params(), s.market.price))
}

/// Steps that keep the parameters: no `file`, no absolute oracle price (relative moves only).
fn fixed_param_step() -> impl Strategy<Value = Step> {
    arb::arb_step_with_cage().prop_filter("parameters stay fixed", |s| {
        !matches!(
            s,
            Step::FileEnglish(_)
                | Step::FileDutch(_)
                | Step::FileAccountant(_)
                | Step::FileOracle(_)
                | Step::OracleBound(..)
                | Step::PokeTo(_)
        )
    })
}

fn runner(cfg: &CheckConfig, salt: u64) -> TestRunner {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&cfg.seed.to_le_bytes());
    seed[8..16].copy_from_slice(&salt.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            cases: cfg.cases,
            failure_persistence: None,
            max_shrink_iters: 2_048,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    )
}

fn verdict<T: fmt::Debug>(
    name: &'static str,
    kind: &'static str,
    description: String,
    cases: u32,
    r: std::result::Result<(), TestError<T>>,
) -> PropertyResult {
    verdict_with(name, kind, description, cases, r, |v| format!("{v:?}"))
}

/// A verdict whose counterexample is shown by `show`.
fn verdict_with<T>(
    name: &'static str,
    kind: &'static str,
    description: String,
    cases: u32,
    r: std::result::Result<(), TestError<T>>,
    show: impl Fn(&T) -> String,
) -> PropertyResult {
    let (held, counterexample, failure) = match r {
        Ok(()) => (true, None, None),
        Err(TestError::Fail(reason, value)) => {
            (false, Some(show(&value)), Some(reason.to_string()))
        }
        Err(TestError::Abort(reason)) => (false, None, Some(format!("aborted: {reason}"))),
    };
    PropertyResult { name, kind, description, held, cases, counterexample, failure }
}

fn ratio(x: f64) -> Ray {
    crate::market::ray_of(x)
}

/// Runs every property against `params` with the oracle at `oracle`.
pub fn check(origin: &str, params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> CheckReport {
    let mut results = Vec::new();
    for (i, prop) in WalkProperty::ALL.into_iter().enumerate() {
        let mut r = runner(cfg, i as u64);
        let strat = prop::collection::vec(fixed_param_step(), 1..120);
        let out =
            r.run(&strat, |steps| walk(params, oracle, &steps, Checks::Only(prop)).map(|_| ()));
        results.push(verdict(
            prop.name(),
            "mechanism",
            prop.description().to_owned(),
            cfg.cases,
            out,
        ));
    }
    results.push(ash_never_blocks(params, oracle, cfg));
    results.push(dealable_by_end(params, oracle, cfg));
    results.push(keeper_english(params, oracle, cfg));
    results.push(keeper_dutch(params, oracle, cfg));
    results.push(lone_bidder_discount(params, oracle, cfg));
    results.push(dilution_bounded(params, oracle, cfg));
    results.push(dutch_lot_covers_tab(params, oracle, cfg));
    CheckReport {
        origin: origin.to_owned(),
        oracle,
        params,
        cases: cfg.cases,
        seed: cfg.seed,
        results,
    }
}

fn fail(msg: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(msg.into())
}

fn ash_never_blocks(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 100);
    let strat = prop::collection::vec(
        fixed_param_step()
            .prop_filter("no time jumps", |s| !matches!(s, Step::Warp(_) | Step::Cage)),
        1..100,
    );
    let out = r.run(&strat, |steps| {
        let mut sys = walk(params, oracle, &steps, Checks::Only(WalkProperty::Unchanged))?;
        let now = 1_700_000_000;
        let surplus = sys.surplus();
        let woe = sys.accountant.woe();
        let ok = |e: backstop_core::Error| fail(e.to_string());
        if !surplus.is_zero() {
            if surplus > woe {
                sys.fess(surplus.checked_sub(woe).map_err(ok)?, now).map_err(ok)?;
                sys.accountant.params.wait = 0;
                sys.flog(now, now).map_err(ok)?;
            }
            sys.heal(surplus).map_err(ok)?;
        }
        let sump = sys.accountant.params.sump;
        if sys.accountant.woe() < sump {
            sys.fess(sump, now + 1).map_err(ok)?;
            sys.accountant.params.wait = 0;
            sys.flog(now + 1, now + 1).map_err(ok)?;
        }
        let english_ok = !sys.english.is_live() || sys.clone().flop(now + 1).is_ok();
        let dutch_ok = sys.clone().flop_dutch(ACTORS[0], now + 1).is_ok();
        if english_ok || dutch_ok {
            Ok(())
        } else {
            Err(fail("woe ≥ sump, no surplus, and no auction can start"))
        }
    });
    verdict("ash-never-blocks", "mechanism", "after any walk, with woe ≥ sump and no surplus an auction can start (dss #108 cannot happen)".into(), cfg.cases, out)
}

fn dealable_by_end(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 101);
    let strat =
        (prop::collection::vec(0u64..20_000, 1..30), prop::collection::vec(0usize..4, 1..30));
    let out = r.run(&strat, |(gaps, who)| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let mut sys = System::new(params, oracle, Addresses::default(), 0).map_err(e)?;
        let sump = sys.accountant.params.sump;
        let fund = sump.checked_add(sump).map_err(e)?;
        for a in ACTORS {
            sys.apply(&Action::Mint { to: a, amount: fund }, 0).map_err(e)?;
        }
        sys.fess(sump, 0).map_err(e)?;
        let wait = sys.accountant.params.wait;
        sys.flog(0, wait).map_err(e)?;
        // The feeder keeps the oracle fresh (an oracle-sized lot reads it).
        sys.apply(&Action::Poke { price: oracle }, wait).map_err(e)?;
        let (id, _) = sys.flop(wait).map_err(e)?;
        let end = sys.english.auction(id).map(|a| a.end).unwrap_or_default();
        let mut now = wait;
        let mut bids = 0;
        for (gap, w) in gaps.iter().zip(&who) {
            now += gap;
            let Ok(lot) = sys.english.max_next_lot(id) else { break };
            if sys.dent(ACTORS[*w], id, lot, sump, now).is_ok() {
                bids += 1;
            }
        }
        prop_assume!(bids > 0);
        sys.deal(id, end).map_err(|x| fail(format!("not dealable at end: {x}")))?;
        if sys.deal(id, end).is_ok() {
            return Err(fail("dealt twice"));
        }
        Ok(())
    });
    verdict(
        "bid-dealable-by-end",
        "mechanism",
        "an English auction with a bid can be dealt at its end, once, whatever the bid pattern"
            .into(),
        cfg.cases,
        out,
    )
}

fn keeper_english(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 102);
    let o = crate::market::f64_of_ray(oracle);
    let strat = (1u64..=1_000, 0u64..=40, 1u64..=300, 0u64..=30, any::<bool>());
    let out = r.run(&strat, |(lot_pm, ticks, limit_pct, budget_sumps, limit_mode)| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let mut house = backstop_core::EnglishHouse::new(params.english).map_err(e)?;
        let sump = params.accountant.sump;
        // Any lot from a thousandth of the opening lot to ~ dump · pad^40.
        let mut lot =
            Wad::from_raw(params.accountant.dump.raw() * U256::from(lot_pm) / U256::from(1000));
        for _ in 0..ticks {
            lot = lot.wmul(params.english.pad).unwrap_or(lot);
        }
        prop_assume!(!lot.is_zero() && lot.raw() <= U256::from(u128::MAX));
        let (id, _) = house.kick(ACTORS[3], lot, sump, 0).map_err(e)?;
        let a = *house.auction(id).ok_or_else(|| fail("kicked auction missing"))?;
        let limit = ratio(o * limit_pct as f64 / 100.0);
        let budget = Wad::from_raw(sump.raw() * U256::from(budget_sumps));
        let mode = if limit_mode { EnglishMode::Limit } else { EnglishMode::Step };
        if let Ok(b) =
            english_bid(id, &a, &params.english, &Bidder { me: ACTORS[0], limit, budget, mode }, 1)
        {
            prop_assert!(b.price <= limit, "bid at {} above limit {}", b.price, limit);
            prop_assert!(budget >= b.bid);
            house
                .check_dent(ACTORS[0], id, b.lot, b.bid, 1)
                .map_err(|x| fail(format!("core rejects the keeper's bid: {x}")))?;
        }
        Ok(())
    });
    verdict(
        "keeper-english-bids-valid",
        "keeper",
        "the keepers' English bid is never above its limit or budget and always passes the rules"
            .into(),
        cfg.cases,
        out,
    )
}

fn keeper_dutch(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 103);
    let o = crate::market::f64_of_ray(oracle);
    let tail = params.dutch.tail;
    let strat = (0u64..=tail, 1u64..=300, 0u64..=4_000, 50u64..=150);
    let out = r.run(&strat, |(dt, limit_pct, budget_pm, price_pct)| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let mut house = backstop_core::DutchHouse::new(params.dutch).map_err(e)?;
        let price = ratio(o * price_pct as f64 / 100.0);
        let (id, _, _) = house
            .kick(params.accountant.sump, params.accountant.dump, ACTORS[1], price, 0)
            .map_err(e)?;
        let limit = ratio(o * limit_pct as f64 / 100.0);
        let budget =
            Wad::from_raw(params.accountant.sump.raw() * U256::from(budget_pm) / U256::from(1000));
        if let Ok(t) = dutch_take(&house, id, ACTORS[0], limit, budget, dt) {
            prop_assert!(
                t.plan.price <= limit && t.plan.owe <= budget,
                "take above limit or budget"
            );
            house
                .check_take(id, t.amt, t.max, ACTORS[0], dt)
                .map_err(|x| fail(format!("core rejects the keeper's take: {x}")))?;
        }
        Ok(())
    });
    verdict(
        "keeper-dutch-takes-valid",
        "keeper",
        "the keepers' Dutch take is never above its limit or budget and always passes the rules"
            .into(),
        cfg.cases,
        out,
    )
}

/// Lone bidder: nobody bids for `ticks` restarts, then one bidder bids the smallest outbid and
/// nobody follows. Its price against the oracle at that time must stay within `max_discount`.
fn lone_bidder_discount(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 104);
    let o = crate::market::f64_of_ray(oracle);
    let m = (cfg.price_move * 1000.0).round() as u64;
    let max_discount = cfg.max_discount;
    let strat = (0u16..=20, (1000 - m.min(999))..=(1000 + m));
    let out = r.run(&strat, |(ticks, price_pm)| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let price = ratio(o * price_pm as f64 / 1000.0);
        let mut sys = System::new(params, price, Addresses::default(), 0).map_err(e)?;
        let sump = params.accountant.sump;
        sys.apply(&Action::Mint { to: ACTORS[0], amount: sump }, 0).map_err(e)?;
        sys.fess(sump, 0).map_err(e)?;
        let wait = params.accountant.wait;
        sys.flog(0, wait).map_err(e)?;
        sys.apply(&Action::Poke { price }, wait).map_err(e)?;
        let (id, _) = sys.flop(wait).map_err(e)?;
        // Unbid for `ticks` restarts; the lone bid comes right after the last one.
        let mut now = wait;
        for _ in 0..ticks {
            let end = sys.english.auction(id).map(|a| a.end).unwrap_or_default();
            sys.tick(id, end).map_err(e)?;
            now = end;
        }
        let lot = sys.english.max_next_lot(id).map_err(e)?;
        prop_assume!(!lot.is_zero());
        sys.dent(ACTORS[0], id, lot, sump, now).map_err(e)?;
        let paid = crate::market::f64_of_ray(Ray::ratio(sump, lot).map_err(e)?);
        let p = crate::market::f64_of_ray(price);
        if paid < p * (1.0 - max_discount) {
            // Enough decimals that a price just past the bound never prints as the bound itself.
            return Err(fail(format!(
                "a lone bidder pays {paid:.6} per token after {ticks} ticks: {:.4}% below the oracle {p:.4}; the bound is at most {:.4}% below, i.e. a price of at least {:.6} (inclusive)",
                100.0 * (1.0 - paid / p),
                100.0 * max_discount,
                p * (1.0 - max_discount)
            )));
        }
        Ok(())
    });
    let show = |(ticks, pm): &(u16, u64)| {
        format!("ticks = {ticks}, oracle = {:.3} × {oracle}", *pm as f64 / 1000.0)
    };
    verdict_with(
        "lone-bidder-discount",
        "parameters",
        format!(
            "a lone bidder after up to 20 unbid restarts pays at least (1 − {:.4}%) × the oracle, the bound included (oracle within ±{:.0}%)",
            100.0 * cfg.max_discount,
            100.0 * cfg.price_move
        ),
        cfg.cases,
        out,
        show,
    )
}

fn dilution_bounded(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 105);
    let growth = cfg.max_lot_growth;
    let out = r.run(&(0u16..=50), |ticks| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let mut house = backstop_core::EnglishHouse::new(params.english).map_err(e)?;
        let sump = params.accountant.sump;
        let lot0 = house.opening_lot(params.accountant.dump, sump, oracle).map_err(e)?;
        let (id, _) = house.kick(ACTORS[3], lot0, sump, 0).map_err(e)?;
        for _ in 0..ticks {
            let end = house.auction(id).map(|a| a.end).unwrap_or_default();
            if house.tick(id, end).is_err() {
                break;
            }
        }
        let lot = house.auction(id).map(|a| a.lot).unwrap_or_default();
        let g = crate::market::f64_of_wad(lot) / crate::market::f64_of_wad(lot0);
        if g > growth {
            return Err(fail(format!(
                "after {ticks} ticks the lot is {g:.6}× the opening lot; the bound is at most {growth}× (inclusive)"
            )));
        }
        Ok(())
    });
    verdict_with(
        "dilution-bounded",
        "parameters",
        format!(
            "an unbid auction's lot grows at most {}× through up to 50 ticks (floor / max_ticks)",
            cfg.max_lot_growth
        ),
        cfg.cases,
        out,
        |ticks| format!("ticks = {ticks}"),
    )
}

fn dutch_lot_covers_tab(params: SystemParams, oracle: Ray, cfg: &CheckConfig) -> PropertyResult {
    let mut r = runner(cfg, 106);
    let o = crate::market::f64_of_ray(oracle);
    let m = (cfg.price_move * 1000.0).round() as u64;
    let out = r.run(&((1000 - m.min(999))..=(1000 + m)), |price_pm| {
        let e = |e: backstop_core::Error| fail(e.to_string());
        let price = ratio(o * price_pm as f64 / 1000.0);
        let mut house = backstop_core::DutchHouse::new(params.dutch).map_err(e)?;
        let (id, _, _) = house
            .kick(params.accountant.sump, params.accountant.dump, ACTORS[1], price, 0)
            .map_err(e)?;
        // The cheapest moment the sale can still be bought from: just before it is done.
        let last = house.done_at(id, 0).map_err(e)?.saturating_sub(1);
        let st = house.status(id, last).map_err(e)?;
        prop_assume!(!st.needs_redo);
        let (plan, _) = house.take(id, st.lot, st.price, ACTORS[0], last).map_err(e)?;
        if !plan.tab.is_zero() {
            return Err(fail(format!(
                "at oracle {:.4} the whole lot ({}) at the reset floor {:.4} raises only {} of {}",
                crate::market::f64_of_ray(price),
                params.accountant.dump,
                crate::market::f64_of_ray(st.price),
                plan.owe,
                params.accountant.sump
            )));
        }
        Ok(())
    });
    verdict_with(
        "dutch-lot-covers-tab",
        "parameters",
        format!(
            "a Dutch sale's lot (dump) raises its whole tab (sump) down to the reset floor, oracle within ±{:.0}%",
            100.0 * cfg.price_move
        ),
        cfg.cases,
        out,
        |pm| format!("oracle = {:.3} × {oracle}", *pm as f64 / 1000.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> CheckConfig {
        CheckConfig { cases: 16, ..CheckConfig::default() }
    }

    #[test]
    fn dss_parameters_break_the_lone_bidder_and_dilution_properties() {
        let s = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let r = check("bt", s.params(), s.market.price, &quick());
        let get = |n: &str| r.results.iter().find(|x| x.name == n).unwrap();
        for x in r.results.iter().filter(|x| x.kind != "parameters") {
            assert!(x.held, "{}: {:?} {:?}", x.name, x.failure, x.counterexample);
        }
        let lone = get("lone-bidder-discount");
        assert!(!lone.held);
        assert!(
            lone.counterexample.is_some()
                && lone.failure.as_deref().unwrap().contains("below the oracle")
        );
        assert!(!get("dilution-bounded").held);
    }

    #[test]
    fn a_floor_and_oracle_sizing_repair_them() {
        let s = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
        let mut p = s.params();
        p.english.sizing = backstop_core::LotSizing::Oracle;
        p.english.discount = "0.05".parse().unwrap();
        p.english.floor = "240".parse().unwrap();
        p.english.max_ticks = 3;
        let cfg = CheckConfig { price_move: 0.0, ..quick() };
        let r = check("bt-fixed", p, s.market.price, &cfg);
        let get = |n: &str| r.results.iter().find(|x| x.name == n).unwrap();
        assert!(get("lone-bidder-discount").held, "{:?}", get("lone-bidder-discount"));
        assert!(get("dilution-bounded").held, "{:?}", get("dilution-bounded"));
    }
}

#[cfg(test)]
mod waterfall_tests {
    use super::*;

    #[test]
    fn a_waterfall_file_is_checked_against_the_parameters() {
        let dir = std::env::temp_dir().join(format!("backstop-wf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut params = Scenario::builtin("black-thursday-2020-fixed").unwrap().params();
        // The example: a 20-day cooldown against the 156-hour queue of 2020, a 30-day deadline.
        params.accountant.wait = 156 * 3600;
        let example = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/waterfall/aave-umbrella.toml");
        let w = load_waterfall(&example).unwrap();
        let r = waterfall_results(&w, &params);
        assert_eq!(r.len(), 1);
        assert!(r[0].held, "{:?}", r[0]);
        // A one-day cooldown lets stakers leave before the debt can be slashed.
        let short = dir.join("short.toml");
        let text = std::fs::read_to_string(&example)
            .unwrap()
            .replace("cooldown = 1728000", "cooldown = 86400");
        std::fs::write(&short, text).unwrap();
        let r = waterfall_results(&load_waterfall(&short).unwrap(), &params);
        assert_eq!(
            r.iter().map(|x| (x.name, x.held)).collect::<Vec<_>>(),
            [("stakers-escape", false)]
        );
        // A layer without its part is named before anything runs.
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[waterfall]\norder = [\"treasury\", \"staking\", \"auctions\"]\n")
            .unwrap();
        let e = load_waterfall(&bad).unwrap_err().to_string();
        assert!(e.contains("waterfall.staking"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
