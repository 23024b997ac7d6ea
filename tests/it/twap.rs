//! A price the protocol can trust: `PairTwapOracle` over the real Uniswap V2 pair (npm
//! `@uniswap/v2-core` 1.0.1, `scripts/install-tools.sh`) as the deployment's price feed, on the
//! embedded EVM (one block per transaction; the clock moves only when told, so transactions at
//! the same timestamp are what one block is to the pair).
//!
//! Every expected price is computed here from the reserves and the timestamps with exact integer
//! math, independently of the contract: the sum over the pool's price segments of
//! `floor(coin · 2^112 / gov) · seconds` (the pair's own accumulation), then
//! `floor(sum · RAY / (2^112 · elapsed))` in 512 bits, then the `tol` limit.

use alloy_primitives::{Address, U256, U512};
use backstop::demo::{DEPLOYER, SINK};
use backstop_chain::{
    DevChain, EmbeddedEvm, Settlement, SettlementExt, SystemClient,
    bindings::{DutchDebtAuction, GovToken, PriceOracle, Stablecoin},
    deploy_system,
    uniswap::{
        FlashMarket, PairTwapOracle::PairTwapOracleErrors, TwapFeed, TwapParams, UniswapV2Core,
        deploy_flash_market, deploy_twap_feed,
    },
};
use backstop_core::{AccountantParams, Action, Ray, SystemParams, Wad, amm::Reserves};

const START: u64 = 1_700_000_000;
/// The TWAP's window, seconds.
const WINDOW: u64 = 1_800;
/// A block, seconds.
const BLOCK: u64 = 12;
/// The deployment's oracle price at deployment (and so the TWAP's starting value): 200.
const ORACLE_PRICE: &str = "200";

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn ray(s: &str) -> Ray {
    s.parse().unwrap()
}

fn q112() -> U256 {
    U256::from(1u8) << 112
}

/// The pool's price of the governance token as the pair accumulates it: UQ112x112, floored.
fn spot_q112(r: &Reserves) -> U256 {
    (r.coin.raw() << 112) / r.gov.raw()
}

/// `floor(sum · RAY / (2^112 · elapsed))`: the average in RAY, in 512 bits.
fn twap_ray(sum: U256, elapsed: u64) -> Ray {
    let x =
        U512::from(sum) * U512::from(Ray::ONE.raw()) / (U512::from(q112()) * U512::from(elapsed));
    Ray::from_raw(x.to::<U256>())
}

/// What a poke publishes: `t` limited to `tol` (RAY) of `last`, rounded towards `last`.
fn limit(t: Ray, last: Ray, tol: Ray) -> Ray {
    let one = Ray::ONE.raw();
    let up = last.raw() * (one + tol.raw()) / one;
    let down = (last.raw() * (one - tol.raw())).div_ceil(one);
    Ray::from_raw(t.raw().min(up).max(down))
}

/// `|a − b|`, RAY.
fn diff(a: Ray, b: Ray) -> U256 {
    if a >= b { a.raw() - b.raw() } else { b.raw() - a.raw() }
}

struct Env {
    chain: EmbeddedEvm,
    d: backstop_chain::Deployment,
    m: FlashMarket,
    feed: TwapFeed,
    params: TwapParams,
}

/// A deployment at an oracle price of 200, a pair of `pool_gov` governance tokens and `pool_coin`
/// stablecoin, and a TWAP feed over it (window 30 minutes, tol 10%) wired by the deployer.
async fn setup(pool_gov: &str, pool_coin: &str) -> Env {
    let chain = EmbeddedEvm::new(START);
    let c = &chain;
    let params = SystemParams {
        accountant: AccountantParams { wait: 0, sump: w("50000"), dump: w("500") },
        english: Default::default(),
        dutch: Default::default(),
        oracle: Default::default(),
    };
    let d = deploy_system(c, DEPLOYER, &params, ray(ORACLE_PRICE), SINK).await.unwrap();
    let core = UniswapV2Core::locate().expect("@uniswap/v2-core (scripts/install-tools.sh)");
    let m = deploy_flash_market(c, &core, &d, DEPLOYER, w(pool_gov), w(pool_coin)).await.unwrap();
    let params = TwapParams { window: WINDOW, ..TwapParams::default() };
    let feed = TwapFeed::new(deploy_twap_feed(c, &d, &m.pair, DEPLOYER, &params).await.unwrap());
    Env { chain, d, m, feed, params }
}

impl Env {
    async fn at(&self, t: u64) {
        self.chain.set_next_timestamp(t).await.unwrap();
    }

