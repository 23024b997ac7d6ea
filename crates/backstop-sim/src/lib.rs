//! # backstop-sim: what happens in a crisis, before anything goes on chain
//!
//! A protocol developer or a risk team asks: *with these auction parameters, in a crisis like this
//! one, how long until the bad debt is gone, how many governance tokens are minted, and who gets
//! them how cheaply?* This crate answers with numbers, plots and counterexamples.
//!
//! ## The model
//! A [`scenario::Scenario`] (TOML) describes the crisis: bad debt arriving in tranches, a treasury
//! that pays first, the governance token's market (a price path — geometric Brownian motion, a
//! crash and recovery, or a CSV — and its depth: winners sell, and selling moves the price; or a
//! Uniswap V2 pool, [`pool`], traded in the pair's exact arithmetic, that arbitrage pulls back
//! toward the market),
//! bidders (capital, valuation relative to the market, margin, reaction delay, offline spells;
//! or keepers without capital, who take a Dutch slice only when selling it on the pool pays),
//! the network (blocks, gas, congestion windows in which a transaction waits many blocks) and the
//! auction parameters, read exactly as a deployment file reads them.
//!
//! A scenario may also put a **loss waterfall** in front of the auctions ([`waterfall`]): the
//! layers of `backstop_core::waterfall` (treasury, a staking vault that is slashed, an
//! all-or-nothing pledge round, the auctions, socialisation at a deadline), and the people who
//! decide whether they pay — stakers who may start their cooldown once a loss is booked and leave
//! when their window opens, a coalition of pledgers with a price threshold, governance that may
//! pause the vault, a revenue stream that heals the debt over time. Every step is an action on the
//! same [`backstop_core::System`], whose ledger says who paid what to the wei; each run reports
//! it, the holders' dilution, the time to cover and the stand-off cost (`∫ outstanding debt dt`).
//!
//! ```text
//!   scenario.toml ─► Scenario ─► engine::simulate(seed, run) ─► Run { summary, auctions, trace, log }
//!                                   │  backstop_core::System: the exact rules, to the wei
//!                                   │  bidders: backstop_core::strategy (the keepers' own policy)
//!                                   │  market, network, presence: seeded float models
//!                                   ▼
//!        montecarlo (rayon, chunked, streamed) ─► stats::Aggregate (constant memory) ─► report
//!        compare (several scenarios, one seed) ─► who paid what, per design: table and plots
//!        sweep (grid / random, objective)      ─► table, heat map, best-params.toml (deployable)
//!        check (proptest on one parameter set) ─► held / broken with shrunk counterexamples
//!        shard (--shard I/N: a block of the runs) ─► merge (all N blocks) ─► the same files
//! ```
//!
//! The auctions are never approximated: every kick, bid, take, tick, redo and deal is applied to a
//! [`backstop_core::System`], and a transaction that arrives too late reverts there exactly as it
//! would on chain. Floats only decide *when* bidders act and *what limit* they bid up to. Each run
//! records its accepted actions with their block times ([`engine::ActionLog`]); replaying the log
//! on a fresh model ([`engine::replay_on_model`]) or on a chain ends in the same state.
//!
//! ## Units
//! Scenario amounts are human decimals parsed exactly: stablecoin and governance-token amounts are
//! WAD (`"5670000"`), prices RAY (`"265"`), times seconds. Reported metrics are floats in whole
//! units (stablecoin, tokens, stablecoin per token, hours where the name says so); the action log
//! keeps the exact WAD/RAY values.
//!
//! ## Limits
//! Every accepted input is one the contracts can hold and a run can finish, checked before any
//! simulation work with the field or flag named ([`limits`]): amounts and prices within the
//! auctions' `uint128` slots (the core's [`backstop_core::DeploymentParams::validate`]), at most
//! 10,000 auctions per run and 30,000 (auction, bidder) pairs, 1,000 bidders, 2,000,000 path points, 1,000,000 runs, 10,000 sweep
//! points.
//!
//! ## Determinism
//! A run depends only on the scenario, the master seed and its index: four ChaCha8 streams
//! (market, network, bidders, the loss waterfall's agents) are derived from both. Monte Carlo results are folded in run order,
//! so they do not depend on the number of threads, and the quantile sample is a bottom-k hash
//! sample, independent of the order runs finish in. A run or a sweep split over machines
//! (`--shard I/N`, [`shard`]) and put back together by `backstop merge` ([`merge`]) writes the
//! same `summary.json`, `runs.csv`, `sweep.csv`, `sweep.json` and `best-params.toml`, byte for
//! byte, as the unsharded one.
//!
//! ## Built-in scenarios
//! `black-thursday-2020-counterfactual` (a counterfactual: the 2020 debt auctions with a 10-minute
//! `ttl` on a congested chain, which they never had; lone-bidder auctions),
//! `black-thursday-2020-fixed` (`ttl` 6 h), `black-thursday-dutch` (the same debt by Dutch
//! auction), `black-thursday-2020-flops` (history: the 2020 flops as they ran, compared with the
//! record in [`history`]), `aave-2026` ($230.1M bad debt, $200M treasury first) and
//! `aave-2026-run` (the same with a depositor run: a falling token, fewer and poorer bidders)
//! and `flash-keepers-dutch` (a Dutch recapitalization bought only by keepers without capital,
//! who sell every slice on a pool: how deep must it be?). Five counterfactual loss-waterfall
//! designs applied to the 2026 Aave loss, compared by `aave-2026-waterfalls` ([`compare`]):
//! `aave-2026-auctions-only`, `aave-2026-umbrella` (a staking vault slashed before the
//! auctions), `aave-2026-umbrella-fleeing` (its stakers leaving during the cooldown, and a
//! governance pause), `aave-2026-pledge` (a pledge round before the auctions) and
//! `aave-2026-sky-buffer` (the debt left on the books for revenue to heal).
//! The files are in `examples/scenarios/`; the schema and the measured results are in
//! `docs/sim.md`.
//!
//! ```
//! use backstop_sim::{engine::{simulate, replay_on_model, RunOptions}, scenario::Scenario};
//! let sc = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
//! let run = simulate(&sc, 42, 0, RunOptions::full()).unwrap();
//! assert!(run.summary.cleared);
//! assert!(run.summary.lone_bidder > 0); // the 2020 failure mode
//! let replayed = replay_on_model(run.log.as_ref().unwrap()).unwrap();
//! assert_eq!(Some(&replayed), run.final_state.as_ref());
//! ```

#![warn(unused_crate_dependencies)]

pub mod check;
pub mod cli;
pub mod compare;
pub mod engine;
mod error;
pub mod history;
pub mod html;
pub mod limits;
pub mod market;
pub mod merge;
pub mod montecarlo;
pub mod plot;
pub mod pool;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod waterfall;

pub use engine::{ActionLog, Run, RunOptions, RunSummary, TimedAction, replay_on_model, simulate};
pub use error::{Imbalance, Result, SimError};
pub use scenario::{Mechanism, Scenario};

#[cfg(test)]
mod dev_deps {
    // Used by the integration tests and benches only.
    use backstop_chain as _;
    use criterion as _;
    use tempfile as _;
}
