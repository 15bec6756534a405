//! Evaluates the spec's `x-launchplane-rules`, from `launchplane-contract`.

pub use launchplane_contract::rules::*;
