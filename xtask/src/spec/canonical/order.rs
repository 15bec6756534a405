//! Which kind of OpenAPI object a mapping is: its key order and whether it may be written
//! on one line.

use serde_json::{Map, Value};

/// What kind of object a mapping is, which decides its key order and layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ctx {
    Root,
    Info,
    Server,
    Tag,
    NotCarried,
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Content,
    MediaType,
    Examples,
    Example,
    Responses,
    Response,
    Headers,
    Header,
    Components,
    Schemas,
    ParameterMap,
    ResponseMap,
    RequestBodyMap,
    SecuritySchemes,
    SecurityScheme,
    Schema,
    Properties,
    Rule,
    Condition,
    Outcome,
    /// Values (examples, defaults, enums, unknown extensions): written order is kept.
    Data,
}

const SCHEMA_KEYS: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "title",
    "description",
    "enum",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "default",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "required",
    "x-launchplane-outcome",
    "properties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "example",
    "externalDocs",
    "x-launchplane-rules",
];

impl Ctx {
    /// Keys in their canonical order; other keys follow in written order.
    fn key_order(self) -> &'static [&'static str] {
        match self {
            Ctx::Root => &[
                "openapi",
                "info",
                "servers",
                "security",
                "tags",
                "externalDocs",
                "x-launchplane-not-carried",
                "paths",
                "components",
            ],
            Ctx::Info => &[
                "title",
                "version",
                "description",
                "termsOfService",
                "contact",
                "license",
                "x-launchplane-revision",
                "x-launchplane-revision-date",
            ],
            Ctx::Server => &["url", "description", "variables"],
            Ctx::Tag => &["name", "description", "externalDocs"],
            Ctx::NotCarried => &["method", "path", "reason"],
            Ctx::PathItem => &[
                "$ref",
                "summary",
                "description",
                "parameters",
                "get",
                "put",
                "post",
                "delete",
                "options",
                "head",
                "patch",
                "trace",
                "servers",
            ],
            Ctx::Operation => &[
                "operationId",
                "tags",
                "summary",
                "description",
                "deprecated",
                "security",
                "x-launchplane-authz-action",
                "x-launchplane-safety",
                "x-launchplane-instance-field",
                "x-launchplane-context-field",
                "x-launchplane-idempotency-key",
                "x-launchplane-replay",
                "parameters",
                "requestBody",
                "responses",
                "callbacks",
                "servers",
                "externalDocs",
            ],
            Ctx::Parameter => &[
                "$ref",
                "name",
                "in",
                "required",
                "description",
                "deprecated",
                "allowEmptyValue",
                "style",
                "explode",
                "allowReserved",
                "schema",
                "example",
                "examples",
                "content",
            ],
            Ctx::RequestBody => &["$ref", "description", "required", "content"],
            Ctx::MediaType => &["schema", "example", "examples", "encoding"],
            Ctx::Example => &["$ref", "summary", "description", "value", "externalValue"],
            Ctx::Response => &["$ref", "description", "headers", "content", "links"],
            Ctx::Header => &[
                "$ref",
                "description",
                "required",
                "deprecated",
                "style",
                "explode",
                "schema",
                "example",
                "examples",
                "content",
            ],
            Ctx::Components => &[
                "securitySchemes",
                "parameters",
                "headers",
                "requestBodies",
                "responses",
                "examples",
                "links",
                "callbacks",
                "schemas",
            ],
            Ctx::SecurityScheme => &[
                "type",
                "description",
                "name",
                "in",
                "scheme",
                "bearerFormat",
                "flows",
                "openIdConnectUrl",
            ],
            Ctx::Schema => SCHEMA_KEYS,
            Ctx::Rule => &["id", "message", "when", "check"],
            Ctx::Condition | Ctx::Outcome => &["field"],
            _ => &[],
        }
    }

    /// The context of the value (or of each item, for a sequence) under `key`.
    pub(super) fn child(self, key: &str) -> Ctx {
        match (self, key) {
            (Ctx::Root, "info") => Ctx::Info,
            (Ctx::Root, "servers") | (Ctx::PathItem | Ctx::Operation, "servers") => Ctx::Server,
            (Ctx::Root, "tags") => Ctx::Tag,
            (Ctx::Root, "x-launchplane-not-carried") => Ctx::NotCarried,
            (Ctx::Root, "paths") => Ctx::Paths,
            (Ctx::Root, "components") => Ctx::Components,
            (Ctx::Paths, _) => Ctx::PathItem,
            (Ctx::PathItem, "parameters") | (Ctx::Operation, "parameters") => Ctx::Parameter,
            (Ctx::PathItem, k) if crate::spec::doc::METHODS.contains(&k) => Ctx::Operation,
            (Ctx::Operation, "requestBody") => Ctx::RequestBody,
            (Ctx::Operation, "responses") => Ctx::Responses,
            (Ctx::Parameter | Ctx::Header | Ctx::MediaType, "schema") => Ctx::Schema,
            (Ctx::Parameter | Ctx::Header | Ctx::RequestBody | Ctx::Response, "content") => Ctx::Content,
            (Ctx::Parameter | Ctx::Header | Ctx::MediaType, "examples") => Ctx::Examples,
            (Ctx::Content, _) => Ctx::MediaType,
            (Ctx::Examples, _) => Ctx::Example,
            (Ctx::Responses | Ctx::ResponseMap, _) => Ctx::Response,
            (Ctx::Response, "headers") => Ctx::Headers,
            (Ctx::Headers, _) => Ctx::Header,
            (Ctx::Components, "schemas") => Ctx::Schemas,
            (Ctx::Components, "parameters") => Ctx::ParameterMap,
            (Ctx::Components, "responses") => Ctx::ResponseMap,
            (Ctx::Components, "requestBodies") => Ctx::RequestBodyMap,
            (Ctx::Components, "headers") => Ctx::Headers,
            (Ctx::Components, "examples") => Ctx::Examples,
            (Ctx::Components, "securitySchemes") => Ctx::SecuritySchemes,
            (Ctx::SecuritySchemes, _) => Ctx::SecurityScheme,
            (Ctx::ParameterMap, _) => Ctx::Parameter,
            (Ctx::RequestBodyMap, _) => Ctx::RequestBody,
            (Ctx::Schemas | Ctx::Properties, _) => Ctx::Schema,
            (Ctx::Schema, "properties") => Ctx::Properties,
            (Ctx::Schema, "items" | "additionalProperties" | "not" | "allOf" | "oneOf" | "anyOf") => Ctx::Schema,
            (Ctx::Schema, "x-launchplane-rules") => Ctx::Rule,
            (Ctx::Schema, "x-launchplane-outcome") => Ctx::Outcome,
            (Ctx::Rule, "when" | "check") => Ctx::Condition,
            _ => Ctx::Data,
        }
    }

    /// Mappings that are written on one line when they fit.
    pub(super) fn flow_map(self, map: &Map<String, Value>) -> bool {
        match self {
            Ctx::Condition | Ctx::Outcome => true,
            // `'400': {$ref: '#/components/responses/Rejected'}`
            Ctx::Response => map.len() == 1 && map.contains_key("$ref"),
            _ => false,
        }
    }
}

pub(super) fn ordered_keys(map: &Map<String, Value>, ctx: Ctx) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    match ctx {
        Ctx::Responses => keys.sort_by_key(|k| (k.as_str() == "default", k.to_string())),
        Ctx::Condition => keys.sort_by_key(|k| match k.as_str() {
            "field" => 0,
            "normalize" => 2,
            _ => 1,
        }),
        _ => {
            let order = ctx.key_order();
            keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
        }
    }
    keys
}
