//! A one-line edit of the real spec that is always undone: bytes and modification time are
//! put back when the guard drops, also on error or panic (and on a signal, deferred by
//! `signals::Deferred` while the guard is held).

use std::fs::{File, FileTimes};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// While alive, `path` holds the edited text; dropping it restores the original exactly.
pub struct SpecEdit {
    path: PathBuf,
    original: Vec<u8>,
    modified: SystemTime,
    backup: PathBuf,
    line: usize,
}

impl SpecEdit {
    /// Applies `edit` to the text of `path`; a copy of the original is kept at `backup`
    /// until the restore succeeded.
    pub fn apply(path: &Path, backup: &Path, edit: impl Fn(&str) -> Option<String>) -> Result<SpecEdit, String> {
        let original = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(|e| format!("cannot read the time of {}: {e}", path.display()))?;
        let text = std::str::from_utf8(&original).map_err(|_| format!("{} is not UTF-8", path.display()))?;
        let edited = edit(text).ok_or_else(|| format!("no line of {} to edit", path.display()))?;
        let line = text.lines().zip(edited.lines()).take_while(|(a, b)| a == b).count() + 1;
        std::fs::write(backup, &original).map_err(|e| format!("cannot write {}: {e}", backup.display()))?;
        let guard = SpecEdit {
            path: path.to_owned(),
            original,
            modified,
            backup: backup.to_owned(),
            line,
        };
        std::fs::write(path, edited).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(guard)
    }

    /// The (1-based) line the edit changed.
    pub fn line(&self) -> usize {
        self.line
    }

    fn restore(&self) -> Result<(), String> {
        std::fs::write(&self.path, &self.original).map_err(|e| e.to_string())?;
        // The old time too, so cargo does not rerun the build script of every target dir
        // that built the spec before the edit.
        File::options()
            .write(true)
            .open(&self.path)
            .and_then(|f| f.set_times(FileTimes::new().set_modified(self.modified)))
            .map_err(|e| e.to_string())?;
        if std::fs::read(&self.path).map_err(|e| e.to_string())? != self.original {
            return Err("the restored file differs from the original".into());
        }
        Ok(())
    }
}

impl Drop for SpecEdit {
    fn drop(&mut self) {
        match self.restore() {
            Ok(()) => {
                let _ = std::fs::remove_file(&self.backup);
            }
            Err(error) => eprintln!(
                "bench: could not restore {} ({error}); the original is at {}",
                self.path.display(),
                self.backup.display()
            ),
        }
    }
}

/// The spec with the first single-line `description:` of a component schema extended: a
/// change to the generated code's doc comments and to the embedded spec, nothing else.
pub fn edit_a_description(spec: &str) -> Option<String> {
    let schemas = spec.find("\n  schemas:\n")?;
    let mut offset = schemas;
    for line in spec[schemas..].split_inclusive('\n') {
        let plain = line
            .trim_start()
            .strip_prefix("description: ")
            .is_some_and(|value| !value.starts_with(['>', '|', '"', '\'', '&', '*', '!']));
        if plain {
            let end = offset + line.trim_end().len();
            return Some(format!("{} (edited){}", &spec[..end], &spec[end..]));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "paths:\n  /a:\n    description: not this\ncomponents:\n  schemas:\n    A:\n      description: >-\n        folded\n      properties:\n        n:\n          description: The count.\n";

    #[test]
    fn edits_the_first_plain_description_of_a_schema() {
        let edited = edit_a_description(SPEC).unwrap();
        assert_eq!(edited, SPEC.replace("The count.", "The count. (edited)"));
        assert_eq!(edited.lines().count(), SPEC.lines().count());
    }

    #[test]
    fn restores_bytes_and_time_even_after_a_panic() {
        let dir = std::env::temp_dir().join(format!("lp-bench-spec-edit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (path, backup) = (dir.join("spec.yaml"), dir.join("spec.yaml.orig"));
        std::fs::write(&path, SPEC).unwrap();
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(FileTimes::new().set_modified(old))
            .unwrap();
        let outcome = std::panic::catch_unwind(|| {
            let edit = SpecEdit::apply(&path, &backup, edit_a_description).unwrap();
            assert_eq!(edit.line(), 11);
            assert_ne!(std::fs::read_to_string(&path).unwrap(), SPEC);
            panic!("a build fails");
        });
        assert!(outcome.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), SPEC);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), old);
        assert!(!backup.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
