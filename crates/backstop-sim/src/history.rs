//! MakerDAO's 2020 debt auctions: the record, and the replay `black-thursday-2020-flops` next to
//! it.
//!
//! The record (sources in the scenario file and `docs/sim.md`): 106 lots of 50,000 DAI in three
//! phases (40 from 19 March, 46 from 20 March, 20 after the unblock spell of 27 March), about
//! 5.3M DAI raised for 20,980 MKR (≈ 252.6 DAI/MKR; a Dune-based report gives 246.05 for the
//! first 86 lots), 36 unique bidders, one firm winning 72 lots.
//!
//! [`replay_2020`] runs the replay many times and reports, per quantity, the mean and the 5–95%
//! range across runs, with the record beside it. Per-phase prices are derived from the auction
//! ids: the settler kicks lots in order, so ids 1–40 are phase 1, 41–86 phase 2 and 87–106 the
//! lots after the unblock (a lot that restarts keeps its id).
//!
//! ```
//! use backstop_sim::history::{RECORD_2020, replay_2020};
//! let r = replay_2020(8, 0).unwrap();
//! assert_eq!(r.lots.mean, RECORD_2020.lots as f64);
//! println!("{r}"); // a Markdown table: the record and the replay
//! ```

use crate::{
    engine::{RunOptions, simulate},
    error::{Result, SimError},
    scenario::Scenario,
    stats::quantile,
};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// The built-in replay of the 2020 flops.
pub const SCENARIO_2020: &str = "black-thursday-2020-flops";

/// What the record says of the 2020 flops. Amounts in DAI and MKR, prices in DAI per MKR.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Record2020 {
    /// Lots auctioned (40 + 46 + 20).
    pub lots: u64,
    /// Lots of phase 1 and phase 2 (before the unblock).
    pub phases: [u64; 2],
    /// DAI raised, about.
    pub raised: f64,
    /// MKR minted.
    pub minted: f64,
    /// DAI raised / MKR minted, DAI per MKR.
    pub avg_price: f64,
    /// Average price of the first 86 lots (Dune, as reported), DAI per MKR.
    pub avg_price_first_86: f64,
    /// Phase 1's average price, DAI per MKR: derived from its reported outcomes (33 lots at
    /// 188.68 MKR, 7 at 289.57 DAI/MKR).
    pub phase1_price: f64,
    /// Phase 2's average price, DAI per MKR: derived from 44 of its 46 lots (23 at 220, 12 at
    /// 226.60, 7 at 233.64, 2 at 250 DAI/MKR; 2 were still open when reported).
    pub phase2_price: f64,
    /// Price of the 20 lots after the unblock, DAI per MKR: derived from the totals (5.3M for
    /// 20,980 MKR) less the first 86 lots at 246.05.
    pub unblock_price: f64,
    /// Unique bidders.
    pub unique_bidders: u64,
    /// Lots won by the largest winner (one firm, 3.6M DAI).
    pub top_winner_lots: u64,
}

/// MKR per lot at `price` DAI/MKR for a 50,000 DAI lot.
const fn mkr(price: f64) -> f64 {
    50_000.0 / price
}

/// The record of the 2020 flops.
pub const RECORD_2020: Record2020 = Record2020 {
    lots: 106,
    phases: [40, 46],
    raised: 5_300_000.0,
    minted: 20_980.0,
    avg_price: 5_300_000.0 / 20_980.0,
    avg_price_first_86: 246.05,
    phase1_price: 2_000_000.0 / (33.0 * 188.68 + 7.0 * mkr(289.57)),
    phase2_price: 2_200_000.0
        / (23.0 * mkr(220.0) + 12.0 * mkr(226.60) + 7.0 * mkr(233.64) + 2.0 * mkr(250.0)),
    unblock_price: 1_000_000.0 / (20_980.0 - 4_300_000.0 / 246.05),
    unique_bidders: 36,
    top_winner_lots: 72,
};

/// A quantity across the replay's runs: mean and 5–95% range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Spread {
    fn of(mut xs: Vec<f64>) -> Self {
        xs.retain(|x| x.is_finite());
        xs.sort_by(f64::total_cmp);
        let n = xs.len().max(1) as f64;
        Self {
            mean: xs.iter().sum::<f64>() / n,
            p05: quantile(&xs, 0.05).unwrap_or(f64::NAN),
            p95: quantile(&xs, 0.95).unwrap_or(f64::NAN),
        }
    }
}

/// The replay's numbers across runs (units as in [`Record2020`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay2020 {
    /// Runs.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Lots auctioned.
    pub lots: Spread,
    /// DAI raised (finished lots).
    pub raised: Spread,
    /// MKR minted.
    pub minted: Spread,
    /// DAI per MKR over every lot.
    pub avg_price: Spread,
    /// DAI per MKR over the first 86 lots.
    pub avg_price_first_86: Spread,
    /// DAI per MKR over phase 1 (lots 1–40).
    pub phase1_price: Spread,
    /// DAI per MKR over phase 2 (lots 41–86).
    pub phase2_price: Spread,
    /// DAI per MKR over the lots after the unblock (87–106).
    pub unblock_price: Spread,
    /// Market price weighted by the MKR sold, at each deal, DAI per MKR.
    pub market_price: Spread,
    /// Bidders with an accepted bid.
    pub unique_bidders: Spread,
    /// Lots won by the largest winner.
    pub top_winner_lots: Spread,
    /// Days from the first lot (19 March 2020, 14:28 UTC) to the last deal.
    pub days_to_last_deal: Spread,
    /// Runs in which every lot was dealt within the horizon, a fraction.
    pub cleared: f64,
}

