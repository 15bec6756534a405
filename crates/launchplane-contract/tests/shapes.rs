//! Every schema shape the spec uses, read through the model: resolution of dot paths and
//! rules reached through each shape.

use launchplane_contract::{Contract, Violation};
use serde_json::{Value, json};

/// A spec with one operation whose body holds one property of each shape, every one
/// leading to a component with a `non_blank` rule.
fn spec() -> Value {
    let named = |rule: &str| {
        json!({
            "type": "object", "additionalProperties": false, "required": ["id"],
            "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]}},
            "x-launchplane-rules": [{"id": rule, "message": format!("{rule} needs id"), "check": {"field": "id", "non_blank": true}}]
        })
    };
    let mut b = named("b_id");
    b["required"] = json!(["id", "b_only"]);
    b["properties"]["b_only"] = json!({"type": "integer"});
    json!({
        "openapi": "3.0.3",
        "paths": {"/v1/things": {"post": {
            "operationId": "things", "tags": ["t"], "summary": "s",
            "x-launchplane-safety": "mutation",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
            "responses": {"202": {"description": "ok"}}
        }}},
        "components": {"schemas": {
            "Body": {
                "type": "object", "additionalProperties": false, "required": ["product"],
                "properties": {
                    "product": {"type": "string"},
                    "by_ref": {"$ref": "#/components/schemas/Ref"},
                    "by_all_of": {"allOf": [{"$ref": "#/components/schemas/AllOf"}]},
                    "by_nullable": {"nullable": true, "default": null, "allOf": [{"$ref": "#/components/schemas/Nullable"}]},
                    "by_any_of": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"$ref": "#/components/schemas/AnyOf"}]},
                    "by_one_of": {"oneOf": [{"$ref": "#/components/schemas/B"}, {"$ref": "#/components/schemas/OneOf"}]},
                    "by_items": {"type": "array", "items": {"$ref": "#/components/schemas/Items"}},
                    "by_map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Map"}},
                    "url": {"type": "string", "default": ""},
                    "wait": {"type": "boolean", "default": false},
                    "verify": {"type": "boolean", "default": false}
                },
                "x-launchplane-rules": [
                    {"id": "product_required", "message": "product is blank", "check": {"field": "product", "non_blank": true}},
                    {"id": "url_is_http", "message": "url must be http(s)", "when": {"field": "url", "non_blank": true},
                     "check": {"field": "url", "http_url": true}},
                    {"id": "verify_requires_wait", "message": "verify needs wait", "when": {"field": "verify", "equals": true},
                     "check": [{"field": "wait", "equals": true}]}
                ]
            },
            "Ref": named("ref_id"),
            "AllOf": named("all_of_id"),
            "Nullable": named("nullable_id"),
            "AnyOf": named("any_of_id"),
            "OneOf": named("one_of_id"),
            "B": b,
            "Items": named("items_id"),
            "Map": named("map_id")
        }}
    })
}

fn contract() -> Contract {
    Contract::from_document(spec()).expect("the test spec loads")
}

fn violations(body: Value) -> Vec<Violation> {
    let contract = contract();
    let op = contract.operation("things").expect("operation").clone();
    contract.validate_body(&op, &body).err().unwrap_or_default()
}

fn rule_paths(body: Value) -> Vec<(String, String)> {
    violations(body).into_iter().map(|v| (v.rule, v.path)).collect()
}

#[test]
fn a_valid_body_passes() {
    let body = json!({
        "product": "opw", "by_ref": {"id": "x"}, "by_all_of": {"id": "x"}, "by_nullable": {"id": "x"},
        "by_any_of": {"id": "x"}, "by_one_of": {"id": "x"}, "by_items": [{"id": "x"}], "by_map": {"k": {"id": "x"}},
        "url": "https://x.example", "verify": true, "wait": true
    });
    assert_eq!(violations(body), []);
}

#[test]
fn rules_behind_ref_and_all_of_are_checked() {
    assert_eq!(
        rule_paths(json!({"product": "p", "by_ref": {"id": " "}})),
        [("ref_id".into(), "by_ref.id".into())]
    );
    assert_eq!(
        rule_paths(json!({"product": "p", "by_all_of": {"id": "\t"}})),
        [("all_of_id".into(), "by_all_of.id".into())]
    );
}

#[test]
fn rules_behind_nullable_all_of_are_checked_and_null_passes() {
    assert_eq!(
        rule_paths(json!({"product": "p", "by_nullable": {"id": "   "}})),
        [("nullable_id".into(), "by_nullable.id".into())]
    );
    assert_eq!(violations(json!({"product": "p", "by_nullable": null})), []);
}

#[test]
fn rules_of_the_matching_any_of_and_one_of_member_are_checked() {
    // `{"id"}` alone does not match `B` (it needs `b_only`): only the second member applies.
    assert_eq!(
        rule_paths(json!({"product": "p", "by_any_of": {"id": " "}})),
        [("any_of_id".into(), "by_any_of.id".into())]
    );
    assert_eq!(
        rule_paths(json!({"product": "p", "by_one_of": {"id": " "}})),
        [("one_of_id".into(), "by_one_of.id".into())]
    );
    // A value matching `B` gets `B`'s rule.
    assert_eq!(
        rule_paths(json!({"product": "p", "by_any_of": {"id": " ", "b_only": 1}})),
        [("b_id".into(), "by_any_of.id".into())]
    );
}

