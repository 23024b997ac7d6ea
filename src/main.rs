//! `backstop`: deploy a system, attach to one, start the pinned Anvil, run keepers, the demo, the
//! simulator, and chain replays of simulated runs.

use anyhow::{Context, bail};
use backstop::{
    demo::{Funding, Progress, Scenario, run_demo_funded},
    replay::replay_on_chain,
};
use backstop_chain::{
    AnvilConfig, AnvilNode, Deployment, Settlement, deploy_with, live::load_live,
};
use backstop_keeper::{
    keeper::{Keeper, KeeperConfig, Mechanism, RunOptions, poll_interval},
    metrics::{HealthPolicy, MetricsServer},
    operator::{Connection, KEY_ENV, KeySource},
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::{io::Write, sync::Arc, time::Duration};

mod admin;
mod against;

/// Recapitalize a protocol after bad debt with on-chain debt auctions.
#[derive(Debug, Parser)]
#[command(name = "backstop", version, about)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value = "human", env = "BACKSTOP_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// A lending protocol the demo can recapitalize.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Protocol {
    /// Aave v3.0 (`@aave/core-v3` 1.19.3).
    AaveV3,
}

/// The contract set a keeper or `status` attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum ContractSet {
    /// Backstop's contracts (`--deployment`, the file `deploy` writes).
    #[default]
    Backstop,
    /// MakerDAO dss (Vat, Vow, Flopper) and its forks (`--addresses`, a chainlog-style file).
    Dss,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The demo: deploy, book a scenario's bad debt, run competing keepers until it is cleared,
    /// print a report. On the embedded EVM unless --anvil or --fork-url.
    Demo {
        /// The crisis to replay (default: black-thursday; aave-2026 with --waterfall).
        #[arg(long, value_enum)]
        scenario: Option<Scenario>,
        /// Dutch debt auctions instead of English.
        #[arg(long)]
        dutch: bool,
        /// Keepers without capital (needs --dutch): every take is paid by selling the slice on a
        /// Uniswap V2 pair in the same transaction (`@uniswap/v2-core`, installed by
        /// `scripts/install-tools.sh`); an arbitrageur keeps the pair at the oracle price.
        #[arg(long, requires = "dutch", conflicts_with = "protocol")]
        flash: bool,
        /// Run on a local Anvil (the pinned binary) instead of the embedded EVM.
        #[arg(long, conflicts_with = "fork_url")]
        anvil: bool,
        /// Run on an Anvil fork of this network.
        #[arg(long)]
        fork_url: Option<String>,
        /// Fork at this block.
        #[arg(long, requires = "fork_url")]
        fork_block: Option<u64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Stop after this many rounds.
        #[arg(long, default_value_t = 200_000)]
        max_rounds: u64,
        /// Recapitalize a real lending protocol's market instead of booking a scenario's bad
        /// debt: `aave-v3` deploys an Aave v3 market (`@aave/core-v3`, installed by
        /// `scripts/install-tools.sh`), runs a bad-debt event and repays it on the pool; with
        /// --fork-url and --aave-market, recapitalizes an existing market on a fork instead.
        #[arg(long, value_enum, conflicts_with = "scenario")]
        protocol: Option<Protocol>,
        /// With --protocol aave-v3 --fork-url: the existing market's addresses file (JSON:
        /// pool or PoolAddressesProvider, WETH, its variable-debt token, the collector, the
        /// bad-debt accounts; see the README).
        #[arg(long, requires_all = ["protocol", "fork_url"])]
        aave_market: Option<PathBuf>,
        /// Cover the loss layer by layer through a loss waterfall: a built-in (`aave-umbrella`)
        /// or a file with a `[waterfall]` table (`examples/waterfall/`). Deploys the staking
        /// vault, the pledge round and the waterfall; stakers deposit; the keepers run its steps
        /// and bid; the report says who paid what.
        #[arg(long, conflicts_with_all = ["dutch", "flash", "protocol", "fork_url"])]
        waterfall: Option<String>,
    },
    /// Monte Carlo runs of a scenario (built-in name or TOML file): numbers, CSV, JSON, plots.
    Sim(backstop_sim::cli::SimArgs),
    /// Search auction parameters against an objective; write the best as a deployment file;
    /// with --against, compare them with a deployment's and print (or --safe-batch) the calls.
    Sweep {
        #[command(flatten)]
        sweep: backstop_sim::cli::SweepArgs,
        #[command(flatten)]
        against: against::AgainstArgs,
    },
    /// Put the shards of a sharded sim or sweep (`--shard I/N`) back together: exactly the
    /// unsharded run's files.
    Merge(backstop_sim::cli::MergeArgs),
    /// Run the property suite and adversarial scenarios against one parameter set.
    Check(backstop_sim::cli::CheckArgs),
    /// Run a keeper against a deployment: discover, bid within limits, settle.
    Keeper {
        #[command(flatten)]
        conn: ConnArgs,
        /// The contract set: Backstop's (`--deployment`) or dss (`--addresses`).
        #[arg(long, value_enum, default_value = "backstop")]
        protocol: ContractSet,
        /// The addresses file written by `deploy`.
        #[arg(long, short, default_value = "deployment.json")]
        deployment: PathBuf,
        /// With --protocol dss: the chainlog-style addresses file (JSON: MCD_VAT, MCD_VOW,
        /// MCD_FLOP, MCD_GOV, MCD_DAI, MCD_JOIN_DAI; other keys ignored).
        #[arg(long)]
        addresses: Option<PathBuf>,
        /// With --protocol dss: move the keeper's DAI out of the Vat as ERC20 (`all`, or an
        /// amount of DAI) and stop, instead of running.
        #[arg(long)]
        exit: Option<String>,
        /// The keeper's configuration (TOML; see the README).
        #[arg(long, short)]
        config: PathBuf,
        /// Stop once no bad debt is left and no auction runs (or nothing more can happen).
        #[arg(long)]
        until_cleared: bool,
        /// Log what would be sent; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Serve Prometheus metrics (`/metrics`) and a health check (`/healthz`) on this
        /// address (e.g. 127.0.0.1:9100).
        #[arg(long)]
        metrics: Option<std::net::SocketAddr>,
        /// `/healthz` answers 503 when the keeper has seen no new block for this long: seconds
        /// (`60s`) or blocks (`5blocks`, of --block-time seconds each).
        #[arg(long, default_value = "60s", requires = "metrics")]
        healthz_max_age: String,
        /// Seconds per block, for a --healthz-max-age given in blocks.
        #[arg(long, default_value_t = 12.0, requires = "metrics")]
        block_time: f64,
        /// Seconds between steps when the node has no subscriptions (HTTP), 0.001 to 86,400.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Wake on new heads from this WebSocket endpoint (ws(s)://) while requests and
        /// transactions go to --rpc-url: over HTTP each request is ~10 ms faster than over
        /// WebSocket (see the README). Must be the same chain.
        #[arg(long, env = "ETH_WS_URL")]
        ws_url: Option<String>,
        /// Send signed transactions to this private relay (http(s):// or ws(s)://; only
        /// `eth_sendRawTransaction` is asked of it) while reads, nonces, fees and receipts come
        /// from --rpc-url. Needs the keeper's key (env var or keystore). Overrides the config's
        /// `[private] rpc_url`.
        #[arg(long, env = "BACKSTOP_PRIVATE_RPC_URL")]
        private_rpc_url: Option<String>,
        /// Blocks after which a transaction sent to the relay and not yet mined goes to
        /// --rpc-url (the same signed bytes), at least 1; default 3. Overrides the config's
        /// `[private] fallback_blocks`.
        #[arg(long)]
        private_fallback_blocks: Option<u64>,
    },
    /// Deploy and wire a whole system from a parameter file; write the addresses JSON.
    Deploy {
        #[command(flatten)]
        conn: ConnArgs,
        /// Backstop's contracts, or (--protocol dss, a --dev chain only) Backstop's dss-compatible
        /// test contracts (Vat, Vow, Flopper, DaiJoin, DAI, a governance token).
        #[arg(long, value_enum, default_value = "backstop")]
        protocol: ContractSet,
        /// The parameter file (TOML, human decimals; see docs in the README). With --protocol
        /// dss: beg, pad, ttl, tau, wait, sump, dump, notes (dss's defaults where absent).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Where to write the addresses (with --protocol dss: a chainlog-style JSON).
        #[arg(long, short, default_value = "deployment.json")]
        out: PathBuf,
        /// With --protocol dss: book this much bad debt (DAI) as a liquidation would
        /// (`vat.suck` to the Vow, `vow.fess`).
        #[arg(long)]
        book_debt: Option<String>,
        /// With --protocol dss: mint ERC20 DAI to an account (`ADDRESS=DAI`; repeatable).
        #[arg(long)]
        fund: Vec<String>,
    },
    /// Attach to a deployment and print its state: the balance sheet and every live auction.
    Status {
        #[command(flatten)]
        conn: ConnArgs,
        /// The contract set: Backstop's (`--deployment`) or dss (`--addresses`).
        #[arg(long, value_enum, default_value = "backstop")]
        protocol: ContractSet,
        /// The addresses file written by `deploy`.
        #[arg(long, short, default_value = "deployment.json")]
        deployment: PathBuf,
        /// With --protocol dss: the chainlog-style addresses file.
        #[arg(long)]
        addresses: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Replay a simulated run (`run-0.json` from `backstop sim --out`) on a chain: every action at
    /// its own time, bids through the keeper's transaction manager, the model compared with the
    /// contracts after every action and at the end. On the embedded EVM unless --anvil.
    Replay {
        /// The run file (its `log` must be present: `sim` writes it for the runs it saves).
        run: PathBuf,
        /// Replay on a local Anvil (the pinned binary) instead of the embedded EVM.
        #[arg(long)]
        anvil: bool,
    },
    /// Operate a deployment by hand: fess, flog, heal, kiss, file, rely, deny, cage, yank, poke,
    /// mint; on a dev chain (--dev) fund, warp, mine. Checked before sending; --dry-run; or
    /// --safe-batch FILE --safe ADDRESS to write the calls as a Safe Transaction Builder batch.
    Admin(admin::AdminArgs),
    /// Start the pinned Anvil on loopback (optionally forking a network) and wait for Ctrl-C.
    Anvil {
        /// Fork this network's JSON-RPC endpoint.
        #[arg(long)]
        fork_url: Option<String>,
        /// Fork at this block.
        #[arg(long, requires = "fork_url")]
        fork_block: Option<u64>,
        /// Listen on this port (a free one if unset).
        #[arg(long)]
        port: Option<u16>,
        /// Mine every this many seconds instead of on every transaction.
        #[arg(long)]
        block_time: Option<f64>,
        /// Start from a state file (`anvil --dump-state`).
        #[arg(long)]
        load_state: Option<PathBuf>,
    },
}

