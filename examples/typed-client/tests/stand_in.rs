//! The typed example against the stand-in and its fake GitHub OIDC issuer: keyed and
//! authenticated requests, typed rejections, retries through injected faults.

use std::process::Command;
use std::time::Duration;

use launchplane_client::config::Environment;
use launchplane_client::{Config, Error, Launchplane, Settings};
use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig};
use serde_json::Value;
use typed_client::{Promotion, promote};

const ARTIFACT: &str =
    "ghcr.io/cbusillo/sellyouroutboard@sha256:b5d1556e5516fdaf1f3291478f9d359ea5133429b11e383b4c6f900f0b0fff7d";
const GIT_REF: &str = "d631926e421cb623b5f953b48f8227ae9ecf5650";

struct StandInEnv(Vec<(&'static str, String)>);

impl Environment for StandInEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }
}

fn connect(stand_in: &StandIn, settings: Settings) -> Launchplane {
    let config = Config::resolve(settings, &StandInEnv(stand_in.client_env())).expect("stand-in config");
    Launchplane::new(config).expect("client").with_run_scope(None)
}

fn promotion(product: &str) -> Promotion {
    Promotion {
        product: product.into(),
        artifact_id: ARTIFACT.into(),
        source_git_ref: GIT_REF.into(),
        backup_record_id: format!("infrastructure-{product}-9876543210-1"),
        dry_run: false,
        idempotency_key: None,
    }
}

fn ttl(seconds: u64) -> StandInConfig {
    StandInConfig {
        token_ttl_seconds: seconds,
        ..StandInConfig::default()
    }
}

#[tokio::test]
async fn a_typed_promotion_is_authenticated_and_keyed_by_the_specs_key_shape() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let launchplane = connect(&stand_in, Settings::default());
    let answer = promote(&launchplane, &promotion("sellyouroutboard"))
        .await
        .expect("accepted");
    assert_eq!(answer.outcome.operation, "generic_web_prod_promotion");
    assert_eq!(answer.outcome.http_status, 202);
    assert_eq!(answer.outcome.attempts, 1);
    assert!(answer.outcome.succeeded(), "{:?}", answer.outcome.failures);
    assert_eq!(answer.outcome.trace_id, answer.value.trace_id);

    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].trace_id, answer.value.trace_id);
    // x-launchplane-idempotency-key of the operation, filled from the body (defaults included).
    assert_eq!(
        accepted[0].idempotency_key.as_deref(),
        Some(format!("generic-web-prod-promotion:sellyouroutboard:testing:prod:{ARTIFACT}:{GIT_REF}").as_str())
    );
    let request = &stand_in.requests()[0];
    assert_eq!(request.header("authorization"), Some("Bearer [redacted]"));
    assert_eq!(request.header("api-version"), None);
    assert_eq!(request.body["promotion"]["artifact_id"], ARTIFACT);
}

#[tokio::test]
async fn a_rejection_comes_back_as_a_typed_rejection() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let launchplane = connect(&stand_in, Settings::default());
    let error = promote(&launchplane, &promotion("unknown-product")).await.unwrap_err();
    let Error::Rejected(rejection) = error else {
        panic!("expected a rejection, got {error:?}");
    };
    let answered = stand_in.requests().last().and_then(|r| r.status);
    assert_eq!(Some(rejection.status), answered);
    assert!((400..500).contains(&rejection.status), "{rejection:?}");
    assert_eq!(rejection.operation, "generic_web_prod_promotion");
    assert!(
        !rejection.code.is_empty() && !rejection.trace_id.is_empty(),
        "{rejection:?}"
    );
    assert!(stand_in.accepted().is_empty());
}

#[tokio::test]
async fn a_502_is_retried_with_the_same_key_and_a_fresh_token_when_the_first_is_near_expiry() {
    // Tokens that live 30 s are inside the expiry margin as soon as they are issued.
    let stand_in = StandIn::start(ttl(30)).await;
    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(502), 1);
    let launchplane = connect(&stand_in, Settings::default());
    let answer = promote(&launchplane, &promotion("sellyouroutboard"))
        .await
        .expect("accepted after a retry");
    assert_eq!(answer.outcome.attempts, 2);
    let requests = stand_in.requests();
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(502), Some(202)]);
    assert_eq!(
        requests[0].header("idempotency-key"),
        requests[1].header("idempotency-key")
    );
    assert_eq!(stand_in.token_requests(), 2, "one token per attempt");
    assert_eq!(stand_in.accepted().len(), 1);
}

#[tokio::test]
async fn a_token_far_from_expiry_is_reused_across_attempts() {
    let stand_in = StandIn::start(ttl(600)).await;
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(503), 1);
    let launchplane = connect(&stand_in, Settings::default());
    let answer = promote(&launchplane, &promotion("sellyouroutboard"))
        .await
        .expect("accepted after a retry");
    assert_eq!(answer.outcome.attempts, 2);
    assert_eq!(stand_in.token_requests(), 1);
}

