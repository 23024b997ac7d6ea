//! Keepers without capital on a real Anvil (the pinned 1.7.1) with the real Uniswap V2 pair
//! (`@uniswap/v2-core` 1.0.1): three flash keepers compete for the same Dutch sales in blocks the
//! test mines (automine off), and `demo --dutch --flash` gives the same report on Anvil as on the
//! embedded EVM.
//!
//! Each test starts its own node on a free loopback port; they run one at a time (`SERIAL`).

use alloy::{
    consensus::Transaction as _,
    network::TransactionResponse,
    providers::{Provider, ext::AnvilApi},
    sol_types::{SolCall, SolEvent},
};
use alloy_primitives::{Address, U256};
use backstop::demo::{
    DEMO_START, DEPLOYER, Funding, SETTLER, SINK, Scenario, next_moment, pin_anvil_clock,
    run_demo_funded,
};
use backstop_chain::{
    AnvilConfig, AnvilNode, Broadcast, DevChain, EmbeddedEvm, LogQuery, RpcChain, RpcConfig,
    Settlement, SettlementExt, SystemClient,
    bindings::{DutchFlashTaker, Stablecoin},
    deploy_system,
    uniswap::{FlashMarket, UniswapV2Core, deploy_flash_market},
};
use backstop_core::{AccountantParams, Action, Mechanism, Ray, SystemParams, Wad};
use backstop_keeper::{Keeper, KeeperConfig, keeper::FlashConfig};
use std::{collections::BTreeMap, sync::Arc};

use crate::SERIAL;

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn keeper(i: u8) -> Address {
    Address::repeat_byte(0xf0 + i)
}

/// Lots of 500 tokens for tabs of 50,000 at an oracle price of 200 (as in `tests/flash.rs`).
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

async fn balance<S: Settlement>(c: &S, token: Address, who: Address) -> U256 {
    c.call_sol(Address::ZERO, token, &Stablecoin::balanceOfCall { usr: who }).await.unwrap()
}

