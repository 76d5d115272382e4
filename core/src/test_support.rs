//! Helpers for the unit tests of every stage (compiled for tests only, so
//! free to use the whole pipeline).

use crate::model::{self, Plan};
use crate::spec::checked::Spec;

/// The checked spec of a text that must be valid.
pub(crate) fn spec_of(text: &str) -> Spec {
    let loaded = crate::spec::load(text, "gen.yaml").expect("loads");
    let outcome = crate::validate::validate(&loaded);
    outcome
        .spec
        .unwrap_or_else(|| panic!("invalid: {:?}", outcome.diagnostics))
}

/// The plan of a spec text that must be valid.
pub(crate) fn plan_of(text: &str) -> Plan {
    model::plan(&spec_of(text), "")
}

/// The checked spec of a valid text with `lock` (gen.lock's text) applied.
pub(crate) fn spec_with_lock(text: &str, lock: &str) -> Spec {
    let mut spec = spec_of(text);
    let lock = crate::spec::lock::parse(lock, "gen.lock").expect("a valid lock");
    crate::resolve::apply(&mut spec, &lock);
    spec
}

/// The plan of a valid spec text with `lock` applied.
pub(crate) fn plan_with_lock(text: &str, lock: &str) -> Plan {
    model::plan(&spec_with_lock(text, lock), "")
}
