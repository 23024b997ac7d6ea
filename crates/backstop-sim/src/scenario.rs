//! The scenario file: a crisis, a market, bidders, a network and the auction parameters, in TOML.
//!
//! Amounts are human decimals exactly as in a deployment file (`"5670000"`, `"1.03"`): stablecoin
//! and governance-token amounts become [`Wad`]s, prices [`Ray`]s. Times are seconds relative to
//! the start of the run. Rates of the market model (drift, volatility, impact) are plain floats.
//! Unknown fields are errors, and every error names the file, the line (for syntax and type
//! errors) and the field.
//!
//! ```toml
//! name = "my-crisis"
//! mechanism = "english"            # english | dutch
//! horizon = 2592000                # seconds simulated at most (30 days)
//!
//! [debt]
//! treasury = "20000"               # surplus that pays first, stablecoin
//! tranches = [{ at = 0, amount = "5670000" }]
//!
//! [market]
//! price = "265"                    # stablecoin per governance token at t = 0
//! supply = "1000000"               # governance tokens outstanding before any auction
//! path = { kind = "gbm", drift = 0.0, volatility = 1.0 }
//! depth = { impact = 2e-7, sell = 1.0, half_life = 86400 }
//!
//! [[bidders]]
//! count = 3
//! capital = "3000000"
//! valuation = 0.97                 # × the market price
//!
//! [network]
//! block_time = 13
//! congestion = [{ from = 0, until = 172800, gas_price = 80.0, inclusion = 0.02 }]
//!
//! [settler]                        # (optional)
//! max_live = 64                    # most auctions running at once; the rest start in waves
//!
//! [accountant]                     # backstop_core::AccountantParams
//! wait = 0
//! sump = "50000"
//! dump = "250"
//!
//! [english]                        # backstop_core::EnglishParams (optional)
//! beg = "1.03"
//! ttl = 600
//! ```
//!
//! A Dutch scenario may give the token a Uniswap V2 pool and keepers without capital, who take a
//! slice only when selling it there pays ([`crate::pool`]):
//!
//! ```toml
//! [market.pool]
//! coin_reserve = "20000000"        # the pool's depth: stablecoin in it at t = 0
//! arb_rate = 0.5                   # arbitrage closes half the gap to the market per hour
//!
//! [[bidders]]
//! kind = "flash"                   # no capital, no valuation
//! min_profit = "25"                # stablecoin a take must leave after gas
//! ```
//!
//! The full schema, field by field, is in `docs/sim.md`.

use crate::{
    error::{Result, SimError},
    limits::{
        MAX_ARB_STEPS, MAX_AUCTIONS, MAX_BIDDER_AUCTIONS, MAX_BIDDERS, MAX_PATH_STEPS, MAX_PRICE,
        MIN_PRICE,
    },
    market::{f64_of_ray, price_in_range},
    waterfall::{GovernanceSpec, PledgerSpec, RevenueSpec, StakerSpec, WaterfallSource},
};
use alloy_primitives::U256;
use backstop_core::{
    AccountantParams, DeploymentParams, DutchParams, EnglishParams, Error as CoreError,
    MAX_DURATION, Ray, SystemParams, Timestamp, Wad,
    amm::{MAX_RESERVE, Reserves},
    deployment::check_amount,
    math::RAY,
    strategy::{EnglishMode, check_margin},
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use backstop_core::Mechanism;

/// Seconds per year, for annualised rates (365 days).
pub const YEAR: f64 = 31_536_000.0;

fn default_start() -> Timestamp {
    1_700_000_000
}
fn default_dt() -> u64 {
    300
}
fn one() -> u32 {
    1
}
fn one_f() -> f64 {
    1.0
}
fn default_reaction() -> u64 {
    30
}
fn default_spell() -> u64 {
    3_600
}
fn default_recheck() -> u64 {
    3_600
}
fn default_block_time() -> u64 {
    12
}
fn default_gas_price() -> f64 {
    20.0
}
fn default_gas_per_tx() -> u64 {
    100_000
}
fn default_gas_token_price() -> f64 {
    2_000.0
}
fn default_lag() -> u64 {
    3_600
}
fn default_max_live() -> u32 {
    64
}
fn default_arb_step() -> u64 {
    60
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name (reports and plots carry it).
    pub name: String,
    /// One line on what it represents.
    #[serde(default)]
    pub description: String,
    /// Which auction runs.
    pub mechanism: Mechanism,
    /// Unix time of `t = 0`, seconds (the model's `now` starts here).
    #[serde(default = "default_start")]
    pub start: Timestamp,
    /// Seconds simulated at most; an auction still running then has failed. `0 < horizon ≤
    /// MAX_DURATION`.
    pub horizon: u64,
    /// Bad debt and treasury.
    pub debt: DebtSpec,
    /// The governance token's market.
    pub market: MarketSpec,
    /// The price oracle.
    #[serde(default)]
    pub oracle: OracleSpec,
    /// Bidder groups (`[[bidders]]`); none means nobody bids.
    #[serde(default)]
    pub bidders: Vec<BidderSpec>,
    /// Block production, gas and congestion.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The settler: how many auctions it keeps running at once.
    #[serde(default)]
    pub settler: SettlerSpec,
    /// Accountant parameters (as in a deployment file).
    pub accountant: AccountantParams,
    /// English house parameters (dss Flopper defaults).
    #[serde(default)]
    pub english: EnglishParams,
    /// Dutch house parameters (dss ETH-A curve defaults).
    #[serde(default)]
    pub dutch: DutchParams,
    /// The loss waterfall (`[waterfall]`, or `waterfall = "file.toml"`): debt is booked through
    /// it and its layers cover it in order ([`crate::waterfall`]). None: the treasury heals and
    /// the auctions cover the rest, as without a waterfall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waterfall: Option<WaterfallSource>,
    /// Staker groups (`[[stakers]]`, with the staking layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakers: Vec<StakerSpec>,
    /// Pledger groups (`[[pledgers]]`, with the pledge layer): the coalition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pledgers: Vec<PledgerSpec>,
    /// Governance's pause of the staking vault (`[governance]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governance: Option<GovernanceSpec>,
    /// Surplus flowing into the accountant (`[revenue]`, with the treasury layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<RevenueSpec>,
    /// Price points of a `csv` or `points` path (`market.path.kind`), seconds and stablecoin per
    /// token; empty otherwise.
    #[serde(skip)]
    pub csv_points: Vec<(u64, f64)>,
}

/// Bad debt and the treasury that pays first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebtSpec {
    /// Stablecoin the accountant holds at `t = 0` (surplus: it heals debt before any auction),
    /// WAD.
    #[serde(default)]
    pub treasury: Wad,
    /// Bad debt entering the queue (`fess`), one or several tranches.
    pub tranches: Vec<Tranche>,
}

