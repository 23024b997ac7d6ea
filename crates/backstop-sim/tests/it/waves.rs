//! A large debt is auctioned in waves: the settler keeps at most `[settler] max_live` auctions
//! running, so later lots are bid at the market of their own time, not all at the price of the
//! first minutes before a crash.

use backstop_sim::{RunOptions, Scenario, simulate};

/// 200 lots of 50,000; the market is 100 until 30 minutes in, falls to 60 by the hour and stays
/// there; three well-funded bidders value the token at 0.95 × the market; a bid lives an hour.
fn crash_scenario(max_live: u32) -> Scenario {
    let text = format!(
        r#"
name = "waves"
mechanism = "english"
horizon = 2592000

[debt]
tranches = [{{ at = 0, amount = "10000000" }}]

[market]
price = "100"
supply = "10000000"
path = {{ kind = "crash", at = 1800, depth = 0.4, fall = 1800, recovery = 0, recover_to = 0.6 }}

[[bidders]]
count = 3
capital = "20000000"
valuation = 0.95
reaction = 30

[network]
block_time = 12

[settler]
max_live = {max_live}

[accountant]
wait = 0
sump = "50000"
dump = "1000"

[english]
ttl = 3600
"#
    );
    Scenario::from_toml(&text, "waves.toml", None).unwrap()
}

/// Most auctions running at once, from the auctions' own start and end times.
fn overlap(run: &backstop_sim::Run) -> usize {
    let mut edges: Vec<(u64, i64)> = Vec::new();
    for a in &run.auctions {
        edges.push((a.kicked, 1));
        edges.push((a.finished.unwrap_or(u64::MAX), -1));
    }
    // An auction that ends at t frees its place before one starting at t takes it.
    edges.sort();
    let (mut live, mut peak) = (0i64, 0i64);
    for (_, d) in edges {
        live += d;
        peak = peak.max(live);
    }
    peak as usize
}

#[test]
fn a_large_debt_is_auctioned_in_waves_at_the_price_of_its_time() {
    let opts = RunOptions { auctions: true, ..RunOptions::default() };
    // Without a real cap (max_live above the 200 lots): everything starts at once and is bid
    // before the crash; buyers receive their tokens after it, paying far above the market.
    let all = simulate(&crash_scenario(1_000), 1, 0, opts).unwrap();
    assert!(all.summary.cleared);
    assert_eq!(all.summary.peak_live, 200);
    assert_eq!(overlap(&all), 200);
    assert!(all.summary.discount < -0.2, "discount {}", all.summary.discount);
    assert!(all.summary.price_ratio > 1.2, "price / market {}", all.summary.price_ratio);

    // With a cap of 10: never more than 10 running, the debt in 20 waves; only the first wave
    // is bid at pre-crash prices, so buyers pay about the market, not above it.
    let waves = simulate(&crash_scenario(10), 1, 0, opts).unwrap();
    let s = &waves.summary;
    assert!(s.cleared);
    assert_eq!((s.auctions, s.peak_live), (200, 10));
    assert_eq!(overlap(&waves), 10);
    assert!(s.discount >= 0.0, "discount {}", s.discount);
    assert!(s.price_ratio <= 1.0, "price / market {}", s.price_ratio);
    // Later waves start later: the last auction starts hours after the first.
    let last_kick = waves.auctions.iter().map(|a| a.kicked).max().unwrap();
    assert!(last_kick > 10 * 3600, "last kick at {last_kick} s");
    // The same debt is raised either way.
    assert_eq!(s.raised, all.summary.raised);
}

#[test]
fn the_default_cap_is_64_and_holds_for_a_built_in() {
    let sc = Scenario::builtin("black-thursday-2020-fixed").unwrap();
    assert_eq!(sc.settler.max_live, 64);
    let run = simulate(&sc, 3, 0, RunOptions { auctions: true, ..RunOptions::default() }).unwrap();
    // 113 lots: 64 at once, the rest as those finish.
    assert_eq!(run.summary.auctions, 113);
    assert_eq!(run.summary.peak_live, 64);
    assert!(overlap(&run) <= 64);
    assert!(run.summary.cleared);
}

#[test]
fn max_live_is_validated() {
    let text = include_str!("../../../../examples/scenarios/black-thursday-2020-fixed.toml")
        .replace("[accountant]", "[settler]\nmax_live = 0\n\n[accountant]");
    let e = Scenario::from_toml(&text, "zero.toml", None).unwrap_err().to_string();
    assert!(e.contains("zero.toml") && e.contains("settler.max_live"), "{e}");
    let text = text.replace("max_live = 0", "max_lives = 3");
    let e = Scenario::from_toml(&text, "typo.toml", None).unwrap_err().to_string();
    assert!(e.contains("max_lives"), "{e}");
}
