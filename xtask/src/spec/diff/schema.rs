//! Field-by-field comparison of two schemas, classified by direction: what a tenant sends
//! (request) may only get looser; what it reads (response) may only get narrower.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Options;
use super::change::{Changes, Class, Scope};
use super::view::{DOC_KEYS, View, enum_set, kind, view};
use crate::spec::doc::{self, Loc};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    Request,
    Response,
}

/// Keys this module compares on purpose; a difference in any other key is unclassified.
const HANDLED: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "title",
    "description",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "required",
    "properties",
    "allOf",
    "oneOf",
    "anyOf",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
];
fn list(values: &[Value]) -> String {
    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
}

fn join(field: &str, name: &str) -> String {
    if field.is_empty() {
        name.to_string()
    } else {
        format!("{field}.{name}")
    }
}

fn number(s: &Map<String, Value>, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

pub struct SchemaDiff<'a> {
    pub old_doc: &'a Value,
    pub new_doc: &'a Value,
    pub dir: Direction,
    pub opts: &'a Options,
    pub scope: &'a Scope,
    pub out: &'a mut Changes,
    stack: Vec<(Loc, Loc)>,
}

impl<'a> SchemaDiff<'a> {
    pub fn new(
        old_doc: &'a Value,
        new_doc: &'a Value,
        dir: Direction,
        opts: &'a Options,
        scope: &'a Scope,
        out: &'a mut Changes,
    ) -> Self {
        SchemaDiff {
            old_doc,
            new_doc,
            dir,
            opts,
            scope,
            out,
            stack: Vec::new(),
        }
    }

    fn push(&mut self, field: &str, class: Class, rule: &'static str, message: String, loc: &Loc) {
        self.out.push(self.scope, field, class, rule, message, loc);
    }

    /// The class of a change that narrows what the tenant may send / widens what it may read.
    fn strict(
        &self,
        request_rule: &'static str,
        response_rule: &'static str,
        tightened: bool,
    ) -> (Class, &'static str) {
        match (self.dir, tightened) {
            (Direction::Request, true) => (Class::Breaking, request_rule),
            (Direction::Request, false) => (Class::NonBreaking, request_rule),
            (Direction::Response, true) => (Class::NonBreaking, response_rule),
            (Direction::Response, false) => (Class::Breaking, response_rule),
        }
    }

    pub fn compare(&mut self, old: &Value, old_loc: Loc, new: &Value, new_loc: Loc, field: &str) {
        let old = view(self.old_doc, old, old_loc);
        let new = view(self.new_doc, new, new_loc);
        self.compare_views(&old, &new, field, false);
    }

    fn compare_views(&mut self, old: &View<'_>, new: &View<'_>, field: &str, requiredness_changed: bool) {
        let key = (old.loc.clone(), new.loc.clone());
        if self.stack.contains(&key) {
            return;
        }
        self.stack.push(key);
        let (old_kind, new_kind) = (kind(old.s), kind(new.s));
        // A default that appears with optionality, or changes with the type, is part of that
        // change rather than a change of its own.
        let default_added_or_dropped = old.default.is_none() != new.default.is_none();
        let skip_default = old_kind != new_kind || (requiredness_changed && default_added_or_dropped);
        self.compare_meta(old, new, field, skip_default);
        if old_kind != new_kind {
            let vague = ["any", "composite"];
            if vague.contains(&old_kind.as_str()) || vague.contains(&new_kind.as_str()) {
                let msg = format!("schema changed from {old_kind} to {new_kind}");
                self.push(field, Class::Unclassified, "schema_kind_changed", msg, &new.loc);
            } else {
                let msg = format!("type changed from {old_kind} to {new_kind}");
                self.push(field, Class::Breaking, "type_changed", msg, &new.loc);
            }
        } else {
            self.compare_enum(old, new, field, &new_kind);
            self.compare_bounds(old, new, field);
            match new_kind.as_str() {
                "object" => self.compare_object(old, new, field),
                "array" => self.compare_array(old, new, field),
                _ => {}
            }
            self.compare_compositions(old, new, field);
        }
        self.compare_rest(old, new, field);
        self.stack.pop();
    }

