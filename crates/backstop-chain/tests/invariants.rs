//! The invariant suite on the contracts alone (no model in the checks): over random action
//! sequences from several actors, stablecoin and governance tokens are conserved, the auctions hold
//! no stablecoin, the accountant's debt identity holds, nothing is dealt twice, nobody but a ward
//! mints or moves debt, and the flash callback cannot re-enter. Cases: `INVARIANT_CASES` (256).

use alloy::sol_types::{SolCall, SolConstructor, SolValue};
use alloy_primitives::{Address, Bytes, U256};
use backstop_chain::{
    Adapter, ChainError, DevChain, EmbeddedEvm, Settlement, SettlementExt, SystemClient,
    bindings::{
        Accountant, DutchDebtAuction, EnglishDebtAuction, GovToken, Stablecoin, mocks::Reenter,
    },
    deploy_system,
};
use backstop_core::{
    AccountantEvent, AccountantParams, Action, DutchEvent, EnglishEvent, Error, Event, System,
    SystemParams, Wad,
    arb::{self, ACTORS, Resolved},
};
use proptest::{prelude::*, test_runner::Config};
use std::future::Future;

const DEPLOYER: Address = Address::new([0xde; 20]);
const KEEPER: Address = Address::new([0x4e; 20]);
const SINK: Address = Address::new([0x5e; 20]);
const START: u64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

/// Every privileged entry point, called by `who` (not a ward): all must revert `NotAuthorized`.
async fn unauthorized_calls(evm: &EmbeddedEvm, d: &backstop_chain::Deployment, who: Address) {
    let big = U256::from(10u64).pow(U256::from(24));
    let name = backstop_chain::decode::name_bytes32;
    let checks: Vec<(Address, Bytes)> = vec![
        (d.gov_token, GovToken::mintCall { to: who, amount: big }.abi_encode().into()),
        (d.stablecoin, Stablecoin::mintCall { to: who, amount: big }.abi_encode().into()),
        (d.accountant, Accountant::fessCall { tab: big }.abi_encode().into()),
        (d.accountant, Accountant::settleCall { raised: big }.abi_encode().into()),
        (d.accountant, Accountant::unwindCall { amount: big }.abi_encode().into()),
        (d.accountant, Accountant::refundCall { to: who, amount: big }.abi_encode().into()),
        (
            d.accountant,
            Accountant::file_0Call { what: name("sump"), data: U256::from(1) }.abi_encode().into(),
        ),
        (
            d.accountant,
            Accountant::file_1Call { what: name("sink"), data: who }.abi_encode().into(),
        ),
        (d.accountant, Accountant::relyCall { usr: who }.abi_encode().into()),
        (
            d.english,
            EnglishDebtAuction::kickCall { gal: who, lot: big, bid: U256::from(1) }
                .abi_encode()
                .into(),
        ),
        (d.english, EnglishDebtAuction::cageCall {}.abi_encode().into()),
        (
            d.english,
            EnglishDebtAuction::fileCall {
                what: name("beg"),
                data: U256::from(2) * U256::from(10u64).pow(U256::from(18)),
            }
            .abi_encode()
            .into(),
        ),
        (d.dutch, DutchDebtAuction::kickCall { tab: big, lot: big, kpr: who }.abi_encode().into()),
        (d.dutch, DutchDebtAuction::yankCall { id: U256::from(1) }.abi_encode().into()),
        (d.dutch, DutchDebtAuction::relyCall { usr: who }.abi_encode().into()),
    ];
    for (to, data) in checks {
        let tx = backstop_chain::TxRequest::call(who, to, data.clone());
        let r = evm.send(tx).await.unwrap();
        assert!(!r.status, "unauthorised call to {to} by {who} succeeded: {data}");
        assert_eq!(
            backstop_chain::decode::revert_to_core(&r.revert_data.unwrap_or_default()),
            Some(Error::NotAuthorized),
            "call to {to}: wrong revert"
        );
    }
}

