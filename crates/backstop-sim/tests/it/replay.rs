//! A run's action log replays on a fresh model to the engine's final state, also after a trip
//! through JSON (the form a chain replay reads).

use backstop_sim::{ActionLog, RunOptions, Scenario, replay_on_model, simulate};

#[test]
fn model_run_and_its_replay_agree() {
    for name in ["black-thursday-2020-counterfactual", "black-thursday-dutch", "aave-2026-run"] {
        let sc = Scenario::builtin(name).unwrap();
        let run = simulate(&sc, 11, 2, RunOptions::full()).unwrap();
        let log = run.log.as_ref().unwrap();
        assert!(log.actions.windows(2).all(|w| w[0].at <= w[1].at), "{name}: times go back");
        let replayed = replay_on_model(log).unwrap();
        assert_eq!(Some(&replayed), run.final_state.as_ref(), "{name}");
        // Through JSON.
        let text = serde_json::to_string(log).unwrap();
        let back: ActionLog = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, log);
        assert_eq!(replay_on_model(&back).unwrap(), replayed);
        // The numbers come from the same state.
        let minted: f64 = replayed.ledger.gov.total_supply().to_string().parse().unwrap();
        assert!((minted - run.summary.minted).abs() < 1e-6 * minted.max(1.0), "{name}");
    }
}

#[test]
fn a_tampered_log_fails_at_the_tampered_action() {
    let sc = Scenario::builtin("black-thursday-2020-counterfactual").unwrap();
    let run = simulate(&sc, 1, 0, RunOptions::full()).unwrap();
    let mut log = run.log.unwrap();
    let i = log
        .actions
        .iter()
        .position(|a| matches!(a.action, backstop_core::Action::Dent { .. }))
        .unwrap();
    // The same bid again, a second later: the lot is no longer lower.
    let mut dup = log.actions[i];
    dup.at += 1;
    log.actions.insert(i + 1, dup);
    let e = replay_on_model(&log).unwrap_err();
    assert!(e.to_string().contains(&format!("#{}", i + 1)), "{e}");
}

#[test]
fn a_saved_run_reads_back_and_replays() {
    let sc = Scenario::builtin("aave-2026").unwrap();
    let run = simulate(&sc, 5, 1, RunOptions::full()).unwrap();
    let text = serde_json::to_string(&run).unwrap();
    let back: backstop_sim::Run = serde_json::from_str(&text).unwrap();
    assert_eq!(back.summary, run.summary);
    assert_eq!(back.auctions, run.auctions);
    let state = replay_on_model(back.log.as_ref().unwrap()).unwrap();
    assert_eq!(Some(&state), run.final_state.as_ref());
}
