//! One nonce sequence per account, EIP-1559 fees with a cap, stuck transactions replaced with
//! bumped fees, and settlement that never blocks a bid.
//!
//! ```text
//!  submit ─► simulate (estimate) ─ revert? ─► Rejected (decoded; quiet when a race was lost)
//!              │ ok
//!              ▼
//!  a bid while a settlement waits at nonce n? ─► the bid takes nonce n (bumped fees), the
//!              │ no                              settlement is dropped and found again later
//!              ▼
//!  broadcast at the next nonce ─ "nonce too low" ─► resync from the node (used elsewhere), retry
//!              │
//!  poll: mined? ─► Confirmed │ older than `replace_after`? ─► same nonce, fees +`bump`% (≤ cap)
//! ```
//!
//! Under a fee cap below the node's base fee (a base-fee spike), nothing spins: a refused
//! replacement still raises the next offer, up to the cap, and then waits for its transaction to be
//! mined; after a refusal at the cap ([`SubmitError::AboveCap`] for a new transaction) no new
//! transaction is broadcast at the cap before the next block.
//!
//! The manager keeps no file: on start it takes the node's pending nonce, and while the node holds
//! transactions of ours that the manager does not know (a previous process's), [`TxManager::drained`]
//! is false and the keeper sends no new bid, so a restart never double-bids.

use alloy_primitives::{Address, B256};
use backstop_chain::{Adapter, BoxError, Broadcast, BroadcastError, Fees, Receipt, TxRequest};
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

/// What a transaction is for: bids and takes come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxKind {
    /// An English bid or a Dutch take.
    Bid,
    /// Starting an auction (flop, flopDutch) or resetting one (redo).
    Kick,
    /// deal, tick, flog, heal, kiss.
    Settle,
    /// Approvals and other set-up.
    Admin,
}

/// Fee policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePolicy {
    /// Cap on `maxFeePerGas`, wei; `None` = the node's estimate, uncapped.
    pub max_fee_cap: Option<u128>,
    /// Raise both fees by this percentage on each replacement (≥ 10 for replacement rules).
    pub bump_percent: u64,
    /// Replace a transaction not mined after this long.
    pub replace_after: Duration,
}

impl Default for FeePolicy {
    fn default() -> Self {
        Self { max_fee_cap: None, bump_percent: 13, replace_after: Duration::from_secs(30) }
    }
}

/// A transaction in flight.
#[derive(Debug, Clone)]
pub struct Pending {
    /// What it does, for logs and the report.
    pub label: String,
    /// Its kind.
    pub kind: TxKind,
    /// The transaction.
    pub tx: TxRequest,
    /// Every hash it was broadcast under (replacements add one).
    pub hashes: Vec<B256>,
    /// The last fees.
    pub fees: Fees,
    /// When it was last broadcast.
    pub sent_at: Instant,
    /// When it was first submitted (for latency).
    pub submitted_at: Instant,
    /// The chain's head (block number) when a poll first found its nonce mined but none of its
    /// receipts; it is given up at a later head that still has none.
    pub consumed_at: Option<u64>,
}

/// A mined transaction of ours.
#[derive(Debug, Clone)]
pub struct Confirmed {
    /// What it did.
    pub label: String,
    /// Its kind.
    pub kind: TxKind,
    /// The receipt.
    pub receipt: Receipt,
    /// From submission to receipt seen.
    pub latency: Duration,
}

/// Why a submission did not go out.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The simulation reverted: the rule that failed (or raw data).
    #[error("{label} would revert: {reason}")]
    Rejected {
        /// What was attempted.
        label: String,
        /// The decoded rule, if it is one of the contracts' errors.
        error: Option<backstop_core::Error>,
        /// Human-readable reason.
        reason: String,
    },
    /// The node refused the transaction at fees capped by [`FeePolicy::max_fee_cap`] (its base
    /// fee is above the cap): not sent, and no new transaction is broadcast before the next block.
    #[error("{label}: the node refuses fees within the cap of {cap} wei")]
    AboveCap {
        /// What was attempted.
        label: String,
        /// The cap, wei.
        cap: u128,
        /// The node's refusal (`None` when the manager waited for a block without asking).
        #[source]
        source: Option<BroadcastError>,
    },
    /// The node refused or failed.
    #[error("{label}: the node failed")]
    Node {
        /// What was attempted.
        label: String,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
}

