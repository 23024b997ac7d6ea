//! `backstop demo --waterfall`: the 2026 loss covered layer by layer on the embedded EVM and on
//! Anvil, read back from the contracts; the two chains give the same report to the wei.

use backstop::{
    demo::{DEMO_START, Scenario, pin_anvil_clock},
    waterfall_demo::{STAKES, WaterfallDemoReport, load_waterfall, run_waterfall_demo},
};
use backstop_chain::{AnvilConfig, AnvilNode, EmbeddedEvm, RpcChain, RpcConfig};
use backstop_core::{Wad, waterfall::Layer};
use std::sync::Arc;

use crate::SERIAL;

fn w(s: &str) -> Wad {
    s.parse().unwrap()
}

fn sum(xs: impl IntoIterator<Item = Wad>) -> Wad {
    xs.into_iter().fold(Wad::ZERO, |s, x| s.checked_add(x).unwrap())
}

async fn embedded(waterfall: &str) -> WaterfallDemoReport {
    let cfg = load_waterfall(waterfall).unwrap();
    let chain = Arc::new(EmbeddedEvm::new(DEMO_START));
    let label = "embedded EVM".to_owned();
    run_waterfall_demo(chain, label, Scenario::Aave2026, waterfall.into(), cfg, 50_000, |_| {})
        .await
        .unwrap()
}

/// Umbrella-like on the 2026 numbers: the $200M treasury first, then 30% of the $43.7M staked
/// (one slash a day), the auctions for the rest, the $100k first loss written off at the deadline.
#[tokio::test]
async fn umbrella_covers_the_2026_loss_layer_by_layer() {
    let r = embedded("aave-umbrella").await;
    assert_eq!(r.order, [Layer::Treasury, Layer::Staking, Layer::Auctions, Layer::Socialise]);
    assert_eq!(r.booked, w("230100000"));
    assert_eq!(r.treasury, w("200000000"));
    let staked = sum(STAKES.iter().map(|x| Wad::from_units(*x)));
    // The first slash takes the cap, 30% of the vault; later ones what is free above the offset.
    assert!(r.staking > w("13110000"), "more than one slash: {}", r.staking);
    // The offset is the protocol's first loss: never slashed, written off at the deadline.
    assert_eq!(r.socialised, w("100000"));
    assert!(r.debt_left.is_zero());
    assert_eq!(sum([r.treasury, r.staking, r.pledge, r.auctions, r.socialised]), r.booked);
    // Every staker lost the same fraction; the vault rounds for itself.
    let worth = sum(r.stakers.iter().map(|s| s.worth));
    let left = staked.checked_sub(r.staking).unwrap();
    assert!(worth <= left && left.checked_sub(worth).unwrap() < w("0.000001"), "{worth} vs {left}");
    // What the auctions raised is what the bidders paid, for the tokens minted.
    assert_eq!(sum(r.keepers.iter().map(|(_, s)| s.spent)), r.auctions);
    assert_eq!(sum(r.keepers.iter().map(|(_, s)| s.tokens)), r.minted);
    assert!(r.auction_count > 0);
}

/// A pledge round before dilution: the keepers valuing the token above the round's price (the
/// oracle's 150 less 10%) pledge the $30.1M the treasury leaves; the round meets its target, no
/// auction starts, and each pledger's tokens are its pledge at 135, rounded down.
#[tokio::test]
async fn a_met_pledge_round_leaves_nothing_to_auction() {
    let r = embedded("aave-pledge").await;
    assert_eq!(r.treasury, w("200000000"));
    assert_eq!(r.pledge, w("30100000"));
    assert_eq!((r.auctions, r.auction_count, r.socialised), (Wad::ZERO, 0, Wad::ZERO));
    assert!(r.debt_left.is_zero());
    let price = backstop_core::Ray::from_units(135);
    for (name, s) in &r.keepers {
        assert_eq!(s.spent, s.pledged, "{name}: pays its pledge");
        assert_eq!(s.pledge_tokens, s.pledged.rdiv(price).unwrap(), "{name}");
        assert_eq!(s.refunded, Wad::ZERO);
    }
    // keeper-a values the token at 128, below 135: it does not pledge.
    assert_eq!(r.keepers[0].1.pledged, Wad::ZERO);
    assert_eq!(sum(r.keepers.iter().map(|(_, s)| s.pledge_tokens)), r.minted);
}

/// A round that falls short: at 5% off (142.5) only keeper-c (146) pledges, its $20M of the
/// $30.1M wanted; after three days the round fails, keeper-c takes its pledge back in full, and
/// the auctions raise the whole remainder.
#[tokio::test]
async fn a_failed_round_refunds_in_full_then_the_auctions_run() {
    let dir = std::env::temp_dir().join(format!("wf-short-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("short.toml");
    std::fs::write(
        &f,
        "[waterfall]\norder = [\"treasury\", \"pledge\", \"auctions\", \"socialise\"]\n\
         deadline = 2592000\n[waterfall.pledge]\ndiscount = \"0.05\"\nduration = 259200\n\
         min_target = \"1000000\"\n",
    )
    .unwrap();
    let r = embedded(f.to_str().unwrap()).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(r.pledge, Wad::ZERO);
    assert_eq!(r.auctions, w("30100000"));
    assert!(r.debt_left.is_zero() && r.socialised.is_zero());
    let c = &r.keepers[2].1;
    assert_eq!((c.pledged, c.refunded), (w("20000000"), w("20000000")));
    assert!(r.keepers[..2].iter().all(|(_, s)| s.pledged.is_zero()));
    assert!(r.chain_seconds >= 259_200, "the auctions wait for the round's deadline");
}

/// `--anvil`: the same deployment, keepers and clock on a real node give the same numbers.
#[tokio::test]
async fn umbrella_on_anvil_matches_the_embedded_evm() {
    let _g = SERIAL.lock().await;
    let node = AnvilNode::spawn(&AnvilConfig::default().timestamp(DEMO_START)).expect("anvil");
    let chain = RpcChain::connect(RpcConfig::dev(node.endpoint())).await.unwrap();
    pin_anvil_clock(&chain).await.unwrap();
    let cfg = load_waterfall("aave-umbrella").unwrap();
    let a = run_waterfall_demo(
        Arc::new(chain),
        "anvil".into(),
        Scenario::Aave2026,
        "aave-umbrella".into(),
        cfg,
        50_000,
        |_| {},
    )
    .await
    .unwrap();
    let e = embedded("aave-umbrella").await;
    let key = |r: &WaterfallDemoReport| {
        (
            r.booked,
            r.treasury,
            r.staking,
            r.pledge,
            r.auctions,
            r.socialised,
            r.minted,
            r.auction_count,
        )
    };
    assert_eq!(key(&a), key(&e));
    assert_eq!(a.chain_seconds, e.chain_seconds);
}

/// A name that is neither built in nor a file, and a file the model refuses, fail before
/// anything is deployed, naming what.
#[test]
fn a_bad_waterfall_is_refused_up_front() {
    let e = load_waterfall("no-such-waterfall").unwrap_err().to_string();
    assert!(e.contains("no-such-waterfall"), "{e}");
    let dir = std::env::temp_dir().join(format!("wf-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.toml");
    std::fs::write(&f, "[waterfall]\norder = [\"auctions\", \"treasury\"]\n").unwrap();
    let e = load_waterfall(f.to_str().unwrap()).unwrap_err().to_string();
    assert!(e.contains("order") && e.contains("treasury"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
