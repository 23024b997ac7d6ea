//! Backstop recapitalizing a real Aave v3 market (`@aave/core-v3` 1.19.3, installed by
//! `scripts/install-tools.sh`) on the pinned Anvil: the whole loop with English and with Dutch
//! auctions, every claim read back from the chain independently and the report equal to the
//! embedded EVM's in every figure; and the recap of an existing market on a fork: a market and
//! its bad-debt event on Anvil A, its addresses written to a file, Anvil B forking A, the file's
//! bad inputs refused on B before anything is sent, the recap run on B (by the library and by
//! the `backstop` binary) clearing the bad debt there while A keeps it.
//!
//! Each test starts its own nodes on free loopback ports with their clocks pinned (blocks take
//! the time they are told), so no figure depends on wall-clock time; they run one at a time
//! (`SERIAL`).

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop::{
    aave_demo::{AaveDemoReport, AaveRecap, AaveRecapParams, GOVERNANCE, run_aave_demo},
    aave_fork::run_aave_fork_recap,
    demo::pin_anvil_clock,
};
use backstop_chain::{
    AnvilConfig, AnvilNode, EmbeddedEvm, RpcChain, RpcConfig, Settlement, SettlementExt,
    aave::{
        self, AaveCore, AaveForkError, AaveForkFile, AaveMarketParams, COLLECTOR,
        bindings::{IERC20, IPool},
        check_fork_market, tokens,
    },
};
use backstop_keeper::keeper::Mechanism;
use std::{path::Path, sync::Arc};

use crate::SERIAL;

const START: u64 = backstop::aave_demo::AAVE_START;
const ROUNDS: u64 = 20_000;

fn core() -> AaveCore {
    AaveCore::locate().expect("@aave/core-v3 (scripts/install-tools.sh)")
}

async fn call<S: Settlement, C: SolCall + Sync>(chain: &S, to: Address, c: &C) -> C::Return {
    chain.call_sol(Address::ZERO, to, c).await.unwrap_or_else(|e| panic!("{}: {e}", C::SIGNATURE))
}

/// A fresh Anvil at the demo's start time, its clock pinned.
async fn anvil() -> (AnvilNode, RpcChain) {
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(START))
        .expect("anvil (scripts/install-tools.sh)");
    let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.expect("connect");
    pin_anvil_clock(&chain).await.expect("pin the clock");
    (node, chain)
}

/// Σ of the WETH variable debt of `accounts` that have no collateral, each read on the pool here.
async fn bad_debt_by_account<S: Settlement>(
    chain: &S,
    pool: Address,
    debt_token: Address,
    accounts: &[Address],
) -> U256 {
    let mut sum = U256::ZERO;
    for &who in accounts {
        let data = call(chain, pool, &IPool::getUserAccountDataCall { user: who }).await;
        let debt = call(chain, debt_token, &IERC20::balanceOfCall { account: who }).await;
        if data.totalCollateralBase.is_zero() {
            sum += debt;
        }
    }
    sum
}

