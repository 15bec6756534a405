//! What a comparison produces: classified changes, grouped by operation.

use serde::Serialize;

use crate::spec::doc::Loc;

/// How a change affects a tenant that was written against the old document.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// A tenant call or read that worked may now fail.
    Breaking,
    /// No rule covers the change; treated as failing until someone judges it.
    Unclassified,
    /// Existing tenants keep working.
    NonBreaking,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Unclassified => "unclassified",
            Class::NonBreaking => "non-breaking",
        }
    }
}

/// One classified difference.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub class: Class,
    /// The rule that classified it (stable identifier, documented in openapi/README.md).
    pub rule: &'static str,
    /// `POST /v1/…`, or `None` for document-level changes.
    pub operation: Option<String>,
    pub operation_id: Option<String>,
    /// What part of the operation: `request body`, `response 202`, `parameter header X`.
    pub part: String,
    /// Dot path of the field inside that part (empty for the part itself).
    pub field: String,
    pub message: String,
    /// The nearest location in the new document (for line numbers).
    #[serde(skip)]
    pub new_loc: Loc,
}

impl Change {
    /// `request body `promotion.artifact_id``, for reports.
    pub fn place(&self) -> String {
        match (self.part.is_empty(), self.field.is_empty()) {
            (true, true) => String::new(),
            (false, true) => self.part.clone(),
            (true, false) => format!("`{}`", self.field),
            (false, false) => format!("{} `{}`", self.part, self.field),
        }
    }
}

/// Where the comparison currently is: which operation and which part of it.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub operation: Option<String>,
    pub operation_id: Option<String>,
    pub part: String,
}

/// Collects changes for one comparison.
#[derive(Default)]
pub struct Changes {
    pub list: Vec<Change>,
}

impl Changes {
    pub fn push(
        &mut self,
        scope: &Scope,
        field: &str,
        class: Class,
        rule: &'static str,
        message: String,
        new_loc: &Loc,
    ) {
        self.list.push(Change {
            class,
            rule,
            operation: scope.operation.clone(),
            operation_id: scope.operation_id.clone(),
            part: scope.part.clone(),
            field: field.to_string(),
            message,
            new_loc: new_loc.clone(),
        });
    }
}
