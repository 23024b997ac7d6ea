//! `backstop demo --waterfall NAME|FILE`: one loss covered layer by layer on a chain.
//!
//! It deploys the system and the loss waterfall's contracts (vault, round, waterfall; wired as
//! `deploy_waterfall` wires them), has the stakers deposit, puts the scenario's treasury on the
//! accountant, books the scenario's bad debt through the waterfall, then runs the keepers: a
//! settler that sends the waterfall's permissionless steps and starts and settles auctions, and
//! the scenario's bidders (pledging too when the waterfall has a pledge round). The clock moves
//! to the next moment something can change (a slash interval, a round's deadline, the
//! socialisation deadline, an auction's end) whenever no keeper has anything to send.
//!
//! The report says who paid what, read back from the contracts: the waterfall's ledger
//! (`covered("treasury" | "staking" | "pledge" | "socialise")`), what the auctions raised
//! (the sink's receipts less the other layers'), the governance tokens minted, and each staker's
//! loss. `booked = treasury + staking + pledge + auctions + socialised + debt left` is checked
//! to the wei before the report is returned.

use crate::demo::{
    DEPLOYER, DemoError, Progress, SETTLER, SINK, Scenario, drive_keepers, settler_config,
};
use alloy_primitives::{Address, U256};
use backstop_chain::{
    Adapter, Broadcast, ChainError, DevChain, SystemClient, backstop::deploy::deploy_waterfall,
    deploy_system,
};
use backstop_core::{
    Action, Wad,
    waterfall::{Layer, WaterfallConfig},
};
use backstop_keeper::keeper::{KeeperConfig, Mechanism, Stats};
use serde::Serialize;
use std::{path::Path, sync::Arc, time::Instant};

/// The built-in waterfalls, by name (`examples/waterfall/NAME.toml`).
pub const BUILTIN: [(&str, &str); 2] = [
    ("aave-umbrella", include_str!("../examples/waterfall/aave-umbrella.toml")),
    ("aave-pledge", include_str!("../examples/waterfall/aave-pledge.toml")),
];

/// The stakers of the demo's vault and their deposits (stablecoin, whole units): $43.7M in all,
/// the value of the 18,922 aWETH that entered Umbrella's cooldown in the 2026 event, here staying
/// staked (the simulator's `aave-2026-umbrella-fleeing` lets them leave).
pub const STAKES: [u64; 3] = [20_000_000, 15_000_000, 8_700_000];

/// `--waterfall`: not a built-in name, or a file the model refuses.
#[derive(Debug, thiserror::Error)]
#[error("waterfall `{what}`: {reason}")]
pub struct WaterfallFileError {
    /// The name or path given.
    pub what: String,
    /// Why (the field named).
    pub reason: String,
}

/// A waterfall by built-in name or file path (the `[waterfall]` table), checked by the model.
pub fn load_waterfall(name_or_path: &str) -> Result<WaterfallConfig, WaterfallFileError> {
    let bad = |reason: String| WaterfallFileError { what: name_or_path.to_owned(), reason };
    if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        #[derive(serde::Deserialize)]
        struct File {
            waterfall: WaterfallConfig,
        }
        let f: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        return Ok(f.waterfall);
    }
    backstop_sim::check::load_waterfall(Path::new(name_or_path)).map_err(|e| bad(format!("{e:#}")))
}

/// One staker's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct StakerLine {
    /// Account.
    pub account: Address,
    /// Deposited, WAD.
    pub staked: Wad,
    /// What its shares are worth at the end, WAD.
    pub worth: Wad,
}