/// The recap's claims, each read back from the chain or checked as an identity of the report.
async fn check_cleared<S: Settlement>(chain: &S, r: &AaveRecap<S>, report: &AaveDemoReport) {
    let t = &r.target;
    // Bad debt measured before == the sum over the accounts (each account's own reading).
    assert!(report.bad_debt_before_wei > U256::ZERO);
    let by_account: U256 = r.before.bad_debt_accounts().map(|a| a.variable_debt_wei).sum();
    assert_eq!(report.bad_debt_before_wei, by_account);
    assert_eq!(report.booked_wei, report.bad_debt_before_wei, "booked == measured, to the wei");
    // After: every booked account's WETH debt is 0 on the pool, read here.
    assert!(!r.accounts.is_empty());
    for &who in &r.accounts {
        let debt = call(chain, t.weth_debt_token, &IERC20::balanceOfCall { account: who }).await;
        assert_eq!(debt, U256::ZERO, "{who} still owes {debt} wei");
    }
    assert_eq!(
        bad_debt_by_account(chain, t.pool, t.weth_debt_token, &r.accounts).await,
        U256::ZERO
    );
    assert_eq!(report.debt_after_wei, U256::ZERO);
    assert_eq!(report.accountant_debt_wei, U256::ZERO);
    // Conservation of WETH: paid by the bidders and the treasury == repaid on the pool + held by
    // the sink + held by Backstop (where returned WETH goes).
    let paid = report.bidders_paid_wei + report.treasury_paid_wei;
    assert!(report.bidders_paid_wei > U256::ZERO && report.treasury_paid_wei > U256::ZERO);
    assert_eq!(
        paid,
        report.sink.repaid_wei + report.sink.balance_wei + report.held_by_backstop_wei,
        "WETH conserved"
    );
    assert_eq!(
        report.sink.received_wei,
        report.sink.repaid_wei + report.sink.balance_wei + report.sink.returned_wei
    );
    assert_eq!(
        report.sink.repaid_wei + report.sink.unapplied_wei,
        report.booked_wei + report.booked_later_wei
    );
    // Governance supply (read on the token) == lots dealt + slices taken + keeper rewards.
    let supply = r.backstop.deployment.gov_supply(chain).await.unwrap();
    assert!(!supply.is_zero());
    let by_events = report
        .lots_dealt
        .checked_add(report.slices_taken)
        .and_then(|x| x.checked_add(report.keeper_rewards))
        .unwrap();
    assert_eq!(supply, by_events, "governance supply == lots + slices + rewards");
    assert_eq!(report.minted, supply);
    // Every WETH supplier withdrew its full aWETH balance, and has none left.
    assert!(!report.withdrawals.is_empty());
    assert_eq!(report.withdrawals.len(), t.weth_suppliers.len());
    for (who, a, got) in &report.withdrawals {
        assert!(*a > U256::ZERO);
        assert_eq!(got, a, "{who} withdrew {got} of {a}");
        let left = call(chain, t.a_weth, &IERC20::balanceOfCall { account: *who }).await;
        assert_eq!(left, U256::ZERO, "{who} keeps {left} aWETH");
    }
}

