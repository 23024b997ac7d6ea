//! Following a loop by its events: the core's accountant model against the deployed `Accountant`
//! after every mined transaction, whoever sent it.
//!
//! ```text
//!   Followed<S> ── send / broadcast / receipt ──► S (the chain)
//!        │ each mined receipt, once
//!        ▼
//!   AccountantFollower::apply_receipt: stablecoin Transfer logs → the accountant's balance (WAD);
//!     accountant events → the same operation on backstop_core::Accountant:
//!       Fess → fess(tab, now)      Flog → flog(era, now)     Heal → heal(amount, surplus)
//!       Kiss → kiss(amount, surplus)   [Heal,] Flop → check_flop + flop(surplus)
//!       Settle → settle(min(raised, Ash))   Unwind → unwind(amount)   File → params.file
//!     the model's events must equal the contract's (FollowedEventsDiffer);
//!   then AccountantView of the model == AccountantView read from the chain (AccountantDiffers).
//! ```
//!
//! `surplus` is the model's free surplus before the transaction, less what its earlier
//! operations paid out; `raised` is the stablecoin of the transaction's English `Dent` or Dutch
//! `Take` (the auctions settle with what a bid raised). Transactions are followed in the order
//! they are mined, which is the order they are seen on a backend that mines on send (the embedded
//! EVM, an automining Anvil driven by one sender at a time).

use super::DiffError;
use crate::{
    Adapter, ChainError, Settlement, SystemClient,
    backstop::{Deployment, bindings::Stablecoin, view::AccountantView},
    live::load_live,
    settlement::{
        Broadcast, BroadcastError, CallOutcome, ChainLog, DevChain, Fees, LogQuery, Receipt,
        TxRequest,
    },
};
use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, B256, Bytes, U256};
use backstop_core::{
    Accountant, AccountantEvent, AccountantParam, Contract, DutchEvent, EnglishEvent, Event, Wad,
};
use std::{collections::HashSet, future::Future, sync::Mutex};

/// The core's accountant, driven by a deployment's events and compared with the contract.
#[derive(Debug, Clone)]
pub struct AccountantFollower {
    /// The deployment followed.
    pub deployment: Deployment,
    /// The model.
    pub model: Accountant,
    /// The accountant's stablecoin balance, tracked from `Transfer` logs, WAD.
    pub balance: Wad,
    /// Addresses whose `due` is compared.
    pub watch: Vec<Address>,
    /// Transactions that touched the accountant (its events or its stablecoin balance).
    pub transactions: usize,
    /// Accountant events applied to the model.
    pub events: usize,
}

fn wad_of(x: U256) -> Wad {
    Wad::from_raw(x)
}

impl AccountantFollower {
    /// Starts from the contract's state now: the accountant as read back from the chain
    /// ([`load_live`]) and its stablecoin balance.
    pub async fn attach<S: Settlement>(
        chain: &S,
        deployment: Deployment,
    ) -> Result<Self, DiffError> {
        let live = load_live(chain, &deployment).await.map_err(DiffError::Setup)?;
        let balance = deployment
            .stablecoin_balance(chain, deployment.accountant)
            .await
            .map_err(DiffError::Setup)?;
        Ok(Self {
            deployment,
            model: live.system.accountant,
            balance,
            watch: Vec::new(),
            transactions: 0,
            events: 0,
        })
    }

    /// The model's view, for the eras it has queued debt in.
    pub fn model_view(&self) -> AccountantView {
        let eras: Vec<u64> = self.model.queue().map(|(e, _)| e).collect();
        AccountantView::of_model(&self.model, self.balance, &eras, &self.watch)
    }

