//! Streaming statistics over runs, in memory that does not grow with the number of runs.
//!
//! Each metric keeps its count, mean and variance (Welford), minimum and maximum exactly. For
//! quantiles and histograms the aggregate keeps a **bottom-k sample**: the `k` runs whose hash of
//! (seed, run index) is smallest. That is a uniform random sample of the runs, the same whatever
//! order the runs finish in, so results are reproducible; quantiles are exact while the number of
//! runs is at most `k` and a sample estimate beyond.

use crate::engine::RunSummary;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BinaryHeap};

/// Default size of the bottom-k sample.
pub const SAMPLE_SIZE: usize = 4_096;

/// A metric reported across runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Hours from the first tranche to clearing (cleared runs only).
    TimeToClearHours,
    /// Governance tokens minted, tokens.
    Minted,
    /// Tokens committed to high bidders of English auctions still open at the end, tokens.
    Committed,
    /// Tokens on offer in open auctions without a bid and open Dutch sales at the end, tokens.
    Offered,
    /// Minted / initial supply, percent.
    DilutionPct,
    /// (Minted + committed) / initial supply, percent.
    DilutionCommittedPct,
    /// (Minted + committed + offered) / initial supply, percent.
    DilutionOpenPct,
    /// Average price paid, stablecoin per token.
    AvgPrice,
    /// Average price / market price, a ratio.
    PriceRatio,
    /// Discount paid to keepers, percent of market value.
    DiscountPct,
    /// Auctions started.
    Auctions,
    /// Accepted bids.
    Bids,
    /// Reverted bidder transactions.
    Reverted,
    /// Ticks + redos.
    Restarts,
    /// English ticks.
    Ticks,
    /// Dutch redos.
    Redos,
    /// Lone-bidder auctions.
    LoneBidder,
    /// Auctions still running at the horizon.
    Failed,
    /// Most auctions running at once.
    PeakLive,
    /// Bidders with an accepted bid or take.
    UniqueBidders,
    /// Stablecoin raised by auctions.
    Raised,
    /// Bad debt left, stablecoin.
    ResidualDebt,
    /// Keepers' profit, stablecoin.
    KeeperProfit,
    /// Gas paid, stablecoin.
    Gas,
    /// Market price at the end, stablecoin per token.
    EndPrice,
    /// Share of the bad debt cleared by the end of the run, `100 · (1 − residual / debt)`, percent.
    DebtClearedPct,
    /// Lowest pool price / market price after a sale on the pool, a fraction (1 without a pool).
    PoolLow,
    /// Paid by the treasury (its surplus healed debt), stablecoin.
    TreasuryPaid,
    /// Slashed from stakers, stablecoin.
    StakersPaid,
    /// Paid by pledgers of rounds that met their target, stablecoin.
    PledgersPaid,
    /// Bad debt cancelled by auction buyers, stablecoin.
    Auctioned,
    /// Bad debt written off (the depositors' loss), stablecoin.
    Socialised,
    /// Market value of the governance tokens minted, at receipt (the holders' dilution),
    /// stablecoin.
    DilutionValue,
    /// Pledgers' gain: their tokens' market value at the claims less what they paid, stablecoin.
    PledgersGain,
    /// Stablecoin stakers redeemed after the first loss was booked.
    Escaped,
    /// 1 if governance paused the staking vault in the run, else 0 (its mean: the share of runs).
    Paused,
    /// Pledge rounds that met their target.
    RoundsMet,
    /// Days from the first tranche until no bad debt is outstanding (covered runs only).
    TimeToCoverDays,
    /// Stand-off cost: `∫ outstanding bad debt dt` over the horizon, stablecoin·days.
    Standoff,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Self; 39] = [
        Self::TimeToClearHours,
        Self::Minted,
        Self::Committed,
        Self::Offered,
        Self::DilutionPct,
        Self::DilutionCommittedPct,
        Self::DilutionOpenPct,
        Self::AvgPrice,
        Self::PriceRatio,
        Self::DiscountPct,
        Self::Auctions,
        Self::Bids,
        Self::Reverted,
        Self::Restarts,
        Self::Ticks,
        Self::Redos,
        Self::LoneBidder,
        Self::Failed,
        Self::PeakLive,
        Self::UniqueBidders,
        Self::Raised,
        Self::ResidualDebt,
        Self::KeeperProfit,
        Self::Gas,
        Self::EndPrice,
        Self::DebtClearedPct,
        Self::PoolLow,
        Self::TreasuryPaid,
        Self::StakersPaid,
        Self::PledgersPaid,
        Self::Auctioned,
        Self::Socialised,
        Self::DilutionValue,
        Self::PledgersGain,
        Self::Escaped,
        Self::Paused,
        Self::RoundsMet,
        Self::TimeToCoverDays,
        Self::Standoff,
    ];

    /// The snake_case name (as in JSON, CSV and `--objective`).
    pub fn name(self) -> &'static str {
        match self {
            Self::TimeToClearHours => "time_to_clear_hours",
            Self::Minted => "minted",
            Self::Committed => "committed",
            Self::Offered => "offered",
            Self::DilutionPct => "dilution_pct",
            Self::DilutionCommittedPct => "dilution_committed_pct",
            Self::DilutionOpenPct => "dilution_open_pct",
            Self::AvgPrice => "avg_price",
            Self::PriceRatio => "price_ratio",
            Self::DiscountPct => "discount_pct",
            Self::Auctions => "auctions",
            Self::Bids => "bids",
            Self::Reverted => "reverted",
            Self::Restarts => "restarts",
            Self::Ticks => "ticks",
            Self::Redos => "redos",
            Self::LoneBidder => "lone_bidder",
            Self::Failed => "failed",
            Self::PeakLive => "peak_live",
            Self::UniqueBidders => "unique_bidders",
            Self::Raised => "raised",
            Self::ResidualDebt => "residual_debt",
            Self::KeeperProfit => "keeper_profit",
            Self::Gas => "gas",
            Self::EndPrice => "end_price",
            Self::DebtClearedPct => "debt_cleared_pct",
            Self::PoolLow => "pool_low",
            Self::TreasuryPaid => "treasury_paid",
            Self::StakersPaid => "stakers_paid",
            Self::PledgersPaid => "pledgers_paid",
            Self::Auctioned => "auctioned",
            Self::Socialised => "socialised",
            Self::DilutionValue => "dilution_value",
            Self::PledgersGain => "pledgers_gain",
            Self::Escaped => "escaped",
            Self::Paused => "paused",
            Self::RoundsMet => "rounds_met",
            Self::TimeToCoverDays => "time_to_cover_days",
            Self::Standoff => "standoff",
        }
    }

    /// By name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The metric's value in a run (`None`: not defined for this run, e.g. the time to clear of a
    /// run that did not clear).
    pub fn of(self, s: &RunSummary) -> Option<f64> {
        Some(match self {
            Self::TimeToClearHours => s.time_to_clear? as f64 / 3600.0,
            Self::Minted => s.minted,
            Self::Committed => s.committed,
            Self::Offered => s.offered,
            Self::DilutionPct => 100.0 * s.dilution,
            Self::DilutionCommittedPct => 100.0 * s.dilution_committed,
            Self::DilutionOpenPct => 100.0 * s.dilution_open,
            Self::AvgPrice => s.avg_price,
            Self::PriceRatio => s.price_ratio,
            Self::DiscountPct => 100.0 * s.discount,
            Self::Auctions => s.auctions as f64,
            Self::Bids => s.bids as f64,
            Self::Reverted => s.reverted as f64,
            Self::Restarts => (s.ticks + s.redos) as f64,
            Self::Ticks => s.ticks as f64,
            Self::Redos => s.redos as f64,
            Self::LoneBidder => s.lone_bidder as f64,
            Self::Failed => s.failed as f64,
            Self::PeakLive => s.peak_live as f64,
            Self::UniqueBidders => s.unique_bidders as f64,
            Self::Raised => s.raised,
            Self::ResidualDebt => s.residual_debt,
            Self::KeeperProfit => s.keeper_profit,
            Self::Gas => s.gas,
            Self::EndPrice => s.end_price,
            Self::DebtClearedPct => {
                if s.debt > 0.0 {
                    100.0 * (1.0 - s.residual_debt / s.debt).clamp(0.0, 1.0)
                } else {
                    100.0
                }
            }
            Self::PoolLow => s.pool_low,
            Self::TreasuryPaid => s.treasury_paid,
            Self::StakersPaid => s.stakers_paid,
            Self::PledgersPaid => s.pledgers_paid,
            Self::Auctioned => s.auctioned,
            Self::Socialised => s.socialised,
            Self::DilutionValue => s.dilution_value,
            Self::PledgersGain => s.pledgers_gain,
            Self::Escaped => s.escaped,
            Self::Paused => f64::from(u8::from(s.paused)),
            Self::RoundsMet => s.rounds_met as f64,
            Self::TimeToCoverDays => s.time_to_cover? as f64 / 86_400.0,
            Self::Standoff => s.standoff,
        })
    }
}

