//! The model against the chain, action by action: the harness behind the differential tests (and
//! the simulator's chain replays). Each action is applied to the [`System`] model and sent to the
//! contracts; then the decision, the error, the events and the whole [`StateView`] must agree.
//!
//! A loop whose actions are not the core's own (a protocol's bad-debt book calling `fess`,
//! keepers bidding through their transaction managers, governance healing with a treasury's
//! transfer) is followed instead ([`Followed`], [`AccountantFollower`]): every mined transaction's
//! accountant events are applied to the core's [`backstop_core::Accountant`] as the operations
//! they report, and the contract's accountant ([`AccountantView`]: debt, `Sin`, `Ash`, surplus,
//! `Due`, the queue, dues) must equal the model's after each one.

use crate::{
    Adapter, ChainError, DevChain, SystemClient,
    backstop::{
        Deployment,
        deploy::deploy_system,
        view::{AccountantView, StateView},
    },
};
use alloy_primitives::Address;
use backstop_core::{Action, Error, Event, Ray, System, SystemParams};

pub mod dss;
mod follow;
pub mod waterfall;
pub use follow::{AccountantFollower, Followed};

/// One action's outcome on both sides: `None` when both accepted it with the same events,
/// the error's kind when both refused it with the same error; otherwise where they part.
// The harness's error, as its async callers (which the lint does not see) return it.
#[allow(clippy::result_large_err)]
pub(crate) fn judge(
    action: Action,
    now: u64,
    model: backstop_core::Result<Vec<Event>>,
    chain: crate::Result<(crate::Receipt, Vec<Event>)>,
) -> Result<Option<&'static str>, DiffError> {
    match (model, chain) {
        (Ok(m), Ok((_, c))) if m == c => Ok(None),
        (Ok(model), Ok((_, chain))) => {
            Err(DiffError::EventsDiffer { action: Box::new(action), at: now, model, chain })
        }
        (Err(m), Err(c)) if c.core_error().is_some_and(|c| same_error(&m, c)) => Ok(Some(m.kind())),
        (_, Err(e @ ChainError::Backend(_))) => Err(DiffError::Chain(e)),
        (model, chain) => Err(DiffError::DecisionsDiffer {
            action: Box::new(action),
            at: now,
            model,
            chain: chain.map(|(_, e)| e),
        }),
    }
}

/// Compares the model's and the chain's [`StateView`] (balances of `watch`) at `now`.
pub(crate) async fn compare_states<S: crate::Settlement>(
    chain: &S,
    deployment: Deployment,
    sys: &System,
    watch: &[Address],
    now: u64,
) -> Result<(), DiffError> {
    let eras: Vec<u64> = sys.accountant.queue().map(|(e, _)| e).collect();
    let model = StateView::of_model(sys, &eras, watch);
    let client = SystemClient::new(chain, deployment);
    let state = client.state_view(&eras, watch).await.map_err(DiffError::Chain)?;
    if model != state {
        return Err(DiffError::StateDiffers {
            at: now,
            model: Box::new(model),
            chain: Box::new(state),
        });
    }
    Ok(())
}

/// Where the model and the chain part, or why they could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Deploying or setting up the system failed.
    #[error("setting up the deployment")]
    Setup(#[source] ChainError),
    /// The model refuses the parameters.
    #[error("the model refuses the parameters")]
    Model(#[source] Error),
    /// The backend failed (not a revert: that is a decision compared below).
    #[error("the chain failed")]
    Chain(#[source] ChainError),
    /// Both accepted the action but emitted different events.
    #[error("{action:?} at {at}: events differ\nmodel {model:?}\nchain {chain:?}")]
    EventsDiffer {
        /// The action.
        action: Box<Action>,
        /// Its time, seconds.
        at: u64,
        /// The model's events.
        model: Vec<Event>,
        /// The chain's events.
        chain: Vec<Event>,
    },
    /// One side accepted the action and the other refused it, or both refused it differently.
    #[error("{action:?} at {at}: decisions differ\nmodel {model:?}\nchain {chain:?}")]
    DecisionsDiffer {
        /// The action.
        action: Box<Action>,
        /// Its time, seconds.
        at: u64,
        /// The model's decision.
        model: Result<Vec<Event>, Error>,
        /// The chain's decision.
        chain: Result<Vec<Event>, ChainError>,
    },
    /// Following a loop by its events ([`AccountantFollower`]): the contract emitted accountant
    /// events that the model, given the same operations, refuses or emits differently.
    #[error("transaction {tx} at {at}: accountant events differ\nmodel {model:?}\nchain {chain:?}")]
    FollowedEventsDiffer {
        /// The transaction.
        tx: alloy_primitives::B256,
        /// Its block time, seconds.
        at: u64,
        /// The model's events, or the rule it refused them by.
        model: Result<Vec<Event>, Error>,
        /// The contract's events (the accountant's, in order).
        chain: Vec<Event>,
    },
    /// Following a loop by its events: after a transaction, the accountant's state differs.
    #[error(
        "after transaction {tx} at {at}: the accountant differs\nmodel {model:?}\nchain {chain:?}"
    )]
    AccountantDiffers {
        /// The transaction.
        tx: alloy_primitives::B256,
        /// Its block time, seconds.
        at: u64,
        /// The model's view.
        model: Box<AccountantView>,
        /// The contract's view.
        chain: Box<AccountantView>,
    },
    /// A difference described in words (the dss harness: [`dss::DssView`]s).
    #[error("{0}")]
    Text(String),
    /// After an action, the observable states differ.
    #[error("state differs at {at}\nmodel {model:?}\nchain {chain:?}")]
    StateDiffers {
        /// The time, seconds.
        at: u64,
        /// The model's view.
        model: Box<StateView>,
        /// The chain's view.
        chain: Box<StateView>,
    },
}

