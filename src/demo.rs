//! The demo: bad debt in, auctions, competing keepers, bad debt cleared, a report out.
//!
//! It deploys a system, books a scenario's bad debt (and treasury), funds several keepers with
//! different valuations and budgets, and runs them as tasks in rounds. On a chain whose clock only
//! moves when told (the embedded EVM, Anvil), a round in which no keeper had anything to do moves
//! the clock to the next moment something can change (a bid expiring, an auction ending, a Dutch
//! price step, queued debt maturing).

use alloy_primitives::{Address, B256, U256};
use backstop_chain::{
    Adapter, Broadcast, ChainError, Deployment, DevChain, Settlement, SystemClient, deploy_system,
    uniswap::{UniswapError, UniswapV2Core, UniswapV2Pair, deploy_flash_market},
};
use backstop_core::{Action, Calc, Ray, SystemParams, Timestamp, Wad, amm::Reserves};
use backstop_keeper::keeper::{FlashConfig, Keeper, KeeperConfig, Mechanism, Stats};
use serde::Serialize;
use std::{sync::Arc, time::Instant};
use tokio::sync::{mpsc, oneshot};

/// The demo's deployer (ward of every contract; books the bad debt, mints the budgets).
pub const DEPLOYER: Address = Address::new([0xde; 20]);
/// The settler: a keeper that starts, resets and settles auctions but does not bid.
pub const SETTLER: Address = Address::new([0x4e; 20]);
/// Where the stablecoin raised goes (the deployment's sink; the differential harness's sink too,
/// and no other actor's address).
pub const SINK: Address = Address::new([0x51; 20]);

/// The arbitrageur of a flash demo: buys governance tokens back on the pair when keepers' sales
/// have pushed its price below the oracle's (it has stablecoin; the keepers have none).
pub const ARBITRAGEUR: Address = Address::new([0xab; 20]);

/// A flash demo's pair holds this many times the debt the auctions raise (the bad debt less the
/// treasury), in stablecoin, and the same value in governance tokens at the oracle price.
pub const POOL_DEPTH_MULTIPLE: u64 = 4;

/// The minimum profit of the flash demo's keepers, stablecoin per take (keeper `i` of the
/// scenario gets the `i`-th, cycling).
pub const FLASH_MIN_PROFITS: [&str; 3] = ["10", "25", "50"];

/// The timestamp the demo's chains start at (19 March 2020, 14:28 UTC: the first debt auctions).
pub const DEMO_START: u64 = 1_584_628_080;

/// Makes an Anvil's clock move only when told (`evm_setNextBlockTimestamp`), as the embedded
/// EVM's: every block is stamped with its parent's time (`anvil_setBlockTimestampInterval 0`).
/// A demo on Anvil then sends the same transactions at the same times on every run. Automine
/// otherwise stamps blocks with the wall clock, which varies run to run; and one second per
/// block still varies, as an automining node under load may pack several transactions sent in a
/// row into one block or not.
pub async fn pin_anvil_clock(chain: &backstop_chain::RpcChain) -> Result<(), ChainError> {
    use alloy::providers::ext::AnvilApi;
    chain.provider().anvil_set_block_timestamp_interval(0).await.map_err(|e| {
        ChainError::backend(backstop_chain::RpcChainError::rpc(
            "anvil_setBlockTimestampInterval",
            e,
        ))
    })
}

/// Why the demo stopped short.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The chain failed or refused an action.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A keeper's task ended before the demo did (it panicked).
    #[error("a keeper's task stopped")]
    KeeperStopped,
    /// The Uniswap V2 market of a flash demo could not be stood up or traded on.
    #[error("flash demo")]
    Uniswap(#[from] UniswapError),
    /// `--flash` without `--dutch`: flash takes exist only on Dutch sales.
    #[error("flash funding needs Dutch auctions (--dutch): an English bid cannot be flash-funded")]
    FlashNeedsDutch,
    /// `--waterfall`: not a built-in name, or a file the model refuses.
    #[error(transparent)]
    Waterfall(#[from] crate::waterfall_demo::WaterfallFileError),

    /// The deployment has no waterfall to read back.
    #[error("the deployment has no loss waterfall")]
    NoWaterfall,
    /// The waterfall's ledger and the chain disagree: booked debt not accounted for to the wei.
    #[error("booked {booked} but the layers and the debt left account for {accounted}")]
    Unaccounted {
        /// Booked through the waterfall, WAD.
        booked: Wad,
        /// Covered by the layers plus the debt left, WAD.
        accounted: Wad,
    },
}

/// How the demo's keepers pay for what they buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Funding {
    /// Each keeper holds its scenario budget in stablecoin and bids up to its valuation.
    #[default]
    Capital,
    /// Keepers hold no stablecoin: each Dutch take is paid by selling the slice on a real Uniswap
    /// V2 pair within the same transaction (`[keeper.flash]`, `DutchFlashTaker`); an arbitrageur
    /// with stablecoin buys the pair back to the oracle price between rounds.
    Flash,
}

