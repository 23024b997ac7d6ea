//! Keepers without capital on a simulated Uniswap V2 pool: the built-in `flash-keepers-dutch`
//! clears with a deep pool and does worse with a shallow one, every flash take pays its keeper's
//! minimum, runs replay and do not depend on what is recorded, a sweep over the pool's depth is
//! monotone, and bad pool or flash-bidder fields are errors naming the field.

use backstop_sim::{
    RunOptions, Scenario, SimError, replay_on_model,
    scenario::BidderKind,
    simulate,
    stats::Metric,
    sweep::{Axis, Objective, SweepConfig, run_sweep, set_param},
};

fn builtin() -> Scenario {
    Scenario::builtin("flash-keepers-dutch").unwrap()
}

/// The built-in with a pool of `coin` stablecoin.
fn with_depth(coin: &str) -> Scenario {
    set_param(&builtin(), "market.pool.coin_reserve", coin).unwrap()
}

/// Means over runs 0..n under seed 0: (share of runs cleared, discount, share of debt cleared).
fn outcome(sc: &Scenario, n: u64) -> (f64, f64, f64) {
    let (mut cleared, mut discount, mut share) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let s = simulate(sc, 0, i, RunOptions::default()).unwrap().summary;
        cleared += f64::from(u8::from(s.cleared));
        discount += s.discount;
        share += Metric::DebtClearedPct.of(&s).unwrap() / 100.0;
    }
    let n = n as f64;
    (cleared / n, discount / n, share / n)
}

#[test]
fn it_has_capital_free_keepers_only() {
    let sc = builtin();
    assert!(sc.market.pool.is_some());
    assert!(!sc.bidders.is_empty());
    assert!(sc.bidders.iter().all(|b| b.kind == BidderKind::Flash && b.capital.is_zero()));
    assert!(sc.auctions_needed() > alloy_primitives::U256::from(10), "several auctions");
}

#[test]
fn a_deep_pool_clears_and_a_shallow_one_does_worse() {
    let deep = outcome(&builtin(), 6);
    assert_eq!(deep.0, 1.0, "the deep pool clears every run: {deep:?}");
    assert!(deep.1 < 0.10, "at a small discount: {deep:?}");
    let shallow = outcome(&with_depth("500000"), 6);
    assert!(
        shallow.0 < 1.0 || shallow.1 > deep.1 + 0.10,
        "a 0.5M pool fails to clear or clears at a far larger discount: deep {deep:?}, \
         shallow {shallow:?}"
    );
    assert!(shallow.1 > deep.1 && shallow.2 <= deep.2, "deep {deep:?}, shallow {shallow:?}");
}

#[test]
fn every_flash_take_pays_its_keepers_minimum_and_the_pool_dips() {
    let sc = builtin();
    let run = simulate(&sc, 0, 0, RunOptions::full()).unwrap();
    assert!(run.summary.cleared);
    let mut takes = 0;
    let mut i = 0;
    for g in &sc.bidders {
        let min = backstop_sim::market::f64_of_wad(g.min_profit.unwrap_or_default());
        for _ in 0..g.count {
            let b = &run.bidders[i];
            i += 1;
            takes += b.won;
            // Each take left at least the minimum after paying what it owed (the taker's check).
            assert!(b.flash_profit >= min * b.won as f64 - 1e-9, "{b:?}");
            assert_eq!(b.paid, b.paid.max(0.0));
            // Profit is what the pool paid less what the takes owed and the gas.
            assert!((b.profit - (b.flash_profit - b.gas)).abs() < 1e-6 * b.flash_profit.max(1.0));
        }
    }
    assert_eq!(takes, run.summary.bids, "only flash keepers bid");
    assert!(takes >= run.summary.auctions);
    // Selling on the pool pushes its price below the market; arbitrage brings it back.
    assert!(run.summary.pool_low < 0.99, "{}", run.summary.pool_low);
    let ratio: Vec<f64> = run.trace.iter().filter_map(|p| Some(p.pool? / p.market)).collect();
    assert_eq!(ratio.len(), run.trace.len(), "the trace carries the pool's price");
    let low = ratio.iter().copied().fold(f64::INFINITY, f64::min);
    assert!((low - run.summary.pool_low).abs() < 0.02, "{low} against {}", run.summary.pool_low);
    let rises = ratio.windows(2).filter(|w| w[1] > w[0] * 1.001).count();
    assert!(rises > 0, "arbitrage lifts the pool back toward the market: {ratio:?}");
}

#[test]
fn flash_runs_replay_and_do_not_depend_on_what_is_recorded() {
    let sc = with_depth("2000000");
    for i in 0..3 {
        let full = simulate(&sc, 3, i, RunOptions::full()).unwrap();
        let bare = simulate(&sc, 3, i, RunOptions::default()).unwrap();
        assert_eq!(
            full.summary, bare.summary,
            "run {i}: the trace reads the pool, and changes nothing"
        );
        let again = simulate(&sc, 3, i, RunOptions::full()).unwrap();
        assert_eq!(full.summary, again.summary);
        let state = replay_on_model(full.log.as_ref().unwrap()).unwrap();
        assert_eq!(Some(&state), full.final_state.as_ref(), "run {i}");
    }
}

