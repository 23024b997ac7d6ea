//! Differential tests: the contracts on the embedded EVM against the core model, action by action.
//!
//! Proptest generates a deployment's parameters, an oracle price and a sequence of steps (kicks,
//! valid and invalid bids, takes with random `amt`/`max`, redo, tick, deal, yank, cage, time jumps of
//! any size, parameter changes between auctions). Each step is resolved against the model into a
//! concrete action, applied to the model and sent to the contracts. After every action: the same
//! accept/reject decision, the same error (kind and fields), the same events, and the same state and
//! balances. Cases: `DIFF_CASES` (default 1,000).

use alloy_primitives::Address;
use backstop_chain::{
    EmbeddedEvm, Settlement, SystemClient,
    client::{StateView, deploy_system},
};
use backstop_core::{
    Action, Error, System,
    arb::{self, ACTORS, Resolved, Step},
};
use proptest::{prelude::*, test_runner::Config};
use std::future::Future;

const DEPLOYER: Address = Address::new([0xde; 20]);
const KEEPER: Address = Address::new([0x4e; 20]);
const SINK: Address = Address::new([0x5e; 20]);
const START: u64 = 1_700_000_000;

fn block_on<F: Future>(f: F) -> F::Output {
    // The embedded EVM's futures are ready at once; a current-thread runtime drives them.
    tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(f)
}

/// Who sends an action: the deployer (ward) where authority is needed, the bidder for bids, a
/// keeper for the permissionless rest.
fn sender(a: &Action) -> Address {
    match a {
        Action::Fess { .. }
        | Action::Cage
        | Action::YankDutch { .. }
        | Action::FileAccountant { .. }
        | Action::FileEnglish { .. }
        | Action::FileDutch { .. }
        | Action::Poke { .. }
        | Action::Mint { .. } => DEPLOYER,
        Action::Dent { sender, .. } | Action::Take { sender, .. } => *sender,
        _ => KEEPER,
    }
}

/// Errors compare by kind and fields; `InvalidParam` by the parameter name only (the contract
/// carries no reason text).
fn same_error(model: &Error, chain: &Error) -> bool {
    match (model, chain) {
        (Error::InvalidParam { what: a, .. }, Error::InvalidParam { what: b, .. }) => a == b,
        _ => model == chain,
    }
}

struct Harness {
    evm: EmbeddedEvm,
    deployment: backstop_chain::Deployment,
    sys: System,
    now: u64,
    watch: Vec<Address>,
    actions: usize,
    accepted: usize,
}

impl Harness {
    fn new(params: backstop_core::SystemParams, price: backstop_core::Ray) -> Result<Self, String> {
        let evm = EmbeddedEvm::new(START);
        let deployment = block_on(deploy_system(&evm, DEPLOYER, &params, price, SINK))
            .map_err(|e| format!("deploy: {e}"))?;
        let sys =
            System::new(params, price, deployment.core_addresses()).map_err(|e| e.to_string())?;
        let client = SystemClient::new(&evm, deployment);
        for a in ACTORS {
            block_on(client.approve_auctions(a)).map_err(|e| e.to_string())?;
        }
        let mut watch = ACTORS.to_vec();
        watch.extend([deployment.accountant, SINK, KEEPER, DEPLOYER]);
        Ok(Self { evm, deployment, sys, now: START, watch, actions: 0, accepted: 0 })
    }

    fn apply(&mut self, action: Action, now: u64) -> Result<(), String> {
        self.now = now;
        block_on(self.evm.set_next_timestamp(now)).map_err(|e| e.to_string())?;
        let client = SystemClient::new(&self.evm, self.deployment);
        let model = self.sys.apply(&action, now);
        if std::env::var("DIFF_TRACE").is_ok() {
            eprintln!("{now} {action:?} -> {:?}", model.as_ref().map(|_| ()).map_err(|e| e.kind()));
        }
        let chain = block_on(client.apply(sender(&action), &action));
        self.actions += 1;
        match (&model, &chain) {
            (Ok(m), Ok((_, c))) if m == c => {
                if std::env::var("DIFF_TRACE").is_ok() {
                    eprintln!("  model {m:?}\n  chain {c:?}");
                }
                self.accepted += 1
            }
            (Ok(m), Ok((_, c))) => {
                return Err(format!(
                    "{action:?} at {now}: events differ\nmodel {m:?}\nchain {c:?}"
                ));
            }
            (Err(m), Err(c)) if c.core_error().is_some_and(|c| same_error(m, c)) => {}
            _ => {
                return Err(format!(
                    "{action:?} at {now}: decisions differ\nmodel {model:?}\nchain {:?}",
                    chain.as_ref().map(|(_, e)| e)
                ));
            }
        }
        self.compare_state()
    }

    fn compare_state(&self) -> Result<(), String> {
        let eras: Vec<u64> = self.sys.accountant.queue().map(|(e, _)| e).collect();
        let model = StateView::of_model(&self.sys, &eras, &self.watch);
        let client = SystemClient::new(&self.evm, self.deployment);
        let chain = block_on(client.state_view(&eras, &self.watch)).map_err(|e| e.to_string())?;
        if model != chain {
            return Err(format!("state differs at {}\nmodel {model:?}\nchain {chain:?}", self.now));
        }
        Ok(())
    }

    fn run(&mut self, steps: &[Step]) -> Result<(), String> {
        for (t, a) in arb::prologue(&self.sys, self.now) {
            self.apply(a, t)?;
        }
        for step in steps {
            match step.resolve(&self.sys, self.now) {
                Resolved::Warp(t) => self.now = t,
                Resolved::Act(a) => self.apply(a, self.now)?,
            }
        }
        Ok(())
    }
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
        let mut h = Harness::new(params, price).map_err(TestCaseError::fail)?;
        h.run(&steps).map_err(TestCaseError::fail)?;
    }
}

/// One long sequence with a fixed seed: many auctions of both kinds, to exercise deep states that
/// short sequences rarely reach.
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
        // No jump past the end of time here: the point is depth.
        // No jump past the end of time and little treasury money here: the point is depth (many
        // auctions), which surplus blocks.
        let mut n = 0;
        steps.retain(|s| match s {
            Step::Warp(dt) => *dt <= 30 * 86_400,
            Step::Treasury(_) => {
                n += 1;
                n % 4 == 0
            }
            _ => true,
        });
        let mut h = Harness::new(params, price).unwrap();
        h.run(&steps).unwrap();
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