/// How to reach the chain and sign.
#[derive(Debug, Args)]
struct ConnArgs {
    /// JSON-RPC endpoint, http(s):// or ws(s)://.
    #[arg(long, env = "ETH_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
    /// Read the private key from this environment variable.
    #[arg(long, default_value = KEY_ENV)]
    key_env: String,
    /// Use an encrypted JSON keystore instead (password: BACKSTOP_KEYSTORE_PASSWORD or --password-file).
    #[arg(long, conflicts_with = "key_env")]
    keystore: Option<PathBuf>,
    /// File holding the keystore's password.
    #[arg(long, requires = "keystore")]
    password_file: Option<PathBuf>,
    /// A dev chain (Anvil): allow time control and, without a key, an unlocked account.
    #[arg(long)]
    dev: bool,
    /// Refuse a node whose chain id differs.
    #[arg(long)]
    chain_id: Option<u64>,
    /// Cap on maxFeePerGas, in gwei.
    #[arg(long)]
    max_fee_gwei: Option<u64>,
}

impl ConnArgs {
    /// The connection, with the key from the environment or a keystore; on a `--dev` chain without
    /// a key, the node's unlocked account `dev_index` (0 deploys, 1 keeps: a keeper that paid the
    /// deployer, who is also the default sink, would get its own stablecoin back).
    async fn connection(&self, dev_index: usize, role: &str) -> anyhow::Result<Connection> {
        if self.max_fee_gwei == Some(0) {
            bail!("--max-fee-gwei 0: must be at least 1 gwei (a cap of 0 gets nothing mined)");
        }
        let key = match (&self.keystore, std::env::var_os(&self.key_env)) {
            (Some(path), _) => KeySource::Keystore {
                path: path.clone(),
                password_file: self.password_file.clone(),
            },
            (None, Some(_)) => KeySource::Env(self.key_env.clone()),
            (None, None) if self.dev => {
                // The node's first unlocked account.
                let probe = backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(
                    &self.rpc_url,
                ))
                .await
                .with_context(|| format!("connecting to {}", self.rpc_url))?;
                use alloy::providers::Provider;
                let accounts = probe.provider().get_accounts().await.context("eth_accounts")?;
                let account = *accounts.get(dev_index).with_context(|| {
                    format!(
                        "the dev node has no unlocked account {dev_index} (it has {})",
                        accounts.len()
                    )
                })?;
                eprintln!(
                    "--dev without a key: the {role} is the node's unlocked account {dev_index} ({account}); the deployer is account 0 ({})",
                    accounts[0]
                );
                KeySource::Unlocked(account)
            }
            (None, None) => bail!(
                "no key: set {} (hex private key) or pass --keystore; --dev allows an unlocked account",
                self.key_env
            ),
        };
        Ok(Connection {
            url: self.rpc_url.clone(),
            key,
            chain_id: self.chain_id,
            max_fee_cap: self.max_fee_gwei.map(|g| u128::from(g) * 1_000_000_000),
            dev: self.dev,
        })
    }
}

