//! Request files cut from the spec's own examples, for tests and demos that drive the CLI.

use std::path::Path;

use launchplane_contract::Contract;
use serde_json::Value;

/// The part at `dot_path` of the operation's first request example; the empty path gives
/// the envelope without `product` and `schema_version` (what `--file` takes for evidence
/// whose envelope holds several records).
///
/// # Panics
/// When the spec has no such operation, example or part.
pub fn part(operation_id: &str, dot_path: &str) -> Value {
    let contract = Contract::embedded();
    let op = contract
        .operation(operation_id)
        .unwrap_or_else(|| panic!("spec operation {operation_id}"));
    let example = contract
        .request_example(op)
        .unwrap_or_else(|| panic!("{operation_id} has a request example"));
    if dot_path.is_empty() {
        let mut envelope = example;
        if let Some(members) = envelope.as_object_mut() {
            members.remove("product");
            members.remove("schema_version");
        }
        return envelope;
    }
    Contract::field(&example, dot_path)
        .cloned()
        .unwrap_or_else(|| panic!("{operation_id} example has `{dot_path}`"))
}

/// Writes [`part`] to `dir/name` and returns the file's path as text.
///
/// # Panics
/// As [`part`], or when the file cannot be written.
pub fn write_part(dir: &Path, operation_id: &str, dot_path: &str, name: &str) -> String {
    let path = dir.join(name);
    let text = serde_json::to_vec_pretty(&part(operation_id, dot_path)).expect("JSON");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_string_lossy().into_owned()
}
