//! `lpctl --version` names the crate version and the Launchplane revision of the spec it was
//! built from, both read here from the files they come from.

use std::path::Path;
use std::process::Command;

/// The value of the first `key:` / `key =` line of a file, unquoted.
fn first_value(path: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(str::trim)
        .find_map(|line| {
            let rest = line.strip_prefix(key)?.trim_start();
            let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
            Some(value.trim().trim_matches(['"', '\'']).to_owned())
        })
        .unwrap_or_else(|| panic!("no {key} in {}", path.display()))
}

#[test]
fn version_names_the_crate_version_and_the_specs_launchplane_revision() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let revision = first_value(&root.join("openapi/launchplane-v1.yaml"), "x-launchplane-revision");
    let version = first_value(&root.join("crates/lpctl/Cargo.toml"), "version");
    assert_eq!(revision.len(), 40, "{revision}");

    let out = Command::new(contract_tests::lpctl()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("lpctl {version} (Launchplane {revision})\n")
    );
}
