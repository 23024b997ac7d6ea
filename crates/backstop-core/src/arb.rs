//! Proptest generators for parameters, amounts and action sequences (feature `proptest`).
//!
//! Action sequences are generated as [`Step`]s: actions described relative to the state they will
//! meet ("the largest valid lot of the second live auction", "half the surplus"), so most of them
//! are meaningful whatever came before, and a sizeable share is deliberately invalid (one wei over
//! the `beg` bound, a wrong bid, a missing id, a price limit one below the price). [`Step::resolve`]
//! turns a step into a concrete [`Action`] against a [`System`]; the differential tests resolve
//! against the model and send the same concrete action to the contracts.
//!
//! ```
//! use backstop_core::arb::{arb_system_params, arb_action_sequence};
//! use proptest::prelude::*;
//! proptest!(|(params in arb_system_params(), steps in arb_action_sequence(1..40))| {
//!     let _ = (params, steps);
//! });
//! ```

use crate::{
    AccountantParam, AccountantParams, Action, Calc, DutchParam, DutchParams, EnglishParam,
    EnglishParams, LotSizing, MAX_TIME, OracleParam, OracleParams, Ray, System, SystemParams,
    Timestamp, Wad,
    math::{RAY, WAD},
};
use alloy_primitives::{Address, U256};
use proptest::prelude::*;

/// The actors of generated sequences (bidders and keepers).
pub const ACTORS: [Address; 4] = [
    Address::new([0xb1; 20]),
    Address::new([0xb2; 20]),
    Address::new([0xb3; 20]),
    Address::new([0xb4; 20]),
];

/// A WAD between `lo` and `hi` whole units, with a random fraction down to the wei.
pub fn arb_wad(lo: u64, hi: u64) -> impl Strategy<Value = Wad> {
    (lo..=hi, 0u64..1_000_000_000_000_000_000)
        .prop_map(|(units, frac)| Wad::from_raw(U256::from(units) * WAD + U256::from(frac)))
}

/// A RAY ratio between `lo` and `hi` thousandths.
pub fn arb_ray_ratio(lo: u64, hi: u64) -> impl Strategy<Value = Ray> {
    (lo..=hi).prop_map(|m| Ray::from_raw(U256::from(m) * RAY / U256::from(1000)))
}

/// A WAD ratio between `lo` and `hi` ten-thousandths.
pub fn arb_wad_ratio(lo: u64, hi: u64) -> impl Strategy<Value = Wad> {
    (lo..=hi).prop_map(|m| Wad::from_raw(U256::from(m) * WAD / U256::from(10_000)))
}

/// Boundary values of a 256-bit amount: 0, 1, 2^128 − 1, 2^128, 2^256 − 1.
pub fn arb_edge_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        Just(U256::from(1)),
        Just(crate::math::MAX_U128),
        Just(crate::math::MAX_U128 + U256::from(1)),
        Just(U256::MAX),
    ]
}

/// Boundary values of a duration: 0, 1, `MAX_DURATION`, `MAX_DURATION + 1`, `u64::MAX`.
pub fn arb_edge_seconds() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(crate::MAX_DURATION),
        Just(crate::MAX_DURATION + 1),
        Just(u64::MAX)
    ]
}

/// A price (RAY, stablecoin per token) between 0.01 and 100,000, with random low digits.
pub fn arb_price() -> impl Strategy<Value = Ray> {
    (1u64..10_000_000, 0u64..1_000_000_000).prop_map(|(cents, dust)| {
        Ray::from_raw(U256::from(cents) * RAY / U256::from(100) + U256::from(dust))
    })
}

