//! The loss waterfall in a scenario: the layers that cover bad debt before, besides or instead
//! of the debt auctions, and the people who make them pay — or not.
//!
//! ```text
//!   [waterfall]   the layers and their rules: backstop_core::waterfall::WaterfallConfig, the
//!                 same table as a waterfall file (examples/waterfall/*.toml), inline or by path
//!   [[stakers]]   groups who deposit in the staking vault at t = 0; once a loss is booked each
//!                 starts its cooldown with a probability after a delay, and (exit = true)
//!                 redeems everything when its unstake window opens, unless the vault is paused
//!   [[pledgers]]  a coalition of holders: when a pledge round opens, each looks after a delay
//!                 and pledges its capital if the round's price is at most max_price × the
//!                 market; it claims its tokens after a success, takes its pledge back after a
//!                 failure
//!   [governance]  pauses the vault (no slash, no exit) after a delay from the first booking,
//!                 with a probability, for a duration
//!   [revenue]     surplus flowing into the accountant (the treasury) every `every` seconds:
//!                 the treasury layer heals the debt as it comes (a Sky-style buffer)
//! ```
//!
//! With a waterfall, debt is booked through it (`Book`), and every step a layer takes is an
//! `Action` applied to the [`backstop_core::System`] with the waterfall attached, so the model's
//! ledger ([`backstop_core::waterfall::Covered`]) says to the wei who paid:
//! `booked = treasury + slashed + pledged + auctioned + socialised + outstanding`.
//!
//! Amounts are WAD of the stablecoin (the raise asset), human decimals in the file; times are
//! seconds; probabilities and price multiples plain floats. Every field is validated before
//! anything runs, and an error names it (`stakers[1].cooldown_probability`,
//! `waterfall.staking.window`).

use crate::{
    error::{Result, SimError},
    limits::{MAX_INSTALMENTS, MAX_PLEDGER_LOOKS, MAX_PLEDGERS, MAX_STAKERS},
    scenario::Scenario,
};
use backstop_core::{
    Error as CoreError, MAX_DURATION, Wad,
    deployment::check_amount,
    waterfall::{Layer, WaterfallConfig},
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{
    Deserialize, Deserializer, Serialize,
    de::{self, MapAccess, Visitor, value::MapAccessDeserializer},
};
use std::{fmt, path::PathBuf};

/// Seconds per day.
pub const DAY: u64 = 86_400;

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_recheck() -> u64 {
    3_600
}
fn default_every() -> u64 {
    DAY
}

/// Where a scenario's waterfall comes from: a `[waterfall]` table in the scenario, or
/// `waterfall = "path.toml"`, a waterfall file (a `[waterfall]` table, as
/// `examples/waterfall/*.toml`) relative to the scenario file. A loaded scenario always holds the
/// table: the file is read when the scenario is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum WaterfallSource {
    /// A waterfall file, relative to the scenario file (resolved at load).
    File(PathBuf),
    /// The layers and their rules.
    Inline(Box<WaterfallConfig>),
}

