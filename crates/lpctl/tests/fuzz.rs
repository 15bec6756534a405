//! Property tests from the spec: bodies generated from each operation's request schema pass
//! the local checks and the stand-in; one mutation of a valid body (wrong type, missing
//! required field, unknown field, value outside an enum, blank where a rule forbids it) is
//! refused locally with the field's path; arbitrary bytes and sizes in every body and file
//! input of lpctl end in an answer, never a panic. Case counts stay small for a fast suite.

mod support;

use std::cell::Cell;

use launchplane_client::contract::{Contract, Operation, Violation, ref_name};
use launchplane_client::{CallOptions, Config, Launchplane, Settings, prepare};
use launchplane_testkit::{StandIn, StandInConfig, TokenOverrides};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use support::*;

const VALID_CASES: u32 = 24;
const MUTATION_CASES: u32 = 32;
const BYTES_CASES: u32 = 16;
/// lpctl's body limit (`crates/lpctl/src/body.rs`), restated to aim sizes at its edge.
const LIMIT: usize = 2 * 1024 * 1024;

/// The keywords JSON Schema reports; anything else in a violation is a cross-field rule id.
const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "required",
    "additionalProperties",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "anyOf",
    "oneOf",
    "allOf",
    "minItems",
    "maxItems",
    "const",
];