/// One tranche of bad debt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tranche {
    /// When it appears, seconds after `t = 0`.
    pub at: u64,
    /// Stablecoin, WAD. `> 0`.
    pub amount: Wad,
}

/// The governance token's market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    /// Market price at `t = 0`, stablecoin per token (RAY). `> 0`.
    pub price: Ray,
    /// Governance tokens outstanding before any auction, WAD (dilution is minted / supply). `> 0`.
    pub supply: Wad,
    /// How the price moves on its own.
    pub path: PathSpec,
    /// How the price moves when auction winners sell (without a pool).
    #[serde(default)]
    pub depth: DepthSpec,
    /// A constant-product pool of the governance token against the stablecoin (`[market.pool]`):
    /// capital-free (`flash`) bidders sell their slices on it, winners sell on it instead of the
    /// impact model, and arbitrage pulls its price back toward the market path. None: no pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolSpec>,
}

/// A Uniswap V2 pool of the governance token against the stablecoin (`[market.pool]`), traded
/// with the pair's exact integer arithmetic ([`backstop_core::amm`], fee 0.3%); the model is in
/// [`crate::pool`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// The pool's depth: stablecoin in the pool at `t = 0`, WAD. The pool holds
    /// `coin_reserve / market.price` governance tokens at `t = 0` (rounded down to the wei), so
    /// its price starts at the market price and its value is `2 × coin_reserve`. `> 0`; both
    /// reserves at most 2^112 − 1 wei (the pair's `uint112`).
    pub coin_reserve: Wad,
    /// Arbitrage speed: the fraction of the gap between the pool's price and the market price
    /// (outside the fee band, in log terms) that arbitrage closes per hour, in `[0, 1]`
    /// (0: never; 1: closed at every arbitrage step).
    pub arb_rate: f64,
    /// Seconds between arbitrage trades (`> 0`; `horizon / arb_step ≤ 2,000,000`); each closes
    /// `1 − (1 − arb_rate)^(arb_step / 3600)` of the gap.
    #[serde(default = "default_arb_step")]
    pub arb_step: u64,
}

/// The market price path before price impact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PathSpec {
    /// Geometric Brownian motion: `S(t + dt) = S(t) · exp((μ − σ²/2) dt + σ √dt Z)`, with `μ`
    /// and `σ` per year (365 days).
    Gbm {
        /// Drift `μ`, per year.
        #[serde(default)]
        drift: f64,
        /// Volatility `σ`, per √year. `≥ 0`.
        volatility: f64,
        /// Simulation step, seconds. `> 0`.
        #[serde(default = "default_dt")]
        dt: u64,
    },
    /// A crash and a recovery, with GBM noise on top: flat until `at`, then the price falls
    /// (log-linearly) by `depth` over `fall` seconds, then climbs (log-linearly) to `recover_to`
    /// times the starting price over `recovery` seconds, and stays there.
    Crash {
        /// Start of the fall, seconds.
        #[serde(default)]
        at: u64,
        /// Fraction lost at the bottom: `0 ≤ depth < 1`.
        depth: f64,
        /// Seconds from the start of the fall to the bottom. `> 0`.
        fall: u64,
        /// Seconds from the bottom to the end of the recovery.
        recovery: u64,
        /// Level after the recovery, as a fraction of the starting price. `> 0`.
        recover_to: f64,
        /// Drift of the noise, per year.
        #[serde(default)]
        drift: f64,
        /// Volatility of the noise, per √year. `≥ 0`.
        #[serde(default)]
        volatility: f64,
        /// Simulation step, seconds. `> 0`.
        #[serde(default = "default_dt")]
        dt: u64,
    },
    /// Prices from a CSV of `seconds,price` rows (a header row is allowed), read from `file`
    /// relative to the scenario file; linear between rows, flat before the first and after the
    /// last. Seconds strictly increase; prices are positive.
    Csv {
        /// The CSV path, relative to the scenario file.
        file: PathBuf,
    },
    /// Prices given inline as `[seconds, price]` pairs (stablecoin per token), with the same rules
    /// as a CSV: linear between points, flat before the first and after the last, seconds strictly
    /// increasing, prices positive. A built-in scenario uses it to carry a recorded price path.
    Points {
        /// `[seconds after t = 0, stablecoin per token]`, at least one.
        points: Vec<(u64, f64)>,
    },
}

/// Market depth: winners sell what they win, and selling moves the price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepthSpec {
    /// Relative price fall per governance token sold: the price is multiplied by
    /// `exp(−impact · sold)`. `≥ 0`.
    pub impact: f64,
    /// Fraction of the tokens a winner receives that it sells at once. `0 ≤ sell ≤ 1`.
    pub sell: f64,
    /// Half-life of the impact, seconds (0 = permanent).
    pub half_life: u64,
}

impl Default for DepthSpec {
    fn default() -> Self {
        Self { impact: 0.0, sell: 1.0, half_life: 0 }
    }
}

/// The price oracle: the market price `lag` seconds ago (an OSM-style delay), pushed to the
/// model (`Poke`) right before each auction start and reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OracleSpec {
    /// Seconds of delay.
    pub lag: u64,
}

impl Default for OracleSpec {
    fn default() -> Self {
        Self { lag: default_lag() }
    }
}

