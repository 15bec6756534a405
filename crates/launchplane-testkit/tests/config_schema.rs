//! The checked-in JSON Schema of the config file is the one the config types generate.

use launchplane_testkit::StandInConfig;

const CHECKED_IN: &str = "config.schema.json";

#[test]
fn the_checked_in_config_schema_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CHECKED_IN);
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&StandInConfig::json_schema()).expect("JSON")
    );
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is stale; regenerate it with\n    UPDATE_EXPECT=1 cargo test -p launchplane-testkit --test config_schema\n\
         or\n    cargo run -p launchplane-testkit -- config-schema > crates/launchplane-testkit/{CHECKED_IN}",
        path.display()
    );
}

#[test]
fn the_schema_describes_what_a_config_may_hold() {
    let schema = StandInConfig::json_schema();
    assert_eq!(schema["additionalProperties"], false, "unknown fields are refused");
    for field in ["audience", "identity", "products", "policy", "result_overrides"] {
        assert!(schema["properties"][field].is_object(), "{field}");
    }
    let product = &schema["definitions"]["Product"];
    assert_eq!(product["required"], serde_json::json!(["context", "driver"]));
}
