//! Schema resolution: the one walker of the spec's schemas. Follows `$ref`, `allOf`,
//! `anyOf`, `oneOf`, `nullable` wrappers, `items` and `additionalProperties`.

use serde_json::Value;

/// A location in a document, as JSON pointer segments (unescaped).
pub type Loc = Vec<String>;

/// Reads schemas of one OpenAPI 3.0 document (as JSON).
#[derive(Clone, Copy)]
pub struct Resolver<'d> {
    root: &'d Value,
}

/// A schema found by a dot path.
#[derive(Debug, Clone, PartialEq)]
pub struct Field<'d> {
    /// The property schema as written (its `default`, `nullable`, `description`).
    pub declared: &'d Value,
    pub declared_loc: Loc,
    /// What the value must be: the declared schema through `$ref` and a lone `allOf` wrapper.
    pub schema: &'d Value,
    pub loc: Loc,
    /// Required at every step of the path.
    pub required: bool,
    pub nullable: bool,
}

/// Why a dot path does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub segment: String,
    /// Where the segment was looked up.
    pub within: Loc,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}`: no field `{}` in {}",
            self.path,
            self.segment,
            describe(&self.within)
        )
    }
}

impl std::error::Error for FieldError {}

/// `ComponentName.prop.prop` for a location under `components/schemas`.
pub fn describe(loc: &[String]) -> String {
    match loc {
        [a, b, name, rest @ ..] if a == "components" && b == "schemas" => {
            let rest: Vec<&str> = rest.iter().filter(|s| *s != "properties").map(String::as_str).collect();
            if rest.is_empty() {
                format!("`{name}`")
            } else {
                format!("`{name}.{}`", rest.join("."))
            }
        }
        _ => "the schema".into(),
    }
}

/// Appends a segment to a location.
pub fn child(loc: &[String], segment: impl Into<String>) -> Loc {
    let mut out = loc.to_vec();
    out.push(segment.into());
    out
}

/// The location a local `$ref` (`#/a/b`) points at.
pub fn ref_loc(reference: &str) -> Option<Loc> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    Some(
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The location of a component schema.
pub fn component_loc(name: &str) -> Loc {
    vec!["components".into(), "schemas".into(), name.into()]
}

/// A location as a JSON pointer (`/a/b`).
pub fn pointer(loc: &[String]) -> String {
    loc.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The keywords under which a schema holds other schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Property,
    Items,
    AdditionalProperties,
    Not,
    AllOf,
    AnyOf,
    OneOf,
}

impl<'d> Resolver<'d> {
    pub fn new(root: &'d Value) -> Self {
        Resolver { root }
    }

    pub fn root(&self) -> &'d Value {
        self.root
    }

    /// The value at a location.
    pub fn get(&self, loc: &[String]) -> Option<&'d Value> {
        loc.iter().try_fold(self.root, |v, seg| match v {
            Value::Object(m) => m.get(seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }

    /// Follows `$ref` chains from `value` (found at `loc`). None when a reference does not
    /// resolve or the chain loops.
    pub fn deref(&self, value: &'d Value, loc: Loc) -> Option<(&'d Value, Loc)> {
        let (mut value, mut loc) = (value, loc);
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Some((value, loc));
            };
            loc = ref_loc(reference)?;
            value = self.get(&loc)?;
        }
        None
    }

    /// Through `$ref`s and wrappers that only add `nullable`, `default` or docs around a lone
    /// `allOf`/`anyOf`/`oneOf` member: the schema that says what the value is.
    pub fn effective(&self, value: &'d Value, loc: Loc) -> Option<(&'d Value, Loc)> {
        let (mut value, mut loc) = self.deref(value, loc)?;
        for _ in 0..32 {
            let Some((key, only)) = lone_member(value) else {
                return Some((value, loc));
            };
            (value, loc) = self.deref(only, child(&child(&loc, key), "0"))?;
        }
        None
    }

    /// Whether the schema (through wrappers) admits null.
    pub fn nullable(&self, value: &'d Value, loc: Loc) -> bool {
        let Some((value, loc)) = self.deref(value, loc) else {
            return false;
        };
        value.get("nullable") == Some(&Value::Bool(true))
            || lone_member(value).is_some_and(|(key, only)| self.nullable(only, child(&child(&loc, key), "0")))
    }

    /// The schemas directly inside a schema, with the keyword that holds each (and the
    /// property name for properties). `$ref`s are not followed.
    pub fn subschemas(&self, value: &'d Value, loc: &[String]) -> Vec<(Edge, Option<&'d str>, &'d Value, Loc)> {
        let mut out = Vec::new();
        if let Some(Value::Object(props)) = value.get("properties") {
            for (name, prop) in props {
                out.push((
                    Edge::Property,
                    Some(name.as_str()),
                    prop,
                    child(&child(loc, "properties"), name.as_str()),
                ));
            }
        }
        for (key, edge) in [("items", Edge::Items), ("not", Edge::Not)] {
            if let Some(schema) = value.get(key).filter(|s| s.is_object()) {
                out.push((edge, None, schema, child(loc, key)));
            }
        }
        if let Some(schema) = value.get("additionalProperties").filter(|s| s.is_object()) {
            out.push((
                Edge::AdditionalProperties,
                None,
                schema,
                child(loc, "additionalProperties"),
            ));
        }
        for (key, edge) in [("allOf", Edge::AllOf), ("anyOf", Edge::AnyOf), ("oneOf", Edge::OneOf)] {
            if let Some(Value::Array(parts)) = value.get(key) {
                for (i, part) in parts.iter().enumerate() {
                    out.push((edge, None, part, child(&child(loc, key), i.to_string())));
                }
            }
        }
        out
    }

    /// The declared schema of member `name` of an object schema: its own property, else one
    /// of an `allOf`/`anyOf`/`oneOf` member, else `additionalProperties`.
    pub fn member(&self, value: &'d Value, loc: Loc, name: &str) -> Option<(&'d Value, Loc)> {
        let (value, loc) = self.deref(value, loc)?;
        if let Some(prop) = value.get("properties").and_then(|p| p.get(name)) {
            return Some((prop, child(&child(&loc, "properties"), name)));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = value.get(key) {
                for (i, part) in parts.iter().enumerate() {
                    if let Some(found) = self.member(part, child(&child(&loc, key), i.to_string()), name) {
                        return Some(found);
                    }
                }
            }
        }
        match value.get("additionalProperties") {
            Some(ap @ Value::Object(_)) => Some((ap, child(&loc, "additionalProperties"))),
            _ => None,
        }
    }

    /// Whether the object schema (through `$ref` and `allOf`) lists `name` as required.
    pub fn requires(&self, value: &'d Value, loc: Loc, name: &str) -> bool {
        let Some((value, loc)) = self.deref(value, loc) else {
            return false;
        };
        let own = value
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|f| f == name));
        own || value.get("allOf").and_then(Value::as_array).is_some_and(|parts| {
            parts
                .iter()
                .enumerate()
                .any(|(i, part)| self.requires(part, child(&child(&loc, "allOf"), i.to_string()), name))
        })
    }

    /// The field a dot path (`deploy.product`) names, starting from the schema at `loc`.
    /// The empty path is the schema itself.
    pub fn field(&self, loc: &[String], dot_path: &str) -> Result<Field<'d>, FieldError> {
        let not_found = |segment: &str, within: Loc| FieldError {
            path: dot_path.to_owned(),
            segment: segment.to_owned(),
            within,
        };
        let start = self.get(loc).ok_or_else(|| not_found("", loc.to_vec()))?;
        let segments: Vec<&str> = if dot_path.is_empty() {
            Vec::new()
        } else {
            dot_path.split('.').collect()
        };
        // A member declared in several members of a union (`oneOf` of manifest versions) is
        // looked for in each, in order, until the rest of the path resolves.
        let (declared, required) = self
            .descend((start, loc.to_vec()), &segments, true)
            .map_err(|(segment, within)| not_found(segment, within))?;
        let (schema, schema_loc) = self
            .effective(declared.0, declared.1.clone())
            .ok_or_else(|| not_found("", declared.1.clone()))?;
        Ok(Field {
            nullable: self.nullable(declared.0, declared.1.clone()),
            declared: declared.0,
            declared_loc: declared.1,
            schema,
            loc: schema_loc,
            required,
        })
    }

    /// The schema the rest of a path names below `declared`, and whether every step is required;
    /// else the segment that was not found and where.
    #[allow(clippy::type_complexity)]
    fn descend<'s>(
        &self,
        declared: (&'d Value, Loc),
        segments: &[&'s str],
        required: bool,
    ) -> Result<((&'d Value, Loc), bool), (&'s str, Loc)> {
        let Some((segment, rest)) = segments.split_first() else {
            return Ok((declared, required));
        };
        let (parent, parent_loc) = self
            .effective(declared.0, declared.1.clone())
            .ok_or((*segment, declared.1.clone()))?;
        let required = required && self.requires(parent, parent_loc.clone(), segment);
        let candidates = self.members(parent, parent_loc.clone(), segment);
        let mut first_error = (*segment, parent_loc);
        for (i, candidate) in candidates.into_iter().enumerate() {
            match self.descend(candidate, rest, required) {
                Ok(found) => return Ok(found),
                Err(error) if i == 0 => first_error = error,
                Err(_) => {}
            }
        }
        Err(first_error)
    }

    /// Every declaration of member `name`, in the order [`member`](Self::member) looks.
    fn members(&self, value: &'d Value, loc: Loc, name: &str) -> Vec<(&'d Value, Loc)> {
        let Some((value, loc)) = self.deref(value, loc) else {
            return Vec::new();
        };
        if let Some(prop) = value.get("properties").and_then(|p| p.get(name)) {
            return vec![(prop, child(&child(&loc, "properties"), name))];
        }
        let mut out = Vec::new();
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = value.get(key) {
                for (i, part) in parts.iter().enumerate() {
                    out.extend(self.members(part, child(&child(&loc, key), i.to_string()), name));
                }
            }
        }
        if out.is_empty()
            && let Some(ap @ Value::Object(_)) = value.get("additionalProperties")
        {
            out.push((ap, child(&loc, "additionalProperties")));
        }
        out
    }

    /// Every component schema name a schema reaches through `$ref`s, itself included when
    /// it is a component.
    pub fn reachable_components(&self, loc: &[String]) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        let mut stack = vec![loc.to_vec()];
        while let Some(loc) = stack.pop() {
            if let [a, b, name] = loc.as_slice()
                && a == "components"
                && b == "schemas"
            {
                if seen.contains(name) {
                    continue;
                }
                seen.push(name.clone());
            }
            let Some(value) = self.get(&loc) else { continue };
            collect_refs(value, &mut |reference| {
                if let Some(target) = ref_loc(reference) {
                    stack.push(target);
                }
            });
        }
        seen
    }
}

/// The lone member of an `allOf`/`anyOf`/`oneOf` wrapper that adds nothing but nullability,
/// a default or docs.
fn lone_member(value: &Value) -> Option<(&'static str, &Value)> {
    let map = value.as_object()?;
    let wrapper_only = map.keys().all(|k| {
        matches!(
            k.as_str(),
            "allOf" | "anyOf" | "oneOf" | "nullable" | "default" | "description" | "title" | "example" | "deprecated"
        ) || k.starts_with("x-")
    });
    if !wrapper_only {
        return None;
    }
    ["allOf", "anyOf", "oneOf"]
        .into_iter()
        .find_map(|key| match map.get(key) {
            Some(Value::Array(parts)) if parts.len() == 1 => Some((key, &parts[0])),
            _ => None,
        })
}

/// Every `$ref` inside a schema (examples, defaults and enums are data and skipped).
pub fn refs_in(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_refs(value, &mut |r| out.push(r));
    out
}

fn collect_refs<'v>(value: &'v Value, found: &mut impl FnMut(&'v str)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => found(reference),
                    // Data, not schemas.
                    ("example" | "examples" | "default" | "enum", _) => {}
                    _ => collect_refs(child, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, found)),
        _ => {}
    }
}