#[test]
fn rules_of_items_and_additional_properties_name_the_index_and_key() {
    assert_eq!(
        rule_paths(json!({"product": "p", "by_items": [{"id": "a"}, {"id": ""}]})),
        [("items_id".into(), "by_items.1.id".into())]
    );
    assert_eq!(
        rule_paths(json!({"product": "p", "by_map": {"good": {"id": "a"}, "bad": {"id": "\u{3000}"}}})),
        [("map_id".into(), "by_map.bad.id".into())]
    );
}

#[test]
fn json_schema_checks_enums_unknown_fields_and_types_before_rules() {
    let found = violations(json!({"product": " ", "by_ref": {"id": "x", "kind": "c"}, "extra": 1}));
    let rules: Vec<&str> = found.iter().map(|v| v.rule.as_str()).collect();
    assert!(rules.contains(&"enum"), "{found:?}");
    assert!(rules.contains(&"additionalProperties"), "{found:?}");
    assert!(
        !rules.contains(&"product_required"),
        "rules wait for a schema-valid body: {found:?}"
    );
    let enum_violation = found.iter().find(|v| v.rule == "enum").unwrap();
    assert_eq!(enum_violation.path, "by_ref.kind");
}

#[test]
fn blank_is_python_blank_and_urls_follow_urlparse() {
    for blank in [
        "",
        " ",
        "\u{1c}",
        "\u{85}",
        "\u{a0}",
        "\u{2000}\u{200a}",
        "\u{2028}\u{2029}",
        "\u{3000}",
    ] {
        assert_eq!(
            rule_paths(json!({"product": blank})),
            [("product_required".into(), "product".into())],
            "{blank:?}"
        );
    }
    assert_eq!(
        violations(json!({"product": "\u{200b}"})),
        [],
        "zero-width space is not blank in Python"
    );
    // urlparse accepts a netloc without a host; WHATWG parsing would not.
    assert_eq!(violations(json!({"product": "p", "url": "http://:80"})), []);
    assert_eq!(
        rule_paths(json!({"product": "p", "url": "https:///path"})),
        [("url_is_http".into(), "url".into())]
    );
    assert_eq!(
        rule_paths(json!({"product": "p", "url": "http://[::1"})),
        [("url_is_http".into(), "url".into())]
    );
}

#[test]
fn guards_read_schema_defaults() {
    assert_eq!(
        rule_paths(json!({"product": "p", "verify": true})),
        [("verify_requires_wait".into(), "wait".into())]
    );
    assert_eq!(violations(json!({"product": "p", "wait": true})), []);
}

#[test]
fn dot_paths_resolve_through_every_shape() {
    let contract = contract();
    let resolver = contract.resolver();
    let body = launchplane_contract::resolve::component_loc("Body");
    for (path, required) in [
        ("product", true),
        ("by_ref.id", false),
        ("by_all_of.id", false),
        ("by_nullable.id", false),
        ("by_any_of.b_only", false),
        ("by_one_of.id", false),
        ("by_map.anything.id", false),
    ] {
        let field = resolver.field(&body, path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(field.required, required, "{path}");
        assert!(field.schema.get("type").is_some(), "{path}");
    }
    let nullable = resolver.field(&body, "by_nullable").unwrap();
    assert!(nullable.nullable);
    assert_eq!(
        nullable.schema.get("x-launchplane-rules").unwrap()[0]["id"],
        "nullable_id"
    );
    let items = resolver.field(&body, "by_items").unwrap();
    assert_eq!(items.schema["type"], "array");
    let error = resolver.field(&body, "by_ref.nope").unwrap_err();
    assert_eq!(error.to_string(), "`by_ref.nope`: no field `nope` in `Ref`");
}

#[test]
fn anything_outside_the_rule_language_is_a_load_error() {
    let with_rule = |rule: Value| {
        let mut spec = spec();
        spec["components"]["schemas"]["Ref"]["x-launchplane-rules"] = json!([rule]);
        Contract::from_document(spec).err().unwrap_or_default()
    };
    let unknown_predicate = with_rule(json!({"id": "r", "message": "m", "check": {"field": "id", "non_bank": true}}));
    assert!(
        unknown_predicate.contains("unknown key `non_bank`"),
        "{unknown_predicate}"
    );
    let two =
        with_rule(json!({"id": "r", "message": "m", "check": {"field": "id", "non_blank": true, "present": true}}));
    assert!(two.contains("exactly one predicate"), "{two}");
    let false_flag = with_rule(json!({"id": "r", "message": "m", "check": {"field": "id", "non_blank": false}}));
    assert!(false_flag.contains("written `true`"), "{false_flag}");
    let normalize =
        with_rule(json!({"id": "r", "message": "m", "check": {"field": "id", "equals": "a", "normalize": "upper"}}));
    assert!(normalize.contains("normalize"), "{normalize}");
    let rule_key =
        with_rule(json!({"id": "r", "message": "m", "unless": {}, "check": {"field": "id", "present": true}}));
    assert!(rule_key.contains("unless"), "{rule_key}");
    assert!(rule_key.contains("components/schemas/Ref"), "names where: {rule_key}");

    let mut spec = spec();
    spec["paths"]["/v1/things"]["post"]["x-launchplane-safty"] = json!("read");
    let extension = Contract::from_document(spec).err().unwrap_or_default();
    assert!(
        extension.contains("unknown extension `x-launchplane-safty`"),
        "{extension}"
    );
    let mut spec = self::spec();
    spec["paths"]["/v1/things"]["post"]["x-launchplane-safety"] = json!("harmless");
    assert!(Contract::from_document(spec).is_err());
}
