//! Launchplane's answer to a request, in Launchplane's order of checks, for every
//! operation of the spec.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

use launchplane_contract::{Contract, Operation, RouteMatch};
use serde_json::{Map, Value, json};

use crate::answer;
use crate::auth::{self, AuthFailure, Caller};
use crate::config::Product;
use crate::derive::{Facts, Timestamp};
use crate::idempotency::{self, IdempotencyStore, KeySpace, Lookup};
use crate::issuer::Issuer;
use crate::journal::AcceptedRequest;
use crate::policy::Policy;

/// The parts of a request Launchplane looks at.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
    pub body: &'a [u8],
}

/// A JSON answer, and the write it records when the request was executed.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
    pub accepted: Option<Box<AcceptedRequest>>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Self {
        Answer {
            status,
            body,
            headers: Vec::new(),
            accepted: None,
        }
    }

    pub(crate) fn rejected(status: u16, trace_id: &str, code: &str, message: &str) -> Self {
        Answer::json(
            status,
            json!({"status": "rejected", "trace_id": trace_id, "error": {"code": code, "message": message}}),
        )
    }

    fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

const UNAUTHENTICATED: &str = "A valid GitHub OIDC token or browser session is required.";
const NOT_COMPLETED: &str = "Request could not be completed.";
const FAILED_VALIDATION: &str = "Request payload failed validation.";
/// The path parameter of a driver descriptor read.
const DRIVER_ID: &str = "driver_id";
/// `_EVIDENCE_INGRESS_MAX_BODY_BYTES` and the 413 of `BoundedRequestBodyMiddleware`
/// (control_plane/service.py@5268483923d57a5f7267f0e48f5068ca4382d792).
const EVIDENCE_INGRESS_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const TOO_LARGE: u16 = 413;
const BODY_TOO_LARGE: &str = "Evidence ingress request body is too large.";
const DRIVER_MISMATCH: &str = "Product is not configured for the requested driver route.";

pub(crate) struct Launchplane {
    contract: &'static Contract,
    audience: String,
    products: BTreeMap<String, Product>,
    policy: Policy,
    overrides: Mutex<HashMap<String, Value>>,
    scripts: Mutex<HashMap<String, VecDeque<Value>>>,
    idempotency: Mutex<IdempotencyStore>,
}

impl Launchplane {
    pub(crate) fn new(
        contract: &'static Contract,
        audience: String,
        products: BTreeMap<String, Product>,
        policy: Policy,
    ) -> Self {
        Launchplane {
            contract,
            audience,
            products,
            policy,
            overrides: Mutex::default(),
            scripts: Mutex::default(),
            idempotency: Mutex::default(),
        }
    }

