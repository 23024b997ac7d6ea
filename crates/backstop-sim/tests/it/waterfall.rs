//! The loss waterfall in the simulator: the five built-in designs on the 2026 Aave loss balance
//! to the wei in every run and replay on the model; a pause blocks slashing and fleeing stakers
//! pay less; a met pledge round mints instead of the auctions; a failed round refunds every
//! pledger in full; the Sky-style buffer socialises nothing but stands off longest; the settler
//! acts when a step is due; the scenario's new tables are validated with the field named.

use backstop_core::{Action, Wad, waterfall::Layer};
use backstop_sim::{
    ActionLog, Run, RunOptions, Scenario, SimError, replay_on_model, simulate,
    waterfall::{DelaySpec, WaterfallSource},
};

const DESIGNS: [&str; 5] = [
    "aave-2026-auctions-only",
    "aave-2026-umbrella",
    "aave-2026-umbrella-fleeing",
    "aave-2026-pledge",
    "aave-2026-sky-buffer",
];

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn sc(name: &str) -> Scenario {
    Scenario::builtin(name).unwrap()
}

fn run(s: &Scenario, seed: u64, i: u64) -> Run {
    simulate(s, seed, i, RunOptions::full()).unwrap()
}

/// Times (seconds after `t = 0`) of the logged actions matching `f`.
fn times(run: &Run, start: u64, f: impl Fn(&Action) -> bool) -> Vec<u64> {
    let log = run.log.as_ref().unwrap();
    log.actions.iter().filter(|a| f(&a.action)).map(|a| a.at - start).collect()
}

/// The second tranche of the designs, seconds.
const SECOND: u64 = 1_814_400;
/// What the treasury leaves of the loss, WAD.
const REST: &str = "30100000";

#[test]
fn every_design_balances_to_the_wei_and_covers_the_loss() {
    for name in DESIGNS {
        let s = sc(name);
        for i in 0..6 {
            // The engine itself refuses to finish a run whose books do not balance.
            let r = run(&s, 3, i);
            let sys = r.final_state.as_ref().unwrap();
            assert_eq!(sys.unaccounted(), Some(Ok(Wad::ZERO)), "{name} run {i}");
            let c = sys.covered().unwrap();
            assert_eq!(c.booked, w("230100000"), "{name}");
            assert_eq!(c.total().unwrap(), c.booked, "{name} run {i}: everything covered");
            let x = &r.summary;
            let paid = x.treasury_paid
                + x.stakers_paid
                + x.pledgers_paid
                + x.auctioned
                + x.socialised
                + x.residual_debt;
            assert!((paid - x.debt).abs() < 1e-6 * x.debt, "{name} run {i}: {paid} of {}", x.debt);
            let treasury: f64 =
                c.treasury.checked_add(c.healed).unwrap().to_string().parse().unwrap();
            assert_eq!(x.treasury_paid, treasury, "{name}: the summary is the ledger");
            assert!(x.cleared && x.time_to_cover.is_some(), "{name} run {i}: {x:?}");
            assert!(x.standoff > 0.0);
        }
    }
}

#[test]
fn a_waterfall_run_replays_on_the_model() {
    for name in DESIGNS {
        let r = run(&sc(name), 11, 1);
        let log = r.log.as_ref().unwrap();
        assert!(log.waterfall.is_some(), "{name}: the header carries the waterfall");
        assert!(log.actions.windows(2).all(|p| p[0].at <= p[1].at), "{name}: times go back");
        let replayed = replay_on_model(log).unwrap();
        assert_eq!(Some(&replayed), r.final_state.as_ref(), "{name}");
        let back: ActionLog = serde_json::from_str(&serde_json::to_string(log).unwrap()).unwrap();
        assert_eq!(&back, log);
        assert_eq!(replay_on_model(&back).unwrap(), replayed);
        // Without the waterfall, the first `Book` has nothing to go through.
        let mut bare = back;
        bare.waterfall = None;
        assert!(replay_on_model(&bare).is_err(), "{name}");
    }
}

