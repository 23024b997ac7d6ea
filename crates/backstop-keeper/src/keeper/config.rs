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
    /// Cap on the gas of the transactions about one auction (bids, takes, deals, ticks, resets),
    /// native token (ether: 18 decimals, the raw value is wei), > 0 when set. A bid or take that
    /// could take the auction's total above it is not sent; each transaction counts at
    /// `gas limit × maxFeePerGas` while in flight and at what it paid once mined.
    pub max_spend_per_auction: Option<Wad>,
    /// Cap on the gas of the transactions sent in the last hour of chain time (block timestamps,
    /// a rolling window of 3,600 s), native token (ether), > 0 when set; counted as
    /// `max_spend_per_auction`, and stops every kind of transaction.
    pub max_spend_per_hour: Option<Wad>,
    /// The native token's price, stablecoin per native token (WAD), for the P&L lines: with it
    /// they also state the gas in stablecoin and the profit after gas.
    pub native_price: Option<Wad>,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self {
            max_fee_gwei: None,
            bump_percent: 13,
            replace_after_secs: 30,
            max_spend_per_auction: None,
            max_spend_per_hour: None,
            native_price: None,
        }
    }
}

impl GasConfig {
    /// The spending caps in wei.
    pub fn caps(&self) -> crate::tx::GasCaps {
        let wei = |w: Option<Wad>| w.map(|w| w.raw().saturating_to::<u128>());
        crate::tx::GasCaps {
            per_auction: wei(self.max_spend_per_auction),
            per_hour: wei(self.max_spend_per_hour),
        }
    }
}

/// The default [`PrivateConfig::fallback_blocks`]: 3 blocks, 36 s on Ethereum mainnet, about the
/// default `gas.replace_after_secs` (30 s). A relay that has not had a transaction included by
/// then (no builder took the bundle) is unlikely to: the public mempool is the faster way in.
pub const DEFAULT_FALLBACK_BLOCKS: u64 = 3;

/// Private submission: signed transactions go to a relay instead of the public node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivateConfig {
    /// The relay's JSON-RPC endpoint (`http(s)://` or `ws(s)://`; only ever sent
    /// `eth_sendRawTransaction`); none: everything goes to the public node (`--rpc-url`).
    pub rpc_url: Option<String>,
    /// Blocks (≥ 1) after its first private send at which a transaction still not mined is sent
    /// to the public node, the same signed bytes.
    pub fallback_blocks: u64,
}

impl Default for PrivateConfig {
    fn default() -> Self {
        Self { rpc_url: None, fallback_blocks: DEFAULT_FALLBACK_BLOCKS }
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
    /// Private submission (`[private]`).
    #[serde(default)]
    pub private: PrivateConfig,
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
        for (field, v) in [
            ("gas.max_spend_per_auction", g.max_spend_per_auction),
            ("gas.max_spend_per_hour", g.max_spend_per_hour),
            ("gas.native_price", g.native_price),
        ] {
            if v.is_some_and(|v| v.is_zero()) {
                return Err(bad(format!(
                    "field `{field}`: must be above 0 when set (leave it out for none)"
                )));
            }
        }
        let p = &self.private;
        if p.fallback_blocks == 0 {
            return Err(bad("field `private.fallback_blocks`: must be at least 1 block".into()));
        }
        if let Some(url) = &p.rpc_url
            && !["http://", "https://", "ws://", "wss://"].iter().any(|s| url.starts_with(s))
        {
            return Err(bad(format!(
                "field `private.rpc_url`: {} is not an http(s):// or ws(s):// URL",
                backstop_chain::rpc::endpoint_of(url)
            )));
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
            private: PrivateConfig::default(),
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
    /// Transactions held back by a gas spending cap (once per auction, or per step for the
    /// hourly cap on other transactions, while the cap binds).
    pub gas_capped: u64,
}

/// What one auction brought a keeper: one JSON line in its log when the auction ends
/// ([`super::Keeper::closed`]). Only auctions it sent a transaction about or bought from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuctionPnl {
    /// The auction.
    pub auction: crate::tx::AuctionKey,
    /// `won` (it bought tokens), `lost` (it bid or took but bought nothing), `settled` (it only
    /// settled: deal, tick, reset).
    pub outcome: &'static str,
    /// Bids and takes sent.
    pub bids: u64,
    /// Its transactions about the auction that were mined (reverted ones included).
    pub txs: u64,
    /// Governance tokens bought, WAD.
    pub tokens: Wad,
    /// Stablecoin paid for them, WAD.
    pub paid: Wad,
    /// The tokens at the oracle's price when each was bought, stablecoin WAD.
    pub value: Wad,
    /// Gas used by those transactions, gas units.
    pub gas_used: u64,
    /// What that gas cost, wei of the native token.
    pub gas_wei: u128,
}

impl AuctionPnl {
    /// Nothing yet, for `auction`.
    pub fn new(auction: crate::tx::AuctionKey) -> Self {
        Self {
            auction,
            outcome: "settled",
            bids: 0,
            txs: 0,
            tokens: Wad::ZERO,
            paid: Wad::ZERO,
            value: Wad::ZERO,
            gas_used: 0,
            gas_wei: 0,
        }
    }

