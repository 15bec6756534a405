//! A typed call waited for: the production backup gate answers `operation_status: pending`
//! twice, then for real; `run_polling` repeats the same typed request with the same key and
//! returns the last answer, typed, with its outcome.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use launchplane_client::config::Environment;
use launchplane_client::generated::types::ProductionBackupGateRequest;
use launchplane_client::{Config, Contract, Error, Launchplane, Settings, Wait};
use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::json;

const OPERATION: &str = "production_backup_gate_enqueue";

struct StandInEnv(Vec<(&'static str, String)>);

impl Environment for StandInEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }
}

fn connect(stand_in: &StandIn) -> Launchplane {
    let config = Config::resolve(Settings::default(), &StandInEnv(stand_in.client_env())).expect("stand-in config");
    Launchplane::new(config).expect("client").with_run_scope(None)
}

fn body() -> ProductionBackupGateRequest {
    let op = Contract::embedded().operation(OPERATION).unwrap();
    serde_json::from_value(Contract::embedded().request_example(op).unwrap()).unwrap()
}

#[tokio::test]
async fn a_typed_call_is_repeated_with_one_key_until_it_is_no_longer_pending() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.script_results(OPERATION, vec![json!({"operation_status": "pending"}); 2]);
    let launchplane = connect(&stand_in);
    let client = launchplane.client();
    let body = body();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heard = seen.clone();
    let wait = Wait {
        interval: Some(Duration::from_secs(1)),
        timeout: None,
        progress: Some(Arc::new(move |p| {
            heard
                .lock()
                .unwrap()
                .push((p.field.to_owned(), p.status.to_owned(), p.answers));
        })),
    };
    let waited = launchplane
        .run_polling(
            OPERATION,
            || client.production_backup_gate_enqueue().body(body.clone()).send(),
            &wait,
        )
        .await
        .expect("done after two pending answers");
    assert_eq!(waited.answer.value.operation_status, "pass");
    assert!(waited.answer.outcome.succeeded());
    assert!(waited.status.is_none(), "nothing followed");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("operation_status".to_owned(), "pending".to_owned(), 1),
            ("operation_status".to_owned(), "pending".to_owned(), 2),
        ]
    );
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 3);
    let key = requests[0].header("idempotency-key").expect("a key");
    assert!(requests.iter().all(|r| r.header("idempotency-key") == Some(key)));
}

#[tokio::test]
async fn the_typed_wait_limit_gives_up_with_the_pending_status() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.script_results(OPERATION, vec![json!({"operation_status": "pending"}); 5]);
    let launchplane = connect(&stand_in);
    let client = launchplane.client();
    let body = body();
    let wait = Wait {
        interval: Some(Duration::from_secs(1)),
        timeout: Some(Duration::from_millis(1500)),
        progress: None,
    };
    let error = launchplane
        .run_polling(
            OPERATION,
            || client.production_backup_gate_enqueue().body(body.clone()).send(),
            &wait,
        )
        .await
        .unwrap_err();
    let Error::PollTimeout(pending) = &error else {
        panic!("expected the wait to give up, got {error:?}");
    };
    assert_eq!(
        (pending.field.as_str(), pending.status.as_str()),
        ("operation_status", "pending")
    );
    assert_eq!(pending.answers, 2, "{error}");
    assert_eq!(stand_in.requests().len(), 2);
}

#[tokio::test]
async fn an_operation_without_polling_is_refused_before_anything_is_sent() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let launchplane = connect(&stand_in);
    let client = launchplane.client();
    let error = launchplane
        .run_polling("service_health", || client.service_health().send(), &Wait::default())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("service_health does not declare polling"),
        "{error}"
    );
    assert!(stand_in.requests().is_empty());
}
