//! Printing results: aligned tables for people, JSON for scripts, always through a writer whose
//! errors (a closed pipe) reach `main` instead of panicking.

use std::io::Write;

use serde::Serialize;

/// Writes `text` to stdout.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `value` as pretty JSON plus a newline to stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(print(&text)?)
}

/// A table of strings with a header row, rendered with columns padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text; the last column is not padded.
    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let mut s = String::new();
        let empty = String::new();
        for r in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let c = r.get(i).unwrap_or(&empty);
                line.push_str(c);
                if i + 1 < cols {
                    line.push_str(&" ".repeat(width - c.chars().count() + 2));
                }
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let mut t = Table::new(&["ID", "NAME", "STATUS"]);
        t.row(vec!["a".into(), "Main IVR".into(), "linked".into()]);
        t.row(vec!["bbbb".into(), "X".into()]);
        assert_eq!(
            t.render(),
            "ID    NAME      STATUS\na     Main IVR  linked\nbbbb  X\n"
        );
    }
}