/// How a bidder pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BidderKind {
    /// Pays from its own stablecoin (`capital`), up to its valuation less its margin.
    #[default]
    Capital,
    /// Holds no stablecoin: takes a Dutch slice only when selling it on the pool
    /// (`[market.pool]`) in the same transaction pays what the slice owes plus its gas plus
    /// `min_profit` ([`backstop_core::strategy::flash_take`], the keeper's `[keeper.flash]`).
    Flash,
}

impl BidderKind {
    /// True for a capital-free bidder.
    pub fn is_flash(self) -> bool {
        self == Self::Flash
    }
}

/// The gas a flash take is counted and charged at when a flash group gives none (the keeper's
/// `[keeper.flash] gas` default).
pub const DEFAULT_FLASH_GAS: u64 = 300_000;

/// The most gas a flash take may be counted at: a block's gas limit (30,000,000).
pub const MAX_FLASH_GAS: u64 = 30_000_000;

/// A group of identical bidders (each draws its own valuation and offline spells).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BidderSpec {
    /// Label in reports.
    #[serde(default)]
    pub name: String,
    /// How many bidders. `≥ 1`.
    #[serde(default = "one")]
    pub count: u32,
    /// How it pays: from its capital (`capital`, the default) or by selling on the pool
    /// (`flash`, Dutch only, needs `[market.pool]`).
    #[serde(default)]
    pub kind: BidderKind,
    /// Stablecoin each may spend, WAD. `> 0` for a capital bidder; a flash bidder holds none
    /// (leave it out).
    #[serde(default)]
    pub capital: Wad,
    /// Flash bidders only: stablecoin a take must leave after gas, WAD (the keeper's
    /// `min_profit`, also the taker's on-chain minimum). Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_profit: Option<Wad>,
    /// Flash bidders only: gas a flash take is counted and charged at (gas units, at most
    /// 30,000,000); default 300,000. Capital bidders' transactions cost `network.gas_per_tx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas: Option<u64>,
    /// Mean valuation as a multiple of the market price. `> 0`. Capital bidders only (a flash
    /// bidder has none).
    #[serde(default = "one_f")]
    pub valuation: f64,
    /// Standard deviation of a bidder's valuation multiple, drawn once per run. `≥ 0`. Capital
    /// bidders only.
    #[serde(default)]
    pub spread: f64,
    /// Bids at most at valuation × (1 − margin), the keeper's `margin`, WAD. `< 1`. Capital
    /// bidders only (a flash bidder's margin is `min_profit`).
    #[serde(default)]
    pub margin: Wad,
    /// English bidding: the smallest outbid (`step`) or straight to the limit (`limit`).
    #[serde(default)]
    pub mode: EnglishMode,
    /// Mean seconds from a change on chain to the bidder sending (exponential).
    #[serde(default = "default_reaction")]
    pub reaction: u64,
    /// Long-run probability of being offline. `0 ≤ offline ≤ 1`.
    #[serde(default)]
    pub offline: f64,
    /// Mean length of an offline spell, seconds (exponential). `> 0`.
    #[serde(default = "default_spell")]
    pub offline_spell: u64,
    /// Seconds between re-checks of an auction that is above the limit (for a flash bidder: a
    /// Dutch sale that the pool does not yet pay for). `> 0`.
    #[serde(default = "default_recheck")]
    pub recheck: u64,
}

/// Blocks, gas and congestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// Seconds per block. `> 0`.
    pub block_time: u64,
    /// Probability that a pending transaction makes it into a given block, normal times.
    /// `0 < inclusion ≤ 1`.
    pub inclusion: f64,
    /// Gas price in normal times, gwei. `≥ 0`.
    pub gas_price: f64,
    /// Gas per transaction.
    pub gas_per_tx: u64,
    /// Stablecoin per native token (ETH), to price gas. `≥ 0`.
    pub gas_token_price: f64,
    /// Congested periods (the gas price path and the inclusion probability inside them).
    pub congestion: Vec<Congestion>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            block_time: default_block_time(),
            inclusion: 1.0,
            gas_price: default_gas_price(),
            gas_per_tx: default_gas_per_tx(),
            gas_token_price: default_gas_token_price(),
            congestion: Vec::new(),
        }
    }
}

/// The settler's limits (`[settler]`).
///
/// A debt larger than a few lots is not auctioned all at once: the settler keeps at most
/// `max_live` auctions running (kicked and not yet dealt, or a Dutch sale not yet sold out),
/// counting its kicks in flight, and starts the next ones as running auctions finish. A large
/// debt is thus sold in waves, each priced by the market of its own time rather than all at the
/// price of the first minutes. It stands for the cap a protocol puts on debt on auction (as dss's
/// `Hole` does for collateral auctions or the Flapper's `lid` for surplus); the contracts
/// themselves do not enforce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettlerSpec {
    /// Most auctions running at once, kicks in flight included. `≥ 1`; default 64.
    pub max_live: u32,
}

impl Default for SettlerSpec {
    fn default() -> Self {
        Self { max_live: default_max_live() }
    }
}

/// A congested period `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Congestion {
    /// Start, seconds after `t = 0`.
    pub from: u64,
    /// End (exclusive), seconds. `> from`.
    pub until: u64,
    /// Gas price, gwei. `≥ 0`.
    pub gas_price: f64,
    /// Probability per block that a pending transaction is included. `0 < inclusion ≤ 1`.
    pub inclusion: f64,
}

/// The built-in scenarios, as shipped in `examples/scenarios/`.
pub const BUILTINS: [(&str, &str); 12] = [
    (
        "black-thursday-2020-counterfactual",
        include_str!("../../../examples/scenarios/black-thursday-2020-counterfactual.toml"),
    ),
    (
        "black-thursday-2020-fixed",
        include_str!("../../../examples/scenarios/black-thursday-2020-fixed.toml"),
    ),
    ("black-thursday-dutch", include_str!("../../../examples/scenarios/black-thursday-dutch.toml")),
    (
        "black-thursday-2020-flops",
        include_str!("../../../examples/scenarios/black-thursday-2020-flops.toml"),
    ),
    ("aave-2026", include_str!("../../../examples/scenarios/aave-2026.toml")),
    ("aave-2026-run", include_str!("../../../examples/scenarios/aave-2026-run.toml")),
    ("flash-keepers-dutch", include_str!("../../../examples/scenarios/flash-keepers-dutch.toml")),
    (
        "aave-2026-auctions-only",
        include_str!("../../../examples/scenarios/aave-2026-auctions-only.toml"),
    ),
    ("aave-2026-umbrella", include_str!("../../../examples/scenarios/aave-2026-umbrella.toml")),
    (
        "aave-2026-umbrella-fleeing",
        include_str!("../../../examples/scenarios/aave-2026-umbrella-fleeing.toml"),
    ),
    ("aave-2026-pledge", include_str!("../../../examples/scenarios/aave-2026-pledge.toml")),
    ("aave-2026-sky-buffer", include_str!("../../../examples/scenarios/aave-2026-sky-buffer.toml")),
];