impl<'de> Deserialize<'de> for WaterfallSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WaterfallSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [waterfall] table or the path of a waterfall file")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> core::result::Result<Self::Value, E> {
                Ok(WaterfallSource::File(v.into()))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> core::result::Result<Self::Value, A::Error> {
                // Through the map itself, so that toml's errors keep their line and field.
                WaterfallConfig::deserialize(MapAccessDeserializer::new(map))
                    .map(|c| WaterfallSource::Inline(Box::new(c)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A delay drawn per agent and event, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DelaySpec {
    /// Always `seconds`.
    Fixed {
        /// Seconds.
        seconds: u64,
    },
    /// Uniform on `[min, max]` seconds (whole seconds).
    Uniform {
        /// Seconds.
        min: u64,
        /// Seconds, `≥ min`.
        max: u64,
    },
    /// Exponential with mean `mean` seconds (rounded to a whole second).
    Exponential {
        /// Seconds.
        mean: u64,
    },
}

impl DelaySpec {
    /// One draw, seconds.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> u64 {
        match *self {
            Self::Fixed { seconds } => seconds,
            Self::Uniform { min, max } => rng.random_range(min..=max),
            Self::Exponential { mean } => {
                let e: f64 = rng.sample(rand_distr::Exp1);
                (mean as f64 * e).round() as u64
            }
        }
    }

    /// The mean, seconds.
    pub fn mean(&self) -> f64 {
        match *self {
            Self::Fixed { seconds } => seconds as f64,
            Self::Uniform { min, max } => (min as f64 + max as f64) / 2.0,
            Self::Exponential { mean } => mean as f64,
        }
    }

    fn validate(&self, field: &str, bad: &dyn Fn(&str, &str) -> SimError) -> Result<()> {
        let (lo, hi) = match *self {
            Self::Fixed { seconds } => (seconds, seconds),
            Self::Uniform { min, max } => (min, max),
            Self::Exponential { mean } => (mean, mean),
        };
        if lo > hi {
            return Err(bad(&format!("{field}.max"), "must be at least min"));
        }
        if hi > MAX_DURATION {
            return Err(bad(field, "must be at most 315,360,000 seconds (10 years)"));
        }
        Ok(())
    }
}

/// A group of stakers (`[[stakers]]`): each deposits `stake` in the staking vault at `t = 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakerSpec {
    /// Label in reports.
    #[serde(default)]
    pub name: String,
    /// Stakers in the group. `≥ 1`; at most 1,000 over all groups.
    #[serde(default = "one")]
    pub count: u32,
    /// Stablecoin each deposits at `t = 0`, WAD. `> 0`.
    pub stake: Wad,
    /// Chance that a staker starts its cooldown once the first loss is booked, in `[0, 1]`.
    #[serde(default)]
    pub cooldown_probability: f64,
    /// Delay from the first booking to its `cooldown()`, seconds.
    #[serde(default = "DelaySpec::immediate")]
    pub delay: DelaySpec,
    /// Redeems everything when its unstake window opens (unless the vault is paused then; it
    /// waits for the unpause, and after a missed window cools down again). `false`: it only
    /// starts the cooldown.
    #[serde(default = "yes")]
    pub exit: bool,
}

impl DelaySpec {
    fn immediate() -> Self {
        Self::Fixed { seconds: 0 }
    }
}

/// A group of pledgers (`[[pledgers]]`): holders with stablecoin who may pledge to a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PledgerSpec {
    /// Label in reports.
    #[serde(default)]
    pub name: String,
    /// Pledgers in the group. `≥ 1`; at most 1,000 over all groups.
    #[serde(default = "one")]
    pub count: u32,
    /// Stablecoin each holds and may pledge, WAD (minted to it at `t = 0`). `> 0`.
    pub capital: Wad,
    /// The largest round price it pledges at, as a multiple of the market price (`0.92`: it
    /// wants at least 8% below the market). `> 0`.
    pub max_price: f64,
    /// Standard deviation of that multiple, drawn once per pledger and run. `≥ 0`.
    #[serde(default)]
    pub spread: f64,
    /// Delay from a round's opening (or success, or end) to its look, seconds.
    #[serde(default = "DelaySpec::immediate")]
    pub delay: DelaySpec,
    /// While a round is open and too dear, it looks again every `recheck` seconds. `> 0`.
    #[serde(default = "default_recheck")]
    pub recheck: u64,
}

/// Governance's pause of the staking vault (`[governance]`): a pause blocks both slashing and
/// stakers' exits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSpec {
    /// Chance governance pauses the vault in a run, in `[0, 1]`.
    pub probability: f64,
    /// Delay from the first booking to the pause transaction, seconds.
    pub after: DelaySpec,
    /// Seconds from the pause landing to the unpause transaction; 0: never unpaused.
    #[serde(default)]
    pub duration: u64,
}

/// Surplus flowing into the accountant (`[revenue]`): the protocol's income, which the treasury
/// layer heals debt with as it comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevenueSpec {
    /// Stablecoin per day, WAD. `> 0`.
    pub per_day: Wad,
    /// Paid in instalments every `every` seconds, each `⌊per_day · every / 86400⌋`. `> 0`.
    #[serde(default = "default_every")]
    pub every: u64,
    /// The first instalment lands at `from + every` seconds.
    #[serde(default)]
    pub from: u64,
    /// No instalment after `until` seconds (default: the horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
}

impl RevenueSpec {
    /// One instalment, WAD: `⌊per_day · every / 86400⌋`.
    pub fn instalment(&self) -> Wad {
        let x = self.per_day.raw().saturating_mul(alloy_primitives::U256::from(self.every));
        Wad::from_raw(x / alloy_primitives::U256::from(DAY))
    }
}

