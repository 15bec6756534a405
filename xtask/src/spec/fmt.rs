//! `spec fmt`: rewrites the spec into canonical form and regenerates `openapi/API.md`.

use std::fs;
use std::path::Path;

use super::{API_MD_PATH, SPEC_PATH, api_md, canonical, doc, exit};

/// The canonical spec text and the derived `API.md` for a spec text.
pub struct Generated {
    pub spec: String,
    pub api_md: String,
}

/// Computes the canonical and derived files. Errors carry the parse/emit failure.
pub fn generate(spec_text: &str) -> Result<Generated, String> {
    let value =
        doc::parse_yaml(spec_text).map_err(|e| format!("{SPEC_PATH}:{}: {}", e.line.unwrap_or(1), e.message))?;
    let spec = canonical::to_canonical(&value)?;
    Ok(Generated {
        spec,
        api_md: api_md::render(&value),
    })
}

pub fn run(root: &Path) -> u8 {
    let spec_path = root.join(SPEC_PATH);
    let text = match fs::read_to_string(&spec_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {SPEC_PATH}: {e}");
            return exit::ERROR;
        }
    };
    let generated = match generate(&text) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            return exit::FAILED;
        }
    };
    for (rel, content) in [(SPEC_PATH, &generated.spec), (API_MD_PATH, &generated.api_md)] {
        let path = root.join(rel);
        if fs::read_to_string(&path).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        if let Err(e) = fs::write(&path, content) {
            eprintln!("cannot write {rel}: {e}");
            return exit::ERROR;
        }
        println!("wrote {rel}");
    }
    exit::CLEAN
}