#[tokio::test]
async fn a_post_that_timed_out_is_not_sent_again() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.inject(FaultTarget::Launchplane, Fault::Delay(Duration::from_secs(3)), 1);
    let settings = Settings {
        timeout_secs: Some(1),
        connect_timeout_secs: Some(1),
        ..Settings::default()
    };
    let launchplane = connect(&stand_in, settings);
    let error = promote(&launchplane, &promotion("sellyouroutboard")).await.unwrap_err();
    let Error::Timeout {
        attempts,
        idempotency_key,
        ..
    } = &error
    else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(*attempts, 1);
    // The key to read the stored answer with later, as Launchplane got it.
    let expected = format!("generic-web-prod-promotion:sellyouroutboard:testing:prod:{ARTIFACT}:{GIT_REF}");
    assert_eq!(idempotency_key.as_deref(), Some(expected.as_str()));
    assert!(error.to_string().contains(&expected), "{error}");
    // The one request the stand-in saw (it may still be finishing it).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(stand_in.requests().len(), 1);
}

#[tokio::test]
async fn a_body_missing_a_required_field_is_refused_before_sending() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let launchplane = connect(&stand_in, Settings::default());
    let client = launchplane.client();
    let call = client
        .generic_web_prod_promotion()
        .body_map(|envelope| envelope.product("sellyouroutboard"));
    let error = launchplane.run(call.send()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidBody { .. }), "{error:?}");
    assert!(error.to_string().contains("promotion"), "{error}");
    assert!(stand_in.requests().is_empty());
    assert_eq!(stand_in.token_requests(), 0);
}

#[test]
fn the_example_program_runs_against_the_stand_in() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_typed-client"))
            .args([
                "sellyouroutboard",
                ARTIFACT,
                GIT_REF,
                "infrastructure-sellyouroutboard-9876543210-1",
            ])
            .args(extra)
            .env_clear()
            .envs(stand_in.client_env())
            .output()
            .expect("run typed-client");
        let line: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
        (output.status.code(), line)
    };
    let (code, line) = run(&[]);
    assert_eq!(code, Some(0), "{line}");
    assert_eq!(line["succeeded"], true);
    assert_eq!(line["attempts"], 1);

    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(502), 1);
    let (code, line) = run(&["--idempotency-key", "promotion-override-1"]);
    assert_eq!(code, Some(0), "{line}");
    assert_eq!(line["attempts"], 2);
    let keys: Vec<_> = stand_in.accepted().into_iter().map(|a| a.idempotency_key).collect();
    assert_eq!(keys.last().cloned().flatten().as_deref(), Some("promotion-override-1"));

    let output = Command::new(env!("CARGO_BIN_EXE_typed-client"))
        .args([
            "no-such-product",
            ARTIFACT,
            GIT_REF,
            "infrastructure-no-such-product-9876543210-1",
        ])
        .env_clear()
        .envs(stand_in.client_env())
        .output()
        .expect("run typed-client");
    let line: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(output.status.code(), Some(1), "{line}");
    assert!(line["code"].as_str().is_some_and(|c| !c.is_empty()), "{line}");
    assert!(line["trace_id"].as_str().is_some_and(|t| !t.is_empty()), "{line}");
}

#[tokio::test]
async fn a_value_the_generated_type_allows_but_the_spec_refuses_is_not_sent() {
    use launchplane_client::generated::types::PreviewDesiredStateEnvelope;
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let launchplane = connect(&stand_in, Settings::default());
    let contract = launchplane_client::Contract::embedded();
    let op = contract.operation("previews_desired_state").unwrap();
    let (_, example) = contract.request_examples(op).into_iter().next().expect("an example");
    let mut body: PreviewDesiredStateEnvelope = serde_json::from_value(example).unwrap();
    // The spec's `maximum` is not carried into the generated `NonZeroU64`.
    body.max_pages = std::num::NonZeroU64::new(21).unwrap();
    let client = launchplane.client();
    let error = launchplane
        .run(client.previews_desired_state().body(body).send())
        .await
        .unwrap_err();
    let Error::InvalidBody { violations, .. } = &error else {
        panic!("expected the body refused, got {error:?}");
    };
    assert!(violations.iter().any(|v| v.path == "max_pages"), "{violations:?}");
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn default_keys_are_scoped_to_the_github_run_as_lpctl_scopes_them() {
    use launchplane_client::idempotency::RunScope;
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let run = RunScope {
        run_id: "42".into(),
        attempt: "2".into(),
    };
    let launchplane = connect(&stand_in, Settings::default()).with_run_scope(Some(run));
    promote(&launchplane, &promotion("sellyouroutboard"))
        .await
        .expect("accepted");
    let key = stand_in.accepted()[0].idempotency_key.clone().unwrap();
    // Launchplane keeps no failed promotion under its key, so the key names the run, not the
    // attempt: a re-run replays a finished promotion and runs a failed one again.
    assert_eq!(
        key,
        format!("generic-web-prod-promotion:sellyouroutboard:testing:prod:{ARTIFACT}:{GIT_REF}:run-42")
    );
}
