//! The Aave v3 demo: a real Aave v3 market (`@aave/core-v3` 1.19.3), a real bad-debt event on it,
//! and Backstop recapitalizing it: bad debt measured on the pool and booked by
//! `AaveBadDebtBook`, the Collector's WETH paying first, English (or Dutch) debt auctions with
//! competing keepers raising the rest in WETH, and `AaveRepaySink` repaying the booked accounts'
//! debt on the pool; then every WETH supplier withdraws in full.
//!
//! The run is split in stages ([`AaveRecap`]) so tests can inject faults between them (a third
//! party repaying, a keeper restarting); [`run_aave_demo`] runs them all. Units: WETH amounts are
//! wei (`_wei`, 18 decimals, numerically the core's WAD); prices of the governance token are RAY
//! WETH per token.
//!
//! Lot sizing (governance's decision once the bad debt is booked): the treasury pays at most
//! `treasury_share_wei`; the rest is split into `n = ⌈rest / lot_target⌉` lots of
//! `sump = ⌈rest / n⌉`, and the treasury pays `booked − n · sump` (≤ its share), so the auctions
//! raise exactly whole lots (the accountant starts an auction only while `sump ≤ woe`).
//! Interest accrues on the pool while the auctions run; it is booked again just before the
//! final repayment and, being far smaller than a lot, paid by a second treasury transfer.

use crate::demo::{DemoError, Progress, drive_keepers};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop_chain::{
    Adapter, Broadcast, ChainError, DevChain, Settlement, SettlementExt, SystemClient, TxRequest,
    aave::{
        self, AaveBackstop, AaveCore, AaveError, AaveMarket, AaveMarketParams, BadDebtEvent,
        COLLECTOR, PoolReading, SinkTotals,
        bindings::{IERC20, IPool, WETH9Mocked},
        tokens,
    },
};
use backstop_core::{
    AccountantParam, AccountantParams, Action, Event, OracleParams, Ray, SystemParams, Timestamp,
    Wad, dutch::DutchEvent, english::EnglishEvent,
};
use backstop_keeper::keeper::{KeeperConfig, Mechanism, Stats};
use serde::Serialize;
use std::sync::Arc;

/// Governance in the Aave demo: first ward of Backstop's contracts and the Aave market's admin.
pub const GOVERNANCE: Address = Address::new([0xa6; 20]);
/// Calls `book` and `repay` (both permissionless): any account would do.
pub const OPERATOR: Address = Address::new([0x0b; 20]);
/// The settler keeper (starts and settles auctions, does not bid).
pub const AAVE_SETTLER: Address = Address::new([0x5e; 20]);
/// The timestamp the Aave demo's chains start at (18 April 2026, 00:00 UTC).
pub const AAVE_START: u64 = 1_776_470_400;

/// Bidder `i`'s account.
pub fn bidder(i: usize) -> Address {
    let mut a = [0xb1; 20];
    a[19] = i as u8;
    Address::new(a)
}

