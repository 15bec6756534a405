//! The Launchplane v1 contract (`openapi/launchplane-v1.yaml`) as one model every crate reads:
//! operations, routes, schema resolution, body validation with Launchplane's rules, fingerprints.

pub mod coerce;
pub mod contract;
pub mod dot_path;
pub mod fingerprint;
pub mod json_schema;
pub mod lax;
pub mod operation;
pub mod python;
pub mod request;
pub mod resolve;
pub mod route;
pub mod rule_language;
pub mod rules;

pub use contract::{Contract, Violation};
pub use fingerprint::{canonical_json, fingerprint};
pub use json_schema::to_json_schema;
pub use operation::{Operation, ref_name};
pub use request::{CheckedRequest, RequestError};
pub use resolve::{Field, FieldError, Loc, Resolver};
pub use route::{RouteMatch, path_parameters};
