//! The Aave v3 recap (`@aave/core-v3` 1.19.3, `scripts/install-tools.sh`) on the embedded EVM:
//! the oracle recovering mid-recap (an account booked while its collateral was priced at 0 is held
//! by the sink, not repaid; the core's accountant follows it), the core's accountant model
//! following the deployed `Accountant` after every transaction of the loop, and the status an operator reads (`AaveStatus`) equal to
//! what the pool, the book and the sink say, before and after the recap.

use alloy::sol_types::SolConstructor;
use alloy_primitives::{Address, I256, U256};
use backstop::aave_demo::{AaveRecap, AaveRecapParams, GOVERNANCE, OPERATOR};
use backstop_chain::{
    DevChain, EmbeddedEvm, Settlement, SettlementExt,
    aave::{
        AaveContract, AaveCore, AaveStatus, BorrowerPosition, RepayEntry,
        bindings::{IAaveOracle, IERC20, IPool, MockAggregator, WETH9Mocked},
        booked_accounts, tokens,
    },
    bindings::{AaveRepaySink, Accountant},
    differential::{AccountantFollower, DiffError, Followed},
};
use backstop_core::Wad;
use std::sync::Arc;

const START: u64 = backstop::aave_demo::AAVE_START;

fn core() -> AaveCore {
    AaveCore::locate().expect("@aave/core-v3 (scripts/install-tools.sh)")
}

/// A fallback oracle that answers 0 for every asset (what the package's `PriceOracle` mock answers
/// for an asset it was never given a price for; the package ships no artifact of it): runtime
/// `PUSH1 32 PUSH1 0 RETURN`, 32 zero bytes for any call.
const ZERO_ORACLE_INIT: [u8; 14] =
    [0x64, 0x60, 0x20, 0x60, 0x00, 0xf3, 0x60, 0x00, 0x52, 0x60, 0x05, 0x60, 0x1b, 0xf3];

async fn weth_of<S: Settlement>(c: &S, token: Address, who: Address) -> U256 {
    c.call_sol(Address::ZERO, token, &IERC20::balanceOfCall { account: who }).await.unwrap()
}

/// The LRT's oracle source answers 0 and the fallback answers 0: its price is 0.
async fn collapse_lrt_price<S: Settlement>(c: &S, core: &AaveCore, r: &AaveRecap<S>) {
    let oracle = r.market.as_ref().unwrap().oracle;
    let lrt = r.market.as_ref().unwrap().lrt.underlying;
    let zero = c.deploy_code(GOVERNANCE, &ZERO_ORACLE_INIT, vec![]).await.unwrap();
    c.send_sol(GOVERNANCE, oracle, &IAaveOracle::setFallbackOracleCall { fallbackOracle: zero })
        .await
        .unwrap();
    let code = core.contract(AaveContract::MockAggregator).unwrap().link(&Default::default());
    let args = MockAggregator::constructorCall { initialAnswer: I256::ZERO }.abi_encode();
    let agg = c.deploy_code(GOVERNANCE, &code.unwrap(), args).await.unwrap();
    set_lrt_source(c, r, agg).await;
    let price = IAaveOracle::getAssetPriceCall { asset: lrt };
    let p = c.call_sol(Address::ZERO, oracle, &price).await.unwrap();
    assert_eq!(p, U256::ZERO, "the LRT is priced at 0");
}

async fn account_data<S: Settlement>(
    c: &S,
    pool: Address,
    who: Address,
) -> IPool::getUserAccountDataReturn {
    let call = IPool::getUserAccountDataCall { user: who };
    c.call_sol(Address::ZERO, pool, &call).await.unwrap()
}

async fn set_lrt_source<S: Settlement>(c: &S, r: &AaveRecap<S>, source: Address) {
    let call = IAaveOracle::setAssetSourcesCall {
        assets: vec![r.market.as_ref().unwrap().lrt.underlying],
        sources: vec![source],
    };
    c.send_sol(GOVERNANCE, r.market.as_ref().unwrap().oracle, &call).await.unwrap();
}