/// Who paid what, read back from the chain (WAD of stablecoin unless stated).
#[derive(Debug, Clone, Serialize)]
pub struct WaterfallDemoReport {
    /// Scenario.
    pub scenario: &'static str,
    /// The waterfall's name or file.
    pub waterfall: String,
    /// The layers, in order.
    pub order: Vec<Layer>,
    /// Backend.
    pub backend: String,
    /// Booked through the waterfall.
    pub booked: Wad,
    /// Healed with the treasury.
    pub treasury: Wad,
    /// Slashed from stakers.
    pub staking: Wad,
    /// Paid by pledgers of met rounds.
    pub pledge: Wad,
    /// Raised by debt auctions.
    pub auctions: Wad,
    /// Written off (the depositors' loss).
    pub socialised: Wad,
    /// Debt still on the books.
    pub debt_left: Wad,
    /// Governance tokens minted (auctions, pledge claims, keeper rewards), WAD.
    pub minted: Wad,
    /// Auctions started.
    pub auction_count: u64,
    /// The stakers.
    pub stakers: Vec<StakerLine>,
    /// The bidders' statistics (name, stats).
    pub keepers: Vec<(String, Stats)>,
    /// Seconds from the booking to the last step.
    pub chain_seconds: u64,
    /// Transactions sent by the keepers.
    pub transactions: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

impl std::fmt::Display for WaterfallDemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = |w: Wad| w.to_string().parse::<f64>().unwrap_or(0.0) / 1e6;
        let order: Vec<_> = self.order.iter().map(|l| l.name()).collect();
        writeln!(f, "Loss waterfall `{}` on {} ({})", self.waterfall, self.scenario, self.backend)?;
        writeln!(f, "  order: {}", order.join(" → "))?;
        writeln!(f, "  booked bad debt          {:>12.3} M", m(self.booked))?;
        writeln!(f, "  paid by the treasury     {:>12.3} M", m(self.treasury))?;
        writeln!(f, "  slashed from stakers     {:>12.3} M", m(self.staking))?;
        writeln!(f, "  paid by pledgers         {:>12.3} M", m(self.pledge))?;
        writeln!(
            f,
            "  raised by auctions       {:>12.3} M  ({} auctions, {:.3} M governance tokens minted)",
            m(self.auctions),
            self.auction_count,
            m(self.minted)
        )?;
        writeln!(f, "  socialised (depositors)  {:>12.3} M", m(self.socialised))?;
        writeln!(f, "  debt left                {:>12.3} M", m(self.debt_left))?;
        for s in &self.stakers {
            writeln!(
                f,
                "  staker {}: staked {:.3} M, worth {:.3} M at the end",
                s.account,
                m(s.staked),
                m(s.worth)
            )?;
        }
        for (name, s) in &self.keepers {
            writeln!(
                f,
                "  {name}: {} won, {:.3} M tokens for {:.3} M, pledged {:.3} M",
                s.won,
                m(s.tokens),
                m(s.spent),
                m(s.pledged)
            )?;
        }
        writeln!(
            f,
            "  {:.1} days of chain time, {} transactions, {:.1} s",
            self.chain_seconds as f64 / 86_400.0,
            self.transactions,
            self.wall_seconds
        )
    }
}

