//! A real Aave v3 market (`@aave/core-v3` 1.19.3, installed by `scripts/install-tools.sh`) on the
//! embedded EVM and on the pinned Anvil: deployment, the bad-debt event through the real
//! contracts, and bad debt measured on the pool to the wei; and the error when the package is
//! missing.
//!
//! Anvil tests start their own node on a free loopback port with its clock frozen
//! (`anvil_setBlockTimestampInterval 0`), so nothing depends on wall-clock time; they run one at a
//! time (`SERIAL`).

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use backstop_chain::{
    AnvilConfig, AnvilNode, EmbeddedEvm, RpcChain, RpcConfig, Settlement, SettlementExt,
    aave::{
        self, AaveCore, AaveError, AaveMarket, AaveMarketParams, BadDebtEvent,
        bindings::{IERC20, IPool, IPoolDataProvider},
    },
};

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const START: u64 = 1_776_000_000;
const ADMIN: Address = Address::new([0xad; 20]);

fn core() -> AaveCore {
    AaveCore::locate().expect("@aave/core-v3 (scripts/install-tools.sh)")
}

async fn call<S: Settlement, C: SolCall + Sync>(chain: &S, to: Address, c: &C) -> C::Return {
    chain.call_sol(Address::ZERO, to, c).await.unwrap_or_else(|e| panic!("{}: {e}", C::SIGNATURE))
}

