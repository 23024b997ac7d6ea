//! Anvil management: find the pinned binary, start a node on a free loopback port (automine or a
//! block interval, optionally forking another chain, optionally from a saved state), stop it on drop.
//!
//! The binary is Foundry's Anvil 1.7.1 from the npm package `@foundry-rs/anvil-linux-amd64`, which
//! `scripts/install-tools.sh` installs into the project-local `tools/node_modules`. It is looked up
//! in order: the `ANVIL_BIN` environment variable, that project-local folder, then `PATH`.

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy_primitives::Address;
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// What can go wrong starting Anvil.
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// No Anvil binary where we looked.
    #[error(
        "anvil not found (looked at: {tried}); install the pinned Anvil 1.7.1 with \
         `scripts/install-tools.sh`, or point ANVIL_BIN at an anvil binary"
    )]
    NotFound {
        /// The places looked at, in order.
        tried: String,
    },
    /// The network to fork cannot be reached: Anvil would exit at once with this cause.
    #[error("cannot fork {url}: {reason}")]
    ForkUnreachable {
        /// The fork URL given.
        url: String,
        /// Why (DNS, connection refused, timeout, a malformed URL).
        reason: String,
    },
    /// The binary was found but the node did not start.
    #[error("anvil at {path} did not start: {reason}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// The node-bindings error.
        reason: String,
    },
}

/// The project-local install folder of the npm Anvil package.
fn project_local_anvil() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// Finds the Anvil binary: `ANVIL_BIN`, the project-local install, then `PATH`.
pub fn find_anvil() -> Result<PathBuf, AnvilError> {
    find_anvil_in(
        std::env::var_os("ANVIL_BIN").as_deref(),
        &project_local_anvil(),
        std::env::var_os("PATH").as_deref(),
    )
}