/// A named crisis: each is a built-in scenario of the simulator (`examples/scenarios/*.toml`), so the
/// demo and `backstop sim` run the same numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// MakerDAO, March 2020: 5.67M of bad debt, MKR at 265, lots of 50,000 for 250 MKR, the flop
    /// parameters of 19 March 2020 (`beg` 3%, `pad` 20%, `ttl` 6 h, `tau` 3 days): the scenario
    /// `black-thursday-2020-fixed`.
    BlackThursday,
    /// Aave, April 2026: $230.1M of bad debt, a $200M treasury pays first, governance tokens cover
    /// the rest: the scenario `aave-2026`.
    Aave2026,
}

/// A scenario's numbers.
#[derive(Debug, Clone)]
pub struct ScenarioSpec {
    /// Name.
    pub name: &'static str,
    /// Bad debt booked, WAD.
    pub debt: Wad,
    /// Treasury (accountant surplus) that pays first, WAD.
    pub treasury: Wad,
    /// Oracle price, RAY.
    pub price: Ray,
    /// Deployment parameters.
    pub params: SystemParams,
    /// Keepers: name, valuation (RAY), budget (WAD).
    pub keepers: Vec<(String, Ray, Wad)>,
}

impl Scenario {
    /// The simulator's built-in scenario the demo runs.
    pub fn sim_name(self) -> &'static str {
        match self {
            Self::BlackThursday => "black-thursday-2020-fixed",
            Self::Aave2026 => "aave-2026",
        }
    }

    /// The name the report shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::BlackThursday => "black-thursday-2020-fixed",
            Self::Aave2026 => "aave-2026",
        }
    }

    /// The numbers behind the name, read from the simulator's scenario file: the bad debt (every
    /// tranche, booked at once), the treasury, the market price as the oracle, the auction
    /// parameters, and one keeper per simulated bidder with the group's capital as its budget and
    /// its mean valuation (a multiple of the market price) rounded to a whole stablecoin as its
    /// limit.
    pub fn spec(self) -> ScenarioSpec {
        let sc = backstop_sim::Scenario::builtin(self.sim_name())
            .expect("the demo's scenarios are built into the simulator");
        spec_of(self.name(), &sc)
    }
}

fn spec_of(name: &'static str, sc: &backstop_sim::Scenario) -> ScenarioSpec {
    let debt = sc
        .debt
        .tranches
        .iter()
        .try_fold(Wad::ZERO, |s, t| s.checked_add(t.amount))
        .unwrap_or(Wad::from_raw(U256::MAX));
    let price_f = sc.market.price.to_string().parse::<f64>().unwrap_or(0.0);
    let mut keepers = Vec::new();
    for g in &sc.bidders {
        // Whole stablecoin, exactly: the limit is a decimal the keeper's report can print.
        let limit = format!("{}", (price_f * g.valuation).round() as u64);
        let limit: Ray = limit.parse().unwrap_or(Ray::ZERO);
        for i in 0..g.count.max(1) {
            let n = if g.count > 1 { format!("{}-{}", g.name, i + 1) } else { g.name.clone() };
            keepers.push((n, limit, g.capital));
        }
    }
    ScenarioSpec {
        name,
        debt,
        treasury: sc.debt.treasury,
        price: sc.market.price,
        params: sc.params(),
        keepers,
    }
}

/// One keeper's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct KeeperLine {
    /// Name.
    pub name: String,
    /// Account.
    pub account: Address,
    /// Valuation, RAY.
    pub valuation: Ray,
    /// Budget, WAD.
    pub budget: Wad,
    /// What it did.
    pub stats: Stats,
}

/// The demo's report.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// Scenario.
    pub scenario: &'static str,
    /// Backend.
    pub backend: String,
    /// English or Dutch.
    pub mechanism: Mechanism,
    /// Bad debt booked, WAD.
    pub debt: Wad,
    /// Bad debt left, WAD.
    pub debt_left: Wad,
    /// Paid by the treasury (heal), WAD.
    pub treasury_paid: Wad,
    /// Raised by auctions, WAD.
    pub raised: Wad,
    /// Auctions started.
    pub auctions: u64,
    /// Ticks and redos (restarts).
    pub restarts: u64,
    /// Governance tokens minted, WAD.
    pub minted: Wad,
    /// Average price paid per token, RAY.
    pub average_price: Ray,
    /// The oracle price, RAY.
    pub oracle: Ray,
    /// Transactions mined.
    pub transactions: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Rounds run.
    pub rounds: u64,
    /// Simulated chain time, seconds.
    pub chain_seconds: u64,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// Per keeper.
    pub keepers: Vec<KeeperLine>,
    /// How the keepers paid.
    pub funding: Funding,
    /// The pair of a flash demo: reserves before and after, and the arbitrageur's trades.
    pub pool: Option<PoolReport>,
}

