//! `spec import`: the spec from Launchplane's own OpenAPI document — the carried operations,
//! rewritten into OpenAPI 3.0.3, with this project's knowledge laid over from an overlay.

pub mod convert;
pub mod overlay;
pub mod placement;
pub mod prune;
pub mod read;
pub mod recipe;
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
    /// or a live `…/openapi.json` URL. Without it, the spec and `openapi/API.md` are rewritten
    /// from `openapi/import.yaml`.
    #[arg(long, requires = "out")]
    pub from: Option<String>,
    /// Overlay files (JSON pointer → merge patch), applied in order.
    #[arg(long, requires = "from")]
    pub overlay: Vec<PathBuf>,
    /// The carried-operations list.
    #[arg(long, default_value = CARRIED_PATH, requires = "from")]
    pub carried: PathBuf,
    /// Where to write the imported document (canonical YAML), `-` for standard output.
    #[arg(long, requires = "from")]
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
    let Some(from) = &args.from else {
        return write_spec(root);
    };
    let carried_path = root.join(&args.carried);
    let inputs = (|| -> Result<_, String> {
        let carried = Carried::load(&carried_path)?;
        let source = read::load_source(from)?;
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
    match args.out.as_deref() {
        None => unreachable!("clap requires --out with --from"),
        Some(out) if out == Path::new("-") => print!("{text}"),
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

/// The spec and `openapi/API.md`, rewritten from `openapi/import.yaml`.
fn write_spec(root: &Path) -> u8 {
    let recipe = match recipe::Recipe::load(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spec import: {e}");
            return exit::ERROR;
        }
    };
    let text = match recipe.render(root) {
        Ok(t) => t,
        Err(errors) => {
            for e in errors {
                eprintln!("spec import: {e}");
            }
            return exit::FAILED;
        }
    };
    let spec = match crate::spec::doc::parse_yaml(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("spec import: the import does not read back: {}", e.message);
            return exit::FAILED;
        }
    };
    let writes = [
        (crate::spec::SPEC_PATH, text),
        (crate::spec::API_MD_PATH, crate::spec::api_md::render(&spec)),
    ];
    for (path, content) in writes {
        if let Err(e) = fs::write(root.join(path), content) {
            eprintln!("spec import: cannot write {path}: {e}");
            return exit::ERROR;
        }
        eprintln!("wrote {path}");
    }
    exit::CLEAN
}
