//! Prometheus metrics of a keeper, and the HTTP endpoint that serves them with `/healthz`.
//!
//! Every series carries the label `keeper` (the configuration's `name`). Amounts of stablecoin
//! and tokens are whole units as floats: Prometheus stores every sample as a float64, exact to
//! about 15 significant digits, so a wei-exact series could not be compared in a rule anyway
//! (the exact WAD amounts are in the keeper's summary and logs).
//!
//! | metric | kind | unit |
//! |---|---|---|
//! | `backstop_auctions_seen_total` | counter | auctions (English and Dutch) discovered |
//! | `backstop_bids_sent_total` | counter | bids and takes broadcast |
//! | `backstop_bids_won_total` | counter | English auctions dealt to us, Dutch takes mined |
//! | `backstop_bids_lost_total` | counter | our English high bids outbid |
//! | `backstop_bids_failed_total{reason}` | counter | bids, takes and pledges that did not land, by `reason` (below) |
//! | `backstop_tokens_bought` | gauge | governance tokens received (whole tokens) |
//! | `backstop_stablecoin_spent` | gauge | stablecoin paid (whole units) |
//! | `backstop_stablecoin_balance` | gauge | the keeper account's stablecoin balance at the last block read (whole units) |
//! | `backstop_next_bid_stablecoin` | gauge | stablecoin the largest bid, take or pledge the keeper decided on in its last step needs (whole units; 0: none) |
//! | `backstop_pending_transactions` | gauge | transactions sent and not yet seen mined |
//! | `backstop_oldest_pending_seconds` | gauge | seconds since the oldest of them was first submitted, at scrape time (0: none) |
//! | `backstop_last_block_number` | gauge | the newest block the keeper has read |
//! | `backstop_last_block_timestamp_seconds` | gauge | that block's timestamp (Unix seconds, the chain's clock) |
//! | `backstop_live_auctions{kind}` | gauge | live auctions, `kind` = `english` or `dutch` |
//! | `backstop_english_auction_bidders{id}` | gauge | distinct accounts that have bid on live English auction `id` |
//! | `backstop_english_auction_price_to_oracle{id}` | gauge | its standing price (bid ÷ lot) over the oracle's price (1 = at the oracle) |
//! | `backstop_english_auction_seconds_left{id}` | gauge | seconds until it can be dealt (the bid's expiry or the auction's end, the earlier) |
//! | `backstop_gas_spent_total` | counter | gas used by our mined transactions |
//! | `backstop_bid_latency_seconds` | histogram | from an auction's state change seen to our bid mined |
//!
//! `reason` of a failed bid: `race_lost` (another keeper got there first: the simulation or the
//! mined transaction reverted on an outbid or a finished auction; routine under competition),
//! `reverted` (the simulation reverted for another reason: allowance, balance, parameters),
//! `fee_cap` (not sent: the node's base fee is above the fee cap), `node` (the node refused or
//! failed the submission). Every reason is exported from the start, at 0.
//!
//! The three `backstop_english_auction_*` series exist for each live English auction and are
//! removed when it ends; together they carry the Black Thursday signal (an auction about to be won
//! by a single bidder below the oracle's price): `price_to_oracle < 1 and bidders == 1 and
//! seconds_left < 600`. Bidders are counted from the bids the keeper has seen since it started (a
//! restarted keeper counts the standing high bidder of each auction as its one bidder until
//! another bids). Dutch sales have no such series: a Dutch sale sells at its falling price to the
//! first taker, there is no bidder to stand alone.
//!
//! # `/healthz`
//!
//! The same server answers `GET /healthz` with `200` and a JSON body when the keeper has seen a
//! new block within [`HealthPolicy::max_age`] (measured on the keeper's own monotonic clock from
//! when it first read its newest block), and `503` with the same body otherwise:
//!
//! ```text
//! {"status":"ok","keeper":"k1","block":1234,"block_timestamp":1700000000,
//!  "seconds_since_new_block":3.1,"max_age_seconds":60.0,"pending_transactions":0}
//! ```
//!
//! `status` is `stale` with 503. A keeper whose loop is stuck, whose node stopped answering or
//! whose chain stopped producing blocks turns stale; so does a keeper on a dev chain that mines
//! only on transactions while nothing is sent. The age is given in seconds or in blocks
//! ([`HealthPolicy::parse`]: `60s`, `5blocks` at a block time).

