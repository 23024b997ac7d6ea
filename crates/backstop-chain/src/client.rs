//! Typed access to a deployed system over any [`Settlement`] backend and any contract set's
//! [`Adapter`]: send the core's [`Action`]s as transactions and get back the core's events, or
//! the core's error when a rule rejects them.

use crate::{Adapter, ChainError, Receipt, Result, Settlement, TxRequest, settlement::CallOutcome};
use alloy::sol_types::SolCall;
use alloy_primitives::Address;
use backstop_core::{Action, Event};

/// Typed calls and transactions over any backend. These know no contract set: a revert comes back
/// as [`ChainError::RevertedRaw`]; [`Adapter::decode_error`] turns it into the core's error.
pub trait SettlementExt: Settlement {
    /// `eth_call` of a typed call.
    fn call_sol<C: SolCall + Sync>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> impl core::future::Future<Output = Result<C::Return>> + Send {
        async move {
            let tx = TxRequest::call(from, to, call.abi_encode());
            match self.call(&tx).await.map_err(ChainError::backend)? {
                CallOutcome::Success(out) => C::abi_decode_returns(&out)
                    .map_err(|source| ChainError::Decode { what: C::SIGNATURE.to_owned(), source }),
                CallOutcome::Revert(data) => {
                    Err(ChainError::RevertedRaw { what: C::SIGNATURE.to_owned(), data })
                }
            }
        }
    }

    /// Sends a typed call; a revert is an error (the receipt of a reverted transaction is
    /// dropped: it changed nothing but the sender's gas).
    fn send_sol<C: SolCall + Sync>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> impl core::future::Future<Output = Result<Receipt>> + Send {
        async move {
            let tx = TxRequest::call(from, to, call.abi_encode());
            let receipt = self.send(tx).await.map_err(ChainError::backend)?;
            if receipt.status {
                return Ok(receipt);
            }
            let data = receipt.revert_data.unwrap_or_default();
            Err(ChainError::RevertedRaw { what: C::SIGNATURE.to_owned(), data })
        }
    }

    /// Deploys `bytecode` with ABI-encoded constructor `args`; returns the new address.
    fn deploy_code(
        &self,
        from: Address,
        bytecode: &[u8],
        args: Vec<u8>,
    ) -> impl core::future::Future<Output = Result<Address>> + Send {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(&args);
        async move {
            let receipt =
                self.send(TxRequest::create(from, code)).await.map_err(ChainError::backend)?;
            match (receipt.status, receipt.contract_address) {
                (true, Some(a)) => Ok(a),
                _ => Err(ChainError::RevertedRaw {
                    what: "constructor".to_owned(),
                    data: receipt.revert_data.unwrap_or_default(),
                }),
            }
        }
    }
}

impl<S: Settlement> SettlementExt for S {}

/// Typed calls answered together by [`Settlement::call_many`]: push each call, run the batch
/// once, then read each answer with the [`Slot`] its push returned.
#[derive(Debug, Default)]
pub struct ReadBatch {
    txs: Vec<TxRequest>,
}

/// Where the answer of one call of a [`ReadBatch`] is, typed by the call.
#[derive(Debug)]
pub struct Slot<C> {
    index: usize,
    call: core::marker::PhantomData<fn() -> C>,
}

impl<C> Clone for Slot<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for Slot<C> {}

/// The answers of a [`ReadBatch`], in push order.
#[derive(Debug)]
pub struct Answers {
    outs: Vec<CallOutcome>,
}

impl ReadBatch {
    /// An empty batch with room for `n` calls.
    pub fn with_capacity(n: usize) -> Self {
        Self { txs: Vec::with_capacity(n) }
    }

    /// Adds `call` of `to` from `from`.
    pub fn push<C: SolCall>(&mut self, from: Address, to: Address, call: &C) -> Slot<C> {
        self.txs.push(TxRequest::call(from, to, call.abi_encode()));
        Slot { index: self.txs.len() - 1, call: core::marker::PhantomData }
    }

    /// Runs every call against one state.
    pub async fn run<S: Settlement>(self, chain: &S) -> Result<Answers> {
        let outs = chain.call_many(&self.txs).await.map_err(ChainError::backend)?;
        if outs.len() != self.txs.len() {
            return Err(ChainError::BatchLength { calls: self.txs.len(), answers: outs.len() });
        }
        Ok(Answers { outs })
    }
}