    pub(crate) fn contract(&self) -> &'static Contract {
        self.contract
    }

    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    /// Sets (or, with `null`, clears) the merge patch over an operation's result.
    pub(crate) fn override_result(&self, operation_id: &str, patch: Value) -> Result<(), String> {
        if self.contract.operation(operation_id).is_none() {
            return Err(format!("the spec has no operation `{operation_id}`"));
        }
        let mut overrides = self.overrides.lock().expect("overrides lock");
        if patch.is_null() {
            overrides.remove(operation_id);
        } else {
            overrides.insert(operation_id.to_owned(), patch);
        }
        Ok(())
    }

    /// Queues merge patches for the operation's next answers, one each.
    pub(crate) fn script_results(&self, operation_id: &str, patches: Vec<Value>) -> Result<(), String> {
        if self.contract.operation(operation_id).is_none() {
            return Err(format!("the spec has no operation `{operation_id}`"));
        }
        self.scripts
            .lock()
            .expect("scripts lock")
            .entry(operation_id.to_owned())
            .or_default()
            .extend(patches);
        Ok(())
    }

    /// The operation's next scripted patch, if its script is not spent.
    fn next_scripted(&self, op: &Operation) -> Option<Value> {
        self.scripts
            .lock()
            .expect("scripts lock")
            .get_mut(&op.id)
            .and_then(VecDeque::pop_front)
    }

    pub(crate) fn answer(&self, issuer: &Issuer, request: &Request<'_>, trace_id: &str) -> Answer {
        self.checked(issuer, request, trace_id)
            .unwrap_or_else(|rejection| rejection)
    }

    /// Route → authenticate → parse → validate → product → authorize → idempotency → execute.
    fn checked(&self, issuer: &Issuer, request: &Request<'_>, trace_id: &str) -> Result<Answer, Answer> {
        let op = self.route(request, trace_id)?;
        self.check_body_size(op, request, trace_id)?;
        let caller = if requires_authentication(op) {
            Some(self.authenticate(issuer, request, trace_id)?)
        } else {
            None
        };
        if op.method == "GET" {
            return self.read(op, caller.as_ref(), request, trace_id);
        }
        let body = match serde_json::from_slice::<Value>(request.body) {
            Ok(body @ Value::Object(_)) => body,
            _ => return Err(Answer::rejected(400, trace_id, "invalid_request", NOT_COMPLETED)),
        };
        self.validate(op, &body, trace_id)?;
        let product = body.get("product").and_then(Value::as_str).unwrap_or_default().trim();
        let profile = self.check_product(op, product, request.path, trace_id)?;
        if let (Some(action), Some(caller)) = (&op.authz_action, &caller) {
            let context = match &op.context_field {
                Some(field) => Contract::field(&body, field)
                    .and_then(Value::as_str)
                    .map(|c| c.trim().to_lowercase())
                    .unwrap_or_default(),
                None => profile.map(|p| p.context.clone()).unwrap_or_default(),
            };
            self.authorize(caller, action, product, &context, trace_id)?;
        }
        Ok(self.execute(op, caller.as_ref(), profile, request, body, trace_id))
    }

    fn route(&self, request: &Request<'_>, trace_id: &str) -> Result<&'static Operation, Answer> {
        match self.contract.route(request.method, request.path) {
            RouteMatch::Found(op) => Ok(op),
            RouteMatch::NotFound => Err(not_found(request.path, trace_id)),
            RouteMatch::MethodNotAllowed { allowed } => {
                Err(
                    Answer::rejected(405, trace_id, "method_not_allowed", &method_message(&allowed))
                        .with_header("allow", &allowed.join(", ")),
                )
            }
        }
    }

    /// Routes whose spec declares 413 are bounded: Launchplane refuses a larger body before
    /// anything else (a middleware ahead of routing and authentication).
    fn check_body_size(&self, op: &Operation, request: &Request<'_>, trace_id: &str) -> Result<(), Answer> {
        if op.method == "POST" && self.declares(op, TOO_LARGE) && request.body.len() > EVIDENCE_INGRESS_MAX_BODY_BYTES {
            return Err(Answer::rejected(
                TOO_LARGE,
                trace_id,
                "request_entity_too_large",
                BODY_TOO_LARGE,
            ));
        }
        Ok(())
    }

    /// Whether the spec declares `status` among the operation's responses.
    fn declares(&self, op: &Operation, status: u16) -> bool {
        self.contract.document()["paths"][op.path.as_str()][op.method.to_lowercase()]["responses"]
            .get(status.to_string())
            .is_some()
    }

    /// Fits an accepted body to the operation's success schema: `records` only where it has
    /// them (the production backup gate's answer does not), `status` the one it names (the
    /// authorization diagnostic answers `ok`).
    fn fit_to_success_schema(&self, op: &Operation, payload: &mut Value) {
        let Some(schema) = self
            .contract
            .response_schema(op)
            .and_then(|name| self.contract.schema(&name))
        else {
            return;
        };
        let Some(envelope) = payload.as_object_mut() else {
            return;
        };
        // Members the answer's model does not have: its routes answer none of them, replays
        // included.
        for member in ["records", "replayed", "original_trace_id"] {
            if schema["properties"].get(member).is_none() {
                envelope.remove(member);
            }
        }
        if let Some(status) = schema["properties"]["status"]["enum"].get(0) {
            envelope.insert("status".into(), status.clone());
        }
    }

    fn authenticate(&self, issuer: &Issuer, request: &Request<'_>, trace_id: &str) -> Result<Caller, Answer> {
        auth::authenticate(issuer, &self.audience, request.authorization).map_err(|failure| match failure {
            AuthFailure::Unauthenticated => Answer::rejected(401, trace_id, "authentication_required", UNAUTHENTICATED)
                .with_header("www-authenticate", r#"Bearer realm="Launchplane API""#),
            AuthFailure::MissingClaims => Answer::rejected(400, trace_id, "invalid_request", NOT_COMPLETED),
        })
    }

    /// A GET: authorized when the spec names an action, then the example.
    fn read(
        &self,
        op: &Operation,
        caller: Option<&Caller>,
        request: &Request<'_>,
        trace_id: &str,
    ) -> Result<Answer, Answer> {
        let params = path_parameters(&op.path, request.path);
        if let (Some(action), Some(caller)) = (&op.authz_action, caller) {
            // Reads outside a product (driver discovery) are authorized against Launchplane itself.
            let param = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or("launchplane");
            self.authorize(caller, action, param("product"), param("context"), trace_id)?;
        }
        if let Some(driver_id) = params.get(DRIVER_ID).and_then(Value::as_str)
            && !self.driver_ids().contains(driver_id)
        {
            return Err(not_found(request.path, trace_id));
        }
        let patch = self.overrides.lock().expect("overrides lock").get(&op.id).cloned();
        let mut body = answer::read(self.contract.response_example(op), &params, patch.as_ref(), trace_id);
        if let Some(scripted) = self.next_scripted(op) {
            answer::merge_patch(&mut body, &scripted);
        }
        Ok(Answer::json(op.success_status, body))
    }

    fn validate(&self, op: &Operation, body: &Value, trace_id: &str) -> Result<(), Answer> {
        let Err(violations) = self.contract.validate_body(op, body) else {
            return Ok(());
        };
        let message = match violations.first() {
            Some(first) if first.path.is_empty() => format!("{FAILED_VALIDATION} {}", first.message),
            Some(first) => format!("{FAILED_VALIDATION} {}: {}", first.path, first.message),
            None => FAILED_VALIDATION.to_owned(),
        };
        Err(Answer::rejected(400, trace_id, "invalid_request", &message))
    }

    /// On driver routes the product needs a profile of the route's driver.
    fn check_product(
        &self,
        op: &Operation,
        product: &str,
        path: &str,
        trace_id: &str,
    ) -> Result<Option<&Product>, Answer> {
        let profile = self.products.get(product);
        if let Some(driver) = route_driver(op) {
            match profile {
                None => return Err(not_found(path, trace_id)),
                Some(profile) if profile.driver != driver => {
                    return Err(Answer::rejected(
                        403,
                        trace_id,
                        "product_driver_mismatch",
                        DRIVER_MISMATCH,
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(profile)
    }

    fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        product: &str,
        context: &str,
        trace_id: &str,
    ) -> Result<(), Answer> {
        if self.policy.allows(caller, action, product, context) {
            return Ok(());
        }
        let message = format!(
            "GitHub Actions identity {} is not authorized for {action} on product {product:?}, context {context:?}.",
            caller.repository
        );
        Err(Answer::rejected(403, trace_id, "authorization_denied", &message))
    }

    /// The driver ids Launchplane's registry holds: those of the `/v1/drivers/<id>/…` routes
    /// the spec carries or names as not carried.
    fn driver_ids(&self) -> BTreeSet<&str> {
        let carried = self.contract.operations().iter().map(|op| op.path.as_str());
        let not_carried = self
            .contract
            .document()
            .get("x-launchplane-not-carried")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|route| route.get("path").and_then(Value::as_str));
        carried
            .chain(not_carried)
            .filter_map(|path| {
                let mut segments = path.strip_prefix("/v1/drivers/")?.split('/');
                let driver = segments.next()?;
                (segments.next().is_some() && !driver.starts_with('{')).then_some(driver)
            })
            .collect()
    }

    /// Replays or rejects a known key; otherwise answers the write and stores it under the key.
    fn execute(
        &self,
        op: &Operation,
        caller: Option<&Caller>,
        profile: Option<&Product>,
        request: &Request<'_>,
        body: Value,
        trace_id: &str,
    ) -> Answer {
        let key = idempotency::header_key(request.idempotency_key);
        // Keys are scoped to the caller; an open route has none to scope them to.
        let space = key
            .as_deref()
            .zip(caller)
            .map(|(key, caller)| KeySpace::new(caller, request.path, key));
        if let (Some(required), Some(rule)) = (self.contract.required_key(op, &body), &op.key_from)
            && key.as_deref() != Some(required.as_str())
        {
            return Answer::rejected(rule.refusal.status, trace_id, &rule.refusal.code, &rule.refusal.message);
        }
        let fingerprint = idempotency::fingerprint(&body);
        // One lock across lookup and store, so concurrent retries of one key cannot both execute.
        let mut store = self.idempotency.lock().expect("idempotency lock");
        if let (Some(space), true) = (&space, op.replay) {
            match store.lookup(space, &fingerprint, trace_id) {
                Lookup::Replay(mut payload) => {
                    self.fit_to_success_schema(op, &mut payload);
                    return Answer::json(op.success_status, payload);
                }
                Lookup::Conflict => {
                    return Answer::rejected(409, trace_id, "idempotency_key_reused", idempotency::CONFLICT_MESSAGE);
                }
                Lookup::Miss => {}
            }
        }
        let patch = self.overrides.lock().expect("overrides lock").get(&op.id).cloned();
        let facts = Facts {
            contract: self.contract,
            op,
            request: &body,
            profile_context: profile.map(|p| p.context.as_str()).unwrap_or_default(),
            repository: caller.map(|c| c.repository.as_str()).unwrap_or_default(),
            idempotency_key: key.as_deref().unwrap_or_default(),
            idempotency_scope: caller.map(idempotency::scope).unwrap_or_default(),
            now: Timestamp::now(),
        };
        let mut payload = answer::accepted(
            self.contract.response_example(op),
            Some(&facts),
            self.contract.request_example(op).as_ref(),
            &body,
            patch.as_ref(),
            trace_id,
        );
        self.fit_to_success_schema(op, &mut payload);
        let scripted = self.next_scripted(op);
        if let Some(scripted) = &scripted {
            answer::merge_patch(&mut payload, scripted);
        }
        // A scripted answer stands for a request still running: its repeat is answered afresh.
        // Where Launchplane keeps only answers that did not fail, a failure is not stored either:
        // the same key runs it again.
        let kept = op.stores_failures || self.contract.reported_failures(op, &payload).is_empty();
        if let (Some(space), None, true) = (space, &scripted, kept) {
            store.store(space, fingerprint, payload.clone());
        }
        Answer {
            status: op.success_status,
            body: payload,
            headers: Vec::new(),
            accepted: Some(Box::new(AcceptedRequest {
                operation_id: op.id.clone(),
                idempotency_key: key,
                body,
                trace_id: trace_id.to_owned(),
            })),
        }
    }
}

fn not_found(path: &str, trace_id: &str) -> Answer {
    Answer::rejected(404, trace_id, "not_found", &format!("No Launchplane route for {path}."))
}

fn method_message(allowed: &[String]) -> String {
    match allowed {
        [only] => format!("Only {only} is allowed for this Launchplane route."),
        _ => "Only GET and POST are allowed for Launchplane routes.".to_owned(),
    }
}

/// The driver a route belongs to, by its tag.
fn route_driver(op: &Operation) -> Option<&'static str> {
    match op.tag.as_str() {
        "odoo" => Some("odoo"),
        "generic_web" => Some("generic-web"),
        _ => None,
    }
}

/// Whether the route needs a bearer: all but those declaring `security: []` (health).
fn requires_authentication(op: &Operation) -> bool {
    op.authenticated
}

/// Values of the `{placeholders}` of `template` in the concrete `path`, trimmed.
fn path_parameters(template: &str, path: &str) -> Map<String, Value> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, p)| {
            Some((
                t.strip_prefix('{')?.strip_suffix('}')?.to_owned(),
                Value::from(p.trim()),
            ))
        })
        .collect()
}

pub(crate) fn new_trace_id() -> String {
    format!("launchplane_req_{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_messages_match_launchplane() {
        assert_eq!(
            method_message(&["POST".into()]),
            "Only POST is allowed for this Launchplane route."
        );
        assert_eq!(
            method_message(&["GET".into()]),
            "Only GET is allowed for this Launchplane route."
        );
        assert_eq!(
            method_message(&["GET".into(), "POST".into()]),
            "Only GET and POST are allowed for Launchplane routes."
        );
    }

    #[test]
    fn path_parameters_are_read_from_the_template() {
        let params = path_parameters("/v1/drivers/{driver_id}", "/v1/drivers/odoo");
        assert_eq!(params.get("driver_id"), Some(&Value::from("odoo")));
        assert!(path_parameters("/v1/health", "/v1/health").is_empty());
    }

    #[test]
    fn trace_ids_have_launchplanes_shape() {
        let id = new_trace_id();
        let hex = id.strip_prefix("launchplane_req_").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(new_trace_id(), id);
    }
}