/// Runs the replay `runs` times under `seed` (in parallel; the result does not depend on the
/// number of threads) and summarises it next to [`RECORD_2020`].
pub fn replay_2020(runs: u64, seed: u64) -> Result<Replay2020> {
    if runs == 0 {
        return Err(SimError::Invalid {
            file: SCENARIO_2020.into(),
            field: "runs".into(),
            reason: "must be at least 1".into(),
        });
    }
    let sc = Scenario::resolve(SCENARIO_2020)?;
    // The first lot opens when the first tranche is released: `wait` after the start.
    let first_lot = sc.accountant.wait;
    let [p1, p2] = RECORD_2020.phases;
    let opts = RunOptions { auctions: true, ..RunOptions::default() };
    let per_run: Vec<Result<[f64; 13]>> = (0..runs)
        .into_par_iter()
        .map(|i| {
            let run = simulate(&sc, seed, i, opts)?;
            let s = &run.summary;
            // DAI and MKR over the finished lots with ids in `lo..=hi`.
            let price = |lo: u64, hi: u64| {
                let (dai, mkr) = run
                    .auctions
                    .iter()
                    .filter(|a| a.finished.is_some() && (lo..=hi).contains(&a.id))
                    .fold((0.0, 0.0), |(d, m), a| (d + a.raised, m + a.tokens));
                if mkr > 0.0 { dai / mkr } else { f64::NAN }
            };
            let last = run.auctions.iter().filter_map(|a| a.finished).max().unwrap_or(0);
            let top = run.bidders.iter().map(|b| b.won).max().unwrap_or(0);
            Ok([
                s.auctions as f64,
                s.raised,
                s.minted,
                s.avg_price,
                price(1, p1 + p2),
                price(1, p1),
                price(p1 + 1, p1 + p2),
                price(p1 + p2 + 1, u64::MAX),
                s.market_price,
                s.unique_bidders as f64,
                top as f64,
                last.saturating_sub(first_lot) as f64 / 86_400.0,
                f64::from(u8::from(s.cleared)),
            ])
        })
        .collect();
    let rows = per_run.into_iter().collect::<Result<Vec<_>>>()?;
    let col = |k: usize| Spread::of(rows.iter().map(|r| r[k]).collect());
    Ok(Replay2020 {
        runs,
        seed,
        lots: col(0),
        raised: col(1),
        minted: col(2),
        avg_price: col(3),
        avg_price_first_86: col(4),
        phase1_price: col(5),
        phase2_price: col(6),
        unblock_price: col(7),
        market_price: col(8),
        unique_bidders: col(9),
        top_winner_lots: col(10),
        days_to_last_deal: col(11),
        cleared: col(12).mean,
    })
}

/// `x` with `d` decimals and thousands separators.
fn thousands(x: f64, d: usize) -> String {
    let s = format!("{:.*}", d, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if x < 0.0 { format!("−{out}") } else { out }
}

fn cell(s: &Spread, d: usize) -> String {
    format!("{} ({}–{})", thousands(s.mean, d), thousands(s.p05, d), thousands(s.p95, d))
}

impl fmt::Display for Replay2020 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &RECORD_2020;
        writeln!(
            f,
            "| | record (March 2020) | `{SCENARIO_2020}`: mean (5–95%), {} runs, seed {} |",
            self.runs, self.seed
        )?;
        writeln!(f, "|---|---|---|")?;
        let rows: [(&str, String, String); 12] = [
            ("lots", format!("{} (40 + 46 + 20)", r.lots), cell(&self.lots, 0)),
            ("DAI raised", format!("≈ {}", thousands(r.raised, 0)), cell(&self.raised, 0)),
            ("MKR minted", thousands(r.minted, 0), cell(&self.minted, 0)),
            ("average price (DAI/MKR)", format!("≈ {:.1}", r.avg_price), cell(&self.avg_price, 1)),
            (
                "average price, first 86 lots",
                format!("{:.2}", r.avg_price_first_86),
                cell(&self.avg_price_first_86, 1),
            ),
            (
                "phase 1 price (lots 1–40)",
                format!("≈ {:.1} (derived)", r.phase1_price),
                cell(&self.phase1_price, 1),
            ),
            (
                "phase 2 price (lots 41–86)",
                format!("≈ {:.1} (derived, 44 lots)", r.phase2_price),
                cell(&self.phase2_price, 1),
            ),
            (
                "after the unblock (lots 87–106)",
                format!("≈ {:.0} (derived)", r.unblock_price),
                cell(&self.unblock_price, 1),
            ),
            ("market price at the deals", "—".into(), cell(&self.market_price, 1)),
            ("unique bidders", r.unique_bidders.to_string(), cell(&self.unique_bidders, 1)),
            (
                "lots won by the largest winner",
                r.top_winner_lots.to_string(),
                cell(&self.top_winner_lots, 1),
            ),
            (
                "days from the first lot to the last deal",
                "≈ 9 (19 → 28 March)".into(),
                cell(&self.days_to_last_deal, 1),
            ),
        ];
        for (label, record, sim) in rows {
            writeln!(f, "| {label} | {record} | {sim} |")?;
        }
        write!(f, "| every lot dealt by 4 April | yes | {:.1}% of runs |", 100.0 * self.cleared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_consistent() {
        let r = RECORD_2020;
        assert_eq!(r.lots, r.phases[0] + r.phases[1] + 20);
        assert!((r.avg_price - 252.6).abs() < 0.05);
        assert!((r.phase1_price - 269.0).abs() < 0.5, "{}", r.phase1_price);
        assert!((r.phase2_price - 225.1).abs() < 0.5, "{}", r.phase2_price);
        assert!((r.unblock_price - 285.4).abs() < 0.5, "{}", r.unblock_price);
        assert_eq!(thousands(5_300_000.0, 0), "5,300,000");
        assert_eq!(thousands(252.62, 1), "252.6");
    }
}
