//! A keeper's configuration (the `[keeper]` TOML table), what it has done, and what one step did.

use crate::price::PriceConfig;
use crate::strategy::EnglishMode;
use backstop_core::{Mechanism, Ray, Wad};
use serde::{Deserialize, Serialize};

/// Gas settings of a keeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GasConfig {
    /// Cap on `maxFeePerGas`, gwei.
    pub max_fee_gwei: Option<u64>,
    /// Fee increase per replacement, percent (≥ 10).
    pub bump_percent: u64,
    /// Replace a transaction not mined after this many seconds.
    pub replace_after_secs: u64,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self { max_fee_gwei: None, bump_percent: 13, replace_after_secs: 30 }
    }
}

/// A keeper's configuration (the `[keeper]` table of its TOML file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// Name in logs and metrics.
    #[serde(default = "default_name")]
    pub name: String,
    /// The auctions it starts and bids on.
    #[serde(default)]
    pub mechanism: Mechanism,
    /// Its valuation of the governance token.
    #[serde(default = "default_price")]
    pub price: PriceConfig,
    /// Bids at most at valuation × (1 − margin), WAD fraction.
    #[serde(default)]
    pub margin: Wad,
    /// English bidding: the smallest outbid, or straight to the limit.
    #[serde(default)]
    pub english_mode: EnglishMode,
    /// Stablecoin it may spend in all, WAD.
    pub budget: Wad,
    /// Bid and take.
    #[serde(default = "yes")]
    pub bid: bool,
    /// Start auctions (flop / flopDutch) and reset Dutch sales (redo).
    #[serde(default = "yes")]
    pub kick: bool,
    /// Settle: deal, tick.
    #[serde(default = "yes")]
    pub settle: bool,
    /// Balance sheet: flog ready debt, heal/kiss surplus.
    #[serde(default = "yes")]
    pub balance_sheet: bool,
    /// Gas.
    #[serde(default)]
    pub gas: GasConfig,
    /// Log what would be sent; send nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn default_name() -> String {
    "keeper".to_owned()
}
fn default_price() -> PriceConfig {
    PriceConfig::Oracle
}
fn yes() -> bool {
    true
}

impl KeeperConfig {
    /// A bidding keeper with `budget` (WAD) valuing the token at `price` (RAY).
    pub fn bidder(name: &str, price: Ray, budget: Wad) -> Self {
        Self {
            name: name.to_owned(),
            mechanism: Mechanism::English,
            price: PriceConfig::Fixed { price },
            margin: Wad::ZERO,
            english_mode: EnglishMode::Step,
            budget,
            bid: true,
            kick: true,
            settle: true,
            balance_sheet: true,
            gas: GasConfig::default(),
            dry_run: false,
        }
    }
}

/// What a keeper has done so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Auctions discovered.
    pub auctions_seen: u64,
    /// Bids and takes broadcast.
    pub bids_sent: u64,
    /// English auctions dealt to us and Dutch takes mined.
    pub won: u64,
    /// Times our high bid was outbid.
    pub lost: u64,
    /// Governance tokens received, WAD.
    pub tokens: Wad,
    /// Stablecoin paid for them, WAD.
    pub spent: Wad,
    /// Stablecoin held in our standing English high bids, WAD.
    pub committed: Wad,
    /// Σ tokens × the limit price at which each was bought, WAD: the value at the keeper's limit.
    pub value_at_limit: Wad,
    /// Transactions mined.
    pub txs: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Rejected submissions and reverted transactions that only meant a lost race (quiet).
    pub races_lost: u64,
    /// Our standing English high bids found when the keeper attached (sent by an earlier process).
    pub standing_at_start: u64,
    /// Times the model disagreed with the events and every auction was read again (none on a
    /// healthy node; a node restored from an older state, say).
    pub full_rereads: u64,
    /// Auctions started, reset and settled by us.
    pub kicks: u64,
    /// Deals, ticks, flogs, heals, kisses.
    pub settlements: u64,
}

impl Stats {
    /// Profit and loss at the limit price: value of the tokens bought at the keeper's limit minus
    /// the stablecoin paid, WAD (negative as a string with a sign).
    pub fn pnl(&self) -> String {
        if self.value_at_limit >= self.spent {
            format!("+{}", self.value_at_limit.saturating_sub(self.spent))
        } else {
            format!("-{}", self.spent.saturating_sub(self.value_at_limit))
        }
    }

    /// [`Self::pnl`] rounded to two decimals for people (`+197164.57`, `-0.00` never shows a
    /// rounding residue of a few wei as a loss).
    pub fn pnl_display(&self) -> String {
        let exact = self.pnl();
        let (sign, digits) = exact.split_at(1);
        let v: f64 = digits.parse().unwrap_or(0.0);
        let rounded = format!("{v:.2}");
        if rounded == "0.00" { "0.00".to_owned() } else { format!("{sign}{rounded}") }
    }
}

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Transactions broadcast.
    pub sent: usize,
    /// Transactions mined and seen.
    pub confirmed: usize,
    /// Events read.
    pub events: usize,
    /// Transactions of a previous process still pending, or the node's nonce just fell below
    /// ours (it lost transactions): nothing new is sent this step.
    pub draining: bool,
}