/// The Uniswap V2 pair of a flash demo.
#[derive(Debug, Clone, Serialize)]
pub struct PoolReport {
    /// The pair.
    pub pair: Address,
    /// The stablecoin it trades against the governance token.
    pub stablecoin: Address,
    /// Reserves when the first auction started (governance tokens and stablecoin, WAD).
    pub before: Reserves,
    /// Reserves at the end, WAD.
    pub after: Reserves,
    /// The lowest spot price seen after a round, stablecoin per token, RAY.
    pub lowest_spot: Ray,
    /// Stablecoin the arbitrageur paid into the pair, WAD.
    pub arbitrage_paid: Wad,
    /// Governance tokens the arbitrageur bought, WAD.
    pub arbitrage_bought: Wad,
    /// The arbitrageur's trades.
    pub arbitrage_trades: u64,
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |x: Wad| {
            let num =
                x.raw().saturating_mul(U256::from(10_000)) / self.debt.raw().max(U256::from(1));
            format!("{}.{:02}%", num / U256::from(100), num % U256::from(100))
        };
        let funding = match self.funding {
            Funding::Capital => "",
            Funding::Flash => ", keepers without capital",
        };
        writeln!(
            f,
            "Backstop demo: {} ({:?} auctions{funding}, {})",
            self.scenario, self.mechanism, self.backend
        )?;
        writeln!(f, "  bad debt           {}", self.debt)?;
        writeln!(f, "  paid by treasury   {} ({})", self.treasury_paid, pct(self.treasury_paid))?;
        writeln!(f, "  raised by auctions {} ({})", self.raised, pct(self.raised))?;
        writeln!(
            f,
            "  bad debt left      {}{}",
            self.debt_left,
            if self.debt_left.is_zero() { " (cleared)" } else { "" }
        )?;
        writeln!(f, "  auctions run       {} ({} restarts)", self.auctions, self.restarts)?;
        writeln!(f, "  tokens minted      {}", self.minted)?;
        let avg: f64 = self.average_price.to_string().parse().unwrap_or(0.0);
        let oracle: f64 = self.oracle.to_string().parse().unwrap_or(1.0);
        writeln!(
            f,
            "  average price      {:.4} per token ({:.2}% of the oracle's {})",
            avg,
            100.0 * avg / oracle,
            self.oracle
        )?;
        writeln!(f, "  transactions       {} ({} gas)", self.transactions, self.gas_used)?;
        writeln!(
            f,
            "  chain time         {:.1} days in {} rounds",
            self.chain_seconds as f64 / 86_400.0,
            self.rounds
        )?;
        writeln!(f, "  wall time          {:.2} s", self.wall_seconds)?;
        let units =
            |w: Wad, dp: usize| format!("{:.dp$}", w.to_string().parse::<f64>().unwrap_or(0.0));
        if let Some(p) = &self.pool {
            let spot = |r: &Reserves| {
                r.spot_price()
                    .map(|x| format!("{:.2}", x.to_string().parse::<f64>().unwrap_or(0.0)))
            };
            let spot = |r: &Reserves| spot(r).unwrap_or_else(|_| "-".into());
            writeln!(
                f,
                "  pool before        {} tokens / {} stablecoin (spot {})",
                units(p.before.gov, 2),
                units(p.before.coin, 2),
                spot(&p.before)
            )?;
            writeln!(
                f,
                "  pool after         {} tokens / {} stablecoin (spot {}, lowest {:.2})",
                units(p.after.gov, 2),
                units(p.after.coin, 2),
                spot(&p.after),
                p.lowest_spot.to_string().parse::<f64>().unwrap_or(0.0)
            )?;
            writeln!(
                f,
                "  arbitrage          {} trades: {} stablecoin for {} tokens",
                p.arbitrage_trades,
                units(p.arbitrage_paid, 2),
                units(p.arbitrage_bought, 4)
            )?;
        }
        writeln!(f, "  keepers:")?;
        for k in &self.keepers {
            if self.funding == Funding::Flash {
                writeln!(
                    f,
                    "    {:<9} capital 0  won {:>4}  tokens sold {:>14}  owed {:>14}  profit {}",
                    k.name,
                    k.stats.won,
                    units(k.stats.tokens, 4),
                    units(k.stats.spent, 2),
                    units(k.stats.flash_profit, 2),
                )?;
                continue;
            }
            writeln!(
                f,
                "    {:<9} limit {:>6}  won {:>4}  tokens {:>14}  paid {:>14}  P&L at limit {}",
                k.name,
                k.valuation.to_string(),
                k.stats.won,
                format!("{:.4}", k.stats.tokens.to_string().parse::<f64>().unwrap_or(0.0)),
                format!("{:.2}", k.stats.spent.to_string().parse::<f64>().unwrap_or(0.0)),
                k.stats.pnl(),
            )?;
        }
        Ok(())
    }
}