/// The crates whose logs a bare level in `BACKSTOP_LOG` (`debug`) applies to; dependencies stay at
/// `warn` unless named (`BACKSTOP_LOG=debug,alloy_transport=trace`).
const OUR_CRATES: [&str; 6] = [
    "backstop",
    "backstop_core",
    "backstop_chain",
    "backstop_keeper",
    "backstop_sim",
    "backstop_cli",
];

/// A filter directive list: a bare level becomes that level for our crates and `warn` elsewhere.
fn log_directives(spec: &str) -> String {
    let levels = ["trace", "debug", "info", "warn", "error", "off"];
    spec.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            if levels.contains(&d.to_ascii_lowercase().as_str()) {
                let ours: Vec<String> = OUR_CRATES.iter().map(|c| format!("{c}={d}")).collect();
                format!("warn,{}", ours.join(","))
            } else {
                d.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn init_logs(format: LogFormat, default: &str) {
    use std::io::IsTerminal;
    let spec = std::env::var("BACKSTOP_LOG").unwrap_or_else(|_| default.to_owned());
    let filter = tracing_subscriber::EnvFilter::try_new(log_directives(&spec))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_directives(default)));
    // Colour only on a terminal: a log file gets no escape codes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM, whichever comes first.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Errors are printed as one line with their causes (`error: what: why`), exit status 1; no
/// backtrace for an operator's mistake, whatever `RUST_BACKTRACE` says.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The demo prints a report: only warnings in the log unless asked.
    let quiet = matches!(cli.command, Command::Demo { .. });
    init_logs(cli.log_format, if quiet { "warn" } else { "info" });
    match cli.command {
        // The simulator is CPU-bound (rayon): off the async runtime.
        Command::Sim(args) => {
            tokio::task::spawn_blocking(move || args.run()).await??;
        }
        Command::Sweep { sweep, against } => {
            // Everything --against needs is checked and read before the sweep runs.
            let against = against.prepare(&sweep).await?;
            let output = tokio::task::spawn_blocking(move || sweep.run()).await??;
            // No valid and feasible point: exit 1, with each point's reason.
            output.require_best()?;
            // `--against` conflicts with `--shard` (clap), so a proposal always has the full sweep.
            if let (Some(a), Some(report)) = (against, output.full()) {
                a.propose(&report).await?;
            }
        }
        Command::Merge(args) => {
            let merged = tokio::task::spawn_blocking(move || args.run()).await??;
            // A merged sweep without a valid and feasible point exits 1, as the sweep would.
            if let Some(report) = merged.sweep() {
                report.require_best()?;
            }
        }
        Command::Check(args) => {
            let report = tokio::task::spawn_blocking(move || args.run()).await??;
            if !report.all_held() {
                bail!("some properties are broken");
            }
        }
        Command::Demo {
            protocol: Some(Protocol::AaveV3),
            dutch,
            anvil,
            fork_url,
            fork_block,
            json,
            max_rounds,
            aave_market,
            ..
        } => {
            let mechanism = if dutch { Mechanism::Dutch } else { Mechanism::English };
            match (fork_url, aave_market) {
                (Some(url), Some(file)) => {
                    aave_fork(url, fork_block, &file, mechanism, json, max_rounds).await?
                }
                (Some(_), None) => bail!(
                    "--fork-url with --protocol aave-v3 needs --aave-market FILE (the existing \
                     market's addresses; see the README)"
                ),
                _ => aave_demo(anvil, mechanism, json, max_rounds).await?,
            }
        }
        Command::Demo { scenario, anvil, json, max_rounds, waterfall: Some(name), .. } => {
            waterfall_demo(name, scenario.unwrap_or(Scenario::Aave2026), anvil, json, max_rounds)
                .await?
        }
        Command::Demo {
            scenario,
            dutch,
            anvil,
            fork_url,
            fork_block,
            json,
            max_rounds,
            protocol: None,
            aave_market: _,
            flash,
            waterfall: None,
        } => {
            let scenario = scenario.unwrap_or(Scenario::BlackThursday);
            let mechanism = if dutch { Mechanism::Dutch } else { Mechanism::English };
            let funding = if flash { Funding::Flash } else { Funding::Capital };
            let show = show_progress;
            let report = if anvil || fork_url.is_some() {
                let mut cfg = AnvilConfig::default();
                match &fork_url {
                    Some(url) => cfg = cfg.fork(url.clone(), fork_block),
                    None => cfg = cfg.timestamp(backstop::demo::DEMO_START),
                }
                let node = AnvilNode::spawn(&cfg)?;
                let chain = backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(
                    node.endpoint(),
                ))
                .await?;
                backstop::demo::pin_anvil_clock(&chain).await?;
                let label = match &fork_url {
                    Some(u) => format!("Anvil fork of {u}"),
                    None => format!("Anvil {}", node.endpoint()),
                };
                run_demo_funded(
                    Arc::new(chain),
                    label,
                    scenario,
                    mechanism,
                    funding,
                    max_rounds,
                    show,
                )
                .await?
            } else {
                let chain = backstop_chain::EmbeddedEvm::new(backstop::demo::DEMO_START);
                run_demo_funded(
                    Arc::new(chain),
                    "embedded EVM".into(),
                    scenario,
                    mechanism,
                    funding,
                    max_rounds,
                    show,
                )
                .await?
            };
            eprintln!();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            if !report.debt_left.is_zero() {
                bail!("bad debt left: {}", report.debt_left);
            }
        }
        Command::Keeper {
            conn,
            protocol,
            deployment,
            addresses,
            exit,
            config,
            until_cleared,
            dry_run,
            metrics,
            healthz_max_age,
            block_time,
            interval,
            ws_url,
            private_rpc_url,
            private_fallback_blocks,
        } => {
            if let Some(url) = &ws_url
                && !(url.starts_with("ws://") || url.starts_with("wss://"))
            {
                bail!("--ws-url {url}: expected a ws:// or wss:// URL");
            }
            let interval = poll_interval(interval)?;
            let health = HealthPolicy::parse(&healthz_max_age, block_time)?;
            // Bound before connecting: a taken or foreign address is an error up front.
            let metrics = match metrics {
                Some(addr) => Some(
                    MetricsServer::bind(addr, health)
                        .await
                        .with_context(|| format!("--metrics {addr}"))?,
                ),
                None => None,
            };
            let text =
                std::fs::read_to_string(&config).with_context(|| config.display().to_string())?;
            let mut cfg: KeeperConfig =
                toml::from_str(&text).with_context(|| format!("{}", config.display()))?;
            // Every value checked before connecting (`margin` in [0, 1), as the simulator's).
            cfg.validate(&config.display().to_string())?;
            cfg.dry_run |= dry_run;
            // The flag overrides the file's `[gas] max_fee_gwei`.
            if let Some(g) = conn.max_fee_gwei {
                cfg.gas.max_fee_gwei = Some(g);
            }
            // The flags override the file's `[private]` table, and are checked the same way.
            if let Some(url) = private_rpc_url {
                cfg.private.rpc_url = Some(url);
                cfg.validate("--private-rpc-url")?;
            }
            if let Some(n) = private_fallback_blocks {
                cfg.private.fallback_blocks = n;
                cfg.validate("--private-fallback-blocks")?;
            }
            if let Some(url) = &cfg.private.rpc_url
                && url.trim_end_matches('/') == conn.rpc_url.trim_end_matches('/')
            {
                bail!(
                    "the private relay {} is --rpc-url: give the relay's own endpoint",
                    backstop_chain::rpc::endpoint_of(url)
                );
            }
            let run = KeeperRun { until_cleared, interval, metrics, ws_url };
            match protocol {
                ContractSet::Backstop => {
                    if addresses.is_some() || exit.is_some() {
                        bail!("--addresses and --exit are for --protocol dss");
                    }
                    let d = Deployment::load(&deployment)?;
                    let conn = conn.connection(1, "keeper").await?;
                    check_private_key(&cfg, &conn)?;
                    let (chain, me) = conn.open().await?;
                    if chain.chain_id() != d.chain_id {
                        bail!(
                            "{} is for chain {}, the node is chain {}",
                            deployment.display(),
                            d.chain_id,
                            chain.chain_id()
                        );
                    }
                    run_keeper(Arc::new(chain), d, me, cfg, run).await?;
                }
                ContractSet::Dss => {
                    let d = load_dss(addresses.as_deref())?;
                    check_dss_keeper(&cfg, &config)?;
                    // The exit amount is read before connecting.
                    let exit = match exit.as_deref() {
                        None => None,
                        Some("all") => Some(None),
                        Some(x) => Some(Some(x.parse::<backstop_core::Wad>().map_err(|e| {
                            anyhow::anyhow!("--exit {x}: expected `all` or an amount of DAI: {e}")
                        })?)),
                    };
                    let conn = conn.connection(1, "keeper").await?;
                    check_private_key(&cfg, &conn)?;
                    let (chain, me) = conn.open().await?;
                    match exit {
                        Some(amount) => dss_exit(&chain, &d, me, amount).await?,
                        None => run_keeper(Arc::new(chain), d, me, cfg, run).await?,
                    }
                }
            }
        }
        Command::Deploy { conn, protocol: ContractSet::Dss, config, out, book_debt, fund } => {
            deploy_dss_cmd(&conn, config.as_deref(), &out, book_debt.as_deref(), &fund).await?;
        }
        Command::Deploy { conn, protocol: ContractSet::Backstop, config, out, book_debt, fund } => {
            if book_debt.is_some() || !fund.is_empty() {
                bail!("--book-debt and --fund are for --protocol dss (use `backstop admin` here)");
            }
            let config = config.context("--config FILE is required (the parameter file)")?;
            let cfg = backstop_chain::config::load(&config)?;
            let (chain, from) = conn.connection(0, "deployer").await?.open().await?;
            tracing::info!(deployer = %from, chain_id = chain.chain_id(), "deploying");
            let d = deploy_with(&chain, from, &cfg).await.context("deploying")?;
            d.save(&out)?;
            println!("deployed on chain {}: addresses in {}", d.chain_id, out.display());
            println!("{}", serde_json::to_string_pretty(&d)?);
        }
        Command::Status { conn, protocol, deployment, addresses, json } => {
            // Reading needs no key.
            let cfg = backstop_chain::RpcConfig {
                dev: conn.dev,
                expect_chain_id: conn.chain_id,
                ..backstop_chain::RpcConfig::dev(&conn.rpc_url)
            };
            if protocol == ContractSet::Dss {
                let d = load_dss(addresses.as_deref())?;
                let chain = backstop_chain::RpcChain::connect(cfg).await?;
                let live = load_live(&chain, &d).await.context("reading the dss deployment")?;
                return print_status(&live, None, json);
            }
            let d = Deployment::load(&deployment)?;
            let chain = backstop_chain::RpcChain::connect(cfg).await?;
            if chain.chain_id() != d.chain_id {
                bail!(
                    "{} was deployed on chain {}, the node at {} is chain {}",
                    deployment.display(),
                    d.chain_id,
                    conn.rpc_url,
                    chain.chain_id()
                );
            }
            let live = load_live(&chain, &d).await?;
            // A deployment over an Aave pool: its bad debt measured on the pool as well.
            let aave = match backstop_chain::aave::AaveBackstop::from_deployment(d) {
                Some(a) => Some(
                    backstop_chain::aave::AaveStatus::read(&chain, &a)
                        .await
                        .context("reading the Aave pool, book and sink")?,
                ),
                None => None,
            };
            print_status(&live, aave.as_ref(), json)?;
        }
        Command::Replay { run, anvil } => {
            let text = std::fs::read_to_string(&run).with_context(|| run.display().to_string())?;
            let parsed: backstop_sim::Run = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a run file", run.display()))?;
            let log = parsed.log.with_context(|| {
                format!("{}: the run has no action log (save it with `sim --out`)", run.display())
            })?;
            let start = log.actions.first().map_or(0, |a| a.at);
            let report = if anvil {
                let node = AnvilNode::spawn(&AnvilConfig {
                    timestamp: Some(start),
                    ..AnvilConfig::default()
                })?;
                let chain = backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(
                    node.endpoint(),
                ))
                .await?;
                replay_on_chain(chain, &log).await?
            } else {
                replay_on_chain(backstop_chain::EmbeddedEvm::new(start), &log).await?
            };
            println!(
                "replayed {} actions ({} bids through the keeper's transaction manager): the chain agrees with the model after every action and at the end",
                report.actions, report.bids
            );
        }
        Command::Admin(args) => args.run().await?,
        Command::Anvil { fork_url, fork_block, port, block_time, load_state } => {
            let cfg = AnvilConfig {
                fork_url,
                fork_block,
                port,
                block_time,
                load_state,
                ..AnvilConfig::default()
            };
            let node = AnvilNode::spawn(&cfg)?;
            println!(
                "anvil {} on {} (ws {})",
                node.binary().display(),
                node.endpoint(),
                node.ws_endpoint()
            );
            println!("chain id {}; unlocked accounts:", node.chain_id());
            for a in node.accounts() {
                println!("  {a}");
            }
            tokio::signal::ctrl_c().await?;
        }
    }
    Ok(())
}

