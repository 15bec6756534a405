//! Document-level rules: OpenAPI 3.0.3 shape, resolvable `$ref`s, tags, not-carried routes.

use std::collections::HashSet;

use serde_json::Value;

use super::Finding;
use crate::spec::doc::{self, Loc};

/// Returns false when the document is too broken for the other rules to run.
pub fn check(spec_text: &str, spec: &Value, out: &mut Vec<Finding>) -> bool {
    let version = spec.get("openapi").and_then(Value::as_str);
    if version != Some("3.0.3") {
        out.push(Finding::new(
            vec!["openapi".into()],
            format!("`openapi` is {}, not 3.0.3", version.unwrap_or("missing")),
            "set `openapi: 3.0.3` (the generator reads OpenAPI 3.0 only)",
        ));
        return false;
    }
    // Deserializing the parsed value (borrowed, not copied) is cheap; the text is parsed
    // again only to place an error.
    if <openapiv3::OpenAPI as serde::Deserialize>::deserialize(spec).is_err()
        && let Err(e) = serde_norway::from_str::<openapiv3::OpenAPI>(spec_text)
    {
        let loc = e.location().map(|l| l.line());
        out.push(Finding::new(
            line_loc(spec_text, loc),
            format!("not a valid OpenAPI 3.0 document: {e}"),
            "fix the object the parser names",
        ));
        return false;
    }

    let mut refs = Vec::new();
    doc::collect_refs(spec, &mut Vec::new(), &mut refs);
    for (loc, reference) in refs {
        if !reference.starts_with("#/") {
            out.push(Finding::new(
                doc::child(&loc, "$ref"),
                format!("`$ref: {reference}` points outside the document"),
                "keep every schema in this file and use `#/components/...` references",
            ));
        } else if doc::ref_loc(&reference).and_then(|l| doc::get(spec, &l)).is_none() {
            out.push(Finding::new(
                doc::child(&loc, "$ref"),
                format!("`$ref: {reference}` does not resolve"),
                "define the component or fix the name",
            ));
        }
    }

    check_tags(spec, out);
    check_not_carried(spec, out);
    true
}

/// A location on a given line can't be expressed as keys; the first key at or above it will do.
fn line_loc(spec_text: &str, line: Option<usize>) -> Loc {
    let Some(line) = line else { return Vec::new() };
    let mut last_top = Vec::new();
    for (i, l) in spec_text.lines().enumerate() {
        if i + 1 > line {
            break;
        }
        if let Some(key) = l.strip_suffix(':').filter(|k| !k.starts_with([' ', '-', '#'])) {
            last_top = vec![key.to_string()];
        }
    }
    last_top
}

fn check_tags(spec: &Value, out: &mut Vec<Finding>) {
    let declared: HashSet<&str> = spec
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
    for op in doc::operations(spec) {
        let tags: Vec<&str> = op
            .value
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match tags.as_slice() {
            [tag] if declared.contains(tag) => {}
            [tag] => out.push(Finding::new(
                doc::child(&op.loc, "tags"),
                format!(
                    "{} has tag `{tag}`, which the top-level `tags` does not declare",
                    op.label()
                ),
                "use a declared tag or declare it",
            )),
            _ => out.push(Finding::new(
                doc::child(&op.loc, "tags"),
                format!("{} has {} tags", op.label(), tags.len()),
                "give every operation exactly one tag",
            )),
        }
    }
}

fn check_not_carried(spec: &Value, out: &mut Vec<Finding>) {
    let Some(routes) = spec.get("x-launchplane-not-carried") else {
        return;
    };
    let base: Loc = vec!["x-launchplane-not-carried".into()];
    let Some(routes) = routes.as_array() else {
        out.push(Finding::new(
            base,
            "`x-launchplane-not-carried` is not a list",
            "list `{method, path, reason}` entries",
        ));
        return;
    };
    let carried: HashSet<(String, &str)> = doc::operations(spec)
        .iter()
        .map(|op| (op.method.to_uppercase(), op.path))
        .collect();
    let mut seen = HashSet::new();
    for (i, route) in routes.iter().enumerate() {
        let loc = doc::child(&base, i.to_string());
        let field = |k: &str| route.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty());
        let (Some(method), Some(path), Some(_)) = (field("method"), field("path"), field("reason")) else {
            out.push(Finding::new(
                loc,
                "not-carried entry lacks `method`, `path` or `reason`",
                "give all three",
            ));
            continue;
        };
        if !doc::METHODS.contains(&method.to_lowercase().as_str()) || method != method.to_uppercase() {
            out.push(Finding::new(
                doc::child(&loc, "method"),
                format!("`{method}` is not an upper-case HTTP method"),
                "write e.g. `POST`",
            ));
        }
        if !path.starts_with('/') {
            out.push(Finding::new(
                doc::child(&loc, "path"),
                format!("`{path}` is not a path"),
                "start it with `/`",
            ));
        }
        if carried.contains(&(method.to_string(), path)) {
            out.push(Finding::new(
                doc::child(&loc, "path"),
                format!("{method} {path} is listed as not carried but the spec defines it"),
                "remove it from one of the two places",
            ));
        }
        if !seen.insert((method, path)) {
            out.push(Finding::new(
                loc,
                format!("{method} {path} is listed twice as not carried"),
                "keep one entry",
            ));
        }
    }
}