impl SubmitError {
    /// True when the revert only means another keeper got there first (outbid, auction gone):
    /// logged quietly, not as a failure.
    pub fn is_race_lost(&self) -> bool {
        matches!(self, Self::Rejected { error: Some(e), .. } if e.is_race_lost())
    }

    /// True when the node asks more than the fee cap allows: wait for the base fee to fall.
    pub fn is_above_cap(&self) -> bool {
        matches!(self, Self::AboveCap { .. })
    }
}

/// The nonce sequence and in-flight transactions of one account.
#[derive(Debug)]
pub struct TxManager {
    from: Address,
    next_nonce: u64,
    pending: BTreeMap<u64, Pending>,
    policy: FeePolicy,
    /// Foreign transactions of ours still pending at start (nonces below this were not ours).
    foreign_until: u64,
    /// Gas used by our mined transactions.
    pub gas_used: u64,
    /// Wei paid for gas by our mined transactions.
    pub gas_paid: u128,
    /// Replacements broadcast.
    pub replacements: u64,
    /// Times the nonce was found used elsewhere and resynced.
    pub resyncs: u64,
    /// The node's fee estimate and when it was read (reused for [`FEE_TTL`]).
    fees_cache: Option<(Instant, Fees)>,
    /// Polls in a row at which the node's pending nonce was below ours (it lost transactions).
    lost_polls: u8,
    /// Labels of transactions given up since the last [`Self::take_dropped`].
    dropped: Vec<String>,
    /// The block at which the node last refused a transaction (new, or a replacement) at the
    /// capped fees: no new one is broadcast at the cap before a later block.
    refused_at_cap: Option<u64>,
}

/// How long a fee estimate is reused between submissions.
pub const FEE_TTL: Duration = Duration::from_millis(500);

impl TxManager {
    /// Starts a sequence for `from` at the node's pending nonce.
    pub async fn new<B: Broadcast>(
        chain: &B,
        from: Address,
        policy: FeePolicy,
    ) -> Result<Self, B::Error> {
        let pending = chain.nonce(from, true).await?;
        Ok(Self {
            from,
            next_nonce: pending,
            pending: BTreeMap::new(),
            policy,
            foreign_until: pending,
            gas_used: 0,
            gas_paid: 0,
            replacements: 0,
            resyncs: 0,
            fees_cache: None,
            lost_polls: 0,
            dropped: Vec::new(),
            refused_at_cap: None,
        })
    }

    /// The account.
    pub fn from(&self) -> Address {
        self.from
    }

    /// Transactions in flight, by nonce.
    pub fn pending(&self) -> impl Iterator<Item = (&u64, &Pending)> {
        self.pending.iter()
    }

    /// True once no transaction from before this process is pending on the node, and the last
    /// [`Self::poll`] did not find the node's nonce below ours: only then may new transactions go
    /// out (a restarted keeper never bids twice, and nothing is sent to wait behind a gap left by
    /// transactions the node lost; the next poll resyncs the nonce).
    pub async fn drained<B: Broadcast>(&mut self, chain: &B) -> Result<bool, B::Error> {
        if self.lost_polls > 0 {
            return Ok(false);
        }
        if self.foreign_until == 0 {
            return Ok(true);
        }
        let mined = chain.nonce(self.from, false).await?;
        if mined >= self.foreign_until {
            self.foreign_until = 0;
        }
        Ok(self.foreign_until == 0)
    }

    /// Labels of transactions given up since the last call (their nonce was consumed elsewhere,
    /// or the node lost them): whatever was reserved for them is free again.
    pub fn take_dropped(&mut self) -> Vec<String> {
        std::mem::take(&mut self.dropped)
    }

    /// True if a transaction with this label is in flight.
    pub fn in_flight(&self, label: &str) -> bool {
        self.pending.values().any(|p| p.label == label)
    }

