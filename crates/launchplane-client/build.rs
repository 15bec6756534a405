//! Generates the typed Launchplane client from the checked-in OpenAPI spec, plus a dispatcher
//! from operationId to the generated builder of that operation.

use std::{env, fs, path::PathBuf};

use openapiv3::{OpenAPI, Parameter, ReferenceOr};

/// The spec inside the crate: a symlink to the workspace's `openapi/launchplane-v1.yaml`, which
/// `cargo package` stores as a file, so the published crate builds from the same spec.
const SPEC: &str = "openapi/launchplane-v1.yaml";

fn main() {
    // Read at run time: `env!` would bake in the manifest dir of whichever checkout first built
    // this script, and a shared target dir would then generate from another tree's spec.
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let spec_path = manifest_dir.join(SPEC);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    if let Ok(target) = fs::canonicalize(&spec_path) {
        println!("cargo:rerun-if-changed={}", target.display());
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));

    let text = fs::read_to_string(&spec_path).expect("read openapi/launchplane-v1.yaml");
    let document: serde_json::Value = serde_norway::from_str(&text).expect("parse openapi/launchplane-v1.yaml");
    let spec: OpenAPI = serde_json::from_value(document.clone()).expect("openapi/launchplane-v1.yaml is OpenAPI 3.0");

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type("crate::auth::CallState".parse().expect("inner type"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        // Deterministic key order for free-form maps, so identical requests are identical bytes.
        .with_map_type("::std::collections::BTreeMap");
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .expect("generate the client from the spec");
    let mut code = prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"));
    code.push_str(&dispatcher(&spec));
    let file: syn::File = syn::parse_str(&code).expect("dispatcher parses");
    fs::write(out_dir.join("launchplane_v1.rs"), prettyplease::unparse(&file)).expect("write generated client");

    let revision = document
        .pointer("/info/x-launchplane-revision")
        .and_then(serde_json::Value::as_str)
        .expect("the spec names its Launchplane revision (info.x-launchplane-revision)");
    // Dependents' build scripts read it as DEP_LAUNCHPLANE_SPEC_REVISION (`links`).
    println!("cargo:revision={revision}");
}

/// `send` and `normalize_body`: operationId → the generated builder and body type.
fn dispatcher(spec: &OpenAPI) -> String {
    let mut send_arms = String::new();
    let mut normalize_arms = String::new();
    let mut ids = Vec::new();
    for (path, method, op) in spec.operations() {
        let id = op.operation_id.as_deref().expect("every operation has an operationId");
        ids.push(format!("{id:?}"));
        let mut call = format!("let mut call = client.{id}();");
        for param in &op.parameters {
            match param {
                ReferenceOr::Item(Parameter::Path { parameter_data, .. }) => {
                    let name = &parameter_data.name;
                    call.push_str(&format!(
                        "call = call.{name}(crate::dispatch::path_param(params, {name:?})?);"
                    ));
                }
                // Query parameters come in `params` too (`lpctl call --route-path …?name=value`);
                // the caller has checked them against the spec.
                ReferenceOr::Item(Parameter::Query { parameter_data, .. }) => {
                    let name = &parameter_data.name;
                    let method = name.replace('-', "_");
                    call.push_str(&format!(
                        "if let Some(value) = crate::dispatch::query_param(params, {name:?}) {{ call = call.{method}(value); }}"
                    ));
                }
                _ => {}
            }
        }
        let body_type = op.request_body.as_ref().map(|body| {
            let ReferenceOr::Item(body) = body else {
                panic!("{id}: request body must be inline")
            };
            let schema = body.content.get("application/json").and_then(|m| m.schema.as_ref());
            match schema {
                Some(ReferenceOr::Reference { reference }) => {
                    reference.trim_start_matches("#/components/schemas/").to_owned()
                }
                _ => panic!("{id}: request body must be a $ref to a component schema"),
            }
        });
        if let Some(body_type) = &body_type {
            call.push_str(&format!(
                "let body: types::{body_type} = crate::dispatch::typed_body(body)?; call = call.body(body);"
            ));
            normalize_arms.push_str(&format!(
                "{id:?} => crate::dispatch::retyped::<types::{body_type}>(body),"
            ));
        }
        let takes_key = op.parameters.iter().any(|p| match p {
            ReferenceOr::Reference { reference } => reference.ends_with("/IdempotencyKey"),
            ReferenceOr::Item(item) => item.parameter_data_ref().name == "Idempotency-Key",
        });
        if takes_key {
            call.push_str("if let Some(key) = idempotency_key { call = call.idempotency_key(key); }");
        }
        let _ = (path, method);
        send_arms.push_str(&format!(
            "{id:?} => {{ {call} Ok(crate::dispatch::reply(call.send().await)) }}"
        ));
    }
    let roundtrip_arms: String = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .map(|name| format!("{name:?} => crate::dispatch::retyped::<types::{name}>(value),"))
        .collect();
    format!(
        r#"
/// A value of a component schema read into its generated type and written back out.
pub fn roundtrip(schema: &str, value: serde_json::Value) -> Result<serde_json::Value, crate::dispatch::DispatchError> {{
    match schema {{
        {roundtrip_arms}
        other => Err(crate::dispatch::DispatchError::Body(format!("no generated type for `{{other}}`"))),
    }}
}}

/// Every operationId of the spec.
pub const OPERATION_IDS: &[&str] = &[{ids}];

/// Sends one request of `operation_id` through its generated builder.
#[allow(unused_mut, unused_variables)]
pub async fn send(
    client: &Client,
    operation_id: &str,
    params: &[(String, String)],
    body: Option<serde_json::Value>,
    idempotency_key: Option<&str>,
) -> Result<crate::dispatch::Reply, crate::dispatch::DispatchError> {{
    match operation_id {{
        {send_arms}
        other => Err(crate::dispatch::DispatchError::UnknownOperation(other.to_owned())),
    }}
}}

/// The body as the generated type serializes it: defaults written out, as it goes on the wire.
pub fn normalize_body(
    operation_id: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, crate::dispatch::DispatchError> {{
    match operation_id {{
        {normalize_arms}
        _ => Ok(body),
    }}
}}
"#,
        ids = ids.join(", ")
    )
}
