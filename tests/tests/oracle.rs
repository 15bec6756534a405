//! The real Launchplane's verdicts on a corpus of bodies (`tests/oracle/`, gathered from
//! Launchplane itself) against the contract model of the spec of that revision, and, where the
//! current spec left the route and its body unchanged, the client's checks and the stand-in.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use launchplane_client::contract::RequestError;
use launchplane_client::{CallOptions, Contract, Error, Operation, prepare};
use launchplane_testkit::{Policy, PolicyRule, Product, StandIn, StandInConfig, TokenOverrides};
use serde_json::{Value, json};

const CORPUS: &str = include_str!("../oracle/launchplane-371132b.json");
/// The spec of the Launchplane revision the corpus was gathered from.
const CORPUS_SPEC: &str = include_str!("../../openapi/fixtures/launchplane-v1-371132b.yaml");
/// Lists the operations checked only against the corpus revision's spec.
const README: &str = include_str!("../oracle/README.md");

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

/// The contract model of the spec the corpus was gathered under.
fn corpus_contract(corpus: &Value) -> Contract {
    let document: Value = serde_norway::from_str(CORPUS_SPEC).expect("the corpus revision's spec is YAML");
    let contract = Contract::from_document(document).expect("the corpus revision's spec is well formed");
    let revision = contract
        .document()
        .pointer("/info/x-launchplane-revision")
        .and_then(Value::as_str)
        .expect("the spec names its Launchplane revision");
    assert_eq!(
        corpus["revision"].as_str(),
        Some(revision),
        "the corpus was gathered from another Launchplane revision than its spec describes"
    );
    contract
}

/// What a spec says about a request: route, path and query parameters, and the body's JSON Schema
/// (without the annotations validation ignores) with every cross-field rule the body reaches
/// (JSON Schema leaves the rules out).
fn request_contract(contract: &Contract, op: &Operation) -> Value {
    let body = op.request_schema.as_deref().map(|name| {
        let mut schema = contract.json_schema(name);
        if let Some(components) = schema["components"]["schemas"].as_object_mut() {
            components.values_mut().for_each(without_annotations);
        }
        let mut rules = Vec::new();
        for component in schema["components"]["schemas"]
            .as_object()
            .into_iter()
            .flat_map(|c| c.keys())
        {
            collect_rules(
                contract.schema(component).unwrap_or(&Value::Null),
                component,
                &mut rules,
            );
        }
        json!({ "schema": schema, "rules": rules })
    });
    json!({
        "method": op.method,
        "path": op.path,
        "query": op.query_parameters.iter().map(|q| json!([q.name, q.required])).collect::<Vec<_>>(),
        "path_parameters": path_parameters(contract, op),
        "body": body,
    })
}

/// The path parameters an operation declares (on its path item or itself), `$ref`s followed,
/// each with its schema as JSON Schema.
fn path_parameters(contract: &Contract, op: &Operation) -> Vec<Value> {
    let item = format!("/paths/{}", op.path.replace('~', "~0").replace('/', "~1"));
    let declared = [item.clone(), format!("{item}/{}", op.method.to_ascii_lowercase())];
    let document = contract.document();
    let mut parameters: Vec<Value> = declared
        .iter()
        .filter_map(|at| document.pointer(&format!("{at}/parameters")).and_then(Value::as_array))
        .flatten()
        .map(|parameter| match parameter["$ref"].as_str() {
            Some(reference) => document
                .pointer(reference.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => parameter.clone(),
        })
        .filter(|parameter| parameter["in"] == "path")
        .map(|parameter| {
            let mut schema = launchplane_client::contract::to_json_schema(&parameter["schema"]);
            without_annotations(&mut schema);
            json!([parameter["name"], parameter["required"], schema])
        })
        .collect();
    parameters.sort_by_key(Value::to_string);
    parameters
}

/// A JSON Schema without `description` and `title`, in the schema and every subschema (and
/// nowhere else: a property may be named `description`, a default may hold one).
fn without_annotations(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else { return };
    map.remove("description");
    map.remove("title");
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" => {
                value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                    .for_each(without_annotations);
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                value.as_array_mut().into_iter().flatten().for_each(without_annotations);
            }
            "items" | "not" | "additionalProperties" | "if" | "then" | "else" => without_annotations(value),
            _ => {}
        }
    }
}

fn collect_rules(schema: &Value, at: &str, rules: &mut Vec<Value>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "x-launchplane-rules" {
                    rules.push(json!([at, value]));
                } else {
                    collect_rules(value, &format!("{at}/{key}"), rules);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_rules(item, &format!("{at}/{index}"), rules);
            }
        }
        _ => {}
    }
}