    fn capped(&self, fees: Fees) -> Fees {
        match self.policy.max_fee_cap {
            Some(c) => Fees { max_fee: fees.max_fee.min(c), priority: fees.priority.min(c) },
            None => fees,
        }
    }

    /// Simulates `tx`, then broadcasts it; returns its nonce. A bid takes over the nonce of a
    /// settlement transaction that is waiting, so settlement never delays it.
    pub async fn submit<B: Broadcast, A: Adapter>(
        &mut self,
        chain: &B,
        adapter: &A,
        kind: TxKind,
        label: String,
        mut tx: TxRequest,
    ) -> Result<u64, SubmitError> {
        fn node(label: &str, e: impl std::error::Error + Send + Sync + 'static) -> SubmitError {
            SubmitError::Node { label: label.to_owned(), source: Box::new(e) }
        }
        tx.from = self.from;
        let gas = match chain.estimate(&tx).await.map_err(|e| node(&label, e))? {
            Ok(g) => g,
            Err(data) => {
                let error = adapter.decode_revert_of(&tx.data, &data);
                let reason =
                    error.as_ref().map_or_else(|| format!("revert data {data}"), |e| e.to_string());
                return Err(SubmitError::Rejected { label, error, reason });
            }
        };
        tx.gas_limit = Some(gas.saturating_add(gas / 4));
        let estimate = match self.fees_cache {
            Some((at, f)) if at.elapsed() < FEE_TTL => f,
            _ => {
                let f = chain.fees().await.map_err(|e| node(&label, e))?;
                self.fees_cache = Some((Instant::now(), f));
                f
            }
        };
        let mut fees = self.capped(estimate);
        let mut cap = self.policy.max_fee_cap.filter(|_| fees != estimate);
        if let (Some(cap), Some(refused)) = (cap, self.refused_at_cap) {
            // Refused at the cap in this block already: the next chance is the next block.
            if chain.block_number().await.map_err(|e| node(&label, e))? <= refused {
                return Err(SubmitError::AboveCap { label, cap, source: None });
            }
        }
        // A waiting settlement gives its nonce to a bid.
        let takeover = (kind == TxKind::Bid)
            .then(|| {
                self.pending
                    .iter()
                    .find(|(_, p)| {
                        p.kind == TxKind::Settle
                            && p.submitted_at.elapsed() >= self.policy.replace_after / 2
                    })
                    .map(|(n, p)| (*n, p.fees))
            })
            .flatten();
        if self.pending.is_empty() {
            // Nothing of ours in flight, so the node's pending nonce is ours. Below it, the node
            // lost mined transactions while we were idle (a reorg, a restore from an older
            // state): start there, or this one would wait behind the gap for ever.
            let node_nonce = chain.nonce(self.from, true).await.map_err(|e| node(&label, e))?;
            if node_nonce != self.next_nonce {
                if node_nonce < self.next_nonce {
                    tracing::warn!(
                        ours = self.next_nonce,
                        node = node_nonce,
                        "the node lost transactions; resyncing the nonce down"
                    );
                }
                self.resyncs += 1;
                self.next_nonce = node_nonce;
            }
        }
        let nonce = match takeover {
            Some((n, old)) => {
                let bumped = old.bumped(self.policy.bump_percent, self.policy.max_fee_cap);
                fees = Fees {
                    max_fee: fees.max_fee.max(bumped.max_fee),
                    priority: fees.priority.max(bumped.priority),
                };
                if let Some(p) = self.pending.remove(&n) {
                    tracing::info!(nonce = n, settlement = %p.label, bid = %label, "bid takes over a waiting settlement's nonce");
                }
                n
            }
            None => self.next_nonce,
        };
        let (mut attempt, mut reread) = (0, false);
        let (nonce, hash) = loop {
            attempt += 1;
            let n = if takeover.is_some() && attempt == 1 { nonce } else { self.next_nonce };
            let bumped = fees.bumped(self.policy.bump_percent.max(10), self.policy.max_fee_cap);
            match chain.broadcast(&tx, n, fees).await {
                Ok(h) => break (n, h),
                Err(BroadcastError::NonceTooLow) if attempt < 3 => {
                    // Used elsewhere by the same account: resync from the node.
                    self.resyncs += 1;
                    let node_nonce =
                        chain.nonce(self.from, true).await.map_err(|e| node(&label, e))?;
                    tracing::warn!(
                        ours = self.next_nonce,
                        node = node_nonce,
                        "nonce used elsewhere; resynced"
                    );
                    self.next_nonce = node_nonce.max(self.next_nonce + 1);
                }
                Err(BroadcastError::Underpriced) if attempt < 3 && bumped != fees => {
                    self.fees_cache = None;
                    fees = bumped;
                }
                Err(e @ (BroadcastError::Underpriced | BroadcastError::Other(_))) => {
                    if attempt < 3 && !reread {
                        // The estimate may predate a jump of the base fee: read it again and
                        // offer that, within the cap.
                        reread = true;
                        let now = chain.fees().await.map_err(|e| node(&label, e))?;
                        self.fees_cache = Some((Instant::now(), now));
                        let offer = self.capped(now);
                        cap = self.policy.max_fee_cap.filter(|_| offer != now);
                        if offer.max_fee > fees.max_fee || offer.priority > fees.priority {
                            fees = Fees {
                                max_fee: fees.max_fee.max(offer.max_fee),
                                priority: fees.priority.max(offer.priority),
                            };
                            continue;
                        }
                    }
                    let Some(cap) = cap else { return Err(node(&label, e)) };
                    // Refused with the cap binding (a base fee above it, or no room left to
                    // bump): wait for a later block instead of asking again at the same fees.
                    self.refused_at_cap =
                        Some(chain.block_number().await.map_err(|e| node(&label, e))?);
                    return Err(SubmitError::AboveCap { label, cap, source: Some(e) });
                }
                Err(e) => return Err(node(&label, e)),
            }
        };
        self.refused_at_cap = None;
        if nonce >= self.next_nonce {
            self.next_nonce = nonce + 1;
        }
        let now = Instant::now();
        self.pending.insert(
            nonce,
            Pending {
                label,
                kind,
                tx,
                hashes: vec![hash],
                fees,
                sent_at: now,
                submitted_at: now,
                consumed_at: None,
            },
        );
        Ok(nonce)
    }