    async fn now(&self) -> u64 {
        self.chain.timestamp().await.unwrap()
    }

    async fn reserves(&self) -> Reserves {
        self.m.pair.reserves(&self.chain).await.unwrap()
    }

    /// The deployment's price feed (`PriceOracle.price()`), RAY.
    async fn deployment_price(&self) -> Ray {
        let p = self.chain.call_sol(Address::ZERO, self.d.oracle, &PriceOracle::priceCall {});
        Ray::from_raw(p.await.unwrap())
    }

    /// A poke by someone who is nobody's ward.
    async fn poke(&self) {
        let anyone = Address::repeat_byte(0xab);
        self.feed.poke(&self.chain, anyone).await.unwrap();
    }

    /// Mints `amount` of `token` to `who` (the deployer is a ward of both tokens).
    async fn mint(&self, token: Address, who: Address, amount: Wad) {
        let call = GovToken::mintCall { to: who, amount: amount.raw() };
        self.chain.send_sol(DEPLOYER, token, &call).await.unwrap();
    }

    /// One swap moving the pool's price of the governance token by about `factor`: a trader buys
    /// governance tokens with stablecoin (`up`) or sells them. With `x · y = k` the input reserve
    /// grows by `√factor`.
    async fn manipulate(&self, factor: u64, up: bool) {
        let whale = Address::repeat_byte(0x77);
        let r = self.reserves().await;
        let input = if up { r.coin } else { r.gov };
        let root = U256::from(factor * 1_000_000).root(2); // √factor · 1000
        let amount = Wad::from_raw(input.raw() * (root - U256::from(1_000)) / U256::from(1_000));
        if up {
            self.mint(self.d.stablecoin, whale, amount).await;
            self.m.pair.buy_gov(&self.chain, whale, amount).await.unwrap();
        } else {
            self.mint(self.d.gov_token, whale, amount).await;
            self.m.pair.sell_gov(&self.chain, whale, amount).await.unwrap();
        }
    }
}

/// (1) After `window` seconds of a steady pool, a poke by anyone publishes the pool's price into
/// the deployment's `PriceOracle` (to the wei of the exact average, within a wei of the pool's
/// price), and a Dutch kick prices its `top` from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_pool_is_published_and_prices_a_dutch_kick() {
    // 1,900,000 / 10,007 = 189.867...: not a whole UQ112x112, so the flooring shows.
    let e = setup("10007", "1900000").await;
    let c = &e.chain;
    let t0 = e.now().await;
    let (_, obs) = e.feed.observation(c).await.unwrap();
    assert_eq!(obs, t0);
    // The feed starts from the deployment's price, unpublished.
    let p = e.feed.peek(c).await.unwrap();
    assert_eq!((p.price, p.zzz, p.age), (ray(ORACLE_PRICE), 0, 86_400));
    let stale = e.feed.price(c).await.unwrap_err();
    assert!(
        matches!(e_twap(&stale), PairTwapOracleErrors::StalePrice(x) if x.zzz.is_zero()),
        "{stale}"
    );

    // One second early: TooSoon.
    e.at(t0 + WINDOW - 1).await;
    let err = e.feed.poke(c, Address::repeat_byte(0xab)).await.unwrap_err();
    match e_twap(&err) {
        PairTwapOracleErrors::TooSoon(x) => {
            assert_eq!((x.elapsed, x.window), (U256::from(WINDOW - 1), U256::from(WINDOW)));
        }
        other => panic!("expected TooSoon, got {other:?}"),
    }

    e.at(t0 + WINDOW).await;
    let r = e.reserves().await;
    let expected = twap_ray(spot_q112(&r) * U256::from(WINDOW), WINDOW);
    let q = e.feed.quote(c).await.unwrap();
    assert_eq!((q.twap, q.price, q.elapsed), (expected, expected, WINDOW));
    let receipt = e.feed.poke(c, Address::repeat_byte(0xab)).await.unwrap();
    // The poke's transaction gas (reads of the pair, the feed's slots, the target's poke).
    eprintln!("poke gas: {}", receipt.gas_used);
    assert!(receipt.gas_used < 110_000, "poke gas {}", receipt.gas_used);
    assert_eq!(e.deployment_price().await, expected);
    assert_eq!(e.feed.price(c).await.unwrap(), expected);
    // The pool's own price, coin · RAY / gov, to within a wei.
    let pool = Ray::ratio(r.coin, r.gov).unwrap();
    assert!(diff(expected, pool) <= U256::from(1), "{expected} vs the pool's {pool}");
    assert_ne!(expected, ray(ORACLE_PRICE));

    // A Dutch kick now starts at top = price · buf.
    let client = SystemClient::new(c, e.d);
    client.apply(DEPLOYER, &Action::Fess { tab: w("50000") }).await.unwrap();
    client.apply(DEPLOYER, &Action::Flog { era: t0 + WINDOW }).await.unwrap();
    client.apply(DEPLOYER, &Action::FlopDutch { kpr: DEPLOYER }).await.unwrap();
    let buf = c.call_sol(Address::ZERO, e.d.dutch, &DutchDebtAuction::bufCall {}).await.unwrap();
    let sale = c
        .call_sol(Address::ZERO, e.d.dutch, &DutchDebtAuction::salesCall { id: U256::from(1) })
        .await
        .unwrap();
    assert_eq!(sale.top, expected.raw() * buf / Ray::ONE.raw());
}