/// The deployer (ward of everything) the harness deploys from.
pub const DEPLOYER: Address = Address::new([0xde; 20]);
/// The sender of permissionless actions (flog, heal, kiss, flop, deal, tick, redo, yank).
pub const KEEPER: Address = Address::new([0x4e; 20]);
/// The sink of the harness's deployments (distinct from every simulator actor).
pub const SINK: Address = Address::new([0x51; 20]);

/// Who sends an action: the deployer where authority is needed (with a loss waterfall: `Book`
/// and `PauseVault` too), the actor an action names (bids, claims, stakes, pledges), a keeper for
/// the permissionless rest.
pub fn sender(a: &Action) -> Address {
    match a {
        Action::Fess { .. }
        | Action::Cage
        | Action::YankDutch { .. }
        | Action::FileAccountant { .. }
        | Action::FileEnglish { .. }
        | Action::FileDutch { .. }
        | Action::Poke { .. }
        | Action::FileOracle { .. }
        | Action::Mint { .. }
        | Action::Book { .. }
        | Action::PauseVault { .. } => DEPLOYER,
        Action::ClaimRefund { sender, .. } | Action::Claim { sender, .. } => *sender,
        _ => crate::client::own_sender(a).unwrap_or(KEEPER),
    }
}

/// Errors compare by kind and fields; `InvalidParam` by the parameter name only and
/// `LayerNotReady` by the layer only (the contracts carry no reason text).
pub fn same_error(model: &Error, chain: &Error) -> bool {
    match (model, chain) {
        (Error::InvalidParam { what: a, .. }, Error::InvalidParam { what: b, .. })
        | (Error::LayerNotReady { layer: a, .. }, Error::LayerNotReady { layer: b, .. }) => a == b,
        _ => model == chain,
    }
}

/// A model and a deployment driven in lock-step.
#[derive(Debug)]
pub struct Differential<S> {
    /// The chain.
    pub chain: S,
    /// Its deployment (Backstop's contracts: the adapter).
    pub deployment: Deployment,
    /// The model.
    pub sys: System,
    /// The current time, seconds.
    pub now: u64,
    /// Addresses whose balances are compared.
    pub watch: Vec<Address>,
    /// Actions applied.
    pub actions: usize,
    /// Actions both sides accepted.
    pub accepted: usize,
    /// Print every action and its outcome to stderr.
    pub trace: bool,
}

impl<S: DevChain> Differential<S> {
    /// Deploys `params` with the oracle at `price` on `chain`, builds the matching model, and
    /// approves the auctions for every `bidder`.
    pub async fn deploy(
        chain: S,
        params: SystemParams,
        price: Ray,
        bidders: &[Address],
    ) -> Result<Self, DiffError> {
        let backend = |e| DiffError::Setup(ChainError::backend(e));
        let now = chain.timestamp().await.map_err(backend)?;
        let deployment = deploy_system(&chain, DEPLOYER, &params, price, SINK)
            .await
            .map_err(DiffError::Setup)?;
        let mut sys = System::new(params, price, deployment.core_addresses(), now)
            .map_err(DiffError::Model)?;
        // The oracle was poked in one of the deployment's blocks: the model starts from that time.
        sys.oracle.zzz = deployment.read_oracle(&chain).await.map_err(DiffError::Setup)?.zzz;
        let client = SystemClient::new(&chain, deployment);
        for a in bidders {
            client
                .prepare_bidder(*a, backstop_core::Wad::from_raw(alloy_primitives::U256::MAX))
                .await
                .map_err(DiffError::Setup)?;
        }
        let mut watch = bidders.to_vec();
        watch.extend([deployment.accountant, SINK, KEEPER, DEPLOYER]);
        // Deploying took blocks (and, on a node, wall-clock time): start from the latest block.
        let now = chain.timestamp().await.map_err(backend)?.max(now);
        Ok(Self { chain, deployment, sys, now, watch, actions: 0, accepted: 0, trace: false })
    }

    /// Applies `action` at `now` to both sides and compares everything.
    pub async fn apply(&mut self, action: Action, now: u64) -> Result<(), DiffError> {
        self.now = now;
        self.chain
            .set_next_timestamp(now)
            .await
            .map_err(|e| DiffError::Chain(ChainError::backend(e)))?;
        let model = self.sys.apply(&action, now);
        let client = SystemClient::new(&self.chain, self.deployment);
        let chain = client.apply(sender(&action), &action).await;
        self.actions += 1;
        if self.trace {
            eprintln!(
                "{now} {action:?}\n  model {model:?}\n  chain {:?}",
                chain.as_ref().map(|x| &x.1)
            );
        }
        if judge(action, now, model, chain)?.is_none() {
            self.accepted += 1;
        }
        self.compare_state().await
    }

    /// Compares the model's and the chain's [`StateView`].
    pub async fn compare_state(&self) -> Result<(), DiffError> {
        compare_states(&self.chain, self.deployment, &self.sys, &self.watch, self.now).await
    }

    /// Runs the generated `steps` (after [`backstop_core::arb::prologue`]) through both sides.
    #[cfg(feature = "proptest")]
    pub async fn run(&mut self, steps: &[backstop_core::arb::Step]) -> Result<(), DiffError> {
        use backstop_core::arb::{Resolved, prologue};
        for (t, a) in prologue(&self.sys, self.now) {
            self.apply(a, t).await?;
        }
        for step in steps {
            match step.resolve(&self.sys, self.now) {
                Resolved::Warp(t) => self.now = t,
                Resolved::Act(a) => self.apply(a, self.now).await?,
            }
        }
        Ok(())
    }
}