/// What [`drive_keepers`] did.
#[derive(Debug, Clone)]
pub struct Driven {
    /// Rounds run.
    pub rounds: u64,
    /// Chain time at the end, seconds.
    pub now: Timestamp,
    /// Each keeper's statistics, in the order given (summed over restarts).
    pub keepers: Vec<Stats>,
    /// Keepers restarted.
    pub restarts: u64,
}

/// Runs `keepers` (account, configuration) against `adapter` in rounds, each keeper one step a
/// round, until every keeper is finished and none sent anything, or `max_rounds`. A round in
/// which nobody sent anything moves the clock to the next moment something can change (the
/// chain's clock must move only when told). With `restart_at = Some(r)`, every keeper is stopped
/// after round `r` and started again from the chain (a keeper restarted mid-run).
pub async fn drive_keepers<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    adapter: Deployment,
    keepers: Vec<(Address, KeeperConfig)>,
    max_rounds: u64,
    restart_at: Option<u64>,
    progress: impl FnMut(&Progress),
) -> Result<Driven, DemoError> {
    drive_keepers_with(chain, adapter, keepers, max_rounds, restart_at, None, progress).await
}

/// [`drive_keepers`], with an arbitrageur that trades the pair back towards its target after every
/// round in which a keeper sent something.
pub async fn drive_keepers_with<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    adapter: Deployment,
    keepers: Vec<(Address, KeeperConfig)>,
    max_rounds: u64,
    restart_at: Option<u64>,
    mut arbitrage: Option<&mut Arbitrage>,
    mut progress: impl FnMut(&Progress),
) -> Result<Driven, DemoError> {
    let mut handles = Vec::new();
    let mut stats: Vec<Stats> = Vec::new();
    for (who, cfg) in &keepers {
        handles.push(spawn_keeper(chain.clone(), adapter, *who, cfg.clone()).await?);
        stats.push(Stats::default());
    }
    let mut restarts = 0;
    let mut rounds = 0u64;
    let mut idle = 0u32;
    let mut now = chain.timestamp().await.map_err(backend_err)?;
    loop {
        rounds += 1;
        let mut sent = 0;
        let mut finished = true;
        for (h, (who, _)) in handles.iter().zip(&keepers) {
            let (tx, rx) = oneshot::channel();
            h.send(Cmd::Step(tx)).await.map_err(|_| DemoError::KeeperStopped)?;
            let (s, done, t, in_flight) = rx.await.map_err(|_| DemoError::KeeperStopped)??;
            until_mined(&*chain, *who, &in_flight).await?;
            sent += s;
            finished &= done;
            now = now.max(t);
        }
        if sent > 0
            && let Some(arb) = arbitrage.as_deref_mut()
        {
            arb.restore(&*chain).await?;
        }
        let live = live_state(&*chain, &adapter).await?;
        progress(&Progress {
            rounds,
            now,
            debt_left: live.system.accountant.debt(),
            auctions: live.system.english.kicks() + live.system.dutch.kicks(),
            live: live.system.english.len() + live.system.dutch.len(),
        });
        if restart_at == Some(rounds) {
            // Stop every keeper (its statistics kept) and start a fresh one from the chain.
            for (i, (who, cfg)) in keepers.iter().enumerate() {
                let (s, _) = finish_keeper(&handles[i]).await?;
                add_stats(&mut stats[i], &s);
                handles[i] = spawn_keeper(chain.clone(), adapter, *who, cfg.clone()).await?;
                restarts += 1;
            }
        }
        if finished && sent == 0 {
            break;
        }
        if rounds >= max_rounds {
            tracing::warn!(rounds, "round limit reached");
            break;
        }
        if sent == 0 {
            idle += 1;
            // Nothing to do now: move the clock to the next moment something can change.
            let next = next_moment(&live.system, now);
            chain.set_next_timestamp(next).await.map_err(backend_err)?;
            chain.mine().await.map_err(backend_err)?;
            now = next;
            if idle > 5_000 {
                break;
            }
        } else {
            idle = 0;
        }
    }
    for (h, st) in handles.iter().zip(stats.iter_mut()) {
        let (s, _) = finish_keeper(h).await?;
        add_stats(st, &s);
    }
    Ok(Driven { rounds, now, keepers: stats, restarts })
}