/// The field a core waterfall error names, in the file's terms (`waterfall.staking.window`).
pub fn waterfall_field(e: &CoreError) -> String {
    match e {
        CoreError::InvalidParam { what, .. } => match what.as_str() {
            "window" | "cooldown" => format!("waterfall.staking.{what}"),
            "maxSlash" => "waterfall.staking.max_slash".into(),
            "discount" | "duration" => format!("waterfall.pledge.{what}"),
            other => format!("waterfall.{other}"),
        },
        _ => "waterfall".into(),
    }
}

impl Scenario {
    /// The scenario's waterfall, if it has one (a loaded scenario has read its file).
    pub fn waterfall_config(&self) -> Option<&WaterfallConfig> {
        match &self.waterfall {
            Some(WaterfallSource::Inline(c)) => Some(c),
            _ => None,
        }
    }

    /// True if the scenario's waterfall has `layer`.
    pub fn has_layer(&self, layer: Layer) -> bool {
        self.waterfall_config().is_some_and(|c| c.order.contains(&layer))
    }

    /// Stakers over all groups.
    pub fn staker_count(&self) -> usize {
        self.stakers.iter().map(|s| s.count as usize).sum()
    }

    /// Pledgers over all groups.
    pub fn pledger_count(&self) -> usize {
        self.pledgers.iter().map(|p| p.count as usize).sum()
    }