    /// `value − paid`, stablecoin WAD, signed: (is it a loss, its size).
    pub fn profit(&self) -> (bool, Wad) {
        signed_sub(self.value, self.paid)
    }

    /// The gas in stablecoin at `native_price` (stablecoin per native token, WAD).
    pub fn gas_in_stablecoin(&self, native_price: Wad) -> Wad {
        let gas = Wad::from_raw(alloy_primitives::U256::from(self.gas_wei));
        gas.wmul(native_price).unwrap_or(Wad::from_raw(alloy_primitives::U256::MAX))
    }
}

/// `a − b` as (negative, magnitude).
pub(crate) fn signed_sub(a: Wad, b: Wad) -> (bool, Wad) {
    if a >= b { (false, a.saturating_sub(b)) } else { (true, b.saturating_sub(a)) }
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
    fn caps_and_private_submission_are_checked_with_the_field_named() {
        let good = KeeperConfig::bidder("k", "250".parse().unwrap(), "1000".parse().unwrap());
        assert_eq!(good.private.fallback_blocks, DEFAULT_FALLBACK_BLOCKS);
        assert_eq!(good.gas.caps(), crate::tx::GasCaps::default());
        let mut c = good.clone();
        c.gas.max_spend_per_auction = Some("0.05".parse().unwrap());
        c.gas.max_spend_per_hour = Some("0.2".parse().unwrap());
        assert!(c.validate("k.toml").is_ok());
        // Ether as WAD: the raw value is wei.
        let caps = c.gas.caps();
        assert_eq!(caps.per_auction, Some(50_000_000_000_000_000));
        assert_eq!(caps.per_hour, Some(200_000_000_000_000_000));
        for field in ["max_spend_per_auction", "max_spend_per_hour", "native_price"] {
            let mut c = good.clone();
            let zero = Some(Wad::ZERO);
            match field {
                "max_spend_per_auction" => c.gas.max_spend_per_auction = zero,
                "max_spend_per_hour" => c.gas.max_spend_per_hour = zero,
                _ => c.gas.native_price = zero,
            }
            let e = reason(&c);
            assert!(e.contains(&format!("field `gas.{field}`: must be above 0")), "{e}");
        }
        let mut c = good.clone();
        c.private.fallback_blocks = 0;
        let e = c.validate("--private-fallback-blocks").unwrap_err().to_string();
        assert!(e.starts_with("config --private-fallback-blocks: field `private.fallback_blocks`"));
        let mut c = good;
        c.private.rpc_url = Some("https://relay.example/key?token=secret".into());
        assert!(c.validate("k.toml").is_ok());
        c.private.rpc_url = Some("ftp://user:secret@relay.example/path".into());
        let e = reason(&c);
        assert!(e.contains("field `private.rpc_url`: ftp://relay.example is not"), "{e}");
        assert!(!e.contains("secret"), "the URL's credentials were shown: {e}");
    }

    /// The keys as the TOML file names them (through serde: the same attributes as the file's
    /// parser sees).
    #[test]
    fn the_keys_parse() {
        let c: KeeperConfig = serde_json::from_value(serde_json::json!({
            "budget": "1000",
            "gas": {
                "max_spend_per_auction": "0.01",
                "max_spend_per_hour": "0.1",
                "native_price": "3000"
            },
            "private": { "rpc_url": "https://rpc.flashbots.net/fast", "fallback_blocks": 5 }
        }))
        .unwrap();
        assert_eq!(c.gas.caps().per_auction, Some(10_000_000_000_000_000));
        assert_eq!(c.gas.caps().per_hour, Some(100_000_000_000_000_000));
        assert_eq!(c.private.fallback_blocks, 5);
        assert!(c.validate("k.toml").is_ok());
        let e = serde_json::from_value::<KeeperConfig>(
            serde_json::json!({ "budget": "1", "private": { "fallback": 5 } }),
        );
        assert!(e.unwrap_err().to_string().contains("unknown field `fallback`"));
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