/// Runs `scenario`'s loss through `cfg` on `chain` (a fresh chain whose clock the demo moves).
pub async fn run_waterfall_demo<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    backend: String,
    scenario: Scenario,
    name: String,
    cfg: WaterfallConfig,
    max_rounds: u64,
    progress: impl FnMut(&Progress),
) -> Result<WaterfallDemoReport, DemoError> {
    let started = Instant::now();
    let spec = scenario.spec();
    let mut d = deploy_system(&*chain, DEPLOYER, &spec.params, spec.price, SINK).await?;
    deploy_waterfall(&*chain, DEPLOYER, &mut d, &cfg).await?;
    let client = SystemClient::new(&*chain, d);
    let eth = U256::from(10u64).pow(U256::from(21));
    let mut stakers = Vec::new();
    if cfg.order.contains(&Layer::Staking) {
        for (i, units) in STAKES.iter().enumerate() {
            let who = Address::repeat_byte(0x5a + i as u8);
            let amount = Wad::from_units(*units);
            chain.set_balance(who, eth).await.map_err(ChainError::backend)?;
            client.apply(DEPLOYER, &Action::Mint { to: who, amount }).await?;
            client.prepare_waterfall(who, amount).await?;
            client.apply(who, &Action::Stake { sender: who, assets: amount }).await?;
            stakers.push((who, amount));
        }
    }
    if !spec.treasury.is_zero() {
        client.apply(DEPLOYER, &Action::Mint { to: d.accountant, amount: spec.treasury }).await?;
    }
    client.apply(DEPLOYER, &Action::Book { tab: spec.debt }).await?;
    let t0 = chain.timestamp().await.map_err(ChainError::backend)?;
    let pledging = cfg.order.contains(&Layer::Pledge);
    let mut keepers = vec![(SETTLER, settler_config(Mechanism::English))];
    let mut names = vec!["settler".to_owned()];
    chain.set_balance(SETTLER, eth).await.map_err(ChainError::backend)?;
    for (i, (name, value, budget)) in spec.keepers.iter().enumerate() {
        let who = Address::repeat_byte(0xc0 + i as u8);
        chain.set_balance(who, eth).await.map_err(ChainError::backend)?;
        client.apply(DEPLOYER, &Action::Mint { to: who, amount: *budget }).await?;
        let mut k = KeeperConfig::bidder(name, *value, *budget);
        k.kick = false;
        k.balance_sheet = false;
        k.waterfall = false;
        k.pledge = pledging;
        keepers.push((who, k));
        names.push(name.clone());
    }
    let driven = drive_keepers(chain.clone(), d, keepers, max_rounds, None, progress).await?;
    let cover = d
        .read_cover(&*chain, &stakers.iter().map(|(a, _)| *a).collect::<Vec<_>>())
        .await?
        .ok_or(DemoError::NoWaterfall)?
        .cover;
    let live = backstop_chain::live::load_live(&*chain, &d).await?;
    let c = cover.model.covered;
    let sink = d.stablecoin_balance(&*chain, SINK).await?;
    let others = sum(&[c.treasury, c.slashed, c.pledged]);
    let auctions = sink.saturating_sub(others);
    let debt_left = live.system.accountant.debt();
    let accounted = sum(&[others, auctions, c.socialised, debt_left]);
    if accounted != c.booked {
        return Err(DemoError::Unaccounted { booked: c.booked, accounted });
    }
    let vault = cover.model.vault.as_ref();
    let stakers = stakers
        .into_iter()
        .map(|(account, staked)| {
            let worth = vault
                .and_then(|v| v.convert_to_assets(v.shares_of(account)).ok())
                .unwrap_or_default();
            StakerLine { account, staked, worth }
        })
        .collect();
    let transactions = driven.keepers.iter().map(|s| s.txs).sum();
    let keepers = names.into_iter().zip(driven.keepers).filter(|(n, _)| n != "settler").collect();
    Ok(WaterfallDemoReport {
        scenario: spec.name,
        waterfall: name,
        order: cfg.order.clone(),
        backend,
        booked: c.booked,
        treasury: c.treasury,
        staking: c.slashed,
        pledge: c.pledged,
        auctions,
        socialised: c.socialised,
        debt_left,
        minted: d.gov_supply(&*chain).await?,
        auction_count: live.system.english.kicks() + live.system.dutch.kicks(),
        stakers,
        keepers,
        chain_seconds: driven.now.saturating_sub(t0),
        transactions,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}

/// `a + b + …` exactly; [`DemoError::Unaccounted`]'s overflow case cannot arise from amounts the
/// contracts hold (each below 2^128).
fn sum(xs: &[Wad]) -> Wad {
    xs.iter().fold(Wad::ZERO, |s, x| s.checked_add(*x).unwrap_or(Wad::from_raw(U256::MAX)))
}
