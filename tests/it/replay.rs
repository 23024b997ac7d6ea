//! A simulated run replayed on the embedded EVM: the bidders' transactions go through the keeper's
//! transaction manager, and the chain ends where the simulator's model ended.

use backstop::replay::replay_on_chain;
use backstop_chain::EmbeddedEvm;
use backstop_keeper::ErrorChain;
use backstop_sim::{RunOptions, Scenario, simulate};

#[tokio::test]
async fn model_runs_replay_on_the_embedded_evm() {
    for name in [
        "black-thursday-2020-counterfactual",
        "black-thursday-2020-fixed",
        "black-thursday-dutch",
        "black-thursday-2020-flops",
        // Keepers without capital: each flash take is a faucet Mint of what it owes, then the take.
        "flash-keepers-dutch",
    ] {
        let sc = Scenario::builtin(name).unwrap();
        let run = simulate(&sc, 7, 0, RunOptions::full()).unwrap();
        let log = run.log.as_ref().unwrap();
        let report = replay_on_chain(EmbeddedEvm::new(log.actions[0].at - 3600), log)
            .await
            .unwrap_or_else(|e| panic!("{name}: {}", ErrorChain(&e)));
        assert_eq!(report.actions, log.actions.len(), "{name}");
        assert!(report.bids > 0, "{name}: no bid replayed");
    }
}