fn cases() -> u32 {
    std::env::var("INVARIANT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

proptest! {
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    #[test]
    fn contract_invariants_hold(
        params in arb::arb_system_params(),
        price in arb::arb_price(),
        steps in prop::collection::vec(arb::arb_step_with_cage(), 1..60),
        intruder in 0usize..4,
    ) {
        block_on(async {
            let evm = EmbeddedEvm::new(START);
            let d = deploy_system(&evm, DEPLOYER, &params, price, SINK).await.unwrap();
            let c = SystemClient::new(&evm, d);
            for a in ACTORS { c.approve_auctions(a).await.unwrap(); }
            // The model only resolves steps into concrete actions; every check reads the chain.
            let mut sys = System::new(params, price, d.core_addresses(), START).unwrap();
            let mut now = START;
            let (mut stable_minted, mut gov_minted) = (Wad::ZERO, Wad::ZERO);
            let mut fessed = Wad::ZERO;
            let mut dealt = Vec::new();
            let holders: Vec<Address> = ACTORS.iter().copied()
                .chain([d.accountant, d.english, d.dutch, SINK, KEEPER, DEPLOYER]).collect();
            let mut actions: Vec<(u64, Action)> = arb::prologue(&sys, now);
            actions.reverse();
            let mut steps = steps.iter();
            loop {
                let (t, a) = match actions.pop() {
                    Some(x) => x,
                    None => match steps.next() {
                        None => break,
                        Some(s) => match s.resolve(&sys, now) {
                            Resolved::Warp(t) => { now = t; continue; }
                            Resolved::Act(a) => (now, a),
                        },
                    },
                };
                now = t;
                evm.set_next_timestamp(now).await.unwrap();
                let _ = sys.apply(&a, now);
                let Ok((_, events)) = c.apply(backstop_chain::differential::sender(&a), &a).await else { continue };
                if let Action::Mint { amount, .. } = a { stable_minted = stable_minted.checked_add(amount).unwrap(); }
                for e in &events {
                    match *e {
                        Event::English(EnglishEvent::Deal { id, lot, .. }) => {
                            gov_minted = gov_minted.checked_add(lot).unwrap();
                            dealt.push(id);
                        }
                        Event::Dutch(DutchEvent::Take { slice, .. }) => gov_minted = gov_minted.checked_add(slice).unwrap(),
                        Event::Dutch(DutchEvent::Kick { reward, .. } | DutchEvent::Redo { reward, .. }) => {
                            gov_minted = gov_minted.checked_add(reward).unwrap()
                        }
                        Event::Accountant(AccountantEvent::Fess { tab, .. }) => fessed = fessed.checked_add(tab).unwrap(),
                        _ => {}
                    }
                }
                // Conservation: supplies equal what was minted, and the holders hold all of it.
                let stable_supply = evm.call_sol(DEPLOYER, d.stablecoin, &Stablecoin::totalSupplyCall {}).await.unwrap();
                let gov_supply = evm.call_sol(DEPLOYER, d.gov_token, &GovToken::totalSupplyCall {}).await.unwrap();
                prop_assert_eq!(Wad::from_raw(stable_supply), stable_minted);
                prop_assert_eq!(Wad::from_raw(gov_supply), gov_minted);
                let mut held = Wad::ZERO;
                for h in &holders { held = held.checked_add(c.stablecoin_balance(*h).await.unwrap()).unwrap(); }
                prop_assert_eq!(held, stable_minted, "stablecoin outside the known holders");
                // The auctions never keep stablecoin.
                prop_assert_eq!(c.stablecoin_balance(d.english).await.unwrap(), Wad::ZERO);
                prop_assert_eq!(c.stablecoin_balance(d.dutch).await.unwrap(), Wad::ZERO);
                // Debt identity: what came in is what is left plus what the sink received (a
                // refund after cage is paid from surplus and reopens no debt).
                let debt = evm.call_sol(DEPLOYER, d.accountant, &Accountant::debtCall {}).await.unwrap();
                let sink = c.stablecoin_balance(SINK).await.unwrap();
                prop_assert_eq!(
                    Wad::from_raw(debt).checked_add(sink).unwrap(),
                    fessed
                );
                // Nothing is dealt twice.
                for id in &dealt {
                    let r = evm.call_sol(KEEPER, d.english, &EnglishDebtAuction::dealCall { id: U256::from(*id) }).await.map_err(|e| d.decode_error(e));
                    let not_found = matches!(&r, Err(ChainError::Reverted { error: Error::AuctionNotFound { .. } | Error::NotLive, .. }));
                    prop_assert!(not_found, "auction {} dealable twice: {:?}", id, r.err());
                }
            }
            // Nobody but a ward mints, creates debt, kicks or changes parameters.
            unauthorized_calls(&evm, &d, ACTORS[intruder]).await;
            Ok(())
        })?;
    }
}

/// The flash callback cannot re-enter the auction (or kick through the accountant) mid-purchase;
/// a well-behaved flash buyer can pay from inside the callback.
#[tokio::test]
async fn flash_callback_cannot_reenter() {
    let evm = EmbeddedEvm::new(START);
    let params = SystemParams {
        accountant: AccountantParams {
            wait: 0,
            sump: "50000".parse().unwrap(),
            dump: "250".parse().unwrap(),
        },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d = deploy_system(&evm, DEPLOYER, &params, "200".parse().unwrap(), SINK).await.unwrap();
    let c = SystemClient::new(&evm, d);
    let mock = evm
        .deploy_code(
            DEPLOYER,
            &Reenter::BYTECODE,
            Reenter::constructorCall { dutch_: d.dutch }.abi_encode(),
        )
        .await
        .unwrap();
    c.apply(DEPLOYER, &Action::Fess { tab: "200000".parse().unwrap() }).await.unwrap();
    c.apply(KEEPER, &Action::Flog { era: START }).await.unwrap();
    c.apply(KEEPER, &Action::FlopDutch { kpr: KEEPER }).await.unwrap();
    let buyer = ACTORS[0];
    c.apply(DEPLOYER, &Action::Mint { to: buyer, amount: "100000".parse().unwrap() })
        .await
        .unwrap();
    c.approve_auctions(buyer).await.unwrap();

    let take = |data: Bytes| DutchDebtAuction::takeCall {
        id: U256::from(1),
        amt: U256::from(10u64).pow(U256::from(20)),
        max: U256::MAX,
        who: mock,
        data,
    };
    let reenter = |target: Address, call: Vec<u8>| -> Bytes {
        (target, Bytes::from(call)).abi_encode_params().into()
    };
    let attempts: Vec<(&str, Bytes, Error)> = vec![
        ("take", Bytes::from(vec![1u8]), Error::Locked),
        ("take (generic)", reenter(d.dutch, take(Bytes::new()).abi_encode()), Error::Locked),
        (
            "redo",
            reenter(
                d.dutch,
                DutchDebtAuction::redoCall { id: U256::from(1), kpr: mock }.abi_encode(),
            ),
            Error::Locked,
        ),
        (
            "flopDutch (kick through the accountant)",
            reenter(d.accountant, Accountant::flopDutchCall { kpr: mock }.abi_encode()),
            Error::Locked,
        ),
    ];
    let before = c.state_view(&[START], &[mock, SINK, d.accountant]).await.unwrap();
    for (what, data, want) in attempts {
        let r =
            evm.send_sol(buyer, d.dutch, &take(data)).await.map_err(|e| c.adapter.decode_error(e));
        match r {
            Err(ChainError::Reverted { error, .. }) => assert_eq!(error, want, "{what}"),
            other => panic!("re-entering {what} did not revert: {other:?}"),
        }
        let after = c.state_view(&[START], &[mock, SINK, d.accountant]).await.unwrap();
        assert_eq!(before, after, "a reverted re-entry into {what} changed state");
    }
    // A flash purchase that only records the call goes through; the buyer pays after it.
    let (_, events) = {
        let r = evm.send_sol(buyer, d.dutch, &take(Bytes::from(vec![2u8]))).await.unwrap();
        let evs: Vec<Event> = r.logs.iter().filter_map(|l| d.decode_log(&l.log)).collect();
        (r, evs)
    };
    let calls = evm.call_sol(DEPLOYER, mock, &Reenter::callsCall {}).await.unwrap();
    assert_eq!(calls, U256::from(1));
    let sender = evm.call_sol(DEPLOYER, mock, &Reenter::lastSenderCall {}).await.unwrap();
    assert_eq!(sender, buyer);
    let Some(Event::Dutch(DutchEvent::Take { owe, slice, .. })) = events.last().copied() else {
        panic!("no Take event: {events:?}")
    };
    assert_eq!(c.gov_balance(mock).await.unwrap(), slice);
    assert_eq!(
        c.stablecoin_balance(buyer).await.unwrap(),
        "100000".parse::<Wad>().unwrap().checked_sub(owe).unwrap()
    );
}

/// What `load_live` reads back from the chain equals the model after a random walk: the live
/// auctions, the accountant and the parameters, found from events without scanning every id.
#[test]
fn load_live_matches_the_model() {
    use backstop_chain::differential::Differential;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[5; 32]),
    );
    let strat =
        (arb::arb_system_params(), arb::arb_price(), prop::collection::vec(arb::arb_step(), 80));
    for _ in 0..20 {
        let (params, price, steps) = strat.new_tree(&mut runner).unwrap().current();
        block_on(async {
            let mut h = Differential::deploy(EmbeddedEvm::new(START), params, price, &ACTORS)
                .await
                .unwrap();
            h.run(&steps).await.unwrap();
            let live = backstop_chain::live::load_live(&h.chain, &h.deployment).await.unwrap();
            let m = &h.sys;
            assert_eq!(live.system.accountant, m.accountant);
            assert_eq!(live.system.english, m.english);
            assert_eq!(live.system.dutch, m.dutch);
            assert_eq!(live.system.oracle, m.oracle);
            assert_eq!(live.system.surplus(), m.surplus());
        });
    }
}
