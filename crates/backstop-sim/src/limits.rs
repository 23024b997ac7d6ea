//! What a scenario, a Monte Carlo, a sweep and a check may ask for: every accepted input is one
//! the contracts can hold and a run can finish. Each limit is checked up front, before any
//! simulation work, and a value past it is an error naming the field or the flag.
//!
//! What the contracts can hold is `backstop-core`'s ([`backstop_core::deployment`]): amounts up to
//! [`MAX_AMOUNT`] (an auction's `uint128` slots), prices in [[`MIN_PRICE`], [`MAX_PRICE`]] (the
//! Dutch `top = price · buf` is a `uint128`; the oracle feed resolves 9 decimals). A scenario's
//! auction parameters and its market price at `t = 0` are validated as a deployment
//! ([`backstop_core::DeploymentParams::validate`]); the rest of its price path as below.
//!
//! What a run can finish is this crate's:
//!
//! | limit | value | what it bounds |
//! |---|---|---|
//! | [`MAX_AUCTIONS`] | 10,000 | auctions a run needs, `(total debt − treasury) / sump`: each is kicked, bid, settled and recorded (a run of 10,000 takes about 2.5 s on one core, release build) |
//! | [`MAX_BIDDER_AUCTIONS`] | 30,000 | auctions a run needs × bidders: each bidder follows each auction (a run at the cap takes 2.5–3.5 s) |
//! | [`MAX_BIDDERS`] | 1,000 | bidders over all groups: every auction start and restart wakes each of them |
//! | [`MAX_PATH_STEPS`] | 2,000,000 | price-path grid points (`horizon / dt`) and CSV rows, held in memory per run |
//! | [`MAX_ARB_STEPS`] | 2,000,000 | a pool's arbitrage steps per run (`horizon / market.pool.arb_step`) |
//! | [`MAX_RUNS`] | 1,000,000 | `--runs` of a `sim` (one `runs.csv` row each, about 270 bytes: at most ~270 MB) and runs of a whole sweep (points × `--runs`) |
//! | [`MAX_SWEEP_POINTS`] | 10,000 | points of a sweep (grid product or `--random`) |
//! | [`MAX_THREADS`] | 1,024 | `--threads` |
//! | [`MAX_CHECK_CASES`] | 100,000 | `check --cases` per property |
//! | [`MAX_STAKERS`] | 1,000 | stakers over all `[[stakers]]` groups: each may cool down, exit, cool down again |
//! | [`MAX_PLEDGERS`] | 1,000 | pledgers over all `[[pledgers]]` groups |
//! | [`MAX_PLEDGER_LOOKS`] | 1,000,000 | pledgers' looks at one round: count × ⌈`waterfall.pledge.duration` / recheck⌉ |
//! | [`MAX_INSTALMENTS`] | 100,000 | `[revenue]` instalments over the horizon (`(until − from) / every`) |
//!
//! Only run 0 is written in full (`run-0.json`, its auctions and plots), whatever `--runs`.
//! The market price the oracle is fed is held within [[`MIN_PRICE`], [`MAX_PRICE`]]
//! ([`crate::market::oracle_price_of`]): the starting price, a crash's bottom and recovery and
//! every CSV row are validated against that range, and only random noise (GBM) can reach its
//! ends.

pub use backstop_core::{MAX_AMOUNT, MAX_PRICE, MIN_PRICE};

/// The most auctions one run may need: `(total debt − treasury) / sump`, 10,000 (88 times Black
/// Thursday's 113). Each auction is a kick, its bids, a settlement and a record, and the cost per
/// auction grows with the auctions live at once: measured on this machine (release build, one
/// core, three bidders), a run of 1,000 auctions takes 0.19 s, 3,000 take 0.45 s and 10,000 take
/// 2.5 s, so 1,000 runs at the cap finish in under an hour on one core.
pub const MAX_AUCTIONS: u64 = 10_000;

/// The most (auction, bidder) pairs a run may follow: auctions needed × bidders, 30,000. Each
/// bidder wakes on each auction's start, outbids and restarts, and the cost of a run grows with
/// the product: measured as above, 10,000 auctions × 3 bidders, 3,000 × 10, 1,000 × 30 and
/// 300 × 100 each take 2.5–3.4 s a run, while 1,000 auctions × 1,000 bidders took 274 s.
pub const MAX_BIDDER_AUCTIONS: u64 = 30_000;

/// The most bidders a scenario may have over all its groups: every auction start and restart
/// wakes each bidder.
pub const MAX_BIDDERS: u64 = 1_000;

/// The most price-path grid points a run may hold (`horizon / dt` for GBM and crash paths; rows
/// of a CSV path): 2,000,000, 16 MB of noise per run, enough for a 10-year horizon at the
/// default 300-second step.
pub const MAX_PATH_STEPS: u64 = 2_000_000;

/// The most arbitrage steps of a pool in one run (`horizon / market.pool.arb_step`): 2,000,000.
/// Each step reads the market path and may make one exact swap (about a microsecond), so a run
/// at the cap spends a few seconds on arbitrage; the default 60-second step over a 30-day horizon
/// makes 43,200.
pub const MAX_ARB_STEPS: u64 = 2_000_000;

/// The most runs of a Monte Carlo (`--runs`), and of a whole sweep (points × `--runs`).
pub const MAX_RUNS: u64 = 1_000_000;

/// The most points of a sweep: a grid's product of axis lengths, or `--random`.
pub const MAX_SWEEP_POINTS: u64 = 10_000;

/// The most worker threads (`--threads`).
pub const MAX_THREADS: usize = 1_024;

/// The most generated cases per property of a `check` (`--cases`).
pub const MAX_CHECK_CASES: u32 = 100_000;

/// The most stakers a scenario may have over all its `[[stakers]]` groups: each may start a
/// cooldown, exit, and (after a missed window) cool down again, a few transactions each.
pub const MAX_STAKERS: u64 = 1_000;

/// The most pledgers a scenario may have over all its `[[pledgers]]` groups.
pub const MAX_PLEDGERS: u64 = 1_000;

/// The most looks pledgers may take at one pledge round: Σ count × ⌈round duration / recheck⌉
/// (a pledger whose price is not met looks again every `recheck` seconds while the round is
/// open).
pub const MAX_PLEDGER_LOOKS: u64 = 1_000_000;

/// The most `[revenue]` instalments over a run (`(until − from) / every`): each is a mint to the
/// accountant and, while debt is free, a treasury step.
pub const MAX_INSTALMENTS: u64 = 100_000;