async fn spawn_keeper<S: Broadcast + 'static>(
    chain: Arc<S>,
    adapter: Deployment,
    who: Address,
    cfg: KeeperConfig,
) -> Result<mpsc::Sender<Cmd>, DemoError> {
    let keeper = Keeper::start(chain, adapter, who, cfg).await?;
    let (tx, rx) = mpsc::channel::<Cmd>(1);
    tokio::spawn(run_keeper(keeper, rx));
    Ok(tx)
}

async fn finish_keeper(h: &mpsc::Sender<Cmd>) -> Result<(Stats, u128), DemoError> {
    let (tx, rx) = oneshot::channel();
    h.send(Cmd::Finish(tx)).await.map_err(|_| DemoError::KeeperStopped)?;
    rx.await.map_err(|_| DemoError::KeeperStopped)
}

/// Adds a finished keeper instance's statistics to its running total (`committed` is the last
/// instance's).
/// Adds a restarted keeper's statistics to the earlier process's (every field named: a new one
/// does not compile until it is summed here).
fn add_stats(t: &mut Stats, s: &Stats) {
    let add = |a: Wad, b: Wad| a.checked_add(b).unwrap_or(Wad::from_raw(U256::MAX));
    let Stats {
        auctions_seen,
        bids_sent,
        won,
        lost,
        tokens,
        spent,
        committed,
        value_at_limit,
        txs,
        gas_used,
        races_lost,
        standing_at_start,
        full_rereads,
        kicks,
        settlements,
        flash_profit,
        waterfall_steps,
        pledged,
        refunded,
        pledge_tokens,
        gas_capped,
    } = s;
    t.auctions_seen += auctions_seen;
    t.bids_sent += bids_sent;
    t.won += won;
    t.lost += lost;
    t.tokens = add(t.tokens, *tokens);
    t.spent = add(t.spent, *spent);
    t.committed = *committed;
    t.value_at_limit = add(t.value_at_limit, *value_at_limit);
    t.txs += txs;
    t.gas_used += gas_used;
    t.races_lost += races_lost;
    t.standing_at_start += standing_at_start;
    t.full_rereads += full_rereads;
    t.kicks += kicks;
    t.settlements += settlements;
    t.flash_profit = add(t.flash_profit, *flash_profit);
    t.waterfall_steps += waterfall_steps;
    t.pledged = add(t.pledged, *pledged);
    t.refunded = add(t.refunded, *refunded);
    t.pledge_tokens = add(t.pledge_tokens, *pledge_tokens);
    t.gas_capped += gas_capped;
}

/// A keeper step's reply: transactions sent, nothing more to do, chain time, and the keeper's
/// transactions in flight (nonce, hashes).
type StepOut = (usize, bool, Timestamp, Vec<(u64, Vec<B256>)>);

enum Cmd {
    /// Replies (transactions sent, nothing more to do, chain time, transactions in flight).
    Step(oneshot::Sender<Result<StepOut, ChainError>>),
    Finish(oneshot::Sender<(Stats, u128)>),
}

/// Progress after each round.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Rounds so far.
    pub rounds: u64,
    /// Chain time, seconds.
    pub now: Timestamp,
    /// Bad debt left, WAD.
    pub debt_left: Wad,
    /// Auctions started so far.
    pub auctions: u64,
    /// Auctions running.
    pub live: usize,
}

/// An arbitrageur with stablecoin that buys governance tokens on a pair whenever its spot price
/// has fallen more than [`Arbitrage::band`] below the target (the oracle price: where it can sell
/// them elsewhere), back to the target before the pair's fee. It never sells: the demo's keepers
/// only push the price down.
#[derive(Debug, Clone)]
pub struct Arbitrage {
    /// The pair.
    pub pair: UniswapV2Pair,
    /// The arbitrageur's account (holds stablecoin, approves nothing: it transfers to the pair).
    pub who: Address,
    /// The price it restores, stablecoin per token, RAY.
    pub target: Ray,
    /// How far below the target the spot price may fall before it trades, a fraction, RAY.
    pub band: Ray,
    /// Stablecoin paid into the pair so far, WAD.
    pub paid: Wad,
    /// Governance tokens bought so far, WAD.
    pub bought: Wad,
    /// Trades so far.
    pub trades: u64,
    /// The lowest spot price seen before a trade, RAY.
    pub lowest: Ray,
}

impl Arbitrage {
    /// An arbitrageur restoring `target` (RAY) on `pair` once the price is 1% below it.
    pub fn new(pair: UniswapV2Pair, who: Address, target: Ray) -> Self {
        Self {
            pair,
            who,
            target,
            band: Ray::from_raw(U256::from(10u64).pow(U256::from(25))),
            paid: Wad::ZERO,
            bought: Wad::ZERO,
            trades: 0,
            lowest: target,
        }
    }