/// Valid English parameters: `beg` in (1, 1.5], `pad` in [1, 2], `tau` up to 30 days, `ttl ≤ tau`,
/// either lot sizing, and sometimes a floor or a tick cap.
pub fn arb_english_params() -> impl Strategy<Value = EnglishParams> {
    (
        1u64..=5_000,
        0u64..=10_000,
        1u64..=30 * 86_400,
        any::<prop::sample::Index>(),
        prop::bool::ANY,
        0u64..=5_000,
        prop::option::weighted(0.3, 1u64..1_000_000),
        prop::option::weighted(0.3, 1u16..6),
    )
        .prop_map(|(beg, pad, tau, ttl, oracle, discount, floor, max_ticks)| EnglishParams {
            beg: Wad::from_raw(WAD + U256::from(beg) * WAD / U256::from(10_000)),
            pad: Wad::from_raw(WAD + U256::from(pad) * WAD / U256::from(10_000)),
            ttl: 1 + ttl.index(tau as usize) as u64,
            tau,
            sizing: if oracle { LotSizing::Oracle } else { LotSizing::Fixed },
            discount: Wad::from_raw(U256::from(discount) * WAD / U256::from(10_000)),
            floor: floor
                .map_or(Ray::ZERO, |c| Ray::from_raw(U256::from(c) * RAY / U256::from(100))),
            max_ticks: max_ticks.unwrap_or(0),
        })
}

/// Valid Dutch parameters over all three curves.
pub fn arb_dutch_params() -> impl Strategy<Value = DutchParams> {
    (
        arb_ray_ratio(800, 2_000),
        60u64..=3 * 86_400,
        arb_ray_ratio(50, 950),
        arb_wad_ratio(0, 100),
        prop::option::weighted(0.4, arb_wad(0, 1_000)),
        prop::option::weighted(0.5, arb_wad(0, 20_000)),
        prop_oneof![Just(Calc::Linear), Just(Calc::StairStep), Just(Calc::Exponential)],
        60u64..=86_400,
        prop_oneof![
            arb_ray_ratio(900, 1_000),
            (999_000u64..=1_000_000)
                .prop_map(|m| Ray::from_raw(U256::from(m) * RAY / U256::from(1_000_000)))
        ],
        1u64..=600,
        prop_oneof![Just(DutchParams::default().rmax), arb_wad_ratio(0, 10_000)],
    )
        .prop_map(|(buf, tail, cusp, chip, tip, chost, calc, tau, cut, step, rmax)| {
            DutchParams {
                buf,
                tail,
                cusp,
                chip,
                tip: tip.unwrap_or_default(),
                chost: chost.unwrap_or_default(),
                calc,
                tau,
                cut,
                step,
                rmax,
            }
        })
}

/// Valid oracle parameters: the default bounds, a maximum age from 10 minutes to 30 days.
pub fn arb_oracle_params() -> impl Strategy<Value = OracleParams> {
    prop_oneof![Just(86_400u64), 600u64..=30 * 86_400]
        .prop_map(|age| OracleParams { age, ..OracleParams::default() })
}

/// Valid accountant parameters: `wait` up to 7 days, `sump` 1–1M, `dump` 1–100k.
pub fn arb_accountant_params() -> impl Strategy<Value = AccountantParams> {
    (0u64..=7 * 86_400, arb_wad(1, 1_000_000), arb_wad(1, 100_000))
        .prop_map(|(wait, sump, dump)| AccountantParams { wait, sump, dump })
}

/// Valid parameters for a whole deployment.
pub fn arb_system_params() -> impl Strategy<Value = SystemParams> {
    (arb_accountant_params(), arb_english_params(), arb_dutch_params(), arb_oracle_params())
        .prop_map(|(accountant, english, dutch, oracle)| SystemParams {
            accountant,
            english,
            dutch,
            oracle,
        })
}

/// Which auction a step refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSel {
    /// The n-th live auction (modulo the count), or a missing id when none is live.
    Live(u8),
    /// An id that does not exist (the next one).
    Missing,
}