/// The event of the demo plus one healthy LRT borrower (1,000 LRT, 250 WETH: health factor about
/// 1.2 after the event's 70% drop, so it is not liquidated).
fn params_with_healthy_borrower() -> AaveRecapParams {
    let mut p = AaveRecapParams::default();
    p.market
        .event
        .borrowers
        .push(BorrowerPosition { lrt_supplied_wei: tokens(1_000), weth_borrowed_wei: tokens(250) });
    p
}

/// The oracle recovers mid-recap. The LRT's price collapses to 0 after the event, so a healthy
/// borrower's collateral is worth 0 on the pool and the book (which decides "no collateral" by
/// `totalCollateralBase`) books it with the real bad debt; the auctions raise for all of it; then
/// the price recovers before the proceeds are applied. Repaying that borrower would free its
/// 1,000 LRT: the sink holds its amount instead (event `Held`), repays every real bad-debt account,
/// keeps the held amount out of `giveBack`, and when the borrower repays its own debt the held
/// amount is unapplied and returned to the accountant. Nothing given away, nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oracle_recovers_mid_recap() {
    let chain = Arc::new(Followed::new(EmbeddedEvm::new(START)));
    let c = &*chain;
    let core = core();
    let mut r =
        AaveRecap::deploy(chain.clone(), &core, params_with_healthy_borrower()).await.unwrap();
    let bidders: Vec<Address> =
        (0..r.params.keepers.len()).map(backstop::aave_demo::bidder).collect();
    chain.attach(r.backstop.deployment, &bidders).await.unwrap();
    let healthy = *r.event.as_ref().unwrap().borrowers.last().unwrap();
    let weth = r.market.as_ref().unwrap().weth.underlying;
    let lrt_a = r.market.as_ref().unwrap().lrt.a_token;
    let pool = r.market.as_ref().unwrap().pool;
    let before = account_data(c, pool, healthy).await;
    assert!(before.totalCollateralBase > U256::ZERO);
    assert!(before.healthFactor >= U256::from(10u64).pow(U256::from(18)), "not liquidated");

    collapse_lrt_price(c, &core, &r).await;
    let collapsed = account_data(c, pool, healthy).await;
    assert_eq!(collapsed.totalCollateralBase, U256::ZERO, "collateral priced at 0");
    assert!(weth_of(c, lrt_a, healthy).await > U256::ZERO, "it still holds its collateral tokens");

    let candidates = r.event.as_ref().unwrap().accounts();
    r.book_bad_debt(&candidates).await.unwrap();
    assert!(r.accounts.contains(&healthy), "booked as bad debt while its price was 0");
    assert_eq!(r.accounts.len(), 4);
    let booked_h = r.backstop.booked(c, healthy).await.unwrap();
    assert!(booked_h >= tokens(250));
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    r.run_auctions(20_000, None, |_| {}).await.unwrap();

    // The price recovers before the proceeds are applied.
    set_lrt_source(c, &r, r.event.as_ref().unwrap().lrt_aggregator_after).await;
    let recovered = account_data(c, pool, healthy).await;
    assert!(recovered.totalCollateralBase > U256::ZERO);
    assert!(recovered.healthFactor >= U256::from(10u64).pow(U256::from(18)), "healthy again");
    let debt_h =
        r.market.as_ref().unwrap().read_weth_debt(c, &[healthy]).await.unwrap().total_debt_wei;

    r.settle_on_pool().await.unwrap();

    // The healthy borrower was not repaid: its debt is still on the pool, its amount held.
    let s = r.backstop.sink;
    let repaid_h: U256 = c
        .call_sol(Address::ZERO, s, &AaveRepaySink::repaidCall { account: healthy })
        .await
        .unwrap();
    assert_eq!(repaid_h, U256::ZERO, "a gift: the sink repaid an account with collateral");
    let after_h =
        r.market.as_ref().unwrap().read_weth_debt(c, &[healthy]).await.unwrap().total_debt_wei;
    assert!(after_h >= debt_h, "its debt was not repaid ({after_h} < {debt_h})");
    let totals = r.backstop.sink_totals(c).await.unwrap();
    assert_eq!(totals.balance_wei, booked_h, "held: exactly its booked amount");
    assert_eq!(totals.outstanding_wei, booked_h);
    assert_eq!(totals.received_wei, totals.repaid_wei + totals.balance_wei + totals.returned_wei);
    // Every real bad-debt account was repaid in full; the accountant owes nothing.
    let others: Vec<Address> = r.accounts.iter().copied().filter(|a| *a != healthy).collect();
    let rest = r.market.as_ref().unwrap().read_weth_debt(c, &others).await.unwrap();
    assert_eq!(rest.total_debt_wei, U256::ZERO);
    let debt: U256 = c
        .call_sol(Address::ZERO, r.backstop.deployment.accountant, &Accountant::debtCall {})
        .await
        .unwrap();
    assert_eq!(debt, U256::ZERO);
    // Asked again, the sink says why: Held, with the collateral it sees.
    let entries = r.backstop.repay(c, OPERATOR, &[healthy]).await.unwrap();
    match entries.as_slice() {
        [RepayEntry::Held { account, amount_wei, collateral_base }] => {
            assert_eq!(*account, healthy);
            assert_eq!(*amount_wei, booked_h);
            assert_eq!(*collateral_base, recovered.totalCollateralBase);
        }
        other => panic!("expected one Held entry, got {other:?}"),
    }
    assert_eq!(r.backstop.give_back(c, OPERATOR).await.unwrap(), U256::ZERO, "held, not surplus");

    // The borrower repays its own debt: what was held for it goes back to the accountant.
    c.set_balance(healthy, tokens(1)).await.unwrap();
    let need = after_h + tokens(1);
    c.send_sol(healthy, weth, &WETH9Mocked::mintCall { account: healthy, value: need })
        .await
        .unwrap();
    c.send_sol(
        healthy,
        weth,
        &IERC20::approveCall { spender: r.market.as_ref().unwrap().pool, amount: need },
    )
    .await
    .unwrap();
    let repay = IPool::repayCall {
        asset: weth,
        amount: U256::MAX,
        interestRateMode: U256::from(2),
        onBehalfOf: healthy,
    };
    c.send_sol(healthy, r.market.as_ref().unwrap().pool, &repay).await.unwrap();
    let entries = r.backstop.repay(c, OPERATOR, &[healthy]).await.unwrap();
    assert!(
        matches!(entries.as_slice(), [RepayEntry::Unapplied { account, amount_wei, .. }] if *account == healthy && *amount_wei == booked_h),
        "{entries:?}"
    );
    assert_eq!(r.backstop.give_back(c, OPERATOR).await.unwrap(), booked_h);
    let surplus: U256 = c
        .call_sol(Address::ZERO, r.backstop.deployment.accountant, &Accountant::surplusCall {})
        .await
        .unwrap();
    assert_eq!(surplus, booked_h, "returned to the accountant as surplus");
    let totals = r.backstop.sink_totals(c).await.unwrap();
    assert_eq!(totals.balance_wei, U256::ZERO);
    assert_eq!(totals.received_wei, totals.repaid_wei + totals.returned_wei);
    // The core's accountant followed every transaction from booking to the give-back.
    let (txs, _) = chain.finish().unwrap();
    assert!(txs > 0);
}

