//! Gas per function, read from receipts on the embedded EVM (Prague rules, as Anvil 1.7.1), checked
//! against MakerDAO dss's figures (solc 0.6.12, 200 runs, measured on Anvil 1.7.1) and the 0.8x
//! budget for a whole English lifecycle. `cargo test -p backstop-chain --test gas -- --nocapture`
//! prints the table the README reports.

use alloy_primitives::{Address, U256};
use backstop_chain::{
    DevChain, EmbeddedEvm, Receipt, Settlement, SettlementExt, SystemClient,
    bindings::{DutchDebtAuction, EnglishDebtAuction, GovToken},
    deploy_system,
};
use backstop_core::{AccountantParams, Action, SystemParams, Wad};

const DEPLOYER: Address = Address::new([0xde; 20]);
const KEEPER: Address = Address::new([0x4e; 20]);
const SINK: Address = Address::new([0x5e; 20]);
const A: Address = Address::new([0xa1; 20]);
const B: Address = Address::new([0xa2; 20]);
const C: Address = Address::new([0xa3; 20]);
const FRESH: Address = Address::new([0xf1; 20]);
const FRESH2: Address = Address::new([0xf2; 20]);

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

struct Gas {
    rows: Vec<(&'static str, u64, Option<u64>)>,
}

impl Gas {
    fn row(&mut self, what: &'static str, r: &Receipt, ceiling: Option<u64>) -> u64 {
        assert!(r.status, "{what} reverted");
        self.rows.push((what, r.gas_used, ceiling));
        r.gas_used
    }
}

#[tokio::test]
async fn gas_per_function_within_dss_ceilings() {
    let evm = EmbeddedEvm::new(1_700_000_000);
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("250") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d = deploy_system(&evm, DEPLOYER, &params, "200".parse().unwrap(), SINK).await.unwrap();
    let c = SystemClient::new(&evm, d);
    let act = |from: Address, a: Action| {
        let c = &c;
        async move { c.apply(from, &a).await.unwrap().0 }
    };
    // The state of GAS.md: funded, approved bidders who already hold governance tokens, a sink that
    // holds stablecoin, 5.67M of released debt, one English auction and one Dutch sale in flight.
    for who in [A, B, C, FRESH, FRESH2] {
        act(DEPLOYER, Action::Mint { to: who, amount: w("10000000") }).await;
        c.approve_auctions(who).await.unwrap();
    }
    act(DEPLOYER, Action::Mint { to: SINK, amount: w("1") }).await;
    for who in [A, B, C] {
        let mint = GovToken::mintCall { to: who, amount: U256::from(1) };
        evm.send_sol(DEPLOYER, d.gov_token, &mint).await.unwrap();
    }
    act(DEPLOYER, Action::Fess { tab: w("5670000") }).await;
    let era = evm.timestamp().await.unwrap();
    act(KEEPER, Action::Flog { era }).await;
    act(KEEPER, Action::Flop).await;
    act(KEEPER, Action::FlopDutch { kpr: KEEPER }).await;

    let mut g = Gas { rows: vec![] };
    let bid = w("50000");
    let lot_after = |lot: Wad| lot.wdiv(w("1.05")).unwrap();

    let kick =
        EnglishDebtAuction::kickCall { gal: d.accountant, lot: w("250").raw(), bid: bid.raw() };
    let r = evm.send_sol(DEPLOYER, d.english, &kick).await.unwrap();
    g.row("English kick (direct, by a ward)", &r, Some(102_862));

    // The lifecycle: flop, first bid, two outbids by different bidders, deal.
    let flop = act(KEEPER, Action::Flop).await;
    let id = 3;
    let mut total = g.row("English kick through Accountant.flop()", &flop, Some(146_859));
    let lot1 = lot_after(w("250"));
    let r = act(A, Action::Dent { sender: A, id, lot: lot1, bid }).await;
    total += g.row("English first bid (dent)", &r, Some(86_188));
    let lot2 = lot_after(lot1);
    let r = act(B, Action::Dent { sender: B, id, lot: lot2, bid }).await;
    total += g.row("English outbid by another bidder (dent)", &r, Some(61_163));
    let lot3 = lot_after(lot2);
    let r = act(A, Action::Dent { sender: A, id, lot: lot3, bid }).await;
    total += r.gas_used;
    let r = act(A, Action::Dent { sender: A, id, lot: lot_after(lot3), bid }).await;
    g.row("English same bidder lowering its lot (dent)", &r, Some(42_252));
    evm.increase_time(3 * 3600).await.unwrap();
    let r = act(KEEPER, Action::Deal { id }).await;
    total += g.row("English deal (winner holds governance tokens)", &r, Some(55_106));
    g.rows.push(("English lifecycle: flop + first bid + 2 outbids + deal", total, Some(330_000)));

    // Tick: the first auction has been unbid for tau.
    evm.increase_time(2 * 86_400).await.unwrap();
    let r = act(KEEPER, Action::Tick { id: 1 }).await;
    g.row("English tick", &r, Some(36_733));

    // Dutch. The feeder pokes after the two days of the tick (a day-old price is stale).
    act(DEPLOYER, Action::Poke { price: "200".parse().unwrap() }).await;
    act(KEEPER, Action::FlopDutch { kpr: KEEPER }).await;
    let r = act(KEEPER, Action::FlopDutch { kpr: KEEPER }).await;
    g.row("Dutch kick through Accountant.flopDutch()", &r, Some(226_258));
    let kick = DutchDebtAuction::kickCall { tab: bid.raw(), lot: w("250").raw(), kpr: KEEPER };
    let r = evm.send_sol(DEPLOYER, d.dutch, &kick).await.unwrap();
    g.row("Dutch kick (direct, by a ward)", &r, Some(226_258));
    let max = U256::MAX;
    let take = |sender: Address, id: u64, amt: &str| Action::Take {
        sender,
        id,
        amt: w(amt),
        max: backstop_core::Ray::from_raw(max),
        who: sender,
    };
    let r = act(C, take(C, 3, "100")).await;
    g.row("Dutch take, partial", &r, Some(113_313));
    let r = act(C, take(C, 3, "250")).await;
    g.row("Dutch take, full (rest of the tab)", &r, Some(138_920));
    evm.increase_time(3_601).await.unwrap();
    let r = act(KEEPER, Action::Redo { id: 4, kpr: KEEPER }).await;
    g.row("Dutch redo", &r, Some(110_941));

    // First-time winners and takers: the mint writes a new balance slot (information only).
    act(KEEPER, Action::Flop).await;
    let id = 4;
    act(FRESH, Action::Dent { sender: FRESH, id, lot: lot_after(w("250")), bid }).await;
    evm.increase_time(3 * 3600).await.unwrap();
    let r = act(KEEPER, Action::Deal { id }).await;
    g.row("English deal, first-time winner (information)", &r, None);
    act(KEEPER, Action::Redo { id: 2, kpr: KEEPER }).await;
    let r = act(FRESH2, take(FRESH2, 2, "100")).await;
    g.row("Dutch take partial, first-time taker (information)", &r, None);

    println!("| action | gasUsed | dss ceiling | ratio |\n|---|---:|---:|---:|");
    for (what, gas, ceiling) in &g.rows {
        match ceiling {
            Some(c) => println!("| {what} | {gas} | {c} | {:.3} |", *gas as f64 / *c as f64),
            None => println!("| {what} | {gas} | | |"),
        }
    }
    for (what, gas, ceiling) in &g.rows {
        if let Some(c) = ceiling {
            assert!(gas <= c, "{what}: {gas} gas over the ceiling {c}");
        }
    }
}