    /// The stablecoin (WAD) that lifts `r`'s spot price to the target before the fee,
    /// `√(gov · coin · target) − coin`, or `None` while the spot price is within the band.
    pub fn to_buy(&self, r: &Reserves) -> Option<Wad> {
        let spot = r.spot_price().ok()?;
        let floor = self.target.raw()
            - self.target.raw().saturating_mul(self.band.raw())
                / U256::from(10u64).pow(U256::from(27));
        if spot.raw() >= floor {
            return None;
        }
        // coin' = √(gov · coin · target / RAY) (WAD): coin · target / RAY first, so the product
        // stays far inside 256 bits (gov · coin · target alone can pass 2^256).
        let ray = U256::from(10u64).pow(U256::from(27));
        let coin_value = r.coin.raw().checked_mul(self.target.raw())? / ray;
        let coin_after = coin_value.checked_mul(r.gov.raw())?.root(2);
        coin_after.checked_sub(r.coin.raw()).filter(|x| !x.is_zero()).map(Wad::from_raw)
    }

    /// Reads the pair and buys it back to the target if it is below the band.
    pub async fn restore<S: Settlement>(&mut self, chain: &S) -> Result<(), UniswapError> {
        let r = self.pair.reserves(chain).await?;
        if let Ok(spot) = r.spot_price() {
            self.lowest = self.lowest.min(spot);
        }
        if let Some(coin) = self.to_buy(&r) {
            let (out, _) = self.pair.buy_gov(chain, self.who, coin).await?;
            self.paid = self.paid.checked_add(coin).unwrap_or(Wad::from_raw(U256::MAX));
            self.bought = self.bought.checked_add(out).unwrap_or(Wad::from_raw(U256::MAX));
            self.trades += 1;
        }
        Ok(())
    }
}

/// Runs a scenario on `chain` (a fresh chain whose clock the demo may move) to the end.
pub async fn run_demo<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    backend: String,
    scenario: Scenario,
    mechanism: Mechanism,
    max_rounds: u64,
    progress: impl FnMut(&Progress),
) -> Result<DemoReport, DemoError> {
    run_demo_funded(chain, backend, scenario, mechanism, Funding::Capital, max_rounds, progress)
        .await
}

