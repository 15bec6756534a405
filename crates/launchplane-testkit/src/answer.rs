//! Success bodies: the spec's example, carrying the request's facts and what Launchplane
//! derives from them, with test overrides merged in.

use serde_json::{Map, Value};

use crate::derive::{self, Facts};

/// The 202 body of an executed write: the operation's example envelope with a fresh trace
/// id, the example request's facts replaced by the ones sent, its `result` echoing the
/// request's scalar fields, the fields Launchplane derives (ids, transitions, lanes) derived
/// from the request, then `patch` merged over `result`.
pub(crate) fn accepted(
    example: Option<Value>,
    facts: Option<&Facts>,
    example_request: Option<&Value>,
    request: &Value,
    patch: Option<&Value>,
    trace_id: &str,
) -> Value {
    let mut payload = match example {
        Some(example @ Value::Object(_)) => example,
        _ => Value::Object(Map::new()),
    };
    let derived = facts.map(derive::compute).unwrap_or_default();
    if facts.is_some() {
        derive::substitute(&derived, example_request, request, &mut payload);
    }
    if let Some(envelope) = payload.as_object_mut() {
        envelope.insert("status".into(), "accepted".into());
        envelope.insert("trace_id".into(), trace_id.into());
        envelope.entry("records").or_insert_with(|| Value::Object(Map::new()));
        envelope.remove("replayed");
        envelope.remove("original_trace_id");
        if let (Some(Value::Object(result)), Value::Object(request)) = (envelope.get_mut("result"), request) {
            echo_request(result, request);
        }
    }
    derive::write(derived, &mut payload);
    if let (Some(patch), Some(envelope)) = (patch, payload.as_object_mut()) {
        merge_patch(
            envelope.entry("result").or_insert_with(|| Value::Object(Map::new())),
            patch,
        );
    }
    payload
}

/// The 200 body of a read: the example with a fresh trace id, fields named like a path
/// parameter (at the top or one object down) taking its value, then `patch` merged over it.
pub(crate) fn read(
    example: Option<Value>,
    path_parameters: &Map<String, Value>,
    patch: Option<&Value>,
    trace_id: &str,
) -> Value {
    let mut payload = match example {
        Some(Value::Object(map)) => map,
        _ => Map::from_iter([("status".to_owned(), Value::from("ok"))]),
    };
    echo(&mut payload, path_parameters);
    for nested in payload.values_mut().filter_map(Value::as_object_mut) {
        echo(nested, path_parameters);
    }
    payload.insert("trace_id".into(), trace_id.into());
    let mut payload = Value::Object(payload);
    if let Some(patch) = patch {
        merge_patch(&mut payload, patch);
    }
    payload
}

/// Result fields named like a scalar field of the envelope or of one of its nested
/// objects take the request's value; nested fields win over the envelope's.
fn echo_request(result: &mut Map<String, Value>, request: &Map<String, Value>) {
    let mut sent: Map<String, Value> = scalars(request).collect();
    for nested in request.values().filter_map(Value::as_object) {
        sent.extend(scalars(nested));
    }
    echo(result, &sent);
}

/// Scalar fields of `fields` that `sent` names take the sent value.
fn echo(fields: &mut Map<String, Value>, sent: &Map<String, Value>) {
    for (name, value) in fields.iter_mut() {
        if is_scalar(value)
            && let Some(sent) = sent.get(name)
        {
            *value = sent.clone();
        }
    }
}

fn scalars(object: &Map<String, Value>) -> impl Iterator<Item = (String, Value)> + '_ {
    object
        .iter()
        .filter(|(_, v)| is_scalar(v))
        .map(|(k, v)| (k.clone(), v.clone()))
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else { return };
    for (name, value) in patch {
        if value.is_null() {
            target.remove(name);
        } else {
            merge_patch(target.entry(name.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        json!({
            "status": "accepted",
            "trace_id": "launchplane_req_7c9e6679742540de944be07fc1f90ae7",
            "records": {"transition": "odoo-post-deploy:opw:testing:deploy"},
            "result": {"context": "opw", "instance": "testing", "phase": "deploy", "post_deploy_status": "pass",
                       "required_container_environment_keys": ["ODOO_DB_NAME"], "error_message": ""}
        })
    }

    #[test]
    fn the_result_echoes_what_was_sent() {
        let request =
            json!({"product": "cm", "post_deploy": {"context": "cm", "instance": "prod", "phase": "promotion"}});
        let body = accepted(Some(example()), None, None, &request, None, "launchplane_req_1");
        assert_eq!(body["trace_id"], "launchplane_req_1");
        assert_eq!(body["result"]["context"], "cm");
        assert_eq!(body["result"]["instance"], "prod");
        assert_eq!(body["result"]["phase"], "promotion");
        assert_eq!(body["result"]["post_deploy_status"], "pass");
        assert_eq!(
            body["result"]["required_container_environment_keys"],
            json!(["ODOO_DB_NAME"])
        );
        assert!(
            body["result"].get("product").is_none(),
            "only fields the result has are echoed"
        );
    }

    #[test]
    fn an_override_is_merged_over_the_result() {
        let patch = json!({"post_deploy_status": "fail", "error_message": "boom", "phase": null});
        let body = accepted(Some(example()), None, None, &json!({}), Some(&patch), "t");
        assert_eq!(body["result"]["post_deploy_status"], "fail");
        assert_eq!(body["result"]["error_message"], "boom");
        assert!(body["result"].get("phase").is_none());
        assert_eq!(body["records"]["transition"], "odoo-post-deploy:opw:testing:deploy");
    }

    #[test]
    fn without_an_example_the_envelope_is_still_complete() {
        let body = accepted(None, None, None, &json!({}), None, "t");
        assert_eq!(body, json!({"status": "accepted", "trace_id": "t", "records": {}}));
        let read_body = read(
            Some(json!({"status": "ok", "trace_id": "x", "driver": {"driver_id": "odoo", "label": "Odoo"}})),
            &json!({"driver_id": "generic-web"}).as_object().cloned().unwrap(),
            None,
            "t",
        );
        assert_eq!(read_body["driver"]["driver_id"], "generic-web");
        assert_eq!(read_body["driver"]["label"], "Odoo");
        let read_body = read(
            Some(json!({"status": "ok", "trace_id": "x", "storage_backend": "postgres"})),
            &Map::new(),
            Some(&json!({"storage_backend": "filesystem"})),
            "t",
        );
        assert_eq!(
            read_body,
            json!({"status": "ok", "trace_id": "t", "storage_backend": "filesystem"})
        );
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
        merge_patch(&mut target, &json!({"a": [1]}));
        assert_eq!(target["a"], json!([1]));
    }
}