    /// The waterfall's rules, its agents and the revenue stream (see the module's docs); the
    /// error names the field.
    pub(crate) fn validate_cover(&self, bad: &dyn Fn(&str, &str) -> SimError) -> Result<()> {
        let amount = |field: &str, w: Wad| {
            check_amount(field, w).map_err(|e| match e {
                CoreError::InvalidParam { reason, .. } => bad(field, &reason),
                other => bad(field, &other.to_string()),
            })
        };
        let probability = |field: &str, x: f64| {
            if x.is_finite() && (0.0..=1.0).contains(&x) {
                Ok(())
            } else {
                Err(bad(field, "must be a probability in [0, 1]"))
            }
        };
        let cfg = match &self.waterfall {
            None => {
                let needs = |field: &str, what: &str| {
                    Err(bad(field, &format!("needs a [waterfall] with {what}")))
                };
                if !self.stakers.is_empty() {
                    return needs("stakers", "the staking layer");
                }
                if !self.pledgers.is_empty() {
                    return needs("pledgers", "the pledge layer");
                }
                if self.governance.is_some() {
                    return needs("governance", "the staking layer (it pauses the vault)");
                }
                if self.revenue.is_some() {
                    return needs("revenue", "the treasury layer (it heals with the revenue)");
                }
                return Ok(());
            }
            Some(WaterfallSource::File(p)) => {
                return Err(bad(
                    "waterfall",
                    &format!(
                        "the file {} is read when the scenario is loaded (Scenario::load or \
                         from_toml)",
                        p.display()
                    ),
                ));
            }
            Some(WaterfallSource::Inline(c)) => c,
        };
        if let Err(e) = cfg.build() {
            let reason = match &e {
                CoreError::InvalidParam { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            return Err(bad(&waterfall_field(&e), &reason));
        }
        amount("waterfall.offset", cfg.offset)?;
        if cfg.slash_interval > MAX_DURATION {
            return Err(bad("waterfall.slash_interval", "must be at most 315,360,000 seconds"));
        }
        if cfg.deadline > MAX_DURATION {
            return Err(bad("waterfall.deadline", "must be at most 315,360,000 seconds"));
        }
        if let Some(p) = &cfg.pledge {
            amount("waterfall.pledge.min_target", p.min_target)?;
        }
        let has = |l: Layer| cfg.order.contains(&l);
        if !self.debt.treasury.is_zero() && !has(Layer::Treasury) {
            return Err(bad(
                "debt.treasury",
                "the waterfall has no treasury layer: nothing would pay with it (add \
                 \"treasury\" to waterfall.order, or set the treasury to 0)",
            ));
        }
        if let Some(r) = &self.revenue {
            if !has(Layer::Treasury) {
                return Err(bad(
                    "revenue",
                    "needs the treasury layer in waterfall.order (it heals with the revenue)",
                ));
            }
            if r.per_day.is_zero() {
                return Err(bad("revenue.per_day", "must be above 0"));
            }
            amount("revenue.per_day", r.per_day)?;
            if r.every == 0 {
                return Err(bad("revenue.every", "must be above 0"));
            }
            if r.instalment().is_zero() {
                return Err(bad("revenue.every", "each instalment would be 0 wei"));
            }
            if r.from >= self.horizon {
                return Err(bad("revenue.from", "must be before the horizon"));
            }
            let until = r.until.unwrap_or(self.horizon).min(self.horizon);
            if until <= r.from {
                return Err(bad("revenue.until", "must be after `from`"));
            }
            let n = (until - r.from) / r.every;
            if n > MAX_INSTALMENTS {
                return Err(bad(
                    "revenue.every",
                    &format!(
                        "{} s makes {n} instalments from {} to {until} s; a run takes at most \
                         {MAX_INSTALMENTS}",
                        r.every, r.from
                    ),
                ));
            }
        }
        if !self.stakers.is_empty() && !has(Layer::Staking) {
            return Err(bad("stakers", "need the staking layer in waterfall.order"));
        }
        let mut total = 0u64;
        for (i, s) in self.stakers.iter().enumerate() {
            let f = |name: &str| format!("stakers[{i}].{name}");
            if s.count == 0 {
                return Err(bad(&f("count"), "must be at least 1"));
            }
            total += u64::from(s.count);
            if total > MAX_STAKERS {
                return Err(bad(
                    &f("count"),
                    &format!(
                        "brings the stakers to {total}; at most {MAX_STAKERS} over all groups"
                    ),
                ));
            }
            if s.stake.is_zero() {
                return Err(bad(&f("stake"), "must be above 0"));
            }
            amount(&f("stake"), s.stake)?;
            probability(&f("cooldown_probability"), s.cooldown_probability)?;
            s.delay.validate(&f("delay"), bad)?;
        }
        if !self.pledgers.is_empty() && !has(Layer::Pledge) {
            return Err(bad("pledgers", "need the pledge layer in waterfall.order"));
        }
        let (mut total, mut looks) = (0u64, 0u64);
        let duration = cfg.pledge.map_or(0, |p| p.duration);
        for (i, p) in self.pledgers.iter().enumerate() {
            let f = |name: &str| format!("pledgers[{i}].{name}");
            if p.count == 0 {
                return Err(bad(&f("count"), "must be at least 1"));
            }
            total += u64::from(p.count);
            if total > MAX_PLEDGERS {
                return Err(bad(
                    &f("count"),
                    &format!(
                        "brings the pledgers to {total}; at most {MAX_PLEDGERS} over all groups"
                    ),
                ));
            }
            if p.capital.is_zero() {
                return Err(bad(&f("capital"), "must be above 0"));
            }
            amount(&f("capital"), p.capital)?;
            if !(p.max_price.is_finite() && p.max_price > 0.0) {
                return Err(bad(&f("max_price"), "must be a multiple of the market price above 0"));
            }
            if !(p.spread.is_finite() && p.spread >= 0.0) {
                return Err(bad(&f("spread"), "must be a number ≥ 0"));
            }
            p.delay.validate(&f("delay"), bad)?;
            if p.recheck == 0 {
                return Err(bad(&f("recheck"), "must be above 0"));
            }
            looks = looks
                .saturating_add(u64::from(p.count).saturating_mul(duration.div_ceil(p.recheck)));
            if looks > MAX_PLEDGER_LOOKS {
                return Err(bad(
                    &f("recheck"),
                    &format!(
                        "pledgers looking every {} s through a round of {duration} s make \
                         {looks} looks per round; a run makes at most {MAX_PLEDGER_LOOKS}",
                        p.recheck
                    ),
                ));
            }
        }
        if let Some(g) = &self.governance {
            if !has(Layer::Staking) {
                return Err(bad("governance", "pauses the vault: needs the staking layer"));
            }
            probability("governance.probability", g.probability)?;
            g.after.validate("governance.after", bad)?;
            if g.duration > MAX_DURATION {
                return Err(bad("governance.duration", "must be at most 315,360,000 seconds"));
            }
        }
        Ok(())
    }
}
