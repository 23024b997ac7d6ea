//! `backstop admin`: every privileged entry point of a deployment by hand, with human decimals.
//!
//! ```text
//!   backstop admin fess 50000 ──► core Action::Fess ──► live state (load_live) ──► ward? ──►
//!       System::apply on a copy of the model at the chain's time ──► refused: the core's error,
//!       nothing sent │ accepted ──► --dry-run: target, calldata, action │ SystemClient::apply
//! ```
//!
//! Every subcommand builds a core [`Action`] (or, for `rely`/`deny`, a call from the chain crate's
//! Backstop adapter, the only place that knows the contracts' ABI), checks it against the live
//! state with the core's rules before anything is sent, and prints what it did in plain words.
//! The dev-chain helpers (`fund`, `warp`, `mine`) need `--dev` and refuse to run without it.
//!
//! ## Through a multisig: `--safe-batch FILE --safe ADDRESS`
//! A protocol governed by a Safe does not send from a key. With `--safe-batch`, every check above
//! is made for the Safe as the sender (it must be the ward where one is needed), and the calls the
//! command would have sent, in the same order, are written as a Safe Transaction Builder batch
//! ([`backstop::safe`]) instead of being sent: no key is read and nothing is signed. The chain id
//! is the node's. The path and the address are checked before the node is asked anything; a
//! refused call leaves no file. `sweep --against` ([`crate::against`]) builds its calls through
//! the same [`Session`].

use crate::ConnArgs;
use alloy_primitives::Address;
use anyhow::{Context, anyhow, bail};
use backstop::safe::{BatchFile, BatchTransaction, ContractInput, ContractMethod};
use backstop_chain::{
    Adapter, Call, Deployment, DevChain, Receipt, RpcChain, RpcConfig, Settlement, SystemClient,
    backstop::Warded,
    live::{LiveState, load_live},
};
use backstop_core::{
    AccountantEvent, AccountantParam, Action, Calc, Contract, DutchEvent, DutchParam, EnglishEvent,
    EnglishParam, Error, Event, LotSizing, OracleParam, Ray, Wad,
};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Operate a deployment by hand: book and release bad debt, change parameters, authorise, poke
/// the oracle, mint; on a dev chain fund accounts and move the clock.
#[derive(Debug, Args)]
pub(crate) struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
}

/// The node, the key, the deployment, and whether to send.
#[derive(Debug, Args)]
struct Target {
    #[command(flatten)]
    conn: ConnArgs,
    /// The addresses file written by `deploy`.
    #[arg(long, short, default_value = "deployment.json")]
    deployment: PathBuf,
    /// Check and print the target contract, the calldata and the decoded action; send nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    safe: SafeArgs,
}

/// Write the calls as a Safe Transaction Builder batch instead of sending them.
#[derive(Debug, Clone, Args)]
pub(crate) struct SafeArgs {
    /// Write the checked calls to FILE as a Safe{Wallet} Transaction Builder batch (JSON) instead
    /// of sending them; no key is needed. Needs --safe.
    #[arg(long, value_name = "FILE", requires = "safe")]
    pub(crate) safe_batch: Option<PathBuf>,
    /// The Safe that executes the batch (0x and 40 hex digits; EIP-55 checked when mixed-case):
    /// every check is made with it as the sender.
    #[arg(long, value_name = "ADDRESS", requires = "safe_batch",
          value_parser = backstop::safe::parse_safe_address)]
    pub(crate) safe: Option<Address>,
    /// The batch's name as the Transaction Builder lists it (default: the command).
    #[arg(long, value_name = "NAME", requires = "safe_batch")]
    pub(crate) batch_name: Option<String>,
}

impl SafeArgs {
    /// The batch to write, if any: the path checked writable up front (nothing is asked of the
    /// node before).
    pub(crate) fn batch(&self, default_name: &str) -> anyhow::Result<Option<Batch>> {
        let (Some(path), Some(safe)) = (&self.safe_batch, self.safe) else {
            return Ok(None);
        };
        backstop::safe::check_writable(path)?;
        let name = self.batch_name.clone().unwrap_or_else(|| default_name.to_owned());
        Ok(Some(Batch { path: path.clone(), safe, name, calls: Vec::new() }))
    }
}

/// A Safe batch being collected: the checked calls and what each does.
#[derive(Debug)]
pub(crate) struct Batch {
    path: PathBuf,
    safe: Address,
    name: String,
    calls: Vec<(Call, String)>,
}

impl Batch {
    /// The Safe that executes the batch.
    pub(crate) fn safe(&self) -> Address {
        self.safe
    }
}