/// The differential on the Aave path: the whole loop (booking, the treasury's heal, English
/// auctions with three competing keepers, the interest booked later, the last heal, repayment)
/// runs on a chain whose every mined transaction is followed by the core's `Accountant`; after
/// each one the model's debt, `Sin`, `Ash`, surplus, `Due`, queue and dues equal the contract's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accountant_model_follows_the_loop() {
    let chain = Arc::new(Followed::new(EmbeddedEvm::new(START)));
    let core = core();
    let mut r = AaveRecap::deploy(chain.clone(), &core, AaveRecapParams::default()).await.unwrap();
    let bidders: Vec<Address> =
        (0..r.params.keepers.len()).map(backstop::aave_demo::bidder).collect();
    chain.attach(r.backstop.deployment, &bidders).await.unwrap();
    let candidates = r.event.as_ref().unwrap().accounts();
    r.book_bad_debt(&candidates).await.unwrap();
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    r.run_auctions(20_000, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let (txs, events) = chain.finish().unwrap();
    let auctions = r.report("followed".into(), vec![]).await.unwrap().auctions;
    // Booking (2 fesses), heals, flops, first bids' settlements, file(sump, dump), flogs: every
    // auction contributes at least its flop and its settlement.
    assert!(auctions > 0);
    assert!(events as u64 >= 2 * auctions + 4, "{events} events for {auctions} auctions");
    assert!(txs as u64 > auctions, "{txs} transactions");
}