/// Why the Aave demo stopped short.
#[derive(Debug, thiserror::Error)]
pub enum AaveDemoError {
    /// The market, the book or the sink failed or refused.
    #[error(transparent)]
    Aave(#[from] AaveError),
    /// The keepers or Backstop's contracts failed.
    #[error(transparent)]
    Demo(#[from] DemoError),
    /// A chain call failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The fork's addresses file, or the market it names, is not usable.
    #[error(transparent)]
    Fork(#[from] aave::AaveForkError),
    /// The Collector cannot pay what governance decided.
    #[error("the Collector holds {held_wei} wei of WETH; {needed_wei} wei needed")]
    TreasuryShort {
        /// Held, wei.
        held_wei: U256,
        /// Needed, wei.
        needed_wei: U256,
    },
}

/// The demo's parameters.
#[derive(Debug, Clone)]
pub struct AaveRecapParams {
    /// The market and the bad-debt event.
    pub market: AaveMarketParams,
    /// WETH added to the Collector's holdings before the recap, wei (minted to [`COLLECTOR`] on a
    /// market deployed here; deposited on a fork: [`WethSource`]).
    pub collector_weth_wei: U256,
    /// At most this much of the bad debt is paid by the treasury, wei.
    pub treasury_share_wei: U256,
    /// Target stablecoin (WETH) per auction, wei.
    pub lot_target_wei: U256,
    /// The governance token's oracle price, RAY WETH per token.
    pub gov_price: Ray,
    /// Opening lot as a multiple of `sump / gov_price`, WAD (2 = the price starts at half).
    pub opening_lot_factor: Wad,
    /// Bidders: name, valuation (RAY WETH per token), budget (WAD WETH).
    pub keepers: Vec<(String, Ray, Wad)>,
    /// English or Dutch auctions.
    pub mechanism: Mechanism,
}

impl Default for AaveRecapParams {
    /// The default market and event (54,715.74 WETH of bad debt), a Collector holding 60,000 WETH
    /// of which governance commits 40,000, lots near 1,000 WETH, the token at 0.04 WETH (an
    /// AAVE-like token at $92 with ETH at $2,300), three competing bidders.
    fn default() -> Self {
        let r = |s: &str| s.parse::<Ray>().expect("a decimal");
        let w = |s: &str| s.parse::<Wad>().expect("a decimal");
        Self {
            market: AaveMarketParams::default(),
            collector_weth_wei: tokens(60_000),
            treasury_share_wei: tokens(40_000),
            lot_target_wei: tokens(1_000),
            gov_price: r("0.04"),
            opening_lot_factor: w("2"),
            keepers: vec![
                ("fund-a".into(), r("0.039"), w("9000")),
                ("fund-b".into(), r("0.037"), w("9000")),
                ("retail".into(), r("0.03"), w("2000")),
            ],
            mechanism: Mechanism::English,
        }
    }
}

/// How accounts get WETH for the recap (the treasury's top-up, the bidders' budgets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WethSource {
    /// `mint(account, amount)` of the package's `WETH9Mocked` (a market deployed here).
    Mint,
    /// Ether set on the dev chain (`anvil_setBalance`), then WETH9's `deposit()`: any WETH9,
    /// e.g. a real network's on a fork.
    Deposit,
}

/// The market a recap acts on: the addresses every stage needs, whether the market was deployed
/// here or exists on a fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveTarget {
    /// The Aave v3 pool.
    pub pool: Address,
    /// The raise asset (WETH), a reserve of the pool.
    pub weth: Address,
    /// WETH's aToken.
    pub a_weth: Address,
    /// WETH's variable-debt token.
    pub weth_debt_token: Address,
    /// The treasury that pays first (Aave's Collector).
    pub collector: Address,
    /// WETH suppliers who withdraw at the end.
    pub weth_suppliers: Vec<Address>,
    /// How WETH is obtained.
    pub weth_source: WethSource,
}

impl AaveTarget {
    /// A market deployed here (WETH minted, the treasury at [`COLLECTOR`]).
    pub fn deployed(market: &AaveMarket, event: &BadDebtEvent) -> Self {
        Self {
            pool: market.pool,
            weth: market.weth.underlying,
            a_weth: market.weth.a_token,
            weth_debt_token: market.weth.variable_debt_token,
            collector: COLLECTOR,
            weth_suppliers: event.weth_suppliers.clone(),
            weth_source: WethSource::Mint,
        }
    }
}

/// A stage-by-stage recapitalization of an Aave market.
pub struct AaveRecap<S> {
    /// The chain.
    pub chain: Arc<S>,
    /// Parameters.
    pub params: AaveRecapParams,
    /// The market the recap acts on.
    pub target: AaveTarget,
    /// The market, when this run deployed it (`None` on a fork).
    pub market: Option<AaveMarket>,
    /// The event that left bad debt, when this run caused it (`None` on a fork).
    pub event: Option<BadDebtEvent>,
    /// Backstop over the market.
    pub backstop: AaveBackstop,
    /// The accounts booked (zero collateral, WETH debt).
    pub accounts: Vec<Address>,
    /// The pool measured just before booking.
    pub before: PoolReading,
    /// Booked by the first `book`, wei.
    pub booked_wei: U256,
    /// Booked by later calls (interest), wei.
    pub booked_later_wei: U256,
    /// The Collector's WETH before the recap, wei.
    pub collector_before_wei: U256,
    /// The bidders' WETH budgets minted, wei.
    pub budgets_wei: U256,
    /// Auctions: lots of this many wei each.
    pub sump_wei: U256,
    /// Chain time at booking.
    pub t0: Timestamp,
    /// What the keepers did, when they ran.
    pub keepers: Vec<(String, Address, Ray, Wad, Stats)>,
    /// Keeper rounds run.
    pub rounds: u64,
    /// Chain time after the auctions.
    pub now: Timestamp,
    /// Keeper restarts.
    pub restarts: u64,
}

fn step(what: &str) -> impl FnOnce(ChainError) -> AaveError + '_ {
    move |e| AaveError::step(what, e)
}