fn print_status(
    live: &backstop_chain::live::LiveState,
    aave: Option<&backstop_chain::aave::AaveStatus>,
    json: bool,
) -> anyhow::Result<()> {
    let sys = &live.system;
    let a = &sys.accountant;
    if json {
        let english: Vec<_> = sys
            .english
            .auctions()
            .map(|(id, x)| serde_json::json!({"id": id, "auction": x}))
            .collect();
        let dutch: Vec<_> =
            sys.dutch.sales().map(|(id, x)| serde_json::json!({"id": id, "sale": x})).collect();
        let mut out = serde_json::json!({
            "block": live.block,
            "timestamp": live.timestamp,
            "debt": a.debt(), "queued": a.sin_total(), "onAuction": a.ash(), "free": a.woe(),
            "surplus": sys.surplus(), "oraclePrice": sys.oracle.price,
            "oraclePoked": sys.oracle.zzz, "oracleStale": sys.oracle.is_stale(live.timestamp),
            "rewardBudget": sys.dutch.budget(),
            "params": {"accountant": a.params, "english": sys.english.params, "dutch": sys.dutch.params, "oracle": sys.oracle.params},
            "english": english, "dutch": dutch,
        });
        if let Some(x) = aave {
            out["aave"] = serde_json::to_value(x)?;
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("block {} (timestamp {})", live.block, live.timestamp);
    println!(
        "bad debt      {} (queued {}, on auction {}, free {})",
        a.debt(),
        a.sin_total(),
        a.ash(),
        a.woe()
    );
    println!("surplus       {}", sys.surplus());
    if let Some(x) = aave {
        let w = |v: alloy_primitives::U256| backstop::aave_demo::weth(v, 6);
        println!("Aave pool {} (raise asset {}), block {}", x.pool, x.asset, x.block);
        println!(
            "  on the pool   {} wei debt of {} booked accounts ({} with zero collateral: {} bad debt)",
            x.debt_wei, x.accounts, x.zero_collateral, x.bad_debt_wei
        );
        println!("                = {} (bad debt {})", w(x.debt_wei), w(x.bad_debt_wei));
        println!("  booked        {} ({} wei; book {})", w(x.booked_wei), x.booked_wei, x.book);
        println!("  on auction    {} (Ash)", w(x.on_auction_wei));
        println!(
            "  sink {}: received {}, repaid {}, holds {}, returned {} (unapplied {}, outstanding {})",
            x.sink,
            w(x.sink_received_wei),
            w(x.repaid_wei),
            w(x.held_wei),
            w(x.returned_wei),
            w(x.unapplied_wei),
            w(x.outstanding_wei)
        );
    }
    let o = &sys.oracle;
    if sys.english.rules() == backstop_core::Rules::Dss {
        println!("rules         dss (deal and tick one second after tic or end; no oracle)");
    } else {
        println!(
            "oracle price  {} stablecoin per token (poked at {}, {} s ago; maximum age {} s{})",
            o.price,
            o.zzz,
            live.timestamp.saturating_sub(o.zzz),
            o.params.age,
            if o.is_stale(live.timestamp) {
                ": STALE, no Dutch start or reset until a poke"
            } else {
                ""
            }
        );
    }
    println!("auction size  sump {} stablecoin, dump {} tokens", a.params.sump, a.params.dump);
    let mut english: Vec<_> = sys.english.auctions().collect();
    english.sort_by_key(|(id, _)| *id);
    println!("English auctions live: {}", english.len());
    for (id, x) in english {
        let price = x.implied_price().map(|p| p.to_string()).unwrap_or_else(|_| "-".into());
        println!(
            "  #{id}: {} tokens for {} (price {price}), high bidder {}, bid ends {}, auction ends {}",
            x.lot, x.bid, x.guy, x.tic, x.end
        );
    }
    let mut dutch: Vec<_> = sys.dutch.sales().map(|(id, _)| id).collect();
    dutch.sort_unstable();
    println!("Dutch sales live: {}", dutch.len());
    for id in dutch {
        let st = sys.dutch.status(id, live.timestamp)?;
        println!(
            "  #{id}: tab {} lot {} price {}{}",
            st.tab,
            st.lot,
            st.price,
            if st.needs_redo { " (needs redo)" } else { "" }
        );
    }
    Ok(())
}

/// How `backstop keeper` runs once attached.
struct KeeperRun {
    until_cleared: bool,
    interval: Duration,
    metrics: Option<MetricsServer>,
    ws_url: Option<String>,
}

/// Attaches a keeper through `adapter` (retrying while the node drops requests) and runs it
/// until Ctrl-C, SIGTERM or, with `--until-cleared`, the end; prints its summary.
async fn run_keeper<A: backstop_chain::Adapter>(
    chain: Arc<backstop_chain::RpcChain>,
    adapter: A,
    me: alloy_primitives::Address,
    cfg: KeeperConfig,
    run: KeeperRun,
) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    // Attaching reads every live auction: a node that drops requests is waited for (with
    // backoff, Ctrl-C and SIGTERM honoured); a wrong deployment is an error at once.
    let mut backoff = Duration::from_millis(200);
    let mut keeper = loop {
        match Keeper::start(chain.clone(), adapter.clone(), me, cfg.clone()).await {
            Ok(k) => break k,
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %backstop_keeper::ErrorChain(&e), retry_in = ?backoff, "attach failed; retrying");
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
            Err(e) => return Err(e).context("attaching to the deployment"),
        }
    };
    if let Some(server) = run.metrics {
        tokio::spawn(server.serve(keeper.metrics()));
    }
    // New heads from --ws-url when given (a read-only connection, checked to be the same
    // chain), else from --rpc-url when it is a WebSocket, else none (poll).
    let heads = match &run.ws_url {
        None => chain.clone(),
        Some(url) => {
            let cfg = backstop_chain::RpcConfig {
                dev: false,
                expect_chain_id: Some(chain.chain_id()),
                ..backstop_chain::RpcConfig::dev(url.clone())
            };
            let ws = backstop_chain::RpcChain::connect(cfg)
                .await
                .with_context(|| format!("--ws-url {url}"))?;
            Arc::new(ws)
        }
    };
    let opts = RunOptions {
        until_cleared: run.until_cleared,
        interval: run.interval,
        ..RunOptions::default()
    };
    let end = keeper.run(&opts, Some(heads), &mut shutdown).await;
    tracing::info!(keeper = %keeper.cfg.name, ?end, "stopped");
    let s = &keeper.stats;
    println!(
        "keeper {} ({}, {} contracts): {}",
        keeper.cfg.name,
        keeper.account(),
        keeper.adapter().name(),
        if keeper.is_cleared() { "bad debt cleared" } else { "stopped" }
    );
    println!(
        "  auctions seen {}, bids sent {} ({} standing at start), won {}, lost {}",
        s.auctions_seen, s.bids_sent, s.standing_at_start, s.won, s.lost
    );
    println!(
        "  tokens bought {}, stablecoin spent {}, P&L at limit {}",
        s.tokens,
        s.spent,
        s.pnl_display()
    );
    println!(
        "  transactions {}, gas {} ({} wei), replacements {}, held back by a gas cap {}",
        s.txs,
        s.gas_used,
        keeper.gas_paid(),
        keeper.replacements(),
        s.gas_capped
    );
    let tx = keeper.tx();
    if let Some(p) = tx.private() {
        println!(
            "  private relay {}: {} sent, {} fell back to the public node after {} blocks, {} refused by the relay",
            backstop_chain::RawRelay::endpoint(&*p.relay),
            tx.private_sent,
            tx.fallbacks,
            p.fallback_blocks,
            tx.relay_failures
        );
    }
    Ok(())
}