/// Built-in comparisons: a name for several built-in scenarios run side by side
/// ([`crate::compare`]).
pub const COMPARISONS: [(&str, &[&str]); 1] = [(
    "aave-2026-waterfalls",
    &[
        "aave-2026-auctions-only",
        "aave-2026-umbrella",
        "aave-2026-umbrella-fleeing",
        "aave-2026-pledge",
        "aave-2026-sky-buffer",
    ],
)];

/// The built-in names.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(n, _)| *n)
}

impl Scenario {
    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Option<Self> {
        BUILTINS.iter().find(|(n, _)| *n == name).map(|(n, text)| {
            Self::from_toml(text, &format!("built-in:{n}"), None)
                .unwrap_or_else(|e| panic!("built-in scenario {n} is invalid: {e}"))
        })
    }

    /// A built-in name, or else a path to a scenario file.
    pub fn resolve(name_or_path: &str) -> Result<Self> {
        if let Some(s) = Self::builtin(name_or_path) {
            return Ok(s);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            return Self::load(path);
        }
        Err(SimError::UnknownScenario {
            name: name_or_path.to_owned(),
            builtins: builtin_names().collect::<Vec<_>>().join(", "),
        })
    }

    /// Reads and validates a scenario file; a CSV path is relative to the file.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| SimError::io("reading scenario", path, e))?;
        Self::from_toml(&text, &path.display().to_string(), path.parent())
    }

    /// Parses and validates scenario text; `origin` names it in errors; `base` is the directory
    /// a CSV path is relative to (the current directory if `None`).
    pub fn from_toml(text: &str, origin: &str, base: Option<&Path>) -> Result<Self> {
        let mut s: Self = toml::from_str(text)
            .map_err(|e| SimError::Parse { file: origin.to_owned(), message: e.to_string() })?;
        match &s.market.path {
            PathSpec::Csv { file } => {
                let full = base.map_or_else(|| file.clone(), |b| b.join(file));
                s.csv_points = read_price_csv(&full)?;
            }
            PathSpec::Points { points } => s.csv_points = points.clone(),
            PathSpec::Gbm { .. } | PathSpec::Crash { .. } => {}
        }
        // A waterfall file, relative to the scenario's directory, read as `check --waterfall`
        // reads it.
        if let Some(WaterfallSource::File(file)) = &s.waterfall {
            let full = base.map_or_else(|| file.clone(), |b| b.join(file));
            s.waterfall =
                Some(WaterfallSource::Inline(Box::new(crate::check::load_waterfall(&full)?)));
        }
        s.validate(origin)?;
        Ok(s)
    }

    /// The auction parameters as one [`SystemParams`].
    pub fn params(&self) -> SystemParams {
        SystemParams {
            accountant: self.accountant,
            english: self.english,
            dutch: self.dutch,
            oracle: Default::default(),
        }
    }

    /// The scenario's deployment: its auction parameters at its starting market price (RAY) as
    /// the oracle price, default sink, fresh stablecoin.
    pub fn deployment(&self) -> DeploymentParams {
        DeploymentParams::new(self.params(), self.market.price)
    }

    /// Total bad debt over all tranches, WAD.
    pub fn total_debt(&self) -> Result<Wad> {
        Ok(self.debt.tranches.iter().try_fold(Wad::ZERO, |s, t| s.checked_add(t.amount))?)
    }

    /// The number of bidders over all groups.
    pub fn bidder_count(&self) -> usize {
        self.bidders.iter().map(|b| b.count as usize).sum()
    }

    /// Checks every rule, including what the contracts can hold and what a run can finish
    /// ([`crate::limits`]); the error names `origin` and the field.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let bad = |field: &str, reason: &str| SimError::Invalid {
            file: origin.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let core = |field: &str, e: CoreError| SimError::Invalid {
            file: origin.to_owned(),
            field: field.to_owned(),
            reason: match e {
                CoreError::InvalidParam { reason, .. } => reason,
                other => other.to_string(),
            },
        };
        let finite_nonneg = |field: &str, x: f64| {
            if x.is_finite() && x >= 0.0 {
                Ok(())
            } else {
                Err(bad(field, "must be a number ≥ 0"))
            }
        };
        let probability = |field: &str, x: f64, zero_ok: bool| {
            let ok = x.is_finite() && x <= 1.0 && if zero_ok { x >= 0.0 } else { x > 0.0 };
            if ok {
                Ok(())
            } else if zero_ok {
                Err(bad(field, "must be a probability in [0, 1]"))
            } else {
                Err(bad(field, "must be a probability in (0, 1]"))
            }
        };
        if self.name.trim().is_empty() {
            return Err(bad("name", "must not be empty"));
        }
        if self.horizon == 0 || self.horizon > MAX_DURATION {
            return Err(bad("horizon", "must be in (0, 315,360,000] seconds"));
        }
        if self.start.saturating_add(self.horizon) > backstop_core::MAX_TIME / 2 {
            return Err(bad("start", "start + horizon must stay far below 2^40 seconds"));
        }
        if self.debt.tranches.is_empty() {
            return Err(bad("debt.tranches", "needs at least one tranche"));
        }
        for (i, t) in self.debt.tranches.iter().enumerate() {
            if t.amount.is_zero() {
                return Err(bad(&format!("debt.tranches[{i}].amount"), "must be above 0"));
            }
            if t.at >= self.horizon {
                return Err(bad(&format!("debt.tranches[{i}].at"), "must be before the horizon"));
            }
        }
        self.total_debt().map_err(|_| bad("debt.tranches", "total overflows 256 bits"))?;
        check_amount("debt.treasury", self.debt.treasury).map_err(|e| core("debt.treasury", e))?;
        if self.market.supply.is_zero() {
            return Err(bad("market.supply", "must be above 0"));
        }
        // The grid of a GBM or crash path is held in memory: at most MAX_PATH_STEPS points.
        let grid = |dt: u64| {
            if dt == 0 {
                return Err(bad("market.path.dt", "must be above 0"));
            }
            if self.horizon / dt > MAX_PATH_STEPS {
                return Err(bad(
                    "market.path.dt",
                    &format!(
                        "{dt} s makes {} steps over the horizon of {} s; a path holds at most \
                         {MAX_PATH_STEPS} (dt ≥ {} s)",
                        self.horizon / dt,
                        self.horizon,
                        self.horizon.div_ceil(MAX_PATH_STEPS + 1),
                    ),
                ));
            }
            Ok(())
        };
        // A deterministic price the path reaches must be one the contracts compute with.
        let in_range = |field: &str, what: &str, x: f64| {
            if price_in_range(x) {
                Ok(())
            } else {
                Err(bad(field, &format!("{what} is {x}, {}", price_range())))
            }
        };
        let p0 = f64_of_ray(self.market.price);
        match &self.market.path {
            PathSpec::Gbm { drift, volatility, dt } => {
                if !drift.is_finite() {
                    return Err(bad("market.path.drift", "must be a finite number"));
                }
                finite_nonneg("market.path.volatility", *volatility)?;
                grid(*dt)?;
            }
            PathSpec::Crash { depth, fall, recover_to, drift, volatility, dt, .. } => {
                if !(depth.is_finite() && (0.0..1.0).contains(depth)) {
                    return Err(bad("market.path.depth", "must be in [0, 1)"));
                }
                if *fall == 0 {
                    return Err(bad("market.path.fall", "must be above 0"));
                }
                if !(recover_to.is_finite() && *recover_to > 0.0) {
                    return Err(bad("market.path.recover_to", "must be above 0"));
                }
                if !drift.is_finite() {
                    return Err(bad("market.path.drift", "must be a finite number"));
                }
                finite_nonneg("market.path.volatility", *volatility)?;
                grid(*dt)?;
                if price_in_range(p0) {
                    in_range(
                        "market.path.depth",
                        "the bottom price × (1 − depth)",
                        p0 * (1.0 - depth),
                    )?;
                    in_range(
                        "market.path.recover_to",
                        "the recovered price × recover_to",
                        p0 * recover_to,
                    )?;
                }
            }
            PathSpec::Csv { .. } => {
                if self.csv_points.is_empty() {
                    return Err(bad("market.path.file", "the CSV has no price rows"));
                }
            }
            PathSpec::Points { points } => {
                if points.is_empty() {
                    return Err(bad("market.path.points", "needs at least one point"));
                }
                for (i, (t, p)) in points.iter().enumerate() {
                    if !(p.is_finite() && *p > 0.0) {
                        return Err(bad(
                            &format!("market.path.points[{i}]"),
                            "price must be above 0",
                        ));
                    }
                    if i > 0 && *t <= points[i - 1].0 {
                        return Err(bad(
                            &format!("market.path.points[{i}]"),
                            "seconds must increase strictly",
                        ));
                    }
                }
            }
        }
        let d = &self.market.depth;
        finite_nonneg("market.depth.impact", d.impact)?;
        probability("market.depth.sell", d.sell, true)?;
        if let Some(pool) = &self.market.pool {
            self.validate_pool(pool, &bad)?;
        }
        let mut bidders = 0u64;
        for (i, b) in self.bidders.iter().enumerate() {
            let f = |name: &str| format!("bidders[{i}].{name}");
            if b.count == 0 {
                return Err(bad(&f("count"), "must be at least 1"));
            }
            bidders += u64::from(b.count);
            if bidders > MAX_BIDDERS {
                return Err(bad(
                    &f("count"),
                    &format!(
                        "{} brings the bidders to {bidders}; a scenario has at most {MAX_BIDDERS} \
                         over all groups",
                        b.count
                    ),
                ));
            }
            match b.kind {
                BidderKind::Capital => {
                    if b.capital.is_zero() {
                        return Err(bad(&f("capital"), "must be above 0"));
                    }
                    check_amount(&f("capital"), b.capital).map_err(|e| core(&f("capital"), e))?;
                    if !(b.valuation.is_finite() && b.valuation > 0.0) {
                        return Err(bad(&f("valuation"), "must be above 0"));
                    }
                    finite_nonneg(&f("spread"), b.spread)?;
                    check_margin(b.margin).map_err(|e| core(&f("margin"), e))?;
                    if b.min_profit.is_some() {
                        return Err(bad(
                            &f("min_profit"),
                            "is a flash bidder's (kind = \"flash\"); a capital bidder bids up to \
                             valuation × (1 − margin)",
                        ));
                    }
                    if b.gas.is_some() {
                        return Err(bad(
                            &f("gas"),
                            "is a flash bidder's (kind = \"flash\"); a capital bidder's \
                             transactions cost network.gas_per_tx",
                        ));
                    }
                }
                BidderKind::Flash => self.validate_flash(b, &f, &bad)?,
            }
            probability(&f("offline"), b.offline, true)?;
            if b.offline_spell == 0 {
                return Err(bad(&f("offline_spell"), "must be above 0"));
            }
            if b.recheck == 0 {
                return Err(bad(&f("recheck"), "must be above 0"));
            }
        }
        let n = &self.network;
        if n.block_time == 0 {
            return Err(bad("network.block_time", "must be above 0"));
        }
        probability("network.inclusion", n.inclusion, false)?;
        finite_nonneg("network.gas_price", n.gas_price)?;
        finite_nonneg("network.gas_token_price", n.gas_token_price)?;
        for (i, c) in n.congestion.iter().enumerate() {
            let f = |name: &str| format!("network.congestion[{i}].{name}");
            if c.until <= c.from {
                return Err(bad(&f("until"), "must be after `from`"));
            }
            finite_nonneg(&f("gas_price"), c.gas_price)?;
            probability(&f("inclusion"), c.inclusion, false)?;
        }
        if self.settler.max_live == 0 {
            return Err(bad("settler.max_live", "must be at least 1"));
        }
        // The auction parameters and the starting price are a deployment's, with its rules; its
        // `oracle_price` is the market price at t = 0.
        self.deployment().validate().map_err(|e| match e {
            CoreError::InvalidParam { what, reason } => SimError::Invalid {
                file: origin.to_owned(),
                field: if what == "oracle_price" { "market.price".to_owned() } else { what },
                reason,
            },
            other => core("accountant", other),
        })?;
        let auctions = self.auctions_needed();
        if auctions > U256::from(MAX_AUCTIONS) {
            return Err(bad(
                "debt.tranches",
                &format!(
                    "the debt needs {auctions} auctions of accountant.sump = {} ((total debt − \
                     treasury) / sump); a run may need at most {MAX_AUCTIONS}: raise \
                     accountant.sump or lower the debt",
                    self.accountant.sump
                ),
            ));
        }
        self.validate_cover(&bad)?;
        let bidders = self.bidder_count() as u64;
        let pairs = auctions.saturating_to::<u64>().saturating_mul(bidders);
        if pairs > MAX_BIDDER_AUCTIONS {
            return Err(bad(
                "debt.tranches",
                &format!(
                    "the debt needs {auctions} auctions and {bidders} bidders follow each: \
                     {pairs} auction × bidder pairs; a run may follow at most \
                     {MAX_BIDDER_AUCTIONS}: raise accountant.sump or have fewer bidders"
                ),
            ));
        }
        Ok(())
    }

    /// The `[market.pool]` rules: a depth whose reserves the pair can hold, an arbitrage rate in
    /// `[0, 1]`, an arbitrage step that a run can afford, and no float impact model beside it.
    fn validate_pool(&self, pool: &PoolSpec, bad: &dyn Fn(&str, &str) -> SimError) -> Result<()> {
        if pool.coin_reserve.is_zero() {
            return Err(bad("market.pool.coin_reserve", "must be above 0"));
        }
        if pool.coin_reserve.raw() > MAX_RESERVE {
            return Err(bad(
                "market.pool.coin_reserve",
                &format!(
                    "{} is above the pair's reserve limit {} (2^112 − 1 wei)",
                    pool.coin_reserve,
                    Wad::from_raw(MAX_RESERVE)
                ),
            ));
        }
        match self.pool_reserves() {
            Some(r) if !r.gov.is_zero() && r.gov.raw() <= MAX_RESERVE => {}
            _ => {
                return Err(bad(
                    "market.pool.coin_reserve",
                    &format!(
                        "at market.price = {} the pool would hold coin_reserve / price = {} \
                         governance tokens; both reserves must be in (0, 2^112 − 1] wei",
                        self.market.price,
                        self.pool_reserves().map_or(Wad::ZERO, |r| r.gov)
                    ),
                ));
            }
        }
        if !(pool.arb_rate.is_finite() && (0.0..=1.0).contains(&pool.arb_rate)) {
            return Err(bad("market.pool.arb_rate", "must be a fraction per hour in [0, 1]"));
        }
        if pool.arb_step == 0 {
            return Err(bad("market.pool.arb_step", "must be above 0"));
        }
        if self.horizon / pool.arb_step > MAX_ARB_STEPS {
            return Err(bad(
                "market.pool.arb_step",
                &format!(
                    "{} s makes {} arbitrage steps over the horizon of {} s; a run makes at most \
                     {MAX_ARB_STEPS} (arb_step ≥ {} s)",
                    pool.arb_step,
                    self.horizon / pool.arb_step,
                    self.horizon,
                    self.horizon.div_ceil(MAX_ARB_STEPS + 1),
                ),
            ));
        }
        if self.market.depth.impact != 0.0 {
            return Err(bad(
                "market.depth.impact",
                "must be 0 with [market.pool]: winners sell on the pool, whose reserves set the \
                 price impact (market.depth.sell still says how much they sell)",
            ));
        }
        Ok(())
    }

    /// A flash bidder's rules: Dutch only, a pool to sell on, no stablecoin, no valuation.
    fn validate_flash(
        &self,
        b: &BidderSpec,
        f: &dyn Fn(&str) -> String,
        bad: &dyn Fn(&str, &str) -> SimError,
    ) -> Result<()> {
        if self.mechanism != Mechanism::Dutch {
            return Err(bad(
                &f("kind"),
                "flash bidders take Dutch sales only; this scenario's mechanism is english",
            ));
        }
        if self.market.pool.is_none() {
            return Err(bad(&f("kind"), "a flash bidder sells on the pool: add [market.pool]"));
        }
        if !b.capital.is_zero() {
            return Err(bad(&f("capital"), "a flash bidder holds no stablecoin: leave it out"));
        }
        let no_valuation = "a flash bidder has no valuation (it takes when the pool pays owe + \
                            gas + min_profit): leave it out";
        if b.valuation != 1.0 {
            return Err(bad(&f("valuation"), no_valuation));
        }
        if b.spread != 0.0 {
            return Err(bad(&f("spread"), no_valuation));
        }
        if !b.margin.is_zero() {
            return Err(bad(&f("margin"), "a flash bidder's margin is min_profit: leave it out"));
        }
        if b.mode != EnglishMode::Step {
            return Err(bad(&f("mode"), "English bidding only: a flash bidder takes Dutch sales"));
        }
        if let Some(m) = b.min_profit
            && m > crate::limits::MAX_AMOUNT
        {
            return Err(bad(
                &f("min_profit"),
                &format!(
                    "{m} is above {} (2^128 − 1 wei): no take could ever pay it",
                    crate::limits::MAX_AMOUNT
                ),
            ));
        }
        if b.gas.is_some_and(|g| g > MAX_FLASH_GAS) {
            return Err(bad(
                &f("gas"),
                &format!("must be at most {MAX_FLASH_GAS} (a block's gas limit)"),
            ));
        }
        Ok(())
    }

    /// The pool's reserves at `t = 0` (WAD): `coin_reserve` stablecoin and
    /// `⌊coin_reserve · RAY / market.price⌋` governance tokens; `None` without a pool (or at a
    /// zero price).
    pub fn pool_reserves(&self) -> Option<Reserves> {
        let pool = self.market.pool.as_ref()?;
        let price = self.market.price.raw();
        if price.is_zero() {
            return None;
        }
        let gov = pool.coin_reserve.raw().checked_mul(RAY)? / price;
        Some(Reserves::new(Wad::from_raw(gov), pool.coin_reserve))
    }

    /// The auctions the debt needs at least: `⌊(total debt − treasury) / sump⌋` (the treasury
    /// heals first; a Dutch sale that runs out of lot may need more). 0 if `sump` is 0.
    pub fn auctions_needed(&self) -> U256 {
        let debt = self.total_debt().unwrap_or(Wad::from_raw(U256::MAX));
        let sump = self.accountant.sump.raw();
        if sump.is_zero() {
            U256::ZERO
        } else {
            debt.saturating_sub(self.debt.treasury).raw() / sump
        }
    }

    /// The scenario as TOML (CSV points are not inlined: the `file` path is kept).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self)
            .map_err(|e| SimError::Serialize { what: "scenario".into(), reason: e.to_string() })
    }
}

