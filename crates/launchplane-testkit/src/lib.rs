//! A Launchplane v1 stand-in and a fake GitHub Actions OIDC issuer, on loopback, for
//! testing tenant workflows and their tooling against every operation of the spec.

mod answer;
mod auth;
mod config;
mod derive;
pub mod examples;
mod fault_spec;
mod faults;
mod github_outputs;
mod idempotency;
mod issuer;
mod journal;
mod jwt;
mod policy;
mod routes;
mod server;

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use launchplane_contract::Contract;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{Identity, Product, StandInConfig};
pub use fault_spec::FaultSpec;
pub use faults::{Fault, FaultTarget};
pub use github_outputs::{output, parse_outputs};
pub use issuer::TokenOverrides;
pub use journal::{AcceptedRequest, RecordedRequest};
pub use policy::{Policy, PolicyRule};

use issuer::Issuer;
use routes::Launchplane;
use server::{Server, Shared};

/// A running stand-in: Launchplane on [`base_url`](Self::base_url) and the OIDC issuer
/// on [`issuer`](Self::issuer). Dropping it stops both.
pub struct StandIn {
    shared: Arc<Shared>,
    base_url: String,
    token_request_url: String,
    tasks: Vec<JoinHandle<()>>,
    runtime: Option<RuntimeThread>,
}

/// The thread and runtime of a [`StandIn::spawn`]ed stand-in.
struct RuntimeThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StandIn {
    /// Starts both servers on the current tokio runtime.
    ///
    /// # Panics
    /// When a port cannot be bound or the config names an unknown operation.
    pub async fn start(config: StandInConfig) -> StandIn {
        StandIn::try_start(config)
            .await
            .expect("start the Launchplane stand-in")
    }

    pub async fn try_start(config: StandInConfig) -> io::Result<StandIn> {
        let launchplane_listener = bind(config.launchplane_port).await?;
        let issuer_listener = bind(config.issuer_port).await?;
        let base_url = format!("http://{}", launchplane_listener.local_addr()?);
        let issuer_url = format!("http://{}", issuer_listener.local_addr()?);
        let policy = config.effective_policy();
        let request_token = config
            .request_token
            .clone()
            .unwrap_or_else(|| hex::encode(rand::random::<[u8; 24]>()));
        let issuer = Issuer::new(
            issuer_url,
            config.identity,
            config.audience.clone(),
            config.token_ttl_seconds,
            request_token,
        );
        let launchplane = Launchplane::new(Contract::embedded(), config.audience, config.products, policy);
        for (operation_id, patch) in config.result_overrides {
            launchplane
                .override_result(&operation_id, patch)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        }
        for (operation_id, patches) in config.result_scripts {
            launchplane
                .script_results(&operation_id, patches)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        }
        let token_request_url = issuer.token_request_url();
        let shared = Arc::new(Shared {
            issuer,
            launchplane,
            faults: Mutex::new(HashMap::new()),
            journal: Mutex::default(),
            log_requests: AtomicBool::new(false),
        });
        let tasks = vec![
            tokio::spawn(server::run(launchplane_listener, shared.clone(), Server::Launchplane)),
            tokio::spawn(server::run(issuer_listener, shared.clone(), Server::Issuer)),
        ];
        Ok(StandIn {
            shared,
            base_url,
            token_request_url,
            tasks,
            runtime: None,
        })
    }