/// Three flash keepers (no stablecoin; minimum profits 10, 10 and 25) and a settler step once per
/// block; the test mines each block (automine off), so all three see each sale pay at the same
/// block. In every block each keeper's transactions take each sale at most once (read from the
/// blocks' transactions); the keepers behind the first compete and lose the race (the node's
/// estimate on its pending state, which holds the first take, refuses their take before it is
/// sent); the debt is cleared; no keeper is left with a transaction waiting (its pending nonce
/// equals its mined nonce); each holds exactly the profit of its own mined takes (it never pays
/// from its pocket); every take earned its keeper's minimum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flash_keepers_in_the_same_blocks_take_one_slice_each_and_leave_no_nonce_stuck() {
    let _g = SERIAL.lock().await;
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(1_700_000_000)).expect("anvil");
    let chain = Arc::new(RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap());
    let c = &*chain;
    let d = deploy_system(c, DEPLOYER, &params(), "200".parse().unwrap(), SINK).await.unwrap();
    let core = UniswapV2Core::locate().expect("@uniswap/v2-core (scripts/install-tools.sh)");
    let coin = w("20000000");
    let m = deploy_flash_market(c, &core, &d, DEPLOYER, coin.wdiv(w("200")).unwrap(), coin)
        .await
        .unwrap();
    SystemClient::new(c, d).apply(DEPLOYER, &Action::Fess { tab: w("400000") }).await.unwrap();
    let mins = ["10", "10", "25"];
    let mut accounts = vec![SETTLER];
    for i in 0..3u8 {
        accounts.push(keeper(i));
    }
    for &a in &accounts {
        c.set_balance(a, U256::from(10u64).pow(U256::from(21))).await.unwrap();
    }
    let mut settler = KeeperConfig::bidder("settler", Ray::ZERO, Wad::ZERO);
    settler.mechanism = Mechanism::Dutch;
    settler.bid = false;
    let mut ks = vec![Keeper::start(chain.clone(), d, SETTLER, settler).await.unwrap()];
    for (i, min) in mins.iter().enumerate() {
        let cfg = flash_keeper(&format!("flash-{i}"), &m, min);
        ks.push(Keeper::start(chain.clone(), d, keeper(i as u8), cfg).await.unwrap());
    }
    let first_block = c.block_number().await.unwrap() + 1;
    let p = chain.provider();
    p.anvil_set_auto_mine(false).await.unwrap();
    let mut done = false;
    for _ in 0..5_000 {
        let mut sent = 0;
        for k in ks.iter_mut() {
            sent += k.step().await.expect("step").sent;
        }
        let mut queued = false;
        for &a in &accounts {
            queued |= Broadcast::nonce(c, a, true).await.unwrap()
                != Broadcast::nonce(c, a, false).await.unwrap();
        }
        if sent == 0 && !queued && ks.iter().all(Keeper::is_finished) {
            done = true;
            break;
        }
        if sent == 0 && !queued {
            let now = c.timestamp().await.unwrap();
            c.set_next_timestamp(next_moment(&ks[0].model, now)).await.unwrap();
        }
        c.mine().await.unwrap();
    }
    p.anvil_set_auto_mine(true).await.unwrap();
    assert!(done, "not finished");
    let live = backstop_chain::live::load_live(c, &d).await.unwrap();
    assert!(live.system.accountant.debt().is_zero(), "debt left {}", live.system.accountant.debt());
    assert!(live.system.dutch.kicks() >= 8, "a multi-auction recap");

    // No nonce stuck: every keeper's transactions are mined.
    for &a in &accounts {
        assert_eq!(
            Broadcast::nonce(c, a, true).await.unwrap(),
            Broadcast::nonce(c, a, false).await.unwrap(),
            "{a} has a transaction waiting"
        );
    }

    // Per block, per keeper, per sale: at most one take sent (mined, whether it reverted or not).
    let last = c.block_number().await.unwrap();
    let mut same_block = 0u32; // blocks in which two or more keepers sent a take
    let mut takes_sent = 0;
    for n in first_block..=last {
        let block = p.get_block_by_number(n.into()).full().await.unwrap().unwrap();
        let mut per: BTreeMap<(Address, U256), u32> = BTreeMap::new();
        let mut senders = std::collections::BTreeSet::new();
        for tx in block.transactions.txns() {
            if tx.to() != Some(m.taker) {
                continue;
            }
            let call = DutchFlashTaker::flashTakeCall::abi_decode(tx.input()).unwrap();
            *per.entry((tx.from(), call.id)).or_default() += 1;
            senders.insert(tx.from());
            takes_sent += 1;
        }
        for ((who, id), k) in per {
            assert_eq!(k, 1, "block {n}: {who} sent {k} takes of sale {id}");
        }
        same_block += (senders.len() >= 2) as u32;
    }
    // They did compete: the keepers behind the first saw the same sale pay and were turned away
    // by the node's estimate on its pending state (the first take waiting there), a lost race,
    // before sending; or their takes landed in the same block as the first.
    for k in &ks[2..] {
        assert!(
            k.stats.races_lost > 0 || same_block > 0,
            "{} never competed (races lost {}, blocks with two takers {same_block})",
            k.cfg.name,
            k.stats.races_lost
        );
    }

    // Each keeper holds exactly the profit of its mined takes: nothing came from its pocket.
    let logs = c
        .logs(&LogQuery { from_block: first_block, to_block: None, addresses: vec![m.taker] })
        .await
        .unwrap();
    let mut profit = [U256::ZERO; 3];
    for l in &logs {
        let e = DutchFlashTaker::FlashTake::decode_log(&l.log).unwrap();
        let i = (0..3).find(|i| keeper(*i) == e.keeper).expect("a flash keeper") as usize;
        assert!(e.profit >= w(mins[i]).raw(), "keeper {i}: profit {} below its minimum", e.profit);
        profit[i] += e.profit;
    }
    assert!(logs.len() <= takes_sent);
    for i in 0..3u8 {
        assert_eq!(balance(c, d.stablecoin, keeper(i)).await, profit[i as usize]);
        assert_eq!(ks[1 + i as usize].stats.flash_profit.raw(), profit[i as usize]);
    }
    let won: u64 = ks.iter().map(|k| k.stats.won).sum();
    assert_eq!(won as usize, logs.len());
    drop(node);
}

/// `demo --dutch --flash` on Anvil (clock pinned, as the demo does) gives the embedded EVM's
/// report: the same debt cleared, tokens minted, average price, pool reserves before and after,
/// arbitrage, and per keeper the same takes, tokens, amounts owed and profits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flash_demo_on_anvil_gives_the_embedded_evms_report() {
    let _g = SERIAL.lock().await;
    let embedded = run_demo_funded(
        Arc::new(EmbeddedEvm::new(DEMO_START)),
        "embedded EVM".into(),
        Scenario::BlackThursday,
        Mechanism::Dutch,
        Funding::Flash,
        50_000,
        |_| {},
    )
    .await
    .unwrap();
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(DEMO_START)).expect("anvil");
    let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap();
    pin_anvil_clock(&chain).await.unwrap();
    let anvil = run_demo_funded(
        Arc::new(chain),
        "anvil".into(),
        Scenario::BlackThursday,
        Mechanism::Dutch,
        Funding::Flash,
        50_000,
        |_| {},
    )
    .await
    .unwrap();
    for r in [&embedded, &anvil] {
        assert!(r.debt_left.is_zero(), "{}", r.debt_left);
        assert!(r.keepers.iter().all(|k| k.budget.is_zero()), "keepers without capital");
        assert!(r.keepers[0].stats.flash_profit > Wad::ZERO, "the cheapest keeper earned");
    }
    let strip = |r: &backstop::demo::DemoReport| {
        let mut v = serde_json::to_value(r).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("wall_seconds");
        o.remove("backend");
        v
    };
    assert_eq!(strip(&embedded), strip(&anvil));
    drop(node);
}