impl<S: Broadcast + DevChain + 'static> AaveRecap<S> {
    /// Deploys the market, runs the event, deploys Backstop over it, measures the pool and books
    /// every bad-debt account; files the lot size; funds the bidders ([`Self::deploy`], then
    /// [`Self::book_bad_debt`]).
    pub async fn setup(
        chain: Arc<S>,
        core: &AaveCore,
        params: AaveRecapParams,
    ) -> Result<Self, AaveDemoError> {
        let mut me = Self::deploy(chain, core, params).await?;
        let candidates = me.event.as_ref().map(BadDebtEvent::accounts).unwrap_or_default();
        me.book_bad_debt(&candidates).await?;
        Ok(me)
    }

    /// The first half of [`Self::setup`]: deploys the market, runs the event, deploys Backstop
    /// over it and gives the Collector its WETH. Nothing is measured or booked yet (a test may
    /// change the market here, e.g. an oracle fault, before [`Self::book_bad_debt`]).
    pub async fn deploy(
        chain: Arc<S>,
        core: &AaveCore,
        params: AaveRecapParams,
    ) -> Result<Self, AaveDemoError> {
        let c = &*chain;
        let market = aave::deploy_market(c, core, GOVERNANCE, &params.market).await?;
        let event = aave::run_bad_debt_event(c, core, &market, GOVERNANCE, &params.market).await?;
        let target = AaveTarget::deployed(&market, &event);
        let mut me = Self::deploy_over(chain, target, params).await?;
        me.market = Some(market);
        me.event = Some(event);
        Ok(me)
    }

    /// Deploys Backstop over `target` (a market deployed here or one on a fork), tops up the
    /// Collector, measures `candidates` on the pool and books the bad-debt ones; files the lot
    /// size; funds the bidders ([`Self::deploy_over`], then [`Self::book_bad_debt`]).
    pub async fn attach(
        chain: Arc<S>,
        target: AaveTarget,
        params: AaveRecapParams,
        candidates: &[Address],
    ) -> Result<Self, AaveDemoError> {
        let mut me = Self::deploy_over(chain, target, params).await?;
        me.book_bad_debt(candidates).await?;
        Ok(me)
    }

    /// Deploys Backstop over `target` and tops up the Collector; nothing is measured or booked.
    pub async fn deploy_over(
        chain: Arc<S>,
        target: AaveTarget,
        params: AaveRecapParams,
    ) -> Result<Self, AaveDemoError> {
        let c = &*chain;
        // `sump` and `dump` are placeholders until the bad debt is measured (`size_lots`).
        let sys = SystemParams {
            accountant: AccountantParams {
                wait: 0,
                sump: Wad::from_raw(params.lot_target_wei),
                dump: Wad::from_raw(tokens(1)),
            },
            english: Default::default(),
            dutch: Default::default(),
            oracle: OracleParams { age: 365 * 86_400, ..Default::default() },
        };
        let backstop = aave::deploy_backstop_over(
            c,
            target.pool,
            target.weth,
            GOVERNANCE,
            &sys,
            params.gov_price,
        )
        .await?;
        for who in [OPERATOR, AAVE_SETTLER, target.collector, GOVERNANCE] {
            c.set_balance(who, tokens(1_000)).await.map_err(ChainError::backend)?;
        }
        // The Collector's liquid WETH.
        let weth = target.weth;
        let (collector, source) = (target.collector, target.weth_source);
        fund_weth(c, weth, source, collector, params.collector_weth_wei, "collector").await?;
        let collector_before_wei = weth_balance(c, weth, collector).await?;
        let t0 = c.timestamp().await.map_err(ChainError::backend)?;
        let before = PoolReading {
            block: 0,
            pool: target.pool,
            debt_asset: weth,
            variable_debt_token: backstop.debt_token,
            accounts: Vec::new(),
            total_debt_wei: U256::ZERO,
            bad_debt_wei: U256::ZERO,
        };
        Ok(Self {
            chain,
            params,
            target,
            market: None,
            event: None,
            backstop,
            accounts: Vec::new(),
            before,
            booked_wei: U256::ZERO,
            booked_later_wei: U256::ZERO,
            collector_before_wei,
            budgets_wei: U256::ZERO,
            sump_wei: U256::ZERO,
            t0,
            keepers: Vec::new(),
            rounds: 0,
            now: t0,
            restarts: 0,
        })
    }

    /// The second half of [`Self::setup`] and [`Self::attach`]: measures `candidates` on the
    /// pool, books every one with bad debt (zero collateral), funds the bidders and files the
    /// lot size.
    pub async fn book_bad_debt(&mut self, candidates: &[Address]) -> Result<(), AaveDemoError> {
        let chain = self.chain.clone();
        let c = &*chain;
        let (weth, source) = (self.target.weth, self.target.weth_source);
        self.before = aave::read_accounts(c, self.target.pool, weth, candidates).await?;
        self.accounts = self.before.bad_debt_accounts().map(|a| a.account).collect();
        self.t0 = c.timestamp().await.map_err(ChainError::backend)?;
        self.now = self.t0;
        let entries = self.backstop.book(c, OPERATOR, &self.accounts).await?;
        self.booked_wei = entries.iter().map(|e| e.tab_wei).sum();
        for (i, (_, _, budget)) in self.params.keepers.iter().enumerate() {
            let who = bidder(i);
            c.set_balance(who, tokens(1_000)).await.map_err(ChainError::backend)?;
            fund_weth(c, weth, source, who, budget.raw(), "bidder").await?;
            self.budgets_wei += budget.raw();
        }
        self.size_lots().await
    }

    fn client(&self) -> SystemClient<'_, S, backstop_chain::Deployment> {
        SystemClient::new(&*self.chain, self.backstop.deployment)
    }

    /// The treasury's part of the booked debt (`booked − n · sump`), wei.
    pub fn treasury_part_wei(&self) -> U256 {
        self.booked_wei - self.lots() * self.sump_wei
    }

    fn lots(&self) -> U256 {
        let rest = self.booked_wei.saturating_sub(self.params.treasury_share_wei);
        if rest.is_zero() { U256::ZERO } else { rest.div_ceil(self.params.lot_target_wei) }
    }

    /// Governance files `sump` and `dump` for the measured debt (module docs).
    async fn size_lots(&mut self) -> Result<(), AaveDemoError> {
        let rest = self.booked_wei.saturating_sub(self.params.treasury_share_wei);
        let n = self.lots();
        if n.is_zero() {
            return Ok(());
        }
        self.sump_wei = rest.div_ceil(n);
        let sump = Wad::from_raw(self.sump_wei);
        let lot = Wad::from_raw(
            self.sump_wei * self.params.opening_lot_factor.raw() / self.params.gov_price.raw()
                * U256::from(10u64).pow(U256::from(9)),
        );
        for change in [AccountantParam::Sump(sump), AccountantParam::Dump(lot)] {
            self.client().apply(GOVERNANCE, &Action::FileAccountant { change }).await?;
        }
        Ok(())
    }

    /// Treasury first: the Collector sends `amount_wei` of WETH to the accountant (a governance
    /// action), the queued debt is released (`flog`) and healed with it (WETH to the sink).
    pub async fn pay_from_treasury(&mut self, amount_wei: U256) -> Result<(), AaveDemoError> {
        if amount_wei.is_zero() {
            return Ok(());
        }
        let c = &*self.chain;
        let (weth, collector) = (self.target.weth, self.target.collector);
        let held = weth_balance(c, weth, collector).await?;
        if held < amount_wei {
            return Err(AaveDemoError::TreasuryShort { held_wei: held, needed_wei: amount_wei });
        }
        let to = self.backstop.deployment.accountant;
        c.send_sol(collector, weth, &IERC20::transferCall { to, amount: amount_wei })
            .await
            .map_err(step("collector: WETH to the accountant"))?;
        let live = backstop_chain::live::load_live(c, &self.backstop.deployment).await?;
        for (era, _) in live.system.accountant.queue() {
            self.client().apply(GOVERNANCE, &Action::Flog { era }).await?;
        }
        self.client()
            .apply(GOVERNANCE, &Action::Heal { amount: Wad::from_raw(amount_wei) })
            .await?;
        Ok(())
    }

    /// Runs the settler and the bidders until the auctions have raised the rest (`restart_at`:
    /// every keeper is restarted after that round).
    pub async fn run_auctions(
        &mut self,
        max_rounds: u64,
        restart_at: Option<u64>,
        progress: impl FnMut(&Progress),
    ) -> Result<(), AaveDemoError> {
        let mechanism = self.params.mechanism;
        let mut settler = KeeperConfig::bidder("settler", Ray::ZERO, Wad::ZERO);
        settler.mechanism = mechanism;
        settler.bid = false;
        let mut configs = vec![(AAVE_SETTLER, settler)];
        let mut lines = vec![];
        for (i, (name, value, budget)) in self.params.keepers.iter().enumerate() {
            let mut cfg = KeeperConfig::bidder(name, *value, *budget);
            cfg.mechanism = mechanism;
            cfg.kick = false;
            cfg.balance_sheet = false;
            configs.push((bidder(i), cfg));
            lines.push((name.clone(), bidder(i), *value, *budget));
        }
        let driven = drive_keepers(
            self.chain.clone(),
            self.backstop.deployment,
            configs,
            max_rounds,
            restart_at,
            progress,
        )
        .await?;
        self.rounds = driven.rounds;
        self.now = driven.now;
        self.restarts = driven.restarts;
        self.keepers = lines
            .into_iter()
            .zip(driven.keepers.into_iter().skip(1))
            .map(|((n, a, v, b), s)| (n, a, v, b, s))
            .collect();
        Ok(())
    }

    /// Books again (interest accrued while the auctions ran; nothing for an account repaid by a
    /// third party; not an account that has collateral again, which the book would refuse and the
    /// sink holds), has the treasury pay that increment, repays every booked account on the pool
    /// and gives back what could not be applied.
    pub async fn settle_on_pool(&mut self) -> Result<(), AaveDemoError> {
        let chain = self.chain.clone();
        let c = &*chain;
        let mut bare = Vec::with_capacity(self.accounts.len());
        for &a in &self.accounts {
            if self.backstop.quote(c, a).await?.0.is_zero() {
                bare.push(a);
            }
        }
        let entries = self.backstop.book(c, OPERATOR, &bare).await?;
        let later: U256 = entries.iter().map(|e| e.tab_wei).sum();
        self.booked_later_wei += later;
        // The accountant's own surplus (given back earlier) pays first, then the Collector.
        let live = backstop_chain::live::load_live(c, &self.backstop.deployment).await?;
        let surplus = live.system.surplus().raw();
        let owed = live.system.accountant.debt().raw();
        self.pay_from_treasury(owed.saturating_sub(surplus)).await?;
        let live = backstop_chain::live::load_live(c, &self.backstop.deployment).await?;
        for (era, _) in live.system.accountant.queue() {
            self.client().apply(GOVERNANCE, &Action::Flog { era }).await?;
        }
        let heal = live.system.surplus().raw().min(live.system.accountant.debt().raw());
        if !heal.is_zero() {
            self.client().apply(GOVERNANCE, &Action::Heal { amount: Wad::from_raw(heal) }).await?;
        }
        self.backstop.repay(c, OPERATOR, &self.accounts).await?;
        self.backstop.give_back(c, OPERATOR).await?;
        Ok(())
    }

    /// Every WETH supplier withdraws its whole balance (`withdraw(weth, max, self)`): (supplier,
    /// aWETH balance before, WETH received), wei.
    pub async fn withdraw_suppliers(&self) -> Result<Vec<(Address, U256, U256)>, AaveDemoError> {
        let c = &*self.chain;
        let weth = self.target.weth;
        let mut out = Vec::new();
        for &who in &self.target.weth_suppliers {
            let a = weth_balance(c, self.target.a_weth, who).await?;
            let before = weth_balance(c, weth, who).await?;
            let call = IPool::withdrawCall { asset: weth, amount: U256::MAX, to: who };
            c.send_sol(who, self.target.pool, &call).await.map_err(step("supplier: withdraw"))?;
            let got = weth_balance(c, weth, who).await? - before;
            out.push((who, a, got));
        }
        Ok(out)
    }

    /// Governance tokens by the auctions' events: (lots dealt, slices taken, keeper rewards), WAD.
    pub async fn minted_by_events(&self) -> Result<(Wad, Wad, Wad), AaveDemoError> {
        let d = self.backstop.deployment;
        let q = backstop_chain::LogQuery {
            from_block: d.start_block(),
            to_block: None,
            addresses: d.emitters(),
        };
        let logs = self.chain.logs(&q).await.map_err(ChainError::backend)?;
        let (mut lots, mut slices, mut rewards) = (Wad::ZERO, Wad::ZERO, Wad::ZERO);
        let add = |a: Wad, b: Wad| a.checked_add(b).unwrap_or(Wad::from_raw(U256::MAX));
        for ev in logs.iter().filter_map(|l| d.decode_log(&l.log)) {
            match ev {
                Event::English(EnglishEvent::Deal { lot, .. }) => lots = add(lots, lot),
                Event::Dutch(DutchEvent::Take { slice, .. }) => slices = add(slices, slice),
                Event::Dutch(DutchEvent::Kick { reward, .. } | DutchEvent::Redo { reward, .. }) => {
                    rewards = add(rewards, reward)
                }
                _ => {}
            }
        }
        Ok((lots, slices, rewards))
    }

    /// The report, measured on the chain (call after [`Self::withdraw_suppliers`] or with
    /// `withdrawals` empty).
    pub async fn report(
        &self,
        backend: String,
        withdrawals: Vec<(Address, U256, U256)>,
    ) -> Result<AaveDemoReport, AaveDemoError> {
        let c = &*self.chain;
        let weth = self.target.weth;
        let d = self.backstop.deployment;
        let after = aave::read_accounts(c, self.target.pool, weth, &self.accounts).await?;
        let collector_after = weth_balance(c, weth, self.target.collector).await?;
        let mut bidders_left = U256::ZERO;
        for i in 0..self.params.keepers.len() {
            bidders_left += weth_balance(c, weth, bidder(i)).await?;
        }
        let sink = self.backstop.sink_totals(c).await?;
        let mut held_backstop = weth_balance(c, weth, d.accountant).await?;
        for house in [d.english, d.dutch] {
            held_backstop += weth_balance(c, weth, house).await?;
        }
        let live = backstop_chain::live::load_live(c, &d).await?;
        let minted = d.gov_supply(c).await?;
        let (lots, slices, rewards) = self.minted_by_events().await?;
        let bidders_paid = self.budgets_wei - bidders_left;
        Ok(AaveDemoReport {
            backend,
            deployment: d,
            mechanism: self.params.mechanism,
            accounts: self.accounts.len(),
            bad_debt_before_wei: self.before.bad_debt_wei,
            booked_wei: self.booked_wei,
            booked_later_wei: self.booked_later_wei,
            treasury_paid_wei: self.collector_before_wei - collector_after,
            bidders_paid_wei: bidders_paid,
            sump_wei: self.sump_wei,
            auctions: live.system.english.kicks() + live.system.dutch.kicks(),
            minted,
            lots_dealt: lots,
            slices_taken: slices,
            keeper_rewards: rewards,
            average_price: if minted.is_zero() {
                Ray::ZERO
            } else {
                Ray::ratio(Wad::from_raw(bidders_paid), minted).unwrap_or_default()
            },
            oracle: self.params.gov_price,
            sink,
            held_by_backstop_wei: held_backstop,
            accountant_debt_wei: live.system.accountant.debt().raw(),
            bad_debt_after_wei: after.bad_debt_wei,
            debt_after_wei: after.total_debt_wei,
            withdrawals,
            rounds: self.rounds,
            chain_seconds: self.now.saturating_sub(self.t0),
            keepers: self.keepers.clone(),
        })
    }
}

