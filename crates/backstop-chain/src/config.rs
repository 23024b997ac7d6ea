//! The deployment file (TOML, human decimals) and the addresses file (JSON).
//!
//! ```toml
//! oracle_price = "200"        # stablecoin per governance token (RAY when on chain)
//! # sink = "0x…"              # where cancelled debt's stablecoin goes (default: the deployer)
//! # stablecoin = "0x…"        # an existing 18-decimal ERC20 (e.g. DAI on a fork); default: deploy one
//!
//! [accountant]
//! wait = 561600               # seconds before queued debt can be auctioned (156 h)
//! sump = "50000"              # stablecoin raised per auction
//! dump = "250"                # governance tokens: English opening lot, Dutch maximum lot
//!
//! [english]                   # optional; dss Flopper defaults
//! beg = "1.03"                # each bid asks for at least 3% fewer tokens
//! pad = "1.2"                 # an unbid restart offers 20% more
//! ttl = 21600                 # seconds a bid lives
//! tau = 259200                # seconds an auction lasts
//!
//! [dutch]                     # optional; dss ETH-A curve defaults
//! calc = "stair-step"         # linear | stair-step | exponential
//! buf = "1.2"                 # start at oracle price × 1.2
//! cut = "0.99"                # × 0.99 …
//! step = 90                   # … every 90 seconds
//! tail = 3600                 # seconds before a reset is needed
//! cusp = "0.6"                # or once the price is below 60% of the start
//! ```

use crate::{ChainError, Deployment, Result};
use alloy_primitives::Address;
use backstop_core::{AccountantParams, DutchParams, EnglishParams, Ray, SystemParams};
use serde::Deserialize;
use std::path::Path;

/// A deployment's parameters as written by people.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployConfig {
    /// Oracle price at deployment: stablecoin per governance token (RAY on chain).
    pub oracle_price: Ray,
    /// Where cancelled debt's stablecoin goes; the deployer if unset.
    #[serde(default)]
    pub sink: Option<Address>,
    /// An existing 18-decimal ERC20 to use as the stablecoin; a fresh `Stablecoin` if unset.
    #[serde(default)]
    pub stablecoin: Option<Address>,
    /// The accountant.
    pub accountant: AccountantParams,
    /// The English house (defaults: dss Flopper's).
    #[serde(default)]
    pub english: EnglishParams,
    /// The Dutch house (defaults: dss ETH-A's curve).
    #[serde(default)]
    pub dutch: DutchParams,
}

impl DeployConfig {
    /// Parses and validates; errors name the file, the line and the field.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let cfg: Self = toml::from_str(text)
            .map_err(|e| ChainError::Config { path: origin.to_owned(), reason: e.to_string() })?;
        cfg.params()
            .validate_all()
            .map_err(|e| ChainError::Config { path: origin.to_owned(), reason: e.to_string() })?;
        if cfg.oracle_price.is_zero() {
            return Err(ChainError::Config {
                path: origin.to_owned(),
                reason: "oracle_price must be above 0".into(),
            });
        }
        Ok(cfg)
    }

    /// Reads a deployment file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ChainError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// The core parameters.
    pub fn params(&self) -> SystemParams {
        SystemParams { accountant: self.accountant, english: self.english, dutch: self.dutch }
    }
}

trait ValidateAll {
    fn validate_all(&self) -> backstop_core::Result<()>;
}

impl ValidateAll for SystemParams {
    fn validate_all(&self) -> backstop_core::Result<()> {
        self.accountant.validate()?;
        self.english.validate()?;
        self.dutch.validate()
    }
}

impl Deployment {
    /// Parses an addresses file; errors name the line, the column and the field.
    pub fn from_json(text: &str, origin: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|e| ChainError::Config { path: origin.to_owned(), reason: e.to_string() })
    }

    /// Reads an addresses file written by [`Self::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ChainError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// Writes the addresses file (pretty JSON).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("addresses serialize");
        std::fs::write(path, format!("{text}\n")).map_err(|e| ChainError::Config {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        oracle_price = "200"
        [accountant]
        wait = 0
        sump = "50000"
        dump = "250"
        [english]
        beg = "1.03"
        pad = "1.2"
        ttl = 21600
        tau = 259200
    "#;

    #[test]
    fn parses_human_decimals() {
        let c = DeployConfig::from_toml(GOOD, "params.toml").unwrap();
        assert_eq!(c.accountant.sump.to_string(), "50000");
        assert_eq!(c.english.beg.to_string(), "1.03");
        assert_eq!(c.dutch, DutchParams::default());
    }

    #[test]
    fn errors_name_the_field() {
        let e =
            DeployConfig::from_toml(&GOOD.replace("\"1.03\"", "\"1.0\""), "p.toml").unwrap_err();
        assert!(e.to_string().contains("beg"), "{e}");
        let e =
            DeployConfig::from_toml(&GOOD.replace("sump = \"50000\"", "sump = \"5e4\""), "p.toml")
                .unwrap_err();
        assert!(e.to_string().contains("p.toml") && e.to_string().contains("sump"), "{e}");
        let e =
            DeployConfig::from_toml(&GOOD.replace("[english]", "[english]\nbeeg = 1"), "p.toml")
                .unwrap_err();
        assert!(e.to_string().contains("beeg"), "{e}");
        let e = DeployConfig::from_toml(
            &GOOD.replace("\"50000\"", "\"0.0000000000000000001\""),
            "p.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("sump"), "{e}");
    }

    #[test]
    fn malformed_addresses_json() {
        let e = Deployment::from_json("{\"chainId\": 1, \"accountant\": \"0x12\"}", "a.json")
            .unwrap_err();
        assert!(e.to_string().contains("a.json") && e.to_string().contains("line 1"), "{e}");
        let e = Deployment::from_json("{", "a.json").unwrap_err();
        assert!(e.to_string().contains("EOF"), "{e}");
    }
}
