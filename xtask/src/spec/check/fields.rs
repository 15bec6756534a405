//! Dot paths (`post_deploy.instance`) into schemas, as used by the `x-launchplane-*` keys,
//! resolved by the contract model.

use launchplane_contract::Resolver;
use serde_json::Value;

use crate::spec::doc::Loc;

pub use launchplane_contract::rule_language::placeholders;

/// Resolves `path` against the schema at `loc`: the declared schema of the field it names.
pub fn resolve<'a>(spec: &'a Value, loc: Loc, path: &str) -> Result<(&'a Value, Loc), String> {
    Resolver::new(spec)
        .field(&loc, path)
        .map(|field| (field.declared, field.declared_loc))
        .map_err(|e| e.to_string())
}