/// The comparison is not vacuous: a model one wei off is reported, with both views.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follower_reports_a_divergence() {
    let chain = Arc::new(EmbeddedEvm::new(START));
    let c = &*chain;
    let core = core();
    let r = AaveRecap::setup(chain.clone(), &core, AaveRecapParams::default()).await.unwrap();
    let mut f = AccountantFollower::attach(c, r.backstop.deployment).await.unwrap();
    let now = c.timestamp().await.unwrap();
    f.compare(c, Default::default(), now).await.unwrap();
    f.model.fess(Wad::from_raw(U256::from(1)), now).unwrap();
    match f.compare(c, Default::default(), now).await {
        Err(DiffError::AccountantDiffers { model, chain, .. }) => {
            assert_eq!(model.sheet[0].raw(), chain.sheet[0].raw() + U256::from(1));
        }
        other => panic!("expected AccountantDiffers, got {other:?}"),
    }
}

/// What `backstop status` reports for an Aave deployment equals what the pool, the book, the
/// accountant and the sink say: after booking (before the recap) and after the repayment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_equals_the_pool_before_and_after_the_recap() {
    let chain = Arc::new(EmbeddedEvm::new(START));
    let c = &*chain;
    let core = core();
    let mut r = AaveRecap::setup(chain.clone(), &core, AaveRecapParams::default()).await.unwrap();
    // The deployment file round-trips with its Aave addresses.
    let text = serde_json::to_string(&r.backstop.deployment).unwrap();
    let d = backstop_chain::Deployment::from_json(&text, "test").unwrap();
    let aave = backstop_chain::aave::AaveBackstop::from_deployment(d).unwrap();
    assert_eq!(aave, r.backstop);

    let check = |st: &AaveStatus, accounts: &[Address]| {
        assert_eq!(st.accounts, accounts.len());
        assert_eq!((st.pool, st.book, st.sink), (aave.pool, aave.book, aave.sink));
    };
    let st = AaveStatus::read(c, &aave).await.unwrap();
    let accounts = booked_accounts(c, &aave, st.block).await.unwrap();
    assert_eq!(accounts, r.accounts, "the booked accounts, from the book's events");
    check(&st, &accounts);
    let pool = r.market.as_ref().unwrap().read_weth_debt(c, &accounts).await.unwrap();
    assert_eq!(st.debt_wei, pool.total_debt_wei);
    assert_eq!(st.bad_debt_wei, pool.bad_debt_wei);
    assert_eq!(st.zero_collateral, pool.bad_debt_accounts().count());
    assert_eq!(st.zero_collateral, accounts.len());
    assert_eq!(st.booked_wei, r.booked_wei);
    assert_eq!(st.debt_wei, r.booked_wei, "nothing accrued in the booking block");
    let live = backstop_chain::live::load_live(c, &aave.deployment).await.unwrap();
    assert_eq!(st.accountant_debt_wei, live.system.accountant.debt().raw());
    assert_eq!(st.on_auction_wei, U256::ZERO);
    assert_eq!(st.repaid_wei, U256::ZERO);

    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    // Mid-recap: auctions running, Ash as the accountant says.
    r.run_auctions(3, None, |_| {}).await.unwrap();
    let st = AaveStatus::read(c, &aave).await.unwrap();
    let live = backstop_chain::live::load_live(c, &aave.deployment).await.unwrap();
    assert_eq!(st.on_auction_wei, live.system.accountant.ash().raw());
    assert!(st.on_auction_wei > U256::ZERO, "an auction is running");
    assert_eq!(st.held_wei, weth_of(c, aave.asset, aave.sink).await);
    assert!(st.held_wei >= part, "the treasury's heal, and any first bid's settlement");

    r.run_auctions(20_000, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let st = AaveStatus::read(c, &aave).await.unwrap();
    let pool = r.market.as_ref().unwrap().read_weth_debt(c, &accounts).await.unwrap();
    check(&st, &accounts);
    assert_eq!(st.debt_wei, pool.total_debt_wei);
    assert_eq!(st.debt_wei, U256::ZERO, "repaid on the pool");
    assert_eq!(st.bad_debt_wei, U256::ZERO);
    let totals = r.backstop.sink_totals(c).await.unwrap();
    assert_eq!(st.repaid_wei, totals.repaid_wei);
    assert_eq!(st.held_wei, totals.balance_wei);
    assert_eq!(st.returned_wei, totals.returned_wei);
    assert_eq!(st.booked_wei, r.booked_wei + r.booked_later_wei);
    assert_eq!(st.repaid_wei + st.unapplied_wei, st.booked_wei);
    assert_eq!(st.on_auction_wei, U256::ZERO);
    assert_eq!(st.accountant_debt_wei, U256::ZERO);
}