#[test]
fn waterfall_runs_are_deterministic() {
    let s = sc("aave-2026-umbrella-fleeing");
    let (a, b) = (run(&s, 7, 2), run(&s, 7, 2));
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.stakers, b.stakers);
    assert_eq!(a.log, b.log);
    // Another run draws other stakers and another governance.
    let others: Vec<_> = (3..8).map(|i| run(&s, 7, i).summary).collect();
    assert!(others.iter().any(|o| o.escaped != a.summary.escaped || o.paused != a.summary.paused));
    let p = sc("aave-2026-pledge");
    assert_eq!(run(&p, 1, 0).pledgers, run(&p, 1, 0).pledgers);
}

fn with_pause(probability: f64) -> Scenario {
    let mut s = sc("aave-2026-umbrella-fleeing");
    s.governance.as_mut().unwrap().probability = probability;
    s.validate("t").unwrap();
    s
}

#[test]
fn a_pause_blocks_slashing_and_fleeing_stakers_pay_less() {
    let (paused, open, stay) = (with_pause(1.0), with_pause(0.0), sc("aave-2026-umbrella"));
    let start = paused.start;
    for i in 0..5 {
        // Paused from day 1–3 for 30 days: no slash at all, the auctions take the loss, and no
        // staker gets out (the pause also blocks exits).
        let r = run(&paused, 5, i);
        let pause = times(&r, start, |a| matches!(a, Action::PauseVault { paused: true }));
        assert_eq!(pause.len(), 1, "run {i}");
        assert!((86_400..=259_200 + 600).contains(&pause[0]), "{pause:?}");
        assert!(times(&r, start, |a| matches!(a, Action::CoverSlash)).is_empty(), "run {i}");
        assert_eq!(r.summary.stakers_paid, 0.0);
        assert_eq!(r.summary.auctioned, 30_100_000.0);
        assert!(r.summary.paused && r.summary.escaped == 0.0);
        assert!(r.stakers.iter().all(|s| s.redeemed == 0.0 && s.loss == 0.0));
        // Unpaused, the stakers who cooled down at the first booking leave before the second:
        // the rest pay, less than the whole vault pays when nobody leaves.
        let fled = run(&open, 5, i);
        let all = run(&stay, 5, i);
        assert_eq!(all.summary.stakers_paid, 30_100_000.0, "nobody leaves: stakers pay it all");
        let x = &fled.summary;
        assert!(!x.paused && x.escaped > 10e6, "run {i}: {} escaped", x.escaped);
        assert!(x.stakers_paid > 0.0 && x.stakers_paid < all.summary.stakers_paid, "run {i}");
        assert!(x.auctioned > 0.0, "the capped slash leaves the auctions the rest");
        let redeemed = times(&fled, start, |a| matches!(a, Action::Unstake { .. }));
        let slashes = times(&fled, start, |a| matches!(a, Action::CoverSlash));
        assert!(slashes[0] >= SECOND && redeemed.iter().any(|t| *t < SECOND), "run {i}");
        // Per staker: those out before the slash lost nothing, the others lost a share.
        let log = &fled.log.as_ref().unwrap().actions;
        let early: Vec<_> = log
            .iter()
            .filter_map(|a| match a.action {
                Action::Unstake { sender, .. } if a.at - start < slashes[0] => Some(sender),
                _ => None,
            })
            .collect();
        let (gone, kept): (Vec<_>, Vec<_>) =
            fled.stakers.iter().partition(|s| early.contains(&s.account));
        assert!(!gone.is_empty() && !kept.is_empty());
        let loss_rate = |v: &[&backstop_sim::engine::StakerOutcome]| {
            v.iter().map(|s| s.loss).sum::<f64>() / v.iter().map(|s| s.stake).sum::<f64>()
        };
        assert!(loss_rate(&gone) < 0.01 && loss_rate(&kept) > 0.2, "run {i}");
        // The vault's books: stakes in = slashed + redeemed + what is left, to the wei.
        let sys = fled.final_state.as_ref().unwrap();
        let v = sys.waterfall().unwrap().vault.as_ref().unwrap();
        let staked = w("100000000");
        let redeemed: Wad = fled
            .log
            .as_ref()
            .unwrap()
            .actions
            .iter()
            .filter_map(|a| match a.action {
                Action::Unstake { sender, .. } => Some(sender),
                _ => None,
            })
            .fold(Wad::ZERO, |s, who| {
                s.checked_add(sys.ledger.stablecoin.balance_of(who)).unwrap()
            });
        let out = sys.covered().unwrap().slashed.checked_add(redeemed).unwrap();
        assert_eq!(out.checked_add(v.total_assets()).unwrap(), staked, "run {i}");
    }
}

