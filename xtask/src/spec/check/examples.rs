//! Examples must match their schemas: request `examples`, success `example`, and the
//! `example` of shared responses.

use serde_json::Value;

use super::Finding;
use crate::spec::doc::{self, Loc};
use crate::spec::oas_jsonschema::Schemas;

pub fn check(spec: &Value, out: &mut Vec<Finding>) {
    let schemas = Schemas::new(spec);
    for op in doc::operations(spec) {
        if let Some(body) = op.value.get("requestBody")
            && let Some((body, body_loc)) = doc::deref(spec, body, doc::child(&op.loc, "requestBody"))
            && let Some(media) = body.pointer("/content/application~1json")
            && let (Some(schema), Some(Value::Object(examples))) = (media.get("schema"), media.get("examples"))
        {
            let media_loc = [body_loc, vec!["content".into(), "application/json".into()]].concat();
            for (name, example) in examples {
                let Some(value) = example.get("value") else { continue };
                let loc = [media_loc.clone(), vec!["examples".into(), name.clone(), "value".into()]].concat();
                let what = format!("{} request example `{name}`", op.label());
                validate(&schemas, schema, value, loc, &what, out);
            }
        }
        if let Some(Value::Object(responses)) = op.value.get("responses") {
            for (code, response) in responses.iter().filter(|(c, _)| c.starts_with('2')) {
                let loc = [op.loc.clone(), vec!["responses".into(), code.clone()]].concat();
                if let Some((response, loc)) = doc::deref(spec, response, loc) {
                    let what = format!("{} {code} example", op.label());
                    check_response(&schemas, response, loc, &what, out);
                }
            }
        }
    }
    if let Some(Value::Object(shared)) = spec.pointer("/components/responses") {
        for (name, response) in shared {
            let loc = vec!["components".into(), "responses".into(), name.clone()];
            check_response(&schemas, response, loc, &format!("response `{name}` example"), out);
        }
    }
}

fn check_response(schemas: &Schemas, response: &Value, loc: Loc, what: &str, out: &mut Vec<Finding>) {
    let Some(media) = response.pointer("/content/application~1json") else {
        return;
    };
    if let (Some(schema), Some(example)) = (media.get("schema"), media.get("example")) {
        let loc = [loc, vec!["content".into(), "application/json".into(), "example".into()]].concat();
        validate(schemas, schema, example, loc, what, out);
    }
}

fn validate(schemas: &Schemas, schema: &Value, instance: &Value, loc: Loc, what: &str, out: &mut Vec<Finding>) {
    let target = doc::ref_of(schema).map_or_else(|| "its schema".to_string(), |r| format!("`{}`", doc::ref_name(r)));
    match schemas.errors(schema, instance) {
        Ok(errors) => {
            for (at, e) in errors {
                out.push(Finding::new(
                    [loc.clone(), at].concat(),
                    format!("{what} does not match {target}: {e}"),
                    "fix the example or the schema",
                ));
            }
        }
        Err(e) => out.push(Finding::new(loc, format!("{what}: {target} {e}"), "fix the schema")),
    }
}