/// [`run_demo`] with the keepers funded as `funding` says. [`Funding::Flash`] (Dutch only) also
/// deploys a Uniswap V2 factory, a governance-token / stablecoin pair holding
/// [`POOL_DEPTH_MULTIPLE`] × the debt the auctions raise at the oracle price and a
/// `DutchFlashTaker` (`@uniswap/v2-core` from `scripts/install-tools.sh`), gives every keeper a
/// `[keeper.flash]` table and no stablecoin, and runs an [`Arbitrage`] at the oracle price.
pub async fn run_demo_funded<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    backend: String,
    scenario: Scenario,
    mechanism: Mechanism,
    funding: Funding,
    max_rounds: u64,
    mut progress: impl FnMut(&Progress),
) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let spec = scenario.spec();
    // Up front, before anything is deployed: the mechanism, and the package a flash demo needs.
    let uniswap = match funding {
        Funding::Capital => None,
        Funding::Flash if mechanism != Mechanism::Dutch => return Err(DemoError::FlashNeedsDutch),
        Funding::Flash => Some(UniswapV2Core::locate()?),
    };
    let d: Deployment = deploy_system(&*chain, DEPLOYER, &spec.params, spec.price, SINK).await?;
    let adapter = d;
    let client = SystemClient::new(&*chain, adapter);
    let mut market = None;
    if let Some(core) = &uniswap {
        let raised = spec.debt.saturating_sub(spec.treasury);
        let coin = Wad::from_raw(raised.raw().saturating_mul(U256::from(POOL_DEPTH_MULTIPLE)));
        let gov = Wad::from_raw(
            coin.raw().saturating_mul(U256::from(10u64).pow(U256::from(27))) / spec.price.raw(),
        );
        let m = deploy_flash_market(&*chain, core, &d, DEPLOYER, gov, coin).await?;
        // The arbitrageur can buy the whole pool's stablecoin side twice over.
        let cash = Wad::from_raw(coin.raw().saturating_mul(U256::from(2)));
        client.apply(DEPLOYER, &Action::Mint { to: ARBITRAGEUR, amount: cash }).await?;
        chain
            .set_balance(ARBITRAGEUR, U256::from(10u64).pow(U256::from(21)))
            .await
            .map_err(backend_err)?;
        market = Some(m);
    }
    let pool_before = match &market {
        Some(m) => Some(m.pair.reserves(&*chain).await?),
        None => None,
    };
    client.apply(DEPLOYER, &Action::Fess { tab: spec.debt }).await?;
    let t0 = chain.timestamp().await.map_err(backend_err)?;
    if !spec.treasury.is_zero() {
        client.apply(DEPLOYER, &Action::Mint { to: d.accountant, amount: spec.treasury }).await?;
    }
    // The settler starts auctions and settles; the bidders only bid.
    let mut configs = vec![(SETTLER, settler_config(mechanism), Ray::ZERO, Wad::ZERO)];
    for (i, (name, value, budget)) in spec.keepers.iter().enumerate() {
        let who = Address::repeat_byte(0xc0 + i as u8);
        chain.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.map_err(backend_err)?;
        let cfg = match &market {
            None => {
                client.apply(DEPLOYER, &Action::Mint { to: who, amount: *budget }).await?;
                let mut cfg = KeeperConfig::bidder(name, *value, *budget);
                cfg.mechanism = mechanism;
                cfg.kick = false;
                cfg.balance_sheet = false;
                cfg
            }
            Some(m) => {
                let name = format!("flash-{}", i + 1);
                let min_profit = FLASH_MIN_PROFITS[i % FLASH_MIN_PROFITS.len()];
                let flash = FlashConfig::new(
                    m.taker,
                    m.pair.address,
                    min_profit.parse().unwrap_or_default(),
                );
                let mut cfg = KeeperConfig::flash_bidder(&name, flash);
                cfg.kick = false;
                cfg.balance_sheet = false;
                cfg
            }
        };
        let (value, budget) =
            if market.is_some() { (Ray::ZERO, Wad::ZERO) } else { (*value, *budget) };
        configs.push((who, cfg, value, budget));
    }
    chain.set_balance(SETTLER, U256::from(10u64).pow(U256::from(21))).await.map_err(backend_err)?;
    let lines: Vec<_> =
        configs.iter().map(|(who, cfg, v, b)| (cfg.name.clone(), *who, *v, *b)).collect();
    let configs = configs.into_iter().map(|(who, cfg, _, _)| (who, cfg)).collect();
    let mut arbitrage = market.map(|m| Arbitrage::new(m.pair, ARBITRAGEUR, spec.price));
    let driven = drive_keepers_with(
        chain.clone(),
        adapter,
        configs,
        max_rounds,
        None,
        arbitrage.as_mut(),
        &mut progress,
    )
    .await?;
    let (rounds, now) = (driven.rounds, driven.now);
    let mut report_keepers = Vec::new();
    let (mut txs, mut gas) = (0, 0);
    for (k, (name, account, valuation, budget)) in driven.keepers.into_iter().zip(lines) {
        txs += k.txs;
        gas += k.gas_used;
        if name != "settler" {
            report_keepers.push(KeeperLine { name, account, valuation, budget, stats: k });
        }
    }
    let live = live_state(&*chain, &adapter).await?;
    let sys = &live.system;
    let sink = adapter.stablecoin_balance(&*chain, d.sink).await?;
    // The pair's seed tokens were minted by the deployer, not by the auctions.
    let seeded = pool_before.map(|r| r.gov).unwrap_or_default();
    let minted = adapter.gov_supply(&*chain).await?.saturating_sub(seeded);
    let pool = match (&arbitrage, pool_before) {
        (Some(a), Some(before)) => Some(PoolReport {
            pair: a.pair.address,
            stablecoin: a.pair.coin,
            before,
            after: a.pair.reserves(&*chain).await?,
            lowest_spot: a.lowest,
            arbitrage_paid: a.paid,
            arbitrage_bought: a.bought,
            arbitrage_trades: a.trades,
        }),
        _ => None,
    };
    let debt_left = sys.accountant.debt();
    let treasury_paid = spec.treasury.saturating_sub(sys.surplus());
    let raised = sink.saturating_sub(treasury_paid);
    let auctions = sys.english.kicks() + sys.dutch.kicks();
    let restarts = count_restarts(&*chain, &adapter).await?;
    Ok(DemoReport {
        scenario: spec.name,
        backend,
        mechanism,
        debt: spec.debt,
        debt_left,
        treasury_paid,
        raised,
        auctions,
        restarts,
        minted,
        average_price: if minted.is_zero() {
            Ray::ZERO
        } else {
            Ray::ratio(raised, minted).unwrap_or_default()
        },
        oracle: spec.price,
        transactions: txs,
        gas_used: gas,
        rounds,
        chain_seconds: now.saturating_sub(t0),
        wall_seconds: started.elapsed().as_secs_f64(),
        keepers: report_keepers,
        funding,
        pool,
    })
}

/// The settler: starts, settles and resets auctions, runs the balance sheet and the waterfall's
/// steps; does not bid.
pub fn settler_config(mechanism: Mechanism) -> KeeperConfig {
    let mut c = KeeperConfig::bidder("settler", Ray::ZERO, Wad::ZERO);
    c.mechanism = mechanism;
    c.bid = false;
    c
}