/// Gives `who` `amount_wei` of WETH from `source` (nothing for 0).
async fn fund_weth<S: Broadcast + DevChain>(
    chain: &S,
    weth: Address,
    source: WethSource,
    who: Address,
    amount_wei: U256,
    role: &str,
) -> Result<(), AaveDemoError> {
    if amount_wei.is_zero() {
        return Ok(());
    }
    match source {
        WethSource::Mint => {
            let mint = WETH9Mocked::mintCall { account: who, value: amount_wei };
            chain.send_sol(who, weth, &mint).await.map_err(step(&format!("{role}: mint WETH")))?;
        }
        WethSource::Deposit => {
            // The ether to wrap, and 1,000 ether for gas.
            let ether = amount_wei.saturating_add(tokens(1_000));
            chain.set_balance(who, ether).await.map_err(ChainError::backend)?;
            let data = IWETH9::depositCall {}.abi_encode();
            let tx = TxRequest { value: amount_wei, ..TxRequest::call(who, weth, data) };
            let receipt = chain.send(tx).await.map_err(ChainError::backend)?;
            if !receipt.status {
                let data = receipt.revert_data.unwrap_or_default();
                let e = ChainError::RevertedRaw { what: "deposit()".into(), data };
                return Err(AaveError::step(format!("{role}: deposit WETH"), e).into());
            }
        }
    }
    Ok(())
}