/// How a bid's lot is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotSel {
    /// The largest valid lot `⌊lot · WAD / beg⌋`.
    MaxValid,
    /// One wei above the largest valid lot (must fail `IncrementTooSmall`).
    OverMax,
    /// The current lot (must fail `LotNotLower`).
    Same,
    /// A fraction (per mille) of the largest valid lot.
    Fraction(u16),
}

/// How a Dutch take's price limit is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxSel {
    /// Exactly the current price.
    AtPrice,
    /// One below the current price (must fail `TooExpensive`).
    BelowPrice,
    /// No limit.
    Unlimited,
}

/// An action described relative to the state it meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Let time pass, seconds.
    Warp(u64),
    /// Go to this time, seconds, unless it is in the past.
    WarpTo(Timestamp),
    /// Jump to a boundary of the state (a bid expiry, an auction end, a sale turning done, a queued
    /// era's release) plus `offset` seconds (−1, 0 or +1), picked by index; never backwards.
    WarpToBoundary(u8, i8),
    /// New bad debt.
    Fess(Wad),
    /// New bad debt of `n/4 · sump`.
    FessSumps(u8),
    /// Release the oldest queued era (or a missing one).
    Flog,
    /// Heal a fraction (per mille, may exceed 1000) of the surplus (`false`) or of `woe` (`true`).
    Heal(u16, bool),
    /// Kiss a fraction (per mille) of `min(Ash, surplus)`.
    Kiss(u16),
    /// Start an English auction.
    Flop,
    /// Start a Dutch auction.
    FlopDutch(u8),
    /// English bid.
    Dent {
        /// Actor index.
        bidder: u8,
        /// Auction.
        id: IdSel,
        /// Lot rule.
        lot: LotSel,
        /// Offer the wrong bid (must fail `BidMismatch`).
        wrong_bid: bool,
    },
    /// Deal.
    Deal(IdSel),
    /// Tick.
    Tick(IdSel),
    /// Cage the English house.
    Cage,
    /// Yank an English auction.
    Yank(IdSel),
    /// An actor withdraws its English credit, paid to an actor.
    Claim(u8, u8),
    /// An actor collects the refund the accountant owes it, paid to an actor.
    ClaimRefund(u8, u8),
    /// Dutch take of a fraction (per mille) of what the tab buys at the current price (capped by the
    /// lot), so that partial takes, the dust rule and the whole-tab cap are all reached.
    Take {
        /// Actor index.
        bidder: u8,
        /// Sale.
        id: IdSel,
        /// Fraction of `min(lot, tab / price)`, per mille (may exceed 1000).
        amt: u16,
        /// Price limit rule.
        max: MaxSel,
    },
    /// Reset a Dutch sale.
    Redo(IdSel, u8),
    /// Remove a Dutch sale.
    YankDutch(IdSel),
    /// Move the oracle price by a factor (per mille).
    Poke(u16),
    /// Set the oracle price, RAY.
    PokeTo(Ray),
    /// Give an actor stablecoin.
    Mint(u8, Wad),
    /// Give an actor `n/2 · sump` of stablecoin.
    Fund(u8, u8),
    /// Fund the accountant (treasury surplus) with a fraction (per mille) of `sump`.
    Treasury(u16),
    /// An English parameter change.
    FileEnglish(EnglishParam),
    /// A Dutch parameter change.
    FileDutch(DutchParam),
    /// An accountant parameter change.
    FileAccountant(AccountantParam),
    /// An oracle parameter change.
    FileOracle(OracleParam),
    /// Set an oracle bound (`lo` if true, else `hi`) to a fraction (per mille) of the price.
    OracleBound(bool, u16),
}

fn arb_id() -> impl Strategy<Value = IdSel> {
    prop_oneof![9 => any::<u8>().prop_map(IdSel::Live), 1 => Just(IdSel::Missing)]
}

