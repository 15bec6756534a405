//! The spec's own shape for what FastAPI declares per route: authentication is the document's
//! security scheme (not `Authorization`/`Cookie` header parameters), the `Idempotency-Key`
//! header is one shared parameter, and every error status answers one shared response.

use serde_json::{Map, Value, json};

use crate::spec::doc;

/// Header parameters FastAPI declares because the handler reads them; the spec's security
/// scheme stands for them, and the client generator cannot send cookies.
const AUTH_HEADERS: [&str; 2] = ["authorization", "cookie"];
/// Shared component names the spec's house rules refer to.
pub const IDEMPOTENCY_KEY: &str = "IdempotencyKey";
pub const REJECTED: &str = "Rejected";

pub fn apply(doc: &mut Value) {
    let error_schema = common_error_schema(doc);
    let mut idempotency: Option<Value> = None;
    let mut rejected_used = false;
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, op) in item.iter_mut() {
                if !doc::METHODS.contains(&key.as_str()) {
                    continue;
                }
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    params.retain(|p| !is_auth_header(p));
                    for p in params.iter_mut() {
                        share_idempotency_key(p, &mut idempotency);
                    }
                    if params.is_empty() {
                        op.as_object_mut().map(|o| o.remove("parameters"));
                    }
                }
                if let (Some(schema), Some(Value::Object(responses))) = (&error_schema, op.get_mut("responses")) {
                    for (status, response) in responses.iter_mut() {
                        if is_error_status(status) && response_schema_ref(response) == Some(schema.as_str()) {
                            *response = json!({"$ref": format!("#/components/responses/{REJECTED}")});
                            rejected_used = true;
                        }
                    }
                }
            }
        }
    }
    let components = doc
        .as_object_mut()
        .expect("a document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    if let Some(param) = idempotency {
        insert(components, "parameters", IDEMPOTENCY_KEY, param);
    }
    if let (true, Some(schema)) = (rejected_used, error_schema) {
        let response = json!({
            "description": "Launchplane rejected the request.",
            "content": {"application/json": {"schema": {"$ref": schema}}}
        });
        insert(components, "responses", REJECTED, response);
    }
}

fn insert(components: &mut Value, kind: &str, name: &str, value: Value) {
    if let Value::Object(c) = components {
        let entries = c.entry(kind).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(entries) = entries {
            entries.entry(name).or_insert(value);
        }
    }
}

fn is_auth_header(p: &Value) -> bool {
    p.get("in").and_then(Value::as_str) == Some("header")
        && p.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| AUTH_HEADERS.contains(&n.to_ascii_lowercase().as_str()))
}

/// The first `Idempotency-Key` declaration becomes the shared parameter; declarations equal to
/// it refer to it, different ones (a required key, a length limit) stay on their route.
fn share_idempotency_key(p: &mut Value, shared: &mut Option<Value>) {
    let is_key = p.get("in").and_then(Value::as_str) == Some("header")
        && p.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("idempotency-key"));
    if !is_key {
        return;
    }
    let first = shared.get_or_insert_with(|| p.clone());
    if first == p {
        *p = json!({"$ref": format!("#/components/parameters/{IDEMPOTENCY_KEY}")});
    }
}

fn is_error_status(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn response_schema_ref(response: &Value) -> Option<&str> {
    response
        .pointer("/content/application~1json/schema")
        .and_then(doc::ref_of)
}

/// The schema every error response of the document refers to, when there is exactly one.
fn common_error_schema(doc: &Value) -> Option<String> {
    let mut found: Option<&str> = None;
    for op in doc::operations(doc) {
        let Some(Value::Object(responses)) = op.value.get("responses") else {
            continue;
        };
        for (status, response) in responses {
            if !is_error_status(status) {
                continue;
            }
            let r = response_schema_ref(response)?;
            match found {
                None => found = Some(r),
                Some(f) if f == r => {}
                Some(_) => return None,
            }
        }
    }
    found.map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(description: &str) -> Value {
        json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Err"}}}})
    }

    fn header(name: &str, schema: Value) -> Value {
        json!({"in": "header", "name": name, "required": false, "schema": schema})
    }

    #[test]
    fn auth_headers_dropped_key_shared_errors_one_response() {
        let plain = json!({"type": "string", "default": ""});
        let limited = json!({"type": "string", "default": "", "maxLength": 256});
        let mut d = json!({"paths": {
            "/a": {"post": {"parameters": [header("Idempotency-Key", plain.clone()), header("Authorization", plain.clone()), header("Cookie", plain.clone())],
                            "responses": {"202": {"description": "ok"}, "400": error("Bad Request"), "503": error("Service Unavailable")}}},
            "/b": {"post": {"parameters": [header("Idempotency-Key", limited.clone())], "responses": {"409": error("Conflict")}}},
            "/c": {"get": {"parameters": [header("Authorization", plain.clone())], "responses": {"200": {"description": "ok"}}}}
        }});
        apply(&mut d);
        assert_eq!(
            d.pointer("/paths/~1a/post/parameters"),
            Some(&json!([{"$ref": "#/components/parameters/IdempotencyKey"}]))
        );
        assert_eq!(d.pointer("/paths/~1b/post/parameters/0/schema"), Some(&limited));
        assert!(d.pointer("/paths/~1c/get/parameters").is_none());
        assert_eq!(
            d.pointer("/paths/~1a/post/responses/400"),
            Some(&json!({"$ref": "#/components/responses/Rejected"}))
        );
        assert_eq!(
            d.pointer("/paths/~1a/post/responses/202"),
            Some(&json!({"description": "ok"}))
        );
        assert_eq!(
            d.pointer("/components/responses/Rejected/content/application~1json/schema/$ref"),
            Some(&json!("#/components/schemas/Err"))
        );
        assert_eq!(d.pointer("/components/parameters/IdempotencyKey/schema"), Some(&plain));
    }
}
