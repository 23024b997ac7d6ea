//! `backstop sweep … --against deployment.json`: the sweep's best parameters against a live
//! deployment's, and the calls that change one into the other.
//!
//! ```text
//!   before the sweep: every --param is a contract parameter? ─► --safe-batch path writable?
//!       ─► deployment file ─► node (same chain) ─► live parameters (load_live)
//!   the sweep runs ─► best-params.toml ─► per parameter: current, proposed
//!       ─► the differing ones as `file` actions ─► ordered so each is valid where it is applied
//!       ─► admin's Session: checked by the core's rules, printed, or batched for a Safe
//! ```
//!
//! A deployment file carries addresses only, so the current parameters are read from the chain.
//! The compared parameters are the accountant's, the English house's and the Dutch house's: every
//! one of them is set by the contract's `file(what, data)`. The scenario's `oracle` is its price
//! feed's model (a lag), not the oracle contract's bounds, and a sweep's `oracle_price` is its
//! market's starting price: neither is proposed. A swept parameter that no contract call sets
//! (`market.*`, `bidders[i].*`, `network.*`, `debt.*`, `oracle.*`) is refused before the sweep
//! runs. Every parameter the sweep's best point holds is compared, swept or not: the sweep
//! evaluated the scenario's values for the others, and those are what its best point stands for.
//!
//! The calls are built by the same [`Session`] as `backstop admin file` (one code path): each
//! `file` is checked against the model at the chain's time in the order proposed; some orders are
//! invalid (raising `ttl` above the current `tau` before raising `tau`), so the changes are
//! ordered greedily: the first still-pending change the model accepts goes next. Without
//! `--safe-batch` the calls are printed and nothing is sent; with it, the Safe must be a ward of
//! each contract changed and the calls are written as its batch.

use crate::admin::{Mode, SafeArgs, Session, parse_setting, read_only};
use anyhow::{Context, bail};
use backstop_chain::Deployment;
use backstop_core::{Action, DeploymentParams, System, Timestamp};
use backstop_sim::{
    cli::SweepArgs,
    sweep::{Axis, SweepReport},
};
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

/// The sections of a deployment the sweep can propose (a contract's `file` sets each field).
const SECTIONS: [&str; 3] = ["accountant", "english", "dutch"];

/// `--against`: compare the sweep's best parameters with a deployment's.
#[derive(Debug, Args)]
pub(crate) struct AgainstArgs {
    /// After the sweep, compare its best parameters with this deployment's (the addresses file
    /// `deploy` writes; its parameters are read from the chain at --rpc-url) and print, per
    /// parameter, the current and the proposed value and the calls that change one into the
    /// other. Nothing is sent. Not with --shard: one shard has no best point (compare after
    /// `backstop merge`, from its `best-params.toml`, with `admin file`).
    #[arg(long, value_name = "DEPLOYMENT", conflicts_with = "shard")]
    against: Option<PathBuf>,
    /// With --against: the deployment's JSON-RPC endpoint.
    #[arg(long, env = "ETH_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
    #[command(flatten)]
    safe: SafeArgs,
}

/// Everything `--against` needs, checked and read before the sweep runs.
pub(crate) struct Against {
    session: Session,
    path: PathBuf,
    swept: Vec<String>,
}

impl AgainstArgs {
    /// Checks the flags, the swept parameters, the batch path and the deployment, and reads the
    /// deployment's parameters, all before the sweep runs; `None` without `--against`.
    pub(crate) async fn prepare(&self, sweep: &SweepArgs) -> anyhow::Result<Option<Against>> {
        let Some(path) = &self.against else {
            if self.safe.safe_batch.is_some() {
                bail!(
                    "--safe-batch needs --against DEPLOYMENT: the batch holds the calls that change \
                     that deployment's parameters into the sweep's best"
                );
            }
            return Ok(None);
        };
        let swept = contract_paths(&sweep.params)?;
        let batch = self.safe.batch(&format!("backstop sweep {} --against", sweep.scenario))?;
        let d = Deployment::load(path)?;
        let chain = read_only(&self.rpc_url, None, false).await?;
        let session = match batch {
            Some(b) => Session::attach(chain, path, d, b.safe(), Mode::Batch(b)).await?,
            // No sender: the calls are printed for whoever holds the authority.
            None => Session::attach(chain, path, d, d.deployer, Mode::Propose(0))
                .await?
                .without_ward_checks(),
        };
        Ok(Some(Against { session, path: path.clone(), swept }))
    }
}

