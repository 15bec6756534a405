//! Embeds the spec: converts `openapi/launchplane-v1.yaml` to JSON and stores its operation
//! table, so a malformed operation extension fails the build rather than a call.

use std::{env, fs, path::PathBuf};

#[allow(dead_code)]
#[path = "src/rule_language.rs"]
mod rule_language;

#[allow(dead_code)]
#[path = "src/operation.rs"]
mod operation;

const SPEC: &str = "openapi/launchplane-v1.yaml";

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let spec_path = PathBuf::from(manifest_dir).join(SPEC);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=src/rule_language.rs");
    println!("cargo:rerun-if-changed=src/operation.rs");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));

    let text = fs::read_to_string(&spec_path).expect("read openapi/launchplane-v1.yaml");
    let document: serde_json::Value = serde_norway::from_str(&text).expect("parse openapi/launchplane-v1.yaml");
    let operations =
        operation::read_operations(&document).unwrap_or_else(|e| panic!("openapi/launchplane-v1.yaml: {e}"));

    let json = serde_json::to_string(&document).expect("spec as JSON");
    fs::write(out_dir.join("launchplane-v1.json"), json).expect("write spec JSON");
    let table = serde_json::to_string(&operations).expect("operation table as JSON");
    fs::write(out_dir.join("operations.json"), table).expect("write operation table");
}