    /// Takes nonce `n` (its transaction `p`) out of the pending set as mined with `receipt`.
    fn confirm(&mut self, n: u64, p: Pending, receipt: Receipt) -> Confirmed {
        self.pending.remove(&n);
        self.gas_used += receipt.gas_used;
        self.gas_paid += u128::from(receipt.gas_used) * receipt.effective_gas_price;
        Confirmed { label: p.label, kind: p.kind, receipt, latency: p.submitted_at.elapsed() }
    }

    /// Collects receipts; replaces what has waited longer than `replace_after`; drops what the same
    /// account replaced elsewhere.
    pub async fn poll<B: Broadcast>(&mut self, chain: &B) -> Result<Vec<Confirmed>, B::Error> {
        let mut done = Vec::new();
        if self.pending.is_empty() {
            return Ok(done);
        }
        let mined_nonce = chain.nonce(self.from, false).await?;
        let nonces: Vec<u64> = self.pending.keys().copied().collect();
        for n in nonces {
            let p = self.pending.get(&n).expect("key from the map").clone();
            if let Some(receipt) = receipt_of(chain, &p.hashes).await? {
                done.push(self.confirm(n, p, receipt));
                continue;
            }
            if n < mined_nonce {
                // The nonce is mined but no receipt of ours is found. A node may report the new
                // nonce a moment before it serves the block's receipts (an automining Anvil writes
                // the sender's nonce before the block), so ours is only given up once the chain
                // has a block beyond the head seen when the nonce was first found consumed, and
                // the receipts, read after that head, still have none of ours: the nonce was
                // consumed by a transaction we did not send (the same key elsewhere). Counting
                // polls instead let a keeper stepping in a tight loop give up a mined transaction.
                let head = chain.block_number().await?;
                if let Some(receipt) = receipt_of(chain, &p.hashes).await? {
                    done.push(self.confirm(n, p, receipt));
                    continue;
                }
                let e = self.pending.get_mut(&n).expect("present");
                match e.consumed_at {
                    None => e.consumed_at = Some(head),
                    Some(first) if head > first => {
                        tracing::warn!(nonce = n, label = %p.label, "nonce consumed elsewhere; dropping ours");
                        self.pending.remove(&n);
                        self.dropped.push(p.label.clone());
                        self.resyncs += 1;
                    }
                    Some(_) => {}
                }
                continue;
            }
            if p.sent_at.elapsed() >= self.policy.replace_after {
                // Bumped from the last fees offered (accepted or not), and at least what the node
                // asks now (a base-fee spike), within the cap.
                let mut fees = p.fees.bumped(self.policy.bump_percent, self.policy.max_fee_cap);
                if let Ok(now) = chain.fees().await {
                    let now = self.capped(now);
                    fees = Fees {
                        max_fee: fees.max_fee.max(now.max_fee),
                        priority: fees.priority.max(now.priority),
                    };
                }
                if fees == p.fees {
                    continue; // at the cap: nothing more to offer
                }
                let result = chain.broadcast(&p.tx, n, fees).await;
                let e = self.pending.get_mut(&n).expect("present");
                // Whether or not the node took it, the next attempt waits `replace_after` and
                // starts from these fees: a refusal must not freeze the fee (nor retry every poll).
                e.fees = fees;
                e.sent_at = Instant::now();
                match result {
                    Ok(h) => {
                        self.replacements += 1;
                        tracing::info!(nonce = n, label = %p.label, max_fee = fees.max_fee, "replaced a stuck transaction");
                        e.hashes.push(h);
                    }
                    Err(BroadcastError::NonceTooLow) => {} // mined meanwhile: the next poll sees it
                    Err(err) => {
                        tracing::info!(nonce = n, label = %p.label, max_fee = fees.max_fee, error = %err, "replacement refused; will offer more");
                        if self.policy.max_fee_cap == Some(fees.max_fee) {
                            // Refused at the cap: no new transaction is offered the cap in
                            // this block.
                            self.refused_at_cap = Some(chain.block_number().await?);
                        }
                    }
                }
            }
        }
        // The node's pending nonce below ours: it lost transactions it had (a reorg, a restart
        // from an older state). Seen once, nothing new is sent ([`Self::drained`] is false: it
        // would wait behind the gap, and stay queued on the node after the resync); seen at two
        // polls in a row, everything from there on is given up (the keeper decides again from
        // the chain's state and sends what still holds) and the sequence restarts at the node's
        // nonce, so nothing waits behind a gap.
        let node_pending = chain.nonce(self.from, true).await?;
        if node_pending < self.next_nonce && self.foreign_until == 0 {
            self.lost_polls += 1;
            if self.lost_polls >= 2 {
                tracing::warn!(
                    ours = self.next_nonce,
                    node = node_pending,
                    "the node lost transactions; resyncing the nonce down"
                );
                let lost: Vec<u64> = self.pending.range(node_pending..).map(|(n, _)| *n).collect();
                for n in lost {
                    if let Some(p) = self.pending.remove(&n) {
                        self.dropped.push(p.label);
                    }
                }
                self.next_nonce = node_pending;
                self.resyncs += 1;
                self.lost_polls = 0;
            }
        } else {
            self.lost_polls = 0;
        }
        if mined_nonce > self.next_nonce {
            self.resyncs += 1;
            self.next_nonce = mined_nonce;
        }
        Ok(done)
    }
}