/// One step; `time_scale` bounds ordinary time jumps (seconds); rare jumps are of any size up to
/// beyond [`MAX_TIME`].
pub fn arb_step() -> impl Strategy<Value = Step> {
    let warp = prop_oneof![
        30 => (0u64..=600).prop_map(Step::Warp),
        20 => (any::<u8>(), -1i8..=1).prop_map(|(i, o)| Step::WarpToBoundary(i, o)),
        20 => (600u64..=4 * 86_400).prop_map(Step::Warp),
        1 => (0u64..=MAX_TIME + 10).prop_map(Step::Warp),
        2 => (0u64..=400_000_000).prop_map(|back| Step::WarpTo(MAX_TIME.saturating_sub(back))),
    ];
    let lot = prop_oneof![
        6 => Just(LotSel::MaxValid),
        1 => Just(LotSel::OverMax),
        1 => Just(LotSel::Same),
        2 => (1u16..=1000).prop_map(LotSel::Fraction),
    ];
    let max = prop_oneof![4 => Just(MaxSel::AtPrice), 1 => Just(MaxSel::BelowPrice), 3 => Just(MaxSel::Unlimited)];
    let wad_edge = || arb_edge_u256().prop_map(Wad::from_raw);
    let ray_edge = || arb_edge_u256().prop_map(Ray::from_raw);
    let file_edges = prop_oneof![
        wad_edge().prop_map(|w| Step::FileEnglish(EnglishParam::Beg(w))),
        wad_edge().prop_map(|w| Step::FileEnglish(EnglishParam::Pad(w))),
        wad_edge().prop_map(|w| Step::FileEnglish(EnglishParam::Discount(w))),
        ray_edge().prop_map(|r| Step::FileEnglish(EnglishParam::Floor(r))),
        arb_edge_seconds().prop_map(|t| Step::FileEnglish(EnglishParam::Tau(t))),
        arb_edge_seconds().prop_map(|t| Step::FileEnglish(EnglishParam::Ttl(t))),
        any::<u16>().prop_map(|n| Step::FileEnglish(EnglishParam::MaxTicks(n))),
        ray_edge().prop_map(|r| Step::FileDutch(DutchParam::Buf(r))),
        ray_edge().prop_map(|r| Step::FileDutch(DutchParam::Cusp(r))),
        ray_edge().prop_map(|r| Step::FileDutch(DutchParam::Cut(r))),
        wad_edge().prop_map(|w| Step::FileDutch(DutchParam::Chip(w))),
        wad_edge().prop_map(|w| Step::FileDutch(DutchParam::Tip(w))),
        wad_edge().prop_map(|w| Step::FileDutch(DutchParam::Chost(w))),
        wad_edge().prop_map(|w| Step::FileDutch(DutchParam::Rmax(w))),
        ray_edge().prop_map(|r| Step::FileOracle(OracleParam::Lo(r))),
        ray_edge().prop_map(|r| Step::FileOracle(OracleParam::Hi(r))),
        arb_edge_seconds().prop_map(|t| Step::FileOracle(OracleParam::Age(t))),
        arb_edge_seconds().prop_map(|t| Step::FileDutch(DutchParam::Tail(t))),
        arb_edge_seconds().prop_map(|t| Step::FileDutch(DutchParam::Tau(t))),
        arb_edge_seconds().prop_map(|t| Step::FileDutch(DutchParam::Step(t))),
        arb_edge_seconds().prop_map(|t| Step::FileAccountant(AccountantParam::Wait(t))),
        wad_edge().prop_map(|w| Step::FileAccountant(AccountantParam::Sump(w))),
        wad_edge().prop_map(|w| Step::FileAccountant(AccountantParam::Dump(w))),
        ray_edge().prop_map(Step::PokeTo),
    ];
    let file_english = prop_oneof![
        arb_wad_ratio(9_000, 20_000).prop_map(EnglishParam::Beg),
        arb_wad_ratio(9_000, 20_000).prop_map(EnglishParam::Pad),
        (0u64..=86_400).prop_map(EnglishParam::Ttl),
        (0u64..=3 * 86_400).prop_map(EnglishParam::Tau),
        prop::bool::ANY.prop_map(|o| EnglishParam::Sizing(if o {
            LotSizing::Oracle
        } else {
            LotSizing::Fixed
        })),
        arb_wad_ratio(0, 12_000).prop_map(EnglishParam::Discount),
        (0u64..1_000_000).prop_map(|c| EnglishParam::Floor(Ray::from_raw(
            U256::from(c) * RAY / U256::from(100)
        ))),
        (0u16..5).prop_map(EnglishParam::MaxTicks),
    ];
    let file_dutch = prop_oneof![
        arb_ray_ratio(0, 2_000).prop_map(DutchParam::Buf),
        (0u64..=86_400).prop_map(DutchParam::Tail),
        arb_ray_ratio(0, 1_000).prop_map(DutchParam::Cusp),
        arb_wad_ratio(0, 200).prop_map(DutchParam::Chip),
        arb_wad(0, 1_000).prop_map(DutchParam::Tip),
        arb_wad(0, 20_000).prop_map(DutchParam::Chost),
        prop_oneof![Just(Calc::Linear), Just(Calc::StairStep), Just(Calc::Exponential)]
            .prop_map(DutchParam::Calc),
        (0u64..=86_400).prop_map(DutchParam::Tau),
        arb_ray_ratio(900, 1_001).prop_map(DutchParam::Cut),
        (0u64..=600).prop_map(DutchParam::Step),
        arb_wad_ratio(0, 10_000).prop_map(DutchParam::Rmax),
    ];
    let file_accountant = prop_oneof![
        (0u64..=86_400).prop_map(AccountantParam::Wait),
        arb_wad(0, 1_000_000).prop_map(AccountantParam::Sump),
        arb_wad(0, 100_000).prop_map(AccountantParam::Dump),
    ];
    prop_oneof![
        8 => warp,
        1 => arb_wad(1, 3_000_000).prop_map(Step::Fess),
        3 => (1u8..=12).prop_map(Step::FessSumps),
        4 => Just(Step::Flog),
        3 => (0u16..=1_200, prop::bool::weighted(0.3)).prop_map(|(m, woe)| Step::Heal(m, woe)),
        1 => (0u16..=1_200).prop_map(Step::Kiss),
        4 => Just(Step::Flop),
        4 => any::<u8>().prop_map(Step::FlopDutch),
        12 => (any::<u8>(), arb_id(), lot, prop::bool::weighted(0.05)).prop_map(|(bidder, id, lot, wrong_bid)| Step::Dent { bidder, id, lot, wrong_bid }),
        4 => arb_id().prop_map(Step::Deal),
        3 => arb_id().prop_map(Step::Tick),
        1 => arb_id().prop_map(Step::Yank),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Step::ClaimRefund(a, b)),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Step::Claim(a, b)),
        10 => (any::<u8>(), arb_id(), 0u16..=1_500, max).prop_map(|(bidder, id, amt, max)| Step::Take { bidder, id, amt, max }),
        3 => (arb_id(), any::<u8>()).prop_map(|(id, k)| Step::Redo(id, k)),
        1 => arb_id().prop_map(Step::YankDutch),
        5 => (500u16..=1_500).prop_map(Step::Poke),
        1 => (prop::bool::ANY, 500u16..=1_500).prop_map(|(lo, m)| Step::OracleBound(lo, m)),
        1 => prop_oneof![600u64..=86_400, Just(0u64)].prop_map(|t| Step::FileOracle(OracleParam::Age(t))),
        1 => (any::<u8>(), arb_wad(0, 2_000_000)).prop_map(|(a, w)| Step::Mint(a, w)),
        3 => (any::<u8>(), 1u8..=6).prop_map(|(a, n)| Step::Fund(a, n)),
        2 => (0u16..=3_000).prop_map(Step::Treasury),
        1 => file_english.prop_map(Step::FileEnglish),
        1 => file_dutch.prop_map(Step::FileDutch),
        1 => file_accountant.prop_map(Step::FileAccountant),
        1 => file_edges,
    ]
}

