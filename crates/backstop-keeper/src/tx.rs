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
//!
//! ## Private submission
//!
//! With a relay ([`TxManager::set_private`]) every transaction is signed here
//! ([`Broadcast::sign`]) and its bytes go to the relay only; state, nonces, fee estimates and
//! receipts still come from the public node. A transaction not mined `fallback_blocks` blocks
//! after it first went to the relay is sent to the public node as the very same bytes
//! (`eth_sendRawTransaction`): one nonce, one signature, so whichever copy lands, it lands once.
//!
//! ```text
//!  sign ─► relay ─ refused or unreachable? ─► public node at once
//!            │ taken (block b)
//!  poll: mined? ─► Confirmed │ head ≥ b + fallback_blocks? ─► the same bytes to the public node
//!  stuck: replaced at the same nonce (fees +bump%): to the relay while private (the fallback
//!         clock keeps counting from b), to the public node once it fell back
//! ```
//!
//! The public node does not see a private transaction, so its pending nonce stays below ours
//! until the transaction is mined: the check for transactions the node lost compares it with the
//! lowest nonce still private, not with the next one.
//!
//! ## Gas spending caps
//!
//! A [`GasLedger`] charges each transaction what it can cost at most when it is sent
//! (`gas limit × maxFeePerGas`, wei of the native token), replaces that with what it cost
//! (`gasUsed × effectiveGasPrice`) when it is mined, and with nothing when it is given up. A
//! transaction whose charge would take a cap above its limit is not sent ([`SubmitError::GasCap`]),
//! nor a replacement whose higher fees would:
//!
//! - per auction ([`GasCaps::per_auction`]): everything charged to transactions about one auction
//!   (bids, takes, deals, ticks, resets); only bids and takes are stopped by it, so a won auction
//!   is always settled;
//! - per hour ([`GasCaps::per_hour`]): everything charged to transactions sent in the last
//!   [`CAP_WINDOW_SECS`] seconds of chain time (block timestamps, [`TxManager::set_clock`]); it
//!   stops every kind of transaction. Chain time, not the wall clock: it is what the auctions run
//!   on, it follows the wall clock within a slot on a live network, and a replay or a test moves it
//!   explicitly.

use alloy_primitives::{Address, B256, Bytes};
use backstop_chain::{
    Adapter, BoxError, Broadcast, BroadcastError, Fees, RawRelay, Receipt, TxRequest,
};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
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

/// The auction a transaction is about, for the per-auction gas cap and P&L.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuctionKey {
    /// An English auction, by id.
    English(u64),
    /// A Dutch sale, by id.
    Dutch(u64),
}

impl AuctionKey {
    /// `english` or `dutch`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::English(_) => "english",
            Self::Dutch(_) => "dutch",
        }
    }

    /// The auction's id in its house.
    pub fn id(self) -> u64 {
        match self {
            Self::English(id) | Self::Dutch(id) => id,
        }
    }
}

impl std::fmt::Display for AuctionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

impl serde::Serialize for AuctionKey {
    /// As its display, `english:5`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The length of the window of [`GasCaps::per_hour`], seconds of chain time.
pub const CAP_WINDOW_SECS: u64 = 3_600;

/// Caps on what gas may cost, wei of the native token; `None` = no cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GasCaps {
    /// Everything charged to the transactions about one auction, wei.
    pub per_auction: Option<u128>,
    /// Everything charged to the transactions sent in the last [`CAP_WINDOW_SECS`] seconds of
    /// chain time, wei.
    pub per_hour: Option<u128>,
}

/// Which cap a transaction would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapKind {
    /// [`GasCaps::per_auction`], for this auction.
    PerAuction(AuctionKey),
    /// [`GasCaps::per_hour`].
    PerHour,
}

impl std::fmt::Display for CapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PerAuction(a) => write!(f, "per-auction gas cap ({a})"),
            Self::PerHour => f.write_str("per-hour gas cap"),
        }
    }
}

