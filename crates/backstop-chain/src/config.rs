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
//!
//! The file's type and its rules are the core's ([`backstop_core::DeploymentParams`], the file
//! the simulator's sweep writes as `best-params.toml`); this module reads it ([`load`],
//! [`from_toml`]).

use crate::{ChainError, Deployment, Result};
use backstop_core::DeploymentParams;
use std::path::Path;

/// A deployment file: the core's [`DeploymentParams`] (the one type the simulator's sweep writes
/// and its `check` reads, with the one validation); read it with [`load`] or [`from_toml`].
pub type DeployConfig = DeploymentParams;

/// Parses a deployment file (TOML) and validates it with [`DeploymentParams::validate`]. Errors
/// are [`ChainError::Config`] naming `origin` and, for syntax and type errors, the line and the
/// field; for a rule, the field's path (`english.beg`, `oracle_price`).
pub fn from_toml(text: &str, origin: &str) -> Result<DeploymentParams> {
    let config = |reason: String| ChainError::Config { path: origin.to_owned(), reason };
    let params: DeploymentParams = toml::from_str(text).map_err(|e| config(e.to_string()))?;
    params.validate().map_err(|e| config(e.to_string()))?;
    Ok(params)
}

/// Reads a deployment file and validates it ([`from_toml`]).
pub fn load(path: &Path) -> Result<DeploymentParams> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ChainError::Config { path: origin.clone(), reason: e.to_string() })?;
    from_toml(&text, &origin)
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
        let c = from_toml(GOOD, "params.toml").unwrap();
        assert_eq!(c.accountant.sump.to_string(), "50000");
        assert_eq!(c.english.beg.to_string(), "1.03");
        assert_eq!(c.dutch, backstop_core::DutchParams::default());
    }

    #[test]
    fn errors_name_the_field() {
        let e = from_toml(&GOOD.replace("\"1.03\"", "\"1.0\""), "p.toml").unwrap_err();
        assert!(e.to_string().contains("beg"), "{e}");
        let e =
            from_toml(&GOOD.replace("sump = \"50000\"", "sump = \"5e4\""), "p.toml").unwrap_err();
        assert!(e.to_string().contains("p.toml") && e.to_string().contains("sump"), "{e}");
        let e = from_toml(&GOOD.replace("[english]", "[english]\nbeeg = 1"), "p.toml").unwrap_err();
        assert!(e.to_string().contains("beeg"), "{e}");
        let e = from_toml(&GOOD.replace("\"50000\"", "\"0.0000000000000000001\""), "p.toml")
            .unwrap_err();
        assert!(e.to_string().contains("sump"), "{e}");
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let e = from_toml(&GOOD.replace("\"200\"", "\"0\""), "p.toml").unwrap_err();
        assert!(e.to_string().contains("p.toml") && e.to_string().contains("oracle_price"), "{e}");
        let e = from_toml(&GOOD.replace("ttl = 21600", "ttl = 0"), "p.toml").unwrap_err();
        assert!(e.to_string().contains("english.ttl"), "{e}");
    }

    #[test]
    fn values_no_auction_can_store_are_refused_before_any_connection() {
        // 2^128 tokens, and 2^128 wei: neither fits an auction's uint128 lot.
        for dump in
            ["340282366920938463463374607431768211456", "340282366920938463463.374607431768211456"]
        {
            let text = GOOD.replace("dump = \"250\"", &format!("dump = \"{dump}\""));
            let e = from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(e.contains("p.toml") && e.contains("accountant.dump"), "{e}");
        }
        // 2^128 − 1 wei is the largest lot: accepted.
        let text =
            GOOD.replace("dump = \"250\"", "dump = \"340282366920938463463.374607431768211455\"");
        assert!(from_toml(&text, "p.toml").is_ok());
        for price in ["0.0000000009", "1e300", "34028236692.093846346337460743176821146"] {
            let text = GOOD.replace("\"200\"", &format!("\"{price}\""));
            let e = from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(e.contains("oracle_price"), "{price}: {e}");
        }
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
