//! Backstop recapitalizing a real Aave v3 market (`@aave/core-v3` 1.19.3, installed by
//! `scripts/install-tools.sh`) on the embedded EVM: bad debt measured on the pool and booked to
//! the wei, the treasury first, competing keepers, repayment on the pool, conservation, and every
//! WETH supplier withdrawing in full; booking twice, and an account with collateral refused with
//! the typed error. Faults: a third party repaying between booking and repayment, the keepers
//! restarting mid-recap; in both, the core's accountant follows the deployed one after every
//! transaction (`differential::Followed`).

use alloy_primitives::{Address, U256};
use backstop::aave_demo::{AaveDemoReport, AaveRecap, AaveRecapParams, OPERATOR, bidder};
use backstop_chain::{
    DevChain, EmbeddedEvm, SettlementExt,
    aave::{
        AaveCore, AaveError, COLLECTOR,
        bindings::{IERC20, IPool, WETH9Mocked},
        tokens,
    },
    differential::Followed,
};
use backstop_core::Wad;
use std::sync::Arc;

const START: u64 = backstop::aave_demo::AAVE_START;

fn core() -> AaveCore {
    AaveCore::locate().expect("@aave/core-v3 (scripts/install-tools.sh)")
}

/// The market, the event and Backstop deployed on a chain whose every mined transaction from
/// booking on is followed by the core's accountant (`Followed`: debt, `Sin`, `Ash`, surplus, `Due`,
/// queue and dues must equal the contract's after each one); then the bad debt is booked. The
/// caller ends with `chain.finish()`, which returns the first divergence.
async fn followed_recap() -> (Arc<Followed<EmbeddedEvm>>, AaveRecap<Followed<EmbeddedEvm>>) {
    let chain = Arc::new(Followed::new(EmbeddedEvm::new(START)));
    let mut r =
        AaveRecap::deploy(chain.clone(), &core(), AaveRecapParams::default()).await.unwrap();
    let bidders: Vec<Address> = (0..r.params.keepers.len()).map(bidder).collect();
    chain.attach(r.backstop.deployment, &bidders).await.unwrap();
    let candidates = r.event.as_ref().unwrap().accounts();
    r.book_bad_debt(&candidates).await.unwrap();
    (chain, r)
}

