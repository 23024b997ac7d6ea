//! Differential tests: the contracts on the embedded EVM against the core model, action by action.
//!
//! Proptest generates a deployment's parameters, an oracle price and a sequence of steps (kicks,
//! valid and invalid bids, takes with random `amt`/`max`, redo, tick, deal, yank, cage, time jumps of
//! any size and to exact boundaries, parameter changes between auctions, extreme parameter values).
//! Each step is resolved against the model into a concrete action, applied to the model and sent to
//! the contracts. After every action: the same accept/reject decision, the same error (kind and
//! fields), the same events, and the same state and balances. Cases: `DIFF_CASES` (default 1,000);
//! `DIFF_TRACE=1` prints every action.

use backstop_chain::{EmbeddedEvm, differential::Differential};
use backstop_core::arb::{self, ACTORS, Step};
use proptest::{prelude::*, test_runner::Config};
use std::future::Future;

const START: u64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    // The embedded EVM's futures are ready at once; a current-thread runtime drives them.
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

fn harness(
    params: backstop_core::SystemParams,
    price: backstop_core::Ray,
) -> Differential<EmbeddedEvm> {
    let mut h = block_on(Differential::deploy(EmbeddedEvm::new(START), params, price, &ACTORS))
        .expect("deploy");
    h.trace = std::env::var("DIFF_TRACE").is_ok();
    h
}

fn cases() -> u32 {
    std::env::var("DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}

proptest! {
    #![proptest_config(Config { cases: cases(), max_shrink_iters: 2_000, ..Config::default() })]

    /// The model and the contracts agree on every action of every generated sequence.
    #[test]
    fn model_and_contracts_agree(
        params in arb::arb_system_params(),
        price in arb::arb_price(),
        steps in prop::collection::vec(arb::arb_step_with_cage(), 1..40),
    ) {
        let mut h = harness(params, price);
        block_on(h.run(&steps)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    }
}

/// Long sequences with a fixed seed: many auctions of both kinds, to reach deep states that short
/// sequences rarely do.
#[test]
fn long_walk_agrees() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    let strat =
        (arb::arb_system_params(), arb::arb_price(), prop::collection::vec(arb::arb_step(), 400));
    for _ in 0..3 {
        let (params, price, mut steps) = strat.new_tree(&mut runner).unwrap().current();
        // No jump past the end of time and little treasury money here: the point is depth (many
        // auctions), which surplus blocks.
        let mut n = 0;
        steps.retain(|s| match s {
            Step::Warp(dt) => *dt <= 30 * 86_400,
            Step::WarpTo(_) => false,
            Step::Treasury(_) => {
                n += 1;
                n % 4 == 0
            }
            _ => true,
        });
        let mut h = harness(params, price);
        block_on(h.run(&steps)).unwrap();
        eprintln!(
            "long walk: {} actions, {} accepted; English kicks {}, Dutch kicks {}",
            h.actions,
            h.accepted,
            h.sys.english.kicks(),
            h.sys.dutch.kicks()
        );
        assert!(h.accepted > 50 && h.sys.english.kicks() + h.sys.dutch.kicks() > 3);
    }
}