/// A runner with a fixed seed: the suite explores the same cases on every run, so a failure
/// is a change in lpctl or the spec, not the luck of the draw.
fn runner(cases: u32) -> TestRunner {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

fn resolve<'c>(contract: &'c Contract, schema: &'c Value) -> &'c Value {
    let mut current = schema;
    for _ in 0..8 {
        match current
            .get("$ref")
            .or_else(|| current.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name)
            .and_then(|name| contract.schema(name))
        {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

fn with_schema(op: &Operation) -> Option<&'static Value> {
    let contract = Contract::embedded();
    contract.schema(op.request_schema.as_deref()?)
}

/// Values for a field: the spec's choices where it has them (enums, booleans, integer
/// ranges), the example's value for free text (names of products and lanes the stand-in knows).
fn value_strategy(
    contract: &'static Contract,
    schema: &'static Value,
    example: Option<&Value>,
) -> BoxedStrategy<Value> {
    let schema = resolve(contract, schema);
    if let Some(choices) = schema.get("enum").and_then(Value::as_array) {
        return proptest::sample::select(choices.clone()).boxed();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("integer") => {
            let low = schema.get("minimum").and_then(Value::as_i64).unwrap_or(0);
            let high = schema.get("maximum").and_then(Value::as_i64).unwrap_or(low + 3600);
            (low..=high).prop_map(Value::from).boxed()
        }
        Some("object") if schema.get("properties").is_some() => {
            object_strategy(contract, schema, example.and_then(Value::as_object))
        }
        _ => Just(
            example
                .cloned()
                .unwrap_or_else(|| schema.get("default").cloned().unwrap_or(Value::Null)),
        )
        .boxed(),
    }
}

fn object_strategy(
    contract: &'static Contract,
    schema: &'static Value,
    example: Option<&Map<String, Value>>,
) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let given = example.and_then(|e| e.get(name));
        let resolved = resolve(contract, property);
        let generatable = given.is_some()
            || resolved.get("enum").is_some()
            || matches!(
                resolved.get("type").and_then(Value::as_str),
                Some("boolean" | "integer")
            );
        if !generatable {
            continue;
        }
        let name = name.clone();
        fields.push(
            value_strategy(contract, property, given)
                .prop_map(move |v| Some((name.clone(), v)))
                .boxed(),
        );
    }
    let required: Vec<String> = required.iter().map(|s| s.to_string()).collect();
    (fields, proptest::collection::vec(any::<bool>(), 64))
        .prop_map(move |(values, keep)| {
            let mut object = Map::new();
            for (index, entry) in values.into_iter().enumerate() {
                if let Some((name, value)) = entry
                    && (required.contains(&name) || keep[index % keep.len()])
                {
                    object.insert(name, value);
                }
            }
            Value::Object(object)
        })
        .boxed()
}

fn body_strategy(op: &Operation) -> BoxedStrategy<Value> {
    let contract = Contract::embedded();
    let schema = with_schema(op).expect("a request schema");
    let example = contract.request_example(op).expect("a request example");
    object_strategy(contract, schema, example.as_object())
}

fn is_rule(violation: &Violation) -> bool {
    !SCHEMA_KEYWORDS.contains(&violation.rule.as_str())
}

#[test]
fn bodies_generated_from_the_schema_pass_local_checks_and_the_stand_in() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let token = stand_in.mint_token(TokenOverrides::default());
    struct Token(String);
    impl launchplane_client::config::Environment for Token {
        fn var(&self, name: &str) -> Option<String> {
            (name == "LAUNCHPLANE_TOKEN").then(|| self.0.clone())
        }
    }
    let settings = Settings {
        url: Some(stand_in.base_url().to_owned()),
        ..Default::default()
    };
    let launchplane = Launchplane::new(Config::resolve(settings, &Token(token)).unwrap()).unwrap();
    let runtime = tokio_runtime();
    let contract = Contract::embedded();
    let (accepted, ruled_out, sent) = (Cell::new(0), Cell::new(0), Cell::new(0));
    for op in contract.operations().iter().filter(|op| op.request_schema.is_some()) {
        let mut runner = runner(VALID_CASES);
        runner
            .run(&body_strategy(op), |body| {
                match contract.validate_body(op, &body) {
                    Ok(()) => {}
                    Err(violations) => {
                        // Independent fields drawn at random may break a cross-field rule;
                        // the schema itself must always hold.
                        prop_assert!(
                            violations.iter().all(is_rule),
                            "{}: a body generated from the schema breaks it: {violations:?}\n{body}",
                            op.id
                        );
                        ruled_out.set(ruled_out.get() + 1);
                        return Ok(());
                    }
                }
                sent.set(sent.get() + 1);
                let options = CallOptions {
                    confirm: true,
                    idempotency_key: Some(format!("fuzz-{}-{}", op.id, sent.get())),
                    ..Default::default()
                };
                let prepared = prepare(&op.id, Some(body.clone()), &options)
                    .map_err(|e| TestCaseError::fail(format!("{}: prepare refused a valid body: {e}", op.id)))?;
                match runtime.block_on(launchplane.send(&prepared)) {
                    Ok(outcome) => {
                        prop_assert_eq!(outcome.http_status, op.success_status);
                        accepted.set(accepted.get() + 1);
                        Ok(())
                    }
                    Err(error) => Err(TestCaseError::fail(format!(
                        "{}: the stand-in refused a body the local checks passed: {error}\n{body}",
                        op.id
                    ))),
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let total = accepted.get() + ruled_out.get();
    assert!(
        accepted.get() * 2 > total,
        "too few generated bodies were valid: {} accepted, {} broke a cross-field rule",
        accepted.get(),
        ruled_out.get()
    );
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Where one mutation goes, and the violation path it must produce.
#[derive(Debug, Clone)]
enum Site {
    WrongType { path: Vec<String>, kind: String },
    MissingRequired { parent: Vec<String>, field: String },
    UnknownField { parent: Vec<String> },
    OutsideEnum { path: Vec<String> },
    Blank { path: Vec<String> },
}

fn sites(contract: &Contract, schema: &Value, value: &Value, path: &[String], out: &mut Vec<Site>) {
    let schema = resolve(contract, schema);
    if schema.get("anyOf").is_some() || schema.get("oneOf").is_some() {
        return;
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        out.push(Site::WrongType {
            path: path.to_vec(),
            kind: kind.to_owned(),
        });
    }
    if schema.get("enum").is_some() && value.is_string() {
        out.push(Site::OutsideEnum { path: path.to_vec() });
    }
    match value {
        Value::Object(object) => {
            for field in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                if let Some(field) = field.as_str().filter(|f| object.contains_key(*f)) {
                    out.push(Site::MissingRequired {
                        parent: path.to_vec(),
                        field: field.to_owned(),
                    });
                }
            }
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                out.push(Site::UnknownField { parent: path.to_vec() });
            }
            for rule in schema
                .get("x-launchplane-rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|rule| rule.get("when").is_none())
            {
                let check = rule.get("check");
                let field = check.and_then(|c| c.get("field")).and_then(Value::as_str);
                let non_blank = check.and_then(|c| c.get("non_blank")) == Some(&Value::Bool(true));
                if let (Some(field), true) = (field, non_blank)
                    && !field.contains('.')
                    && object.get(field).is_some_and(Value::is_string)
                {
                    out.push(Site::Blank {
                        path: [path, &[field.to_owned()]].concat(),
                    });
                }
            }
            for (name, child) in object {
                if let Some(property) = schema.pointer(&format!("/properties/{name}")) {
                    let child_path = [path, std::slice::from_ref(name)].concat();
                    sites(contract, property, child, &child_path, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    let item_path = [path, &[index.to_string()]].concat();
                    sites(contract, item_schema, item, &item_path, out);
                }
            }
        }
        _ => {}
    }
}

fn at<'v>(value: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(value, |current, segment| match current {
        Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
        other => &mut other[segment.as_str()],
    })
}

/// Applies the mutation; returns the path the violation must name, and a word its message holds.
fn mutate(body: &mut Value, site: &Site) -> (String, Option<String>) {
    let dot = |path: &[String]| path.join(".");
    match site {
        Site::WrongType { path, kind } => {
            *at(body, path) = match kind.as_str() {
                "string" => json!(12345),
                "integer" | "number" => json!("not a number"),
                "boolean" => json!("maybe"),
                "array" => json!({"not": "a list"}),
                _ => json!(7),
            };
            (dot(path), None)
        }
        Site::MissingRequired { parent, field } => {
            at(body, parent).as_object_mut().unwrap().remove(field);
            (dot(parent), Some(field.clone()))
        }
        Site::UnknownField { parent } => {
            at(body, parent)
                .as_object_mut()
                .unwrap()
                .insert("unknown_fuzz_field".into(), json!(true));
            (dot(parent), Some("unknown_fuzz_field".into()))
        }
        Site::OutsideEnum { path } => {
            *at(body, path) = json!("not-one-of-the-choices");
            (dot(path), None)
        }
        Site::Blank { path } => {
            *at(body, path) = json!("   ");
            (dot(path), None)
        }
    }
}

#[test]
fn one_mutation_of_a_valid_body_is_refused_locally_with_the_fields_path() {
    let contract = Contract::embedded();
    let kinds = Cell::new([0usize; 5]);
    for op in contract.operations().iter().filter(|op| op.request_schema.is_some()) {
        let schema = with_schema(op).unwrap();
        let example = contract.request_example(op).unwrap();
        let mut runner = runner(MUTATION_CASES);
        let strategy = (body_strategy(op), any::<proptest::sample::Index>());
        runner
            .run(&strategy, |(generated, pick)| {
                // Mutate a body the local checks accept: the generated one, else the example.
                let base = if contract.validate_body(op, &generated).is_ok() {
                    generated
                } else {
                    example.clone()
                };
                let mut found = Vec::new();
                sites(contract, schema, &base, &[], &mut found);
                prop_assume!(!found.is_empty());
                let site = pick.get(&found).clone();
                let mut body = base.clone();
                let (path, word) = mutate(&mut body, &site);
                let violations = contract
                    .validate_body(op, &body)
                    .err()
                    .ok_or_else(|| TestCaseError::fail(format!("{}: {site:?} was not refused:\n{body}", op.id)))?;
                let named = violations
                    .iter()
                    .any(|v| v.path == path && word.as_deref().is_none_or(|w| v.message.contains(w)));
                prop_assert!(named, "{}: {site:?}: no violation at `{path}`: {violations:?}", op.id);
                let mut counts = kinds.get();
                counts[match site {
                    Site::WrongType { .. } => 0,
                    Site::MissingRequired { .. } => 1,
                    Site::UnknownField { .. } => 2,
                    Site::OutsideEnum { .. } => 3,
                    Site::Blank { .. } => 4,
                }] += 1;
                kinds.set(counts);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        kinds.get().iter().all(|&n| n > 0),
        "every kind of mutation ran: {:?}",
        kinds.get()
    );
}

/// Arguments and environment of one lpctl run that reads the file.
type Input<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// A file's bytes: arbitrary, optionally padded to sizes around the body limit.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pad = prop_oneof![Just(0usize), Just(LIMIT - 64), Just(LIMIT + 1), 0usize..4096];
    let head = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        Just(br#"{"x": 1}"#.to_vec()),
        Just(b"[]".to_vec()),
        Just(b"\xef\xbb\xbf{}".to_vec()),
    ];
    (head, pad).prop_map(|(mut bytes, pad)| {
        bytes.resize(bytes.len() + pad, b' ');
        bytes
    })
}

#[test]
fn arbitrary_bytes_in_every_file_input_get_an_answer_not_a_panic() {
    let dir = scratch("fuzz-bytes");
    let file = dir.join("input");
    let path = file.to_string_lossy().into_owned();
    let deploy = [
        "generic-web",
        "deploy",
        "--product",
        "sellyouroutboard",
        "--instance",
        "testing",
        "--artifact-id",
        "ghcr.io/x/y@sha256:1",
        "--dry-run",
    ];
    let inputs: Vec<Input> = vec![
        (
            vec!["call", "evidence_deployments", "--body", &path, "--dry-run"],
            vec![],
        ),
        (
            vec![
                "evidence",
                "deployment",
                "--product",
                "opw",
                "--file",
                &path,
                "--dry-run",
            ],
            vec![],
        ),
        (
            vec![
                "odoo",
                "artifact-publish",
                "--product",
                "opw",
                "--context",
                "opw",
                "--instance",
                "testing",
                "--manifest",
                &path,
                "--dry-run",
            ],
            vec![],
        ),
        (
            vec![
                "previews",
                "lifecycle-plan",
                "--product",
                "opw",
                "--context",
                "opw",
                "--desired-state-id",
                "d",
                "--desired-previews",
                &path,
                "--dry-run",
            ],
            vec![],
        ),
        (deploy.to_vec(), vec![("GITHUB_EVENT_PATH", path.as_str())]),
    ];
    let mut runner = runner(BYTES_CASES);
    runner
        .run(&file_bytes(), |bytes| {
            std::fs::write(&file, &bytes).unwrap();
            for (args, env) in &inputs {
                let run = lpctl(args, env);
                prop_assert!(
                    run.code == 0 || run.code == 2,
                    "{args:?} with {} bytes: exit {}: {}",
                    bytes.len(),
                    run.code,
                    run.all()
                );
                prop_assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
                if bytes.len() > LIMIT {
                    prop_assert_eq!(run.code, 2);
                    prop_assert!(run.stderr.contains("at most 2097152 bytes"), "{}", run.stderr);
                }
            }
            // The same bytes on stdin.
            let run = lpctl_with_stdin(
                &["call", "evidence_deployments", "--body", "-", "--dry-run"],
                &[],
                Some(&bytes),
            );
            prop_assert!(
                run.code == 0 || run.code == 2,
                "stdin: exit {}: {}",
                run.code,
                run.all()
            );
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A rule of a schema reached through a nullable (`allOf`-wrapped) reference is checked too.
#[test]
fn rules_below_a_nullable_reference_are_checked() {
    let contract = Contract::embedded();
    let op = contract.operation("evidence_deployments").unwrap();
    let mut body = contract.request_example(op).unwrap();
    body["deployment"]["resolved_target"]["target_id"] = json!("   ");
    let violations = contract
        .validate_body(op, &body)
        .expect_err("Launchplane refuses a blank target_id");
    assert!(
        violations
            .iter()
            .any(|v| v.path == "deployment.resolved_target.target_id"),
        "{violations:?}"
    );
}