/// Count, mean, variance, min and max of a stream (Welford's algorithm).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Values seen.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    m2: f64,
    /// Smallest value (`+∞` when empty).
    pub min: f64,
    /// Largest value (`−∞` when empty).
    pub max: f64,
}

impl Moments {
    /// Empty.
    pub fn new() -> Self {
        Self { count: 0, mean: 0.0, m2: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    /// Adds a value.
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let d = x - self.mean;
        self.mean += d / self.count as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// Sample standard deviation (0 below two values).
    pub fn std(&self) -> f64 {
        if self.count < 2 { 0.0 } else { (self.m2 / (self.count - 1) as f64).sqrt() }
    }
}

/// A metric's statistics across runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// Runs where the metric is defined.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// 5th percentile (from the sample).
    pub p05: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

/// A 64-bit mix (splitmix64's finaliser).
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A sampled run: its key and every metric (NaN where undefined).
#[derive(Debug, Clone)]
struct Kept {
    key: u64,
    values: [f64; Metric::ALL.len()],
}
impl PartialEq for Kept {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Kept {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key.cmp(&o.key)
    }
}

/// Everything kept about a stream of runs: constant memory.
#[derive(Debug, Clone)]
pub struct Aggregate {
    seed: u64,
    k: usize,
    moments: Vec<Moments>,
    sample: BinaryHeap<Kept>,
    /// Runs seen.
    pub runs: u64,
    /// Runs that cleared.
    pub cleared: u64,
    /// Runs that cleared within `clear_within` seconds (if set).
    pub cleared_within: u64,
    /// The deadline for [`Self::cleared_within`], seconds.
    pub clear_within: Option<u64>,
}

impl Aggregate {
    /// An empty aggregate; `clear_within` (seconds) also counts runs cleared by that deadline.
    pub fn new(seed: u64, clear_within: Option<u64>) -> Self {
        Self::with_sample_size(seed, clear_within, SAMPLE_SIZE)
    }

    /// With a bottom-k sample of `k` runs.
    pub fn with_sample_size(seed: u64, clear_within: Option<u64>, k: usize) -> Self {
        Self {
            seed,
            k: k.max(1),
            moments: vec![Moments::new(); Metric::ALL.len()],
            sample: BinaryHeap::new(),
            runs: 0,
            cleared: 0,
            cleared_within: 0,
            clear_within,
        }
    }

    /// Adds one run.
    pub fn push(&mut self, s: &RunSummary) {
        self.runs += 1;
        if s.cleared {
            self.cleared += 1;
            if let (Some(t), Some(limit)) = (s.time_to_clear, self.clear_within)
                && t <= limit
            {
                self.cleared_within += 1;
            }
        }
        let values: [f64; Metric::ALL.len()] = Metric::ALL.map(|m| m.of(s).unwrap_or(f64::NAN));
        for (m, v) in self.moments.iter_mut().zip(&values) {
            if v.is_finite() {
                m.push(*v);
            }
        }
        let key = mix64(self.seed ^ mix64(s.run));
        if self.sample.len() < self.k {
            self.sample.push(Kept { key, values });
        } else if self.sample.peek().is_some_and(|top| key < top.key) {
            self.sample.pop();
            self.sample.push(Kept { key, values });
        }
    }

    /// The fraction of runs that cleared.
    pub fn cleared_rate(&self) -> f64 {
        if self.runs == 0 { 0.0 } else { self.cleared as f64 / self.runs as f64 }
    }

    /// The fraction of runs that cleared within the deadline (0 if none was set).
    pub fn cleared_within_rate(&self) -> f64 {
        if self.runs == 0 { 0.0 } else { self.cleared_within as f64 / self.runs as f64 }
    }

    /// The sampled values of `metric` (defined ones only), sorted.
    pub fn sample_of(&self, metric: Metric) -> Vec<f64> {
        let i = Metric::ALL.iter().position(|m| *m == metric).unwrap_or(0);
        let mut v: Vec<f64> =
            self.sample.iter().map(|k| k.values[i]).filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    /// The statistics of `metric` (`None` if it was never defined).
    pub fn stats(&self, metric: Metric) -> Option<MetricStats> {
        let i = Metric::ALL.iter().position(|m| *m == metric)?;
        let m = self.moments[i];
        if m.count == 0 {
            return None;
        }
        let s = self.sample_of(metric);
        let q = |p: f64| quantile(&s, p).unwrap_or(m.mean);
        Some(MetricStats {
            count: m.count,
            mean: m.mean,
            std: m.std(),
            min: m.min,
            p05: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
            max: m.max,
        })
    }

    /// Every defined metric's statistics, by name.
    pub fn all_stats(&self) -> BTreeMap<&'static str, MetricStats> {
        Metric::ALL.iter().filter_map(|m| Some((m.name(), self.stats(*m)?))).collect()
    }
}

/// The `p`-quantile of sorted values (linear interpolation), `None` if empty.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    Some(sorted[lo] * (1.0 - frac) + sorted[hi] * frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(run: u64, x: f64) -> RunSummary {
        RunSummary {
            run,
            cleared: run.is_multiple_of(2),
            time_to_clear: run.is_multiple_of(2).then_some(run * 3600),
            debt: 0.0,
            treasury_paid: 0.0,
            raised: x,
            residual_debt: 0.0,
            auctions: 0,
            bids: 0,
            reverted: 0,
            ticks: 0,
            redos: 0,
            lone_bidder: 0,
            failed: 0,
            peak_live: 0,
            unique_bidders: 0,
            minted: x,
            committed: 0.0,
            committed_raised: 0.0,
            offered: 0.0,
            rewards: 0.0,
            dilution: 0.0,
            dilution_committed: 0.0,
            dilution_open: 0.0,
            avg_price: 0.0,
            market_price: 0.0,
            price_ratio: 0.0,
            discount: 0.0,
            keeper_profit: 0.0,
            gas: 0.0,
            end_price: 0.0,
            min_price: 0.0,
            duration: 0,
            pool_low: 1.0,
            stakers_paid: 0.0,
            pledgers_paid: 0.0,
            auctioned: x,
            socialised: 0.0,
            dilution_value: 0.0,
            pledge_tokens: 0.0,
            pledgers_gain: 0.0,
            rounds: 0,
            rounds_met: 0,
            escaped: 0.0,
            paused: false,
            time_to_cover: None,
            standoff: 0.0,
        }
    }

