//! Launchplane v1 client: types and calls generated from `openapi/launchplane-v1.yaml`,
//! plus the runtime a tenant workflow needs (OIDC token, config, idempotency, retries, errors).

#[allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, dead_code, missing_docs)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/launchplane_v1.rs"));
}

pub mod auth;
pub mod config;
pub mod contract;
pub mod credentials;
mod dispatch;
pub mod error;
pub mod idempotency;
mod launchplane;
pub mod outcome;
pub mod poll;
pub mod retry;
pub mod rules;
pub mod token;

pub use launchplane_contract;

pub use config::{Config, Settings, TokenSource};
pub use contract::{Contract, Operation, RouteMatch, Violation};
pub use dispatch::DispatchError;
pub use error::{Error, Rejection};
pub use launchplane::{Answer, CallOptions, Launchplane, Prepared, TokenScope, prepare, same_origin};
pub use outcome::Outcome;
pub use poll::{Progress, Wait, Waited};