/// Every claim of the loop, measured on the chain.
fn check_report(r: &AaveDemoReport) {
    // Booked == bad debt measured on the pool, to the wei.
    assert!(r.bad_debt_before_wei > U256::ZERO);
    assert_eq!(r.booked_wei, r.bad_debt_before_wei);
    // Every booked account's debt is 0 on the pool; nothing owed by the accountant.
    assert_eq!(r.debt_after_wei, U256::ZERO, "debt left on the pool");
    assert_eq!(r.bad_debt_after_wei, U256::ZERO);
    assert_eq!(r.accountant_debt_wei, U256::ZERO);
    // Conservation: WETH paid by bidders and treasury == repaid on the pool + held + returned
    // (returned WETH sits with the accountant, counted in held_by_backstop).
    let paid = r.bidders_paid_wei + r.treasury_paid_wei;
    assert_eq!(paid, r.sink.repaid_wei + r.sink.balance_wei + r.held_by_backstop_wei);
    assert_eq!(r.sink.received_wei, r.sink.repaid_wei + r.sink.balance_wei + r.sink.returned_wei);
    // What was repaid on the pool is everything booked, less what others repaid.
    assert_eq!(
        r.sink.repaid_wei + r.sink.unapplied_wei,
        r.booked_wei + r.booked_later_wei,
        "booked = repaid + unapplied"
    );
    // Governance supply == lots dealt + slices taken + keeper rewards.
    let by_events = r
        .lots_dealt
        .checked_add(r.slices_taken)
        .and_then(|x| x.checked_add(r.keeper_rewards))
        .unwrap();
    assert_eq!(r.minted, by_events);
    assert!(!r.minted.is_zero());
    // The auctions raised whole lots; buyers paid within their limits.
    assert_eq!(r.bidders_paid_wei, r.sump_wei * U256::from(r.auctions));
    let spent = r.keepers.iter().fold(Wad::ZERO, |s, k| s.checked_add(k.4.spent).unwrap());
    assert_eq!(spent.raw(), r.bidders_paid_wei);
    assert!(r.keepers.iter().filter(|k| k.4.won > 0).count() >= 1);
    for k in &r.keepers {
        assert!(k.4.value_at_limit >= k.4.spent, "{} paid above its limit", k.0);
    }
    assert!(r.average_price <= r.oracle);
    // Every WETH supplier withdrew its full balance.
    assert!(!r.withdrawals.is_empty());
    for (who, a, got) in &r.withdrawals {
        assert!(*a > U256::ZERO);
        assert_eq!(got, a, "{who} withdrew {got} of {a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_end_to_end() {
    let chain = Arc::new(EmbeddedEvm::new(START));
    let core = core();
    let mut r = AaveRecap::setup(chain.clone(), &core, AaveRecapParams::default()).await.unwrap();
    let c = &*chain;
    // Booked == measured, per account too.
    for a in r.before.bad_debt_accounts() {
        assert_eq!(r.backstop.booked(c, a.account).await.unwrap(), a.variable_debt_wei);
    }
    assert_eq!(r.backstop.total_booked(c).await.unwrap(), r.before.bad_debt_wei);
    // Booking twice books nothing.
    let again = r.backstop.book(c, OPERATOR, &r.accounts).await.unwrap();
    assert_eq!(again.len(), r.accounts.len());
    assert!(again.iter().all(|e| e.tab_wei.is_zero()));
    assert_eq!(r.backstop.total_booked(c).await.unwrap(), r.before.bad_debt_wei);
    // An account with collateral (a healthy WETH supplier) is refused, typed.
    let healthy = r.target.weth_suppliers[0];
    let mut batch = r.accounts.clone();
    batch.push(healthy);
    match r.backstop.book(c, OPERATOR, &batch).await {
        Err(AaveError::HasCollateral { account, collateral_base, .. }) => {
            assert_eq!(account, healthy);
            assert!(collateral_base > U256::ZERO);
        }
        other => panic!("expected HasCollateral, got {other:?}"),
    }
    // Two competing bidders at least.
    assert!(r.params.keepers.len() >= 2);
    let part = r.treasury_part_wei();
    assert!(part > U256::ZERO && part <= r.params.treasury_share_wei);
    r.pay_from_treasury(part).await.unwrap();
    // Treasury WETH went to the sink.
    assert_eq!(r.backstop.sink_totals(c).await.unwrap().balance_wei, part);
    r.run_auctions(20_000, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let w = r.withdraw_suppliers().await.unwrap();
    let report = r.report("embedded EVM".into(), w).await.unwrap();
    check_report(&report);
    assert!(report.keepers.iter().filter(|k| k.4.bids_sent > 0).count() >= 2, "competition");
    assert_eq!(report.sink.unapplied_wei, U256::ZERO);
    assert_eq!(report.sink.balance_wei, U256::ZERO);
}

/// A third party repays part of an account's debt between booking and repayment: the sink
/// repays only what is left, the difference is unapplied and given back, nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn third_party_repays_between_booking_and_repayment() {
    let (chain, mut r) = followed_recap().await;
    let c = &*chain;
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    // A third party repays 1,234.5 WETH of the first account's debt.
    let helper = Address::repeat_byte(0x3d);
    let weth = r.target.weth;
    let x = tokens(1_234) + tokens(1) / U256::from(2);
    c.set_balance(helper, tokens(10)).await.unwrap();
    c.send_sol(helper, weth, &WETH9Mocked::mintCall { account: helper, value: x }).await.unwrap();
    c.send_sol(helper, weth, &IERC20::approveCall { spender: r.target.pool, amount: x })
        .await
        .unwrap();
    let victim = r.accounts[0];
    let repay = IPool::repayCall {
        asset: weth,
        amount: x,
        interestRateMode: U256::from(2),
        onBehalfOf: victim,
    };
    c.send_sol(helper, r.target.pool, &repay).await.unwrap();
    r.run_auctions(20_000, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let w = r.withdraw_suppliers().await.unwrap();
    let report = r.report("embedded EVM".into(), w).await.unwrap();
    check_report(&report);
    // The unapplied amount is the third party's repayment less the victim's interest since
    // booking, and it was given back to the accountant (held there, nothing lost).
    assert!(report.sink.unapplied_wei > U256::ZERO && report.sink.unapplied_wei <= x);
    assert_eq!(report.sink.returned_wei, report.sink.unapplied_wei);
    assert_eq!(report.held_by_backstop_wei, report.sink.unapplied_wei);
    // The Collector paid what it was asked to; nothing more.
    let collector = c
        .call_sol(Address::ZERO, weth, &IERC20::balanceOfCall { account: COLLECTOR })
        .await
        .unwrap();
    assert_eq!(collector, r.collector_before_wei - report.treasury_paid_wei);
    let (txs, _) = chain.finish().unwrap();
    assert!(txs > 0, "the accountant was followed");
}

/// Every keeper is stopped and started again from the chain mid-recap; the recap completes with
/// the same guarantees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepers_restart_mid_recap() {
    let (chain, mut r) = followed_recap().await;
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    let mut mid = None;
    r.run_auctions(20_000, Some(6), |p| {
        if p.rounds == 6 {
            mid = Some((p.auctions, p.live));
        }
    })
    .await
    .unwrap();
    let (kicked, live) = mid.unwrap();
    assert!(kicked > 0 && live > 0, "restarted while auctions ran ({kicked}, {live})");
    assert_eq!(r.restarts, r.params.keepers.len() as u64 + 1);
    r.settle_on_pool().await.unwrap();
    let w = r.withdraw_suppliers().await.unwrap();
    let report = r.report("embedded EVM".into(), w).await.unwrap();
    // Spent counts are per keeper instance; the chain's numbers are the check here.
    assert_eq!(report.debt_after_wei, U256::ZERO);
    assert_eq!(report.accountant_debt_wei, U256::ZERO);
    let paid = report.bidders_paid_wei + report.treasury_paid_wei;
    assert_eq!(
        paid,
        report.sink.repaid_wei + report.sink.balance_wei + report.held_by_backstop_wei
    );
    assert_eq!(report.minted, report.lots_dealt.checked_add(report.slices_taken).unwrap());
    for (who, a, got) in &report.withdrawals {
        assert_eq!(got, a, "{who}");
    }
    let (txs, _) = chain.finish().unwrap();
    assert!(txs > 0, "the accountant was followed");
}
