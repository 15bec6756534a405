//! Injected faults on both servers, and the request log.

mod common;

use std::time::{Duration, Instant};

use common::{example, http, path_of, post, reply, send};
use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig, TokenOverrides};
use serde_json::Value;

#[tokio::test]
async fn launchplane_error_faults_answer_the_next_requests_then_stop() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(503), 2);
    stand_in.inject(FaultTarget::Launchplane, Fault::PlainError(502), 1);
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(504), 1);

    for _ in 0..2 {
        let answer = post(&stand_in, &path, Some("k"), &body).await;
        assert_eq!(answer.status, 503);
        assert_eq!(answer.json["status"], "rejected");
        assert_eq!(answer.code(), "internal_error");
    }
    let plain = post(&stand_in, &path, Some("k"), &body).await;
    assert_eq!(plain.status, 502);
    assert!(plain.content_type.starts_with("text/plain"));
    assert_eq!(plain.text.trim(), "Bad Gateway");

    let html = post(&stand_in, &path, Some("k"), &body).await;
    assert_eq!(html.status, 504);
    assert_eq!(html.content_type, "text/html");
    assert!(
        html.text.contains("<title>504 Gateway Time-out</title>")
            || html.text.contains("<title>504 Gateway Timeout</title>")
    );
    assert!(html.text.contains("nginx"));

    assert!(stand_in.accepted().is_empty(), "a faulted request executes nothing");
    let answer = post(&stand_in, &path, Some("k"), &body).await;
    assert_eq!(answer.status, 202);
    assert!(answer.json.get("replayed").is_none());
    assert_eq!(stand_in.accepted().len(), 1);
    let statuses: Vec<_> = stand_in.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(502), Some(504), Some(202)]);
}

#[tokio::test]
async fn faults_hit_every_launchplane_path_including_health() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.inject(FaultTarget::Launchplane, Fault::PlainError(503), 1);
    assert_eq!(send(&stand_in, "GET", "/v1/health", None, None, None).await.status, 503);
    assert_eq!(send(&stand_in, "GET", "/v1/health", None, None, None).await.status, 200);
    stand_in.inject(FaultTarget::Launchplane, Fault::PlainError(503), 3);
    stand_in.clear_faults();
    assert_eq!(send(&stand_in, "GET", "/v1/health", None, None, None).await.status, 200);
}

#[tokio::test]
async fn a_delay_answers_normally_after_waiting() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.inject(FaultTarget::Launchplane, Fault::Delay(Duration::from_millis(400)), 1);
    let started = Instant::now();
    let answer = send(&stand_in, "GET", "/v1/health", None, None, None).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(answer.status, 200);

    let timeout = http()
        .get(format!("{}/v1/health", stand_in.base_url()))
        .timeout(Duration::from_millis(100));
    stand_in.inject(FaultTarget::Launchplane, Fault::Delay(Duration::from_secs(2)), 1);
    assert!(timeout.send().await.unwrap_err().is_timeout());
}

#[tokio::test]
async fn a_dropped_connection_gets_no_answer_and_no_write() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    stand_in.inject(FaultTarget::Launchplane, Fault::Drop, 1);
    let token = stand_in.mint_token(TokenOverrides::default());
    let error = http()
        .post(format!("{}{path}", stand_in.base_url()))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    assert!(stand_in.accepted().is_empty());
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, None);
    assert_eq!(requests[0].body, body);

    assert_eq!(post(&stand_in, &path, None, &body).await.status, 202);
}

#[tokio::test]
async fn malformed_json_comes_with_a_success_status() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    stand_in.inject(FaultTarget::Launchplane, Fault::MalformedJson, 1);
    let answer = post(&stand_in, &path, None, &example(&stand_in, "odoo_post_deploy")).await;
    assert_eq!(answer.status, 202);
    assert_eq!(answer.content_type, "application/json");
    assert!(serde_json::from_str::<Value>(&answer.text).is_err());
    assert!(stand_in.accepted().is_empty());
}