/// Private submission signs here: a keeper running as an unlocked dev account has no key to sign
/// with.
fn check_private_key(cfg: &KeeperConfig, conn: &Connection) -> anyhow::Result<()> {
    if cfg.private.rpc_url.is_some() && matches!(conn.key, KeySource::Unlocked(_)) {
        bail!(
            "--private-rpc-url needs the keeper's key ({KEY_ENV} or --keystore): the relay takes signed transactions only, and an unlocked dev account cannot sign here"
        );
    }
    Ok(())
}

/// The dss addresses of `--addresses`, read and checked before anything connects.
fn load_dss(path: Option<&std::path::Path>) -> anyhow::Result<backstop_chain::dss::DssDeployment> {
    let path = path.context(
        "--protocol dss needs --addresses FILE (a chainlog-style JSON: MCD_VAT, MCD_VOW, MCD_FLOP, MCD_GOV, MCD_DAI, MCD_JOIN_DAI)",
    )?;
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(backstop_chain::dss::DssDeployment::from_chainlog(&path.display().to_string(), &text)?)
}

/// What a keeper configuration cannot ask of dss: a price from the deployment's oracle (dss has
/// none for its governance token), Dutch auctions, flash takes.
fn check_dss_keeper(cfg: &KeeperConfig, path: &std::path::Path) -> anyhow::Result<()> {
    let file = path.display();
    if cfg.price == backstop_keeper::price::PriceConfig::Oracle && cfg.bid {
        bail!(
            "{file}: field `price.source`: dss has no on-chain price of its governance token; use `fixed` or `command`"
        );
    }
    if cfg.mechanism != Mechanism::English {
        bail!("{file}: field `mechanism`: dss has English debt auctions (Flopper) only");
    }
    if cfg.flash.is_some() {
        bail!("{file}: section `[keeper.flash]`: flash takes need a Dutch house; dss has none");
    }
    Ok(())
}

