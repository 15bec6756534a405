//! The spec as data, from `launchplane-contract`: operations, route matching, request
//! validation and examples.

pub use launchplane_contract::contract::*;
pub use launchplane_contract::json_schema::to_json_schema;
pub use launchplane_contract::operation::{Operation, ref_name};
pub use launchplane_contract::request::{CheckedRequest, RequestError};
pub use launchplane_contract::route::{RouteMatch, path_parameters};
pub use launchplane_contract::{dot_path, python, resolve, rule_language};
