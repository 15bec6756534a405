//! The rule language of `x-launchplane-rules` and `x-launchplane-destructive-when` as data
//! (documented in `openapi/README.md`). Anything outside the language is a load error.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One cross-field rule of a schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    /// The message Launchplane answers when the rule fails.
    pub message: String,
    /// A guard: the rule passes when it does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Conditions>,
    pub check: Conditions,
}

/// One condition or a list of conditions that must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct Conditions(pub Vec<Condition>);

/// `{field, <one predicate>, normalize?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>", into = "Map<String, Value>")]
pub struct Condition {
    /// Dot path relative to the object the schema describes.
    pub field: String,
    pub normalize: Normalize,
    pub predicate: Predicate,
}

/// How strings are normalized before they are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// Python `str.strip()`.
    #[default]
    Trim,
    /// Python `str.strip().lower()`.
    TrimLower,
    None,
}

/// What must be true of the field's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    Equals(Value),
    OneOf(Vec<Value>),
    NonBlank(Flag),
    NonEmpty(Flag),
    Present(Flag),
    SameAs(String),
    DiffersFrom(String),
    /// A template with `{dot.path}` placeholders.
    StartsWith(String),
    HttpUrl(Flag),
}

/// The `true` a flag predicate is written with; anything else is a load error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "bool", into = "bool")]
pub struct Flag;

impl TryFrom<bool> for Flag {
    type Error = &'static str;
    fn try_from(value: bool) -> Result<Self, Self::Error> {
        if value {
            Ok(Flag)
        } else {
            Err("a flag predicate is written `true`")
        }
    }
}

impl From<Flag> for bool {
    fn from(_: Flag) -> bool {
        true
    }
}

/// Predicate names, for messages.
pub const PREDICATES: [&str; 9] = [
    "equals",
    "one_of",
    "non_blank",
    "non_empty",
    "present",
    "same_as",
    "differs_from",
    "starts_with",
    "http_url",
];

impl TryFrom<Value> for Conditions {
    type Error = String;
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        let list = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        list.into_iter()
            .map(|c| serde_json::from_value(c).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()
            .map(Conditions)
    }
}

impl From<Conditions> for Value {
    fn from(conditions: Conditions) -> Value {
        let mut list: Vec<Value> = conditions.0.into_iter().map(|c| Value::Object(c.into())).collect();
        if list.len() == 1 {
            list.remove(0)
        } else {
            Value::Array(list)
        }
    }
}

impl TryFrom<Map<String, Value>> for Condition {
    type Error = String;
    fn try_from(mut map: Map<String, Value>) -> Result<Self, Self::Error> {
        let field = match map.remove("field") {
            Some(Value::String(field)) if !field.is_empty() => field,
            _ => return Err("a condition needs `field`: a dot path".into()),
        };
        let normalize = match map.remove("normalize") {
            Some(n) => serde_json::from_value(n).map_err(|e| format!("`normalize` of `{field}`: {e}"))?,
            None => Normalize::default(),
        };
        let mut keys: Vec<String> = map.keys().cloned().collect();
        let Some(key) = keys.pop().filter(|_| keys.is_empty()) else {
            return Err(format!(
                "the condition on `{field}` needs exactly one predicate of {}",
                PREDICATES.join(", ")
            ));
        };
        if !PREDICATES.contains(&key.as_str()) {
            return Err(format!(
                "the condition on `{field}` has the unknown key `{key}`; use `field`, `normalize` and one of {}",
                PREDICATES.join(", ")
            ));
        }
        let predicate = serde_json::from_value(Value::Object(map)).map_err(|e| format!("`{key}` of `{field}`: {e}"))?;
        Ok(Condition {
            field,
            normalize,
            predicate,
        })
    }
}

impl From<Condition> for Map<String, Value> {
    fn from(condition: Condition) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("field".into(), Value::String(condition.field));
        if let Value::Object(predicate) = serde_json::to_value(condition.predicate).expect("predicate serializes") {
            map.extend(predicate);
        }
        if condition.normalize != Normalize::Trim {
            map.insert(
                "normalize".into(),
                serde_json::to_value(condition.normalize).expect("normalize serializes"),
            );
        }
        map
    }
}

impl Conditions {
    /// The dot paths the conditions read, placeholders of templates included.
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().flat_map(Condition::fields).collect()
    }
}

impl Condition {
    /// The dot paths the condition reads.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = vec![self.field.as_str()];
        match &self.predicate {
            Predicate::SameAs(other) | Predicate::DiffersFrom(other) => out.push(other),
            Predicate::StartsWith(template) => out.extend(placeholders(template)),
            _ => {}
        }
        out
    }
}

/// The `{dot.path}` placeholders of a template.
pub fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .collect()
}

/// One `x-launchplane-outcome` entry: the result field and the values that mean success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeField {
    pub field: String,
    pub ok: Vec<Value>,
}
