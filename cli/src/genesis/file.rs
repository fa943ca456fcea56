//! Reading and rewriting a genesis file, always through the genesis
//! library's own file form (`civitas_genesis::from_json` / `to_json`): an
//! edit adds its entry to the file's JSON, the library parses the result
//! (so every value is read by the same rules as the node's), and the file is
//! rewritten in its canonical text.

use std::path::{Path, PathBuf};

use civitas_genesis::{GenesisDocument, GenesisFileError, from_json, to_json};
use serde_json::Value;

use crate::exit::CliError;

/// A genesis file being edited: its path, its JSON and the document it holds.
pub struct Editor {
    path: PathBuf,
    json: Value,
    /// The document, as the library reads the file (updated by each edit).
    pub document: GenesisDocument,
}

/// Reads `path`'s text (exit 1 if it cannot be read).
pub fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))
}

/// Reads and parses `path` into a document; a file that is not a genesis
/// document fails with `exit` (1 for an edit, 5 for `validate`).
pub fn load(path: &Path, exit: crate::exit::Exit) -> Result<GenesisDocument, CliError> {
    let text = read(path)?;
    from_json(&text).map_err(|e| CliError::new(exit, format!("{}: {e}", path.display())))
}

impl Editor {
    /// Opens `path` for an edit.
    pub fn open(path: &Path) -> Result<Editor, CliError> {
        let document = load(path, crate::exit::Exit::Failure)?;
        let json = serde_json::from_str(&to_json(&document))?;
        Ok(Editor {
            path: path.to_owned(),
            json,
            document,
        })
    }

    /// A new file at `path` holding `document` (written by [`Editor::save`]).
    pub fn create(path: &Path, document: GenesisDocument) -> Result<Editor, CliError> {
        let json = serde_json::from_str(&to_json(&document))?;
        Ok(Editor {
            path: path.to_owned(),
            json,
            document,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` to the list `list` (`collectivities`, `validators`,
    /// `grants`, `namespaces`) and re-reads the document. A value the
    /// library refuses is reported under its command-line option, found in
    /// `options` by the refused field's last name (e.g. `siren` →
    /// `--siren`); it is a usage error (exit 2).
    pub fn push(
        &mut self,
        list: &str,
        entry: Value,
        options: &[(&str, &str)],
    ) -> Result<(), CliError> {
        let mut json = self.json.clone();
        json.get_mut(list)
            .and_then(Value::as_array_mut)
            .ok_or_else(|| CliError::failure(format!("the file form has no list {list}")))?
            .push(entry);
        self.reparse(json, options)
    }

    /// Sets the value at `path` (e.g. `["consensus", "block",
    /// "transactions_max"]`) and re-reads the document, as [`Editor::push`].
    pub fn set(
        &mut self,
        path: &[&str],
        value: Value,
        options: &[(&str, &str)],
    ) -> Result<(), CliError> {
        let mut json = self.json.clone();
        let mut slot = &mut json;
        for key in path {
            slot = slot
                .get_mut(*key)
                .ok_or_else(|| CliError::failure(format!("the file form has no field {key}")))?;
        }
        *slot = value;
        self.reparse(json, options)
    }

    fn reparse(&mut self, json: Value, options: &[(&str, &str)]) -> Result<(), CliError> {
        let text = serde_json::to_string(&json)?;
        self.document = from_json(&text).map_err(|e| refused(e, options))?;
        self.json = json;
        Ok(())
    }

    /// Writes the document's canonical text to the file (through a
    /// temporary file beside it, so a failed write leaves the old file).
    pub fn save(&self) -> Result<(), CliError> {
        let text = to_json(&self.document);
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| CliError::failure(format!("cannot write {}: {e}", self.path.display())))
    }
}

/// The library's refusal of an edited value, named by its option.
fn refused(error: GenesisFileError, options: &[(&str, &str)]) -> CliError {
    match &error {
        GenesisFileError::InvalidValue {
            field,
            value,
            expected,
        } => {
            let last = field
                .rsplit(['.', '['])
                .find(|part| !part.ends_with(']'))
                .unwrap_or(field);
            match options.iter().find(|(name, _)| *name == last) {
                Some((_, option)) => {
                    CliError::usage(format!("{option}: {value:?} is not {expected}"))
                }
                None => CliError::usage(error),
            }
        }
        _ => CliError::usage(error),
    }
}