/// (2) One block's swap moving the pool 10× or 100×, up or down, then a poke in the next block
/// (12 s later): the deployment's price moves by at most `tol` of the last published value, and
/// the average by exactly the 12 s of the manipulated price diluted over the window. In the same
/// block as the swap the poke sees nothing of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_block_of_manipulation_moves_the_price_at_most_the_bound() {
    let e = setup("10000", "2000000").await;
    let c = &e.chain;
    let t0 = e.now().await;
    e.at(t0 + WINDOW).await;
    e.poke().await;
    let last = e.deployment_price().await;
    assert_eq!(last, ray("200"));
    let honest_spot = spot_q112(&e.reserves().await);
    let honest = twap_ray(honest_spot * U256::from(WINDOW), WINDOW);
    let tol = e.params.tol;
    let t1 = t0 + 2 * WINDOW - BLOCK; // the manipulation's block: 12 s before the next poke

    for factor in [10u64, 100] {
        for up in [true, false] {
            let snap = c.snapshot().await.unwrap();
            e.at(t1).await;
            e.manipulate(factor, up).await;
            let spot = spot_q112(&e.reserves().await);
            if up {
                assert!(spot > honest_spot * U256::from(factor - 1), "{factor}× up");
            } else {
                assert!(spot < honest_spot / U256::from(factor - 1), "{factor}× down");
            }
            e.at(t1 + BLOCK).await;
            let sum = honest_spot * U256::from(WINDOW - BLOCK) + spot * U256::from(BLOCK);
            let twap = twap_ray(sum, WINDOW);
            let expected = limit(twap, last, tol);
            let q = e.feed.quote(c).await.unwrap();
            assert_eq!((q.twap, q.price), (twap, expected), "{factor}× up={up}");
            e.poke().await;
            let now = e.deployment_price().await;
            assert_eq!(now, expected, "{factor}× up={up}");
            // At most tol of the last value.
            assert!(diff(now, last) <= last.raw() * tol.raw() / Ray::ONE.raw(), "{factor}×");
            // The average moved by the manipulated spot's 12 s over the window, plus a wei.
            let spot_move =
                if spot > honest_spot { spot - honest_spot } else { honest_spot - spot };
            let dilution = twap_ray(spot_move * U256::from(BLOCK), WINDOW).raw() + U256::from(1);
            assert!(diff(twap, honest) <= dilution, "{factor}× up={up}");
            // 100× up would move the average +66%: published at the limit, +10%. 10× up moves
            // it +6%, inside tol; a move down of any size is at most the whole spot's 12 s over
            // the window, −0.67%.
            if factor == 100 && up {
                assert_eq!(now.raw(), last.raw() * (Ray::ONE.raw() + tol.raw()) / Ray::ONE.raw());
            } else {
                assert_eq!(now, twap);
            }
            assert!(c.revert(snap).await.unwrap());

            // The same swap with the poke in its own block (same second): no effect at all.
            let snap = c.snapshot().await.unwrap();
            e.at(t1 + BLOCK).await;
            e.manipulate(factor, up).await;
            e.poke().await;
            assert_eq!(e.deployment_price().await, honest, "{factor}× up={up}, same block");
            assert!(c.revert(snap).await.unwrap());
        }
    }
}