impl Answers {
    /// The decoded answer of the call at `slot`; a revert is [`ChainError::RevertedRaw`].
    pub fn get<C: SolCall>(&self, slot: Slot<C>) -> Result<C::Return> {
        match &self.outs[slot.index] {
            CallOutcome::Success(out) => C::abi_decode_returns(out)
                .map_err(|source| ChainError::Decode { what: C::SIGNATURE.to_owned(), source }),
            CallOutcome::Revert(data) => {
                Err(ChainError::RevertedRaw { what: C::SIGNATURE.to_owned(), data: data.clone() })
            }
        }
    }
}

/// A deployed system over a backend, through its contract set's adapter.
#[derive(Debug)]
pub struct SystemClient<'a, S, A = crate::Deployment> {
    /// The backend.
    pub chain: &'a S,
    /// The contract set and its addresses.
    pub adapter: A,
}

impl<'a, S: Settlement, A: Adapter> SystemClient<'a, S, A> {
    /// Attaches to an existing deployment.
    pub fn new(chain: &'a S, adapter: A) -> Self {
        Self { chain, adapter }
    }

    /// Sends the transaction that `action` means, from `from` (which needs the authority the
    /// action needs: for Backstop's contracts the deployer for `fess`, `cage`, `file`, `poke`,
    /// `mint` and Dutch `yank`; with a loss waterfall, the deployer for `Book` and `PauseVault`).
    /// An action that names its `sender` ([`own_sender`]: a `Dent`, a `Take`, the waterfall's
    /// `Pledge`, `ClaimPledge`, `RefundPledge`, `Stake`, `Cooldown`, `Unstake`, `RewardStakers`)
    /// is sent from it, whose raise asset or shares the contracts move. Returns the receipt and
    /// the core events its logs decode to, in order; a revert is [`ChainError::Reverted`] with
    /// the core's error where the contract set's errors decode into one.
    pub async fn apply(&self, from: Address, action: &Action) -> Result<(Receipt, Vec<Event>)> {
        let call = self.adapter.encode(action)?;
        let from = own_sender(action).unwrap_or(from);
        let receipt = self.chain.send(call.tx(from)).await.map_err(ChainError::backend)?;
        if !receipt.status {
            let data = receipt.revert_data.unwrap_or_default();
            let what = crate::adapter::action_name(action).to_owned();
            let e = ChainError::RevertedRaw { what, data };
            return Err(self.adapter.decode_error_of(&call.data, e));
        }
        let events = receipt.logs.iter().filter_map(|l| self.adapter.decode_chain_log(l)).collect();
        Ok((receipt, events))
    }

    /// Sends whatever `who` needs before the auctions can take up to `amount` (WAD) of its raise
    /// asset (approvals); nothing when it is set up already.
    pub async fn prepare_bidder(&self, who: Address, amount: backstop_core::Wad) -> Result<()> {
        let calls = self.adapter.bidder_setup(self.chain, who, amount).await?;
        self.send_setup(who, calls, "bidder set-up").await
    }

    /// Sends set-up `calls` from `who`, in order; a revert is the adapter's error, as `what`.
    pub(crate) async fn send_setup(
        &self,
        who: Address,
        calls: Vec<crate::Call>,
        what: &str,
    ) -> Result<()> {
        for call in calls {
            let receipt = self.chain.send(call.tx(who)).await.map_err(ChainError::backend)?;
            if !receipt.status {
                let data = receipt.revert_data.unwrap_or_default();
                let e = ChainError::RevertedRaw { what: what.into(), data };
                return Err(self.adapter.decode_error(e));
            }
        }
        Ok(())
    }
}

/// The sender an action names, whose tokens or shares the contracts move: it is sent from there.
pub fn own_sender(action: &Action) -> Option<Address> {
    match *action {
        Action::Dent { sender, .. }
        | Action::Take { sender, .. }
        | Action::Pledge { sender, .. }
        | Action::ClaimPledge { sender, .. }
        | Action::RefundPledge { sender, .. }
        | Action::Stake { sender, .. }
        | Action::Cooldown { sender }
        | Action::Unstake { sender, .. }
        | Action::RewardStakers { sender, .. } => Some(sender),
        _ => None,
    }
}