/// `backstop keeper --protocol dss --exit`: moves the keeper's internal DAI out as ERC20.
async fn dss_exit(
    chain: &backstop_chain::RpcChain,
    d: &backstop_chain::dss::DssDeployment,
    me: alloy_primitives::Address,
    amount: Option<backstop_core::Wad>,
) -> anyhow::Result<()> {
    use backstop_chain::Adapter;
    let calls = d.exit_calls(chain, me, amount).await?;
    if calls.is_empty() {
        println!("{me} holds no whole DAI in the Vat: nothing to exit");
        return Ok(());
    }
    for call in calls {
        let receipt = chain.send(call.tx(me)).await.context("sending the exit")?;
        if !receipt.status {
            let data = receipt.revert_data.unwrap_or_default();
            let e = backstop_chain::ChainError::RevertedRaw { what: "exit".into(), data };
            return Err(d.decode_error_of(&call.data, e).into());
        }
    }
    println!(
        "{me}: {} DAI in the Vat, {} ERC20 DAI",
        backstop_chain::dss::floor_wad(d.vat_dai(chain, me).await?),
        d.dai_balance(chain, me).await?
    );
    Ok(())
}

/// `backstop deploy --protocol dss`: the dss-compatible test contracts on a dev chain, the
/// debt booked and the accounts funded; writes a chainlog-style addresses file. Every value is
/// checked before anything is sent.
async fn deploy_dss_cmd(
    conn: &ConnArgs,
    config: Option<&std::path::Path>,
    out: &std::path::Path,
    book_debt: Option<&str>,
    fund: &[String],
) -> anyhow::Result<()> {
    use backstop_chain::dss::deploy::{DssParams, deploy_dss};
    use backstop_core::Wad;
    if !conn.dev {
        bail!(
            "--protocol dss deploys test contracts (their deployer can mint DAI): on a --dev chain only"
        );
    }
    let params: DssParams = match config {
        None => DssParams::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct File {
                dss: DssParams,
            }
            let f: File = toml::from_str(&text).with_context(|| path.display().to_string())?;
            f.dss
        }
    };
    let amount = |what: &str, s: &str| -> anyhow::Result<Wad> {
        s.parse::<Wad>().map_err(|e| anyhow::anyhow!("{what} {s}: not an amount of DAI: {e}"))
    };
    let debt = book_debt.map(|s| amount("--book-debt", s)).transpose()?;
    let mut funds = Vec::new();
    for f in fund {
        let (who, how_much) =
            f.split_once('=').with_context(|| format!("--fund {f}: expected ADDRESS=DAI"))?;
        let who: alloy_primitives::Address =
            who.parse().with_context(|| format!("--fund {f}: {who} is not an address"))?;
        funds.push((who, amount("--fund", how_much)?));
    }
    let (chain, from) = conn.connection(0, "deployer").await?.open().await?;
    let d = deploy_dss(&chain, from, &params).await.context("deploying the dss test contracts")?;
    let mut calls = Vec::new();
    if let Some(tab) = debt {
        calls.extend(d.book_debt_calls(tab, from)?);
    }
    for (who, x) in &funds {
        calls.extend(d.mint_dai_calls(*who, *x)?);
    }
    for call in calls {
        let receipt = chain.send(call.tx(from)).await?;
        if !receipt.status {
            bail!("a set-up call to {} reverted", call.to);
        }
    }
    let text = serde_json::to_string_pretty(&d.to_chainlog())?;
    std::fs::write(out, format!("{text}\n")).with_context(|| out.display().to_string())?;
    println!(
        "deployed the dss test contracts on chain {}: addresses in {}",
        chain.chain_id(),
        out.display()
    );
    println!("{text}");
    Ok(())
}

