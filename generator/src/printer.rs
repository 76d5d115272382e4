//! Where a command's output goes, as a value every command is handed: data
//! (what a script reads, what `--output json` prints) to stdout; notes,
//! warnings, errors, progress and prompts to stderr. `--quiet` silences
//! notes and progress, never data, warnings or errors. This is the one
//! module that writes to the terminal's streams (a tidy test holds it).
//!
//! Writes never panic: a closed or full stdout (`gen render | head`) must
//! not abort a render midway, so errors on the terminal streams are ignored.

use std::fmt::Display;
use std::io::Write;

/// How a command shows its report: tables for a person, or one JSON
/// document (values are enum names) for a script. The same typed report
/// feeds both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printer {
    Default,
    Quiet,
}

impl Printer {
    /// A line of data, to stdout.
    pub fn data(self, text: impl Display) {
        let _ = writeln!(std::io::stdout(), "{text}");
    }

    /// Data without a newline (a diff, already made of lines).
    pub fn data_raw(self, text: impl Display) {
        let _ = write!(std::io::stdout(), "{text}");
    }

    /// Something worth knowing that needs no action.
    pub fn note(self, message: impl Display) {
        if self == Printer::Default {
            self.line(format_args!("note: {message}"));
        }
    }

    /// A note with what to do about it, after a blank line.
    pub fn note_hint(self, message: impl Display, hint: impl Display) {
        if self == Printer::Default {
            self.line(format_args!("note: {message}\n\nhint: {hint}"));
        }
    }

    pub fn warn(self, message: impl Display) {
        self.line(format_args!("warning: {message}"));
    }

    pub fn warn_hint(self, message: impl Display, hint: impl Display) {
        self.line(format_args!("warning: {message}\n\nhint: {hint}"));
    }

    pub fn error(self, message: impl Display) {
        self.line(format_args!("error: {message}"));
    }

    pub fn error_hint(self, message: impl Display, hint: impl Display) {
        self.line(format_args!("error: {message}\n\nhint: {hint}"));
    }

    /// A line of progress (a drill's steps, a stack's events); quiet drops it.
    pub fn progress(self, text: impl Display) {
        if self == Printer::Default {
            self.line(text);
        }
    }

    /// A line to stderr as it is: diagnostics and reports already shaped.
    pub fn line(self, text: impl Display) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    /// A table of data: columns aligned to their widest cell, the last one
    /// not padded. Every command's tables print here.
    pub fn table<const N: usize>(self, head: [&str; N], rows: &[[String; N]]) {
        let mut widths = head.map(str::len);
        for r in rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i + 1 == N {
                    s.push_str(cell);
                } else {
                    s.push_str(&format!("{cell:<w$}  "));
                }
            }
            s
        };
        self.data(line(head.to_vec()));
        for r in rows {
            self.data(line(r.iter().map(String::as_str).collect()));
        }
    }

    /// A question on stderr, the answer typed after it.
    pub fn prompt(self, text: impl Display) {
        let mut e = std::io::stderr();
        let _ = write!(e, "{text}");
        let _ = e.flush();
    }
}
