//! Prometheus metrics of a keeper, and a minimal `/metrics` endpoint.
//!
//! | metric | kind | unit |
//! |---|---|---|
//! | `backstop_auctions_seen_total` | counter | auctions (English and Dutch) discovered |
//! | `backstop_bids_sent_total` | counter | bids and takes broadcast |
//! | `backstop_bids_won_total` | counter | English auctions dealt to us, Dutch takes mined |
//! | `backstop_bids_lost_total` | counter | our English high bids outbid |
//! | `backstop_tokens_bought` | gauge | governance tokens received (whole tokens) |
//! | `backstop_stablecoin_spent` | gauge | stablecoin paid (whole units) |
//! | `backstop_gas_spent_total` | counter | gas used by our mined transactions |
//! | `backstop_bid_latency_seconds` | histogram | from an auction's state change seen to our bid mined |

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use std::sync::{Arc, atomic::AtomicU64};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

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
    /// Gas used by our mined transactions.
    pub gas_spent: Counter,
    /// Seconds from a state change seen to our bid mined.
    pub bid_latency: Histogram,
    registry: Arc<Registry>,
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
            gas_spent: Counter::default(),
            bid_latency: Histogram::new([
                0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
            ]),
            registry: Arc::new(Registry::default()),
        };
        registry.register("auctions_seen", "Auctions discovered", m.auctions_seen.clone());
        registry.register("bids_sent", "Bids and takes broadcast", m.bids_sent.clone());
        registry.register("bids_won", "Auctions won", m.bids_won.clone());
        registry.register("bids_lost", "High bids outbid", m.bids_lost.clone());
        registry.register("tokens_bought", "Governance tokens received", m.tokens_bought.clone());
        registry.register("stablecoin_spent", "Stablecoin paid", m.stablecoin_spent.clone());
        registry.register("gas_spent", "Gas used by mined transactions", m.gas_spent.clone());
        registry.register(
            "bid_latency_seconds",
            "State change seen to bid mined",
            m.bid_latency.clone(),
        );
        Self { registry: Arc::new(registry), ..m }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// Serves `GET /metrics` on `addr` until the task is dropped.
    pub async fn serve(self, addr: std::net::SocketAddr) -> std::io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(%addr, "metrics on /metrics");
        loop {
            let (mut sock, _) = listener.accept().await?;
            let body = self.render();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = sock.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_and_serves() {
        let m = Metrics::new("k1");
        m.bids_sent.inc();
        m.tokens_bought.set(12.5);
        m.bid_latency.observe(0.012);
        let text = m.render();
        assert!(text.contains("backstop_bids_sent_total{keeper=\"k1\"} 1"), "{text}");
        assert!(text.contains("backstop_tokens_bought{keeper=\"k1\"} 12.5"), "{text}");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let server = tokio::spawn(m.clone().serve(addr));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").await.unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        assert!(
            body.starts_with("HTTP/1.1 200") && body.contains("backstop_bids_sent_total"),
            "{body}"
        );
        server.abort();
    }
}
