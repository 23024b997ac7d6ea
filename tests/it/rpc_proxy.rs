//! A JSON-RPC proxy over HTTP/1.1 in front of a node, for the tests that watch or break what a
//! keeper sends: it reads each request (keep-alive connections, `content-length` bodies), lets a
//! [`Hooks`] answer it instead of the node or record it, forwards the rest to the upstream node,
//! and shows the hooks the answer.

use std::sync::Arc;

/// What a proxy does with the requests it sees. Both methods have do-nothing defaults.
pub(crate) trait Hooks: Send + Sync + 'static {
    /// Before forwarding: `Some((status line, body))` answers the request without the upstream
    /// (an injected failure, say); `None` forwards it.
    fn intercept(&self, _request: &serde_json::Value) -> Option<(&'static str, Vec<u8>)> {
        None
    }

    /// After: the request, the status line answered and the body.
    fn answered(&self, _request: &serde_json::Value, _status: &str, _body: &[u8]) {}
}

/// Starts a proxy on a free local port in front of `upstream`; returns its URL. It runs until the
/// test's runtime ends.
pub(crate) async fn start(upstream: String, hooks: impl Hooks) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hooks = Arc::new(hooks);
    let client = alloy::transports::http::reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let (hooks, client, upstream) = (hooks.clone(), client.clone(), upstream.clone());
            tokio::spawn(async move {
                let (rd, mut wr) = sock.into_split();
                let mut rd = BufReader::new(rd);
                loop {
                    // Request line and headers.
                    let mut len = 0usize;
                    let mut line = String::new();
                    if rd.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        if rd.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if rd.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let request: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    let (status, out) = match hooks.intercept(&request) {
                        Some(answer) => answer,
                        None => {
                            let resp = client
                                .post(&upstream)
                                .header("content-type", "application/json")
                                .body(body)
                                .send()
                                .await;
                            match resp {
                                Ok(r) => (
                                    "200 OK",
                                    r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                                ),
                                Err(_) => ("502 Bad Gateway", b"upstream".to_vec()),
                            }
                        }
                    };
                    hooks.answered(&request, status, &out);
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        out.len()
                    );
                    if wr.write_all(head.as_bytes()).await.is_err()
                        || wr.write_all(&out).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}
