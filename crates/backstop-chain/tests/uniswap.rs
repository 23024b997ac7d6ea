//! The core's constant-product arithmetic against the real Uniswap V2 pair (npm
//! `@uniswap/v2-core` 1.0.1) on the embedded EVM, to the wei; and a flash take through
//! `DutchFlashTaker`: the core predicts the keeper's profit and the pair's reserves exactly, and the
//! flash take's gas is compared with a plain take's in the same state.
//!
//! Cases: `UNISWAP_CASES` (default 64).

use alloy::sol_types::{SolCall, SolConstructor, SolInterface};
use alloy_primitives::{Address, Bytes, U256};
use backstop_chain::{
    DevChain, EmbeddedEvm, Settlement, SettlementExt, TxRequest,
    bindings::{Accountant, DutchDebtAuction, DutchFlashTaker, Stablecoin},
    deploy_system,
    uniswap::{IUniswapV2Pair, UniswapV2Core, UniswapV2Pair, deploy_factory},
};
use backstop_core::{AccountantParams, Ray, SystemParams, Wad, amm::Reserves};
use proptest::{prelude::*, test_runner::Config};
use std::future::Future;

const DEPLOYER: Address = Address::new([0xde; 20]);
const TRADER: Address = Address::new([0x7a; 20]);
const BIDDER: Address = Address::new([0xb1; 20]);
const FLASH_KEEPER: Address = Address::new([0xf1; 20]);
const SINK: Address = Address::new([0x5e; 20]);
const START: u64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

