//! Random mutations of valid bodies: each is either refused by the local validator before
//! anything is sent, or accepted by both the local validator and the stand-in.

use launchplane_client::config::Environment;
use launchplane_client::{CallOptions, Config, Error, Launchplane, Settings, prepare};
use launchplane_testkit::{StandIn, StandInConfig, TokenOverrides};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

struct Vars(Vec<(&'static str, String)>);

impl Environment for Vars {
    fn var(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }
}

/// Every object in a body, by the path of keys leading to it.
fn object_paths(value: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(map) = value {
        out.push(path.clone());
        for (key, child) in map {
            let mut child_path = path.clone();
            child_path.push(key.clone());
            object_paths(child, child_path, out);
        }
    }
}

fn object_at<'v>(body: &'v mut Value, path: &[String]) -> &'v mut Map<String, Value> {
    path.iter()
        .fold(body, |v, k| v.get_mut(k).unwrap())
        .as_object_mut()
        .unwrap()
}

fn mutate(rng: &mut StdRng, body: &mut Value) -> String {
    let mut objects = Vec::new();
    object_paths(body, Vec::new(), &mut objects);
    let path = objects[rng.random_range(0..objects.len())].clone();
    let object = object_at(body, &path);
    let keys: Vec<String> = object.keys().cloned().collect();
    let where_ = path.join(".");
    if keys.is_empty() || rng.random_bool(0.1) {
        object.insert("unexpected_field".into(), json!("x"));
        return format!("add unknown field at `{where_}`");
    }
    let key = keys[rng.random_range(0..keys.len())].clone();
    let current = object[&key].clone();
    let (replacement, what) = match rng.random_range(0..6) {
        0 => {
            object.remove(&key);
            return format!("remove `{where_}.{key}`");
        }
        1 => (Value::Null, "null"),
        2 => (json!("  "), "blank string"),
        3 => (json!(0), "zero"),
        4 => match current {
            Value::Bool(b) => (Value::Bool(!b), "flipped boolean"),
            // Another product or context is another tenant's lane, not a body mistake.
            Value::String(_) if key == "product" || key.ends_with("context") => (json!(""), "empty string"),
            Value::String(_) => (json!("BOGUS-value"), "other string"),
            Value::Number(_) => (json!(-1), "negative number"),
            _ => (json!([]), "empty list"),
        },
        _ => (json!({"nested": true}), "object"),
    };
    object.insert(key.clone(), replacement);
    format!("set `{where_}.{key}` to {what}")
}

#[test]
fn mutated_bodies_are_refused_locally_or_accepted_by_the_stand_in() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let token = stand_in.mint_token(TokenOverrides::default());
    let env = Vars(vec![("LAUNCHPLANE_TOKEN", token)]);
    let settings = Settings {
        url: Some(stand_in.base_url().to_owned()),
        ..Default::default()
    };
    let launchplane = Launchplane::new(Config::resolve(settings, &env).unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let contract = stand_in.contract();
    let mut rng = StdRng::seed_from_u64(0x001a_0c4b_1ae5);
    let (mut refused, mut accepted) = (0, 0);
    for round in 0..12 {
        for op in contract.operations().iter().filter(|op| op.request_schema.is_some()) {
            let mut body = contract.request_example(op).unwrap();
            let mut applied = Vec::new();
            for _ in 0..rng.random_range(1..=2) {
                applied.push(mutate(&mut rng, &mut body));
            }
            let options = CallOptions {
                confirm: true,
                idempotency_key: Some(format!("mutation-{round}-{}", op.id)),
                ..Default::default()
            };
            let sent_before = stand_in.requests().len();
            match prepare(&op.id, Some(body.clone()), &options) {
                Err(Error::InvalidBody { .. }) => {
                    refused += 1;
                    assert_eq!(stand_in.requests().len(), sent_before, "a refused body was sent");
                }
                Err(other) => panic!("{} after {applied:?}: unexpected local error {other}", op.id),
                Ok(prepared) => match runtime.block_on(launchplane.send(&prepared)) {
                    Ok(_) => accepted += 1,
                    Err(error) => panic!(
                        "{} after {applied:?}: the local validator passed a body the stand-in refused: {error}\nbody: {}",
                        op.id,
                        prepared.body.unwrap_or_default()
                    ),
                },
            }
        }
    }
    assert!(
        refused > 50 && accepted > 20,
        "mutations exercised too little: {refused} refused, {accepted} accepted"
    );
}