    /// Starts the stand-in on a thread with its own runtime, for tests that block (for
    /// example on a subprocess) while it serves.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn spawn(config: StandInConfig) -> StandIn {
        StandIn::try_spawn(config).expect("spawn the Launchplane stand-in")
    }

    pub fn try_spawn(config: StandInConfig) -> io::Result<StandIn> {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("launchplane-stand-in".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = started_tx.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let started = StandIn::try_start(config).await;
                    let running = started.is_ok();
                    let _ = started_tx.send(started);
                    if running {
                        let _ = stop_rx.await;
                    }
                });
            })?;
        let mut stand_in = started_rx
            .recv()
            .map_err(|_| io::Error::other("the stand-in thread ended before starting"))??;
        stand_in.runtime = Some(RuntimeThread {
            stop: Some(stop_tx),
            thread: Some(thread),
        });
        Ok(stand_in)
    }

    /// The environment a client (lpctl) needs to reach this stand-in the GitHub Actions way.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LAUNCHPLANE_URL", self.base_url().to_owned()),
            ("LAUNCHPLANE_AUDIENCE", self.audience().to_owned()),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", self.token_request_url().to_owned()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", self.token_request_token().to_owned()),
        ]
    }

    /// Launchplane's base URL, `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What GitHub puts in `ACTIONS_ID_TOKEN_REQUEST_URL`; it already carries a query.
    pub fn token_request_url(&self) -> &str {
        &self.token_request_url
    }

    /// What GitHub puts in `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn token_request_token(&self) -> &str {
        self.shared.issuer.request_token()
    }

    /// The repository the tokens name (the caller).
    pub fn repository(&self) -> &str {
        &self.shared.issuer.identity().repository
    }

    /// The audience Launchplane expects.
    pub fn audience(&self) -> &str {
        self.shared.launchplane.audience()
    }

    /// The issuer URL (`iss`); its JWKS is at `<issuer>/.well-known/jwks`.
    pub fn issuer(&self) -> &str {
        self.shared.issuer.url()
    }

    /// The spec the stand-in serves.
    pub fn contract(&self) -> &'static Contract {
        self.shared.launchplane.contract()
    }

    /// A token for the configured identity and audience, changed by `overrides`.
    pub fn mint_token(&self, overrides: TokenOverrides) -> String {
        self.shared.issuer.mint(&overrides)
    }

    /// Requests Launchplane executed and accepted, oldest first (replays excluded).
    pub fn accepted(&self) -> Vec<AcceptedRequest> {
        self.shared.journal.lock().expect("journal lock").accepted.clone()
    }

    /// Every request on Launchplane's port, oldest first, with the status answered.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.journal.lock().expect("journal lock").requests.clone()
    }

    /// How many requests reached the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.shared.journal.lock().expect("journal lock").token_requests
    }

    /// The next `count` requests to `target` get `fault`, after faults injected earlier.
    pub fn inject(&self, target: FaultTarget, fault: Fault, count: usize) {
        self.shared
            .faults
            .lock()
            .expect("faults lock")
            .entry(target)
            .or_default()
            .push(fault, count);
    }

    /// Injects a fault given on the command line (see [`FaultSpec`]).
    pub fn inject_spec(&self, spec: &FaultSpec) {
        for target in &spec.targets {
            self.inject(*target, spec.fault.clone(), spec.count);
        }
    }

    /// Logs one line per Launchplane request on stderr (method, path, status, trace id,
    /// whether replayed); off by default.
    pub fn log_requests(&self, on: bool) {
        self.shared.log_requests.store(on, Ordering::Relaxed);
    }

    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .expect("faults lock")
            .values_mut()
            .for_each(|queue| queue.clear());
    }

    /// Merges `patch` (RFC 7386) over `result` of the operation's answers from now on (over
    /// the whole body for reads); `null` removes the override.
    ///
    /// # Panics
    /// When the spec has no such operation.
    pub fn override_result(&self, operation_id: &str, patch: Value) {
        if let Err(error) = self.shared.launchplane.override_result(operation_id, patch) {
            panic!("override_result: {error}");
        }
    }
}

impl StandIn {
    /// The operation's next answers get these merge patches (RFC 7386), one each, over the
    /// whole answer body (after any override); then the real answer again. Scripted answers
    /// are not stored under their Idempotency-Key, so a repeat of the same request is answered
    /// afresh, as Launchplane answers a request still running:
    /// `script_results(op, vec![json!({"result": {"refresh_status": "pending"}}); 2])` answers
    /// pending, pending, then the example's `pass`.
    ///
    /// # Panics
    /// When the spec has no such operation.
    pub fn script_results(&self, operation_id: &str, patches: Vec<Value>) {
        if let Err(error) = self.shared.launchplane.script_results(operation_id, patches) {
            panic!("script_results: {error}");
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(runtime) = &mut self.runtime {
            if let Some(stop) = runtime.stop.take() {
                let _ = stop.send(());
            }
            if let Some(thread) = runtime.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}
