//! `gen.lock` on disk: read beside the spec, written atomically. The lock's
//! format and meaning are the core's (`spec::lock`); this is its file.

use std::path::Path;

use anyhow::{Context, Result};

use crate::spec::lock::{self, Lock};

/// The lock's text beside `spec`, or `None` when there is none.
pub(crate) fn read_text(spec: &Path) -> Result<Option<String>> {
    let path = lock::path_for(spec);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The lock beside `spec`, or an empty one when there is none.
pub(crate) fn read(spec: &Path) -> Result<Lock> {
    parse(spec, read_text(spec)?.as_deref())
}

/// The lock from its text as read beside `spec` (`None`: no lock, an
/// empty one); errors name the file.
pub(crate) fn parse(spec: &Path, text: Option<&str>) -> Result<Lock> {
    match text {
        Some(text) => lock::parse(text, &lock::path_for(spec).display().to_string()),
        None => Ok(lock::empty()),
    }
}

/// Write the lock beside `spec`.
pub(crate) fn write(spec: &Path, l: &Lock) -> Result<()> {
    super::write_atomic(&lock::path_for(spec), lock::to_text(l)?.as_bytes())
}
