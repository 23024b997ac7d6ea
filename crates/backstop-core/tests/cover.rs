//! The loss waterfall inside a `System`: random walks over every waterfall action, the auctions
//! and the clock, with every order of layers. After every action:
//! - every wei of booked debt is covered by one layer or still outstanding
//!   (`System::unaccounted() == 0`);
//! - the tokens the contracts hold are what their books say: the vault holds its
//!   `total_assets`, the round holds the pledges it still owes or has not settled;
//! - no stablecoin is created or destroyed but by `Mint`;
//! - a refused action changes nothing.

use alloy_primitives::{Address, U256};
use backstop_core::{
    AccountantParams, Action, Addresses, EnglishParams, Ray, System, SystemParams, Wad,
    WaterfallAddresses,
    strategy::{Bidder, EnglishMode, english_bid},
    waterfall::{
        Layer, PledgeParams, PledgeRound, RoundState, StakingVault, VaultParams, Waterfall,
        WaterfallParams,
    },
};
use proptest::prelude::*;

const ACTORS: [Address; 3] =
    [Address::repeat_byte(0xa1), Address::repeat_byte(0xa2), Address::repeat_byte(0xa3)];

fn w(n: u64) -> Wad {
    Wad::from_units(n)
}

#[derive(Debug, Clone)]
enum Op {
    Book(u16),
    Income(u16),
    Flog,
    Treasury,
    Slash,
    OpenPledge,
    Pledge(usize, u16),
    SettlePledge,
    Claim(usize),
    Refund(usize),
    Socialise,
    Stake(usize, u16),
    Cooldown(usize),
    Unstake(usize, u8),
    Reward(usize, u16),
    Pause(bool),
    Flop,
    Bid(usize),
    Deal,
    Heal(u16),
    Poke,
    Warp(u32),
    /// To the opening of an actor's unstake window, plus up to the window.
    ToWindow(usize, u16),
    /// To the open round's deadline.
    ToRoundEnd,
    /// Unpause, start the cooldown, go `x` seconds into the window and redeem a part.
    Exit(usize, u16, u8),
    /// Release the queue, run the treasury and the slash, open a round, every actor pledges `x`,
    /// then everyone claims (or, at the deadline, takes its pledge back).
    Crowd(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0usize..3;
    prop_oneof![
        3 => (1u16..3_000).prop_map(Op::Book),
        1 => (1u16..3_000).prop_map(Op::Income),
        1 => Just(Op::Flog),
        1 => Just(Op::Treasury),
        1 => Just(Op::Slash),
        2 => Just(Op::OpenPledge),
        4 => (a.clone(), 1u16..12_000).prop_map(|(a, x)| Op::Pledge(a, x)),
        1 => Just(Op::SettlePledge),
        2 => a.clone().prop_map(Op::Claim),
        1 => a.clone().prop_map(Op::Refund),
        1 => Just(Op::Socialise),
        2 => (a.clone(), 1u16..3_000).prop_map(|(a, x)| Op::Stake(a, x)),
        1 => a.clone().prop_map(Op::Cooldown),
        3 => (a.clone(), 1u8..=100).prop_map(|(a, p)| Op::Unstake(a, p)),
        1 => (a.clone(), 1u16..500).prop_map(|(a, x)| Op::Reward(a, x)),
        1 => prop::bool::weighted(0.2).prop_map(Op::Pause),
        1 => Just(Op::Flop),
        3 => a.clone().prop_map(Op::Bid),
        1 => Just(Op::Deal),
        1 => (1u16..3_000).prop_map(Op::Heal),
        1 => Just(Op::Poke),
        3 => (0u32..40_000).prop_map(Op::Warp),
        2 => (a.clone(), 0u16..6_000).prop_map(|(a, x)| Op::ToWindow(a, x)),
        2 => (a, 0u16..5_000, 1u8..=100).prop_map(|(a, x, p)| Op::Exit(a, x, p)),
        2 => (1u16..6_000).prop_map(Op::Crowd),
        2 => Just(Op::ToRoundEnd),
    ]
}

fn orders() -> impl Strategy<Value = Vec<Layer>> {
    let middle = [Layer::Staking, Layer::Pledge, Layer::Auctions];
    let middle = proptest::sample::subsequence(middle.to_vec(), 0..=3).prop_shuffle();
    (any::<bool>(), any::<bool>(), middle).prop_map(|(t, s, m)| {
        let mut o = Vec::new();
        if t {
            o.push(Layer::Treasury);
        }
        o.extend(m);
        if s {
            o.push(Layer::Socialise);
        }
        o
    })
}

/// What the round contract must hold: the pledges of failed rounds not yet refunded, and the
/// whole of a round that is open or met its target and is not settled.
fn round_owes(r: &PledgeRound, now: u64) -> Wad {
    match r.state(now) {
        RoundState::Failed => r.pledges().fold(Wad::ZERO, |s, (_, x)| s.checked_add(x).unwrap()),
        RoundState::Open => r.pledged,
        RoundState::Succeeded if !r.settled => r.pledged,
        RoundState::Succeeded => Wad::ZERO,
    }
}

fn system(order: Vec<Layer>, offset: u16, max_slash_pct: u64, mint_cap: u16) -> System {
    let params = SystemParams {
        accountant: AccountantParams { wait: 3_600, sump: w(500), dump: w(10) },
        english: EnglishParams::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let price = Ray::from_units(2);
    let sys = System::new(params, price, Addresses::default(), 1_000).unwrap();
    let vault = order.contains(&Layer::Staking).then(|| {
        let max_slash =
            Wad::from_raw(U256::from(max_slash_pct) * U256::from(10u64).pow(U256::from(16u64)));
        StakingVault::new(VaultParams { cooldown: 20_000, window: 5_000, max_slash }).unwrap()
    });
    let pledge = order.contains(&Layer::Pledge).then_some(PledgeParams {
        discount: Wad::from_raw(U256::from(10u64).pow(U256::from(17u64))),
        duration: 30_000,
        min_target: w(1),
    });
    let wp = WaterfallParams {
        order,
        offset: w(u64::from(offset)),
        slash_interval: 7_200,
        deadline: 150_000,
        mint_cap: w(u64::from(mint_cap)),
    };
    let model = Waterfall::new(wp, vault, pledge).unwrap();
    let addrs = WaterfallAddresses {
        waterfall: Address::repeat_byte(0xf0),
        vault: Address::repeat_byte(0xf1),
        round: Address::repeat_byte(0xf2),
    };
    sys.with_waterfall(model, addrs)
}

fn action(sys: &System, o: &Op, now: u64) -> Option<Action> {
    let wf = sys.waterfall().unwrap();
    let last_round = wf.round.as_ref().map_or(0, |r| r.id);
    Some(match *o {
        Op::Book(x) => Action::Book { tab: w(u64::from(x)) },
        Op::Income(x) => Action::Mint { to: sys.addrs.accountant, amount: w(u64::from(x)) },
        Op::Flog => Action::Flog { era: sys.accountant.queue().next()?.0 },
        Op::Treasury => Action::CoverTreasury,
        Op::Slash => Action::CoverSlash,
        Op::OpenPledge => Action::OpenPledge,
        Op::Pledge(a, x) => Action::Pledge { sender: ACTORS[a], amount: w(u64::from(x)) },
        Op::SettlePledge => Action::SettlePledge,
        Op::Claim(a) => Action::ClaimPledge { sender: ACTORS[a], id: last_round },
        Op::Refund(a) => Action::RefundPledge { sender: ACTORS[a], id: last_round },
        Op::Socialise => Action::Socialise,
        Op::Stake(a, x) => Action::Stake { sender: ACTORS[a], assets: w(u64::from(x)) },
        Op::Cooldown(a) => Action::Cooldown { sender: ACTORS[a] },
        Op::Unstake(a, p) => {
            let shares = wf.vault.as_ref().map(|v| v.shares_of(ACTORS[a])).unwrap_or_default();
            let part = Wad::from_raw(shares.raw() * U256::from(p) / U256::from(100u8));
            Action::Unstake { sender: ACTORS[a], shares: part }
        }
        Op::Reward(a, x) => Action::RewardStakers { sender: ACTORS[a], amount: w(u64::from(x)) },
        Op::Pause(p) => Action::PauseVault { paused: p },
        Op::Flop => Action::Flop,
        Op::Bid(a) => {
            let (id, auction) = sys.english.auctions().next()?;
            let bidder = Bidder {
                me: ACTORS[a],
                limit: Ray::from_units(1_000),
                budget: w(1_000_000),
                mode: EnglishMode::Step,
            };
            let b = english_bid(id, auction, &sys.english.params, &bidder, now).ok()?;
            Action::Dent { sender: ACTORS[a], id, lot: b.lot, bid: b.bid }
        }
        Op::Deal => Action::Deal { id: sys.english.auctions().next()?.0 },
        Op::Heal(x) => Action::Heal { amount: w(u64::from(x)) },
        Op::Poke => Action::Poke { price: Ray::from_units(2) },
        Op::Warp(_) | Op::ToWindow(..) | Op::ToRoundEnd | Op::Exit(..) | Op::Crowd(_) => {
            return None;
        }
    })
}

fn check(sys: &System, minted: Wad, now: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(sys.unaccounted().unwrap().unwrap(), Wad::ZERO, "conservation across layers");
    let wf = sys.waterfall().unwrap();
    let addrs = sys.waterfall_addresses().unwrap();
    let coin = &sys.ledger.stablecoin;
    if let Some(v) = &wf.vault {
        prop_assert_eq!(coin.balance_of(addrs.vault), v.total_assets(), "vault holds its assets");
    }
    let owed = wf
        .round
        .iter()
        .chain(wf.past_rounds.values())
        .fold(Wad::ZERO, |s, r| s.checked_add(round_owes(r, now)).unwrap());
    prop_assert_eq!(coin.balance_of(addrs.round), owed, "round holds what it owes");
    prop_assert_eq!(coin.total_supply(), minted, "stablecoin only from Mint");
    // Governance tokens exist only from the first booking on (no auction or round before it):
    // the waterfall counts every one of them.
    prop_assert_eq!(wf.minted(), sys.ledger.gov.total_supply(), "minted since the first booking");
    if wf.cap_reached() {
        prop_assert!(
            sys.waterfall().unwrap().auctions_ready(&sys.accountant, sys.surplus(), now).is_err()
        );
    }
    sys.check_invariants().map_err(TestCaseError::fail)?;
    Ok(())
}

/// Applies `a`; a refusal must change nothing; then every check.
fn apply_checked(
    sys: &mut System,
    a: &Action,
    now: u64,
    minted: &mut Wad,
) -> Result<(), TestCaseError> {
    let before = sys.clone();
    match sys.apply(a, now) {
        Ok(_) => {
            if let Action::Mint { amount, .. } = *a {
                *minted = minted.checked_add(amount).unwrap();
            }
        }
        Err(_) => prop_assert_eq!(&*sys, &before, "a refused {:?} changed the state", a),
    }
    check(sys, *minted, now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_wei_is_covered_once_and_every_token_is_where_the_books_say(
        order in orders(),
        offset in 0u16..800,
        max_slash_pct in 1u64..=100,
        mint_cap in prop_oneof![Just(0u16), 1u16..60],
        ops in prop::collection::vec(op(), 1..150),
    ) {
        let mut sys = system(order, offset, max_slash_pct, mint_cap);
        let mut now = 1_000u64;
        let mut minted = Wad::ZERO;
        for a in ACTORS {
            sys.apply(&Action::Mint { to: a, amount: w(20_000) }, now).unwrap();
            minted = minted.checked_add(w(20_000)).unwrap();
        }
        for o in &ops {
            if let Op::Exit(a, x, p) = *o {
                // A staker's whole way out, each action checked as any other.
                let start = now;
                let mut steps = vec![Op::Pause(false), Op::Cooldown(a)];
                let opens = sys.waterfall().unwrap().vault.as_ref().map(|v| v.params.cooldown);
                let Some(cooldown) = opens else { continue };
                for s in steps.drain(..) {
                    let act = action(&sys, &s, now).unwrap();
                    apply_checked(&mut sys, &act, now, &mut minted)?;
                }
                now = start + cooldown + u64::from(x);
                let act = action(&sys, &Op::Unstake(a, p), now).unwrap();
                apply_checked(&mut sys, &act, now, &mut minted)?;
                continue;
            }
            if let Op::Crowd(x) = *o {
                now += 3_600;
                let mut steps = vec![Op::Flog, Op::Flog, Op::Treasury, Op::Slash, Op::OpenPledge];
                steps.extend((0..3).map(|a| Op::Pledge(a, x)));
                steps.push(Op::SettlePledge);
                steps.extend((0..3).map(Op::Claim));
                for s in steps {
                    let Some(act) = action(&sys, &s, now) else { continue };
                    apply_checked(&mut sys, &act, now, &mut minted)?;
                }
                if let Some(r) = sys.waterfall().unwrap().open_round(now) {
                    now = r.end;
                    for a in 0..3 {
                        let act = action(&sys, &Op::Refund(a), now).unwrap();
                        apply_checked(&mut sys, &act, now, &mut minted)?;
                    }
                }
                continue;
            }
            let wf = sys.waterfall().unwrap();
            match *o {
                Op::Warp(s) => now += u64::from(s),
                Op::ToWindow(a, x) => {
                    if let Some((opens, _)) = wf.vault.as_ref().and_then(|v| v.window_of(ACTORS[a])) {
                        now = now.max(opens + u64::from(x));
                    }
                }
                Op::ToRoundEnd => {
                    if let Some(r) = wf.open_round(now) {
                        now = r.end;
                    }
                }
                _ => {}
            }
            let Some(a) = action(&sys, o, now) else { continue };
            apply_checked(&mut sys, &a, now, &mut minted)?;
        }
    }
}

/// Every layer acts in turn on one loss, to the wei: treasury 300, a slash of half the vault,
/// a met round, the auctions, then socialisation at the deadline.
#[test]
fn one_loss_through_every_layer() {
    let order =
        vec![Layer::Treasury, Layer::Staking, Layer::Pledge, Layer::Auctions, Layer::Socialise];
    let mut sys = system(order, 0, 50, 0);
    let [a, b, c] = ACTORS;
    for x in ACTORS {
        sys.apply(&Action::Mint { to: x, amount: w(20_000) }, 1_000).unwrap();
    }
    sys.apply(&Action::Mint { to: sys.addrs.accountant, amount: w(300) }, 1_000).unwrap();
    sys.apply(&Action::Stake { sender: a, assets: w(1_000) }, 1_000).unwrap();
    sys.apply(&Action::Book { tab: w(5_000) }, 1_000).unwrap();
    // Queued for an hour: no layer acts on debt that is not free.
    assert!(sys.apply(&Action::Flop, 1_000).is_err());
    sys.apply(&Action::Flog { era: 1_000 }, 4_600).unwrap();
    assert!(matches!(
        sys.apply(&Action::CoverSlash, 4_600),
        Err(backstop_core::Error::LayerNotReady { .. })
    ));
    sys.apply(&Action::CoverTreasury, 4_600).unwrap();
    sys.apply(&Action::CoverSlash, 4_600).unwrap();
    sys.apply(&Action::OpenPledge, 4_600).unwrap();
    // 5000 − 300 − 500 = 4200 wanted; b pledges it all at 2 · 0.9 = 1.8.
    sys.apply(&Action::Pledge { sender: b, amount: w(10_000) }, 4_601).unwrap();
    assert_eq!(sys.ledger.stablecoin.balance_of(b), w(20_000 - 4_200));
    assert!(matches!(
        sys.apply(&Action::Flop, 4_601),
        Err(backstop_core::Error::LayerNotReady { .. })
    ));
    sys.apply(&Action::SettlePledge, 4_601).unwrap();
    sys.apply(&Action::ClaimPledge { sender: b, id: 1 }, 4_602).unwrap();
    assert_eq!(
        sys.ledger.gov.balance_of(b),
        Wad::from_raw(w(4_200).raw() * U256::from(10u8) / U256::from(18u8))
    );
    let cov = sys.covered().unwrap();
    assert_eq!((cov.treasury, cov.slashed, cov.pledged), (w(300), w(500), w(4_200)));
    assert_eq!(sys.accountant.debt(), Wad::ZERO);
    // A second loss: the vault's interval is not over, no round (below nothing), auctions.
    sys.apply(&Action::Book { tab: w(1_200) }, 5_000).unwrap();
    sys.apply(&Action::Flog { era: 5_000 }, 8_600).unwrap();
    assert!(sys.apply(&Action::OpenPledge, 8_600).is_ok(), "the vault waits for its interval");
    let end = sys.waterfall().unwrap().round.as_ref().unwrap().end;
    sys.apply(&Action::Pledge { sender: c, amount: w(100) }, 8_601).unwrap();
    // The round fails; c takes its pledge back; the slash is due again after the interval.
    sys.apply(&Action::RefundPledge { sender: c, id: 2 }, end).unwrap();
    assert_eq!(sys.ledger.stablecoin.balance_of(c), w(20_000));
    sys.apply(&Action::CoverSlash, end).unwrap();
    // 1200 − 250 (half of the 500 left) = 950 left for the auctions: one of 500.
    sys.apply(&Action::Flop, end).unwrap();
    let dent = action(&sys, &Op::Bid(0), end).unwrap();
    sys.apply(&dent, end).unwrap();
    // At the deadline the vault can be slashed again (a quarter of the 250 left would do):
    // socialisation waits for it.
    let at = sys.waterfall().unwrap().socialise_at().unwrap();
    assert!(sys.apply(&Action::Socialise, at).is_err());
    sys.apply(&Action::CoverSlash, at).unwrap();
    sys.apply(&Action::Socialise, at).unwrap();
    let cov = sys.covered().unwrap();
    assert_eq!((cov.slashed, cov.auctioned, cov.socialised), (w(875), w(500), w(325)));
    assert_eq!(sys.unaccounted().unwrap().unwrap(), Wad::ZERO);
    assert_eq!(sys.accountant.woe(), Wad::ZERO);
}
