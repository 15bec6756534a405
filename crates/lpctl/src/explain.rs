//! Error texts for people: a value outside an enum lists every allowed value, read from the
//! spec, where the schema validator names only the first few.

use launchplane_client::Error;
use launchplane_client::contract::{Contract, ref_name};
use serde_json::Value;

/// The text lpctl prints for an error.
pub fn error_text(error: &Error) -> String {
    let Error::InvalidBody { operation, violations } = error else {
        return error.to_string();
    };
    let contract = Contract::embedded();
    let schema = contract
        .operation(operation)
        .and_then(|op| op.request_schema.as_deref())
        .and_then(|name| contract.schema(name));
    let violations = violations
        .iter()
        .map(|violation| {
            let mut violation = violation.clone();
            if violation.rule == "enum"
                && let Some(choices) = schema.and_then(|s| enum_at(contract, s, &violation.path))
            {
                let given = violation.message.split(" is not one of").next().unwrap_or_default();
                violation.message = format!("{given} is not one of {}", choices.join(", "));
            }
            violation
        })
        .collect();
    Error::InvalidBody {
        operation: operation.clone(),
        violations,
    }
    .to_string()
}

/// The allowed values of the field at a dot path (array indices included) of a schema.
pub fn enum_at(contract: &Contract, schema: &Value, dot_path: &str) -> Option<Vec<String>> {
    let mut current = resolve(contract, schema);
    for segment in dot_path.split('.').filter(|s| !s.is_empty()) {
        let next = if segment.chars().all(|c| c.is_ascii_digit()) {
            current.get("items")
        } else {
            current.pointer(&format!("/properties/{segment}")).or_else(|| {
                current
                    .get("additionalProperties")
                    .filter(|additional| additional.is_object())
            })
        }?;
        current = resolve(contract, next);
    }
    let choices = current.get("enum")?.as_array()?;
    Some(choices.iter().map(Value::to_string).collect())
}

/// A schema with `$ref`, and a one-element `allOf` wrapping one, followed.
fn resolve<'c>(contract: &'c Contract, schema: &'c Value) -> &'c Value {
    let mut current = schema;
    for _ in 0..8 {
        let reference = current
            .get("$ref")
            .or_else(|| current.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name)
            .and_then(|name| contract.schema(name));
        match reference {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_enum_violation_lists_every_allowed_value() {
        let contract = Contract::embedded();
        let op = contract.operation("previews_pr_feedback").unwrap();
        let mut body = contract.request_example(op).unwrap();
        body["status"] = json!("done");
        let violations = contract.validate_body(op, &body).unwrap_err();
        let text = error_text(&Error::InvalidBody {
            operation: op.id.clone(),
            violations,
        });
        let schema = contract.schema(op.request_schema.as_deref().unwrap()).unwrap();
        let choices = enum_at(contract, schema, "status").expect("status is an enum");
        assert!(choices.len() > 3, "{choices:?}");
        for choice in &choices {
            assert!(text.contains(choice.as_str()), "{choice} missing from: {text}");
        }
        assert!(!text.contains("other candidates"), "{text}");
        assert!(text.contains("status:"), "the field's path: {text}");
    }
}
