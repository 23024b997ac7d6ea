//! A horizon that cuts auctions off: tokens are reported as minted, committed (lots of open
//! auctions with a bid) or offered (lots of open auctions without one), and nothing is left
//! uncounted — dealing the open auctions mints exactly `committed` more.

use backstop_core::{Action, Wad};
use backstop_sim::{
    RunOptions, Scenario,
    montecarlo::McConfig,
    report::run_sim,
    simulate,
    stats::{Aggregate, Metric},
};

/// `black-thursday-2020-fixed` (113 lots, a bid lives 6 h) stopped after `hours`.
fn cut_off(hours: u64) -> Scenario {
    let mut sc = Scenario::builtin("black-thursday-2020-fixed").unwrap();
    sc.horizon = hours * 3600;
    sc.validate("cut-off").unwrap();
    sc
}

fn wad_f64(w: Wad) -> f64 {
    w.to_string().parse().unwrap()
}

#[test]
fn open_auctions_at_the_horizon_are_committed_or_offered_not_lost() {
    let sc = cut_off(8);
    let run = simulate(&sc, 4, 0, RunOptions::full()).unwrap();
    let s = &run.summary;
    assert!(!s.cleared && s.failed > 0, "the horizon must cut auctions off");
    assert!(s.committed > 0.0, "bid lots still open: {s:?}");
    // Committed and offered are the open auctions' lots, split by whether they have a bid.
    let open: Vec<_> = run.auctions.iter().filter(|a| a.finished.is_none()).collect();
    assert_eq!(open.len() as u64, s.failed);
    let sum = |bid: bool| -> f64 {
        open.iter().filter(|a| (a.bids > 0) == bid).map(|a| a.open_lot).sum()
    };
    assert!((sum(true) - s.committed).abs() < 1e-6, "{} vs {}", sum(true), s.committed);
    assert!((sum(false) - s.offered).abs() < 1e-6, "{} vs {}", sum(false), s.offered);
    assert!(run.auctions.iter().filter(|a| a.finished.is_some()).all(|a| a.open_lot == 0.0));
    // Dilution both ways.
    let supply = wad_f64(sc.market.supply);
    assert_eq!(s.dilution, s.minted / supply);
    assert_eq!(s.dilution_committed, (s.minted + s.committed) / supply);
    assert_eq!(s.dilution_open, (s.minted + s.committed + s.offered) / supply);
    assert!(s.dilution_committed > s.dilution);
    // The stablecoin side balances: every unit of debt is paid, raised, committed or left.
    let paid = s.treasury_paid + s.raised + s.committed_raised + s.residual_debt;
    assert!((paid - s.debt).abs() < 1e-6 * s.debt, "{paid} vs {}", s.debt);

    // Deal every open auction with a bid after the horizon: exactly `committed` more is minted.
    let mut sys = run.final_state.clone().unwrap();
    let later = sc.start + sc.horizon + sc.english.tau + 1;
    let ids: Vec<u64> =
        sys.english.auctions().filter(|(_, a)| a.has_bid()).map(|(id, _)| id).collect();
    assert!(!ids.is_empty());
    for id in ids {
        sys.apply(&Action::Deal { id }, later).unwrap();
    }
    let minted_after = wad_f64(sys.ledger.gov.total_supply());
    assert!(
        (minted_after - (s.minted + s.committed)).abs() < 1e-6,
        "{minted_after} vs {} + {}",
        s.minted,
        s.committed
    );
}

#[test]
fn a_run_that_clears_commits_nothing() {
    let run = simulate(&cut_off(24 * 30), 4, 0, RunOptions::default()).unwrap();
    let s = &run.summary;
    assert!(s.cleared);
    assert_eq!((s.committed, s.offered, s.committed_raised), (0.0, 0.0, 0.0));
    assert_eq!(s.dilution_committed, s.dilution);
}

#[test]
fn committed_and_minted_are_reported_apart_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_sim(&cut_off(8), &McConfig::new(6, 1), dir.path(), false).unwrap();
    for key in ["minted", "committed", "offered", "dilution_pct", "dilution_committed_pct"] {
        assert!(r.metrics.contains_key(key), "summary metrics lack {key}");
    }
    assert!(r.metrics["committed"].mean > 0.0);
    assert!(r.metrics["dilution_committed_pct"].mean > r.metrics["dilution_pct"].mean);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert!(summary["metrics"]["committed"]["mean"].as_f64().unwrap() > 0.0);
    let csv = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in ["minted", "committed", "committed_raised", "offered", "dilution_committed"] {
        assert!(header.contains(&col), "runs.csv lacks {col}: {header:?}");
    }
    let auctions = std::fs::read_to_string(dir.path().join("run-0-auctions.csv")).unwrap();
    assert!(auctions.lines().next().unwrap().contains("open_lot"));
    // The aggregate knows the metrics by name.
    let mut agg = Aggregate::new(1, None);
    agg.push(&r.run0);
    assert!(agg.stats(Metric::Committed).unwrap().mean > 0.0);
    assert_eq!(Metric::from_name("dilution_committed_pct"), Some(Metric::DilutionCommittedPct));
}
