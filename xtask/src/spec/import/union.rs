//! A model whose `oneOf` branches only refine its own properties (pydantic's way of tying
//! `schema_version` to the fields of that version) becomes a union of complete, named variant
//! models: typify builds an untagged enum of structs from that, and from nothing else.

use serde_json::{Map, Value, json};

/// Splits every such component of `components/schemas` into `<Name>V<n>` variants (`n` the
/// value the branch fixes for the property all branches fix, else its position).
pub fn split_refining_one_of(doc: &mut Value) {
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    let names: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| is_refining(s))
        .map(|(n, _)| n.clone())
        .collect();
    for name in names {
        let mut base = schemas[&name].as_object().expect("checked object").clone();
        let Some(Value::Array(branches)) = base.remove("oneOf") else {
            continue;
        };
        let discriminator = common_fixed_property(&branches);
        let mut refs = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            let suffix = discriminator
                .as_deref()
                .and_then(|p| fixed_value(branch, p))
                .map_or_else(|| (i + 1).to_string(), |v| v.to_string().trim_matches('"').to_string());
            let variant_name = format!("{name}V{suffix}");
            schemas.insert(variant_name.clone(), variant(&base, branch));
            refs.push(json!({"$ref": format!("#/components/schemas/{variant_name}")}));
        }
        let mut union = Map::new();
        if let Some(d) = base.get("description") {
            union.insert("description".into(), d.clone());
        }
        union.insert("oneOf".into(), Value::Array(refs));
        schemas.insert(name, Value::Object(union));
    }
}

/// An object model with properties and a `oneOf` of property-only fragments.
fn is_refining(schema: &Value) -> bool {
    let Some(m) = schema.as_object() else { return false };
    let Some(Value::Array(branches)) = m.get("oneOf") else {
        return false;
    };
    m.get("properties").is_some()
        && !branches.is_empty()
        && branches.iter().all(|b| {
            b.as_object().is_some_and(|b| {
                b.keys().all(|k| k == "properties" || k == "required")
                    && b.get("properties")
                        .and_then(Value::as_object)
                        .is_some_and(|p| p.keys().all(|k| m["properties"].get(k).is_some()))
            })
        })
}

/// The value a branch fixes for a property (`enum: [v]`).
fn fixed_value<'a>(branch: &'a Value, prop: &str) -> Option<&'a Value> {
    match branch
        .pointer(&format!("/properties/{prop}/enum"))?
        .as_array()?
        .as_slice()
    {
        [v] if !v.is_null() => Some(v),
        _ => None,
    }
}

/// A property every branch fixes to a different value.
fn common_fixed_property(branches: &[Value]) -> Option<String> {
    let first = branches.first()?.get("properties")?.as_object()?;
    first
        .keys()
        .find(|p| {
            let values: Vec<&Value> = branches.iter().filter_map(|b| fixed_value(b, p)).collect();
            values.len() == branches.len() && values.iter().enumerate().all(|(i, v)| !values[..i].contains(v))
        })
        .cloned()
}

/// The base model with one branch laid over it: a branch property with a `$ref` or without a
/// type replaces the base property's type; a fixed value replaces its `enum` (and a default
/// outside it is dropped); the branch's `required` joins the base's.
fn variant(base: &Map<String, Value>, branch: &Value) -> Value {
    let mut out = base.clone();
    if let Some(Value::Object(props)) = branch.get("properties") {
        let base_props = out
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .expect("checked by is_refining");
        for (name, refinement) in props {
            let merged = refine(&base_props[name], refinement);
            base_props.insert(name.clone(), merged);
        }
    }
    if let Some(Value::Array(extra)) = branch.get("required") {
        let required = out
            .entry("required")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .expect("required is a list");
        for r in extra {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
    }
    Value::Object(out)
}

fn refine(base: &Value, refinement: &Value) -> Value {
    let Some(r) = refinement.as_object() else {
        return base.clone();
    };
    if r.contains_key("$ref") || r.get("nullable") == Some(&json!(true)) {
        let mut out = r.clone();
        if let Some(d) = base.get("description") {
            out.entry("description").or_insert_with(|| d.clone());
        }
        return Value::Object(out);
    }
    let mut out = base.as_object().cloned().unwrap_or_default();
    for (k, v) in r {
        out.insert(k.clone(), v.clone());
    }
    if let (Some(Value::Array(allowed)), Some(default)) = (out.get("enum"), out.get("default"))
        && !allowed.contains(default)
    {
        out.remove("default");
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ArtifactIdentityManifest's shape after the 3.1 → 3.0 rules.
    fn manifest_doc() -> Value {
        json!({"components": {"schemas": {"Manifest": {
            "type": "object",
            "additionalProperties": false,
            "required": ["artifact_id"],
            "properties": {
                "artifact_id": {"type": "string"},
                "schema_version": {"type": "integer", "default": 1, "enum": [1, 2]},
                "dependency_provenance": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Dep"}]}
            },
            "oneOf": [
                {"properties": {"dependency_provenance": {"nullable": true, "enum": [null]}, "schema_version": {"enum": [1]}}},
                {"properties": {"dependency_provenance": {"$ref": "#/components/schemas/Dep"}, "schema_version": {"enum": [2]}},
                 "required": ["schema_version", "dependency_provenance"]}
            ]
        }}}})
    }

    #[test]
    fn version_branches_become_named_variants() {
        let mut d = manifest_doc();
        split_refining_one_of(&mut d);
        let schemas = &d["components"]["schemas"];
        assert_eq!(
            schemas["Manifest"],
            json!({"oneOf": [{"$ref": "#/components/schemas/ManifestV1"}, {"$ref": "#/components/schemas/ManifestV2"}]})
        );
        let v1 = &schemas["ManifestV1"];
        assert_eq!(
            v1["properties"]["schema_version"],
            json!({"type": "integer", "default": 1, "enum": [1]})
        );
        assert_eq!(
            v1["properties"]["dependency_provenance"],
            json!({"nullable": true, "enum": [null]})
        );
        assert_eq!(v1["required"], json!(["artifact_id"]));
        assert_eq!(v1["additionalProperties"], json!(false));
        let v2 = &schemas["ManifestV2"];
        assert_eq!(
            v2["properties"]["schema_version"],
            json!({"type": "integer", "enum": [2]})
        );
        assert_eq!(
            v2["properties"]["dependency_provenance"],
            json!({"$ref": "#/components/schemas/Dep"})
        );
        assert_eq!(
            v2["required"],
            json!(["artifact_id", "schema_version", "dependency_provenance"])
        );
    }

    #[test]
    fn ordinary_one_of_is_left_alone() {
        let mut d = json!({"components": {"schemas": {"U": {"oneOf": [
            {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}
        ]}}}});
        let before = d.clone();
        split_refining_one_of(&mut d);
        assert_eq!(d, before);
    }
}
