//! Property: on a real Aave v3 market (embedded EVM), `AaveBadDebtBook` never books an account
//! twice, never an account with collateral, and never more than the account's debt, over random
//! account sets (with repeats), partial third-party repayments and time passing (interest).

use alloy_primitives::{Address, U256};
use backstop_chain::{
    DevChain, EmbeddedEvm, Settlement, SettlementExt,
    aave::{
        self, AaveCore, AaveError, AaveMarketParams,
        bindings::{IERC20, IPool, WETH9Mocked},
        tokens,
    },
};
use backstop_core::{AccountantParams, OracleParams, Ray, SystemParams, Wad};
use proptest::prelude::*;
use std::collections::BTreeMap;

const ADMIN: Address = Address::new([0xad; 20]);
const HELPER: Address = Address::new([0x3d; 20]);

#[derive(Debug, Clone)]
enum Op {
    /// Book these borrowers (indices, repeats allowed); with a healthy supplier appended if set.
    Book(Vec<usize>, bool),
    /// A third party repays this fraction (bps) of a borrower's debt.
    Repay(usize, u16),
    /// Time passes (seconds): interest accrues.
    Warp(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop::collection::vec(0usize..8, 0..6), prop::bool::weighted(0.2))
            .prop_map(|(v, s)| Op::Book(v, s)),
        2 => (0usize..8, 1u16..10_000).prop_map(|(i, f)| Op::Repay(i, f)),
        1 => (1u32..30 * 86_400).prop_map(Op::Warp),
    ]
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let chain = EmbeddedEvm::new(1_776_470_400);
    let core = AaveCore::locate().expect("@aave/core-v3 (scripts/install-tools.sh)");
    let params = AaveMarketParams::default();
    let market = aave::deploy_market(&chain, &core, ADMIN, &params).await.unwrap();
    let event = aave::run_bad_debt_event(&chain, &core, &market, ADMIN, &params).await.unwrap();
    let sys = SystemParams {
        accountant: AccountantParams { wait: 0, sump: Wad::from_raw(tokens(1)), dump: Wad::ONE },
        english: Default::default(),
        dutch: Default::default(),
        oracle: OracleParams::default(),
    };
    let price: Ray = "0.04".parse().unwrap();
    let bs = aave::deploy_backstop(&chain, &market, ADMIN, &sys, price).await.unwrap();
    let weth = market.weth.underlying;
    let borrowers = &event.borrowers;
    let supplier = event.weth_suppliers[0];
    chain.set_balance(HELPER, tokens(100)).await.unwrap();
    let debt_of = |a: Address| {
        let c = &chain;
        let t = market.weth.variable_debt_token;
        async move { c.call_sol(Address::ZERO, t, &IERC20::balanceOfCall { account: a }).await.unwrap() }
    };
    // The model: each account's mark, and the highest debt it had at a successful booking.
    let mut mark: BTreeMap<Address, U256> = BTreeMap::new();
    let mut total = U256::ZERO;
    for op in ops {
        match op {
            Op::Book(idx, with_supplier) => {
                let mut batch: Vec<Address> =
                    idx.iter().map(|i| borrowers[i % borrowers.len()]).collect();
                if with_supplier {
                    batch.push(supplier);
                }
                let mut debts = BTreeMap::new();
                for &a in &batch {
                    debts.insert(a, debt_of(a).await);
                }
                match bs.book(&chain, HELPER, &batch).await {
                    Err(AaveError::HasCollateral { account, .. }) => {
                        prop_assert!(with_supplier);
                        prop_assert_eq!(account, supplier);
                    }
                    Err(e) => return Err(TestCaseError::fail(format!("book: {e}"))),
                    Ok(entries) => {
                        prop_assert!(!with_supplier, "an account with collateral was booked");
                        prop_assert_eq!(entries.len(), batch.len());
                        for (a, d) in debts {
                            let m = mark.entry(a).or_default();
                            let new = (*m).max(d);
                            total += new - *m;
                            *m = new;
                        }
                    }
                }
            }
            Op::Repay(i, bps) => {
                let who = borrowers[i % borrowers.len()];
                let x = debt_of(who).await * U256::from(bps) / U256::from(10_000);
                if x.is_zero() {
                    continue;
                }
                let mint = WETH9Mocked::mintCall { account: HELPER, value: x };
                chain.send_sol(HELPER, weth, &mint).await.unwrap();
                let ok = IERC20::approveCall { spender: market.pool, amount: x };
                chain.send_sol(HELPER, weth, &ok).await.unwrap();
                let repay = IPool::repayCall {
                    asset: weth,
                    amount: x,
                    interestRateMode: U256::from(2),
                    onBehalfOf: who,
                };
                chain.send_sol(HELPER, market.pool, &repay).await.unwrap();
            }
            Op::Warp(dt) => {
                let now = chain.timestamp().await.unwrap();
                chain.set_next_timestamp(now + u64::from(dt)).await.unwrap();
                chain.mine().await.unwrap();
            }
        }
        // After every step: the book's marks are the model's (booked once, never above the
        // debt at a booking), the supplier is never booked, the total adds up.
        for &a in borrowers.iter().chain([&supplier]) {
            let booked = bs.booked(&chain, a).await.unwrap();
            prop_assert_eq!(booked, mark.get(&a).copied().unwrap_or_default(), "{}", a);
        }
        prop_assert_eq!(bs.booked(&chain, supplier).await.unwrap(), U256::ZERO);
        prop_assert_eq!(bs.total_booked(&chain).await.unwrap(), total);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn the_book_never_books_twice_collateral_or_above_the_debt(
        ops in prop::collection::vec(op(), 1..14)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}