/// The price range as a rule, for messages.
fn price_range() -> String {
    format!(
        "must be within [{MIN_PRICE}, {MAX_PRICE}] stablecoin per token (the prices the \
         contracts compute with; see backstop_core::deployment)"
    )
}

/// Reads `seconds,price` rows. A first row whose first cell is not a number is a header. Every
/// price must be within [[`MIN_PRICE`], [`MAX_PRICE`]]; at most
/// [`MAX_PATH_STEPS`] rows.
pub fn read_price_csv(path: &Path) -> Result<Vec<(u64, f64)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SimError::io("reading price CSV (market.path.file)", path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out: Vec<(u64, f64)> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let err = |line: u64, reason: String| SimError::Csv { path: path.to_owned(), line, reason };
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(i as u64 + 1, |p| p.line());
            err(line, e.to_string())
        })?;
        let line = rec.position().map_or(i as u64 + 1, |p| p.line());
        if rec.len() != 2 {
            return Err(err(
                line,
                format!("expected 2 columns (seconds,price), found {}", rec.len()),
            ));
        }
        let (s, p) = (&rec[0], &rec[1]);
        let secs = match s.parse::<u64>() {
            Ok(v) => v,
            Err(_) if out.is_empty() && i == 0 && s.parse::<f64>().is_err() => continue, // header
            Err(_) => {
                return Err(err(line, format!("seconds `{s}` is not a non-negative integer")));
            }
        };
        let price: f64 =
            p.parse().map_err(|_| err(line, format!("price `{p}` is not a number")))?;
        if !(price.is_finite() && price > 0.0) {
            return Err(err(line, format!("price {p} must be above 0")));
        }
        if !price_in_range(price) {
            return Err(err(line, format!("market.path.file: price {p} {}", price_range())));
        }
        if out.len() as u64 == MAX_PATH_STEPS {
            return Err(err(
                line,
                format!("market.path.file: more than {MAX_PATH_STEPS} price rows"),
            ));
        }
        if let Some((last, _)) = out.last()
            && secs <= *last
        {
            return Err(err(line, format!("seconds {secs} do not increase (previous {last})")));
        }
        out.push((secs, price));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_core::waterfall::Layer;

    #[test]
    fn every_builtin_parses_and_validates() {
        for name in builtin_names() {
            let s = Scenario::builtin(name).unwrap();
            assert_eq!(s.name, name);
            // Bidders wherever auctions may run (the Sky-style buffer has none).
            let auctions = s.waterfall_config().is_none_or(|c| c.order.contains(&Layer::Auctions));
            assert_eq!(s.bidder_count() > 0, auctions, "{name}");
            assert!(s.description.contains("ounterfactual") || s.waterfall.is_none(), "{name}");
        }
        for (name, members) in COMPARISONS {
            assert!(Scenario::builtin(name).is_none(), "{name} is not also a scenario");
            assert!(members.iter().all(|m| Scenario::builtin(m).is_some()), "{name}");
        }
    }

    /// The field a validation error names.
    fn field(s: &Scenario) -> String {
        match s.validate("t.toml").unwrap_err() {
            SimError::Invalid { field, .. } => field,
            e => panic!("{e}"),
        }
    }

    fn bt() -> Scenario {
        Scenario::builtin("black-thursday-2020-counterfactual").unwrap()
    }

    fn plus_one_wei(w: Wad) -> Wad {
        Wad::from_raw(w.raw() + U256::from(1))
    }

    #[test]
    fn auction_amounts_stop_at_the_uint128_slot() {
        let mut s = bt();
        s.accountant.dump = crate::limits::MAX_AMOUNT;
        assert!(s.validate("t").is_ok());
        s.accountant.dump = plus_one_wei(crate::limits::MAX_AMOUNT);
        assert_eq!(field(&s), "accountant.dump");
        let mut s = bt();
        s.debt.treasury = plus_one_wei(crate::limits::MAX_AMOUNT);
        assert_eq!(field(&s), "debt.treasury");
        let mut s = bt();
        s.bidders[1].capital = crate::limits::MAX_AMOUNT;
        assert!(s.validate("t").is_ok());
        s.bidders[1].capital = plus_one_wei(crate::limits::MAX_AMOUNT);
        assert_eq!(field(&s), "bidders[1].capital");
    }

    #[test]
    fn the_starting_price_is_an_oracle_price_the_contracts_compute_with() {
        let mut s = bt();
        for ok in [MIN_PRICE, MAX_PRICE] {
            s.market.price = ok;
            assert!(s.validate("t").is_ok(), "{ok}");
        }
        for bad in [Ray::ZERO, Ray::from_raw(MIN_PRICE.raw() - U256::from(1))] {
            s.market.price = bad;
            assert_eq!(field(&s), "market.price");
        }
        s.market.price = Ray::from_raw(MAX_PRICE.raw() + U256::from(1));
        assert_eq!(field(&s), "market.price");
    }

    #[test]
    fn a_run_needs_at_most_max_auctions() {
        // (tranches − treasury) / sump, with sump 50,000 and a treasury of 20,000.
        let mut s = bt();
        let (sump, treasury) = (s.accountant.sump, s.debt.treasury);
        let debt = |n: u64| Wad::from_raw(sump.raw() * U256::from(n) + treasury.raw());
        s.debt.tranches = vec![Tranche { at: 0, amount: debt(MAX_AUCTIONS) }];
        assert_eq!(s.auctions_needed(), U256::from(MAX_AUCTIONS));
        assert!(s.validate("t").is_ok());
        s.debt.tranches[0].amount = debt(MAX_AUCTIONS + 1);
        assert_eq!(field(&s), "debt.tranches");
        let e = s.validate("t").unwrap_err().to_string();
        let n = MAX_AUCTIONS + 1;
        assert!(e.contains(&format!("{n} auctions")) && e.contains("accountant.sump"), "{e}");
        // A debt the treasury covers needs none.
        s.debt.treasury = s.debt.tranches[0].amount;
        assert_eq!(s.auctions_needed(), U256::ZERO);
    }

    #[test]
    fn a_run_follows_at_most_max_bidder_auctions_pairs() {
        // 3 bidders: at most 10,000 auctions.
        let mut s = bt();
        let (sump, treasury) = (s.accountant.sump, s.debt.treasury);
        let debt = |n: u64| Wad::from_raw(sump.raw() * U256::from(n) + treasury.raw());
        s.bidders[0].count = 28; // 30 bidders: at most 1,000 auctions
        s.debt.tranches = vec![Tranche { at: 0, amount: debt(MAX_BIDDER_AUCTIONS / 30) }];
        assert!(s.validate("t").is_ok());
        s.debt.tranches[0].amount = debt(MAX_BIDDER_AUCTIONS / 30 + 1);
        assert_eq!(field(&s), "debt.tranches");
        let e = s.validate("t").unwrap_err().to_string();
        assert!(e.contains("30 bidders") && e.contains("30030 auction × bidder pairs"), "{e}");
        // No bidder: only the auction count bounds the run.
        s.bidders.clear();
        assert!(s.validate("t").is_ok());
    }

    #[test]
    fn bidders_are_counted_over_all_groups() {
        let mut s = bt();
        s.debt.tranches[0].amount = "70000".parse().unwrap(); // one auction
        s.bidders[0].count = (MAX_BIDDERS - 2) as u32; // with the other two groups of one
        assert!(s.validate("t").is_ok());
        s.bidders[2].count = 2;
        assert_eq!(field(&s), "bidders[2].count");
        let mut s = bt();
        s.bidders[0].count = u32::MAX;
        assert_eq!(field(&s), "bidders[0].count");
    }

    #[test]
    fn margins_are_below_one_as_the_keepers() {
        let mut s = bt();
        s.bidders[0].margin = "0.999999999999999999".parse().unwrap();
        assert!(s.validate("t").is_ok());
        for m in ["1", "1.5"] {
            s.bidders[0].margin = m.parse().unwrap();
            assert_eq!(field(&s), "bidders[0].margin");
        }
    }

    #[test]
    fn a_path_grid_holds_at_most_max_path_steps() {
        let mut s = bt();
        s.horizon = MAX_PATH_STEPS;
        s.market.path = PathSpec::Gbm { drift: 0.0, volatility: 1.0, dt: 1 };
        assert!(s.validate("t").is_ok());
        s.horizon = MAX_PATH_STEPS + 1;
        assert_eq!(field(&s), "market.path.dt");
        s.market.path = PathSpec::Gbm { drift: 0.0, volatility: 1.0, dt: 2 };
        assert!(s.validate("t").is_ok());
    }

    #[test]
    fn a_crash_stays_within_the_price_range() {
        let crash = |depth: f64, recover_to: f64| PathSpec::Crash {
            at: 0,
            depth,
            fall: 3600,
            recovery: 3600,
            recover_to,
            drift: 0.0,
            volatility: 0.0,
            dt: 300,
        };
        let mut s = bt(); // 265 per token
        s.market.path = crash(0.99, 100.0);
        assert!(s.validate("t").is_ok());
        s.market.path = crash(1.0 - 1e-12, 1.0); // a bottom of 2.65e-10
        assert_eq!(field(&s), "market.path.depth");
        s.market.path = crash(0.5, 1e300);
        assert_eq!(field(&s), "market.path.recover_to");
        s.market.path = crash(0.5, 1e-12);
        assert_eq!(field(&s), "market.path.recover_to");
    }

    #[test]
    fn csv_prices_stay_within_the_price_range() {
        let dir = tempfile::tempdir().unwrap();
        let csv = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            read_price_csv(&p)
        };
        assert_eq!(csv("ok.csv", "0,0.000000001\n60,10000000000\n").unwrap().len(), 2);
        for (rows, line) in [("0,1e-300\n60,1e300\n", 1), ("0,100\n60,1e300\n", 2)] {
            match csv("bad.csv", rows).unwrap_err() {
                SimError::Csv { line: l, reason, .. } => {
                    assert_eq!(l, line, "{rows}");
                    assert!(reason.starts_with("market.path.file: price"), "{reason}");
                }
                e => panic!("{e}"),
            }
        }
    }

    #[test]
    fn roundtrips_through_toml() {
        for name in builtin_names() {
            let s = Scenario::builtin(name).unwrap();
            let text = s.to_toml().unwrap();
            let back = Scenario::from_toml(&text, "x", None).unwrap();
            assert_eq!(s, back, "{name}");
        }
    }

    #[test]
    fn the_pool_starts_at_the_market_price() {
        let s = Scenario::builtin("flash-keepers-dutch").unwrap();
        let r = s.pool_reserves().unwrap();
        assert_eq!(r.coin, "20000000".parse().unwrap());
        assert_eq!(r.gov, "200000".parse().unwrap());
        assert_eq!(r.spot_price().unwrap(), s.market.price);
        assert_eq!(bt().pool_reserves(), None);
    }
}