    fn compare_meta(&mut self, old: &View<'_>, new: &View<'_>, field: &str, skip_default: bool) {
        if !self.opts.drift
            && let (Some(a), Some(b)) = (old.ref_name, new.ref_name)
            && a != b
        {
            self.push(
                field,
                Class::NonBreaking,
                "schema_renamed",
                format!("schema `{a}` renamed to `{b}` (same wire shape unless listed)"),
                &new.loc,
            );
        }
        if old.nullable != new.nullable {
            let (class, rule) = self.strict("request_nullable_changed", "response_nullable_changed", !new.nullable);
            let msg = if new.nullable {
                "now accepts null"
            } else {
                "no longer accepts null"
            };
            let msg = if self.dir == Direction::Response {
                msg.replace("accepts", "may be")
            } else {
                msg.to_string()
            };
            self.push(field, class, rule, msg, &new.loc);
        }
        if old.default != new.default && !skip_default {
            let show = |d: Option<&Value>| d.map_or_else(|| "none".to_string(), |v| format!("`{v}`"));
            let msg = format!("default changed from {} to {}", show(old.default), show(new.default));
            self.push(field, Class::Unclassified, "default_changed", msg, &new.loc);
        }
        if !self.opts.drift {
            for key in DOC_KEYS {
                if old.docs.get(key) != new.docs.get(key) {
                    self.push(
                        field,
                        Class::NonBreaking,
                        "documentation_changed",
                        format!("`{key}` changed"),
                        &new.loc,
                    );
                }
            }
        }
    }

    fn compare_enum(&mut self, old: &View<'_>, new: &View<'_>, field: &str, kind: &str) {
        let loc = doc::child(&new.loc, "enum");
        match (enum_set(old.s, kind), enum_set(new.s, kind)) {
            (None, None) => {}
            (None, Some(values)) => {
                let (class, rule) = self.strict("request_enum_restricted", "response_enum_restricted", true);
                self.push(
                    field,
                    class,
                    rule,
                    format!("values restricted to {}", list(&values)),
                    &loc,
                );
            }
            (Some(values), None) => {
                let (class, rule) = self.strict("request_enum_lifted", "response_enum_widened", false);
                self.push(
                    field,
                    class,
                    rule,
                    format!("no longer restricted to {}", list(&values)),
                    &new.loc,
                );
            }
            (Some(a), Some(b)) => {
                let removed: Vec<Value> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
                let added: Vec<Value> = b.iter().filter(|v| !a.contains(v)).cloned().collect();
                if !removed.is_empty() {
                    let (class, rule) = self.strict("request_enum_value_removed", "response_enum_value_removed", true);
                    self.push(
                        field,
                        class,
                        rule,
                        format!("enum value(s) {} removed", list(&removed)),
                        &loc,
                    );
                }
                if !added.is_empty() {
                    let (class, rule) = self.strict("request_enum_value_added", "response_enum_widened", false);
                    self.push(
                        field,
                        class,
                        rule,
                        format!("enum value(s) {} added", list(&added)),
                        &loc,
                    );
                }
            }
        }
    }

