//! Stand-in throughput: concurrent clients posting validated odoo post-deploy writes, each
//! with its own idempotency key, for a fixed number of requests on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use launchplane_testkit::{StandIn, TokenOverrides};

use super::stats::{percentile, sorted};

const BODY: &str = r#"{"product":"opw","post_deploy":{"context":"opw","instance":"testing"}}"#;
/// Requests per client before the clock starts: connections open, caches warm.
pub const WARM_UP_PER_CLIENT: usize = 8;

pub struct Throughput {
    pub requests: usize,
    pub clients: usize,
    pub elapsed: Duration,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `total` POSTs from `clients` concurrent tasks on one thread (the stand-in serves from its
/// own); every answer must be a 202.
pub fn run(stand_in: &StandIn, clients: usize, total: usize) -> Result<Throughput, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = Arc::new(format!("{}/v1/drivers/odoo/post-deploy", stand_in.base_url()));
    let token = Arc::new(stand_in.mint_token(TokenOverrides::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("reqwest client: {e}"))?;
        let load = |keys: Vec<Vec<String>>| {
            let tasks: Vec<_> = keys
                .into_iter()
                .map(|keys| tokio::spawn(client(http.clone(), url.clone(), token.clone(), keys)))
                .collect();
            async move {
                let mut latencies = Vec::new();
                for task in tasks {
                    latencies.extend(task.await.map_err(|e| format!("load task: {e}"))??);
                }
                Ok::<_, String>(latencies)
            }
        };
        load(keys("load-warm", clients, clients * WARM_UP_PER_CLIENT)).await?;
        let started = Instant::now();
        let latencies = load(keys("load", clients, total)).await?;
        let elapsed = started.elapsed();
        let ascending = sorted(&latencies);
        Ok(Throughput {
            requests: total,
            clients,
            elapsed,
            p50_ms: percentile(&ascending, 0.50),
            p99_ms: percentile(&ascending, 0.99),
            max_ms: ascending[ascending.len() - 1],
        })
    })
}

/// The keys of each client: `total` distinct keys dealt round-robin.
fn keys(prefix: &str, clients: usize, total: usize) -> Vec<Vec<String>> {
    (0..clients)
        .map(|c| (c..total).step_by(clients).map(|n| format!("{prefix}-{n}")).collect())
        .collect()
}

/// One client's requests in sequence; the latency of each in milliseconds.
async fn client(
    http: reqwest::Client,
    url: Arc<String>,
    token: Arc<String>,
    keys: Vec<String>,
) -> Result<Vec<f64>, String> {
    let mut latencies = Vec::with_capacity(keys.len());
    for key in keys {
        let sent = Instant::now();
        let answer = http
            .post(url.as_str())
            .bearer_auth(token.as_str())
            .header("Idempotency-Key", &key)
            .header("Content-Type", "application/json")
            .body(BODY)
            .send()
            .await
            .map_err(|e| format!("request {key}: {e}"))?;
        let status = answer.status();
        // The whole answer is read, as a client would, and so the connection is reused.
        let body = answer.bytes().await.map_err(|e| format!("answer to {key}: {e}"))?;
        latencies.push(sent.elapsed().as_secs_f64() * 1e3);
        if status != reqwest::StatusCode::ACCEPTED {
            return Err(format!(
                "request {key} was answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
    }
    Ok(latencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_dealt_to_every_client() {
        let keys = keys("k", 3, 7);
        assert_eq!(keys.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2, 2]);
        let mut all: Vec<&String> = keys.iter().flatten().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 7);
    }
}