    /// Applies one mined transaction (block time `at`, seconds) to the model. Returns false if it
    /// did not touch the accountant.
    pub fn apply_receipt(&mut self, r: &Receipt, at: u64) -> Result<bool, Box<DiffError>> {
        let d = self.deployment;
        let mut surplus = self.model.free_surplus(self.balance);
        let mut touched = false;
        let mut raised: Option<Wad> = None;
        let mut chain_events = Vec::new();
        for l in &r.logs {
            if l.log.address == d.stablecoin
                && let Ok(t) = Stablecoin::Transfer::decode_log_data(&l.log.data)
            {
                // A transfer out of the accountant is the result of an operation below; one in
                // (a treasury's payment, an auction's proceeds above `Ash`) is surplus.
                let v = wad_of(t.value);
                if t.to == d.accountant && t.from != d.accountant {
                    self.balance =
                        self.balance.checked_add(v).map_err(|e| Box::new(DiffError::Model(e)))?;
                    touched = true;
                }
                if t.from == d.accountant && t.to != d.accountant {
                    self.balance =
                        self.balance.checked_sub(v).map_err(|e| Box::new(DiffError::Model(e)))?;
                    touched = true;
                }
                continue;
            }
            match d.decode_log(&l.log) {
                Some(Event::English(EnglishEvent::Dent { bid, .. })) => raised = Some(bid),
                Some(Event::Dutch(DutchEvent::Take { owe, .. })) => raised = Some(owe),
                Some(e @ (Event::Accountant(_) | Event::File { .. }))
                    if l.log.address == d.accountant =>
                {
                    chain_events.push(e);
                }
                _ => {}
            }
        }
        let mut model_events = Vec::new();
        let mut i = 0;
        while i < chain_events.len() {
            let step = self.step(&chain_events, i, at, &mut surplus, raised);
            match step {
                Ok((n, evs)) => {
                    model_events.extend(evs);
                    i += n;
                }
                Err(e) => {
                    return Err(Box::new(DiffError::FollowedEventsDiffer {
                        tx: r.tx_hash,
                        at,
                        model: Err(e),
                        chain: chain_events,
                    }));
                }
            }
        }
        if model_events != chain_events {
            return Err(Box::new(DiffError::FollowedEventsDiffer {
                tx: r.tx_hash,
                at,
                model: Ok(model_events),
                chain: chain_events,
            }));
        }
        self.events += chain_events.len();
        touched |= !chain_events.is_empty();
        if touched {
            self.transactions += 1;
        }
        Ok(touched)
    }

    /// The model's operation for the contract's event `i` (and the next one, for a flop that
    /// healed first): how many events it accounts for and the model's events.
    fn step(
        &mut self,
        evs: &[Event],
        i: usize,
        at: u64,
        surplus: &mut Wad,
        raised: Option<Wad>,
    ) -> Result<(usize, Vec<Event>), backstop_core::Error> {
        use AccountantEvent as A;
        let acc = |e: A| Event::Accountant(e);
        let next_is_flop = matches!(evs.get(i + 1), Some(Event::Accountant(A::Flop { .. })));
        let out = match evs[i] {
            Event::Accountant(A::Fess { tab, .. }) => (1, vec![acc(self.model.fess(tab, at)?)]),
            Event::Accountant(A::Flog { era, .. }) => (1, vec![acc(self.model.flog(era, at)?)]),
            Event::Accountant(A::Heal { .. }) | Event::Accountant(A::Flop { .. })
                if next_is_flop || matches!(evs[i], Event::Accountant(A::Flop { .. })) =>
            {
                self.model.check_flop(*surplus)?;
                let (_, _, flop) = self.model.flop(*surplus)?;
                let n = flop.len();
                *surplus = Wad::ZERO;
                (n, flop.into_iter().map(acc).collect())
            }
            Event::Accountant(A::Heal { amount }) => {
                let e = self.model.heal(amount, *surplus)?;
                *surplus = surplus.checked_sub(amount)?;
                (1, vec![acc(e)])
            }
            Event::Accountant(A::Kiss { amount }) => {
                let e = self.model.kiss(amount, *surplus)?;
                *surplus = surplus.checked_sub(amount)?;
                (1, vec![acc(e)])
            }
            Event::Accountant(A::Settle { amount }) => {
                // The auction settles what its bid raised, at most `Ash`.
                let k = raised.map_or(amount, |r| r.min(self.model.ash()));
                (1, vec![acc(self.model.settle(k))])
            }
            Event::Accountant(A::Unwind { amount }) => {
                if amount > self.model.ash() {
                    return Err(backstop_core::Error::InsufficientOnAuction {
                        ash: self.model.ash().raw(),
                        requested: amount.raw(),
                    });
                }
                (1, vec![acc(self.model.unwind(amount))])
            }
            Event::File { contract: Contract::Accountant, what, data } => {
                let change = match what {
                    "wait" => AccountantParam::Wait(u64::try_from(data).unwrap_or(u64::MAX)),
                    "sump" => AccountantParam::Sump(wad_of(data)),
                    "dump" => AccountantParam::Dump(wad_of(data)),
                    _ => return Ok((1, vec![evs[i]])),
                };
                self.model.params.file(change)?;
                (1, vec![evs[i]])
            }
            // Refunds and claims after cage are not part of a followed loop: the model emits
            // nothing for them, so the comparison reports them.
            _ => (1, Vec::new()),
        };
        Ok(out)
    }