/// [`find_anvil`] with the environment given: `anvil_bin` (`ANVIL_BIN`), the project-local path,
/// and `path` (`PATH`).
pub fn find_anvil_in(
    anvil_bin: Option<&std::ffi::OsStr>,
    local: &Path,
    path: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, AnvilError> {
    let mut tried = Vec::new();
    match anvil_bin {
        Some(p) if Path::new(p).is_file() => return Ok(PathBuf::from(p)),
        Some(p) => tried.push(format!("ANVIL_BIN={}", Path::new(p).display())),
        None => tried.push("ANVIL_BIN (unset)".to_owned()),
    }
    if local.is_file() {
        return Ok(local.canonicalize().unwrap_or_else(|_| local.to_path_buf()));
    }
    tried.push(local.display().to_string());
    for dir in path.map(|p| std::env::split_paths(p).collect::<Vec<_>>()).unwrap_or_default() {
        let p = dir.join("anvil");
        if p.is_file() {
            return Ok(p);
        }
    }
    tried.push("anvil on PATH".to_owned());
    Err(AnvilError::NotFound { tried: tried.join(", ") })
}

/// How to start a node.
#[derive(Debug, Clone, Default)]
pub struct AnvilConfig {
    /// Mine a block every this many seconds instead of one per transaction (automine).
    pub block_time: Option<f64>,
    /// Fork this chain (URL of its JSON-RPC endpoint).
    pub fork_url: Option<String>,
    /// Fork at this block (latest if unset).
    pub fork_block: Option<u64>,
    /// Chain id (31337 if unset, or the forked chain's).
    pub chain_id: Option<u64>,
    /// Listen on this port (a free one if unset).
    pub port: Option<u16>,
    /// Start from a state file written by `anvil --dump-state` (or [`crate::RpcChain::dump_state`]).
    pub load_state: Option<PathBuf>,
    /// Timestamp of the genesis block, seconds.
    pub timestamp: Option<u64>,
    /// Extra command-line arguments.
    pub args: Vec<String>,
    /// Binary to run (found with [`find_anvil`] if unset).
    pub binary: Option<PathBuf>,
}

impl AnvilConfig {
    /// Mine a block every `secs` seconds.
    pub fn block_time(mut self, secs: f64) -> Self {
        self.block_time = Some(secs);
        self
    }
    /// Fork `url` (at `block`, or latest).
    pub fn fork(mut self, url: impl Into<String>, block: Option<u64>) -> Self {
        self.fork_url = Some(url.into());
        self.fork_block = block;
        self
    }
    /// Listen on `port`.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }
    /// Start from a saved state.
    pub fn load_state(mut self, path: impl Into<PathBuf>) -> Self {
        self.load_state = Some(path.into());
        self
    }
    /// Genesis timestamp, seconds.
    pub fn timestamp(mut self, t: u64) -> Self {
        self.timestamp = Some(t);
        self
    }
}

/// A running Anvil; killed when dropped.
#[derive(Debug)]
pub struct AnvilNode {
    instance: AnvilInstance,
    binary: PathBuf,
}

impl AnvilNode {
    /// Starts a node on loopback. Blocking (Anvil starts in about a second).
    pub fn spawn(cfg: &AnvilConfig) -> Result<Self, AnvilError> {
        let binary = match &cfg.binary {
            Some(b) => b.clone(),
            None => find_anvil()?,
        };
        let mut anvil = Anvil::at(&binary).timeout(30_000).arg("--host").arg("127.0.0.1");
        if let Some(p) = cfg.port {
            anvil = anvil.port(p);
        }
        if let Some(b) = cfg.block_time {
            anvil = anvil.block_time_f64(b);
        }
        if let Some(url) = &cfg.fork_url {
            check_fork_url(url)?;
            anvil = anvil.fork(url.clone());
            if let Some(n) = cfg.fork_block {
                anvil = anvil.fork_block_number(n);
            }
        }
        if let Some(id) = cfg.chain_id {
            anvil = anvil.chain_id(id);
        }
        if let Some(path) = &cfg.load_state {
            anvil = anvil.arg("--load-state").arg(path);
        }
        if let Some(t) = cfg.timestamp {
            anvil = anvil.arg("--timestamp").arg(t.to_string());
        }
        anvil = anvil.args(cfg.args.iter());
        let instance = anvil
            .try_spawn()
            .map_err(|e| AnvilError::Spawn { path: binary.clone(), reason: e.to_string() })?;
        Ok(Self { instance, binary })
    }

    /// HTTP endpoint (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        self.instance.endpoint()
    }
    /// WebSocket endpoint (`ws://127.0.0.1:PORT`).
    pub fn ws_endpoint(&self) -> String {
        self.instance.ws_endpoint()
    }
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.instance.port()
    }
    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.instance.chain_id()
    }
    /// The funded, unlocked dev accounts.
    pub fn accounts(&self) -> &[Address] {
        self.instance.addresses()
    }
    /// The dev accounts' private keys (32 bytes each).
    pub fn private_keys(&self) -> Vec<[u8; 32]> {
        self.instance.keys().iter().map(|k| k.to_bytes().into()).collect()
    }
    /// The binary it runs.
    pub fn binary(&self) -> &Path {
        &self.binary
    }
    /// Stops the node now (also done on drop).
    pub fn stop(self) {
        drop(self);
    }
}

/// Connects to the fork URL's host and port (5 s at most) before Anvil is started: an unreachable
/// network is reported at once with its cause, not as a start-up timeout 30 s later.
fn check_fork_url(url: &str) -> Result<(), AnvilError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let bad = |reason: String| AnvilError::ForkUnreachable { url: url.to_owned(), reason };
    let parsed: alloy::transports::http::reqwest::Url =
        url.parse().map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https" | "ws" | "wss") {
        return Err(bad(format!("unsupported scheme `{}`", parsed.scheme())));
    }
    let host = parsed.host_str().ok_or_else(|| bad("no host".into()))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| bad(format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, Duration::from_secs(5)) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(format!("{a}: {e}")),
        }
    }
    Err(bad(last.unwrap_or_else(|| format!("{host} has no address"))))
}

/// Waits until `endpoint` answers `eth_chainId`, up to `timeout`.
pub async fn wait_ready(endpoint: &str, timeout: Duration) -> bool {
    use alloy::providers::{Provider, ProviderBuilder};
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if let Ok(url) = endpoint.parse() {
            let p = ProviderBuilder::new().connect_http(url);
            if p.get_chain_id().await.is_ok() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