/// The receipt of whichever of `hashes` (a transaction and its replacements) was mined, newest
/// first.
async fn receipt_of<B: Broadcast>(chain: &B, hashes: &[B256]) -> Result<Option<Receipt>, B::Error> {
    for h in hashes.iter().rev() {
        if let Some(r) = chain.receipt(*h).await? {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Bytes;
    use backstop_chain::{CallOutcome, ChainLog, Deployment, LogQuery, Settlement};
    use std::sync::Mutex;

    const GWEI: u128 = 1_000_000_000;

    /// A node that never mines: it takes the first `accept` broadcasts (at nonce 0) into its pool
    /// and refuses every other one with `refusal`; every broadcast's fees are recorded.
    #[derive(Debug)]
    struct RefusingNode {
        accept: usize,
        refusal: fn() -> BroadcastError,
        fees: Fees,
        block: std::sync::atomic::AtomicU64,
        sent: Mutex<Vec<Fees>>,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("not served by this mock")]
    struct Unserved;

    #[derive(Debug, thiserror::Error)]
    #[error("max fee per gas less than block base fee")]
    struct FeeCapTooLow;

    impl RefusingNode {
        fn new(accept: usize, refusal: fn() -> BroadcastError, fees: Fees) -> Self {
            Self { accept, refusal, fees, block: 1.into(), sent: Mutex::default() }
        }
        fn sent(&self) -> Vec<Fees> {
            self.sent.lock().expect("not poisoned").clone()
        }
        fn mine(&self) {
            self.block.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Settlement for RefusingNode {
        type Error = Unserved;
        fn chain_id(&self) -> u64 {
            31337
        }
        async fn call(&self, _: &TxRequest) -> Result<CallOutcome, Unserved> {
            Err(Unserved)
        }
        async fn call_at(&self, _: &TxRequest, _: u64) -> Result<CallOutcome, Unserved> {
            Err(Unserved)
        }
        async fn send(&self, _: TxRequest) -> Result<Receipt, Unserved> {
            Err(Unserved)
        }
        async fn block_number(&self) -> Result<u64, Unserved> {
            Ok(self.block.load(std::sync::atomic::Ordering::SeqCst))
        }
        async fn block_hash(&self, _: u64) -> Result<Option<B256>, Unserved> {
            Ok(None)
        }
        async fn timestamp(&self) -> Result<u64, Unserved> {
            Ok(1_700_000_000)
        }
        async fn logs(&self, _: &LogQuery) -> Result<Vec<ChainLog>, Unserved> {
            Ok(vec![])
        }
    }

    impl Broadcast for RefusingNode {
        async fn nonce(&self, _: Address, pending: bool) -> Result<u64, Unserved> {
            // Nothing is mined; what was taken waits in the pool.
            let taken = self.sent.lock().expect("not poisoned").len().min(self.accept);
            Ok(if pending { taken as u64 } else { 0 })
        }
        async fn fees(&self) -> Result<Fees, Unserved> {
            Ok(self.fees)
        }
        async fn estimate(&self, _: &TxRequest) -> Result<Result<u64, Bytes>, Unserved> {
            Ok(Ok(50_000))
        }
        async fn broadcast(
            &self,
            _: &TxRequest,
            nonce: u64,
            fees: Fees,
        ) -> Result<B256, BroadcastError> {
            assert_eq!(nonce, 0, "nothing was mined: every offer is at nonce 0");
            let mut sent = self.sent.lock().expect("not poisoned");
            sent.push(fees);
            if sent.len() <= self.accept { Ok(B256::repeat_byte(1)) } else { Err((self.refusal)()) }
        }
        async fn receipt(&self, _: B256) -> Result<Option<Receipt>, Unserved> {
            Ok(None)
        }
    }

    fn nowhere() -> Deployment {
        Deployment {
            chain_id: 31337,
            accountant: Address::ZERO,
            english: Address::ZERO,
            dutch: Address::ZERO,
            gov_token: Address::ZERO,
            stablecoin: Address::ZERO,
            oracle: Address::ZERO,
            sink: Address::ZERO,
            deployer: Address::ZERO,
            from_block: 0,
            aave: None,
            waterfall: None,
        }
    }

    fn a_bid(m: &TxManager) -> TxRequest {
        TxRequest::call(m.from(), Address::repeat_byte(0x43), Bytes::new())
    }

    /// Makes the transaction at `nonce` overdue for replacement, without waiting.
    fn overdue(m: &mut TxManager, nonce: u64) {
        let p = m.pending.get_mut(&nonce).expect("in flight");
        p.sent_at = Instant::now().checked_sub(m.policy.replace_after * 2).expect("uptime");
    }

    /// Issue 13, item 10: a replacement the node refuses ("replacement transaction underpriced")
    /// still raises the next offer, up to the cap, and then the manager waits instead of sending
    /// the same refused fees again; after a refusal it waits `replace_after` like after a success.
    #[tokio::test]
    async fn a_refused_replacement_raises_the_next_offer_up_to_the_cap_then_waits() {
        let node = RefusingNode::new(
            1,
            || BroadcastError::Underpriced,
            Fees { max_fee: 2 * GWEI, priority: GWEI },
        );
        let me = Address::repeat_byte(0x42);
        let cap = 3 * GWEI;
        let policy = FeePolicy {
            max_fee_cap: Some(cap),
            bump_percent: 20,
            replace_after: Duration::from_secs(60),
        };
        let mut m = TxManager::new(&node, me, policy).await.unwrap();
        let tx = a_bid(&m);
        let nonce = m.submit(&node, &nowhere(), TxKind::Bid, "dent".into(), tx).await.unwrap();
        assert_eq!(nonce, 0);
        // Due: one replacement, refused.
        overdue(&mut m, nonce);
        assert!(m.poll(&node).await.unwrap().is_empty());
        assert_eq!(node.sent().len(), 2);
        // Not due again right after the refusal: nothing is sent.
        for _ in 0..5 {
            m.poll(&node).await.unwrap();
        }
        assert_eq!(node.sent().len(), 2, "a refused replacement was sent again at once");
        // Due again and again: each offer above the refused one, until the cap; then nothing.
        for _ in 0..30 {
            overdue(&mut m, nonce);
            m.poll(&node).await.unwrap();
        }
        let sent = node.sent();
        for w in sent.windows(2) {
            assert!(
                w[1].max_fee >= w[0].max_fee && w[1].priority >= w[0].priority && w[1] != w[0],
                "a refused offer was repeated or lowered: {sent:?}"
            );
        }
        assert!(sent.iter().all(|f| f.max_fee <= cap && f.priority <= f.max_fee), "{sent:?}");
        assert_eq!(sent.last().unwrap().max_fee, cap, "the offers reach the cap: {sent:?}");
        assert!(sent.len() < 20, "still offering at the cap: {} sends", sent.len());
        assert_eq!(m.replacements, 0, "none was accepted");
        assert_eq!(m.pending().count(), 1, "still waiting for the base fee to fall");
    }

    #[test]
    fn bumps_are_at_least_one_wei_and_capped() {
        let f = Fees { max_fee: 100, priority: 5 };
        assert_eq!(f.bumped(13, None), Fees { max_fee: 113, priority: 6 });
        assert_eq!(f.bumped(50, Some(120)), Fees { max_fee: 120, priority: 7 });
        assert_eq!(Fees::default().bumped(10, None), Fees { max_fee: 1, priority: 1 });
    }

    /// A base fee above the cap: the node refuses a new transaction at the capped fees. The
    /// manager says so ([`SubmitError::AboveCap`], not a node failure) and asks again only at a
    /// later block, whatever the number of submissions meanwhile.
    #[tokio::test]
    async fn a_new_transaction_refused_at_the_cap_waits_for_the_next_block() {
        // The node asks 2 × 12 gwei + 1 gwei; the cap is 4 gwei.
        let node = RefusingNode::new(
            0,
            || BroadcastError::other(FeeCapTooLow),
            Fees { max_fee: 25 * GWEI, priority: GWEI },
        );
        let policy = FeePolicy { max_fee_cap: Some(4 * GWEI), ..FeePolicy::default() };
        let mut m = TxManager::new(&node, Address::repeat_byte(0x42), policy).await.unwrap();
        for block in 1..=3 {
            for i in 0..5 {
                let tx = a_bid(&m);
                let e = m
                    .submit(&node, &nowhere(), TxKind::Bid, format!("dent:{i}"), tx)
                    .await
                    .unwrap_err();
                assert!(e.is_above_cap(), "{e}");
            }
            assert_eq!(node.sent().len(), block as usize, "one refused offer per block");
            node.mine();
        }
        assert!(node.sent().iter().all(|f| *f == Fees { max_fee: 4 * GWEI, priority: GWEI }));
        assert_eq!(m.pending().count(), 0);
    }
}