#[tokio::test]
async fn token_endpoint_faults_are_separate_from_launchplanes() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let url = format!("{}&audience={}", stand_in.token_request_url(), stand_in.audience());
    let fetch = || http().get(&url).bearer_auth(stand_in.token_request_token()).send();
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::JsonError(503), 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::HtmlError(502), 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::PlainError(500), 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::MalformedJson, 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::Drop, 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::Delay(Duration::from_millis(200)), 1);

    assert_eq!(
        send(&stand_in, "GET", "/v1/health", None, None, None).await.status,
        200,
        "Launchplane is unaffected"
    );

    let json_error = reply(fetch().await.unwrap()).await;
    assert_eq!(json_error.status, 503);
    assert!(json_error.json["message"].is_string());
    let html = reply(fetch().await.unwrap()).await;
    assert_eq!((html.status, html.content_type.as_str()), (502, "text/html"));
    let plain = reply(fetch().await.unwrap()).await;
    assert_eq!(plain.status, 500);
    let malformed = reply(fetch().await.unwrap()).await;
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_str::<Value>(&malformed.text).is_err());
    assert!(fetch().await.is_err(), "dropped");
    let started = Instant::now();
    let delayed = reply(fetch().await.unwrap()).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(delayed.status, 200);
    assert!(delayed.json["value"].is_string());

    assert_eq!(stand_in.token_requests(), 6);
    let jwks = http()
        .get(format!("{}/.well-known/jwks", stand_in.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status().as_u16(), 200);
    assert_eq!(stand_in.token_requests(), 6, "the JWKS is not the token endpoint");
}

#[tokio::test]
async fn the_request_log_redacts_credentials() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    let token = stand_in.mint_token(TokenOverrides::default());
    let answer = send(
        &stand_in,
        "POST",
        &format!("{path}?trace=1"),
        Some(&token),
        Some("log-1"),
        Some(body.to_string().into_bytes()),
    )
    .await;
    assert_eq!(answer.status, 202);
    send(&stand_in, "GET", "/v1/health", None, None, None).await;

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2);
    let logged = &requests[0];
    assert_eq!(logged.method, "POST");
    assert_eq!(logged.path, path);
    assert_eq!(logged.query.as_deref(), Some("trace=1"));
    assert_eq!(logged.header("authorization"), Some("Bearer [redacted]"));
    assert_eq!(logged.header("Idempotency-Key"), Some("log-1"));
    assert_eq!(logged.header("content-type"), Some("application/json"));
    assert_eq!(logged.body, body);
    assert_eq!(logged.status, Some(202));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].status, &requests[1].body),
        ("GET", Some(200), &Value::Null)
    );

    let everything = format!("{:?}{:?}", stand_in.requests(), stand_in.accepted());
    assert!(!everything.contains(&token));
    assert!(!everything.contains(token.split('.').nth(2).unwrap()));
}

#[tokio::test]
async fn operation_faults_take_only_their_operation_and_come_first() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let spec: launchplane_testkit::FaultSpec = "operation=odoo_post_deploy,status=502,body=none".parse().unwrap();
    stand_in.inject_spec(&spec);
    stand_in.inject(FaultTarget::Launchplane, Fault::PlainError(503), 1);
    let post_deploy = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");

    let first = post(&stand_in, &post_deploy, None, &body).await;
    assert_eq!(
        (first.status, first.text.as_str()),
        (502, ""),
        "the operation's fault first"
    );
    let health = send(&stand_in, "GET", "/v1/health", None, None, None).await;
    assert_eq!(health.status, 503, "then the fault for any request");
    assert_eq!(post(&stand_in, &post_deploy, None, &body).await.status, 202);
    assert_eq!(send(&stand_in, "GET", "/v1/health", None, None, None).await.status, 200);

    let rollback_fault = "operation=odoo_prod_rollback,status=500".parse().unwrap();
    stand_in.inject_spec(&rollback_fault);
    assert_eq!(
        post(&stand_in, &post_deploy, None, &body).await.status,
        202,
        "another operation"
    );
    let rollback = path_of(&stand_in, "odoo_prod_rollback");
    let answer = post(&stand_in, &rollback, None, &example(&stand_in, "odoo_prod_rollback")).await;
    assert_eq!((answer.status, answer.code()), (500, "internal_error"));
}