/// A demo's progress line on stderr, every 25 rounds.
fn show_progress(p: &Progress) {
    if p.rounds % 25 == 1 {
        eprint!(
            "\r  round {:>6}  auctions {:>4} (live {:>3})  bad debt left {:>16}   ",
            p.rounds,
            p.auctions,
            p.live,
            format!("{:.2}", p.debt_left.to_string().parse::<f64>().unwrap_or(0.0))
        );
        let _ = std::io::stderr().flush();
    }
}

/// `backstop demo --waterfall NAME|FILE`: the file is checked before anything runs.
async fn waterfall_demo(
    name: String,
    scenario: Scenario,
    anvil: bool,
    json: bool,
    max_rounds: u64,
) -> anyhow::Result<()> {
    use backstop::waterfall_demo::{load_waterfall, run_waterfall_demo};
    let cfg = load_waterfall(&name)?;
    let show = show_progress;
    let report = if anvil {
        let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(backstop::demo::DEMO_START))?;
        let chain =
            backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(node.endpoint()))
                .await?;
        backstop::demo::pin_anvil_clock(&chain).await?;
        let label = format!("Anvil {}", node.endpoint());
        run_waterfall_demo(Arc::new(chain), label, scenario, name, cfg, max_rounds, show).await?
    } else {
        let chain = backstop_chain::EmbeddedEvm::new(backstop::demo::DEMO_START);
        let label = "embedded EVM".to_owned();
        run_waterfall_demo(Arc::new(chain), label, scenario, name, cfg, max_rounds, show).await?
    };
    eprintln!();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}

