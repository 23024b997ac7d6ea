//! The model under dss rules against Backstop's dss-compatible contracts (`contracts-abi/dss/`),
//! on the embedded EVM: proptest generates parameters and step sequences (debt booked, surplus,
//! flog, heal and kiss at and one wei past their limits, flops, bids at the exact `beg` boundary
//! and one wei past it, wrong bids, deals and ticks at `tic` or `end` minus one, exactly, plus
//! one). After every step the decision (by rule) and the whole state agree to the wei. Cases:
//! `DIFF_CASES` (default 1,000); `DIFF_TRACE=1` prints every step.

use backstop_chain::{
    EmbeddedEvm,
    differential::dss::{DssDifferential, DssStep, Lot},
    dss::deploy::DssParams,
};
use backstop_core::Wad;
use proptest::{prelude::*, test_runner::Config};
use std::future::Future;

const START: u64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

fn cases() -> u32 {
    std::env::var("DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}

fn arb_params() -> impl Strategy<Value = DssParams> {
    (
        1_010u64..=1_500,
        1_000u64..=3_000,
        1u64..=7_200,
        prop_oneof![Just(0u64), 1u64..=86_400],
        1u64..=1_000,
        1u64..=500,
        any::<bool>(),
    )
        .prop_flat_map(|(beg, pad, ttl, wait, sump, dump, notes)| {
            (ttl..=ttl * 8).prop_map(move |tau| DssParams {
                beg: Wad::from_raw(
                    alloy_primitives::U256::from(beg) * alloy_primitives::U256::from(10u64.pow(15)),
                ),
                pad: Wad::from_raw(
                    alloy_primitives::U256::from(pad) * alloy_primitives::U256::from(10u64.pow(15)),
                ),
                ttl,
                tau,
                wait,
                sump: Wad::from_units(sump),
                dump: Wad::from_units(dump),
                notes,
            })
        })
}

fn arb_lot() -> impl Strategy<Value = Lot> {
    prop_oneof![
        4 => Just(Lot::Max),
        1 => Just(Lot::MaxPlusOne),
        1 => Just(Lot::Same),
        2 => (0u16..=1_000).prop_map(Lot::PerMille),
    ]
}

fn arb_step() -> impl Strategy<Value = DssStep> {
    let per_mille = prop_oneof![Just(1_000u16), Just(1_001), 0u16..=1_000];
    prop_oneof![
        2 => (1u32..=3_000).prop_map(DssStep::Book),
        1 => (1u32..=500).prop_map(DssStep::Surplus),
        2 => any::<u8>().prop_map(DssStep::Flog),
        1 => per_mille.clone().prop_map(DssStep::Heal),
        1 => per_mille.prop_map(DssStep::Kiss),
        3 => Just(DssStep::Flop),
        6 => (any::<u8>(), any::<u8>(), arb_lot(), prop::bool::weighted(0.05))
            .prop_map(|(who, auction, lot, wrong_bid)| DssStep::Dent { who, auction, lot, wrong_bid }),
        2 => any::<u8>().prop_map(DssStep::Deal),
        1 => any::<u8>().prop_map(DssStep::Tick),
        2 => prop_oneof![1u32..=600, 600u32..=200_000].prop_map(DssStep::Warp),
        2 => (any::<u8>(), -1i8..=1).prop_map(|(n, o)| DssStep::ToClose(n, o)),
        1 => (any::<u8>(), -1i8..=1).prop_map(|(n, o)| DssStep::ToEnd(n, o)),
    ]
}

type Counts = std::collections::BTreeMap<&'static str, usize>;

fn run(params: DssParams, steps: &[DssStep], funds: u64) -> Result<(usize, usize), String> {
    walk(params, steps, funds).map(|(n, a, _, _)| (n, a))
}

fn walk(
    params: DssParams,
    steps: &[DssStep],
    funds: u64,
) -> Result<(usize, usize, Counts, Counts), String> {
    block_on(async {
        let funds = Wad::from_units(funds);
        let mut h = DssDifferential::deploy(EmbeddedEvm::new(START), params, funds)
            .await
            .map_err(|e| format!("{e:?}"))?;
        h.trace = std::env::var("DIFF_TRACE").is_ok();
        for s in steps {
            h.step(*s).await.map_err(|e| format!("step {s:?}: {e:?}"))?;
        }
        Ok((h.steps, h.accepted, h.accepted_by, h.refused_by))
    })
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_shrink_iters: 2_000, ..Config::default() })]

    /// The model under dss rules and the dss-compatible contracts agree after every step.
    #[test]
    fn model_and_dss_contracts_agree(
        params in arb_params(),
        steps in prop::collection::vec(arb_step(), 1..60),
    ) {
        run(params, &steps, 20_000).map_err(TestCaseError::fail)?;
    }
}

