//! The loss waterfall's contracts (`Waterfall`, `StakingVault`, `PledgeRound`, wired over the
//! accountant, the houses and the tokens) against the core model with the same waterfall, on the
//! embedded EVM (`backstop_chain::differential::waterfall`).
//!
//! Proptest generates a deployment's parameters, an oracle price, a waterfall configuration
//! (every valid order, with and without the staking and pledge layers; offsets, slash intervals,
//! deadlines, vault and round parameters) and a sequence of steps: bookings, the five layers'
//! steps, pledges, claims, refunds, stakes, cooldowns, unstakes, rewards, pauses, funding, oracle
//! moves, flog, heal, flops, bids and deals, and time jumps of every size and to every boundary
//! (an unstake window opening and closing, a round's end, the next slash, the socialise
//! deadline, a queued era's release, an auction's `tic` and `end`, each −1, exactly and +1).
//! After every step: the same decision and error, the same events, the same state, the step the
//! model says is due (`Waterfall::next_step`) accepted by the contracts, and `booked = covered +
//! debt` in the model; after every sequence, the state read back as a keeper reads it equals the
//! model's. Cases: `WATERFALL_CASES` (default 128, about 3 s); `DIFF_TRACE=1` prints every action.
//!
//! Fixed sequences besides: long seeded walks that must reach every waterfall action accepted and
//! the main refusals (so the agreement is not vacuous), every rule at its exact boundary, and a
//! waterfall without a vault or a round.

use alloy_primitives::U256;
use backstop_chain::{
    EmbeddedEvm,
    differential::waterfall::{RoundSel, WaterfallCase, WaterfallDifferential, WaterfallStep},
};
use backstop_core::{
    Action, Ray, SystemParams, Wad, arb,
    waterfall::{Layer, PledgeParams, VaultParams, WaterfallConfig},
};
use proptest::{prelude::*, test_runner::Config};
use std::{collections::BTreeMap, future::Future};

const START: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