/// The loop on Anvil, stage by stage, every claim checked; then the same run on the embedded
/// EVM gives the same report (the clocks of both move only when told, and the demo driver waits
/// for each keeper's receipts, so the two chains see the same transactions at the same times).
async fn loop_on_anvil(mechanism: Mechanism) {
    let _g = SERIAL.lock().await;
    let (_node, chain) = anvil().await;
    let chain = Arc::new(chain);
    let params = AaveRecapParams { mechanism, ..Default::default() };
    let mut r = AaveRecap::setup(chain.clone(), &core(), params.clone()).await.unwrap();
    let c = &*chain;
    assert_eq!(r.accounts.len(), 3, "the three LRT borrowers");
    let market = r.market.clone().unwrap();
    let measured = bad_debt_by_account(
        c,
        market.pool,
        market.weth.variable_debt_token,
        &r.event.as_ref().unwrap().accounts(),
    )
    .await;
    assert_eq!(measured, r.before.bad_debt_wei, "measured == Σ over the accounts on Anvil");
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    r.run_auctions(ROUNDS, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let w = r.withdraw_suppliers().await.unwrap();
    let report = r.report("anvil".into(), w).await.unwrap();
    check_cleared(c, &r, &report).await;
    assert_eq!(report.mechanism, mechanism);
    match mechanism {
        Mechanism::English => assert!(!report.lots_dealt.is_zero()),
        Mechanism::Dutch => assert!(!report.slices_taken.is_zero()),
    }
    assert!(report.keepers.iter().filter(|k| k.4.bids_sent > 0).count() >= 2, "competition");

    // The embedded EVM: the same figures, to the wei.
    let evm = Arc::new(EmbeddedEvm::new(START));
    let embedded =
        run_aave_demo(evm, "anvil".into(), &core(), params, ROUNDS, |_| {}).await.unwrap();
    assert_eq!(embedded.bad_debt_before_wei, report.bad_debt_before_wei);
    let json = |r: &AaveDemoReport| serde_json::to_value(r).unwrap();
    assert_eq!(json(&embedded), json(&report), "Anvil and the embedded EVM differ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_loop_on_anvil() {
    loop_on_anvil(Mechanism::English).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dutch_loop_on_anvil() {
    loop_on_anvil(Mechanism::Dutch).await;
}

fn write(path: &Path, file: &AaveForkFile) {
    std::fs::write(path, serde_json::to_string_pretty(file).unwrap()).unwrap();
}

/// Checks `file` on `chain` and expects an error; nothing may have been sent.
async fn refused(chain: &RpcChain, path: &Path, file: &AaveForkFile) -> AaveForkError {
    let block = chain.block_number().await.unwrap();
    let e = check_fork_market(chain, path, file).await.expect_err("a bad file was accepted");
    assert_eq!(chain.block_number().await.unwrap(), block, "something was sent");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    e
}

/// A market and its bad-debt event on Anvil A; the recap of that market on Anvil B, a fork of A,
/// from an addresses file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_recap_clears_an_existing_markets_bad_debt() {
    let _g = SERIAL.lock().await;
    let (node_a, a) = anvil().await;
    let params = AaveMarketParams::default();
    let core = core();
    let market = aave::deploy_market(&a, &core, GOVERNANCE, &params).await.unwrap();
    let event = aave::run_bad_debt_event(&a, &core, &market, GOVERNANCE, &params).await.unwrap();
    let on_a = market.read_weth_debt(&a, &event.accounts()).await.unwrap();
    let accounts: Vec<Address> = on_a.bad_debt_accounts().map(|x| x.account).collect();
    assert_eq!(accounts.len(), 3);
    let debt_token = market.weth.variable_debt_token;
    let bad_on_a = bad_debt_by_account(&a, market.pool, debt_token, &accounts).await;
    assert_eq!(bad_on_a, on_a.bad_debt_wei);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aave-market.json");
    let file = AaveForkFile {
        pool_addresses_provider: Some(market.addresses_provider),
        pool: None,
        weth: market.weth.underlying,
        weth_variable_debt_token: debt_token,
        collector: COLLECTOR,
        treasury_share_wei: Some(tokens(40_000)),
        treasury_deposit_wei: Some(tokens(60_000)),
        accounts: accounts.clone(),
        suppliers: event.weth_suppliers.clone(),
    };
    write(&path, &file);
    let loaded = AaveForkFile::load(&path).unwrap();
    assert_eq!(loaded, file);

    let node_b = AnvilNode::spawn(&AnvilConfig::default().fork(node_a.endpoint(), None))
        .expect("anvil fork");
    let b = RpcChain::connect(RpcConfig::dev(node_b.endpoint())).await.unwrap();

    // Bad inputs, each refused on B with reads only.
    let nowhere = Address::repeat_byte(0x77);
    let e = refused(
        &b,
        &path,
        &AaveForkFile { pool: Some(nowhere), pool_addresses_provider: None, ..file.clone() },
    )
    .await;
    assert!(
        matches!(&e, AaveForkError::NoCode { field, address, .. } if field == "pool" && *address == nowhere),
        "{e}"
    );
    let e = refused(&b, &path, &AaveForkFile { pool: Some(market.oracle), ..file.clone() }).await;
    assert!(
        matches!(&e, AaveForkError::Mismatch { field, found, .. } if field == "pool" && *found == market.pool),
        "{e}"
    );
    let e = refused(
        &b,
        &path,
        &AaveForkFile { weth_variable_debt_token: market.weth.a_token, ..file.clone() },
    )
    .await;
    assert!(
        matches!(&e, AaveForkError::Mismatch { field, found, .. } if field == "wethVariableDebtToken" && *found == debt_token),
        "{e}"
    );
    let e = refused(&b, &path, &AaveForkFile { weth: nowhere, ..file.clone() }).await;
    assert!(matches!(&e, AaveForkError::NoCode { field, .. } if field == "weth"), "{e}");
    let supplier = event.weth_suppliers[0];
    let mut with_supplier = file.clone();
    with_supplier.accounts.push(supplier);
    let e = refused(&b, &path, &with_supplier).await;
    match &e {
        AaveForkError::NotBadDebt { index, account, reason, .. } => {
            assert_eq!((*index, *account), (accounts.len(), supplier));
            assert!(reason.contains("collateral"), "{reason}");
        }
        other => panic!("{other}"),
    }
    let mut with_stranger = file.clone();
    with_stranger.accounts.insert(0, nowhere);
    let e = refused(&b, &path, &with_stranger).await;
    assert!(
        matches!(&e, AaveForkError::NotBadDebt { index: 0, reason, .. } if reason.contains("owes no WETH")),
        "{e}"
    );
    let e = refused(&b, &path, &AaveForkFile { accounts: vec![], ..file.clone() }).await;
    assert!(matches!(&e, AaveForkError::Invalid { field, .. } if field == "accounts"), "{e}");

    // The recap on B.
    let checked = check_fork_market(&b, &path, &file).await.unwrap();
    assert_eq!(checked.pool, market.pool);
    assert_eq!(checked.reading.bad_debt_wei, bad_on_a, "B measures A's bad debt to the wei");
    pin_anvil_clock(&b).await.unwrap();
    let b = Arc::new(b);
    let report = run_aave_fork_recap(
        b.clone(),
        "fork".into(),
        &checked,
        AaveRecapParams::default(),
        ROUNDS,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.bad_debt_before_wei, bad_on_a);
    assert_eq!(bad_debt_by_account(&*b, market.pool, debt_token, &accounts).await, U256::ZERO);
    for &who in &accounts {
        let debt = call(&*b, debt_token, &IERC20::balanceOfCall { account: who }).await;
        assert_eq!(debt, U256::ZERO, "{who} still owes {debt} wei on B");
    }
    assert_eq!(report.debt_after_wei, U256::ZERO);
    assert_eq!(report.accountant_debt_wei, U256::ZERO);
    let paid = report.bidders_paid_wei + report.treasury_paid_wei;
    assert_eq!(
        paid,
        report.sink.repaid_wei + report.sink.balance_wei + report.held_by_backstop_wei
    );
    assert!(report.treasury_paid_wei >= tokens(40_000) - tokens(1_000), "the treasury paid first");
    assert_eq!(
        report.minted,
        report
            .lots_dealt
            .checked_add(report.slices_taken)
            .and_then(|x| x.checked_add(report.keeper_rewards))
            .unwrap()
    );
    assert_eq!(report.withdrawals.len(), event.weth_suppliers.len());
    for (who, a_weth, got) in &report.withdrawals {
        assert_eq!(got, a_weth, "{who} withdrew {got} of {a_weth} on B");
    }
    // A keeps its bad debt: the fork wrote nothing back.
    assert_eq!(bad_debt_by_account(&a, market.pool, debt_token, &accounts).await, bad_on_a);

    // The binary, on its own fork of A, from the same file.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["demo", "--protocol", "aave-v3", "--json", "--fork-url", &node_a.endpoint()])
        .arg("--aave-market")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wei = |k: &str| cli[k].as_str().unwrap().parse::<U256>().unwrap();
    assert_eq!(wei("bad_debt_before_wei"), bad_on_a);
    assert_eq!(wei("debt_after_wei"), U256::ZERO);
    assert_eq!(wei("accountant_debt_wei"), U256::ZERO);
    assert_eq!(bad_debt_by_account(&a, market.pool, debt_token, &accounts).await, bad_on_a);
}

/// The file's own errors, before any chain: missing, not JSON, an unknown field, no pool.
#[test]
fn a_bad_addresses_file_is_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let e = AaveForkFile::load(&missing).unwrap_err();
    assert!(matches!(e, AaveForkError::Read { .. }), "{e}");
    assert!(e.to_string().contains("nope.json"), "{e}");

    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\n  \"weth\": \"0x12\",\n").unwrap();
    let e = AaveForkFile::load(&junk).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AaveForkError::Json { .. }) && msg.contains("junk.json"), "{msg}");
    assert!(msg.contains("line"), "{msg}");

    let a = Address::repeat_byte(1);
    let full = serde_json::json!({
        "pool": a, "weth": a, "wethVariableDebtToken": a, "collector": a, "accounts": [a],
    });
    let ok = dir.path().join("ok.json");
    std::fs::write(&ok, full.to_string()).unwrap();
    assert_eq!(AaveForkFile::load(&ok).unwrap().accounts, vec![a]);

    let mut unknown = full.clone();
    unknown["pooll"] = serde_json::json!(a);
    std::fs::write(&junk, unknown.to_string()).unwrap();
    let msg = AaveForkFile::load(&junk).unwrap_err().to_string();
    assert!(msg.contains("pooll") && msg.contains("junk.json"), "{msg}");

    let mut no_weth = full.clone();
    no_weth.as_object_mut().unwrap().remove("weth");
    std::fs::write(&junk, no_weth.to_string()).unwrap();
    let msg = AaveForkFile::load(&junk).unwrap_err().to_string();
    assert!(msg.contains("missing field `weth`"), "{msg}");

    let mut no_pool = full.clone();
    no_pool.as_object_mut().unwrap().remove("pool");
    std::fs::write(&junk, no_pool.to_string()).unwrap();
    let e = AaveForkFile::load(&junk).unwrap_err();
    assert!(matches!(&e, AaveForkError::Invalid { field, .. } if field == "pool"), "{e}");

    let mut twice = full;
    twice["accounts"] = serde_json::json!([a, a]);
    std::fs::write(&junk, twice.to_string()).unwrap();
    let e = AaveForkFile::load(&junk).unwrap_err();
    assert!(matches!(&e, AaveForkError::Invalid { field, .. } if field == "accounts[1]"), "{e}");
}