    fn compare_bounds(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        const BOUNDS: [(&str, bool); 8] = [
            ("minimum", true),
            ("maximum", false),
            ("minLength", true),
            ("maxLength", false),
            ("minItems", true),
            ("maxItems", false),
            ("minProperties", true),
            ("maxProperties", false),
        ];
        for (key, lower) in BOUNDS {
            let (a, b) = (number(old.s, key), number(new.s, key));
            let tightened = match (a, b) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) if a != b => (b > a) == lower,
                _ => continue,
            };
            let show = |n: Option<f64>| n.map_or_else(|| "none".to_string(), |n| n.to_string());
            let msg = format!("`{key}` changed from {} to {}", show(a), show(b));
            let (class, rule) = self.strict("request_bounds_changed", "response_bounds_changed", tightened);
            self.push(field, class, rule, msg, &new.loc);
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"] {
            let flag = |s: &Map<String, Value>| s.get(key) == Some(&Value::Bool(true));
            if flag(old.s) != flag(new.s) {
                let (class, rule) = self.strict("request_bounds_changed", "response_bounds_changed", flag(new.s));
                self.push(
                    field,
                    class,
                    rule,
                    format!("`{key}` changed to {}", flag(new.s)),
                    &new.loc,
                );
            }
        }
        for key in ["format", "pattern", "multipleOf"] {
            if old.s.get(key) != new.s.get(key) {
                let show = |v: Option<&Value>| v.map_or_else(|| "none".to_string(), |v| format!("`{v}`"));
                let msg = format!(
                    "`{key}` changed from {} to {}",
                    show(old.s.get(key)),
                    show(new.s.get(key))
                );
                self.push(field, Class::Unclassified, "constraint_changed", msg, &new.loc);
            }
        }
    }

    fn compare_object(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        let required = |s: &Map<String, Value>| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        };
        let (old_props, new_props) = (
            old.s.get("properties").and_then(Value::as_object),
            new.s.get("properties").and_then(Value::as_object),
        );
        let has = |p: Option<&Map<String, Value>>| p.is_some_and(|p| !p.is_empty());
        let open = |s: &Map<String, Value>| {
            !matches!(
                s.get("additionalProperties"),
                Some(Value::Bool(false)) | Some(Value::Object(_))
            )
        };
        if has(old_props) != has(new_props) && (open(old.s) && open(new.s)) {
            let msg = if has(old_props) {
                "became a free-form object; its fields are no longer described"
            } else {
                "free-form object now describes its fields"
            };
            self.push(field, Class::Unclassified, "free_form_changed", msg.into(), &new.loc);
            return;
        }
        let (old_req, new_req) = (required(old.s), required(new.s));
        let empty = Map::new();
        let (old_props, new_props) = (old_props.unwrap_or(&empty), new_props.unwrap_or(&empty));
        let props_loc = doc::child(&new.loc, "properties");
        let closed = old.s.get("additionalProperties") == Some(&Value::Bool(false));
        for name in old_props.keys().filter(|k| !new_props.contains_key(*k)) {
            let path = join(field, name);
            match self.dir {
                Direction::Request if closed => self.push(
                    &path,
                    Class::Breaking,
                    "request_field_removed",
                    "field removed; tenants that still send it get 400 (the model forbids unknown fields)".into(),
                    &new.loc,
                ),
                Direction::Request => self.push(
                    &path,
                    Class::Unclassified,
                    "request_field_removed_open",
                    "field removed from a model that accepts unknown fields; Launchplane may ignore it".into(),
                    &new.loc,
                ),
                Direction::Response => self.push(
                    &path,
                    Class::Breaking,
                    "response_field_removed",
                    "field removed from the response".into(),
                    &new.loc,
                ),
            }
        }
        for name in new_props.keys().filter(|k| !old_props.contains_key(*k)) {
            let path = join(field, name);
            let loc = doc::child(&props_loc, name.as_str());
            match self.dir {
                Direction::Request if new_req.contains(name) => self.push(
                    &path,
                    Class::Breaking,
                    "request_field_added_required",
                    "required field added".into(),
                    &loc,
                ),
                Direction::Request => self.push(
                    &path,
                    Class::NonBreaking,
                    "request_field_added_optional",
                    "optional field added".into(),
                    &loc,
                ),
                Direction::Response => self.push(
                    &path,
                    Class::NonBreaking,
                    "response_field_added",
                    "field added to the response".into(),
                    &loc,
                ),
            }
        }
        for (name, old_p) in old_props {
            let Some(new_p) = new_props.get(name) else { continue };
            let path = join(field, name);
            let loc = doc::child(&props_loc, name.as_str());
            let (was, is) = (old_req.contains(name), new_req.contains(name));
            // FastAPI marks defaulted response fields required; this spec lists only those
            // without a default.
            let fastapi_required = self.opts.drift && self.dir == Direction::Response && is;
            if was != is && !fastapi_required {
                let (class, rule, msg) = match (self.dir, is) {
                    (Direction::Request, true) => (
                        Class::Breaking,
                        "request_field_became_required",
                        "optional field became required",
                    ),
                    (Direction::Request, false) => (
                        Class::NonBreaking,
                        "request_field_became_optional",
                        "required field became optional",
                    ),
                    (Direction::Response, false) => (
                        Class::Breaking,
                        "response_field_became_optional",
                        "field is no longer always present",
                    ),
                    (Direction::Response, true) => (
                        Class::NonBreaking,
                        "response_field_became_required",
                        "field is now always present",
                    ),
                };
                self.push(&path, class, rule, msg.into(), &loc);
            }
            let old_loc = [old.loc.clone(), vec!["properties".into(), name.clone()]].concat();
            let old_v = view(self.old_doc, old_p, old_loc);
            let new_v = view(self.new_doc, new_p, loc);
            self.compare_views(&old_v, &new_v, &path, was != is);
        }
        self.compare_additional(old, new, field);
    }

    fn compare_additional(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        let (a, b) = (old.s.get("additionalProperties"), new.s.get("additionalProperties"));
        let closed = |v: Option<&Value>| v == Some(&Value::Bool(false));
        match (a, b) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                let old_loc = doc::child(&old.loc, "additionalProperties");
                let new_loc = doc::child(&new.loc, "additionalProperties");
                let (old_v, new_v) = (view(self.old_doc, a, old_loc), view(self.new_doc, b, new_loc));
                self.compare_views(&old_v, &new_v, &join(field, "*"), false);
            }
            (Some(Value::Object(_)), _) | (_, Some(Value::Object(_))) => {
                self.push(
                    field,
                    Class::Unclassified,
                    "additional_properties_changed",
                    "`additionalProperties` changed between a schema and a flag".into(),
                    &new.loc,
                );
            }
            _ if closed(a) == closed(b) => {}
            _ => {
                // Responses are read tolerantly, so closing or opening them changes nothing for tenants.
                if self.dir == Direction::Response && self.opts.drift {
                    return;
                }
                let (class, rule) = self.strict("request_unknown_fields", "response_unknown_fields", closed(b));
                let msg = if closed(b) {
                    "now rejects unknown fields (`additionalProperties: false`)"
                } else {
                    "now accepts unknown fields"
                };
                self.push(field, class, rule, msg.into(), &new.loc);
            }
        }
    }

    fn compare_array(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        match (old.s.get("items"), new.s.get("items")) {
            (Some(a), Some(b)) => {
                let old_v = view(self.old_doc, a, doc::child(&old.loc, "items"));
                let new_v = view(self.new_doc, b, doc::child(&new.loc, "items"));
                self.compare_views(&old_v, &new_v, &format!("{field}[]"), false);
            }
            (None, None) => {}
            _ => self.push(
                field,
                Class::Unclassified,
                "array_items_changed",
                "array `items` added or removed".into(),
                &new.loc,
            ),
        }
    }

    fn compare_compositions(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        for key in ["allOf", "anyOf", "oneOf"] {
            match (
                old.s.get(key).and_then(Value::as_array),
                new.s.get(key).and_then(Value::as_array),
            ) {
                (Some(a), Some(b)) if a.len() == b.len() => {
                    for (i, (pa, pb)) in a.iter().zip(b).enumerate() {
                        let old_loc = [old.loc.clone(), vec![key.into(), i.to_string()]].concat();
                        let new_loc = [new.loc.clone(), vec![key.into(), i.to_string()]].concat();
                        let (old_v, new_v) = (view(self.old_doc, pa, old_loc), view(self.new_doc, pb, new_loc));
                        self.compare_views(&old_v, &new_v, field, false);
                    }
                }
                (None, None) => {}
                _ => self.push(
                    field,
                    Class::Unclassified,
                    "composition_changed",
                    format!("`{key}` members added or removed"),
                    &new.loc,
                ),
            }
        }
    }

    /// Extensions and keywords no rule covers.
    fn compare_rest(&mut self, old: &View<'_>, new: &View<'_>, field: &str) {
        let keys: BTreeSet<&String> = old.s.keys().chain(new.s.keys()).collect();
        for key in keys {
            if HANDLED.contains(&key.as_str()) || old.s.get(key) == new.s.get(key) {
                continue;
            }
            if key.starts_with("x-") {
                if !self.opts.drift {
                    self.push(
                        field,
                        Class::Unclassified,
                        "extension_changed",
                        format!("`{key}` changed"),
                        &new.loc,
                    );
                }
            } else {
                self.push(
                    field,
                    Class::Unclassified,
                    "schema_keyword_changed",
                    format!("`{key}` changed"),
                    &new.loc,
                );
            }
        }
    }
}