/// A transaction over a gas cap: `spent + cost > limit`, all wei of the native token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapHit {
    /// The cap.
    pub cap: CapKind,
    /// Its limit, wei.
    pub limit: u128,
    /// Already charged against it (mined, and the most that transactions in flight can cost), wei.
    pub spent: u128,
    /// The most this transaction (or the raise of a replacement) can cost, wei.
    pub cost: u128,
}

impl std::fmt::Display for CapHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} wei charged + {} wei for this one > {} wei",
            self.cap, self.spent, self.cost, self.limit
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Charge {
    /// Chain time it was sent at, seconds.
    at: u64,
    auction: Option<AuctionKey>,
    /// Wei: the most it can cost while in flight, what it cost once mined.
    wei: u128,
    /// In flight (its charge may still change).
    open: bool,
}

/// What the transactions of one account were charged against the [`GasCaps`]. Pure bookkeeping:
/// the caller says the time (chain time, seconds) and the amounts (wei).
#[derive(Debug, Clone, Default)]
pub struct GasLedger {
    caps: GasCaps,
    next_id: u64,
    charges: BTreeMap<u64, Charge>,
    by_auction: HashMap<AuctionKey, u128>,
}

impl GasLedger {
    /// An empty ledger under `caps`.
    pub fn new(caps: GasCaps) -> Self {
        Self { caps, ..Self::default() }
    }

    /// The caps.
    pub fn caps(&self) -> GasCaps {
        self.caps
    }

    /// Wei charged to transactions sent in the window ending at `now` (sent after
    /// `now − CAP_WINDOW_SECS`).
    pub fn hour_total(&self, now: u64) -> u128 {
        let from = now.saturating_sub(CAP_WINDOW_SECS);
        self.charges.values().filter(|c| c.at > from).map(|c| c.wei).sum()
    }

    /// Wei charged to transactions about `auction`.
    pub fn auction_total(&self, auction: AuctionKey) -> u128 {
        self.by_auction.get(&auction).copied().unwrap_or_default()
    }

    /// Whether a transaction of `kind` about `auction`, sent at `now` and costing at most `cost`
    /// wei more, stays within the caps (the per-auction cap stops bids only).
    pub fn check(
        &self,
        kind: TxKind,
        auction: Option<AuctionKey>,
        now: u64,
        cost: u128,
    ) -> Result<(), CapHit> {
        if let Some(limit) = self.caps.per_hour {
            let spent = self.hour_total(now);
            if spent.saturating_add(cost) > limit {
                return Err(CapHit { cap: CapKind::PerHour, limit, spent, cost });
            }
        }
        if let (Some(limit), Some(a), TxKind::Bid) = (self.caps.per_auction, auction, kind) {
            let spent = self.auction_total(a);
            if spent.saturating_add(cost) > limit {
                return Err(CapHit { cap: CapKind::PerAuction(a), limit, spent, cost });
            }
        }
        Ok(())
    }

    /// Charges a transaction sent at `now` that can cost at most `wei`; returns its id.
    pub fn charge(&mut self, auction: Option<AuctionKey>, now: u64, wei: u128) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.charges.insert(id, Charge { at: now, auction, wei, open: true });
        if let Some(a) = auction {
            let t = self.by_auction.entry(a).or_default();
            *t = t.saturating_add(wei);
        }
        id
    }

    /// Sets charge `id` to `wei`: a replacement's higher worst case (`open`), or what the mined
    /// transaction cost, or 0 for one given up (closed).
    pub fn set(&mut self, id: u64, wei: u128, open: bool) {
        let Some(c) = self.charges.get_mut(&id) else { return };
        if let Some(a) = c.auction {
            let t = self.by_auction.entry(a).or_default();
            *t = t.saturating_sub(c.wei).saturating_add(wei);
        }
        c.wei = wei;
        c.open = open;
    }

    /// Forgets closed charges sent before the window ending at `now` (per-auction totals keep
    /// them).
    pub fn prune(&mut self, now: u64) {
        let from = now.saturating_sub(CAP_WINDOW_SECS);
        self.charges.retain(|_, c| c.open || c.at > from);
    }

    /// Forgets an auction's total (it ended; nothing more is sent about it).
    pub fn forget_auction(&mut self, auction: AuctionKey) {
        self.by_auction.remove(&auction);
    }
}