async fn run_keeper<S: Broadcast + 'static>(mut k: Keeper<S>, mut rx: mpsc::Receiver<Cmd>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            Cmd::Step(reply) => {
                let out = k.step().await.map(|r| (r.sent, k.is_finished(), k.now, k.in_flight()));
                let _ = reply.send(out);
            }
            Cmd::Finish(reply) => {
                let _ = reply.send((k.stats.clone(), k.gas_paid()));
                return;
            }
        }
    }
}

/// Polls (about a millisecond apart) after which a pending transaction is left to its keeper.
const STUCK_POLLS: u64 = 20_000;

/// Waits until every transaction of `who` in flight has a receipt. An automining node answers a
/// send before it has written the block, so without this the next keeper's step (the blocks and
/// events it sees) would depend on how fast the node mines, and two runs could differ. Nonces
/// cannot tell: while Anvil mines, the transaction has left the pool (the pending nonce no longer
/// counts it) and the state already has the new nonce before the block and its logs are
/// readable. A transaction the node lost or replaced by another (no receipt of ours, and its
/// nonce mined or not pending, seen twice a thousand polls apart) is not waited for: the keeper
/// resyncs at its next step; nor is one still pending after [`STUCK_POLLS`] polls (an
/// automining node mines whatever it accepts at once; one that does not is waiting for better
/// fees, which the keeper's next step provides).
async fn until_mined<S: Broadcast>(
    chain: &S,
    who: Address,
    in_flight: &[(u64, Vec<B256>)],
) -> Result<(), ChainError> {
    for (nonce, hashes) in in_flight {
        let mut lost = 0u8;
        'tx: for poll in 1u64.. {
            for h in hashes {
                if chain.receipt(*h).await.map_err(backend_err)?.is_some() {
                    break 'tx;
                }
            }
            if poll % 1_000 == 0 {
                // Not waiting on the node any more: its nonce used by another transaction, or
                // neither mined nor pending.
                let gone = chain.nonce(who, false).await.map_err(backend_err)? > *nonce
                    || chain.nonce(who, true).await.map_err(backend_err)? <= *nonce;
                lost = if gone { lost + 1 } else { 0 };
                if lost == 2 {
                    tracing::warn!(%who, nonce, "a transaction is gone from the node unmined");
                    break;
                }
                if poll >= STUCK_POLLS {
                    // Pending but not mined (fees below the node's): the keeper replaces it.
                    tracing::warn!(%who, nonce, "a transaction is still pending; moving on");
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    Ok(())
}

fn backend_err(e: impl std::error::Error + Send + Sync + 'static) -> ChainError {
    ChainError::backend(e)
}

async fn live_state<S: Broadcast>(
    chain: &S,
    adapter: &Deployment,
) -> Result<backstop_chain::live::LiveState, ChainError> {
    backstop_chain::live::load_live(chain, adapter).await
}

async fn count_restarts<S: Broadcast>(chain: &S, adapter: &Deployment) -> Result<u64, ChainError> {
    let q = backstop_chain::LogQuery {
        from_block: adapter.start_block(),
        to_block: None,
        addresses: adapter.emitters(),
    };
    let logs = chain.logs(&q).await.map_err(backend_err)?;
    Ok(logs
        .iter()
        .filter_map(|l| adapter.decode_chain_log(l))
        .filter(|ev| {
            matches!(
                ev,
                backstop_core::Event::English(backstop_core::EnglishEvent::Tick { .. })
                    | backstop_core::Event::Dutch(backstop_core::DutchEvent::Redo { .. })
            )
        })
        .count() as u64)
}

/// The next time at which the state can change by time alone (at least one second on).
pub fn next_moment(sys: &backstop_core::System, now: Timestamp) -> Timestamp {
    let mut next = Timestamp::MAX;
    for (_, a) in sys.english.auctions() {
        if let Some(t) = sys.english.next_change(a, now) {
            next = next.min(t);
        }
    }
    let p = &sys.dutch.params;
    for (id, s) in sys.dutch.sales() {
        // The next price step, or the moment the sale needs a reset.
        let step = match p.calc {
            Calc::StairStep => p.step,
            Calc::Exponential | Calc::Linear => 60,
        };
        let elapsed = now.saturating_sub(s.tic);
        let to_step = step - elapsed % step;
        next = next.min(now + to_step.max(1));
        if let Ok(t) = sys.dutch.done_at(id, now) {
            next = next.min(t.max(now + 1));
        }
    }
    let wait = sys.accountant.params.wait;
    for (era, _) in sys.accountant.queue() {
        next = next.min(era.saturating_add(wait).max(now + 1));
    }
    // A loss waterfall's clock: the slash interval, a round's deadline, socialisation.
    if let Some(t) = sys.waterfall().and_then(|w| w.next_time(now)) {
        next = next.min(t);
    }
    if next == Timestamp::MAX { now + 3_600 } else { next.max(now + 1) }
}