/// A fixed sequence through every edge: booked debt, a flop, a bid at the exact `beg` boundary
/// and one wei past it, the dead second at `tic`, the deal one second later, a tick at `end`
/// and one second later.
#[test]
fn the_edges_agree() {
    let p = DssParams { wait: 0, ttl: 100, tau: 1_000, ..DssParams::default() };
    let steps = [
        DssStep::Book(120_000),
        DssStep::Flog(0),
        DssStep::Flop,
        DssStep::Flop,
        DssStep::Dent { who: 0, auction: 0, lot: Lot::MaxPlusOne, wrong_bid: false },
        DssStep::Dent { who: 0, auction: 0, lot: Lot::Max, wrong_bid: true },
        DssStep::Dent { who: 0, auction: 0, lot: Lot::Max, wrong_bid: false },
        DssStep::Dent { who: 1, auction: 0, lot: Lot::Max, wrong_bid: false },
        DssStep::ToClose(0, 0),
        DssStep::Dent { who: 0, auction: 0, lot: Lot::Max, wrong_bid: false },
        DssStep::Deal(0),
        DssStep::ToClose(0, 1),
        DssStep::Deal(0),
        DssStep::ToEnd(0, 0),
        DssStep::Tick(0),
        DssStep::ToEnd(0, 1),
        DssStep::Tick(0),
        DssStep::Heal(1_000),
        DssStep::Flop,
    ];
    let (n, accepted) = run(p, &steps, 200_000).unwrap();
    assert_eq!(n, steps.len());
    // Book, flog, two flops, two valid bids, the deal at tic + 1, the tick at end + 1, the
    // heal; the rest are refused on both sides.
    assert_eq!(accepted, 9);
}

/// Long sequences with a fixed seed and bidders rich enough to outbid each other: deep states
/// (many auctions, outbids, deals, ticks) that short sequences rarely reach. Every kind of action
/// is accepted somewhere, and refused somewhere by its boundary rule.
#[test]
fn long_walks_reach_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strat = (arb_params(), prop::collection::vec(arb_step(), 600));
    let (mut accepted, mut refused) = (Counts::new(), Counts::new());
    for _ in 0..6 {
        let (params, steps) = strat.new_tree(&mut runner).unwrap().current();
        let (_, _, a, r) = walk(params, &steps, 1_000_000).unwrap();
        for (k, v) in a {
            *accepted.entry(k).or_default() += v;
        }
        for (k, v) in r {
            *refused.entry(k).or_default() += v;
        }
    }
    eprintln!("accepted {accepted:?}\nrefused {refused:?}");
    for kind in ["fess", "flog", "heal", "kiss", "flop", "dent", "deal", "tick"] {
        assert!(accepted.get(kind).copied().unwrap_or(0) > 0, "no {kind} accepted: {accepted:?}");
    }
    for kind in [
        "IncrementTooSmall",
        "LotNotLower",
        "BidMismatch",
        "BidExpired",
        "AuctionExpired",
        "NotFinished",
        "AuctionNotExpired",
        "InsufficientDebt",
        "SurplusNotZero",
        "InsufficientSurplus",
    ] {
        assert!(refused.get(kind).copied().unwrap_or(0) > 0, "no {kind} refusal: {refused:?}");
    }
}
