//! `spec diff` on a corpus of base/changed spec pairs, one per classification rule
//! (`tests/corpus/<case>/{base,changed}.yaml`, expected `class rule` in `expected`).

use std::fs;
use std::path::Path;

use xtask::spec::diff::{DiffReport, diff_texts};

fn corpus_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus"))
}

fn run_case(name: &str) -> DiffReport {
    let dir = corpus_dir().join(name);
    let read = |f: &str| fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"));
    let report = diff_texts("base", Some(&read("base.yaml")), &read("changed.yaml")).expect("diff");
    let expected = read("expected");
    let rules: Vec<String> = report
        .groups
        .iter()
        .flat_map(|g| &g.changes)
        .map(|e| {
            format!(
                "{} {}",
                serde_json::to_value(e.class).unwrap().as_str().unwrap(),
                e.rule
            )
        })
        .collect();
    match expected.trim() {
        "" => assert!(rules.is_empty(), "{name}: expected no change, got {rules:?}"),
        want => assert!(
            rules.iter().any(|r| r == want),
            "{name}: expected `{want}`, got {rules:?}"
        ),
    }
    report
}

macro_rules! corpus {
    ($name:ident) => {
        #[test]
        fn $name() {
            let report = run_case(stringify!($name));
            insta::assert_json_snapshot!(stringify!($name), report);
        }
    };
}

#[test]
fn every_corpus_case_has_a_test() {
    let me = include_str!("diff_corpus.rs");
    for entry in fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            me.contains(&format!("corpus!({name});")),
            "add `corpus!({name});` to tests/diff_corpus.rs"
        );
    }
}

#[test]
fn failure_rules() {
    let verdict = |name: &str| {
        let r = run_case(name);
        (r.failed(), r.major_bump)
    };
    assert_eq!(verdict("request_field_removed"), (true, false));
    assert_eq!(verdict("default_changed"), (true, false), "unclassified fails closed");
    assert_eq!(verdict("response_field_added"), (false, false));
    assert_eq!(verdict("major_version_bump"), (false, true));
    let bumped = run_case("major_version_bump");
    assert!(bumped.markdown().contains("breaking changes are accepted"));
}

#[test]
fn annotations_mark_breaking_and_unclassified() {
    let r = run_case("request_field_removed");
    let lines = r.console_lines(true);
    assert!(
        lines[0].starts_with("::error file=openapi/launchplane-v1.yaml,line="),
        "{lines:?}"
    );
    let r = run_case("default_changed");
    assert!(r.console_lines(true)[0].starts_with("::warning file=openapi/launchplane-v1.yaml,line="));
}

#[test]
fn breaking_groups_come_first() {
    let dir = corpus_dir();
    let base = fs::read_to_string(dir.join("no_change/base.yaml")).unwrap();
    // Two operations: one with a non-breaking change, one with a breaking change.
    let changed = base
        .replace("summary: Run a thing.", "summary: Run one thing.")
        .replace(
            "        id:\n          type: string\n",
            "        ident:\n          type: string\n",
        );
    let report = diff_texts("base", Some(&base), &changed).unwrap();
    assert!(report.groups.len() >= 2, "{report:#?}");
    assert_eq!(report.groups[0].operation, "GET /v1/things/{thing_id}");
    let md = report.markdown();
    assert!(md.find("GET /v1/things").unwrap() < md.find("POST /v1/things/run").unwrap());
}

corpus!(constraint_changed);
corpus!(default_changed);
corpus!(description_changed);
corpus!(example_changed);
corpus!(extension_changed);
corpus!(free_form_changed);
corpus!(major_version_bump);
corpus!(media_type_changed);
corpus!(no_change);
corpus!(not_carried_changed);
corpus!(operation_added);
corpus!(operation_id_changed);
corpus!(operation_removed);
corpus!(parameter_added_optional);
corpus!(parameter_added_required);
corpus!(parameter_removed);
corpus!(path_removed);
corpus!(request_body_removed);
corpus!(request_boolean_became_true_only);
corpus!(request_bounds_loosened);
corpus!(request_bounds_tightened);
corpus!(request_enum_restricted);
corpus!(request_enum_value_added);
corpus!(request_enum_value_removed);
corpus!(request_field_added_optional);
corpus!(request_field_added_required);
corpus!(request_field_became_optional);
corpus!(request_field_became_required);
corpus!(request_field_removed);
corpus!(request_field_removed_open);
corpus!(request_model_closed);
corpus!(request_nullable_added);
corpus!(request_nullable_removed);
corpus!(request_string_length_added);
corpus!(response_bounds_loosened);
corpus!(response_enum_value_removed);
corpus!(response_enum_widened);
corpus!(response_field_added);
corpus!(response_field_became_optional);
corpus!(response_field_removed);
corpus!(response_nullable_added);
corpus!(response_status_changed);
corpus!(response_type_changed);
corpus!(rule_added);
corpus!(schema_keyword_changed);
corpus!(schema_renamed);
corpus!(type_changed);
corpus!(version_changed);