/// `backstop status --deployment FILE --json` (the real binary) against a recap on the pinned
/// Anvil, after booking and after the repayment: its `aave` object is what `AaveStatus` reads, and
/// its numbers are the pool's (the booked accounts' variable debt), the book's and the sink's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_cli_reports_the_recap_on_anvil() {
    let _g = crate::SERIAL.lock().await;
    use backstop_chain::{AnvilConfig, AnvilNode, RpcChain, RpcConfig};
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(START)).expect("anvil");
    let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap();
    backstop::demo::pin_anvil_clock(&chain).await.unwrap();
    let chain = Arc::new(chain);
    let c = &*chain;
    let core = core();
    let mut r = AaveRecap::setup(chain.clone(), &core, AaveRecapParams::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.json");
    r.backstop.deployment.save(&file).unwrap();
    let status = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_backstop"));
        cmd.args(["status", "--rpc-url", &node.endpoint(), "--deployment"])
            .arg(&file)
            .env("BACKSTOP_LOG", "warn");
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let u = |v: &serde_json::Value, k: &str| -> U256 {
        serde_json::from_value(v["aave"][k].clone()).unwrap_or_else(|e| panic!("{k}: {e}"))
    };
    // After booking.
    let v: serde_json::Value = serde_json::from_str(&status(true)).unwrap();
    let st = AaveStatus::read(c, &r.backstop).await.unwrap();
    assert_eq!(v["aave"], serde_json::to_value(&st).unwrap());
    let pool = r.market.as_ref().unwrap().read_weth_debt(c, &r.accounts).await.unwrap();
    assert_eq!(u(&v, "debtWei"), pool.total_debt_wei);
    assert_eq!(u(&v, "badDebtWei"), pool.bad_debt_wei);
    assert_eq!(v["aave"]["zeroCollateral"], pool.bad_debt_accounts().count());
    assert_eq!(v["aave"]["accounts"], r.accounts.len());
    assert_eq!(u(&v, "bookedWei"), r.backstop.total_booked(c).await.unwrap());
    assert!(status(false).contains("booked accounts"));
    // After the recap.
    let part = r.treasury_part_wei();
    r.pay_from_treasury(part).await.unwrap();
    r.run_auctions(20_000, None, |_| {}).await.unwrap();
    r.settle_on_pool().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&status(true)).unwrap();
    let pool = r.market.as_ref().unwrap().read_weth_debt(c, &r.accounts).await.unwrap();
    let sink = r.backstop.sink_totals(c).await.unwrap();
    assert_eq!(u(&v, "debtWei"), pool.total_debt_wei);
    assert_eq!(u(&v, "debtWei"), U256::ZERO);
    assert_eq!(u(&v, "repaidWei"), sink.repaid_wei);
    assert_eq!(u(&v, "heldWei"), sink.balance_wei);
    assert_eq!(u(&v, "returnedWei"), sink.returned_wei);
    assert_eq!(u(&v, "onAuctionWei"), U256::ZERO);
    assert_eq!(u(&v, "bookedWei"), r.booked_wei + r.booked_later_wei);
    assert_eq!(u(&v, "repaidWei") + u(&v, "unappliedWei"), u(&v, "bookedWei"));
}