fn pledge_with(max_price: [f64; 2]) -> Scenario {
    let mut s = sc("aave-2026-pledge");
    for (g, p) in s.pledgers.iter_mut().zip(max_price) {
        g.max_price = p;
        g.spread = 0.0;
    }
    s
}

#[test]
fn a_met_round_covers_its_amount_without_an_auction() {
    let s = pledge_with([5.0, 5.0]);
    for i in 0..4 {
        let r = run(&s, 2, i);
        let x = &r.summary;
        assert_eq!((x.rounds, x.rounds_met), (1, 1), "run {i}");
        assert_eq!((x.auctions, x.auctioned), (0, 0.0), "run {i}: no auction");
        assert_eq!(x.pledgers_paid, 30_100_000.0);
        let sys = r.final_state.as_ref().unwrap();
        assert_eq!(sys.covered().unwrap().pledged, w(REST));
        assert_eq!(sys.english.kicks(), 0);
        // Every token minted is a pledger's claim: Σ ⌊pledge · RAY / price⌋.
        let round = sys.waterfall().unwrap().round_by_id(1).unwrap();
        let claimed = r.pledgers.iter().fold(Wad::ZERO, |s, p| {
            let who = p.account;
            s.checked_add(sys.ledger.gov.balance_of(who)).unwrap()
        });
        assert_eq!(sys.ledger.gov.total_supply(), claimed, "run {i}");
        assert!(claimed <= w(REST).rdiv(round.price).unwrap());
        assert!(x.pledgers_gain > 0.0, "a 10% discount, claimed at once");
    }
    // The built-in's coalition: where its round is met, no auction runs; where not, they cover.
    let s = sc("aave-2026-pledge");
    let runs: Vec<_> = (0..16).map(|i| run(&s, 0, i).summary).collect();
    assert!(runs.iter().any(|x| x.rounds_met == 1) && runs.iter().any(|x| x.rounds_met == 0));
    for x in &runs {
        if x.rounds_met == 1 {
            assert_eq!((x.auctions, x.auctioned), (0, 0.0));
        } else {
            assert_eq!((x.auctions, x.auctioned), (43, 30_100_000.0));
            assert_eq!(x.pledge_tokens, 0.0);
        }
    }
}

#[test]
fn a_failed_round_refunds_every_pledger_in_full() {
    // The funds never pledge: the holders' 18M cannot meet a 30.1M round.
    let s = pledge_with([5.0, 0.01]);
    let start = s.start;
    for i in 0..4 {
        let r = run(&s, 4, i);
        let x = &r.summary;
        assert_eq!((x.rounds, x.rounds_met), (1, 0), "run {i}");
        let sys = r.final_state.as_ref().unwrap();
        let mut pledged = 0;
        for (p, spec) in r
            .pledgers
            .iter()
            .zip(s.pledgers.iter().flat_map(|g| std::iter::repeat_n(g.capital, g.count as usize)))
        {
            // Back to its capital, to the wei.
            assert_eq!(sys.ledger.stablecoin.balance_of(p.account), spec, "run {i}: {}", p.name);
            assert_eq!((p.paid, p.tokens), (0.0, 0.0));
            if p.refunded > 0.0 {
                pledged += 1;
                assert_eq!(p.refunded, 6_000_000.0, "a holder's whole pledge");
            }
        }
        assert_eq!(pledged, 3, "run {i}: the three holders pledged");
        // The auctions start once the round has ended, not before.
        let end = 3 * 86_400 + SECOND;
        let flops = times(&r, start, |a| matches!(a, Action::Flop));
        assert_eq!(flops.len(), 43);
        assert!(flops[0] >= end && flops[0] < end + 600, "{} vs {end}", flops[0]);
        assert_eq!(x.auctioned, 30_100_000.0);
    }
}

