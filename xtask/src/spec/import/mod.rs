//! `spec import`: the spec from Launchplane's own OpenAPI document — the carried operations,
//! rewritten into OpenAPI 3.0.3, with this project's knowledge laid over from an overlay.

pub mod convert;
pub mod overlay;
pub mod placement;
pub mod prune;
pub mod read;
pub mod select;
pub mod shape;
pub mod union;
pub mod walk;

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};

use super::{canonical, exit};
pub use read::Carried;

/// The carried-operations list, relative to the workspace root.
pub const CARRIED_PATH: &str = "openapi/carried.yaml";

#[derive(Args)]
pub struct ImportArgs {
    /// Launchplane's OpenAPI document: its export (`frontend/generated/openapi-canonical.json`)
    /// or a live `…/openapi.json` URL.
    #[arg(long)]
    pub from: String,
    /// Overlay files (JSON pointer → merge patch), applied in order.
    #[arg(long)]
    pub overlay: Vec<PathBuf>,
    /// The carried-operations list.
    #[arg(long, default_value = CARRIED_PATH)]
    pub carried: PathBuf,
    /// Where to write the spec (canonical YAML); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The imported document: select, convert to 3.0.3, split version unions, the spec's shape,
/// prune, overlay, prune again. Errors list every problem found at the first failing step.
pub fn import(source: &Value, carried: &Carried, overlays: &[Value]) -> Result<Value, Vec<String>> {
    let mut doc = select::select(source, carried)?;
    if let (Some(commit), Some(Value::Object(info))) =
        (source.pointer("/x-launchplane-source/commit"), doc.get_mut("info"))
    {
        info.insert("x-launchplane-revision".into(), commit.clone());
    }
    convert::to_oas30(&mut doc).map_err(|e| vec![e])?;
    union::split_refining_one_of(&mut doc);
    shape::apply(&mut doc);
    prune::prune(&mut doc);
    if !overlays.is_empty() {
        for o in overlays {
            overlay::apply(&mut doc, o)?;
        }
        prune::prune(&mut doc);
    }
    Ok(doc)
}

/// The canonical YAML text of an imported document.
pub fn render(doc: &Value) -> Result<String, String> {
    canonical::to_canonical(doc)
}

pub fn run(root: &Path, args: &ImportArgs) -> u8 {
    let carried_path = root.join(&args.carried);
    let inputs = (|| -> Result<_, String> {
        let carried = Carried::load(&carried_path)?;
        let source = read::load_source(&args.from)?;
        let overlays = args
            .overlay
            .iter()
            .map(|p| read::load_overlay(&root.join(p)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((carried, source, overlays))
    })();
    let (carried, source, overlays) = match inputs {
        Ok(i) => i,
        Err(e) => {
            eprintln!("spec import: {e}");
            return exit::ERROR;
        }
    };
    let doc = match import(&source, &carried, &overlays) {
        Ok(d) => d,
        Err(errors) => {
            for e in errors {
                eprintln!("spec import: {e}");
            }
            return exit::FAILED;
        }
    };
    let text = match render(&doc) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("spec import: {e}");
            return exit::FAILED;
        }
    };
    match &args.out {
        None => print!("{text}"),
        Some(out) => {
            if let Err(e) = fs::write(root.join(out), &text) {
                eprintln!("spec import: cannot write {}: {e}", out.display());
                return exit::ERROR;
            }
            let ops = doc
                .get("paths")
                .map_or(0, |p| crate::spec::doc::operations(&json!({"paths": p})).len());
            eprintln!("wrote {} ({ops} operations)", out.display());
        }
    }
    exit::CLEAN
}