impl Against {
    /// Prints the comparison and the calls (or writes them as a Safe batch).
    pub(crate) async fn propose(mut self, report: &SweepReport) -> anyhow::Result<()> {
        let best = report
            .files
            .iter()
            .find(|p| p.file_name().is_some_and(|n| n == "best-params.toml"))
            .context("the sweep wrote no best-params.toml: no best point to compare")?;
        let text = std::fs::read_to_string(best).with_context(|| best.display().to_string())?;
        let proposed: DeploymentParams =
            toml::from_str(&text).with_context(|| best.display().to_string())?;
        let live = &self.session.live;
        let rows = compare(&live.system, &proposed)?;
        println!(
            "against {} (chain {}, block {}): the sweep's best parameters and the deployment's",
            self.path.display(),
            self.session.d.chain_id,
            live.block
        );
        println!("  {:<22} {:>28} {:>28}", "parameter", "current", "proposed");
        for r in &rows {
            let mark = match (r.current != r.proposed, self.swept.contains(&r.path)) {
                (true, true) => "  changes (swept)",
                (true, false) => "  changes (the scenario's value)",
                (false, true) => "  (swept)",
                (false, false) => "",
            };
            println!("  {:<22} {:>28} {:>28}{mark}", r.path, r.current, r.proposed);
        }
        let changes: Vec<Action> = rows
            .iter()
            .filter(|r| r.current != r.proposed)
            .map(|r| {
                parse_setting(&format!("{}={}", r.path, r.proposed)).map_err(|e| {
                    anyhow::anyhow!("{}: no call sets the proposed value: {e}", r.path)
                })
            })
            .collect::<anyhow::Result<_>>()?;
        if changes.is_empty() {
            println!("every parameter is already the proposed one: no call");
            return self.session.finish();
        }
        let ordered = order(&live.system, live.timestamp, changes)?;
        println!("{} parameter(s) differ; the calls, in order:", ordered.len());
        for action in &ordered {
            self.session.submit(action, None).await?;
        }
        self.session.finish()
    }
}

/// One compared parameter: its path (`english.beg`) and both values as text, in the form
/// `admin file` takes (human decimals, seconds, names).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    path: String,
    current: String,
    proposed: String,
}

/// Every parameter of [`SECTIONS`], current (the model loaded from the chain) against proposed.
fn compare(current: &System, proposed: &DeploymentParams) -> anyhow::Result<Vec<Row>> {
    let pairs = [
        (json(&current.accountant.params)?, json(&proposed.accountant)?),
        (json(&current.english.params)?, json(&proposed.english)?),
        (json(&current.dutch.params)?, json(&proposed.dutch)?),
    ];
    let mut rows = Vec::new();
    for (section, (cur, prop)) in SECTIONS.iter().zip(pairs) {
        let (Value::Object(cur), Value::Object(prop)) = (cur, prop) else {
            bail!("the {section} parameters are not a table");
        };
        for (field, c) in &cur {
            let p = prop.get(field).with_context(|| format!("{section}.{field}: not proposed"))?;
            rows.push(Row {
                path: format!("{section}.{field}"),
                current: text(c),
                proposed: text(p),
            });
        }
    }
    Ok(rows)
}

fn json<T: serde::Serialize>(x: &T) -> anyhow::Result<Value> {
    serde_json::to_value(x).context("serialising parameters")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `changes` in an order where each is valid when applied to the model `system` at `now` after
/// the ones before it: greedily, the first pending change the model accepts. An error naming each
/// refused change when none is accepted.
fn order(system: &System, now: Timestamp, changes: Vec<Action>) -> anyhow::Result<Vec<Action>> {
    let mut model = system.clone();
    let mut pending = changes;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let next = pending.iter().position(|a| model.clone().apply(a, now).is_ok());
        let Some(i) = next else {
            let why: Vec<String> = pending
                .iter()
                .map(|a| {
                    let e = model.clone().apply(a, now).err().map(|e| e.to_string());
                    format!(
                        "{}: {}",
                        serde_json::to_string(a).unwrap_or_default(),
                        e.unwrap_or_default()
                    )
                })
                .collect();
            bail!(
                "no order of the proposed changes is valid: each remaining one is refused: {}",
                why.join("; ")
            );
        };
        let a = pending.remove(i);
        model.apply(&a, now).context("applying a change the model accepted")?;
        out.push(a);
    }
    Ok(out)
}

