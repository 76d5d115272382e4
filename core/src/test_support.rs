//! Helpers for the unit tests of every stage (compiled for tests only, so
//! free to use the whole pipeline).

use crate::model::Plan;
use crate::spec::checked::Spec;

/// The checked spec of a text that must be valid.
pub(crate) fn spec_of(text: &str) -> Spec {
    let loaded = crate::spec::load(text, "gen.yaml").expect("loads");
    let outcome = crate::validate::validate(&loaded);
    outcome
        .spec
        .unwrap_or_else(|| panic!("invalid: {:?}", outcome.diagnostics))
}

/// The plan of a spec text that must be valid, through the core's one
/// entry (`pipeline::compile`).
pub(crate) fn plan_of(text: &str) -> Plan {
    plan_with_lock(text, "version: 2\n")
}

/// The checked spec of a valid text with `lock` (gen.lock's text) applied.
pub(crate) fn spec_with_lock(text: &str, lock: &str) -> Spec {
    let mut spec = spec_of(text);
    let lock = crate::spec::lock::parse(lock, "gen.lock").expect("a valid lock");
    crate::resolve::apply(&mut spec, &lock);
    spec
}

/// The plan of a valid spec text with `lock` applied, through the core's
/// one entry.
pub(crate) fn plan_with_lock(text: &str, lock: &str) -> Plan {
    let lock = crate::spec::lock::parse(lock, "gen.lock").expect("a valid lock");
    crate::pipeline::compile(text, "gen.yaml", &lock, "")
        .unwrap_or_else(|d| panic!("does not compile: {d:?}"))
        .plan
}