/// A private relay and when to give up on it.
#[derive(Debug, Clone)]
pub struct PrivateRoute {
    /// The relay.
    pub relay: Arc<dyn RawRelay>,
    /// Blocks after the first private send at which a transaction not mined goes to the public
    /// node (≥ 1).
    pub fallback_blocks: u64,
}

/// The sender has no local key: only a locally signed transaction can go to a relay.
#[derive(Debug, thiserror::Error)]
#[error(
    "private submission needs the key of {0} (a local signer): the relay takes signed transactions only"
)]
pub struct NoLocalKey(pub Address);

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
    /// The auction it is about.
    pub auction: Option<AuctionKey>,
    /// The most it can cost (`gas limit × maxFeePerGas` of the last offer), wei.
    pub max_cost: u128,
    /// Its charge in the [`GasLedger`].
    charge: u64,
    /// The signed bytes of the last offer (private submission only).
    pub raw: Option<Bytes>,
    /// The head (block number) when it first went to the relay, while the public node has not
    /// been sent it.
    pub private_since: Option<u64>,
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
    /// The auction it was about.
    pub auction: Option<AuctionKey>,
    /// What its gas cost: `gasUsed × effectiveGasPrice`, wei.
    pub cost_wei: u128,
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
    /// Sending it would take a gas spending cap above its limit: not sent.
    #[error("{label} not sent: {hit}")]
    GasCap {
        /// What was attempted.
        label: String,
        /// The cap and the amounts.
        hit: CapHit,
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

    /// The gas spending cap it would exceed, if that is why it was not sent.
    pub fn gas_cap(&self) -> Option<&CapHit> {
        match self {
            Self::GasCap { hit, .. } => Some(hit),
            _ => None,
        }
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
    /// Gas spending caps and what was charged against them.
    pub ledger: GasLedger,
    /// Chain time, seconds: the time charges are made at ([`Self::set_clock`]).
    clock: u64,
    /// The private relay, if any.
    private: Option<PrivateRoute>,
    /// Transactions (and replacements) the relay took.
    pub private_sent: u64,
    /// Transactions sent to the public node after `fallback_blocks` blocks without inclusion.
    pub fallbacks: u64,
    /// Transactions the relay refused or did not answer, sent to the public node at once.
    pub relay_failures: u64,
    /// Labels of replacements held back by a gas cap (logged once each).
    capped_replacements: std::collections::HashSet<String>,
}

/// How a transaction went out.
struct Sent {
    hash: B256,
    raw: Option<Bytes>,
    /// To the relay only.
    private: bool,
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
            ledger: GasLedger::default(),
            clock: 0,
            private: None,
            private_sent: 0,
            fallbacks: 0,
            relay_failures: 0,
            capped_replacements: Default::default(),
        })
    }

    /// Sends every transaction from now on to `route`'s relay first (see the module docs).
    pub fn set_private(&mut self, route: PrivateRoute) {
        self.private = Some(route);
    }

    /// The private route, if any.
    pub fn private(&self) -> Option<&PrivateRoute> {
        self.private.as_ref()
    }

    /// Sets the gas spending caps (what was charged so far stays).
    pub fn set_caps(&mut self, caps: GasCaps) {
        self.ledger.caps = caps;
    }

    /// The chain time charges are made at from now on, seconds (the keeper's next-block time).
    pub fn set_clock(&mut self, now: u64) {
        self.clock = now;
        self.ledger.prune(now);
    }

    /// Signs and sends to the relay (or, with `public`, to the node), or without a relay
    /// broadcasts as before.
    async fn send_out<B: Broadcast>(
        &mut self,
        chain: &B,
        tx: &TxRequest,
        nonce: u64,
        fees: Fees,
        public: bool,
    ) -> Result<Sent, BroadcastError> {
        let Some(route) = self.private.clone() else {
            let hash = chain.broadcast(tx, nonce, fees).await?;
            return Ok(Sent { hash, raw: None, private: false });
        };
        let signed = chain
            .sign(tx, nonce, fees)
            .await?
            .ok_or_else(|| BroadcastError::other(NoLocalKey(tx.from)))?;
        if !public {
            match route.relay.send_raw(&signed.raw).await {
                Ok(_) => {
                    self.private_sent += 1;
                    return Ok(Sent { hash: signed.hash, raw: Some(signed.raw), private: true });
                }
                Err(e) => {
                    self.relay_failures += 1;
                    tracing::warn!(
                        relay = %route.relay.endpoint(), nonce, error = %crate::ErrorChain(&e),
                        "the relay did not take the transaction; sending it to the public node"
                    );
                }
            }
        }
        chain.send_raw(&signed.raw).await?;
        Ok(Sent { hash: signed.hash, raw: Some(signed.raw), private: false })
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
        tx: TxRequest,
    ) -> Result<u64, SubmitError> {
        self.submit_for(chain, adapter, kind, label, tx, None).await
    }

    /// [`Self::submit`] for a transaction about `auction` (charged to it under the gas caps).
    pub async fn submit_for<B: Broadcast, A: Adapter>(
        &mut self,
        chain: &B,
        adapter: &A,
        kind: TxKind,
        label: String,
        mut tx: TxRequest,
        auction: Option<AuctionKey>,
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
        let gas_limit = gas.saturating_add(gas / 4);
        tx.gas_limit = Some(gas_limit);
        let cost = |f: Fees| u128::from(gas_limit).saturating_mul(f.max_fee);
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
        if let Some((_, old)) = takeover {
            let bumped = old.bumped(self.policy.bump_percent, self.policy.max_fee_cap);
            fees = Fees {
                max_fee: fees.max_fee.max(bumped.max_fee),
                priority: fees.priority.max(bumped.priority),
            };
        }
        // Within the gas caps (the settlement a bid would take over still counted).
        if let Err(hit) = self.ledger.check(kind, auction, self.clock, cost(fees)) {
            return Err(SubmitError::GasCap { label, hit });
        }
        let nonce = match takeover {
            Some((n, _)) => {
                if let Some(p) = self.pending.remove(&n) {
                    self.ledger.set(p.charge, 0, false);
                    tracing::info!(nonce = n, settlement = %p.label, bid = %label, "bid takes over a waiting settlement's nonce");
                }
                n
            }
            None => self.next_nonce,
        };
        let (mut attempt, mut reread) = (0, false);
        let (nonce, sent) = loop {
            attempt += 1;
            if let Err(hit) = self.ledger.check(kind, auction, self.clock, cost(fees)) {
                // Fees raised after a refusal: still within the caps?
                return Err(SubmitError::GasCap { label, hit });
            }
            let n = if takeover.is_some() && attempt == 1 { nonce } else { self.next_nonce };
            let bumped = fees.bumped(self.policy.bump_percent.max(10), self.policy.max_fee_cap);
            match self.send_out(chain, &tx, n, fees, false).await {
                Ok(s) => break (n, s),
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
        let max_cost = cost(fees);
        let charge = self.ledger.charge(auction, self.clock, max_cost);
        let private_since = if sent.private {
            Some(chain.block_number().await.map_err(|e| node(&label, e))?)
        } else {
            None
        };
        self.pending.insert(
            nonce,
            Pending {
                label,
                kind,
                tx,
                hashes: vec![sent.hash],
                fees,
                sent_at: now,
                submitted_at: now,
                consumed_at: None,
                auction,
                max_cost,
                charge,
                raw: sent.raw,
                private_since,
            },
        );
        Ok(nonce)
    }

    /// Takes nonce `n` (its transaction `p`) out of the pending set as mined with `receipt`.
    fn confirm(&mut self, n: u64, p: Pending, receipt: Receipt) -> Confirmed {
        self.pending.remove(&n);
        let cost_wei = u128::from(receipt.gas_used) * receipt.effective_gas_price;
        self.gas_used += receipt.gas_used;
        self.gas_paid += cost_wei;
        self.ledger.set(p.charge, cost_wei, false);
        Confirmed {
            label: p.label,
            kind: p.kind,
            receipt,
            latency: p.submitted_at.elapsed(),
            auction: p.auction,
            cost_wei,
        }
    }

    /// Collects receipts; replaces what has waited longer than `replace_after`; drops what the same
    /// account replaced elsewhere.
    pub async fn poll<B: Broadcast>(&mut self, chain: &B) -> Result<Vec<Confirmed>, B::Error> {
        let mut done = Vec::new();
        if self.pending.is_empty() {
            return Ok(done);
        }
        let mined_nonce = chain.nonce(self.from, false).await?;
        // The head, for the fallback of private transactions.
        let head = match self.pending.values().any(|p| p.private_since.is_some()) {
            true => Some(chain.block_number().await?),
            false => None,
        };
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
                        self.ledger.set(p.charge, 0, false);
                        self.pending.remove(&n);
                        self.dropped.push(p.label.clone());
                        self.resyncs += 1;
                    }
                    Some(_) => {}
                }
                continue;
            }
            if let (Some(since), Some(head), Some(route)) = (p.private_since, head, &self.private)
                && head >= since.saturating_add(route.fallback_blocks)
            {
                // Not included through the relay: the same bytes to the public node.
                let fallback_blocks = route.fallback_blocks;
                let result = match &p.raw {
                    Some(raw) => chain_send_raw(chain, raw).await,
                    None => Ok(()),
                };
                self.fallbacks += 1;
                match result {
                    Ok(()) => {
                        tracing::info!(nonce = n, label = %p.label, fallback_blocks, "not included through the relay; sent to the public node")
                    }
                    // Mined meanwhile: the next poll sees it.
                    Err(BroadcastError::NonceTooLow) => {}
                    Err(e) => {
                        tracing::warn!(nonce = n, label = %p.label, error = %crate::ErrorChain(&e), "the public node refused the fallback; a replacement goes to it")
                    }
                }
                if let Some(e) = self.pending.get_mut(&n) {
                    e.private_since = None;
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
                // The higher fees within the gas caps, or the transaction stays as it is.
                let gas_limit = u128::from(p.tx.gas_limit.unwrap_or_default());
                let max_cost = gas_limit.saturating_mul(fees.max_fee);
                let raise = max_cost.saturating_sub(p.max_cost);
                if let Err(hit) = self.ledger.check(p.kind, p.auction, self.clock, raise) {
                    if self.capped_replacements.insert(p.label.clone()) {
                        tracing::info!(nonce = n, label = %p.label, reason = %hit, "not replaced: a gas cap");
                    }
                    continue;
                }
                let result = self.send_out(chain, &p.tx, n, fees, p.private_since.is_none()).await;
                let e = self.pending.get_mut(&n).expect("present");
                // Whether or not the node took it, the next attempt waits `replace_after` and
                // starts from these fees: a refusal must not freeze the fee (nor retry every poll).
                e.fees = fees;
                e.sent_at = Instant::now();
                match result {
                    Ok(s) => {
                        self.replacements += 1;
                        tracing::info!(nonce = n, label = %p.label, max_fee = fees.max_fee, "replaced a stuck transaction");
                        e.hashes.push(s.hash);
                        e.raw = s.raw.or(e.raw.take());
                        e.max_cost = e.max_cost.max(max_cost);
                        let (charge, at_most) = (e.charge, e.max_cost);
                        self.ledger.set(charge, at_most, true);
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
        // What the node should count: up to the first transaction it was not sent (private).
        let expected = self
            .pending
            .iter()
            .find(|(_, p)| p.private_since.is_some())
            .map_or(self.next_nonce, |(n, _)| *n);
        if node_pending < expected && self.foreign_until == 0 {
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
                        self.ledger.set(p.charge, 0, false);
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

/// Sends signed bytes to the public node; the hash is known already.
async fn chain_send_raw<B: Broadcast>(chain: &B, raw: &Bytes) -> Result<(), BroadcastError> {
    chain.send_raw(raw).await.map(|_| ())
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

    /// A node that mines nothing by itself and answers no call: its block number is its `block`
    /// field, which the test advances.
    macro_rules! idle_settlement {
        ($node:ty) => {
            impl Settlement for $node {
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
        };
    }

    idle_settlement!(RefusingNode);

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

    /// A node that never mines and signs with a stand-in key: the "signature" is the nonce and
    /// fees as text, so every offer has its own bytes. Records what it was sent raw.
    #[derive(Debug, Default)]
    struct RawNode {
        block: std::sync::atomic::AtomicU64,
        public: Mutex<Vec<Bytes>>,
        broadcasts: std::sync::atomic::AtomicU64,
    }

    impl RawNode {
        fn public(&self) -> Vec<Bytes> {
            self.public.lock().expect("not poisoned").clone()
        }
        fn mine(&self) {
            self.block.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    idle_settlement!(RawNode);

    impl Broadcast for RawNode {
        async fn nonce(&self, _: Address, pending: bool) -> Result<u64, Unserved> {
            // Nothing is mined; the pool holds what it was sent (one nonce each here).
            Ok(if pending { self.public().len() as u64 } else { 0 })
        }
        async fn fees(&self) -> Result<Fees, Unserved> {
            Ok(Fees { max_fee: 2 * GWEI, priority: GWEI })
        }
        async fn estimate(&self, _: &TxRequest) -> Result<Result<u64, Bytes>, Unserved> {
            Ok(Ok(50_000))
        }
        async fn broadcast(&self, _: &TxRequest, _: u64, _: Fees) -> Result<B256, BroadcastError> {
            self.broadcasts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(B256::repeat_byte(9))
        }
        async fn receipt(&self, _: B256) -> Result<Option<Receipt>, Unserved> {
            Ok(None)
        }
        async fn sign(
            &self,
            _: &TxRequest,
            nonce: u64,
            fees: Fees,
        ) -> Result<Option<backstop_chain::SignedTx>, BroadcastError> {
            let raw =
                Bytes::from(format!("{nonce}:{}:{}", fees.max_fee, fees.priority).into_bytes());
            Ok(Some(backstop_chain::SignedTx { hash: alloy_primitives::keccak256(&raw), raw }))
        }
        async fn send_raw(&self, raw: &Bytes) -> Result<B256, BroadcastError> {
            self.public.lock().expect("not poisoned").push(raw.clone());
            Ok(alloy_primitives::keccak256(raw))
        }
    }

    /// A relay that records what it takes, or refuses everything.
    #[derive(Debug, Default)]
    struct MockRelay {
        got: Mutex<Vec<Bytes>>,
        refuse: bool,
    }

    impl RawRelay for MockRelay {
        fn send_raw<'a>(
            &'a self,
            raw: &'a Bytes,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<B256, BroadcastError>> + Send + 'a>,
        > {
            Box::pin(async move {
                if self.refuse {
                    return Err(BroadcastError::other(Unserved));
                }
                self.got.lock().expect("not poisoned").push(raw.clone());
                Ok(alloy_primitives::keccak256(raw))
            })
        }
        fn endpoint(&self) -> String {
            "mock://relay".into()
        }
    }

    fn patient() -> FeePolicy {
        FeePolicy { replace_after: Duration::from_secs(3_600), ..FeePolicy::default() }
    }

    /// With a relay, a transaction goes to the relay only; after `fallback_blocks` blocks without
    /// it being mined, the public node gets the very same bytes, once. Meanwhile the public node's
    /// pending nonce, below ours because it never saw the transaction, is not taken for a node
    /// that lost transactions.
    #[tokio::test]
    async fn a_private_transaction_goes_public_after_fallback_blocks_as_the_same_bytes() {
        let node = RawNode::default();
        node.mine(); // head 1
        let relay = Arc::new(MockRelay::default());
        let mut m = TxManager::new(&node, Address::repeat_byte(0x42), patient()).await.unwrap();
        m.set_private(PrivateRoute { relay: relay.clone(), fallback_blocks: 3 });
        let tx = a_bid(&m);
        let nonce = m.submit(&node, &nowhere(), TxKind::Bid, "dent:1".into(), tx).await.unwrap();
        assert_eq!(nonce, 0);
        let got = relay.got.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "the relay got the transaction");
        assert!(node.public().is_empty(), "the public node got it too");
        assert_eq!(node.broadcasts.load(std::sync::atomic::Ordering::SeqCst), 0);
        let (_, p) = m.pending().next().unwrap();
        assert_eq!(p.private_since, Some(1));
        assert_eq!(p.hashes, vec![alloy_primitives::keccak256(&got[0])]);
        // Heads 2 and 3: still private (two polls each: the lost-transaction check would drop it).
        for _ in 0..2 {
            node.mine();
            m.poll(&node).await.unwrap();
            m.poll(&node).await.unwrap();
            assert!(node.public().is_empty(), "fell back before 3 blocks");
            assert_eq!(m.pending().count(), 1, "given up as lost by the node");
            assert!(m.drained(&node).await.unwrap());
        }
        // Head 4 = 1 + 3: the same bytes to the public node.
        node.mine();
        m.poll(&node).await.unwrap();
        assert_eq!(node.public(), got, "the public node did not get the same signed bytes");
        assert_eq!(m.fallbacks, 1);
        assert_eq!(m.private_sent, 1);
        assert_eq!(m.pending().next().unwrap().1.private_since, None);
        for _ in 0..3 {
            node.mine();
            m.poll(&node).await.unwrap();
        }
        assert_eq!(node.public().len(), 1, "sent to the public node more than once");
        assert_eq!(relay.got.lock().unwrap().len(), 1);
    }

    /// A relay that refuses: the transaction goes to the public node at once (same bytes).
    #[tokio::test]
    async fn a_refusing_relay_sends_to_the_public_node_at_once() {
        let node = RawNode::default();
        let relay = Arc::new(MockRelay { refuse: true, ..MockRelay::default() });
        let mut m = TxManager::new(&node, Address::repeat_byte(0x42), patient()).await.unwrap();
        m.set_private(PrivateRoute { relay, fallback_blocks: 3 });
        let tx = a_bid(&m);
        m.submit(&node, &nowhere(), TxKind::Bid, "dent:1".into(), tx).await.unwrap();
        assert_eq!(node.public().len(), 1);
        assert_eq!((m.relay_failures, m.private_sent), (1, 0));
        assert_eq!(m.pending().next().unwrap().1.private_since, None);
    }

    /// A bid whose worst case (gas limit × maxFeePerGas) would take its auction's charges above
    /// the per-auction cap is not sent; a settlement of the same auction is; another auction's bid
    /// is.
    #[tokio::test]
    async fn a_bid_over_the_per_auction_cap_is_not_sent() {
        let node = RawNode::default();
        let mut m = TxManager::new(&node, Address::repeat_byte(0x42), patient()).await.unwrap();
        // 50,000 gas estimated + 25% = 62,500 gas limit, at 2 gwei: 125,000 gwei at most.
        let worst = 62_500 * 2 * GWEI;
        m.set_caps(GasCaps { per_auction: Some(worst + worst / 2), per_hour: None });
        m.set_clock(1_000);
        let a = Some(AuctionKey::English(1));
        let tx = a_bid(&m);
        m.submit_for(&node, &nowhere(), TxKind::Bid, "dent:1:a".into(), tx, a).await.unwrap();
        assert_eq!(m.ledger.auction_total(AuctionKey::English(1)), worst);
        let tx = a_bid(&m);
        let e = m
            .submit_for(&node, &nowhere(), TxKind::Bid, "dent:1:b".into(), tx, a)
            .await
            .unwrap_err();
        let hit = *e.gas_cap().expect("a gas cap");
        assert_eq!(
            hit,
            CapHit {
                cap: CapKind::PerAuction(AuctionKey::English(1)),
                limit: worst + worst / 2,
                spent: worst,
                cost: worst
            }
        );
        assert!(e.to_string().contains("per-auction gas cap (english:1)"), "{e}");
        assert_eq!(node.broadcasts.load(std::sync::atomic::Ordering::SeqCst), 1);
        let tx = a_bid(&m);
        m.submit_for(&node, &nowhere(), TxKind::Settle, "deal:1".into(), tx, a).await.unwrap();
        let tx = a_bid(&m);
        let other = Some(AuctionKey::English(2));
        m.submit_for(&node, &nowhere(), TxKind::Bid, "dent:2".into(), tx, other).await.unwrap();
        assert_eq!(node.broadcasts.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    /// The hourly window: charges count for 3,600 s of chain time from their sending, then drop
    /// out; an open charge (in flight) is never pruned; a mined one counts at what it cost.
    #[test]
    fn the_hourly_window_rolls_over() {
        let mut l = GasLedger::new(GasCaps { per_auction: None, per_hour: Some(1_000) });
        let a = l.charge(None, 1_000, 600);
        l.charge(Some(AuctionKey::Dutch(3)), 2_000, 300);
        assert_eq!(l.hour_total(2_500), 900);
        let hit = l.check(TxKind::Kick, None, 2_500, 101).unwrap_err();
        assert_eq!(hit, CapHit { cap: CapKind::PerHour, limit: 1_000, spent: 900, cost: 101 });
        assert!(l.check(TxKind::Kick, None, 2_500, 100).is_ok(), "the cap itself is allowed");
        // 1,000 + 3,600: the first charge is out of the window.
        assert_eq!(l.hour_total(4_599), 900);
        assert_eq!(l.hour_total(4_600), 300);
        assert!(l.check(TxKind::Bid, None, 4_600, 700).is_ok());
        // Mined for less than its worst case: counts at what it cost.
        l.set(a, 100, false);
        assert_eq!(l.hour_total(2_500), 400);
        // Pruning forgets closed charges out of the window, keeps open ones.
        let open = l.charge(None, 2_100, 50);
        l.prune(9_000);
        assert_eq!(l.hour_total(9_000), 0);
        l.set(open, 70, true);
        assert_eq!(l.hour_total(2_200), 370, "an open charge was pruned");
        // The per-auction total keeps what the window forgot.
        assert_eq!(l.auction_total(AuctionKey::Dutch(3)), 300);
        l.forget_auction(AuctionKey::Dutch(3));
        assert_eq!(l.auction_total(AuctionKey::Dutch(3)), 0);
    }

    /// Per auction: every transaction about the auction counts, only bids are stopped; a given-up
    /// transaction is released.
    #[test]
    fn the_per_auction_cap_counts_every_transaction_and_stops_bids() {
        let mut l = GasLedger::new(GasCaps { per_auction: Some(1_000), per_hour: None });
        let e1 = AuctionKey::English(1);
        let bid = l.charge(Some(e1), 10, 700);
        l.charge(Some(e1), 11, 200); // a tick
        assert_eq!(l.auction_total(e1), 900);
        assert!(l.check(TxKind::Bid, Some(e1), 12, 101).is_err());
        assert!(l.check(TxKind::Bid, Some(e1), 12, 100).is_ok());
        assert!(l.check(TxKind::Settle, Some(e1), 12, 10_000).is_ok(), "a deal is never stopped");
        assert!(l.check(TxKind::Bid, Some(AuctionKey::Dutch(1)), 12, 1_000).is_ok());
        assert!(l.check(TxKind::Bid, None, 12, 10_000).is_ok());
        l.set(bid, 0, false); // given up
        assert_eq!(l.auction_total(e1), 200);
    }
}