/// The Aave demo's progress line on stderr.
fn aave_progress(p: &Progress) {
    if p.rounds % 25 == 1 {
        eprint!("\r  round {:>6}  auctions {:>4} (live {:>3})   ", p.rounds, p.auctions, p.live);
        let _ = std::io::stderr().flush();
    }
}

/// Prints the Aave report; an error if debt is left or a supplier could not withdraw in full.
fn aave_verdict(report: &backstop::aave_demo::AaveDemoReport, json: bool) -> anyhow::Result<()> {
    eprintln!();
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{report}");
    }
    if !report.debt_after_wei.is_zero() || !report.accountant_debt_wei.is_zero() {
        bail!("bad debt left on the pool: {} wei", report.debt_after_wei);
    }
    if report.withdrawals.iter().any(|w| w.1 != w.2) {
        bail!("a WETH supplier could not withdraw in full");
    }
    Ok(())
}

/// `backstop demo --protocol aave-v3 --fork-url URL --aave-market FILE`: the file is read before
/// Anvil starts, the market checked on the fork before anything is sent.
async fn aave_fork(
    url: String,
    fork_block: Option<u64>,
    file: &std::path::Path,
    mechanism: Mechanism,
    json: bool,
    max_rounds: u64,
) -> anyhow::Result<()> {
    use backstop::aave_demo::AaveRecapParams;
    use backstop_chain::aave::{AaveForkFile, check_fork_market};
    let addresses = AaveForkFile::load(file)?;
    let node = AnvilNode::spawn(&AnvilConfig::default().fork(url.clone(), fork_block))?;
    let chain =
        backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(node.endpoint())).await?;
    let market = check_fork_market(&chain, file, &addresses).await?;
    backstop::demo::pin_anvil_clock(&chain).await?;
    let params = AaveRecapParams { mechanism, ..Default::default() };
    let label = format!("Anvil fork of {url}");
    let report = backstop::aave_fork::run_aave_fork_recap(
        Arc::new(chain),
        label,
        &market,
        params,
        max_rounds,
        aave_progress,
    )
    .await?;
    aave_verdict(&report, json)
}

/// `backstop demo --protocol aave-v3`.
async fn aave_demo(
    anvil: bool,
    mechanism: Mechanism,
    json: bool,
    max_rounds: u64,
) -> anyhow::Result<()> {
    use backstop::aave_demo::{AAVE_START, AaveRecapParams, run_aave_demo};
    // Before anything starts: the package's absence is an error naming the install script.
    let core = backstop_chain::aave::AaveCore::locate()?;
    let params = AaveRecapParams { mechanism, ..Default::default() };
    let show = aave_progress;
    let report = if anvil {
        let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(AAVE_START))?;
        let chain =
            backstop_chain::RpcChain::connect(backstop_chain::RpcConfig::dev(node.endpoint()))
                .await?;
        backstop::demo::pin_anvil_clock(&chain).await?;
        let label = format!("Anvil {}", node.endpoint());
        run_aave_demo(Arc::new(chain), label, &core, params, max_rounds, show).await?
    } else {
        let chain = backstop_chain::EmbeddedEvm::new(AAVE_START);
        run_aave_demo(Arc::new(chain), "embedded EVM".into(), &core, params, max_rounds, show)
            .await?
    };
    aave_verdict(&report, json)
}
