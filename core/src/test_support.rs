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