/// The operations of the corpus revision whose request the current spec states otherwise
/// (or no longer has): their cases are checked against the corpus revision's model only.
fn changed_operations(corpus_spec: &Contract, current: &Contract) -> BTreeSet<String> {
    corpus_spec
        .operations()
        .iter()
        .filter(|op| {
            current
                .operation(&op.id)
                .is_none_or(|now| request_contract(current, now) != request_contract(corpus_spec, op))
        })
        .map(|op| op.id.clone())
        .collect()
}

/// The operations `README.md` lists as changed: the `- \`id\`` lines of its section on them.
fn listed_as_changed() -> BTreeSet<String> {
    let section = README
        .split("## Operations checked against the corpus revision's spec only")
        .nth(1)
        .expect("README.md has the section listing changed operations");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

/// What the corpus revision's contract model says of the call: `Ok` when it would send it.
fn corpus_spec_check(contract: &Contract, case: &Case) -> Result<(), String> {
    match contract.check_request(&case.operation, &case.params, case.body.clone()) {
        Ok(_) => Ok(()),
        Err(RequestError::InvalidBody { violations, .. }) => Err(violations
            .first()
            .map(|v| format!("{}: {}", v.path, v.rule))
            .unwrap_or_else(|| "invalid body".into())),
        Err(other) => Err(other.to_string()),
    }
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
fn corpus_spec_model_client_and_stand_in_give_the_real_launchplanes_verdict() {
    let (corpus, cases) = corpus();
    let corpus_spec = corpus_contract(&corpus);
    let current = Contract::embedded();
    assert!(cases.len() >= 150, "the corpus holds {} cases", cases.len());
    for op in corpus_spec.operations() {
        assert!(
            cases.iter().any(|c| c.operation == op.id),
            "the corpus has no case for {}",
            op.id
        );
    }
    let changed = changed_operations(&corpus_spec, current);
    assert_eq!(
        listed_as_changed(),
        changed,
        "tests/oracle/README.md lists other operations as changed than the specs show"
    );
    let unchanged = corpus_spec.operations().len() - changed.len();
    assert!(
        unchanged > 0,
        "no operation kept its request: nothing checks the client"
    );

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
    let (mut disagreements, mut model_differs, mut client_differs, mut stand_in_differs) = (0, 0, 0, 0);
    let mut current_checked = 0;
    for (index, case) in cases.iter().enumerate() {
        let model = corpus_spec_check(&corpus_spec, case);
        let model_agrees = model.is_ok() == case.validation_passed;
        let (client, answer) = if changed.contains(&case.operation) {
            (None, None)
        } else {
            current_checked += 1;
            let client = client_check(case, index);
            let answer = runtime.block_on(stand_in_answer(&http, &stand_in, &token, case, index));
            (Some(client), Some(answer))
        };
        let client_agrees = client.as_ref().is_none_or(|c| c.is_ok() == case.validation_passed);
        let stand_in_ok = answer
            .as_ref()
            .is_none_or(|a| stand_in_agrees(case, a, stand_in.contract()));
        if model_agrees && client_agrees && stand_in_ok {
            continue;
        }
        disagreements += 1;
        model_differs += usize::from(!model_agrees);
        client_differs += usize::from(!client_agrees);
        stand_in_differs += usize::from(!stand_in_ok);
        let verdict = |check: &Result<(), String>| match check {
            Ok(()) => "sends".to_owned(),
            Err(reason) => format!("refuses ({reason})"),
        };
        let flag = |agrees: bool| if agrees { "" } else { "  <-- differs" };
        let client_text = client.as_ref().map_or("not run".to_owned(), verdict);
        let stand_in_text = answer.as_ref().map_or("not run".to_owned(), |a| {
            format!("{} {}", a.status, cell(&a.message, 60))
        });
        let value = case.body.as_ref().map(Value::to_string).unwrap_or_default();
        let _ = writeln!(
            table,
            "{}\n    note: {}\n    Launchplane: {} | model: {}{} | client: {}{} | stand-in: {}{}\n    body: {}",
            case.id,
            case.note,
            real_verdict(case),
            verdict(&model),
            flag(model_agrees),
            client_text,
            flag(client_agrees),
            stand_in_text,
            flag(stand_in_ok),
            cell(&value, 240),
        );
    }
    println!(
        "{} corpus cases: all against the corpus revision's model; {current_checked} (of {unchanged} unchanged \
         operations) also against the client and the stand-in; changed: {}",
        cases.len(),
        changed.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    assert!(
        disagreements == 0,
        "{disagreements} of {} corpus bodies get another verdict than the real Launchplane gave \
         (corpus revision's model {model_differs}, client {client_differs}, stand-in {stand_in_differs}):\n\n{table}",
        cases.len()
    );
}
