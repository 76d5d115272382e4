//! Diagnostics: what is wrong with a spec, where, and what is allowed.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Field path in `apps[0].health.path` notation; empty for the whole spec.
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
    /// A lint's code (`W004`); errors have none.
    pub code: Option<&'static str>,
}

impl Diagnostic {
    pub fn new(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            path: path.to_string(),
            line: None,
            message: message.into(),
            hint: None,
            code: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    /// At `line` of the spec (for problems found in its text, not at a field).
    pub fn at(mut self, line: usize) -> Diagnostic {
        self.line = Some(line);
        self
    }

    /// A lint's warning; `lint::lint` stamps it with the lint's code.
    pub fn lint(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(path, message).warning()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Render for a terminal: `error: apps[0].host (gen.yaml:12): ...`.
    pub fn display<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        Shown { d: self, file }
    }
}

struct Shown<'a> {
    d: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.d;
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = match (d.path.is_empty(), d.line) {
            (true, None) => self.file.to_string(),
            (true, Some(l)) => format!("{}:{l}", self.file),
            (false, None) => format!("{} ({})", d.path, self.file),
            (false, Some(l)) => format!("{} ({}:{l})", d.path, self.file),
        };
        match d.code {
            Some(code) => write!(f, "{level}[{code}]: {place}: {}", d.message)?,
            None => write!(f, "{level}: {place}: {}", d.message)?,
        }
        if let Some(h) = &d.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// An error and what to do about it. The hint is a value, printed after
/// every cause (`error:`, `Caused by:`, a blank line, `hint:`), never inside
/// the message; `cli::error_report` finds it anywhere in the chain.
#[derive(Debug)]
pub struct Hinted {
    message: String,
    hint: String,
    source: Option<anyhow::Error>,
}

impl Hinted {
    pub fn new(message: impl fmt::Display, hint: impl fmt::Display) -> Hinted {
        Hinted {
            message: message.to_string(),
            hint: hint.to_string(),
            source: None,
        }
    }

    pub fn hint(&self) -> &str {
        &self.hint
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// `anyhow::Context` with a hint: the message and its hint wrap the error.
pub trait HintContext<T> {
    fn hint_context<M: fmt::Display, H: fmt::Display>(
        self,
        f: impl FnOnce() -> (M, H),
    ) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> HintContext<T> for Result<T, E> {
    fn hint_context<M: fmt::Display, H: fmt::Display>(
        self,
        f: impl FnOnce() -> (M, H),
    ) -> anyhow::Result<T> {
        self.map_err(|e| {
            let (message, hint) = f();
            let mut h = Hinted::new(message, hint);
            h.source = Some(e.into());
            anyhow::Error::new(h)
        })
    }
}
