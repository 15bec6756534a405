//! JSON documents named on the command line: a file path, or a Launchplane URL.

use std::fs;

use serde_json::Value;

use super::doc;

/// Loads `source`: `http(s)://` URLs through Launchplane's client, anything else from disk.
pub fn load(source: &str) -> Result<Value, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch_json_url(source);
    }
    let text = fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?;
    doc::parse_any(&text).map_err(|e| format!("{source}:{}: {}", e.line.unwrap_or(1), e.message))
}

/// GETs a JSON document from Launchplane with the client's GitHub OIDC token and audience
/// (configured from the environment).
pub fn fetch_json_url(url: &str) -> Result<Value, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let config = launchplane_client::Config::from_env().map_err(|e| format!("Launchplane client config: {e}"))?;
        let client = launchplane_client::Launchplane::new(config).map_err(|e| format!("Launchplane client: {e}"))?;
        client.get_json(url).await.map_err(|e| format!("GET {url}: {e}"))
    })
}