/// A sequence of steps with a length in `len`. `Cage` is left out (it ends English bidding for
/// good); use [`arb_step_with_cage`] to include it.
pub fn arb_action_sequence(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(arb_step(), len)
}

/// Like [`arb_step`], with a rare `Cage`.
pub fn arb_step_with_cage() -> impl Strategy<Value = Step> {
    prop_oneof![400 => arb_step(), 1 => Just(Step::Cage)]
}

/// Actions that put a fresh deployment in a state where auctions can run: `4 · sump` of bad debt
/// queued and released (after `wait`), and every actor funded with `3 · sump` of stablecoin.
/// Returns the actions with the time each is applied at.
pub fn prologue(sys: &System, start: Timestamp) -> Vec<(Timestamp, Action)> {
    let p = sys.accountant.params;
    let mut out = vec![(start, Action::Fess { tab: per_mille(p.sump, 4000) })];
    out.push((start + p.wait, Action::Flog { era: start }));
    for a in ACTORS {
        out.push((start + p.wait, Action::Mint { to: a, amount: per_mille(p.sump, 3000) }));
    }
    out
}

fn actor(i: u8) -> Address {
    ACTORS[i as usize % ACTORS.len()]
}

fn per_mille(x: Wad, m: u16) -> Wad {
    Wad::from_raw(x.raw() * U256::from(m) / U256::from(1000))
}

