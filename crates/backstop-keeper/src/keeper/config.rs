//! A keeper's configuration (the `[keeper]` TOML table), what it has done, and what one step did.

use crate::price::PriceConfig;
use crate::strategy::{EnglishMode, check_margin};
use crate::{Error, Result};
use backstop_core::{Mechanism, Ray, Wad, deployment::check_price};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Gas settings of a keeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GasConfig {
    /// Cap on `maxFeePerGas`, gwei (≥ 1 when set).
    pub max_fee_gwei: Option<u64>,
    /// Fee increase per replacement, percent (≥ 10: nodes refuse a smaller bump).
    pub bump_percent: u64,
    /// Replace a transaction not mined after this many seconds (≥ 1).
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
    /// Run the loss waterfall's permissionless steps when the deployment has one: treasury,
    /// slash, open and settle a pledge round, socialise (`docs/design/waterfall.md`).
    #[serde(default = "yes")]
    pub waterfall: bool,
    /// Pledge to an open round when its price is within the limit (valuation × (1 − margin)),
    /// out of `budget`; claim the tokens after a success, take the pledge back after a failure.
    #[serde(default)]
    pub pledge: bool,
    /// Gas.
    #[serde(default)]
    pub gas: GasConfig,
    /// Log what would be sent; send nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Dutch takes paid by selling the slice on a Uniswap V2 pair in the same transaction (no
    /// stablecoin needed; `price`, `margin` and `budget` do not apply to them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<super::FlashConfig>,
}

/// The longest `--interval` between steps, seconds (a day).
pub const MAX_INTERVAL_SECS: f64 = 86_400.0;

/// The shortest `--interval` between steps, seconds.
pub const MIN_INTERVAL_SECS: f64 = 0.001;

/// `--interval` (seconds between steps when the node has no subscriptions) as a [`Duration`]:
/// a number in [[`MIN_INTERVAL_SECS`], [`MAX_INTERVAL_SECS`]], else [`Error::Config`] naming the
/// flag.
pub fn poll_interval(secs: f64) -> Result<Duration> {
    if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&secs) {
        return Err(Error::Config {
            path: "--interval".into(),
            reason: format!(
                "{secs} must be a number of seconds in [{MIN_INTERVAL_SECS}, {MAX_INTERVAL_SECS}]"
            ),
        });
    }
    Ok(Duration::from_secs_f64(secs))
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
    /// Checks every value before the keeper connects; [`Error::Config`] names `origin` (the file,
    /// or the flag that set the value: `--max-fee-gwei`) and the field. `margin` in `[0, 1)` (the
    /// simulator's rule); a fixed `price.price` within the prices the contracts compute with
    /// ([`backstop_core::MIN_PRICE`], [`backstop_core::MAX_PRICE`]); `gas.bump_percent ≥ 10`;
    /// `gas.replace_after_secs ≥ 1`; `gas.max_fee_gwei ≥ 1` when set.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let bad = |reason: String| Error::Config { path: origin.to_owned(), reason };
        let core = |field: &str, e: backstop_core::Error| match e {
            backstop_core::Error::InvalidParam { reason, .. } => {
                bad(format!("field `{field}`: {reason}"))
            }
            other => bad(format!("field `{field}`: {other}")),
        };
        check_margin(self.margin).map_err(|e| core("margin", e))?;
        if let PriceConfig::Fixed { price } = self.price {
            check_price("price.price", price).map_err(|e| core("price.price", e))?;
        }
        let g = &self.gas;
        if g.bump_percent < 10 {
            return Err(bad(format!(
                "field `gas.bump_percent`: {} must be at least 10 (nodes refuse a smaller bump)",
                g.bump_percent
            )));
        }
        if g.replace_after_secs == 0 {
            return Err(bad("field `gas.replace_after_secs`: must be at least 1 second".into()));
        }
        if g.max_fee_gwei == Some(0) {
            return Err(bad("field `gas.max_fee_gwei`: must be at least 1 gwei when set".into()));
        }
        Ok(())
    }

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
            waterfall: true,
            pledge: false,
            gas: GasConfig::default(),
            dry_run: false,
            flash: None,
        }
    }

    /// A Dutch keeper without capital: no budget, no price limit; it takes only what `flash`
    /// pays for on the pool.
    pub fn flash_bidder(name: &str, flash: super::FlashConfig) -> Self {
        let mut c = Self::bidder(name, Ray::ZERO, Wad::ZERO);
        c.mechanism = Mechanism::Dutch;
        c.flash = Some(flash);
        c
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
    /// Stablecoin paid for them, WAD (for a flash take: the `owe` the pair's proceeds paid).
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
    /// Stablecoin received from flash takes (the pool's output less `owe`), WAD.
    pub flash_profit: Wad,
    /// Waterfall steps sent (treasury, slash, open and settle a round, socialise).
    pub waterfall_steps: u64,
    /// Raise asset pledged to pledge rounds, WAD (taken back after a failure: see `refunded`).
    pub pledged: Wad,
    /// Pledges paid back by failed rounds, WAD.
    pub refunded: Wad,
    /// Governance tokens claimed from successful rounds, WAD.
    pub pledge_tokens: Wad,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(c: &KeeperConfig) -> String {
        c.validate("k.toml").unwrap_err().to_string()
    }

    #[test]
    fn every_value_is_checked_with_the_field_named() {
        let good = KeeperConfig::bidder("k", "250".parse().unwrap(), "1000".parse().unwrap());
        assert!(good.validate("k.toml").is_ok());
        // margin: [0, 1), as the simulator's bidders.
        let mut c = good.clone();
        c.margin = "0.999999999999999999".parse().unwrap();
        assert!(c.validate("k.toml").is_ok());
        for m in ["1", "1.5"] {
            c.margin = m.parse().unwrap();
            let e = reason(&c);
            assert!(
                e.starts_with("config k.toml: field `margin`: ") && e.contains("below 1"),
                "{e}"
            );
        }
        let mut c = good.clone();
        c.price = PriceConfig::Fixed { price: Ray::ZERO };
        assert!(reason(&c).contains("field `price.price`"), "{}", reason(&c));
        c.price = PriceConfig::Fixed { price: backstop_core::MIN_PRICE };
        assert!(c.validate("k.toml").is_ok());
        let mut c = good.clone();
        c.gas.bump_percent = 9;
        assert!(reason(&c).contains("gas.bump_percent"), "{}", reason(&c));
        c.gas.bump_percent = 10;
        assert!(c.validate("k.toml").is_ok());
        c.gas.replace_after_secs = 0;
        assert!(reason(&c).contains("gas.replace_after_secs"));
        let mut c = good;
        c.gas.max_fee_gwei = Some(0);
        assert!(c.validate("--max-fee-gwei").unwrap_err().to_string().contains("--max-fee-gwei"));
        c.gas.max_fee_gwei = Some(1);
        assert!(c.validate("k.toml").is_ok());
    }

    #[test]
    fn the_poll_interval_is_a_bounded_number_of_seconds() {
        assert_eq!(poll_interval(1.0).unwrap(), Duration::from_secs(1));
        assert!(
            poll_interval(MIN_INTERVAL_SECS).is_ok() && poll_interval(MAX_INTERVAL_SECS).is_ok()
        );
        for bad in [0.0, -1.0, 0.0009, 86_400.5, f64::NAN, f64::INFINITY, 1e300] {
            let e = poll_interval(bad).unwrap_err().to_string();
            assert!(e.starts_with("config --interval: "), "{bad}: {e}");
        }
    }
}
