//! The real Launchplane's verdicts on a corpus of bodies (`tests/oracle/`, gathered from
//! Launchplane itself) against the client's local checks and the stand-in's answers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use launchplane_client::{CallOptions, Contract, Error, prepare};
use launchplane_testkit::{Policy, PolicyRule, Product, StandIn, StandInConfig, TokenOverrides};
use serde_json::Value;

const CORPUS: &str = include_str!("../oracle/launchplane-371132b.json");

/// Launchplane's message when a body fails validation (the stand-in may add detail after it).
const FAILED_VALIDATION: &str = "Request payload failed validation.";

struct Case {
    id: String,
    operation: String,
    params: Vec<(String, String)>,
    body: Option<Value>,
    /// Launchplane's HTTP status; `None` when it did not answer in time (a driver at work).
    status: Option<u16>,
    validation_passed: bool,
    note: String,
}

fn corpus() -> (Value, Vec<Case>) {
    let corpus: Value = serde_json::from_str(CORPUS).expect("the oracle corpus is JSON");
    let cases = corpus["cases"]
        .as_array()
        .expect("the corpus has cases")
        .iter()
        .map(|case| {
            let text = |key: &str| case[key].as_str().unwrap_or_default().to_owned();
            let verdict = &case["verdict"];
            Case {
                id: text("id"),
                operation: text("operation"),
                params: case["params"]
                    .as_object()
                    .map(|params| {
                        params
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                body: Some(case["body"].clone()).filter(|body| !body.is_null()),
                status: verdict["status"].as_u64().map(|s| s as u16),
                validation_passed: match verdict["validation"].as_str() {
                    Some("passed") => true,
                    Some("failed") => false,
                    other => panic!("{}: validation verdict {other:?}", text("id")),
                },
                note: text("note"),
            }
        })
        .collect();
    (corpus, cases)
}

/// The stand-in with the products and grants the corpus was gathered under: product `odoo`
/// (Odoo driver) and `acme-web` (generic-web driver), everything allowed to the caller.
fn stand_in() -> StandIn {
    let config = StandInConfig::default();
    let repository = config.identity.repository.clone();
    StandIn::spawn(StandInConfig {
        products: BTreeMap::from([
            ("odoo".to_owned(), Product::new("odoo", "opw")),
            ("acme-web".to_owned(), Product::new("generic-web", "acme-web")),
        ]),
        policy: Some(Policy {
            schema_version: 1,
            github_actions: vec![PolicyRule::for_repository(&repository)],
        }),
        ..config
    })
}

/// What the client does with the body before anything is sent: `Ok` when it would send it.
fn client_check(case: &Case, index: usize) -> Result<(), String> {
    let options = CallOptions {
        path_params: case.params.clone(),
        idempotency_key: Some(format!("oracle-client-{index}")),
        confirm: true,
        ..Default::default()
    };
    match prepare(&case.operation, case.body.clone(), &options) {
        Ok(_) => Ok(()),
        Err(Error::InvalidBody { violations, .. }) => Err(violations
            .first()
            .map(|v| format!("{}: {}", v.path, v.rule))
            .unwrap_or_else(|| "invalid body".into())),
        Err(other) => Err(other.to_string()),
    }
}

struct StandInAnswer {
    status: u16,
    message: String,
}

async fn stand_in_answer(
    http: &reqwest::Client,
    stand_in: &StandIn,
    token: &str,
    case: &Case,
    index: usize,
) -> StandInAnswer {
    let op = stand_in
        .contract()
        .operation(&case.operation)
        .unwrap_or_else(|| panic!("{}: the spec has no operation {}", case.id, case.operation));
    let path = op.render_path(&case.params).expect("corpus path parameters");
    let url = format!("{}{path}", stand_in.base_url());
    let request = match &case.body {
        Some(body) => http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string()),
        None => http.get(url),
    };
    let answer = request
        .bearer_auth(token)
        .header("idempotency-key", format!("oracle-stand-in-{index}"))
        .send()
        .await
        .expect("the stand-in answers");
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    StandInAnswer {
        status,
        message: body["error"]["message"].as_str().unwrap_or_default().to_owned(),
    }
}

/// Whether the stand-in gave the verdict Launchplane gave: 400 "failed validation" exactly when
/// validation failed; otherwise the success status on a write, and Launchplane's own status on
/// a read.
fn stand_in_agrees(case: &Case, answer: &StandInAnswer, contract: &Contract) -> bool {
    let refused_as_invalid = answer.status == 400 && answer.message.starts_with(FAILED_VALIDATION);
    if !case.validation_passed {
        return refused_as_invalid;
    }
    let op = contract.operation(&case.operation).expect("known operation");
    match &case.body {
        Some(_) => answer.status == op.success_status,
        None => Some(answer.status) == case.status,
    }
}

fn real_verdict(case: &Case) -> String {
    let status = case.status.map_or("no answer".to_owned(), |s| s.to_string());
    let validation = if case.validation_passed { "passed" } else { "failed" };
    format!("{status}, validation {validation}")
}

/// A JSON value shortened for one table cell.
fn cell(value: &str, width: usize) -> String {
    let mut out: String = value.chars().take(width).collect();
    if value.chars().count() > width {
        out.push('…');
    }
    out
}

#[test]
fn client_and_stand_in_give_the_real_launchplanes_verdict_on_every_corpus_body() {
    let (corpus, cases) = corpus();
    let spec_revision = Contract::embedded()
        .document()
        .pointer("/info/x-launchplane-revision")
        .and_then(Value::as_str)
        .expect("the spec names its Launchplane revision");
    assert_eq!(
        corpus["revision"].as_str(),
        Some(spec_revision),
        "the corpus was gathered from another Launchplane revision than the spec describes"
    );
    assert!(cases.len() >= 150, "the corpus holds {} cases", cases.len());
    for op in Contract::embedded().operations() {
        assert!(
            cases.iter().any(|c| c.operation == op.id),
            "the corpus has no case for {}",
            op.id
        );
    }

    let stand_in = stand_in();
    let token = stand_in.mint_token(TokenOverrides::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // reqwest is built without a default crypto provider; plain HTTP still needs one set.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    let mut table = String::new();
    let (mut disagreements, mut client_differs, mut stand_in_differs) = (0, 0, 0);
    for (index, case) in cases.iter().enumerate() {
        let client = client_check(case, index);
        let answer = runtime.block_on(stand_in_answer(&http, &stand_in, &token, case, index));
        let client_agrees = client.is_ok() == case.validation_passed;
        let stand_in_ok = stand_in_agrees(case, &answer, stand_in.contract());
        if client_agrees && stand_in_ok {
            continue;
        }
        disagreements += 1;
        client_differs += usize::from(!client_agrees);
        stand_in_differs += usize::from(!stand_in_ok);
        let client_text = match &client {
            Ok(()) => "sends".to_owned(),
            Err(reason) => format!("refuses ({reason})"),
        };
        let stand_in_text = format!("{} {}", answer.status, cell(&answer.message, 60));
        let value = case.body.as_ref().map(Value::to_string).unwrap_or_default();
        let _ = writeln!(
            table,
            "{}\n    note: {}\n    Launchplane: {} | client: {}{} | stand-in: {}{}\n    body: {}",
            case.id,
            case.note,
            real_verdict(case),
            client_text,
            if client_agrees { "" } else { "  <-- differs" },
            stand_in_text,
            if stand_in_ok { "" } else { "  <-- differs" },
            cell(&value, 240),
        );
    }
    assert!(
        disagreements == 0,
        "{disagreements} of {} corpus bodies get another verdict than the real Launchplane gave \
         (client {client_differs}, stand-in {stand_in_differs}):\n\n{table}",
        cases.len()
    );
}