fn cases() -> u32 {
    std::env::var("UNISWAP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

fn core() -> UniswapV2Core {
    UniswapV2Core::locate().expect("@uniswap/v2-core is installed by scripts/install-tools.sh")
}

fn w(units: u64) -> Wad {
    Wad::from_units(units)
}

async fn token(chain: &EmbeddedEvm, name: &str) -> Address {
    let args =
        Stablecoin::constructorCall { name_: name.into(), symbol_: name.into() }.abi_encode();
    chain.deploy_code(DEPLOYER, &Stablecoin::BYTECODE, args).await.unwrap()
}

async fn mint(chain: &EmbeddedEvm, token: Address, to: Address, amount: U256) {
    chain.send_sol(DEPLOYER, token, &Stablecoin::mintCall { to, amount }).await.unwrap();
}

async fn balance(chain: &EmbeddedEvm, token: Address, who: Address) -> U256 {
    chain.call_sol(Address::ZERO, token, &Stablecoin::balanceOfCall { usr: who }).await.unwrap()
}

/// One swap: sell `amount` of the governance token (`sell_gov`) or of the stablecoin.
#[derive(Debug, Clone, Copy)]
struct Swap {
    sell_gov: bool,
    amount: u128,
}

fn arb_reserve() -> impl Strategy<Value = u128> {
    prop_oneof![1_000u128..1_000_000, 1_000_000u128..1_000_000_000_000_000_000_000_000_000]
}

fn arb_swap() -> impl Strategy<Value = Swap> {
    (any::<bool>(), prop_oneof![1u128..1_000, 1_000u128..1_000_000_000_000_000_000_000_000])
        .prop_map(|(sell_gov, amount)| Swap { sell_gov, amount })
}

/// Swaps against the real pair give exactly `amm::amount_out`, one wei more is refused with the
/// pair's `K` check, and the reserves after equal the core's `Reserves`.
#[test]
fn amount_out_matches_the_pair_to_the_wei() {
    let core = core();
    let chain = EmbeddedEvm::new(START);
    let factory = block_on(deploy_factory(&chain, &core, DEPLOYER)).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(arb_reserve(), arb_reserve(), proptest::collection::vec(arb_swap(), 1..5)),
            |(rg, rc, swaps)| {
                block_on(async {
                    let (gov, coin) = (token(&chain, "GOV").await, token(&chain, "COIN").await);
                    let pair =
                        UniswapV2Pair::create(&chain, factory, DEPLOYER, gov, coin).await.unwrap();
                    let (rg, rc) = (Wad::from_raw(U256::from(rg)), Wad::from_raw(U256::from(rc)));
                    mint(&chain, gov, DEPLOYER, rg.raw()).await;
                    mint(&chain, coin, DEPLOYER, rc.raw()).await;
                    // The pair locks the first 1,000 units of liquidity: √(rg·rc) must exceed it.
                    let added = pair.add_liquidity(&chain, DEPLOYER, rg, rc).await;
                    if (rg.raw() * rc.raw()).root(2) <= U256::from(1000) {
                        prop_assert!(added.is_err());
                        return Ok(());
                    }
                    added.unwrap();
                    let mut model = Reserves::new(rg, rc);
                    prop_assert_eq!(pair.reserves(&chain).await.unwrap(), model);
                    for s in swaps {
                        let amount = Wad::from_raw(U256::from(s.amount));
                        let (tin, tout) = if s.sell_gov { (gov, coin) } else { (coin, gov) };
                        let predicted =
                            if s.sell_gov { model.sell_gov(amount) } else { model.buy_gov(amount) };
                        let Ok((out, after)) = predicted else {
                            // Zero output or a balance past 2^112: the core refuses, and so does
                            // the pair (checked below with the output the core would give).
                            continue;
                        };
                        mint(&chain, tin, TRADER, amount.raw()).await;
                        if out.is_zero() {
                            continue; // the pair refuses a zero output (INSUFFICIENT_OUTPUT_AMOUNT)
                        }
                        // One wei more than the core's output: the pair's K check refuses it.
                        let snap = chain.snapshot().await.unwrap();
                        chain
                            .send_sol(
                                TRADER,
                                tin,
                                &Stablecoin::transferCall {
                                    to: pair.address,
                                    amount: amount.raw(),
                                },
                            )
                            .await
                            .unwrap();
                        let more = out.raw() + U256::from(1);
                        let out_is_0 = s.sell_gov != pair.gov_is_token0;
                        let (a0, a1) =
                            if out_is_0 { (more, U256::ZERO) } else { (U256::ZERO, more) };
                        let swap = IUniswapV2Pair::swapCall {
                            amount0Out: a0,
                            amount1Out: a1,
                            to: TRADER,
                            data: Bytes::new(),
                        };
                        let r = chain
                            .send(TxRequest::call(TRADER, pair.address, swap.abi_encode()))
                            .await
                            .unwrap();
                        prop_assert!(
                            !r.status,
                            "the pair paid {} for {}, the core said {}",
                            more,
                            amount,
                            out
                        );
                        prop_assert!(chain.revert(snap).await.unwrap());
                        // The core's output, through the same path a router takes.
                        let before = balance(&chain, tout, TRADER).await;
                        let (got, _) = if s.sell_gov {
                            pair.sell_gov(&chain, TRADER, amount).await.unwrap()
                        } else {
                            pair.buy_gov(&chain, TRADER, amount).await.unwrap()
                        };
                        prop_assert_eq!(got, out);
                        prop_assert_eq!(balance(&chain, tout, TRADER).await - before, out.raw());
                        model = after;
                        prop_assert_eq!(pair.reserves(&chain).await.unwrap(), model);
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
}

/// A Backstop deployment (Dutch defaults: top = 1.2 · oracle, stair-step 0.99 every 90 s), a pair
/// of its governance token and stablecoin at `spot` stablecoin per token and `depth` tokens, and
/// the flash taker.
struct Market {
    chain: EmbeddedEvm,
    d: backstop_chain::Deployment,
    pair: UniswapV2Pair,
    taker: Address,
}

async fn market(depth: u64, spot: u64) -> Market {
    let chain = EmbeddedEvm::new(START);
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w(50_000), dump: w(250) },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d = deploy_system(&chain, DEPLOYER, &params, "200".parse().unwrap(), SINK).await.unwrap();
    let factory = deploy_factory(&chain, &core(), DEPLOYER).await.unwrap();
    let pair =
        UniswapV2Pair::create(&chain, factory, DEPLOYER, d.gov_token, d.stablecoin).await.unwrap();
    // The deployer is a ward of both tokens.
    mint(&chain, d.gov_token, DEPLOYER, w(depth).raw()).await;
    mint(&chain, d.stablecoin, DEPLOYER, w(depth * spot).raw()).await;
    pair.add_liquidity(&chain, DEPLOYER, w(depth), w(depth * spot)).await.unwrap();
    let taker = chain.deploy_code(DEPLOYER, &DutchFlashTaker::BYTECODE, vec![]).await.unwrap();
    // A funded bidder for plain takes.
    mint(&chain, d.stablecoin, BIDDER, w(10_000_000).raw()).await;
    let approve = Stablecoin::approveCall { spender: d.dutch, amount: U256::MAX };
    chain.send_sol(BIDDER, d.stablecoin, &approve).await.unwrap();
    Market { chain, d, pair, taker }
}

impl Market {
    async fn flop_dutch(&self) -> U256 {
        let fess = Accountant::fessCall { tab: w(50_000).raw() };
        self.chain.send_sol(DEPLOYER, self.d.accountant, &fess).await.unwrap();
        let now = self.chain.timestamp().await.unwrap();
        let flog = Accountant::flogCall { era: U256::from(now) };
        self.chain.send_sol(DEPLOYER, self.d.accountant, &flog).await.unwrap();
        self.chain
            .send_sol(DEPLOYER, self.d.accountant, &Accountant::flopDutchCall { kpr: DEPLOYER })
            .await
            .unwrap();
        self.chain.call_sol(DEPLOYER, self.d.dutch, &DutchDebtAuction::kicksCall {}).await.unwrap()
    }

    /// Moves the next block's time `steps` stair-steps (90 s each) on, and returns the sale's
    /// price then (RAY).
    async fn warp_steps(&self, id: U256, steps: u64) -> Ray {
        let now = self.chain.timestamp().await.unwrap();
        self.chain.set_next_timestamp(now + steps * 90).await.unwrap();
        self.chain.mine().await.unwrap();
        let s = self
            .chain
            .call_sol(DEPLOYER, self.d.dutch, &DutchDebtAuction::getStatusCall { id })
            .await
            .unwrap();
        Ray::from_raw(s.price_)
    }

    async fn flash_take(
        &self,
        id: U256,
        slice: Wad,
        price: Ray,
        min_profit: Wad,
    ) -> backstop_chain::Receipt {
        let call = DutchFlashTaker::flashTakeCall {
            auction: self.d.dutch,
            id,
            amt: slice.raw(),
            max: price.raw(),
            pair: self.pair.address,
            minProfit: min_profit.raw(),
        };
        self.chain.send(TxRequest::call(FLASH_KEEPER, self.taker, call.abi_encode())).await.unwrap()
    }

    async fn plain_take(&self, id: U256, slice: Wad, price: Ray) -> backstop_chain::Receipt {
        let call = DutchDebtAuction::takeCall {
            id,
            amt: slice.raw(),
            max: price.raw(),
            who: BIDDER,
            data: Bytes::new(),
        };
        let r = self
            .chain
            .send(TxRequest::call(BIDDER, self.d.dutch, call.abi_encode()))
            .await
            .unwrap();
        assert!(r.status, "plain take reverted");
        r
    }
}

/// A keeper with no stablecoin takes the core's best slice: the profit and the pair's reserves
/// are what the core predicted, to the wei; the taker ends holding nothing.
#[test]
fn a_flash_take_earns_what_the_core_predicts() {
    block_on(async {
        // A shallow pool (2,000 tokens), so that the best slice (≈ 123 tokens) is below the lot.
        let m = market(2_000, 200).await;
        let id = m.flop_dutch().await;
        let price = m.warp_steps(id, 30).await; // 240 · 0.99^30 ≈ 177.5, pool at 200
        let before = m.pair.reserves(&m.chain).await.unwrap();
        let best = before.best_slice(price, w(250)).unwrap().expect("a profitable slice");
        assert!(best.slice < w(250), "{best:?}");
        assert_eq!(balance(&m.chain, m.d.stablecoin, FLASH_KEEPER).await, U256::ZERO);
        let r = m.flash_take(id, best.slice, price, Wad::ZERO).await;
        assert!(r.status, "flash take reverted: {:?}", r.revert_data);
        let profit = balance(&m.chain, m.d.stablecoin, FLASH_KEEPER).await;
        assert_eq!(profit, best.profit().unwrap().raw());
        let (_, after) = before.sell_gov(best.slice).unwrap();
        assert_eq!(m.pair.reserves(&m.chain).await.unwrap(), after);
        assert_eq!(balance(&m.chain, m.d.stablecoin, m.taker).await, U256::ZERO);
        assert_eq!(balance(&m.chain, m.d.gov_token, m.taker).await, U256::ZERO);
        // After the best slice, the pool's marginal price net of its 0.3% fee (spot · 0.997) is
        // the Dutch price, to 0.1%.
        let spot = after.spot_price().unwrap();
        let (s, p) = (spot.raw() * U256::from(997) / U256::from(1000), price.raw());
        assert!(s.abs_diff(p) * U256::from(1000) < p, "spot {spot} vs price {price}");
        // A second flash take at the same price no longer pays: the pool now sits at the price.
        let r = m.flash_take(id, w(1), price, Wad::ZERO).await;
        assert!(!r.status);
    });
}

/// Gas of a flash take against a plain take of the same slice in the same state (snapshot), the
/// first take from a fresh taker (it sets its allowance to the auction) and a later one. The
/// issue's bound: at most 120,000 gas more than a plain take, swap included.
#[test]
fn a_flash_take_costs_at_most_120k_gas_more_than_a_plain_take() {
    block_on(async {
        let m = market(10_000, 200).await;
        let id = m.flop_dutch().await;
        let price = m.warp_steps(id, 30).await;
        let slice = w(20);
        let mut rows = Vec::new();
        for round in ["first take", "later take"] {
            let snap = m.chain.snapshot().await.unwrap();
            let plain = m.plain_take(id, slice, price).await.gas_used;
            assert!(m.chain.revert(snap).await.unwrap());
            let r = m.flash_take(id, slice, price, Wad::ZERO).await;
            assert!(r.status, "flash take reverted: {:?}", r.revert_data);
            rows.push((round, plain, r.gas_used));
            // The later round starts from the state after this flash take (allowance set).
        }
        for (round, plain, flash) in &rows {
            eprintln!(
                "{round}: plain take {plain} gas, flash take {flash} gas, +{}",
                flash - plain
            );
        }
        for (round, plain, flash) in &rows[1..] {
            assert!(
                *flash <= plain + 120_000,
                "{round}: flash take {flash} gas > plain take {plain} + 120,000"
            );
        }
    });
}

/// A competitor sells into the pool between the keeper's quote and its take: the take reverts
/// inside the taker (below the minimum profit), and the keeper pays only gas.
#[test]
fn a_moved_pool_reverts_the_take_and_the_keeper_loses_nothing() {
    block_on(async {
        let m = market(10_000, 200).await;
        let id = m.flop_dutch().await;
        let price = m.warp_steps(id, 25).await;
        let quote = m.pair.reserves(&m.chain).await.unwrap();
        let best = quote.best_slice(price, w(250)).unwrap().expect("profitable before the move");
        mint(&m.chain, m.d.gov_token, TRADER, w(1_000).raw()).await;
        m.pair.sell_gov(&m.chain, TRADER, w(1_000)).await.unwrap();
        let r = m.flash_take(id, best.slice, price, best.profit().unwrap()).await;
        assert!(!r.status);
        let data = r.revert_data.unwrap_or_default();
        let err = DutchFlashTaker::DutchFlashTakerErrors::abi_decode(&data).unwrap();
        assert!(matches!(err, DutchFlashTaker::DutchFlashTakerErrors::ProfitTooLow(_)), "{err:?}");
        assert_eq!(balance(&m.chain, m.d.stablecoin, FLASH_KEEPER).await, U256::ZERO);
    });
}