    /// Compares the model with the contract's accountant read from `chain` now.
    pub async fn compare<S: Settlement>(
        &self,
        chain: &S,
        tx: B256,
        at: u64,
    ) -> Result<(), DiffError> {
        let model = self.model_view();
        let eras: Vec<u64> = model.sins.iter().map(|(e, _)| *e).collect();
        let client = SystemClient::new(chain, self.deployment);
        let on_chain =
            client.accountant_view(&eras, &self.watch).await.map_err(DiffError::Chain)?;
        if model != on_chain {
            return Err(DiffError::AccountantDiffers {
                tx,
                at,
                model: Box::new(model),
                chain: Box::new(on_chain),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct FollowState {
    follower: Option<AccountantFollower>,
    seen: HashSet<B256>,
    failed: Option<Box<DiffError>>,
}

/// A chain whose every mined transaction is followed by an [`AccountantFollower`] once
/// [`Self::attach`]ed; everything else goes to the chain as it is. The first divergence is kept
/// and returned by [`Self::finish`] (the chain's own calls never fail because of it).
#[derive(Debug)]
pub struct Followed<S> {
    inner: S,
    state: Mutex<FollowState>,
}

impl<S: Settlement> Followed<S> {
    /// Wraps `inner`; nothing is followed until [`Self::attach`].
    pub fn new(inner: S) -> Self {
        Self { inner, state: Mutex::new(FollowState::default()) }
    }

    /// The wrapped chain.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Follows `deployment` from now on, starting from its state now; `watch` are the addresses
    /// whose `due` is compared.
    pub async fn attach(&self, deployment: Deployment, watch: &[Address]) -> Result<(), DiffError> {
        let mut f = AccountantFollower::attach(&self.inner, deployment).await?;
        f.watch = watch.to_vec();
        f.compare(&self.inner, B256::ZERO, 0).await?;
        self.lock().follower = Some(f);
        Ok(())
    }

    /// The first divergence, or the transactions followed and the accountant events applied.
    pub fn finish(&self) -> Result<(usize, usize), Box<DiffError>> {
        let mut st = self.lock();
        if let Some(e) = st.failed.take() {
            return Err(e);
        }
        Ok(st.follower.as_ref().map_or((0, 0), |f| (f.transactions, f.events)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FollowState> {
        // A panic while holding the lock leaves the state as it was: keep using it.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn follow(&self, r: &Receipt) {
        if !r.status {
            return;
        }
        let at = match self.inner.timestamp().await {
            Ok(t) => t,
            Err(e) => {
                let e = Box::new(DiffError::Chain(ChainError::backend(e)));
                self.lock().failed.get_or_insert(e);
                return;
            }
        };
        let copy = {
            let mut st = self.lock();
            if st.failed.is_some() || !st.seen.insert(r.tx_hash) {
                return;
            }
            let Some(f) = st.follower.as_mut() else { return };
            match f.apply_receipt(r, at) {
                Ok(true) => f.clone(),
                Ok(false) => return,
                Err(e) => {
                    st.failed = Some(e);
                    return;
                }
            }
        };
        if let Err(e) = copy.compare(&self.inner, r.tx_hash, at).await {
            self.lock().failed.get_or_insert(Box::new(e));
        }
    }
}

impl<S: Settlement> Settlement for Followed<S> {
    type Error = S::Error;

    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
    fn call(&self, tx: &TxRequest) -> impl Future<Output = Result<CallOutcome, S::Error>> + Send {
        self.inner.call(tx)
    }
    fn call_at(
        &self,
        tx: &TxRequest,
        block: u64,
    ) -> impl Future<Output = Result<CallOutcome, S::Error>> + Send {
        self.inner.call_at(tx, block)
    }
    async fn send(&self, tx: TxRequest) -> Result<Receipt, S::Error> {
        let r = self.inner.send(tx).await?;
        self.follow(&r).await;
        Ok(r)
    }
    fn block_number(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.inner.block_number()
    }
    fn block_hash(&self, n: u64) -> impl Future<Output = Result<Option<B256>, S::Error>> + Send {
        self.inner.block_hash(n)
    }
    fn timestamp(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.inner.timestamp()
    }
    fn next_timestamp(&self) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.inner.next_timestamp()
    }
    fn logs(&self, q: &LogQuery) -> impl Future<Output = Result<Vec<ChainLog>, S::Error>> + Send {
        self.inner.logs(q)
    }
}

impl<S: Broadcast> Broadcast for Followed<S> {
    fn nonce(
        &self,
        who: Address,
        pending: bool,
    ) -> impl Future<Output = Result<u64, S::Error>> + Send {
        self.inner.nonce(who, pending)
    }
    fn fees(&self) -> impl Future<Output = Result<Fees, S::Error>> + Send {
        self.inner.fees()
    }
    fn estimate(
        &self,
        tx: &TxRequest,
    ) -> impl Future<Output = Result<Result<u64, Bytes>, S::Error>> + Send {
        self.inner.estimate(tx)
    }
    async fn broadcast(
        &self,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
    ) -> Result<B256, BroadcastError> {
        let hash = self.inner.broadcast(tx, nonce, fees).await?;
        // Mined already on a backend that mines on send: follow it in mining order.
        if let Ok(Some(r)) = self.inner.receipt(hash).await {
            self.follow(&r).await;
        }
        Ok(hash)
    }
    async fn receipt(&self, hash: B256) -> Result<Option<Receipt>, S::Error> {
        let r = self.inner.receipt(hash).await?;
        if let Some(r) = &r {
            self.follow(r).await;
        }
        Ok(r)
    }
}

impl<S: DevChain> DevChain for Followed<S> {
    fn set_next_timestamp(&self, t: u64) -> impl Future<Output = Result<(), S::Error>> + Send {
        self.inner.set_next_timestamp(t)
    }
    fn increase_time(&self, dt: u64) -> impl Future<Output = Result<(), S::Error>> + Send {
        self.inner.increase_time(dt)
    }
    fn mine(&self) -> impl Future<Output = Result<(), S::Error>> + Send {
        self.inner.mine()
    }
    fn snapshot(&self) -> impl Future<Output = Result<U256, S::Error>> + Send {
        self.inner.snapshot()
    }
    fn revert(&self, id: U256) -> impl Future<Output = Result<bool, S::Error>> + Send {
        self.inner.revert(id)
    }
    fn set_balance(
        &self,
        who: Address,
        wei: U256,
    ) -> impl Future<Output = Result<(), S::Error>> + Send {
        self.inner.set_balance(who, wei)
    }
    fn impersonate(&self, who: Address) -> impl Future<Output = Result<(), S::Error>> + Send {
        self.inner.impersonate(who)
    }
}
