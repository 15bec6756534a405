//! Retry-After on the wire: a 503 that names a wait, in either HTTP form, is retried after
//! that wait (the backoff alone would retry within a quarter second).

use std::time::{Duration, Instant, SystemTime};

use launchplane_client::config::Environment;
use launchplane_client::contract::Contract;
use launchplane_client::{Config, Launchplane, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct NoEnv;

impl Environment for NoEnv {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
}

fn answer(status: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len()
    )
}

/// Serves a 503 with `retry_after`, then the spec's example health answer; returns when each
/// request arrived.
async fn serve(listener: TcpListener, retry_after: String) -> Vec<Instant> {
    let contract = Contract::embedded();
    let health = contract.operation("service_health").unwrap();
    let ok = contract.response_example(health).expect("health example").to_string();
    let rejected = r#"{"status":"rejected","trace_id":"t-1","error":{"code":"service_unavailable","message":"busy"}}"#;
    let replies = [
        answer(
            "503 Service Unavailable",
            &format!("retry-after: {retry_after}\r\n"),
            rejected,
        ),
        answer("200 OK", "", &ok),
    ];
    let mut arrivals = Vec::new();
    for reply in replies {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "connection closed mid-request");
            request.extend_from_slice(&buffer[..n]);
        }
        arrivals.push(Instant::now());
        socket.write_all(reply.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
    }
    arrivals
}

async fn gap_after(retry_after: impl FnOnce() -> String) -> (Duration, u32) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(serve(listener, retry_after()));
    let settings = Settings {
        url: Some(url),
        ..Settings::default()
    };
    let launchplane = Launchplane::new(Config::resolve(settings, &NoEnv).unwrap()).unwrap();
    let answer = launchplane
        .run(launchplane.client().service_health().send())
        .await
        .expect("health after the retry");
    let arrivals = server.await.unwrap();
    (arrivals[1] - arrivals[0], answer.outcome.attempts)
}

#[tokio::test]
async fn delay_seconds_are_waited_out() {
    let (gap, attempts) = gap_after(|| "2".into()).await;
    assert_eq!(attempts, 2);
    assert!(gap >= Duration::from_secs(2), "{gap:?}");
}

#[tokio::test]
async fn an_http_date_is_waited_for() {
    // HTTP-dates have whole seconds: three seconds ahead is more than two away when written,
    // and well past the quarter second the backoff alone would wait.
    let (gap, attempts) = gap_after(|| httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3))).await;
    assert_eq!(attempts, 2);
    assert!(gap >= Duration::from_millis(1500), "{gap:?}");
}
