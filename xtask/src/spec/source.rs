//! JSON documents named on the command line: a file path, or a URL.

use std::fs;

use launchplane_client::{Config, Launchplane, TokenScope};
use serde_json::Value;

use super::doc;

/// Loads `source`: `http(s)://` URLs through Launchplane's client, anything else from disk.
/// A URL gets the bearer token only on the configured Launchplane origin.
pub fn load(source: &str) -> Result<Value, String> {
    load_with(source, TokenScope::LaunchplaneOnly)
}

/// As [`load`], with the token also sent to other origins when `scope` allows it.
pub fn load_with(source: &str, scope: TokenScope) -> Result<Value, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let config = Config::from_env().map_err(|e| format!("Launchplane client config: {e}"))?;
        return fetch_json_url(&config, source, scope);
    }
    let text = fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?;
    doc::parse_any(&text).map_err(|e| format!("{source}:{}: {}", e.line.unwrap_or(1), e.message))
}

/// GETs a JSON document with the client configured by `config`: with its bearer token when
/// the URL is on the configured Launchplane origin (or `scope` is [`TokenScope::AnyOrigin`]).
pub fn fetch_json_url(config: &Config, url: &str, scope: TokenScope) -> Result<Value, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let client = Launchplane::new(config.clone()).map_err(|e| format!("Launchplane client: {e}"))?;
        client.get_json(url, scope).await.map_err(|e| format!("GET {url}: {e}"))
    })
}
