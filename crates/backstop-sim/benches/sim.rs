//! Simulator benchmarks (`cargo bench -p backstop-sim --bench sim`); the figures go to
//! `docs/sim.md`.
//!
//! - `monte_carlo/aave-2026/threads=N`: a batch of 400 Monte Carlo runs of `aave-2026` (43
//!   auctions, ~1,000 accepted bids each) on N rayon threads; throughput in runs per second
//!   (× 60 for runs per minute; the target is ≥ 10,000 per minute on 2 cores).
//! - `sweep/.../threads=N`: a 4-point sweep of `black-thursday-2020-counterfactual` (100 runs per
//!   point) on 1 and 2 threads: the ratio is the sweep's scaling with cores.
//! - `single_run/<scenario>`: one run of each built-in, for the per-run cost.
//! - memory: before the timed groups, the resident set size after 10,000 and after 50,000 more
//!   streamed runs is printed (both past the 4,096-run quantile sample); equal figures show memory
//!   is flat in the number of runs.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use backstop_sim::{
    RunOptions, Scenario,
    montecarlo::{McConfig, monte_carlo_in, pool},
    scenario::builtin_names,
    simulate,
    stats::Metric,
    sweep::{Axis, Objective, SweepConfig, run_sweep},
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use indicatif::ProgressBar;
use std::{hint::black_box, time::Duration};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn memory() {
    let sc = Scenario::builtin("aave-2026").unwrap();
    let p = pool(Some(2)).unwrap();
    let pb = ProgressBar::hidden();
    let mut rows = 0u64;
    for runs in [10_000u64, 50_000] {
        let before = rss_kib();
        let agg = monte_carlo_in(&p, &sc, &McConfig::new(runs, 1), &pb, |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
        eprintln!(
            "memory: {runs} runs streamed: RSS {before} KiB before, {} KiB after ({} runs aggregated)",
            rss_kib(),
            agg.runs
        );
    }
    black_box(rows);
}

fn monte_carlo(c: &mut Criterion) {
    memory();
    let sc = Scenario::builtin("aave-2026").unwrap();
    let mut g = c.benchmark_group("monte_carlo");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let runs = 400u64;
    g.throughput(Throughput::Elements(runs));
    for threads in [1usize, 2] {
        let p = pool(Some(threads)).unwrap();
        let pb = ProgressBar::hidden();
        let mut seed = 0;
        g.bench_function(format!("aave-2026/threads={threads}"), |b| {
            b.iter(|| {
                seed += 1;
                black_box(
                    monte_carlo_in(&p, &sc, &McConfig::new(runs, seed), &pb, |_| Ok(())).unwrap(),
                )
            })
        });
    }
    g.finish();
}

fn sweep(c: &mut Criterion) {
    let sc = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
    let dir = std::env::temp_dir().join("backstop-sim-bench-sweep");
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let runs = 100u64;
    g.throughput(Throughput::Elements(4 * runs));
    for threads in [1usize, 2] {
        let cfg = SweepConfig {
            axes: vec![
                Axis::parse("english.ttl=600,21600").unwrap(),
                Axis::parse("english.beg=1.02,1.05").unwrap(),
            ],
            random: None,
            runs,
            seed: 7,
            threads: Some(threads),
            progress: false,
            objective: Objective {
                metric: Metric::DilutionPct,
                maximize: false,
                max_hours: Some(48.0),
                min_prob: 0.9,
            },
            plots: false,
        };
        g.bench_function(
            format!("black-thursday-2020-counterfactual/4x{runs}/threads={threads}"),
            |b| b.iter(|| black_box(run_sweep(&sc, &cfg, &dir).unwrap())),
        );
    }
    g.finish();
}

fn single_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("single_run");
    g.sample_size(20);
    for name in builtin_names() {
        let sc = Scenario::builtin(name).unwrap();
        let mut i = 0;
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                black_box(simulate(&sc, 0, i, RunOptions::default()).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, monte_carlo, sweep, single_run);
criterion_main!(benches);