alloy::sol! {
    /// WETH9's wrapping entry point (any WETH9: the package's mock, a real network's).
    interface IWETH9 {
        function deposit() external payable;
    }
}

async fn weth_balance<S: Settlement>(
    chain: &S,
    token: Address,
    who: Address,
) -> Result<U256, ChainError> {
    chain.call_sol(Address::ZERO, token, &IERC20::balanceOfCall { account: who }).await
}

/// The Aave demo's report; every number measured on the chain. WETH in wei.
#[derive(Debug, Clone, Serialize)]
pub struct AaveDemoReport {
    /// Backend.
    pub backend: String,
    /// Backstop's addresses, with the pool, book and sink (`aave`): the deployment file `backstop
    /// status --deployment` reads.
    pub deployment: backstop_chain::Deployment,
    /// English or Dutch.
    pub mechanism: Mechanism,
    /// Accounts with bad debt.
    pub accounts: usize,
    /// Bad debt measured on the pool before booking, wei.
    pub bad_debt_before_wei: U256,
    /// Booked by the first `book`, wei.
    pub booked_wei: U256,
    /// Booked later (interest accrued during the auctions), wei.
    pub booked_later_wei: U256,
    /// WETH the Collector paid, wei.
    pub treasury_paid_wei: U256,
    /// WETH the auction buyers paid, wei.
    pub bidders_paid_wei: U256,
    /// WETH raised per auction, wei.
    pub sump_wei: U256,
    /// Auctions started.
    pub auctions: u64,
    /// Governance-token supply (all minted by the auctions), WAD.
    pub minted: Wad,
    /// Lots dealt (English), WAD.
    pub lots_dealt: Wad,
    /// Slices taken (Dutch), WAD.
    pub slices_taken: Wad,
    /// Keeper rewards (Dutch), WAD.
    pub keeper_rewards: Wad,
    /// Average price paid by the buyers, RAY WETH per token.
    pub average_price: Ray,
    /// The oracle price, RAY WETH per token.
    #[serde(skip)]
    pub oracle: Ray,
    /// The sink's totals.
    #[serde(skip)]
    pub sink: SinkTotals,
    /// WETH held by the accountant and the houses, wei.
    pub held_by_backstop_wei: U256,
    /// The accountant's debt left, wei.
    pub accountant_debt_wei: U256,
    /// Bad debt measured on the pool after, wei.
    pub bad_debt_after_wei: U256,
    /// The booked accounts' WETH debt on the pool after, wei.
    pub debt_after_wei: U256,
    /// Suppliers: (account, aWETH before, WETH withdrawn), wei.
    pub withdrawals: Vec<(Address, U256, U256)>,
    /// Keeper rounds.
    pub rounds: u64,
    /// Chain time from booking to the end of the auctions, seconds.
    pub chain_seconds: u64,
    /// Bidders: name, account, valuation, budget, what they did.
    pub keepers: Vec<(String, Address, Ray, Wad, Stats)>,
}

