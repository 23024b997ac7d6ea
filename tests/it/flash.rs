//! Keepers without capital (`[keeper.flash]`): Dutch takes paid by selling the slice on a real
//! Uniswap V2 pair (npm `@uniswap/v2-core` 1.0.1, `scripts/install-tools.sh`) through
//! `DutchFlashTaker`, on the embedded EVM. Three flash keepers that start with no stablecoin
//! compete and clear a multi-auction Dutch recapitalization; every take pays at least the
//! keeper's minimum profit; the pair's `k` never falls; tokens are conserved; a keeper sends
//! nothing on a sale that a moved pool no longer pays for.

use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, U256};
use backstop::demo::{DEPLOYER, SETTLER, SINK, drive_keepers};
use backstop_chain::{
    DevChain, EmbeddedEvm, LogQuery, Settlement, SettlementExt,
    bindings::{DutchFlashTaker, Stablecoin},
    deploy_system,
    uniswap::{FlashMarket, UniswapV2Core, deploy_flash_market},
};
use backstop_core::{AccountantParams, Action, Mechanism, Ray, SystemParams, Wad};
use backstop_keeper::{Keeper, KeeperConfig, keeper::FlashConfig};
use std::sync::Arc;

const START: u64 = 1_700_000_000;

alloy::sol! {
    /// The pair's reserves after every swap and mint (`UniswapV2Pair._update`).
    event Sync(uint112 reserve0, uint112 reserve1);
}

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

/// Lots of 500 tokens for tabs of 50,000: a lot covers its tab down to a price of 100, so every
/// sale raises its whole tab through the pool (at about 200).
fn params() -> SystemParams {
    SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("500") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    }
}

fn flash_keeper(name: &str, m: &FlashMarket, min_profit: &str) -> KeeperConfig {
    let mut c =
        KeeperConfig::flash_bidder(name, FlashConfig::new(m.taker, m.pair.address, w(min_profit)));
    c.kick = false;
    c.balance_sheet = false;
    c
}

async fn balance(c: &EmbeddedEvm, token: Address, who: Address) -> U256 {
    c.call_sol(Address::ZERO, token, &Stablecoin::balanceOfCall { usr: who }).await.unwrap()
}

/// Deploys Backstop at an oracle price of 200, books `debt`, and opens a pair holding
/// `pool_coin` stablecoin at the oracle price.
async fn setup(
    debt: &str,
    pool_coin: &str,
) -> (Arc<EmbeddedEvm>, backstop_chain::Deployment, FlashMarket) {
    let chain = Arc::new(EmbeddedEvm::new(START));
    let c = &*chain;
    let d = deploy_system(c, DEPLOYER, &params(), "200".parse().unwrap(), SINK).await.unwrap();
    let core = UniswapV2Core::locate().expect("@uniswap/v2-core (scripts/install-tools.sh)");
    let coin = w(pool_coin);
    let gov = coin.wdiv(w("200")).unwrap();
    let m = deploy_flash_market(c, &core, &d, DEPLOYER, gov, coin).await.unwrap();
    backstop_chain::SystemClient::new(c, d)
        .apply(DEPLOYER, &Action::Fess { tab: w(debt) })
        .await
        .unwrap();
    for who in [SETTLER, keeper(0), keeper(1), keeper(2)] {
        c.set_balance(who, U256::from(10u64).pow(U256::from(21))).await.unwrap();
    }
    (chain, d, m)
}

fn keeper(i: u8) -> Address {
    Address::repeat_byte(0xf0 + i)
}

