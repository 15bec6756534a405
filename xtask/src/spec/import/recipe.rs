//! `openapi/import.yaml`: what the checked-in spec is imported from — Launchplane's document,
//! the carried-operations list and the overlays, in order.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::spec::doc;

/// The recipe, relative to the workspace root.
pub const RECIPE_PATH: &str = "openapi/import.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Launchplane's OpenAPI document (a transcription of its export), relative to the root.
    pub source: PathBuf,
    /// The carried-operations list.
    pub carried: PathBuf,
    /// Overlay files, applied in order.
    pub overlays: Vec<PathBuf>,
}

impl Recipe {
    pub fn load(root: &Path) -> Result<Recipe, String> {
        let path = root.join(RECIPE_PATH);
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {RECIPE_PATH}: {e}"))?;
        let value =
            doc::parse_yaml(&text).map_err(|e| format!("{RECIPE_PATH}:{}: {}", e.line.unwrap_or(1), e.message))?;
        serde_json::from_value(value).map_err(|e| format!("{RECIPE_PATH}: {e}"))
    }

    /// The spec text the recipe makes.
    pub fn render(&self, root: &Path) -> Result<String, Vec<String>> {
        let one = |e: String| vec![e];
        let carried = super::Carried::load(&root.join(&self.carried)).map_err(one)?;
        let source = super::read::load_source(&root.join(&self.source).to_string_lossy()).map_err(one)?;
        let overlays = self
            .overlays
            .iter()
            .map(|p| super::read::load_overlay(&root.join(p)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(one)?;
        let doc = super::import(&source, &carried, &overlays)?;
        super::render(&doc).map_err(one)
    }
}

/// The first line (1-based) where two texts differ.
pub fn first_difference(a: &str, b: &str) -> usize {
    let mut lines = a.lines().zip(b.lines()).enumerate();
    lines
        .find(|(_, (x, y))| x != y)
        .map_or_else(|| a.lines().count().min(b.lines().count()) + 1, |(i, _)| i + 1)
}