/// What a [`Session`] does with a checked call.
#[derive(Debug)]
pub(crate) enum Mode {
    /// Sign and send it.
    Send,
    /// Print it; send nothing.
    DryRun,
    /// Add it to a Safe batch; send nothing.
    Batch(Batch),
    /// Print it as call N of a proposal (no sender known); send nothing.
    Propose(usize),
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Book bad debt on the accountant (`fess`, ward only): it is queued at the block's time and
    /// `flog` releases it after `wait` seconds.
    Fess {
        /// Bad debt, stablecoin (a human decimal: 50000, 1234.5).
        tab: Wad,
        #[command(flatten)]
        target: Target,
    },
    /// Release queued bad debt to free debt (`flog`): of ERA, or of every era that is ready.
    Flog {
        /// The era (the timestamp `fess` printed); every ready era if omitted.
        era: Option<u64>,
        #[command(flatten)]
        target: Target,
    },
    /// Cancel free bad debt with the accountant's surplus (`heal`).
    Heal {
        /// Stablecoin.
        amount: Wad,
        #[command(flatten)]
        target: Target,
    },
    /// Cancel bad debt on auction with the accountant's surplus (`kiss`).
    Kiss {
        /// Stablecoin.
        amount: Wad,
        #[command(flatten)]
        target: Target,
    },
    /// Change a parameter (`file`, ward only): `accountant.sump=60000`, `english.beg=1.05`,
    /// `english.ttl=3600`, `dutch.calc=linear`. Durations in seconds.
    File {
        /// CONTRACT.NAME=VALUE, CONTRACT one of accountant, english, dutch.
        #[arg(value_parser = parse_setting, value_name = "CONTRACT.NAME=VALUE")]
        setting: Action,
        #[command(flatten)]
        target: Target,
    },
    /// Make WHO a ward of CONTRACT (`rely`, ward only).
    Rely {
        /// The contract.
        contract: WardedArg,
        /// The new ward.
        who: Address,
        #[command(flatten)]
        target: Target,
    },
    /// Remove WHO from the wards of CONTRACT (`deny`, ward only).
    Deny {
        /// The contract.
        contract: WardedArg,
        /// The ward to remove.
        who: Address,
        /// Allow removing the sender itself (it loses its authority over CONTRACT).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Stop the English house (`cage`, ward only): no new auctions; live ones can be yanked.
    Cage {
        #[command(flatten)]
        target: Target,
    },
    /// Remove an auction: an English one after `cage` (anyone), a Dutch sale (`--dutch`, ward
    /// only).
    Yank {
        /// Auction (or sale) id.
        id: u64,
        /// A Dutch sale.
        #[arg(long)]
        dutch: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Set the oracle price (`poke`, ward only), stablecoin per governance token.
    Poke {
        /// Price (a human decimal: 265, 0.5).
        price: Ray,
        #[command(flatten)]
        target: Target,
    },
    /// Mint stablecoin to an account (`mint`, ward of the stablecoin only: the test role).
    Mint {
        /// Recipient.
        to: Address,
        /// Stablecoin.
        amount: Wad,
        #[command(flatten)]
        target: Target,
    },
    /// Dev chain only: give an account ether (anvil_setBalance) and stablecoin (minted by the
    /// deployer).
    Fund {
        /// The account.
        account: Address,
        /// Set its ether balance to this, ETH.
        #[arg(long)]
        eth: Option<Wad>,
        /// Mint it this much stablecoin.
        #[arg(long)]
        stablecoin: Option<Wad>,
        #[command(flatten)]
        target: Target,
    },
    /// Dev chain only: move the clock forward and mine a block.
    Warp {
        /// Seconds.
        seconds: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Dev chain only: mine empty blocks.
    Mine {
        /// How many.
        #[arg(long, default_value_t = 1)]
        blocks: u64,
        #[command(flatten)]
        target: Target,
    },
}

/// A contract with wards, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WardedArg {
    Accountant,
    English,
    Dutch,
    GovToken,
    Stablecoin,
    Oracle,
}

impl From<WardedArg> for Warded {
    fn from(c: WardedArg) -> Self {
        match c {
            WardedArg::Accountant => Self::Accountant,
            WardedArg::English => Self::English,
            WardedArg::Dutch => Self::Dutch,
            WardedArg::GovToken => Self::GovToken,
            WardedArg::Stablecoin => Self::Stablecoin,
            WardedArg::Oracle => Self::Oracle,
        }
    }
}

impl AdminArgs {
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self.command {
            AdminCommand::Fess { tab, target } => {
                single(&target, "fess", Action::Fess { tab }).await
            }
            AdminCommand::Flog { era, target } => {
                let mut s = Session::open(&target, "backstop admin flog").await?;
                let eras = match era {
                    Some(e) => vec![e],
                    None => ready_eras(&s.live)?,
                };
                for era in eras {
                    s.submit(&Action::Flog { era }, None).await?;
                }
                s.finish()
            }
            AdminCommand::Heal { amount, target } => {
                single(&target, "heal", Action::Heal { amount }).await
            }
            AdminCommand::Kiss { amount, target } => {
                single(&target, "kiss", Action::Kiss { amount }).await
            }
            AdminCommand::File { setting, target } => single(&target, "file", setting).await,
            AdminCommand::Cage { target } => single(&target, "cage", Action::Cage).await,
            AdminCommand::Yank { id, dutch, target } => {
                let action = if dutch { Action::YankDutch { id } } else { Action::Yank { id } };
                single(&target, "yank", action).await
            }
            AdminCommand::Poke { price, target } => {
                single(&target, "poke", Action::Poke { price }).await
            }
            AdminCommand::Mint { to, amount, target } => {
                single(&target, "mint", Action::Mint { to, amount }).await
            }
            AdminCommand::Rely { contract, who, target } => {
                let mut s = Session::open(&target, "backstop admin rely").await?;
                s.ward(true, contract.into(), who, false).await?;
                s.finish()
            }
            AdminCommand::Deny { contract, who, force, target } => {
                let mut s = Session::open(&target, "backstop admin deny").await?;
                s.ward(false, contract.into(), who, force).await?;
                s.finish()
            }
            AdminCommand::Fund { account, eth, stablecoin, target } => {
                require_dev(&target, "fund")?;
                if eth.is_none() && stablecoin.is_none() {
                    bail!(
                        "admin fund: nothing to do: give --eth AMOUNT and/or --stablecoin AMOUNT"
                    );
                }
                let mut s = Session::open(&target, "backstop admin fund").await?;
                if let Some(eth) = eth {
                    if matches!(s.mode, Mode::DryRun) {
                        println!(
                            "dry run: would set the ether balance of {account} to {} ETH (anvil_setBalance)",
                            human(eth)
                        );
                    } else {
                        s.chain.set_balance(account, eth.raw()).await?;
                        println!("fund: {account} now holds {} ETH (anvil_setBalance)", human(eth));
                    }
                }
                if let Some(amount) = stablecoin {
                    // Minted by the sender if it may, else by the deployer (impersonated on a
                    // dev chain).
                    let mut minter = s.from;
                    if !s.d.is_ward(&s.chain, Warded::Stablecoin, minter).await? {
                        minter = s.d.deployer;
                    }
                    s.submit(&Action::Mint { to: account, amount }, Some(minter)).await?;
                }
                Ok(())
            }
            AdminCommand::Warp { seconds, target } => {
                require_dev(&target, "warp")?;
                let chain = dev_chain(&target).await?;
                let before = chain.timestamp().await?;
                if target.dry_run {
                    println!(
                        "dry run: would move the clock {seconds} s forward ({before} → {}) and mine a block",
                        before.saturating_add(seconds)
                    );
                    return Ok(());
                }
                chain.increase_time(seconds).await?;
                chain.mine().await?;
                let (block, now) = (chain.block_number().await?, chain.timestamp().await?);
                println!(
                    "warp: the clock moved {} s ({}): block {block} at time {now} (was {before})",
                    group(u128::from(now.saturating_sub(before))),
                    duration(now.saturating_sub(before))
                );
                Ok(())
            }
            AdminCommand::Mine { blocks, target } => {
                require_dev(&target, "mine")?;
                let chain = dev_chain(&target).await?;
                if target.dry_run {
                    println!("dry run: would mine {blocks} empty block(s)");
                    return Ok(());
                }
                for _ in 0..blocks {
                    chain.mine().await?;
                }
                let (block, now) = (chain.block_number().await?, chain.timestamp().await?);
                println!("mine: {blocks} block(s) mined: block {block} at time {now}");
                Ok(())
            }
        }
    }
}

/// One checked action of `backstop admin LABEL`: sent, printed or batched.
async fn single(target: &Target, label: &str, action: Action) -> anyhow::Result<()> {
    let mut s = Session::open(target, &format!("backstop admin {label}")).await?;
    s.submit(&action, None).await?;
    s.finish()
}

/// Dev-chain helpers refuse to run without `--dev`, before any connection, and refuse
/// `--safe-batch`: they are node methods, not contract calls a Safe could execute.
fn require_dev(t: &Target, what: &str) -> anyhow::Result<()> {
    if t.safe.safe_batch.is_some() {
        bail!(
            "admin {what} uses dev-chain node methods (anvil_setBalance, evm_increaseTime, evm_mine), \
             not contract calls: there is nothing a Safe could execute; --safe-batch refused"
        );
    }
    if !t.conn.dev {
        bail!(
            "admin {what} uses dev-chain powers (Anvil's anvil_setBalance, evm_increaseTime, evm_mine): \
             pass --dev, on a development chain only; refused"
        );
    }
    Ok(())
}

/// A keyless dev-chain connection (time and mining need no key).
async fn dev_chain(t: &Target) -> anyhow::Result<RpcChain> {
    let cfg = RpcConfig {
        dev: true,
        expect_chain_id: t.conn.chain_id,
        ..RpcConfig::dev(&t.conn.rpc_url)
    };
    RpcChain::connect(cfg).await.with_context(|| format!("connecting to {}", t.conn.rpc_url))
}

/// The queued eras whose `wait` has passed at the chain's time; an error naming the next one when
/// none has.
fn ready_eras(live: &LiveState) -> anyhow::Result<Vec<u64>> {
    let a = &live.system.accountant;
    let wait = a.params.wait;
    let (ready, later): (Vec<_>, Vec<_>) =
        a.queue().partition(|(era, _)| era.saturating_add(wait) <= live.timestamp);
    if ready.is_empty() {
        return match later.first() {
            Some((era, amount)) => Err(anyhow!(
                "flog refused: no queued era is ready at time {}: era {era} ({} of bad debt) is released at {} (wait = {wait} s)",
                live.timestamp,
                human(*amount),
                era.saturating_add(wait)
            )),
            None => Err(anyhow!("flog refused: no bad debt is queued")),
        };
    }
    Ok(ready.into_iter().map(|(era, _)| era).collect())
}

/// A connection to a deployment with its live state, for validating actions and sending,
/// printing or batching their calls.
pub(crate) struct Session {
    chain: RpcChain,
    pub(crate) d: Deployment,
    /// The sender every check is made for: the key's account, or the Safe of a batch.
    from: Address,
    pub(crate) live: LiveState,
    mode: Mode,
    /// Check that the sender is a ward where one is needed (off only where no sender is known:
    /// `sweep --against` printing its proposal).
    check_wards: bool,
}

impl Session {
    /// Opens `t`'s deployment: with `--safe-batch`, keyless and with the Safe as the sender
    /// (the batch path checked before the node is asked anything); else with the key.
    async fn open(t: &Target, label: &str) -> anyhow::Result<Self> {
        if t.dry_run && t.safe.safe_batch.is_some() {
            bail!("--dry-run and --safe-batch: choose one (a batch sends nothing either)");
        }
        let d = Deployment::load(&t.deployment)?;
        if let Some(batch) = t.safe.batch(label)? {
            let chain = read_only(&t.conn.rpc_url, t.conn.chain_id, t.conn.dev).await?;
            let from = batch.safe;
            return Self::attach(chain, &t.deployment, d, from, Mode::Batch(batch)).await;
        }
        let (chain, from) = t.conn.connection(0, "admin").await?.open().await?;
        let mode = if t.dry_run { Mode::DryRun } else { Mode::Send };
        Self::attach(chain, &t.deployment, d, from, mode).await
    }

