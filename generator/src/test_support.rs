//! Helpers for the unit tests of every stage (compiled for tests only, so
//! free to use the whole pipeline).

use crate::model::{self, Plan};

/// The plan of a spec text that must be valid.
pub(crate) fn plan_of(text: &str) -> Plan {
    let loaded = crate::spec::load(text, "gen.yaml").expect("loads");
    let outcome = crate::validate::validate(&loaded);
    let spec = outcome
        .spec
        .unwrap_or_else(|| panic!("invalid: {:?}", outcome.diagnostics));
    model::plan(&spec, "")
}