use crate::{Error, Result};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, atomic::AtomicU64},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// Why a bid, take or pledge did not land (the `reason` label of `backstop_bids_failed_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BidFailure {
    /// Another keeper got there first (outbid, auction gone): reverted in simulation or mined.
    RaceLost,
    /// The simulation reverted for another reason (allowance, balance, parameters).
    Reverted,
    /// Not sent: the node's base fee is above the fee cap.
    FeeCap,
    /// The node refused or failed the submission.
    Node,
}

impl BidFailure {
    /// Every reason, in the order they are exported.
    pub const ALL: [Self; 4] = [Self::RaceLost, Self::Reverted, Self::FeeCap, Self::Node];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RaceLost => "race_lost",
            Self::Reverted => "reverted",
            Self::FeeCap => "fee_cap",
            Self::Node => "node",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuctionLabel {
    id: u64,
}

/// What the Black Thursday signal needs of one live English auction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnglishSignal {
    /// Distinct accounts that have bid on it (0 before the first bid).
    pub bidders: u64,
    /// Its standing price (bid ÷ lot, stablecoin per token) over the oracle's price; `None` when
    /// the oracle's price is 0.
    pub price_to_oracle: Option<f64>,
    /// Seconds until it can be dealt: until the earlier of the bid's expiry (`tic`) and the
    /// auction's end, from the time the keeper judges it at (the next block's).
    pub seconds_left: u64,
}

/// What the keeper last saw, shared with the HTTP server.
#[derive(Debug, Default)]
struct Observed {
    /// The newest block read: number and timestamp (seconds).
    block: Option<(u64, u64)>,
    /// When the keeper first read that block (a new number).
    new_block_at: Option<Instant>,
    /// Transactions in flight.
    pending: u64,
    /// When the oldest of them was first submitted.
    oldest_pending: Option<Instant>,
}

/// The keeper's metrics (cheap to clone: shared counters).
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Auctions discovered.
    pub auctions_seen: Counter,
    /// Bids and takes broadcast.
    pub bids_sent: Counter,
    /// Auctions won (English deals to us, Dutch takes mined).
    pub bids_won: Counter,
    /// Our high bids outbid.
    pub bids_lost: Counter,
    /// Governance tokens received, whole tokens.
    pub tokens_bought: Gauge<f64, AtomicU64>,
    /// Stablecoin paid, whole units.
    pub stablecoin_spent: Gauge<f64, AtomicU64>,
    /// The keeper account's stablecoin balance at the last block read, whole units.
    pub stablecoin_balance: Gauge<f64, AtomicU64>,
    /// Stablecoin the largest bid, take or pledge decided on in the last step needs, whole units
    /// (0 when the keeper wants to bid on nothing).
    pub next_bid_stablecoin: Gauge<f64, AtomicU64>,
    /// Gas used by our mined transactions.
    pub gas_spent: Counter,
    /// Seconds from a state change seen to our bid mined.
    pub bid_latency: Histogram,
    bids_failed: Family<ReasonLabel, Counter>,
    pending_transactions: Gauge,
    oldest_pending_seconds: Gauge<f64, AtomicU64>,
    last_block_number: Gauge,
    last_block_timestamp: Gauge,
    live_auctions: Family<KindLabel, Gauge>,
    english_bidders: Family<AuctionLabel, Gauge>,
    english_price_to_oracle: Family<AuctionLabel, Gauge<f64, AtomicU64>>,
    english_seconds_left: Family<AuctionLabel, Gauge>,
    name: Arc<str>,
    observed: Arc<Mutex<Observed>>,
    registry: Arc<Registry>,
}

