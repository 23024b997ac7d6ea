//! Where a keeper's valuation of the governance token comes from: the deployment's oracle, a fixed
//! price, or an external model process per auction (MakerDAO auction-keeper's convention: the
//! keeper writes one JSON line of auction status to the model's stdin whenever the auction changes;
//! the model answers lines `{"price": "<stablecoin per token>"}` on stdout; stderr goes to the log).

use backstop_core::Ray;
use serde::{Deserialize, Serialize};
use std::{collections::HashMap, sync::Arc};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
    sync::Mutex,
};

/// The configured price source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PriceConfig {
    /// The deployment's `PriceOracle`.
    Oracle,
    /// A fixed price, stablecoin per token.
    Fixed {
        /// Stablecoin per token (RAY on chain).
        price: Ray,
    },
    /// An external command per auction (`sh -c <command>`).
    Command {
        /// The command line.
        command: String,
    },
}

/// What the keeper tells a model about an auction (one JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct AuctionStatus {
    /// `"english"`, `"dutch"` or `"pledge"` (a waterfall's pledge round: `bid` is the raise
    /// asset still wanted, `lot` the tokens it buys at `price`, `end` the round's deadline).
    pub kind: &'static str,
    /// Auction id.
    pub id: u64,
    /// English: the raise; Dutch: the tab left (stablecoin).
    pub bid: String,
    /// Tokens on offer.
    pub lot: String,
    /// English: current high bidder.
    pub guy: Option<String>,
    /// English: bid expiry; Dutch: start.
    pub tic: u64,
    /// English: auction expiry.
    pub end: Option<u64>,
    /// The current price: English, the price the current lot implies; Dutch, the sale's price.
    pub price: String,
    /// The oracle price.
    pub oracle: String,
    /// The block timestamp.
    pub now: u64,
}

struct Model {
    _child: Child,
    stdin: ChildStdin,
    latest: Arc<Mutex<Option<Ray>>>,
}

/// A live price source.
pub struct PriceSource {
    cfg: PriceConfig,
    models: HashMap<(&'static str, u64), Model>,
}

impl std::fmt::Debug for PriceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PriceSource")
            .field("cfg", &self.cfg)
            .field("models", &self.models.len())
            .finish()
    }
}

impl PriceSource {
    /// A source from its configuration.
    pub fn new(cfg: PriceConfig) -> Self {
        Self { cfg, models: HashMap::new() }
    }

    /// The valuation for an auction (stablecoin per token), `None` while a model has not answered.
    pub async fn price(&mut self, status: &AuctionStatus, oracle: Ray) -> Option<Ray> {
        match &self.cfg {
            PriceConfig::Oracle => Some(oracle),
            PriceConfig::Fixed { price } => Some(*price),
            PriceConfig::Command { command } => {
                let key = (status.kind, status.id);
                if let std::collections::hash_map::Entry::Vacant(slot) = self.models.entry(key) {
                    match spawn_model(command) {
                        Ok(m) => {
                            slot.insert(m);
                        }
                        Err(e) => {
                            tracing::error!(%command, error = %e, "cannot start the price model");
                            return None;
                        }
                    }
                }
                let model = self.models.get_mut(&key)?;
                let line = serde_json::to_string(status).ok()? + "\n";
                if model.stdin.write_all(line.as_bytes()).await.is_err() {
                    // The model died: start a new one next time.
                    tracing::warn!(id = status.id, "price model exited; restarting it");
                    self.models.remove(&key);
                    return None;
                }
                let _ = model.stdin.flush().await;
                *model.latest.lock().await
            }
        }
    }

    /// Stops the model of an auction that ended.
    pub fn forget(&mut self, dutch: bool, id: u64) {
        self.models.remove(&(if dutch { "dutch" } else { "english" }, id));
    }
}

fn spawn_model(command: &str) -> std::io::Result<Model> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?;
    let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
    let latest = Arc::new(Mutex::new(None));
    let sink = latest.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            #[derive(Deserialize)]
            struct Answer {
                price: Ray,
            }
            match serde_json::from_str::<Answer>(&line) {
                Ok(a) => *sink.lock().await = Some(a.price),
                Err(e) => {
                    tracing::warn!(%line, error = %e, "price model answered something else than {{\"price\": …}}")
                }
            }
        }
    });
    Ok(Model { _child: child, stdin, latest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> AuctionStatus {
        AuctionStatus {
            kind: "english",
            id: 1,
            bid: "50000".into(),
            lot: "250".into(),
            guy: None,
            tic: 0,
            end: Some(100),
            price: "200".into(),
            oracle: "250".into(),
            now: 1,
        }
    }

    #[tokio::test]
    async fn command_model_answers_per_auction() {
        // A model that values the token at 90% of the oracle price it is told.
        let cmd = r#"while read -r line; do o=$(printf '%s' "$line" | sed 's/.*"oracle":"\([0-9.]*\)".*/\1/'); awk -v o="$o" 'BEGIN { printf "{\"price\": \"%s\"}\n", o * 0.9 }'; done"#;
        let mut src = PriceSource::new(PriceConfig::Command { command: cmd.into() });
        let mut got = None;
        for _ in 0..100 {
            got = src.price(&status(), "250".parse().unwrap()).await;
            if got.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(got, Some("225".parse().unwrap()));
    }

    #[tokio::test]
    async fn fixed_and_oracle() {
        let mut f = PriceSource::new(PriceConfig::Fixed { price: "7".parse().unwrap() });
        assert_eq!(f.price(&status(), Ray::ONE).await, Some("7".parse().unwrap()));
        let mut o = PriceSource::new(PriceConfig::Oracle);
        assert_eq!(o.price(&status(), Ray::ONE).await, Some(Ray::ONE));
    }
}
