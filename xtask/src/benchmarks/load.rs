//! Throughput of the stand-in: concurrent clients posting validated, distinct writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use launchplane_testkit::{StandIn, TokenOverrides};

pub struct Throughput {
    pub requests: usize,
    pub clients: usize,
    pub elapsed: Duration,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_202: usize,
}

/// `total` POSTs of odoo post-deploy from `clients` concurrent tasks, each with its own key.
pub fn run(stand_in: &StandIn, clients: usize, total: usize) -> Result<Throughput, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("{}/v1/drivers/odoo/post-deploy", stand_in.base_url());
    let token = Arc::new(stand_in.mint_token(TokenOverrides::default()));
    // The stand-in serves from its own thread; the clients share this one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let http = reqwest::Client::new();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut non_202 = 0;
                for n in (client..total).step_by(clients) {
                    let sent = Instant::now();
                    let answer = http
                        .post(&url)
                        .bearer_auth(token.as_str())
                        .header("Idempotency-Key", format!("load-{n}"))
                        .header("Content-Type", "application/json")
                        .body(r#"{"product":"opw","post_deploy":{"context":"opw","instance":"testing"}}"#)
                        .send()
                        .await;
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    if !matches!(answer, Ok(ref r) if r.status().as_u16() == 202) {
                        non_202 += 1;
                    }
                }
                (latencies, non_202)
            }));
        }
        let mut latencies = Vec::new();
        let mut non_202 = 0;
        for task in tasks {
            let (l, n) = task.await.map_err(|e| e.to_string())?;
            latencies.extend(l);
            non_202 += n;
        }
        let elapsed = started.elapsed();
        latencies.sort_by(|a, b| a.total_cmp(b));
        let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
        Ok(Throughput {
            requests: total,
            clients,
            elapsed,
            p50_ms: pick(0.5),
            p99_ms: pick(0.99),
            non_202,
        })
    })
}
