//! The demo on the embedded EVM: every scenario and mechanism clears its bad debt, the highest
//! valuation wins, nobody pays above its limit, and the report adds up.

use backstop::demo::{Scenario, run_demo};
use backstop_chain::EmbeddedEvm;
use backstop_keeper::keeper::{KeeperConfig, Mechanism};
use std::sync::Arc;

#[tokio::test]
async fn every_scenario_clears() {
    for scenario in [Scenario::BlackThursday, Scenario::Aave2026] {
        for mechanism in [Mechanism::English, Mechanism::Dutch] {
            let chain = Arc::new(EmbeddedEvm::new(1_584_628_080));
            let r = run_demo(chain, "embedded EVM".into(), scenario, mechanism, 50_000, |_| {})
                .await
                .unwrap();
            let what = format!("{scenario:?} {mechanism:?}");
            assert!(r.debt_left.is_zero(), "{what}: {} left", r.debt_left);
            assert_eq!(r.treasury_paid.checked_add(r.raised).unwrap(), r.debt, "{what}");
            assert!(r.average_price <= r.oracle, "{what}: paid above the oracle");
            let spent = r
                .keepers
                .iter()
                .fold(backstop_core::Wad::ZERO, |s, k| s.checked_add(k.stats.spent).unwrap());
            assert_eq!(spent, r.raised, "{what}: what keepers paid is what was raised");
            for k in &r.keepers {
                assert!(k.stats.spent <= k.budget, "{what}: {} over budget", k.name);
                assert!(
                    k.stats.value_at_limit >= k.stats.spent,
                    "{what}: {} paid above its limit",
                    k.name
                );
            }
            let best = r.keepers.iter().max_by_key(|k| k.valuation).unwrap();
            assert!(best.stats.won > 0, "{what}: the highest valuation won nothing");
            assert_eq!(
                r.keepers.iter().min_by_key(|k| k.valuation).unwrap().stats.won,
                0,
                "{what}"
            );
        }
    }
}

#[test]
fn example_keeper_config_parses() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/keeper/keeper.toml"
    ))
    .unwrap();
    let cfg: KeeperConfig = toml::from_str(&text).unwrap();
    assert_eq!(cfg.name, "keeper-1");
    assert_eq!(cfg.gas.max_fee_gwei, Some(300));
    let e = toml::from_str::<KeeperConfig>(&text.replace("budget =", "budgett =")).unwrap_err();
    assert!(e.to_string().contains("budgett"), "{e}");
}