/// A sandwich around the poke (the manipulation, the poke and the swap back all in one block)
/// moves the deployment's price by nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandwiched_poke_publishes_the_honest_average() {
    let e = setup("10000", "2000000").await;
    let c = &e.chain;
    let t0 = e.now().await;
    e.at(t0 + WINDOW).await;
    let honest = e.feed.quote(c).await.unwrap().twap;
    e.manipulate(100, false).await;
    e.poke().await;
    let whale = Address::repeat_byte(0x77);
    let coin = c
        .call_sol(Address::ZERO, e.d.stablecoin, &Stablecoin::balanceOfCall { usr: whale })
        .await
        .unwrap();
    e.m.pair.buy_gov(c, whale, Wad::from_raw(coin)).await.unwrap();
    assert_eq!(e.deployment_price().await, honest);
    assert_eq!(honest, ray("200"));
}

/// (3) A TWAP nobody pokes goes stale: its `price()` reverts `StalePrice` after `age`, and so
/// does the deployment's `PriceOracle` after its own `age` (the same day by default), so no
/// auction starts on it; the next poke publishes the average over the whole time since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_twap_reverts() {
    let e = setup("10000", "2000000").await;
    let c = &e.chain;
    let t0 = e.now().await;
    e.at(t0 + WINDOW).await;
    e.poke().await;
    let published = e.feed.price(c).await.unwrap();
    e.at(t0 + WINDOW + e.params.age).await;
    assert_eq!(e.feed.price(c).await.unwrap(), published);
    e.at(t0 + WINDOW + e.params.age + 1).await;
    let err = e.feed.price(c).await.unwrap_err();
    match e_twap(&err) {
        PairTwapOracleErrors::StalePrice(x) => {
            assert_eq!(x.zzz, U256::from(t0 + WINDOW));
            assert_eq!(x.age, U256::from(e.params.age));
        }
        other => panic!("expected StalePrice, got {other:?}"),
    }
    let oracle = c.call_sol(Address::ZERO, e.d.oracle, &PriceOracle::priceCall {}).await;
    assert!(oracle.is_err(), "the deployment's oracle is stale too");
    // A Dutch kick is refused on the stale price.
    let client = SystemClient::new(c, e.d);
    client.apply(DEPLOYER, &Action::Fess { tab: w("50000") }).await.unwrap();
    let now = e.now().await;
    client.apply(DEPLOYER, &Action::Flog { era: now }).await.unwrap();
    let kick = client.apply(DEPLOYER, &Action::FlopDutch { kpr: DEPLOYER }).await.unwrap_err();
    assert!(matches!(kick.core_error(), Some(backstop_core::Error::StalePrice { .. })), "{kick}");
    // The next poke freshens both.
    e.poke().await;
    assert_eq!(e.feed.price(c).await.unwrap(), published);
    assert_eq!(e.deployment_price().await, published);
}

/// Several price segments of different lengths: the published value is the exact average.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_average_over_several_segments_is_exact() {
    let e = setup("10000", "1900000").await;
    let c = &e.chain;
    let t0 = e.now().await;
    let trader = Address::repeat_byte(0x55);
    e.mint(e.d.gov_token, trader, w("100000")).await;
    e.mint(e.d.stablecoin, trader, w("100000000")).await;
    let mut t = t0;
    let mut sum = U256::ZERO;
    let mut spot = spot_q112(&e.reserves().await);
    // (seconds before the swap, governance tokens sold (+) or stablecoin spent (-))
    let swaps: [(u64, i64); 5] =
        [(300, 400), (12, -90_000), (977, 300), (1, -25_000), (640, 1_500)];
    for (dt, amount) in swaps {
        t += dt;
        e.at(t).await;
        sum += spot * U256::from(dt);
        let a = Wad::from_raw(U256::from(amount.unsigned_abs()) * Wad::ONE.raw());
        if amount > 0 {
            e.m.pair.sell_gov(c, trader, a).await.unwrap();
        } else {
            e.m.pair.buy_gov(c, trader, a).await.unwrap();
        }
        spot = spot_q112(&e.reserves().await);
    }
    t += 77;
    e.at(t).await;
    sum += spot * U256::from(77u64);
    let expected = limit(twap_ray(sum, t - t0), ray(ORACLE_PRICE), e.params.tol);
    e.poke().await;
    assert_eq!(e.deployment_price().await, expected);
    // And a poke at once is too soon.
    let err = e.feed.quote(c).await.unwrap_err();
    assert!(matches!(e_twap(&err), PairTwapOracleErrors::TooSoon(_)), "{err}");
}

fn e_twap(e: &backstop_chain::uniswap::UniswapError) -> PairTwapOracleErrors {
    e.twap_error().unwrap_or_else(|| panic!("not a TWAP revert: {e}"))
}