fn pick(ids: &mut [u64], sel: IdSel, next: u64) -> u64 {
    ids.sort_unstable();
    match sel {
        IdSel::Live(n) if !ids.is_empty() => ids[n as usize % ids.len()],
        _ => next + 1,
    }
}

impl Step {
    /// The concrete action this step means in `sys` at `now`, or `None` for a time jump (with the
    /// new time in the second field).
    pub fn resolve(&self, sys: &System, now: Timestamp) -> Resolved {
        let acc = &sys.accountant;
        let english_ids = || sys.english.auctions().map(|(id, _)| id).collect::<Vec<_>>();
        let dutch_ids = || sys.dutch.sales().map(|(id, _)| id).collect::<Vec<_>>();
        let eid = |sel| pick(&mut english_ids(), sel, sys.english.kicks());
        let did = |sel| pick(&mut dutch_ids(), sel, sys.dutch.kicks());
        let action = match *self {
            Self::Warp(dt) => return Resolved::Warp(now.saturating_add(dt)),
            Self::WarpTo(t) => return Resolved::Warp(now.max(t)),
            Self::WarpToBoundary(i, offset) => {
                let mut times: Vec<Timestamp> = Vec::new();
                for (_, a) in sys.english.auctions() {
                    times.extend([a.tic, a.end].into_iter().filter(|t| *t != 0));
                }
                for (id, _) in sys.dutch.sales() {
                    times.extend(sys.dutch.done_at(id, now).ok());
                }
                let wait = acc.params.wait;
                times.extend(acc.queue().map(|(e, _)| e.saturating_add(wait)));
                times.sort_unstable();
                let t = match times.get(i as usize % times.len().max(1)) {
                    Some(t) => t.saturating_add_signed(offset.into()),
                    None => now,
                };
                return Resolved::Warp(now.max(t));
            }
            Self::Fess(tab) => Action::Fess { tab },
            Self::FessSumps(n) => Action::Fess { tab: per_mille(acc.params.sump, 250 * n as u16) },
            Self::Flog => Action::Flog { era: acc.queue().next().map_or(now, |(e, _)| e) },
            Self::Heal(m, of_woe) => Action::Heal {
                amount: per_mille(if of_woe { acc.woe() } else { sys.surplus() }, m),
            },
            Self::Kiss(m) => Action::Kiss { amount: per_mille(acc.ash().min(sys.surplus()), m) },
            Self::Flop => Action::Flop,
            Self::FlopDutch(k) => Action::FlopDutch { kpr: actor(k) },
            Self::Dent { bidder, id, lot, wrong_bid } => {
                let id = eid(id);
                let (cur_lot, cur_bid) =
                    sys.english.auction(id).map_or((Wad::ONE, Wad::ONE), |a| (a.lot, a.bid));
                let max = cur_lot.wdiv(sys.english.params.beg).unwrap_or_default();
                let lot = match lot {
                    LotSel::MaxValid => max,
                    LotSel::OverMax => Wad::from_raw(max.raw() + U256::from(1)),
                    LotSel::Same => cur_lot,
                    LotSel::Fraction(m) => per_mille(max, m),
                };
                let bid =
                    if wrong_bid { Wad::from_raw(cur_bid.raw() + U256::from(1)) } else { cur_bid };
                Action::Dent { sender: actor(bidder), id, lot, bid }
            }
            Self::Deal(sel) => Action::Deal { id: eid(sel) },
            Self::Tick(sel) => Action::Tick { id: eid(sel) },
            Self::Cage => Action::Cage,
            Self::Yank(sel) => Action::Yank { id: eid(sel) },
            Self::ClaimRefund(a, b) => Action::ClaimRefund { sender: actor(a), to: actor(b) },
            Self::Claim(a, b) => Action::Claim { sender: actor(a), to: actor(b) },
            Self::Take { bidder, id, amt, max } => {
                let id = did(id);
                let status = sys.dutch.status(id, now).ok();
                let price = status.map_or(Ray::ONE, |s| s.price);
                let affordable = status.map_or(Wad::ONE, |s| {
                    if s.price.is_zero() {
                        s.lot
                    } else {
                        s.lot.min(s.tab.rdiv(s.price).unwrap_or(s.lot))
                    }
                });
                let max = match max {
                    MaxSel::AtPrice => price,
                    MaxSel::BelowPrice => Ray::from_raw(price.raw().saturating_sub(U256::from(1))),
                    MaxSel::Unlimited => Ray::from_raw(U256::MAX),
                };
                let who = actor(bidder);
                Action::Take { sender: who, id, amt: per_mille(affordable, amt), max, who }
            }
            Self::Redo(sel, k) => Action::Redo { id: did(sel), kpr: actor(k) },
            Self::YankDutch(sel) => Action::YankDutch { id: did(sel) },
            Self::Poke(m) => Action::Poke {
                price: Ray::from_raw(sys.oracle.price.raw() * U256::from(m) / U256::from(1000)),
            },
            Self::PokeTo(price) => Action::Poke { price },
            Self::Mint(a, amount) => Action::Mint { to: actor(a), amount },
            Self::Fund(a, n) => {
                Action::Mint { to: actor(a), amount: per_mille(acc.params.sump, 500 * n as u16) }
            }
            Self::Treasury(m) => {
                Action::Mint { to: sys.addrs.accountant, amount: per_mille(acc.params.sump, m) }
            }
            Self::FileEnglish(change) => Action::FileEnglish { change },
            Self::FileDutch(change) => Action::FileDutch { change },
            Self::FileAccountant(change) => Action::FileAccountant { change },
            Self::FileOracle(change) => Action::FileOracle { change },
            Self::OracleBound(lo, m) => {
                let r = Ray::from_raw(sys.oracle.price.raw() * U256::from(m) / U256::from(1000));
                let change = if lo { OracleParam::Lo(r) } else { OracleParam::Hi(r) };
                Action::FileOracle { change }
            }
        };
        Resolved::Act(action)
    }
}

/// A resolved step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// Set the time to this, seconds.
    Warp(Timestamp),
    /// Apply this action.
    Act(Action),
}