/// Wei as WETH with `dp` decimals (exact digits, truncated).
pub fn weth(x: U256, dp: usize) -> String {
    let s = Wad::from_raw(x).to_string();
    match s.split_once('.') {
        Some((i, f)) if dp > 0 => format!("{i}.{:0<dp$}", &f[..f.len().min(dp)]),
        Some((i, _)) => i.to_owned(),
        None if dp > 0 => format!("{s}.{}", "0".repeat(dp)),
        None => s,
    }
}

impl std::fmt::Display for AaveDemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = |x: U256| weth(x, 6);
        writeln!(
            f,
            "Backstop demo: Aave v3 (@aave/core-v3 1.19.3), {:?} auctions, {}",
            self.mechanism, self.backend
        )?;
        writeln!(
            f,
            "  bad debt on the pool before   {} WETH ({} accounts, zero collateral)",
            w(self.bad_debt_before_wei),
            self.accounts
        )?;
        writeln!(
            f,
            "  booked by AaveBadDebtBook     {} WETH (+{} WETH interest booked before repaying)",
            w(self.booked_wei),
            w(self.booked_later_wei)
        )?;
        writeln!(
            f,
            "  paid by the treasury          {} WETH (the Collector, via heal)",
            w(self.treasury_paid_wei)
        )?;
        writeln!(
            f,
            "  paid by auction buyers        {} WETH ({} auctions of {} WETH)",
            w(self.bidders_paid_wei),
            self.auctions,
            w(self.sump_wei)
        )?;
        writeln!(
            f,
            "  repaid on the pool            {} WETH (held {}, returned {})",
            w(self.sink.repaid_wei),
            w(self.sink.balance_wei),
            w(self.sink.returned_wei)
        )?;
        writeln!(
            f,
            "  tokens minted                 {:.4} xAAVE",
            self.minted.to_string().parse::<f64>().unwrap_or(0.0)
        )?;
        let avg: f64 = self.average_price.to_string().parse().unwrap_or(0.0);
        let oracle: f64 = self.oracle.to_string().parse().unwrap_or(1.0);
        writeln!(
            f,
            "  average price                 {avg:.6} WETH per token ({:.2}% of the oracle's {})",
            100.0 * avg / oracle,
            self.oracle
        )?;
        writeln!(
            f,
            "  bad debt on the pool after    {} WETH (booked accounts' debt {} WETH)",
            w(self.bad_debt_after_wei),
            w(self.debt_after_wei)
        )?;
        let supplied: U256 = self.withdrawals.iter().map(|x| x.1).sum();
        let got: U256 = self.withdrawals.iter().map(|x| x.2).sum();
        let full = self.withdrawals.iter().all(|x| x.2 == x.1);
        writeln!(
            f,
            "  WETH suppliers                {} withdrew {} of {} WETH{}",
            self.withdrawals.len(),
            w(got),
            w(supplied),
            if full { " (in full)" } else { " (NOT in full)" }
        )?;
        writeln!(
            f,
            "  chain time                    {:.1} h in {} rounds",
            self.chain_seconds as f64 / 3600.0,
            self.rounds
        )?;
        writeln!(f, "  buyers:")?;
        for (name, _, v, _, s) in &self.keepers {
            writeln!(
                f,
                "    {:<7} limit {:>6}  won {:>3}  tokens {:>12.4}  paid {:>12.4} WETH",
                name,
                v.to_string(),
                s.won,
                s.tokens.to_string().parse::<f64>().unwrap_or(0.0),
                s.spent.to_string().parse::<f64>().unwrap_or(0.0)
            )?;
        }
        Ok(())
    }
}

/// Runs the whole loop on a fresh `chain` whose clock moves only when told.
pub async fn run_aave_demo<S: Broadcast + DevChain + 'static>(
    chain: Arc<S>,
    backend: String,
    core: &AaveCore,
    params: AaveRecapParams,
    max_rounds: u64,
    progress: impl FnMut(&Progress),
) -> Result<AaveDemoReport, AaveDemoError> {
    let mut r = AaveRecap::setup(chain, core, params).await?;
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await?;
    r.run_auctions(max_rounds, None, progress).await?;
    r.settle_on_pool().await?;
    let withdrawals = r.withdraw_suppliers().await?;
    r.report(backend, withdrawals).await
}