fn block_on<F: Future>(f: F) -> F::Output {
    // The embedded EVM's futures are ready at once; a current-thread runtime drives them.
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

fn cases() -> u32 {
    std::env::var("WATERFALL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128)
}

/// Every valid order: treasury first or not, socialise last or not, and any arrangement of any
/// subset of staking, pledge and auctions between them (64 orders, the empty one included).
fn all_orders() -> Vec<Vec<Layer>> {
    use Layer::*;
    let middle = [Staking, Pledge, Auctions];
    let mut arrangements: Vec<Vec<Layer>> = vec![vec![]];
    let mut frontier: Vec<Vec<Layer>> = vec![vec![]];
    for _ in 0..middle.len() {
        frontier = frontier
            .iter()
            .flat_map(|a| {
                middle.iter().filter(|l| !a.contains(l)).map(move |l| {
                    let mut b = a.clone();
                    b.push(*l);
                    b
                })
            })
            .collect();
        arrangements.extend(frontier.iter().cloned());
    }
    let mut out = Vec::new();
    for treasury in [false, true] {
        for socialise in [false, true] {
            for m in &arrangements {
                let mut o = Vec::new();
                if treasury {
                    o.push(Treasury);
                }
                o.extend(m.iter().copied());
                if socialise {
                    o.push(Socialise);
                }
                out.push(o);
            }
        }
    }
    out
}

#[test]
fn the_orders_are_every_valid_order() {
    let orders = all_orders();
    assert_eq!(orders.len(), 64);
    for (i, o) in orders.iter().enumerate() {
        assert!(backstop_core::waterfall::validate_order(o).is_ok(), "{o:?}");
        assert!(!orders[..i].contains(o), "{o:?} twice");
    }
}

fn wad_of(units: Wad, per_mille: u64) -> Wad {
    Wad::from_raw(units.raw() * U256::from(per_mille) / U256::from(1_000u16))
}

fn bps(x: u64) -> Wad {
    Wad::from_raw(U256::from(x) * U256::from(10u64).pow(U256::from(14u8)))
}

/// Everything of a case but the order: the order decides which layer parts are kept.
#[derive(Debug, Clone)]
struct Parts {
    params: SystemParams,
    price: Ray,
    offset: u64,
    slash_interval: u64,
    deadline: u64,
    vault: VaultParams,
    pledge: (u64, u64, u64),
    /// The mint cap, per mille of the accountant's `dump` (0: none).
    mint_cap: u64,
}

fn arb_parts() -> impl Strategy<Value = Parts> {
    (
        arb::arb_system_params(),
        arb::arb_price(),
        prop_oneof![Just(0u64), 0u64..=3_000],
        prop_oneof![Just(0u64), 1..=2 * DAY],
        prop_oneof![Just(0u64), 1..=30 * DAY],
        (
            prop_oneof![Just(0u64), 1..=3 * DAY],
            1u64..=2 * DAY,
            prop_oneof![Just(0u64), Just(10_000), 0u64..=10_000],
        ),
        (0u64..=9_000, 1u64..=5 * DAY, prop_oneof![Just(0u64), 0u64..=2_000]),
        prop_oneof![2 => Just(0u64), 1 => 1u64..=3_000],
    )
        .prop_map(|(params, price, offset, slash_interval, deadline, v, pledge, mint_cap)| {
            Parts {
                params,
                price,
                offset,
                slash_interval,
                deadline,
                vault: VaultParams { cooldown: v.0, window: v.1, max_slash: bps(v.2) },
                pledge,
                mint_cap,
            }
        })
}

fn case_of(p: &Parts, order: Vec<Layer>) -> WaterfallCase {
    let sump = p.params.accountant.sump;
    let (discount, duration, min_target) = p.pledge;
    let cfg = WaterfallConfig {
        offset: wad_of(sump, p.offset),
        slash_interval: p.slash_interval,
        deadline: p.deadline,
        mint_cap: wad_of(p.params.accountant.dump, p.mint_cap),
        staking: order.contains(&Layer::Staking).then_some(p.vault),
        pledge: order.contains(&Layer::Pledge).then_some(PledgeParams {
            discount: bps(discount),
            duration,
            min_target: wad_of(sump, min_target),
        }),
        order,
    };
    WaterfallCase { params: p.params, price: p.price, cfg }
}

fn arb_case() -> impl Strategy<Value = WaterfallCase> {
    (arb_parts(), prop::sample::select(all_orders())).prop_map(|(p, o)| case_of(&p, o))
}

fn arb_round() -> impl Strategy<Value = RoundSel> {
    prop_oneof![
        6 => Just(RoundSel::Last),
        2 => any::<u8>().prop_map(RoundSel::Earlier),
        1 => Just(RoundSel::Missing),
    ]
}

fn arb_step() -> impl Strategy<Value = WaterfallStep> {
    use WaterfallStep as W;
    let a = || any::<u8>();
    prop_oneof![
        3 => (0u32..=600).prop_map(W::Warp),
        3 => (600u32..=4 * DAY as u32).prop_map(W::Warp),
        8 => (a(), -1i8..=1).prop_map(|(i, o)| W::ToBoundary(i, o)),
        4 => prop_oneof![1 => Just(0u16), 30 => 1u16..=4_000].prop_map(W::Book),
        5 => Just(W::Flog),
        2 => (0u16..=3_000).prop_map(W::Treasury),
        1 => prop_oneof![Just(1_000u16), 0u16..=1_200].prop_map(W::Heal),
        3 => Just(W::CoverTreasury),
        4 => Just(W::CoverSlash),
        5 => Just(W::OpenPledge),
        3 => Just(W::SettlePledge),
        2 => Just(W::Socialise),
        8 => (a(), prop_oneof![Just(1_000u16), 0u16..=1_500]).prop_map(|(w, m)| W::Pledge(w, m)),
        3 => (a(), arb_round()).prop_map(|(w, r)| W::Claim(w, r)),
        3 => (a(), arb_round()).prop_map(|(w, r)| W::Refund(w, r)),
        3 => (a(), 0u16..=1_100).prop_map(|(w, m)| W::Stake(w, m)),
        3 => a().prop_map(W::Cooldown),
        4 => (a(), prop_oneof![Just(1_000u16), Just(1_001), 0u16..=1_000])
            .prop_map(|(w, m)| W::Unstake(w, m)),
        1 => (a(), 0u16..=500).prop_map(|(w, m)| W::Reward(w, m)),
        2 => any::<bool>().prop_map(W::Pause),
        1 => (a(), 1u8..=6).prop_map(|(w, n)| W::Fund(w, n)),
        2 => (500u16..=1_500).prop_map(W::Poke),
        3 => Just(W::Flop),
        1 => a().prop_map(W::FlopDutch),
        3 => (a(), 1u16..=1_000).prop_map(|(w, m)| W::Dent(w, m)),
        2 => Just(W::Deal),
    ]
}

fn harness(case: &WaterfallCase) -> WaterfallDifferential<EmbeddedEvm> {
    let mut h = block_on(WaterfallDifferential::deploy(EmbeddedEvm::new(START), case))
        .unwrap_or_else(|e| panic!("deploying {case:?}: {e:?}"));
    h.trace = std::env::var("DIFF_TRACE").is_ok();
    h
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_shrink_iters: 2_000, ..Config::default() })]

    /// The model and the waterfall's contracts agree on every step of every generated sequence,
    /// whatever the order and the parameters, and the model conserves every wei of booked debt.
    #[test]
    fn model_and_waterfall_contracts_agree(
        case in arb_case(),
        steps in prop::collection::vec(arb_step(), 1..40),
    ) {
        let mut h = harness(&case);
        block_on(h.run(&steps)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        block_on(h.compare_read_back()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    }
}

type Counts = BTreeMap<&'static str, usize>;

/// The contracts read back as a keeper reads them equal the lock-step model (see
/// `WaterfallDifferential::compare_read_back`).
fn check_read_back(h: &WaterfallDifferential<EmbeddedEvm>) {
    block_on(h.compare_read_back()).unwrap_or_else(|e| panic!("{e:?}"));
}

/// Long sequences with a fixed seed, over the whole waterfall (treasury, staking, pledge,
/// auctions, socialise) and over random orders: every waterfall action is accepted somewhere and
/// the main refusals are reached, so the agreement is not vacuous; and at checkpoints the state
/// read back from the contracts equals the model's.
#[test]
fn long_walks_reach_every_layer_and_refusal() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[17; 32]),
    );
    let full =
        vec![Layer::Treasury, Layer::Staking, Layer::Pledge, Layer::Auctions, Layer::Socialise];
    let strat =
        (arb_parts(), prop::sample::select(all_orders()), prop::collection::vec(arb_step(), 300));
    let (mut accepted, mut refused) = (Counts::new(), Counts::new());
    let mut steps_run = 0;
    for walk in 0..24 {
        let (mut parts, order, steps) = strat.new_tree(&mut runner).unwrap().current();
        // The whole waterfall in most walks, with times a walk of 150 steps crosses.
        let order = if walk % 3 != 2 { full.clone() } else { order };
        parts.params.accountant.wait = parts.params.accountant.wait.min(DAY);
        parts.params.oracle.age = parts.params.oracle.age.max(30 * DAY);
        if walk % 3 != 2 {
            // Rounds open only while the vault cannot be slashed (paused, or within the slash
            // interval) and the free debt above the offset reaches the minimum target.
            parts.deadline = [0, 2 * DAY, 6 * DAY, 20 * DAY][walk % 4];
            parts.slash_interval = parts.slash_interval.max(3_600);
            parts.offset %= 1_000;
            parts.pledge.2 %= 500;
        }
        let case = case_of(&parts, order);
        let mut h = harness(&case);
        block_on(h.prologue()).unwrap_or_else(|e| panic!("walk {walk}: prologue: {e:?}"));
        for (i, s) in steps.iter().enumerate() {
            block_on(h.step(*s)).unwrap_or_else(|e| panic!("walk {walk} step {i} {s:?}: {e:?}"));
            if i % 50 == 49 {
                check_read_back(&h);
            }
        }
        check_read_back(&h);
        steps_run += h.steps;
        for (k, v) in &h.accepted_by {
            *accepted.entry(k).or_default() += v;
        }
        for (k, v) in &h.refused_by {
            *refused.entry(k).or_default() += v;
        }
    }
    eprintln!("{steps_run} steps\naccepted {accepted:?}\nrefused {refused:?}");
    for kind in [
        "book",
        "treasury",
        "slash",
        "openPledge",
        "pledge",
        "settlePledge",
        "claim(pledge)",
        "refund(pledge)",
        "socialise",
        "deposit(vault)",
        "cooldown",
        "redeem(vault)",
        "reward(vault)",
        "pause(vault)",
        "unpause(vault)",
        "flop",
        "dent",
        "deal",
        "flog",
    ] {
        assert!(accepted.get(kind).copied().unwrap_or(0) > 0, "no {kind} accepted: {accepted:?}");
    }
    for kind in [
        "LayerNotReady",
        "Paused",
        "NotInUnstakeWindow",
        "AboveCooldownShares",
        "SlashTooSoon",
        "RoundNotOpen",
        "RoundNotFinished",
        "TargetTooSmall",
        "NothingToClaim",
        "ZeroShares",
    ] {
        assert!(refused.get(kind).copied().unwrap_or(0) > 0, "no {kind} refusal: {refused:?}");
    }
}

