//! Plan, then apply, against the stand-in: the operation that plans (`--plan-out`) writes the plan;
//! the one that applies it (`--plan`) sends its parts with the plan id as the Idempotency-Key, and
//! a plan that is not ready, has expired or is for another product is refused with nothing sent.

mod support;

use launchplane_client::Contract;
use launchplane_client::contract::Operation;
use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::{Value, json};
use support::{lpctl, output, outputs, pairs, scratch, stand_in_env};

/// The first operation that applies a plan, and the operation that issues it.
fn pair() -> (&'static Operation, &'static Operation) {
    let contract = Contract::embedded();
    let applier = contract
        .operations()
        .iter()
        .find(|op| op.plan.is_some())
        .expect("the spec declares an operation that applies a plan (x-launchplane-plan)");
    let planner = contract
        .operation(&applier.plan.as_ref().unwrap().planned_by)
        .expect("the planning operation");
    (planner, applier)
}

struct Flow {
    stand_in: StandIn,
    dir: std::path::PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Flow {
    fn new(name: &str) -> Flow {
        let stand_in = StandIn::spawn(StandInConfig::default());
        let mut env = stand_in_env(&stand_in);
        let dir = scratch(name);
        env.push(("GITHUB_ACTIONS", "true".into()));
        env.push(("GITHUB_OUTPUT", dir.join("output").to_string_lossy().into_owned()));
        Flow { stand_in, dir, env }
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    fn lpctl(&self, args: &[&str]) -> support::Run {
        lpctl(args, &pairs(&self.env))
    }

    /// Plans with the planner's first request example; the plan file's path.
    fn plan(&self) -> String {
        let (planner, _) = pair();
        let body = self.file("plan-request.json");
        let example = Contract::embedded().request_example(planner).unwrap();
        std::fs::write(&body, example.to_string()).unwrap();
        let plan = self.file("plan.json");
        let run = self.lpctl(&["call", &planner.id, "--body", &body, "--plan-out", &plan]);
        assert_eq!(run.code, 0, "{}", run.all());
        plan
    }

    /// The applier's first request example with the plan's parts taken out: the plan fills them.
    fn apply_body(&self, product: &str) -> String {
        let (_, applier) = pair();
        let mut example = Contract::embedded().request_example(applier).unwrap();
        let spec = applier.plan.as_ref().unwrap();
        for body_path in spec.fills.keys() {
            let (parent, last) = body_path.rsplit_once('.').unwrap_or(("", body_path));
            let pointer = format!("/{}", parent.replace('.', "/"));
            let target = if parent.is_empty() {
                &mut example
            } else {
                example.pointer_mut(&pointer).unwrap()
            };
            target.as_object_mut().unwrap().remove(last);
        }
        example["product"] = json!(product);
        let file = self.file("apply-request.json");
        std::fs::write(&file, example.to_string()).unwrap();
        file
    }

    fn applies(&self) -> Vec<launchplane_testkit::RecordedRequest> {
        let (_, applier) = pair();
        self.stand_in
            .requests()
            .into_iter()
            .filter(|r| r.path == applier.path)
            .collect()
    }
}

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn field<'v>(value: &'v Value, dot_path: &str) -> &'v Value {
    launchplane_client::contract::dot_path::field(value, dot_path).unwrap_or(&Value::Null)
}

#[test]
fn the_plan_is_applied_with_its_id_as_the_key_and_its_parts_in_the_body() {
    let (_, applier) = pair();
    let spec = applier.plan.as_ref().unwrap();
    let flow = Flow::new("plan-apply");
    let plan_file = flow.plan();
    let plan = read(&plan_file);
    let plan_id = field(&plan, &spec.key).as_str().expect("the plan has an id").to_owned();
    let written = outputs(&flow.dir.join("output"));
    assert_eq!(output(&written, "plan_id"), Some(plan_id.as_str()));
    assert_eq!(output(&written, "plan_file"), Some(plan_file.as_str()));

    let product = field(&plan, &spec.product).as_str().unwrap().to_owned();
    let body = flow.apply_body(&product);
    let run = flow.lpctl(&["call", &applier.id, "--body", &body, "--plan", &plan_file, "--confirm"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let applies = flow.applies();
    assert_eq!(applies.len(), 1);
    let key = applies[0]
        .headers
        .iter()
        .find(|(n, _)| n == "idempotency-key")
        .map(|(_, v)| v.as_str());
    assert_eq!(key, Some(plan_id.as_str()));
    for (body_path, plan_path) in &spec.fills {
        assert_eq!(
            field(&applies[0].body, body_path),
            field(&plan, plan_path),
            "{body_path}"
        );
    }

    // A re-run applies the same plan under the same key: Launchplane replays it.
    let again = flow.lpctl(&["call", &applier.id, "--body", &body, "--plan", &plan_file, "--confirm"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        flow.stand_in
            .requests()
            .iter()
            .filter(|r| r.path == applier.path)
            .count(),
        2
    );
    assert!(again.all().contains("replayed"), "{}", again.all());
}

#[test]
fn a_plan_not_ready_expired_or_for_another_product_is_refused_before_sending() {
    let (_, applier) = pair();
    let spec = applier.plan.as_ref().unwrap();
    let flow = Flow::new("plan-refused");
    let plan_file = flow.plan();
    let plan = read(&plan_file);
    let product = field(&plan, &spec.product).as_str().unwrap().to_owned();
    let set = |path: &str, value: Value, name: &str| {
        let mut changed = plan.clone();
        let pointer = format!("/{}", path.replace('.', "/"));
        *changed.pointer_mut(&pointer).unwrap() = value;
        let file = flow.file(name);
        std::fs::write(&file, changed.to_string()).unwrap();
        file
    };
    let cases = [
        (
            set(&spec.ready.field, json!("blocked"), "blocked.json"),
            flow.apply_body(&product),
            "cannot be applied",
        ),
        (
            set(&spec.expires_at, json!("2026-01-01T00:00:00Z"), "expired.json"),
            flow.apply_body(&product),
            "expired",
        ),
        (
            set(&spec.expires_at, json!("soon"), "unreadable.json"),
            flow.apply_body(&product),
            "not a UTC time",
        ),
        (plan_file.clone(), flow.apply_body("another-product"), "another-product"),
    ];
    for (plan, body, says) in cases {
        let run = flow.lpctl(&["call", &applier.id, "--body", &body, "--plan", &plan, "--confirm"]);
        assert_eq!(run.code, 2, "{says}: {}", run.all());
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
    }
    let body = flow.apply_body(&product);
    let run = flow.lpctl(&[
        "call",
        &applier.id,
        "--body",
        &body,
        "--plan",
        &plan_file,
        "--idempotency-key",
        "other",
        "--confirm",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("plan's id"), "{}", run.stderr);
    assert!(flow.applies().is_empty(), "nothing reaches the apply route");
}

#[test]
fn plan_flags_are_refused_where_the_spec_declares_no_plan() {
    let flow = Flow::new("plan-elsewhere");
    let plan_file = flow.plan();
    let run = flow.lpctl(&["health", "--plan", &plan_file]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("applies no plan"), "{}", run.stderr);
    let run = flow.lpctl(&["health", "--plan-out", &flow.file("x.json")]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("issues no plan"), "{}", run.stderr);
}
