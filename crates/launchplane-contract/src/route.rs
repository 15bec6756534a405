//! Path templates (`/v1/drivers/{driver_id}`): matching a concrete path, filling parameters.

use crate::operation::Operation;

/// How a method and path fall on the spec's routes.
#[derive(Debug, PartialEq)]
pub enum RouteMatch<'a> {
    Found(&'a Operation),
    MethodNotAllowed { allowed: Vec<String> },
    NotFound,
}

/// Names of the `{placeholders}` of a path template.
pub fn path_parameters(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

/// Whether a concrete path fits a template, each `{param}` taking one non-empty segment.
pub fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(ts, ps)| (ts.starts_with('{') && !ps.is_empty()) || ts == ps)
}

/// The operation at `method` + concrete `path`; a literal route wins over a template one
/// (`/v1/drivers/odoo/…` vs `/v1/drivers/{id}`).
pub fn route<'a>(operations: &'a [Operation], method: &str, path: &str) -> RouteMatch<'a> {
    let on_path: Vec<&Operation> = operations
        .iter()
        .filter(|op| template_matches(&op.path, path))
        .collect();
    let exact: Vec<&Operation> = on_path.iter().copied().filter(|op| op.path == path).collect();
    let candidates = if exact.is_empty() { on_path } else { exact };
    if candidates.is_empty() {
        return RouteMatch::NotFound;
    }
    match candidates.iter().find(|op| op.method.eq_ignore_ascii_case(method)) {
        Some(op) => RouteMatch::Found(op),
        None => RouteMatch::MethodNotAllowed {
            allowed: candidates.iter().map(|op| op.method.clone()).collect(),
        },
    }
}

impl Operation {
    /// Fills the path template (`/v1/drivers/{driver_id}`) from `params`.
    pub fn render_path(&self, params: &[(String, String)]) -> Result<String, String> {
        let mut path = self.path.clone();
        for name in path_parameters(&self.path) {
            let value = params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("operation {} needs the path parameter `{name}`", self.id))?;
            if value.is_empty() || value.contains('/') {
                return Err(format!(
                    "path parameter `{name}` must be a non-empty segment without `/`"
                ));
            }
            path = path.replace(&format!("{{{name}}}"), value);
        }
        Ok(path)
    }
}