    #[test]
    fn moments_match_the_textbook() {
        let mut m = Moments::new();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(x);
        }
        assert_eq!(m.mean, 5.0);
        assert!((m.std() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((m.min, m.max), (2.0, 9.0));
    }

    #[test]
    fn exact_quantiles_below_k_and_order_independent() {
        let mut a = Aggregate::with_sample_size(1, Some(10 * 3600), 1000);
        let mut b = Aggregate::with_sample_size(1, Some(10 * 3600), 1000);
        for i in 0..101 {
            a.push(&summary(i, i as f64));
        }
        for i in (0..101).rev() {
            b.push(&summary(i, i as f64));
        }
        let s = a.stats(Metric::Minted).unwrap();
        assert_eq!((s.min, s.p50, s.max, s.p95), (0.0, 50.0, 100.0, 95.0));
        assert_eq!(a.sample_of(Metric::Minted), b.sample_of(Metric::Minted));
        // Time to clear: even runs only; cleared within 10 h: runs 0, 2, …, 10.
        assert_eq!(a.stats(Metric::TimeToClearHours).unwrap().count, 51);
        assert_eq!(a.cleared_within, 6);
    }

    #[test]
    fn sample_stays_bounded_and_uniform() {
        let mut a = Aggregate::with_sample_size(9, None, 256);
        for i in 0..20_000 {
            a.push(&summary(i, i as f64));
        }
        let s = a.sample_of(Metric::Minted);
        assert_eq!(s.len(), 256);
        // A uniform sample of 0..20000: the median is near 10000.
        let med = quantile(&s, 0.5).unwrap();
        assert!((med - 10_000.0).abs() < 1_500.0, "{med}");
        assert_eq!(a.stats(Metric::Minted).unwrap().max, 19_999.0);
    }
}