/// Deploys the default market, runs the event and checks everything the measurement claims
/// against the pool, independently.
async fn deploy_and_measure<S: Settlement>(chain: &S) -> (AaveMarket, BadDebtEvent) {
    let params = AaveMarketParams::default();
    let core = core();
    let market = aave::deploy_market(chain, &core, ADMIN, &params).await.expect("deploy");

    // The market is wired as asked.
    let emode = call(chain, market.pool, &IPool::getEModeCategoryDataCall { id: 1 }).await;
    assert_eq!(
        (emode.ltv, emode.liquidationThreshold, emode.liquidationBonus),
        (9300, 9500, 10100)
    );
    for (r, p) in [(&market.weth, &params.weth), (&market.lrt, &params.lrt)] {
        let dp = market.data_provider;
        let cat = call(
            chain,
            dp,
            &IPoolDataProvider::getReserveEModeCategoryCall { asset: r.underlying },
        )
        .await;
        assert_eq!(cat, U256::from(1));
        let caps =
            call(chain, dp, &IPoolDataProvider::getReserveCapsCall { asset: r.underlying }).await;
        assert_eq!(caps.supplyCap, U256::from(p.supply_cap_tokens));
        let conf = call(
            chain,
            dp,
            &IPoolDataProvider::getReserveConfigurationDataCall { asset: r.underlying },
        )
        .await;
        assert_eq!(conf.ltv, U256::from(p.ltv_bps));
        assert_eq!(conf.borrowingEnabled, p.borrowing_enabled);
        assert!(conf.isActive && !conf.isFrozen);
    }
    assert_eq!(market.libraries.len(), 8, "{:?}", market.libraries.keys());

    let event =
        aave::run_bad_debt_event(chain, &core, &market, ADMIN, &params).await.expect("event");
    assert_eq!(event.lrt_price_after_usd_e8, U256::from(params.lrt_price_after_usd_e8()));
    let reading = market.read_weth_debt(chain, &event.accounts()).await.expect("measure");

    // Bad debt > 0, equal to the sum of the debt-token balances of the zero-collateral accounts,
    // each read here again, directly.
    assert!(reading.bad_debt_wei > U256::ZERO);
    let mut sum = U256::ZERO;
    let mut bad_accounts = 0;
    for &who in &event.accounts() {
        let data = call(chain, market.pool, &IPool::getUserAccountDataCall { user: who }).await;
        let debt =
            call(chain, market.weth.variable_debt_token, &IERC20::balanceOfCall { account: who })
                .await;
        if data.totalCollateralBase.is_zero() && !debt.is_zero() {
            sum += debt;
            bad_accounts += 1;
        }
    }
    assert_eq!(reading.bad_debt_wei, sum);
    assert_eq!(reading.bad_debt_accounts().count(), bad_accounts);
    // Every borrower ended with no collateral and debt left; each was liquidated.
    assert_eq!(bad_accounts, event.borrowers.len());
    for (b, l) in event.borrowers.iter().zip(&event.liquidations) {
        let r = reading.accounts.iter().find(|r| r.account == *b).unwrap();
        assert!(r.is_bad_debt(), "{b}: {r:?}");
        assert_eq!(r.total_collateral_base, U256::ZERO);
        assert!(r.total_debt_base > U256::ZERO);
        assert!(l.calls >= 1 && l.weth_repaid_wei > U256::ZERO && l.lrt_seized_wei > U256::ZERO);
    }
    // Liquidations repaid part of the borrowed WETH; the rest is the bad debt.
    let borrowed: U256 = params.event.borrowers.iter().map(|b| b.weth_borrowed_wei).sum();
    let repaid: U256 = event.liquidations.iter().map(|l| l.weth_repaid_wei).sum();
    assert!(repaid > U256::ZERO && repaid < borrowed);
    assert!(reading.bad_debt_wei >= borrowed - repaid, "interest only adds to the debt");
    // All the seized collateral is the borrowers' (they had nothing else).
    let posted: U256 = params.event.borrowers.iter().map(|b| b.lrt_supplied_wei).sum();
    let seized: U256 = event.liquidations.iter().map(|l| l.lrt_seized_wei).sum();
    assert!(
        seized <= posted && seized + U256::from(event.borrowers.len()) >= posted,
        "{seized} of {posted}"
    );

    // Healthy suppliers and bystanders are unaffected: their collateral is all there, no bad debt.
    for (who, supplied) in event.weth_suppliers.iter().zip(&params.event.weth_suppliers_wei) {
        let r = reading.accounts.iter().find(|r| r.account == *who).unwrap();
        assert!(!r.is_bad_debt() && r.total_debt_base.is_zero() && r.variable_debt_wei.is_zero());
        let a = call(chain, market.weth.a_token, &IERC20::balanceOfCall { account: *who }).await;
        assert!(a >= *supplied, "{who}: {a} < {supplied}");
        assert!(r.total_collateral_base > U256::ZERO);
    }
    for who in &event.bystanders {
        let r = reading.accounts.iter().find(|r| r.account == *who).unwrap();
        assert!(r.health_factor_wad > U256::from(10u64).pow(U256::from(18)), "{r:?}");
        assert!(r.total_collateral_base > U256::ZERO && r.variable_debt_wei.is_zero());
    }
    (market, event)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_debt_on_the_embedded_evm() {
    let chain = EmbeddedEvm::new(START);
    let (market, event) = deploy_and_measure(&chain).await;
    // With a clock that does not move, no interest accrues: the bad debt is exactly what the
    // borrowers borrowed less what the liquidator repaid.
    let reading = market.read_weth_debt(&chain, &event.borrowers).await.unwrap();
    let params = AaveMarketParams::default();
    let borrowed: U256 = params.event.borrowers.iter().map(|b| b.weth_borrowed_wei).sum();
    let repaid: U256 = event.liquidations.iter().map(|l| l.weth_repaid_wei).sum();
    assert_eq!(reading.bad_debt_wei, borrowed - repaid);
    eprintln!("bad debt {} WETH wei over {} accounts", reading.bad_debt_wei, event.borrowers.len());
    eprintln!("liquidations {:?}", event.liquidations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_debt_on_anvil() {
    let _g = SERIAL.lock().await;
    let anvil = AnvilNode::spawn(&AnvilConfig::default().timestamp(START))
        .expect("anvil (scripts/install-tools.sh)");
    let chain = RpcChain::connect(RpcConfig::dev(anvil.endpoint())).await.expect("connect");
    {
        use alloy::providers::ext::AnvilApi;
        chain.provider().anvil_set_block_timestamp_interval(0).await.expect("freeze the clock");
    }
    let (market, event) = deploy_and_measure(&chain).await;
    // The same transactions at the same (frozen) time: the same bad debt as the embedded EVM's,
    // to the wei.
    let on_anvil = market.read_weth_debt(&chain, &event.accounts()).await.unwrap();
    let evm = EmbeddedEvm::new(START);
    let (m, e) = deploy_and_measure(&evm).await;
    let embedded = m.read_weth_debt(&evm, &e.accounts()).await.unwrap();
    assert_eq!(on_anvil.bad_debt_wei, embedded.bad_debt_wei);
    assert_eq!(on_anvil.total_debt_wei, embedded.total_debt_wei);
    assert_eq!(event.liquidations.len(), e.liquidations.len());
    for (a, b) in event.liquidations.iter().zip(&e.liquidations) {
        assert_eq!(
            (a.calls, a.weth_repaid_wei, a.lrt_seized_wei),
            (b.calls, b.weth_repaid_wei, b.lrt_seized_wei)
        );
    }
}

#[tokio::test]
async fn a_missing_package_is_a_typed_error_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("backstop-aave-missing-{}", std::process::id()));
    let e = AaveCore::at(&dir).unwrap_err();
    assert!(matches!(e, AaveError::PackageNotFound { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&dir.join("package.json").display().to_string()), "{msg}");
    assert!(msg.contains("scripts/install-tools.sh"), "{msg}");

    // A package without the pool's artifact: named, nothing sent.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name":"@aave/core-v3","version":"1.19.3"}"#)
        .unwrap();
    let core = AaveCore::at(&dir).unwrap();
    let chain = EmbeddedEvm::new(START);
    let e =
        aave::deploy_market(&chain, &core, ADMIN, &AaveMarketParams::default()).await.unwrap_err();
    match &e {
        AaveError::ArtifactMissing { path } => {
            assert!(path.ends_with("PoolAddressesProvider.json"))
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("scripts/install-tools.sh"));
    assert_eq!(chain.block_number().await.unwrap(), 0, "nothing was sent");

    // Another version: refused.
    std::fs::write(dir.join("package.json"), r#"{"name":"@aave/core-v3","version":"1.19.4"}"#)
        .unwrap();
    assert!(matches!(AaveCore::at(&dir), Err(AaveError::VersionMismatch { .. })));
    // A malformed artifact: refused with its path.
    std::fs::write(dir.join("package.json"), r#"{"name":"@aave/core-v3","version":"1.19.3"}"#)
        .unwrap();
    let pap = dir.join("artifacts/contracts/protocol/configuration/PoolAddressesProvider.sol");
    std::fs::create_dir_all(&pap).unwrap();
    std::fs::write(pap.join("PoolAddressesProvider.json"), r#"{"contractName":"X"}"#).unwrap();
    let e =
        aave::deploy_market(&chain, &core, ADMIN, &AaveMarketParams::default()).await.unwrap_err();
    assert!(matches!(e, AaveError::ArtifactMalformed { .. }), "{e:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn invalid_parameters_fail_before_anything_is_sent() {
    let chain = EmbeddedEvm::new(START);
    let mut params = AaveMarketParams::default();
    params.emode.ltv_bps = 9_700;
    let e = aave::deploy_market(&chain, &core(), ADMIN, &params).await.unwrap_err();
    match e {
        AaveError::InvalidParam { field, .. } => assert_eq!(field, "emode.ltv_bps"),
        other => panic!("{other:?}"),
    }
    assert_eq!(chain.block_number().await.unwrap(), 0);
}

/// A 10% drop leaves the borrowers' health factors near 0.97: Aave's close factor is 50% there,
/// so the liquidator calls more than once, stops when the health factor is back at 1, and no
/// debt is bad.
#[tokio::test]
async fn a_small_drop_is_liquidated_back_to_health_without_bad_debt() {
    let chain = EmbeddedEvm::new(START);
    let mut params = AaveMarketParams::default();
    params.event.lrt_price_drop_bps = 1_000;
    let core = core();
    let market = aave::deploy_market(&chain, &core, ADMIN, &params).await.unwrap();
    let event = aave::run_bad_debt_event(&chain, &core, &market, ADMIN, &params).await.unwrap();
    let reading = market.read_weth_debt(&chain, &event.accounts()).await.unwrap();
    assert_eq!(reading.bad_debt_wei, U256::ZERO);
    assert_eq!(reading.bad_debt_accounts().count(), 0);
    let one = U256::from(10u64).pow(U256::from(18));
    for (b, l) in event.borrowers.iter().zip(&event.liquidations) {
        let r = reading.accounts.iter().find(|r| r.account == *b).unwrap();
        assert!(l.calls >= 2, "{l:?}");
        assert!(r.total_collateral_base > U256::ZERO && r.variable_debt_wei > U256::ZERO);
        assert!(r.health_factor_wad >= one, "{r:?}");
    }
}