fn settler() -> KeeperConfig {
    let mut c = KeeperConfig::bidder("settler", Ray::ZERO, Wad::ZERO);
    c.mechanism = Mechanism::Dutch;
    c.bid = false;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flash_keepers_without_stablecoin_clear_a_dutch_recap() {
    let (chain, d, m) = setup("400000", "20000000").await;
    let c = &*chain;
    let k0 = m.pair.reserves(c).await.unwrap();
    let gov_supply_0 = d.gov_supply(c).await.unwrap();
    let mins = ["10", "25", "50"];
    let mut configs = vec![(SETTLER, settler())];
    for (i, min) in mins.iter().enumerate() {
        assert_eq!(balance(c, d.stablecoin, keeper(i as u8)).await, U256::ZERO);
        configs.push((keeper(i as u8), flash_keeper(&format!("flash-{i}"), &m, min)));
    }
    let driven = drive_keepers(chain.clone(), d, configs, 20_000, None, |_| {}).await.unwrap();

    // The debt is cleared by the auctions alone.
    let live = backstop_chain::live::load_live(c, &d).await.unwrap();
    assert!(live.system.accountant.debt().is_zero(), "debt left {}", live.system.accountant.debt());
    assert!(
        live.system.dutch.kicks() >= 8,
        "a multi-auction recap ({})",
        live.system.dutch.kicks()
    );
    let sink = Wad::from_raw(balance(c, d.stablecoin, SINK).await);
    assert!(sink >= w("400000"), "the sink received {sink}");

    // Every take was a flash take of one of our keepers, and each paid at least its minimum.
    let logs = c
        .logs(&LogQuery { from_block: 0, to_block: None, addresses: vec![m.taker] })
        .await
        .unwrap();
    let mut profit = [U256::ZERO; 3];
    let mut takes = 0;
    for l in &logs {
        let e = DutchFlashTaker::FlashTake::decode_log(&l.log).unwrap();
        let i = (0..3).find(|i| keeper(*i) == e.keeper).expect("a flash keeper") as usize;
        assert!(e.profit >= w(mins[i]).raw(), "take by {i}: profit {} below {}", e.profit, mins[i]);
        assert_eq!(e.profit, e.out - e.owe);
        profit[i] += e.profit;
        takes += 1;
    }
    assert!(takes >= live.system.dutch.kicks() as usize);
    let mut keepers_won = 0;
    for (i, st) in driven.keepers.iter().skip(1).enumerate() {
        // What each keeper holds is exactly its profit: it started with nothing.
        assert_eq!(balance(c, d.stablecoin, keeper(i as u8)).await, profit[i]);
        assert_eq!(st.flash_profit.raw(), profit[i]);
        keepers_won += st.won;
    }
    assert_eq!(keepers_won as usize, takes);

    // The pair's k never fell: every Sync (one per swap and mint) keeps or raises it.
    let syncs = c
        .logs(&LogQuery { from_block: 0, to_block: None, addresses: vec![m.pair.address] })
        .await
        .unwrap();
    let mut k = U256::ZERO;
    let mut seen = 0;
    for l in &syncs {
        if let Ok(s) = Sync::decode_log(&l.log) {
            let now = U256::from(s.reserve0) * U256::from(s.reserve1);
            assert!(now >= k, "k fell from {k} to {now}");
            k = now;
            seen += 1;
        }
    }
    assert!(seen > takes, "one Sync per swap ({seen})");

    // Conservation: every governance token minted by the auctions went into the pair.
    let k1 = m.pair.reserves(c).await.unwrap();
    let minted = d.gov_supply(c).await.unwrap().checked_sub(gov_supply_0).unwrap();
    assert_eq!(k1.gov.checked_sub(k0.gov).unwrap(), minted);
    // And the stablecoin the pair paid out is what the sink received plus the keepers' profit.
    let paid_out = k0.coin.checked_sub(k1.coin).unwrap();
    let profits = profit.iter().fold(U256::ZERO, |s, p| s + *p);
    assert_eq!(paid_out.raw(), sink.raw() + profits);
}

/// A sale that would pay against the pool is not taken once a whale has dumped governance tokens
/// into the pool: the keeper plans against the reserves it reads each step, sends nothing and
/// loses nothing. (The taker's own refusal of a pool moved after the read, `ProfitTooLow`, is
/// tested in `crates/backstop-chain/tests/uniswap.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_moved_before_the_step_is_not_taken() {
    let (chain, d, m) = setup("50000", "5000000").await;
    let c = &*chain;
    // The settler flogs the debt and starts the one sale.
    let mut s = Keeper::start(chain.clone(), d, SETTLER, settler()).await.unwrap();
    for _ in 0..3 {
        s.step().await.unwrap();
    }
    assert_eq!(backstop_chain::live::load_live(c, &d).await.unwrap().system.dutch.kicks(), 1);
    let me = keeper(0);
    let mut k = Keeper::start(chain.clone(), d, me, flash_keeper("flash", &m, "10")).await.unwrap();
    // Time until the price is below the pool's: the keeper would take now.
    let mut t = c.timestamp().await.unwrap();
    loop {
        let pool = m.pair.reserves(c).await.unwrap();
        let sale = backstop_chain::live::load_live(c, &d).await.unwrap();
        if backstop_core::strategy::flash_take(&sale.system.dutch, 1, m.taker, &pool, w("10"), t)
            .is_ok()
        {
            break;
        }
        t += 90;
        c.set_next_timestamp(t).await.unwrap();
        c.mine().await.unwrap();
    }
    // A whale dumps governance tokens into the pair after the keeper's read would have happened:
    // the keeper's plan, made against the reserves it reads, no longer pays.
    let whale = Address::repeat_byte(0x77);
    c.send_sol(
        DEPLOYER,
        d.gov_token,
        &backstop_chain::bindings::GovToken::mintCall { to: whale, amount: w("20000").raw() },
    )
    .await
    .unwrap();
    m.pair.sell_gov(c, whale, w("20000")).await.unwrap();
    let before = balance(c, d.stablecoin, me).await;
    let r = k.step().await.unwrap();
    // Against the new reserves there is no profitable slice at this price: nothing sent.
    assert_eq!(r.sent, 0);
    assert_eq!(balance(c, d.stablecoin, me).await, before);
    assert_eq!(k.stats.bids_sent, 0);
}