    /// A session over `chain` for deployment `d` (read from `path`), checked to be on the node's
    /// chain, with its live state loaded.
    pub(crate) async fn attach(
        chain: RpcChain,
        path: &std::path::Path,
        d: Deployment,
        from: Address,
        mode: Mode,
    ) -> anyhow::Result<Self> {
        if chain.chain_id() != d.chain_id {
            bail!(
                "{} was deployed on chain {}, the node is chain {}",
                path.display(),
                d.chain_id,
                chain.chain_id()
            );
        }
        let live = load_live(&chain, &d).await.context("reading the deployment's state")?;
        Ok(Self { chain, d, from, live, mode, check_wards: true })
    }

    /// Checks no sender's authority (for a proposal printed without a Safe).
    pub(crate) fn without_ward_checks(mut self) -> Self {
        self.check_wards = false;
        self
    }

    /// Ends the command: writes the batch, if one was collected, and says so.
    pub(crate) fn finish(self) -> anyhow::Result<()> {
        let Mode::Batch(b) = self.mode else { return Ok(()) };
        if b.calls.is_empty() {
            println!("no call to batch: {} not written", b.path.display());
            return Ok(());
        }
        let mut txs = Vec::with_capacity(b.calls.len());
        for (call, _) in &b.calls {
            txs.push(batch_transaction(&self.d, call)?);
        }
        let description = b
            .calls
            .iter()
            .enumerate()
            .map(|(i, (_, what))| format!("{}. {what}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        let created_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let file = BatchFile::new(self.d.chain_id, b.safe, created_at, b.name, description, txs);
        file.write(&b.path)?;
        println!(
            "wrote {} call(s) to {}: a Safe Transaction Builder batch for the Safe {} on chain {} \
             (checksum {}); nothing sent",
            b.calls.len(),
            b.path.display(),
            file.meta.created_from_safe_address,
            self.d.chain_id,
            file.meta.checksum.as_deref().unwrap_or_default()
        );
        Ok(())
    }

    /// Checks `action` against the live state (authority, then the core's rules on a copy of the
    /// model at the chain's time), then prints it (`--dry-run`) or sends it and says what it did.
    /// `sender` overrides the connected account (the dev helpers mint as the deployer).
    pub(crate) async fn submit(
        &mut self,
        action: &Action,
        sender: Option<Address>,
    ) -> anyhow::Result<()> {
        let from = sender.unwrap_or(self.from);
        let name = match file_target(action) {
            Some(_) => "file",
            None => backstop_chain::adapter::action_name(action),
        };
        if let Some(c) = Warded::needed_for(action)
            && self.check_wards
            && !self.d.is_ward(&self.chain, c, from).await?
        {
            bail!(
                "{name} refused: NotAuthorized: {from} is not a ward of the {} ({}); only a ward may send it (see `backstop admin rely`)",
                c.name(),
                self.d.warded(c)
            );
        }
        let before = self.live.system.clone();
        let mut model = before.clone();
        let expected = model.apply(action, self.live.timestamp).map_err(|e| {
            anyhow!(
                "{name} refused by the contracts' rules at block {} (time {}): {}: {}",
                self.live.block,
                self.live.timestamp,
                e.kind(),
                refusal(action, &e)
            )
        })?;
        let call = self.d.encode(action)?;
        let what = describe(action, &expected, &before);
        match &mut self.mode {
            Mode::Send => {}
            Mode::DryRun => {
                print_dry_run(&self.d, action, &call, from);
                println!("  expected  {what}");
                self.live.system = model;
                return Ok(());
            }
            Mode::Propose(n) => {
                *n += 1;
                let target = self.d.warded_at(call.to).map_or("contract", Warded::name);
                println!("call {n}: {name}, by a ward of the {target}");
                println!("  to        {target} {}", call.to);
                println!("  calldata  {}", call.data);
                println!("  expected  {what}");
                self.live.system = model;
                return Ok(());
            }
            Mode::Batch(b) => {
                print_batched(&self.d, b.calls.len(), action, &call, from);
                println!("  expected  {what}");
                b.calls.push((call, format!("{name}: {what}")));
                self.live.system = model;
                return Ok(());
            }
        }
        let client = SystemClient::new(&self.chain, self.d);
        let (receipt, events) =
            client.apply(from, action).await.with_context(|| format!("{name} not applied"))?;
        println!("{name}: {} ({})", describe(action, &events, &before), tx_text(&receipt));
        // Later actions of the same command are checked against the state this one left.
        self.live.system = model;
        self.live.timestamp = self.chain.timestamp().await?;
        self.live.block = receipt.block_number;
        Ok(())
    }

    /// `rely` (`grant`) or `deny` `who` on `contract`, checked: the sender must be a ward; a deny
    /// of the sender itself needs `force`.
    async fn ward(
        &mut self,
        grant: bool,
        contract: Warded,
        who: Address,
        force: bool,
    ) -> anyhow::Result<()> {
        let name = if grant { "rely" } else { "deny" };
        let at = self.d.warded(contract);
        if !self.d.is_ward(&self.chain, contract, self.from).await? {
            bail!(
                "{name} refused: NotAuthorized: {} is not a ward of the {} ({at}); only a ward may send it",
                self.from,
                contract.name()
            );
        }
        let is_ward = self.d.is_ward(&self.chain, contract, who).await?;
        if !grant && who == self.from && !force {
            bail!(
                "deny refused: {who} is the sender: it would lose its authority over the {}; pass --force to do it anyway",
                contract.name()
            );
        }
        let call =
            if grant { self.d.rely_call(contract, who) } else { self.d.deny_call(contract, who) };
        let verb = if grant { "is now a ward of" } else { "is no longer a ward of" };
        let note = match (grant, is_ward) {
            (true, true) => " (it already was)",
            (false, false) => " (it was not one)",
            _ => "",
        };
        let expected = format!("{who} {verb} the {}{note}", contract.name());
        match &mut self.mode {
            Mode::Send => {}
            Mode::DryRun | Mode::Propose(_) => {
                println!("dry run: nothing sent");
                println!("  action    {name}({who}) on the {}", contract.name());
                println!("  from      {}", self.from);
                println!("  to        {} {at}", contract.name());
                println!("  calldata  {}", call.data);
                println!("  expected  {expected}");
                return Ok(());
            }
            Mode::Batch(b) => {
                println!("batch: call {}, nothing sent", b.calls.len() + 1);
                println!("  action    {name}({who}) on the {}", contract.name());
                println!("  from      {} (the Safe)", self.from);
                println!("  to        {} {at}", contract.name());
                println!("  calldata  {}", call.data);
                println!("  expected  {expected}");
                b.calls.push((call, format!("{name}: {expected}")));
                return Ok(());
            }
        }
        let receipt = self.chain.send(call.tx(self.from)).await?;
        if !receipt.status {
            let data = receipt.revert_data.unwrap_or_default();
            let e = self.d.decode_error(backstop_chain::ChainError::RevertedRaw {
                what: name.to_owned(),
                data,
            });
            return Err(anyhow!(e).context(format!("{name} not applied")));
        }
        println!("{name}: {who} {verb} the {} {at}{note} ({})", contract.name(), tx_text(&receipt));
        Ok(())
    }
}

/// A call added to a Safe batch, as `--dry-run` prints one.
fn print_batched(d: &Deployment, index: usize, action: &Action, call: &Call, safe: Address) {
    let target = d.warded_at(call.to).map_or("contract", Warded::name);
    let decoded = serde_json::to_string(action).unwrap_or_else(|_| format!("{action:?}"));
    println!("batch: call {}, nothing sent", index + 1);
    println!("  action    {decoded}");
    println!("  from      {safe} (the Safe)");
    println!("  to        {target} {}", call.to);
    println!("  calldata  {}", call.data);
}

/// One call of a Safe batch: the exact calldata, and the method and inputs read back from it
/// through the contract's ABI.
fn batch_transaction(d: &Deployment, call: &Call) -> anyhow::Result<BatchTransaction> {
    let abi = d.describe_call(call)?;
    let f = &abi.function;
    let inputs = f
        .inputs
        .iter()
        .map(|p| ContractInput {
            internal_type: p.internal_type().map_or_else(|| p.ty.clone(), |t| t.to_string()),
            name: p.name.clone(),
            ty: p.ty.clone(),
        })
        .collect();
    let values = f.inputs.iter().map(|p| p.name.clone()).zip(abi.args).collect();
    Ok(BatchTransaction {
        to: call.to.to_checksum(None),
        value: "0".to_owned(),
        data: call.data.to_string(),
        contract_method: Some(ContractMethod {
            inputs,
            name: f.name.clone(),
            payable: f.state_mutability == alloy::json_abi::StateMutability::Payable,
        }),
        contract_inputs_values: Some(values),
    })
}

/// A keyless connection for reading a deployment (a batch is written, nothing is sent).
pub(crate) async fn read_only(
    url: &str,
    expect_chain_id: Option<u64>,
    dev: bool,
) -> anyhow::Result<RpcChain> {
    let cfg = RpcConfig { dev, expect_chain_id, ..RpcConfig::dev(url) };
    RpcChain::connect(cfg).await.with_context(|| format!("connecting to {url}"))
}

fn print_dry_run(d: &Deployment, action: &Action, call: &Call, from: Address) {
    let target = d.warded_at(call.to).map_or("contract", Warded::name);
    let decoded = serde_json::to_string(action).unwrap_or_else(|_| format!("{action:?}"));
    println!("dry run: nothing sent");
    println!("  action    {decoded}");
    println!("  from      {from}");
    println!("  to        {target} {}", call.to);
    println!("  calldata  {}", call.data);
}

/// The core's refusal in the operator's terms: a parameter is named by its path
/// (`english.beg`), as in the deployment file.
fn refusal(action: &Action, e: &Error) -> String {
    match (e, file_target(action)) {
        (Error::InvalidParam { what, reason }, Some(contract)) => {
            format!("invalid parameter `{}.{what}`: {reason}", contract_name(contract))
        }
        _ => human_error(e).unwrap_or_else(|| e.to_string()),
    }
}

/// The core's amount errors with their WAD fields as human decimals (stablecoin).
fn human_error(e: &Error) -> Option<String> {
    let h = |x: &alloy_primitives::U256| human(Wad::from_raw(*x));
    Some(match e {
        Error::InsufficientSurplus { available, requested } => format!(
            "the accountant's surplus (available) {} < requested {} stablecoin",
            h(available),
            h(requested)
        ),
        Error::InsufficientFreeDebt { woe, requested } => {
            format!("free bad debt (woe) {} < requested {} stablecoin", h(woe), h(requested))
        }
        Error::InsufficientOnAuction { ash, requested } => {
            format!("bad debt on auction (Ash) {} < requested {} stablecoin", h(ash), h(requested))
        }
        Error::InsufficientDebt { woe, sump } => {
            format!(
                "free bad debt (woe) {} < sump {} stablecoin: no auction to start",
                h(woe),
                h(sump)
            )
        }
        Error::SurplusNotZero { surplus } => {
            format!("surplus {} stablecoin must be healed first", h(surplus))
        }
        Error::InsufficientBalance { have, need } => {
            format!("balance {} < needed {}", h(have), h(need))
        }
        _ => return None,
    })
}

fn file_target(action: &Action) -> Option<Contract> {
    match action {
        Action::FileAccountant { .. } => Some(Contract::Accountant),
        Action::FileEnglish { .. } => Some(Contract::English),
        Action::FileDutch { .. } => Some(Contract::Dutch),
        Action::FileOracle { .. } => Some(Contract::Oracle),
        _ => None,
    }
}

fn contract_name(c: Contract) -> &'static str {
    match c {
        Contract::Accountant => "accountant",
        Contract::English => "english",
        Contract::Dutch => "dutch",
        Contract::Oracle => "oracle",
    }
}

fn tx_text(r: &Receipt) -> String {
    format!("tx {}, block {}, gas {}", r.tx_hash, r.block_number, group(u128::from(r.gas_used)))
}

/// What an action did (or, in a dry run, is expected to do), in plain words with units, from the
/// core events it produced and the state before it.
fn describe(action: &Action, events: &[Event], before: &backstop_core::System) -> String {
    let mut parts = Vec::new();
    match *action {
        Action::FileAccountant { .. }
        | Action::FileEnglish { .. }
        | Action::FileDutch { .. }
        | Action::FileOracle { .. } => {
            parts.push(describe_file(action, before));
        }
        Action::Poke { price } => parts.push(format!(
            "oracle price {} → {} stablecoin per governance token",
            human_ray(before.oracle.price),
            human_ray(price)
        )),
        Action::Mint { to, amount } => {
            parts.push(format!("minted {} stablecoin to {to}", human(amount)));
        }
        _ => {}
    }
    let wait = before.accountant.params.wait;
    for e in events {
        let text = match *e {
            Event::Accountant(AccountantEvent::Fess { era, tab }) => format!(
                "booked {} of bad debt at era {era}; `admin flog {era}` (or a keeper) releases it from {}",
                human(tab),
                era.saturating_add(wait)
            ),
            Event::Accountant(AccountantEvent::Flog { era, amount }) => {
                format!("released {} of queued bad debt of era {era} to free debt", human(amount))
            }
            Event::Accountant(AccountantEvent::Heal { amount }) => {
                format!("cancelled {} of free bad debt with surplus", human(amount))
            }
            Event::Accountant(AccountantEvent::Kiss { amount }) => {
                format!("cancelled {} of bad debt on auction with surplus", human(amount))
            }
            Event::Accountant(AccountantEvent::WriteOff { amount }) => {
                format!("wrote off {} of free bad debt (socialised)", human(amount))
            }
            Event::Accountant(AccountantEvent::Unwind { amount }) => {
                format!("{} of unraised bad debt went back to free debt", human(amount))
            }
            Event::Accountant(AccountantEvent::Refund { to, amount }) => {
                format!("refunded {} of stablecoin to {to}; that debt is open again", human(amount))
            }
            Event::English(EnglishEvent::Cage) => {
                "the English house is caged: no new auctions; live ones can be yanked".to_owned()
            }
            Event::English(EnglishEvent::Yank { id }) => format!("English auction #{id} removed"),
            Event::Dutch(DutchEvent::Yank { id }) => format!("Dutch sale #{id} removed"),
            Event::File { .. } | Event::Poke { .. } => continue,
            other => format!("{other:?}"),
        };
        parts.push(text);
    }
    if parts.is_empty() { "done".to_owned() } else { parts.join("; ") }
}

/// `english.beg 1.03 → 1.05`, from the model's parameters and the change's serde form.
fn describe_file(action: &Action, before: &backstop_core::System) -> String {
    let (contract, change, params) = match action {
        Action::FileAccountant { change } => (
            Contract::Accountant,
            serde_json::to_value(change),
            serde_json::to_value(before.accountant.params),
        ),
        Action::FileEnglish { change } => (
            Contract::English,
            serde_json::to_value(change),
            serde_json::to_value(before.english.params),
        ),
        Action::FileDutch { change } => (
            Contract::Dutch,
            serde_json::to_value(change),
            serde_json::to_value(before.dutch.params),
        ),
        Action::FileOracle { change } => (
            Contract::Oracle,
            serde_json::to_value(change),
            serde_json::to_value(before.oracle.params),
        ),
        _ => return String::new(),
    };
    let (change, params) = (change.unwrap_or_default(), params.unwrap_or_default());
    let what = change["what"].as_str().unwrap_or_default().to_owned();
    let field = if what == "maxTicks" { "max_ticks" } else { what.as_str() };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let unit = if matches!(what.as_str(), "wait" | "ttl" | "tau" | "tail" | "step" | "age") {
        " s"
    } else {
        ""
    };
    format!(
        "{}.{what} {}{unit} → {}{unit}",
        contract_name(contract),
        text(&params[field]),
        text(&change["data"])
    )
}

/// Parses `CONTRACT.NAME=VALUE` into the core's `file` action; the value in the parameter's
/// unit as a human decimal (seconds for durations, a name or code for `sizing` and `calc`).
pub(crate) fn parse_setting(s: &str) -> Result<Action, String> {
    let (path, value) =
        s.split_once('=').ok_or_else(|| format!("expected CONTRACT.NAME=VALUE, got `{s}`"))?;
    let (contract, name) = path.trim().split_once('.').ok_or_else(|| {
        format!(
            "`{path}`: name the contract: accountant.NAME, english.NAME, dutch.NAME or oracle.NAME"
        )
    })?;
    let value = value.trim();
    let bad = |e: String| format!("`{path}`: {e}");
    let wad = |v: &str| v.parse::<Wad>().map_err(|e| bad(e.to_string()));
    let ray = |v: &str| v.parse::<Ray>().map_err(|e| bad(e.to_string()));
    let secs = |v: &str| {
        v.replace('_', "")
            .parse::<u64>()
            .map_err(|e| bad(format!("{v}: seconds, a whole number ({e})")))
    };
    match contract {
        "accountant" => {
            let change = match name {
                "wait" => AccountantParam::Wait(secs(value)?),
                "sump" => AccountantParam::Sump(wad(value)?),
                "dump" => AccountantParam::Dump(wad(value)?),
                _ => return Err(unknown(path, "wait, sump, dump")),
            };
            Ok(Action::FileAccountant { change })
        }
        "english" => {
            let change = match name {
                "beg" => EnglishParam::Beg(wad(value)?),
                "pad" => EnglishParam::Pad(wad(value)?),
                "ttl" => EnglishParam::Ttl(secs(value)?),
                "tau" => EnglishParam::Tau(secs(value)?),
                "sizing" => EnglishParam::Sizing(match value {
                    "fixed" | "0" => LotSizing::Fixed,
                    "oracle" | "1" => LotSizing::Oracle,
                    _ => return Err(bad(format!("{value}: expected fixed or oracle"))),
                }),
                "discount" => EnglishParam::Discount(wad(value)?),
                "floor" => EnglishParam::Floor(ray(value)?),
                "maxTicks" | "max_ticks" => EnglishParam::MaxTicks(
                    value.parse().map_err(|e| bad(format!("{value}: 0 to 65535 ({e})")))?,
                ),
                _ => {
                    return Err(unknown(
                        path,
                        "beg, pad, ttl, tau, sizing, discount, floor, maxTicks",
                    ));
                }
            };
            Ok(Action::FileEnglish { change })
        }
        "dutch" => {
            let change = match name {
                "buf" => DutchParam::Buf(ray(value)?),
                "tail" => DutchParam::Tail(secs(value)?),
                "cusp" => DutchParam::Cusp(ray(value)?),
                "chip" => DutchParam::Chip(wad(value)?),
                "tip" => DutchParam::Tip(wad(value)?),
                "chost" => DutchParam::Chost(wad(value)?),
                "calc" => DutchParam::Calc(match value {
                    "linear" | "0" => Calc::Linear,
                    "stair-step" | "1" => Calc::StairStep,
                    "exponential" | "2" => Calc::Exponential,
                    _ => {
                        return Err(bad(format!(
                            "{value}: expected linear, stair-step or exponential"
                        )));
                    }
                }),
                "tau" => DutchParam::Tau(secs(value)?),
                "cut" => DutchParam::Cut(ray(value)?),
                "step" => DutchParam::Step(secs(value)?),
                "rmax" => DutchParam::Rmax(wad(value)?),
                _ => {
                    return Err(unknown(
                        path,
                        "buf, tail, cusp, chip, tip, chost, calc, tau, cut, step, rmax",
                    ));
                }
            };
            Ok(Action::FileDutch { change })
        }
        "oracle" => {
            let change = match name {
                "lo" => OracleParam::Lo(ray(value)?),
                "hi" => OracleParam::Hi(ray(value)?),
                "age" => OracleParam::Age(secs(value)?),
                _ => return Err(unknown(path, "lo, hi, age")),
            };
            Ok(Action::FileOracle { change })
        }
        other => Err(format!("`{other}`: no such contract: accountant, english, dutch or oracle")),
    }
}

fn unknown(path: &str, names: &str) -> String {
    format!("`{path}`: no such parameter; the contract has {names}")
}

/// A WAD amount with thousands separators: `5,670,000`, `1.05`.
fn human(w: Wad) -> String {
    grouped_decimal(&w.to_string())
}

fn human_ray(r: Ray) -> String {
    grouped_decimal(&r.to_string())
}

fn grouped_decimal(s: &str) -> String {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn group(n: u128) -> String {
    grouped_decimal(&n.to_string())
}

/// `6 h`, `2 d 3 h`, `45 s`.
fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "min"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n} {u}"))
        .collect();
    if parts.is_empty() { "0 s".to_owned() } else { parts.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_human_decimals() {
        let a = parse_setting("english.beg=1.05").unwrap();
        assert_eq!(a, Action::FileEnglish { change: EnglishParam::Beg("1.05".parse().unwrap()) });
        let a = parse_setting("accountant.wait=561_600").unwrap();
        assert_eq!(a, Action::FileAccountant { change: AccountantParam::Wait(561_600) });
        let a = parse_setting("dutch.calc=linear").unwrap();
        assert_eq!(a, Action::FileDutch { change: DutchParam::Calc(Calc::Linear) });
        let a = parse_setting("dutch.rmax=0.02").unwrap();
        assert_eq!(a, Action::FileDutch { change: DutchParam::Rmax("0.02".parse().unwrap()) });
        let a = parse_setting("oracle.age=3600").unwrap();
        assert_eq!(a, Action::FileOracle { change: OracleParam::Age(3600) });
        let a = parse_setting("oracle.lo=100").unwrap();
        assert_eq!(a, Action::FileOracle { change: OracleParam::Lo("100".parse().unwrap()) });
        assert!(parse_setting("oracle.buf=1").unwrap_err().contains("lo, hi, age"));
        assert!(parse_setting("english.bge=1").unwrap_err().contains("english.bge"));
        assert!(parse_setting("vault.beg=1").unwrap_err().contains("no such contract"));
        assert!(parse_setting("english.ttl=1.5").unwrap_err().contains("seconds"));
        assert!(parse_setting("beg=1.05").unwrap_err().contains("name the contract"));
        assert!(parse_setting("english.beg=1e18").unwrap_err().contains("WAD"));
    }

    #[test]
    fn refusals_name_the_field() {
        let a = parse_setting("english.beg=0.9").unwrap();
        let mut p = backstop_core::EnglishParams::default();
        let Action::FileEnglish { change } = a else { unreachable!() };
        let e = p.file(change).unwrap_err();
        assert!(refusal(&a, &e).contains("`english.beg`"), "{}", refusal(&a, &e));
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(human("5670000".parse().unwrap()), "5,670,000");
        assert_eq!(human("1234.5".parse().unwrap()), "1,234.5");
        assert_eq!(human("250".parse().unwrap()), "250");
        assert_eq!(group(51_234), "51,234");
        assert_eq!(duration(21_600), "6 h");
        assert_eq!(duration(0), "0 s");
    }
}