fn gauge_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Metrics {
    /// New metrics, registered under `backstop_` with a `keeper` label.
    pub fn new(keeper: &str) -> Self {
        let mut registry = Registry::with_prefix_and_labels(
            "backstop",
            [(std::borrow::Cow::Borrowed("keeper"), std::borrow::Cow::Owned(keeper.to_owned()))]
                .into_iter(),
        );
        let m = Self {
            auctions_seen: Counter::default(),
            bids_sent: Counter::default(),
            bids_won: Counter::default(),
            bids_lost: Counter::default(),
            tokens_bought: Gauge::default(),
            stablecoin_spent: Gauge::default(),
            stablecoin_balance: Gauge::default(),
            next_bid_stablecoin: Gauge::default(),
            gas_spent: Counter::default(),
            bid_latency: Histogram::new([
                0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
            ]),
            bids_failed: Family::default(),
            pending_transactions: Gauge::default(),
            oldest_pending_seconds: Gauge::default(),
            last_block_number: Gauge::default(),
            last_block_timestamp: Gauge::default(),
            live_auctions: Family::default(),
            english_bidders: Family::default(),
            english_price_to_oracle: Family::default(),
            english_seconds_left: Family::default(),
            name: Arc::from(keeper),
            observed: Arc::default(),
            registry: Arc::new(Registry::default()),
        };
        // Every reason and kind from the start, at 0: rules see a series before the first event.
        for r in BidFailure::ALL {
            let _ = m.bids_failed.get_or_create(&ReasonLabel { reason: r.as_str() });
        }
        for kind in ["english", "dutch"] {
            let _ = m.live_auctions.get_or_create(&KindLabel { kind });
        }
        registry.register("auctions_seen", "Auctions discovered", m.auctions_seen.clone());
        registry.register("bids_sent", "Bids and takes broadcast", m.bids_sent.clone());
        registry.register("bids_won", "Auctions won", m.bids_won.clone());
        registry.register("bids_lost", "High bids outbid", m.bids_lost.clone());
        registry.register(
            "bids_failed",
            "Bids, takes and pledges that did not land, by reason",
            m.bids_failed.clone(),
        );
        registry.register("tokens_bought", "Governance tokens received", m.tokens_bought.clone());
        registry.register("stablecoin_spent", "Stablecoin paid", m.stablecoin_spent.clone());
        registry.register(
            "stablecoin_balance",
            "Stablecoin balance of the keeper's account at the last block read, whole units",
            m.stablecoin_balance.clone(),
        );
        registry.register(
            "next_bid_stablecoin",
            "Stablecoin the largest bid, take or pledge decided on in the last step needs, whole units",
            m.next_bid_stablecoin.clone(),
        );
        registry.register(
            "pending_transactions",
            "Transactions sent and not yet seen mined",
            m.pending_transactions.clone(),
        );
        registry.register(
            "oldest_pending_seconds",
            "Seconds since the oldest pending transaction was first submitted",
            m.oldest_pending_seconds.clone(),
        );
        registry.register(
            "last_block_number",
            "The newest block the keeper has read",
            m.last_block_number.clone(),
        );
        registry.register(
            "last_block_timestamp_seconds",
            "Timestamp of the newest block the keeper has read, Unix seconds",
            m.last_block_timestamp.clone(),
        );
        registry.register("live_auctions", "Live auctions by kind", m.live_auctions.clone());
        registry.register(
            "english_auction_bidders",
            "Distinct accounts that have bid on a live English auction",
            m.english_bidders.clone(),
        );
        registry.register(
            "english_auction_price_to_oracle",
            "Standing price of a live English auction (bid / lot) over the oracle's price",
            m.english_price_to_oracle.clone(),
        );
        registry.register(
            "english_auction_seconds_left",
            "Seconds until a live English auction can be dealt",
            m.english_seconds_left.clone(),
        );
        registry.register("gas_spent", "Gas used by mined transactions", m.gas_spent.clone());
        registry.register(
            "bid_latency_seconds",
            "State change seen to bid mined",
            m.bid_latency.clone(),
        );
        Self { registry: Arc::new(registry), ..m }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Observed> {
        // The data is plain values: a panic elsewhere while holding the lock leaves them usable.
        self.observed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the newest block read: its number and timestamp (seconds). A number other than
    /// the last one restarts the `/healthz` clock.
    pub fn observe_block(&self, number: u64, timestamp: u64) {
        self.last_block_number.set(gauge_i64(number));
        self.last_block_timestamp.set(gauge_i64(timestamp));
        let mut o = self.state();
        if o.block.is_none_or(|(n, _)| n != number) {
            o.new_block_at = Some(Instant::now());
        }
        o.block = Some((number, timestamp));
    }

    /// The newest block recorded by [`Self::observe_block`]: number and timestamp (seconds).
    pub fn last_block(&self) -> Option<(u64, u64)> {
        self.state().block
    }

    /// Records the transactions in flight: how many, and when the oldest was first submitted.
    pub fn observe_pending(&self, count: u64, oldest: Option<Instant>) {
        self.pending_transactions.set(gauge_i64(count));
        let mut o = self.state();
        o.pending = count;
        o.oldest_pending = oldest;
    }

    /// Records the number of live auctions of each kind.
    pub fn observe_live(&self, english: u64, dutch: u64) {
        self.live_auctions.get_or_create(&KindLabel { kind: "english" }).set(gauge_i64(english));
        self.live_auctions.get_or_create(&KindLabel { kind: "dutch" }).set(gauge_i64(dutch));
    }

    /// Records live English auction `id`'s Black Thursday signal.
    pub fn observe_english(&self, id: u64, s: EnglishSignal) {
        let l = AuctionLabel { id };
        self.english_bidders.get_or_create(&l).set(gauge_i64(s.bidders));
        self.english_seconds_left.get_or_create(&l).set(gauge_i64(s.seconds_left));
        match s.price_to_oracle {
            Some(r) => {
                self.english_price_to_oracle.get_or_create(&l).set(r);
            }
            None => {
                self.english_price_to_oracle.remove(&l);
            }
        }
    }

    /// Removes the series of English auction `id` (it ended).
    pub fn forget_english(&self, id: u64) {
        let l = AuctionLabel { id };
        self.english_bidders.remove(&l);
        self.english_seconds_left.remove(&l);
        self.english_price_to_oracle.remove(&l);
    }

    /// Counts a bid, take or pledge that did not land.
    pub fn bid_failed(&self, why: BidFailure) {
        self.bids_failed.get_or_create(&ReasonLabel { reason: why.as_str() }).inc();
    }

    /// Bids that failed for `why` so far.
    pub fn bids_failed(&self, why: BidFailure) -> u64 {
        self.bids_failed.get_or_create(&ReasonLabel { reason: why.as_str() }).get()
    }

    /// The text exposition (OpenMetrics), with the pending age as of now.
    pub fn render(&self) -> String {
        let age = self.state().oldest_pending.map_or(0.0, |t| t.elapsed().as_secs_f64());
        self.oldest_pending_seconds.set(age);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// The keeper's health under `policy`, as `/healthz` reports it.
    pub fn health(&self, policy: &HealthPolicy) -> Health {
        let o = self.state();
        let since = o.new_block_at.map(|t| t.elapsed());
        let fresh = since.is_some_and(|s| s < policy.max_age);
        Health {
            status: if fresh { HealthStatus::Ok } else { HealthStatus::Stale },
            keeper: self.name.to_string(),
            block: o.block.map(|(n, _)| n),
            block_timestamp: o.block.map(|(_, t)| t),
            seconds_since_new_block: since.map(|s| s.as_secs_f64()),
            max_age_seconds: policy.max_age.as_secs_f64(),
            pending_transactions: o.pending,
        }
    }
}

/// How recently the keeper must have seen a new block for `/healthz` to answer 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthPolicy {
    /// The longest time since the keeper first read its newest block (its own monotonic clock).
    pub max_age: Duration,
}

impl Default for HealthPolicy {
    /// 60 seconds: five blocks of Ethereum mainnet's 12-second slots.
    fn default() -> Self {
        Self { max_age: Duration::from_secs(60) }
    }
}

/// The longest `/healthz` age accepted, seconds (a day).
pub const MAX_HEALTH_AGE_SECS: f64 = 86_400.0;

impl HealthPolicy {
    /// Reads `--healthz-max-age`: seconds (`60s`, or a bare `60`) or blocks (`5blocks`, `5b`)
    /// of `block_time_secs` seconds each (`--block-time`). The age must be positive and at most
    /// [`MAX_HEALTH_AGE_SECS`]; else [`Error::Config`] naming the flag.
    pub fn parse(spec: &str, block_time_secs: f64) -> Result<Self> {
        let bad = |path: &str, reason: String| Error::Config { path: path.to_owned(), reason };
        let s = spec.trim();
        let (number, blocks) = if let Some(n) = s.strip_suffix("blocks") {
            (n, true)
        } else if let Some(n) = s.strip_suffix('b') {
            (n, true)
        } else {
            (s.strip_suffix('s').unwrap_or(s), false)
        };
        let n: f64 = number.trim().parse().map_err(|_| {
            bad(
                "--healthz-max-age",
                format!("{spec:?} is not a number of seconds (`60s`) or of blocks (`5blocks`)"),
            )
        })?;
        let secs = if blocks {
            if !(block_time_secs > 0.0 && block_time_secs <= 3_600.0) {
                return Err(bad(
                    "--block-time",
                    format!("{block_time_secs} must be a number of seconds in (0, 3600]"),
                ));
            }
            n * block_time_secs
        } else {
            n
        };
        if !(secs > 0.0 && secs <= MAX_HEALTH_AGE_SECS) {
            return Err(bad(
                "--healthz-max-age",
                format!(
                    "{spec:?} is {secs} seconds; it must be above 0 and at most {MAX_HEALTH_AGE_SECS}"
                ),
            ));
        }
        Ok(Self { max_age: Duration::from_secs_f64(secs) })
    }
}

/// Whether the keeper has seen a new block recently enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// A new block within the policy's age: `200`.
    Ok,
    /// None (or none yet): `503`.
    Stale,
}

/// What `/healthz` reports (its JSON body, in this order).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Health {
    /// `ok` or `stale`.
    pub status: HealthStatus,
    /// The keeper's name.
    pub keeper: String,
    /// The newest block read.
    pub block: Option<u64>,
    /// Its timestamp, Unix seconds.
    pub block_timestamp: Option<u64>,
    /// Seconds since the keeper first read it.
    pub seconds_since_new_block: Option<f64>,
    /// The policy's age, seconds.
    pub max_age_seconds: f64,
    /// Transactions in flight.
    pub pending_transactions: u64,
}

