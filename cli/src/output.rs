//! Printing answers: aligned text for people, one JSON document for scripts.

use std::io::Write;

use serde::Serialize;

use crate::context::Context;
use crate::exit::CliError;

/// Prints `value` as pretty JSON with `--json`, otherwise `human()`.
pub fn emit<T: Serialize>(
    context: &Context,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    let mut text = if context.json {
        serde_json::to_string_pretty(value)?
    } else {
        human()
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    stdout(&text)
}

/// Writes `text` to stdout. A reader that went away (`civitas … | head`)
/// ends the output quietly, as for any Unix tool, instead of a panic.
pub fn stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write the output: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// Text laid out in aligned columns.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose first row is `header`.
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table with each column as wide as its widest cell.
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(column))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut text = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                line.push_str(&format!("{cell:<width$}  "));
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// Label–value lines, labels aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    pairs
        .iter()
        .map(|(label, value)| format!("{label:<width$}  {value}\n"))
        .collect()
}

/// A spinner saying `message` on a terminal (none for scripts or `--json`),
/// for a wait of unknown length; the caller clears it when done.
pub fn spinner(context: &Context, message: String) -> Option<indicatif::ProgressBar> {
    if !context.interactive {
        return None;
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        spinner.set_style(style);
    }
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(spinner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_aligns_its_columns() {
        let mut table = Table::new(&["height", "hash"]);
        table.row(vec!["1".into(), "ab".into()]);
        table.row(vec!["1000".into(), "cd".into()]);
        assert_eq!(table.render(), "height  hash\n1       ab\n1000    cd\n");
    }

    #[test]
    fn fields_align_their_labels() {
        assert_eq!(
            fields(&[("a", "1".into()), ("bbb", "2".into())]),
            "a    1\nbbb  2\n"
        );
    }
}