/// A waterfall without staking and pledge layers has no vault and no round: their actions are
/// refused before anything is sent, and by the model (`NotConfigured`), while the layers it
/// does have run.
#[test]
fn layers_left_out_have_no_contract() {
    use proptest::strategy::ValueTree;
    let parts = arb_parts()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current();
    let case = case_of(&parts, vec![Layer::Treasury, Layer::Auctions, Layer::Socialise]);
    let mut h = harness(&case);
    let w = h.d.waterfall.expect("deployed");
    assert!(w.vault.is_zero() && w.round.is_zero() && !w.waterfall.is_zero());
    let steps = [
        WaterfallStep::Stake(0, 500),
        WaterfallStep::Cooldown(1),
        WaterfallStep::Unstake(0, 1_000),
        WaterfallStep::Reward(2, 10),
        WaterfallStep::Pause(true),
        WaterfallStep::Pledge(0, 1_000),
        WaterfallStep::Claim(0, RoundSel::Last),
        WaterfallStep::Refund(0, RoundSel::Last),
        WaterfallStep::CoverSlash,
        WaterfallStep::OpenPledge,
        WaterfallStep::SettlePledge,
        WaterfallStep::Treasury(2_000),
        WaterfallStep::CoverTreasury,
    ];
    block_on(h.run(&steps)).unwrap();
    assert_eq!(h.refused_by.get("Unsupported"), Some(&8), "{:?}", h.refused_by);
    // Slash and open: not in the order; settle: no round.
    assert_eq!(h.refused_by.get("LayerNotReady"), Some(&2), "{:?}", h.refused_by);
    assert_eq!(h.refused_by.get("RoundNotOpen"), Some(&1), "{:?}", h.refused_by);
    assert_eq!(h.accepted_by.get("treasury"), Some(&1), "{:?}", h.accepted_by);
    check_read_back(&h);
}

