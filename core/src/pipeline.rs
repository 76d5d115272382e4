//! The one entry into the core: a spec's text (and its lock) through
//! load → validate → resolve → model → limits → lint, in that order, with
//! every diagnostic located on its line. The session, a base revision's plan
//! (`gen plan`, `gen report`), the fuzz targets and the tests all come in
//! here, so no caller can skip a stage or run them in another order.

use crate::diag::Diagnostic;
use crate::model::{self, Plan};
use crate::spec::checked::Spec;
use crate::spec::lock::Lock;
use crate::{limits, lint, resolve, spec, validate};

/// What the core makes of a spec that holds.
#[derive(Debug)]
pub struct Compiled {
    /// The checked spec, with the lock applied.
    pub spec: Spec,
    /// Every decision, made once.
    pub plan: Plan,
    /// Warnings (loading, validation, the lock, lints), in the order the
    /// stages found them; no errors.
    pub diagnostics: Vec<Diagnostic>,
    /// What the next compile can take of this one's reading of the apps
    /// (`compile_with`), when asked for and the spec was read app by app.
    pub kept: Option<spec::Kept>,
}

/// `text` is the spec, named `name` in messages; `lock` what `gen discover`
/// recorded (empty when there is none); `prefix` the spec directory's path
/// inside its Git work tree ("" at the top). `Err` holds every diagnostic
/// found, at least one of them an error: nothing may be written.
pub fn compile(
    text: &str,
    name: &str,
    lock: &Lock,
    prefix: &str,
) -> Result<Compiled, Vec<Diagnostic>> {
    compile_with(text, name, lock, prefix, &spec::AppCache::default(), false)
}

/// As `compile`, taking the apps whose text is unchanged from `cache` (an
/// earlier compile's `kept`), and with `keep`, keeping them for the next.
pub fn compile_with(
    text: &str,
    name: &str,
    lock: &Lock,
    prefix: &str,
    cache: &spec::AppCache<'_>,
    keep: bool,
) -> Result<Compiled, Vec<Diagnostic>> {
    let (loaded, kept) = spec::load_with(text, name, cache, keep)?;
    let outcome = validate::validate(&loaded);
    let Some(mut checked) = outcome.spec else {
        return Err(outcome.diagnostics);
    };
    let mut diagnostics = outcome.diagnostics;
    // What `gen discover` found fills what the spec leaves out.
    let mut resolved = resolve::apply(&mut checked, lock);
    loaded.lines.locate(&mut resolved);
    diagnostics.extend(resolved);
    let plan = model::plan(&checked, prefix);
    // Over an AWS quota: an error, and nothing is written.
    let mut over = limits::check(&checked, &plan);
    if !over.is_empty() {
        loaded.lines.locate(&mut over);
        diagnostics.extend(over);
        return Err(diagnostics);
    }
    let mut lints = lint::lint(&checked, &plan);
    loaded.lines.locate(&mut lints);
    diagnostics.extend(lints);
    Ok(Compiled {
        spec: checked,
        plan,
        diagnostics,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::lock;

    const SPEC: &str = include_str!("../../gitops-repo/gen.yaml");

    #[test]
    fn a_valid_spec_goes_the_whole_way_with_its_warnings() {
        let c = compile(SPEC, "gen.yaml", &lock::empty(), "").expect("the example compiles");
        assert_eq!(
            c.spec.apps.len(),
            c.plan.stacks.iter().map(|s| s.apps.len()).sum::<usize>()
        );
        assert!(c.diagnostics.iter().all(|d| !d.is_error()));
    }

    #[test]
    fn every_stage_can_stop_it_with_located_errors() {
        // load: not YAML of the right shape.
        let e = compile("name: [", "gen.yaml", &lock::empty(), "").unwrap_err();
        assert!(e.iter().any(Diagnostic::is_error));
        // validate: a field out of range, named with its line.
        let bad = SPEC.replacen("failureThreshold: 3", "failureThreshold: 11", 1);
        let e = compile(&bad, "gen.yaml", &lock::empty(), "").unwrap_err();
        let err = e.iter().find(|d| d.is_error()).expect("an error");
        assert!(err.path.contains("failureThreshold"), "{err:?}");
        assert!(err.line.is_some(), "located: {err:?}");
    }

    #[test]
    fn lints_are_located_on_their_lines() {
        let c = compile(SPEC, "gen.yaml", &lock::empty(), "").expect("compiles");
        for d in &c.diagnostics {
            if !d.path.is_empty() {
                assert!(d.line.is_some(), "not located: {d:?}");
            }
        }
    }
}