impl Health {
    /// True for [`HealthStatus::Ok`].
    pub fn is_healthy(&self) -> bool {
        self.status == HealthStatus::Ok
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        // Plain numbers, strings and options: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Response {
    fn text(status: u16, body: &str) -> Self {
        Self { status, content_type: "text/plain; charset=utf-8", body: format!("{body}\n") }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        out.extend_from_slice(self.body.as_bytes());
        out
    }
}

/// The answer to `method path`.
fn route(metrics: &Metrics, policy: &HealthPolicy, method: &str, path: &str) -> Response {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    if path != "/metrics" && path != "/healthz" {
        return Response::text(404, "not found: try /metrics or /healthz");
    }
    if method != "GET" {
        return Response::text(405, "only GET");
    }
    if path == "/metrics" {
        return Response {
            status: 200,
            content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
            body: metrics.render(),
        };
    }
    let h = metrics.health(policy);
    Response {
        status: if h.is_healthy() { 200 } else { 503 },
        content_type: "application/json",
        body: h.to_json(),
    }
}

/// The largest request head read, bytes.
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads one request head and answers it.
async fn handle(mut sock: TcpStream, metrics: &Metrics, policy: &HealthPolicy) {
    let mut buf = Vec::with_capacity(1024);
    let read = async {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf) {
                Ok(httparse::Status::Complete(_)) => {
                    let (m, p) = (req.method.unwrap_or(""), req.path.unwrap_or(""));
                    return route(metrics, policy, m, p);
                }
                Ok(httparse::Status::Partial) => {}
                Err(e) => return Response::text(400, &format!("bad request: {e}")),
            }
            if buf.len() >= MAX_REQUEST_HEAD {
                return Response::text(431, "request head too large");
            }
            let mut chunk = [0u8; 1024];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return Response::text(400, "bad request: incomplete"),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let resp = match tokio::time::timeout(REQUEST_TIMEOUT, read).await {
        Ok(r) => r,
        Err(_) => return,
    };
    let _ = sock.write_all(&resp.bytes()).await;
    let _ = sock.shutdown().await;
}

/// The HTTP endpoint of a keeper's metrics: `GET /metrics` (OpenMetrics text) and `GET /healthz`
/// (JSON, 200 or 503 under a [`HealthPolicy`]). Bind it first, so that a taken or wrong address
/// is an error before the keeper connects; then [`MetricsServer::serve`] its metrics.
#[derive(Debug)]
pub struct MetricsServer {
    listener: TcpListener,
    policy: HealthPolicy,
}

impl MetricsServer {
    /// Binds `addr` (port 0: a free port, see [`Self::local_addr`]).
    pub async fn bind(addr: SocketAddr, policy: HealthPolicy) -> std::io::Result<Self> {
        Ok(Self { listener: TcpListener::bind(addr).await?, policy })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves `metrics` until the task is dropped; each connection gets one answer. A failed
    /// accept (out of file descriptors, say) is logged and retried after 100 ms.
    pub async fn serve(self, metrics: Metrics) {
        if let Ok(addr) = self.local_addr() {
            tracing::info!(%addr, "metrics on /metrics, health on /healthz");
        }
        let policy = Arc::new(self.policy);
        loop {
            match self.listener.accept().await {
                Ok((sock, _)) => {
                    let (m, p) = (metrics.clone(), policy.clone());
                    tokio::spawn(async move { handle(sock, &m, &p).await });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics endpoint: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        body
    }

    #[tokio::test]
    async fn renders_and_serves_metrics_and_health() {
        let m = Metrics::new("k1");
        m.bids_sent.inc();
        m.tokens_bought.set(12.5);
        m.bid_latency.observe(0.012);
        m.bid_failed(BidFailure::FeeCap);
        m.observe_block(7, 1_700_000_000);
        let text = m.render();
        assert!(text.contains("backstop_bids_sent_total{keeper=\"k1\"} 1"), "{text}");
        assert!(text.contains("backstop_tokens_bought{keeper=\"k1\"} 12.5"), "{text}");
        assert!(
            text.contains("backstop_bids_failed_total{keeper=\"k1\",reason=\"fee_cap\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("backstop_bids_failed_total{keeper=\"k1\",reason=\"node\"} 0"),
            "every reason from the start: {text}"
        );
        assert!(text.contains("backstop_last_block_number{keeper=\"k1\"} 7"), "{text}");
        let server = MetricsServer::bind("127.0.0.1:0".parse().unwrap(), HealthPolicy::default())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let task = tokio::spawn(server.serve(m.clone()));
        let body = get(addr, b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert!(
            body.starts_with("HTTP/1.1 200")
                && body.contains("application/openmetrics-text")
                && body.contains("backstop_bids_sent_total"),
            "{body}"
        );
        let body = get(addr, b"GET /healthz HTTP/1.1\r\n\r\n").await;
        assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
        let json: serde_json::Value =
            serde_json::from_str(body.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(json["status"], "ok");
        assert_eq!(json["keeper"], "k1");
        assert_eq!(json["block"], 7);
        assert_eq!(json["block_timestamp"], 1_700_000_000u64);
        assert_eq!(json["max_age_seconds"], 60.0);
        // A request head in pieces is still read whole.
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /heal").await.unwrap();
        s.write_all(b"thz?verbose=1 HTTP/1.1\r\n\r\n").await.unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
        assert!(get(addr, b"GET /nope HTTP/1.1\r\n\r\n").await.starts_with("HTTP/1.1 404"));
        assert!(get(addr, b"POST /healthz HTTP/1.1\r\n\r\n").await.starts_with("HTTP/1.1 405"));
        assert!(get(addr, b"\x01\x02 nonsense\r\n\r\n").await.starts_with("HTTP/1.1 400"));
        task.abort();
    }

    #[test]
    fn health_is_stale_without_a_block_or_after_the_age() {
        let m = Metrics::new("k");
        let p = HealthPolicy::default();
        let h = m.health(&p);
        assert!(!h.is_healthy() && h.block.is_none(), "{h:?}");
        assert_eq!(route(&m, &p, "GET", "/healthz").status, 503);
        m.observe_block(10, 100);
        assert!(m.health(&p).is_healthy());
        assert_eq!(route(&m, &p, "GET", "/healthz").status, 200);
        // The same block seen again does not restart the clock; a new one does.
        let long_ago = Instant::now().checked_sub(Duration::from_secs(61)).unwrap();
        m.state().new_block_at = Some(long_ago);
        m.observe_block(10, 100);
        let h = m.health(&p);
        assert!(!h.is_healthy() && h.seconds_since_new_block.unwrap() >= 61.0, "{h:?}");
        let r = route(&m, &p, "GET", "/healthz");
        assert_eq!(r.status, 503);
        assert!(r.body.starts_with("{\"status\":\"stale\""), "{}", r.body);
        m.observe_block(11, 112);
        assert!(m.health(&p).is_healthy());
        assert!(!m.health(&HealthPolicy { max_age: Duration::ZERO }).is_healthy());
    }

    #[test]
    fn the_pending_age_is_measured_at_scrape_time() {
        let m = Metrics::new("k");
        let t = Instant::now().checked_sub(Duration::from_secs(90)).unwrap();
        m.observe_pending(2, Some(t));
        let text = m.render();
        let age: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("backstop_oldest_pending_seconds{keeper=\"k\"} "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(age >= 90.0, "{text}");
        assert!(text.contains("backstop_pending_transactions{keeper=\"k\"} 2"), "{text}");
        m.observe_pending(0, None);
        assert!(m.render().contains("backstop_oldest_pending_seconds{keeper=\"k\"} 0.0"));
    }

    #[test]
    fn english_series_come_and_go_with_the_auction() {
        let m = Metrics::new("k");
        let s = EnglishSignal { bidders: 1, price_to_oracle: Some(0.5), seconds_left: 30 };
        m.observe_english(4, s);
        let text = m.render();
        for series in [
            "backstop_english_auction_bidders{keeper=\"k\",id=\"4\"} 1",
            "backstop_english_auction_price_to_oracle{keeper=\"k\",id=\"4\"} 0.5",
            "backstop_english_auction_seconds_left{keeper=\"k\",id=\"4\"} 30",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
        m.observe_english(4, EnglishSignal { price_to_oracle: None, ..s });
        assert!(!m.render().contains("price_to_oracle{keeper=\"k\",id=\"4\"}"));
        m.forget_english(4);
        assert!(!m.render().contains("id=\"4\""));
    }

    #[test]
    fn the_health_age_is_seconds_or_blocks() {
        let secs = |s: &str| HealthPolicy::parse(s, 12.0).map(|p| p.max_age.as_secs_f64());
        assert_eq!(secs("60s").unwrap(), 60.0);
        assert_eq!(secs("90").unwrap(), 90.0);
        assert_eq!(secs("5blocks").unwrap(), 60.0);
        assert_eq!(secs(" 2b ").unwrap(), 24.0);
        assert_eq!(HealthPolicy::parse("10blocks", 2.0).unwrap().max_age.as_secs(), 20);
        for bad in ["", "s", "0s", "-5s", "abc", "5 minutes", "1e9", "NaNs", "86401"] {
            let e = HealthPolicy::parse(bad, 12.0).unwrap_err().to_string();
            assert!(e.starts_with("config --healthz-max-age: "), "{bad}: {e}");
        }
        for bt in [0.0, -1.0, f64::NAN, 3_601.0] {
            let e = HealthPolicy::parse("5blocks", bt).unwrap_err().to_string();
            assert!(e.starts_with("config --block-time: "), "{bt}: {e}");
        }
        // The block time is not asked for an age in seconds.
        assert!(HealthPolicy::parse("60s", 0.0).is_ok());
    }
}