#[test]
fn the_buffer_socialises_nothing_and_stands_off_longest() {
    let buffer = sc("aave-2026-sky-buffer");
    let others: Vec<Scenario> = DESIGNS[..4].iter().map(|n| sc(n)).collect();
    for i in 0..3 {
        let b = run(&buffer, 6, i).summary;
        assert_eq!((b.socialised, b.minted, b.auctions), (0.0, 0.0, 0), "run {i}");
        assert_eq!(b.treasury_paid, 230_100_000.0, "the treasury and its revenue pay it all");
        // 23.8M left after the treasury at day 21, healed at 300k a day: about 80 days more.
        let days = b.time_to_cover.unwrap() as f64 / 86_400.0;
        assert!((95.0..110.0).contains(&days), "{days}");
        for o in &others {
            let x = run(o, 6, i).summary;
            assert!(b.standoff > 10.0 * x.standoff, "{}: {} vs {}", o.name, b.standoff, x.standoff);
        }
    }
}

#[test]
fn the_settler_acts_when_a_step_is_due() {
    let start = sc("aave-2026").start;
    // Umbrella: the capped slash at the second booking, the rest one slash interval later.
    let r = run(&sc("aave-2026-umbrella"), 1, 0);
    let slashes = times(&r, start, |a| matches!(a, Action::CoverSlash));
    assert_eq!(slashes.len(), 2);
    assert!(slashes[0] >= SECOND && slashes[0] < SECOND + 120, "{slashes:?}");
    let gap = slashes[1] - slashes[0];
    assert!((86_400..86_400 + 120).contains(&gap), "{gap}");
    assert_eq!(r.summary.stakers_paid, 30_100_000.0);
    // The deadline: with lots larger than the debt no auction can start; the free debt waits
    // for the deadline and is written off then.
    let mut s = sc("aave-2026-auctions-only");
    s.accountant.sump = w("40000000");
    s.validate("t").unwrap();
    let r = run(&s, 1, 0);
    let social = times(&r, start, |a| matches!(a, Action::Socialise));
    assert_eq!(social.len(), 1);
    assert!((2_592_000..2_592_000 + 120).contains(&social[0]), "{social:?}");
    assert_eq!(r.summary.socialised, 30_100_000.0);
    assert!(r.summary.cleared);
    // Nothing polls in between: the settler's steps are the two treasury heals and the write-off.
    let settler = times(&r, start, |a| {
        matches!(a, Action::CoverTreasury | Action::Socialise | Action::Flop | Action::Poke { .. })
    });
    assert_eq!(settler.len(), 3, "{settler:?}");
}

#[test]
fn an_offset_below_one_lot_waits_for_the_deadline() {
    // examples/waterfall/aave-umbrella.toml's 100k offset: once the treasury is spent nobody
    // covers it (below one 700k lot, and stakers only pay above it) until the deadline.
    let mut s = sc("aave-2026-umbrella");
    let Some(WaterfallSource::Inline(cfg)) = s.waterfall.as_mut() else { panic!() };
    cfg.offset = w("100000");
    s.validate("t").unwrap();
    let r = run(&s, 1, 0);
    let c = r.final_state.as_ref().unwrap().covered().unwrap();
    assert_eq!((c.socialised, c.slashed), (w("100000"), w("30000000")));
    assert!((r.summary.socialised - 100_000.0).abs() < 1e-6);
    let days = r.summary.time_to_cover.unwrap() as f64 / 86_400.0;
    assert!((30.0..30.01).contains(&days), "{days}");
}

/// A change to a scenario.
type Edit = Box<dyn Fn(&mut Scenario)>;

/// The field a validation error names.
fn field(s: &Scenario) -> String {
    match s.validate("t.toml").unwrap_err() {
        SimError::Invalid { field, .. } => field,
        e => panic!("{e}"),
    }
}