#[test]
fn a_sweep_over_pool_depth_is_monotone() {
    let sc = builtin();
    let dir = tempfile::tempdir().unwrap();
    let cfg = SweepConfig {
        axes: vec![
            Axis::parse("market.pool.coin_reserve=500000,2000000,8000000,32000000").unwrap(),
        ],
        random: None,
        runs: 6,
        seed: 0,
        threads: Some(1),
        progress: false,
        objective: Objective {
            metric: Metric::DiscountPct,
            maximize: false,
            max_hours: None,
            min_prob: 0.0,
        },
        plots: true,
    };
    let report = run_sweep(&sc, &cfg, dir.path()).unwrap();
    let discount: Vec<f64> = report.points.iter().map(|p| p.objective).collect();
    let cleared: Vec<f64> = report.points.iter().map(|p| p.means["debt_cleared_pct"]).collect();
    let p_clear: Vec<f64> = report.points.iter().map(|p| p.p_clear).collect();
    for w in discount.windows(2) {
        assert!(w[1] < w[0], "the discount falls as the pool deepens: {discount:?}");
    }
    for w in cleared.windows(2) {
        assert!(w[1] >= w[0], "the debt cleared does not fall: {cleared:?}");
    }
    for w in p_clear.windows(2) {
        assert!(w[1] >= w[0], "P(cleared) does not fall: {p_clear:?}");
    }
    assert!(dir.path().join("curve.png").exists() && dir.path().join("curve.svg").exists());
}

fn field(text: &str) -> String {
    match Scenario::from_toml(text, "t.toml", None).unwrap_err() {
        SimError::Invalid { field, .. } => field,
        e => panic!("{e}"),
    }
}

const BASE: &str = include_str!("../../../../examples/scenarios/flash-keepers-dutch.toml");

#[test]
fn bad_pool_and_flash_fields_are_named() {
    let cases = [
        ("coin_reserve = \"20000000\"", "coin_reserve = \"0\"", "market.pool.coin_reserve"),
        (
            "coin_reserve = \"20000000\"",
            "coin_reserve = \"10000000000000000\"",
            "market.pool.coin_reserve",
        ),
        ("arb_rate = 0.5", "arb_rate = 1.5", "market.pool.arb_rate"),
        ("arb_rate = 0.5", "arb_rate = -0.1", "market.pool.arb_rate"),
        ("arb_step = 60", "arb_step = 0", "market.pool.arb_step"),
        ("arb_step = 60", "arb_step = 0", "market.pool.arb_step"),
        ("depth = { sell = 1.0 }", "depth = { impact = 1e-6 }", "market.depth.impact"),
        ("mechanism = \"dutch\"", "mechanism = \"english\"", "bidders[0].kind"),
        (
            "name = \"flash-fast\"",
            "name = \"flash-fast\"\ncapital = \"1000\"",
            "bidders[0].capital",
        ),
        ("name = \"flash-fast\"", "name = \"flash-fast\"\nmargin = \"0.1\"", "bidders[0].margin"),
        ("name = \"flash-fast\"", "name = \"flash-fast\"\nvaluation = 0.9", "bidders[0].valuation"),
        ("name = \"flash-fast\"", "name = \"flash-fast\"\ngas = 40000000", "bidders[0].gas"),
        (
            "name = \"flash-slow\"\nkind = \"flash\"",
            "name = \"flash-slow\"\ncapital = \"1000000\"",
            "bidders[2].min_profit",
        ),
    ];
    for (from, to, want) in cases {
        assert!(BASE.contains(from), "{from}");
        assert_eq!(field(&BASE.replacen(from, to, 1)), want, "{to}");
    }
    // No pool: a flash bidder has nowhere to sell.
    let start = BASE.find("[market.pool]").unwrap();
    let end = BASE.find("[oracle]").unwrap();
    let no_pool = format!("{}{}", &BASE[..start], &BASE[end..]);
    assert_eq!(field(&no_pool), "bidders[0].kind");
    // The arbitrage grid is bounded like the price path.
    let text = BASE
        .replace("arb_step = 60", "arb_step = 1")
        .replace("horizon = 604800", "horizon = 2000001");
    assert_eq!(field(&text), "market.pool.arb_step");
}

#[test]
fn a_pool_without_flash_keepers_takes_the_winners_sales() {
    // The Dutch Black Thursday with a pool: capital bidders' winnings are sold there instead of
    // into the impact model, so the market path is untouched and the pool dips.
    let mut sc = Scenario::builtin("black-thursday-dutch").unwrap();
    sc.market.depth.impact = 0.0;
    sc.market.pool = builtin().market.pool;
    let sc = set_param(&sc, "market.pool.coin_reserve", "5000000").unwrap();
    let run = simulate(&sc, 1, 0, RunOptions::full()).unwrap();
    assert!(run.summary.cleared);
    assert!(run.summary.pool_low < 0.95, "{}", run.summary.pool_low);
    let replayed = replay_on_model(run.log.as_ref().unwrap()).unwrap();
    assert_eq!(Some(&replayed), run.final_state.as_ref());
}