/// Applies `action` and checks the outcome both sides agreed on: accepted (`None`) or refused
/// by the rule `refusal`.
fn expect(h: &mut WaterfallDifferential<EmbeddedEvm>, action: Action, refusal: Option<&str>) {
    let (accepted, refused) = (h.accepted_by.clone(), h.refused_by.clone());
    block_on(h.apply(action)).unwrap_or_else(|e| panic!("{action:?} at {}: {e:?}", h.now));
    let grew = |now: &Counts, before: &Counts, k: &str| now.get(k) > before.get(k);
    let name = backstop_chain::adapter::action_name(&action);
    match refusal {
        None => assert!(grew(&h.accepted_by, &accepted, name), "{action:?} at {}: refused", h.now),
        Some(kind) => assert!(
            grew(&h.refused_by, &refused, kind),
            "{action:?} at {}: not refused by {kind}: {:?}",
            h.now,
            h.refused_by
        ),
    }
}

fn warp(h: &mut WaterfallDifferential<EmbeddedEvm>, t: u64) {
    block_on(h.warp_to(t)).unwrap_or_else(|e| panic!("warp to {t}: {e:?}"));
}

/// One loss through every layer, each rule met at its exact boundary (one second before,
/// exactly, and after): the slash interval, the unstake window's close, a round's end, the
/// socialise deadline; a round settled above the free debt left (a direct heal in between: the
/// rest stays surplus); claims and refunds twice; the auctions held back by an open round.
#[test]
fn the_boundaries_agree() {
    use Action as A;
    let units = Wad::from_units;
    let half = Wad::from_raw(U256::from(5u64) * U256::from(10u64).pow(U256::from(17u8)));
    let params = SystemParams {
        accountant: backstop_core::AccountantParams { wait: 0, sump: units(100), dump: units(10) },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let cfg = WaterfallConfig {
        order: vec![
            Layer::Treasury,
            Layer::Staking,
            Layer::Pledge,
            Layer::Auctions,
            Layer::Socialise,
        ],
        offset: Wad::ZERO,
        slash_interval: 1_000,
        deadline: 100_000,
        mint_cap: Wad::ZERO,
        staking: Some(VaultParams { cooldown: 500, window: 100, max_slash: half }),
        pledge: Some(PledgeParams { discount: bps(1_000), duration: 2_000, min_target: Wad::ZERO }),
    };
    let price = Ray::from_raw(U256::from(2u8) * U256::from(10u64).pow(U256::from(27u8)));
    let mut h = harness(&WaterfallCase { params, price, cfg });
    // Actors with 400 each; the first two staked 100 each; 300 booked and free.
    block_on(h.prologue()).unwrap();
    let [a0, _, a2, a3] = backstop_chain::differential::waterfall::ACTORS;
    let (t0, booked_at) = (h.now, h.sys.waterfall().unwrap().first_booking().unwrap());
    expect(&mut h, A::Book { tab: Wad::ZERO }, None);
    expect(&mut h, A::Cooldown { sender: a0 }, None);
    // Slash half the vault (100 of 200), then not again within the interval.
    expect(&mut h, A::CoverSlash, None);
    expect(&mut h, A::CoverSlash, Some("SlashTooSoon"));
    // The vault cannot be slashed now: the pledge layer may open, for the 200 left.
    expect(&mut h, A::OpenPledge, None);
    expect(&mut h, A::Flop, Some("LayerNotReady"));
    expect(&mut h, A::Pledge { sender: a2, amount: units(150) }, None);
    expect(&mut h, A::ClaimPledge { sender: a2, id: 1 }, Some("RoundNotFinished"));
    expect(&mut h, A::Pledge { sender: a2, amount: units(500) }, None);
    expect(&mut h, A::OpenPledge, Some("LayerNotReady"));
    // A direct heal of 50 while the met round waits: it settles 150 and 50 stays surplus.
    let accountant = h.d.accountant;
    expect(&mut h, A::Mint { to: accountant, amount: units(50) }, None);
    expect(&mut h, A::Heal { amount: units(50) }, None);
    expect(&mut h, A::SettlePledge, None);
    assert_eq!(h.sys.surplus(), units(50));
    expect(&mut h, A::SettlePledge, Some("RoundNotFinished"));
    expect(&mut h, A::ClaimPledge { sender: a2, id: 1 }, None);
    expect(&mut h, A::ClaimPledge { sender: a2, id: 1 }, Some("NothingToClaim"));
    expect(&mut h, A::ClaimPledge { sender: a3, id: 1 }, Some("NothingToClaim"));
    expect(&mut h, A::RefundPledge { sender: a2, id: 1 }, Some("RoundNotFinished"));
    expect(&mut h, A::ClaimPledge { sender: a2, id: 2 }, Some("RoundNotOpen"));
    // The unstake window: [t0 + 500, t0 + 600].
    warp(&mut h, t0 + 499);
    expect(&mut h, A::Unstake { sender: a0, shares: units(10) }, Some("NotInUnstakeWindow"));
    warp(&mut h, t0 + 600);
    expect(&mut h, A::Unstake { sender: a0, shares: units(101) }, Some("AboveCooldownShares"));
    expect(&mut h, A::Unstake { sender: a0, shares: units(10) }, None);
    warp(&mut h, t0 + 601);
    expect(&mut h, A::Unstake { sender: a0, shares: units(10) }, Some("NotInUnstakeWindow"));
    // New debt: the treasury pays its 50 first, then the vault after the interval.
    expect(&mut h, A::Book { tab: units(100) }, None);
    expect(&mut h, A::Flog { era: t0 + 601 }, None);
    expect(&mut h, A::CoverSlash, Some("LayerNotReady"));
    expect(&mut h, A::CoverTreasury, None);
    warp(&mut h, t0 + 999);
    expect(&mut h, A::CoverSlash, Some("SlashTooSoon"));
    warp(&mut h, t0 + 1_000);
    expect(&mut h, A::CoverSlash, None);
    // A round that fails: the vault paused holds the staking layer back.
    expect(&mut h, A::PauseVault { paused: true }, None);
    expect(&mut h, A::Stake { sender: a3, assets: units(1) }, Some("Paused"));
    expect(&mut h, A::Book { tab: units(80) }, None);
    expect(&mut h, A::Flog { era: t0 + 1_000 }, None);
    expect(&mut h, A::OpenPledge, None);
    let end = h.sys.waterfall().unwrap().round.as_ref().unwrap().end;
    expect(&mut h, A::Pledge { sender: a3, amount: units(30) }, None);
    warp(&mut h, end - 1);
    expect(&mut h, A::Pledge { sender: a3, amount: units(1) }, None);
    expect(&mut h, A::RefundPledge { sender: a3, id: 2 }, Some("RoundNotFinished"));
    warp(&mut h, end);
    expect(&mut h, A::Pledge { sender: a3, amount: units(1) }, Some("RoundNotOpen"));
    expect(&mut h, A::ClaimPledge { sender: a3, id: 2 }, Some("RoundNotFinished"));
    expect(&mut h, A::RefundPledge { sender: a3, id: 2 }, None);
    expect(&mut h, A::RefundPledge { sender: a3, id: 2 }, Some("NothingToClaim"));
    // The first round's claims stay open after a second round.
    expect(&mut h, A::ClaimPledge { sender: a2, id: 1 }, Some("NothingToClaim"));
    // The deadline counts from the first booking.
    warp(&mut h, booked_at + 100_000 - 1);
    expect(&mut h, A::Socialise, Some("LayerNotReady"));
    warp(&mut h, booked_at + 100_000);
    let woe = h.sys.accountant.woe();
    assert!(!woe.is_zero());
    expect(&mut h, A::Socialise, None);
    assert_eq!(h.sys.covered().unwrap().socialised, woe);
    expect(&mut h, A::PauseVault { paused: false }, None);
    block_on(h.compare_read_back()).unwrap();
}