#[test]
fn the_new_tables_are_validated_with_the_field_named() {
    let base = sc("aave-2026-umbrella-fleeing");
    let cases: Vec<(&str, Edit)> = vec![
        ("stakers[0].cooldown_probability", Box::new(|s| s.stakers[0].cooldown_probability = 1.5)),
        ("stakers[1].stake", Box::new(|s| s.stakers[1].stake = Wad::ZERO)),
        ("stakers[0].count", Box::new(|s| s.stakers[0].count = 0)),
        (
            "stakers[0].delay.max",
            Box::new(|s| s.stakers[0].delay = DelaySpec::Uniform { min: 10, max: 5 }),
        ),
        ("governance.probability", Box::new(|s| s.governance.as_mut().unwrap().probability = -1.0)),
        (
            "waterfall.staking.window",
            Box::new(|s| {
                if let Some(WaterfallSource::Inline(c)) = s.waterfall.as_mut() {
                    c.staking.as_mut().unwrap().window = 0;
                }
            }),
        ),
        (
            "waterfall.order",
            Box::new(|s| {
                if let Some(WaterfallSource::Inline(c)) = s.waterfall.as_mut() {
                    c.order = vec![Layer::Auctions, Layer::Treasury];
                }
            }),
        ),
        (
            "debt.treasury",
            Box::new(|s| {
                if let Some(WaterfallSource::Inline(c)) = s.waterfall.as_mut() {
                    c.order.retain(|l| *l != Layer::Treasury);
                }
            }),
        ),
        (
            "stakers",
            Box::new(|s| {
                if let Some(WaterfallSource::Inline(c)) = s.waterfall.as_mut() {
                    c.order.retain(|l| *l != Layer::Staking);
                    c.staking = None;
                }
                s.governance = None;
            }),
        ),
        ("stakers", Box::new(|s| s.waterfall = None)),
        (
            "revenue",
            Box::new(|s| {
                s.revenue = Some(backstop_sim::waterfall::RevenueSpec {
                    per_day: w("1"),
                    every: 86_400,
                    from: 0,
                    until: None,
                });
                s.debt.treasury = Wad::ZERO;
                if let Some(WaterfallSource::Inline(c)) = s.waterfall.as_mut() {
                    c.order.retain(|l| *l != Layer::Treasury);
                }
            }),
        ),
    ];
    for (want, edit) in cases {
        let mut s = base.clone();
        edit(&mut s);
        assert_eq!(field(&s), want);
    }
    let mut p = sc("aave-2026-pledge");
    p.pledgers[1].max_price = 0.0;
    assert_eq!(field(&p), "pledgers[1].max_price");
    let mut p = sc("aave-2026-pledge");
    p.pledgers[0].count = 999;
    assert_eq!(field(&p), "pledgers[1].count", "1,001 pledgers over two groups");
    let mut p = sc("aave-2026-pledge");
    p.pledgers.iter_mut().for_each(|g| g.recheck = 1);
    assert_eq!(field(&p), "pledgers[1].recheck", "5 × 259,200 looks per round");
    let mut b = sc("aave-2026-sky-buffer");
    b.revenue.as_mut().unwrap().every = 1;
    assert_eq!(field(&b), "revenue.every", "15.5M instalments");
}

#[test]
fn a_waterfall_file_is_read_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let root = super::root();
    std::fs::create_dir(dir.path().join("waterfall")).unwrap();
    std::fs::copy(
        root.join("examples/waterfall/aave-umbrella.toml"),
        dir.path().join("waterfall/umbrella.toml"),
    )
    .unwrap();
    let text =
        std::fs::read_to_string(root.join("examples/scenarios/aave-2026-umbrella.toml")).unwrap();
    let start = text.find("\n[waterfall]").unwrap();
    let end = text.find("\n# A $100M staking vault").unwrap();
    let by_path =
        format!("{}\nwaterfall = \"waterfall/umbrella.toml\"\n{}", &text[..start], &text[end..]);
    let p = dir.path().join("by-path.toml");
    std::fs::write(&p, &by_path).unwrap();
    let s = Scenario::load(&p).unwrap();
    let cfg = s.waterfall_config().unwrap();
    assert_eq!(cfg.offset, w("100000"), "the file's offset");
    assert_eq!(cfg.staking.unwrap().cooldown, 1_728_000);
    // A missing file names itself; an unknown field in the table names the field and the line.
    std::fs::write(&p, by_path.replace("waterfall/umbrella.toml", "waterfall/none.toml")).unwrap();
    let e = Scenario::load(&p).unwrap_err().to_string();
    assert!(e.contains("none.toml"), "{e}");
    std::fs::write(&p, text.replace("slash_interval = 86400", "slash_intervall = 86400")).unwrap();
    let e = Scenario::load(&p).unwrap_err();
    assert!(matches!(e, SimError::Parse { .. }), "{e}");
    let e = e.to_string();
    assert!(e.contains("slash_intervall") && e.contains("line"), "{e}");
}