/// The swept paths, each checked to be a parameter a contract call sets ([`SECTIONS`]).
fn contract_paths(params: &[String]) -> anyhow::Result<Vec<String>> {
    let fields = |section: &str| -> Vec<String> {
        let v = match section {
            "accountant" => serde_json::to_value(backstop_core::AccountantParams {
                wait: 0,
                sump: backstop_core::Wad::ZERO,
                dump: backstop_core::Wad::ZERO,
            }),
            "english" => serde_json::to_value(backstop_core::EnglishParams::default()),
            _ => serde_json::to_value(backstop_core::DutchParams::default()),
        };
        v.ok().and_then(|v| v.as_object().map(|o| o.keys().cloned().collect())).unwrap_or_default()
    };
    let mut out = Vec::new();
    for spec in params {
        let path = Axis::parse(spec)?.path;
        let settable = path.split_once('.').and_then(|(section, field)| {
            SECTIONS
                .contains(&section)
                .then(|| (section, fields(section).contains(&field.to_owned())))
        });
        match settable {
            Some((_, true)) => out.push(path),
            Some((section, false)) => bail!(
                "--against: `{path}`: the {section} has no such parameter; it has {}",
                fields(section).join(", ")
            ),
            None => bail!(
                "--against: `{path}` is swept, but no contract call sets it: it is the scenario's \
                 (its market, bidders, network, debt or oracle feed), not the deployment's; \
                 --against compares the parameters the contracts' `file` sets: accountant.*, \
                 english.*, dutch.*"
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_core::{
        AccountantParams, Addresses, Calc, DutchParams, EnglishParams, LotSizing, SystemParams,
    };

    const NOW: Timestamp = 1_000_000;

    fn params(
        accountant: AccountantParams,
        english: EnglishParams,
        dutch: DutchParams,
    ) -> SystemParams {
        SystemParams { accountant, english, dutch, oracle: Default::default() }
    }

    #[test]
    fn the_changes_turn_the_current_parameters_into_the_proposed_exactly() {
        let accountant = AccountantParams {
            wait: 561_600,
            sump: "50000".parse().unwrap(),
            dump: "250".parse().unwrap(),
        };
        let current = params(accountant, EnglishParams::default(), DutchParams::default());
        let current =
            System::new(current, "100".parse().unwrap(), Addresses::default(), NOW).unwrap();
        let english = EnglishParams {
            beg: "1.0312345678901".parse().unwrap(),
            pad: "1.25".parse().unwrap(),
            // Above the current tau (2 days): ttl is valid only after tau is raised.
            ttl: 400_000,
            tau: 500_000,
            sizing: LotSizing::Oracle,
            discount: "0.05".parse().unwrap(),
            floor: "12.000000000000000000000000001".parse().unwrap(),
            max_ticks: 7,
        };
        let dutch = DutchParams {
            calc: Calc::Linear,
            buf: "1.25".parse().unwrap(),
            tau: 7200,
            ..DutchParams::default()
        };
        let accountant = AccountantParams {
            wait: 0,
            sump: "50000.000000000000000001".parse().unwrap(),
            ..accountant
        };
        let proposed =
            DeploymentParams::new(params(accountant, english, dutch), "100".parse().unwrap());
        let rows = compare(&current, &proposed).unwrap();
        let mut changes: Vec<Action> = rows
            .iter()
            .filter(|r| r.current != r.proposed)
            .map(|r| parse_setting(&format!("{}={}", r.path, r.proposed)).unwrap())
            .collect();
        assert_eq!(changes.len(), 13, "{rows:?}");
        // With ttl first, raising it above the current tau is refused …
        let ttl = Action::FileEnglish { change: backstop_core::EnglishParam::Ttl(400_000) };
        let i = changes.iter().position(|a| *a == ttl).unwrap();
        let first = changes.remove(i);
        changes.insert(0, first);
        assert!(current.clone().apply(&changes[0], NOW).is_err());
        // … ordered, every change passes and the result is exactly the proposal.
        let ordered = order(&current, NOW, changes).unwrap();
        let mut model = current;
        for a in &ordered {
            model.apply(a, NOW).unwrap();
        }
        assert_eq!(model.accountant.params, proposed.accountant);
        assert_eq!(model.english.params, proposed.english);
        assert_eq!(model.dutch.params, proposed.dutch);
        assert!(compare(&model, &proposed).unwrap().iter().all(|r| r.current == r.proposed));
    }

    #[test]
    fn only_contract_parameters_may_be_swept_against_a_deployment() {
        let e = contract_paths(&["english.beg=1.01:1.1:3".into(), "dutch.max_ticks=1".into()]);
        assert!(e.unwrap_err().to_string().contains("the dutch has no such parameter"));
        let ok = contract_paths(&["english.max_ticks=0,5".into(), "accountant.sump=1,2".into()]);
        assert_eq!(ok.unwrap(), ["english.max_ticks", "accountant.sump"]);
        for p in ["market.pool.coin_reserve=1,2", "bidders[0].capital=1,2", "oracle.lag=0,60"] {
            let e = contract_paths(&[p.into()]).unwrap_err().to_string();
            assert!(e.contains("no contract call sets it"), "{p}: {e}");
        }
    }
}