/// `demo --dutch --flash` on the embedded EVM, for both scenarios: keepers that start with no
/// stablecoin clear the debt; what they owed the auctions is what was raised; each holds exactly
/// its profit; the pair holds its seed plus what the auctions minted, less what the arbitrageur
/// bought back. English auctions are refused before anything is deployed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flash_demo_clears_every_scenario_without_capital() {
    use backstop::demo::{DEMO_START, DemoError, Funding, Scenario, run_demo_funded};
    for scenario in [Scenario::BlackThursday, Scenario::Aave2026] {
        let chain = Arc::new(EmbeddedEvm::new(DEMO_START));
        let r = run_demo_funded(
            chain.clone(),
            "embedded EVM".into(),
            scenario,
            Mechanism::Dutch,
            Funding::Flash,
            50_000,
            |_| {},
        )
        .await
        .unwrap();
        let what = format!("{scenario:?}");
        assert!(r.debt_left.is_zero(), "{what}: {} left", r.debt_left);
        assert_eq!(r.treasury_paid.checked_add(r.raised).unwrap(), r.debt, "{what}");
        assert!(r.average_price <= r.oracle, "{what}: paid above the oracle");
        let mut owed = Wad::ZERO;
        let mut sold = Wad::ZERO;
        for k in &r.keepers {
            assert!(k.budget.is_zero(), "{what}: {} had capital", k.name);
            let held = balance(&chain, r.pool.as_ref().unwrap().stablecoin, k.account).await;
            assert_eq!(held, k.stats.flash_profit.raw(), "{what}: {} holds its profit", k.name);
            owed = owed.checked_add(k.stats.spent).unwrap();
            sold = sold.checked_add(k.stats.tokens).unwrap();
        }
        let won: u64 = r.keepers.iter().map(|k| k.stats.won).sum();
        assert!(won >= r.auctions, "{what}: {won} takes for {} sales", r.auctions);
        // The lowest minimum profit takes first: competition leaves the margin to the cheapest.
        assert!(r.keepers[0].stats.won > 0, "{what}");
        assert_eq!(owed, r.raised, "{what}: what the keepers owed is what was raised");
        assert_eq!(sold, r.minted, "{what}: every token minted was sold on the pair");
        let p = r.pool.as_ref().expect("a pool report");
        assert_eq!(
            p.after.gov,
            p.before.gov.checked_add(r.minted).unwrap().checked_sub(p.arbitrage_bought).unwrap(),
            "{what}: the pair's tokens"
        );
        assert!(p.arbitrage_trades > 0, "{what}: the arbitrageur never traded");
    }
    let r = run_demo_funded(
        Arc::new(EmbeddedEvm::new(DEMO_START)),
        "embedded EVM".into(),
        Scenario::BlackThursday,
        Mechanism::English,
        Funding::Flash,
        50_000,
        |_| {},
    )
    .await;
    assert!(matches!(r, Err(DemoError::FlashNeedsDutch)), "{r:?}");
}
