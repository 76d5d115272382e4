//! The fuzz corpora as a regression suite. `fuzz/corpus/<target>` holds the
//! seeds, the fuzzer-found inputs that each reached new code (merged on
//! edges, see docs/fuzzing.md) and every input that once crashed gen. Each is replayed here, in the
//! normal test run and without the sanitizer build, through the same
//! property the fuzz target checks (`fuzz/cases.rs`).

use std::panic;
use std::path::PathBuf;

use crate::util::workspace;

#[path = "../../fuzz/cases.rs"]
mod cases;

/// Every input of one corpus through `case`; the failures name their input.
/// At least `whole_way` inputs must go the whole way: a change that stops
/// them early (say, at the loader) would leave nothing tested past it.
fn replay(target: &str, seeds: usize, whole_way: usize, case: fn(&[u8]) -> bool) {
    let dir = workspace().join("fuzz/corpus").join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fuzz corpus directory")
        .map(|e| e.expect("corpus entry").path())
        .collect();
    inputs.sort();
    // Fewer inputs than the hand-picked seeds means the corpus went missing.
    assert!(
        inputs.len() > seeds,
        "only {} inputs in {}",
        inputs.len(),
        dir.display()
    );
    let mut failures = Vec::new();
    let mut through = 0;
    for path in &inputs {
        let bytes = std::fs::read(path).expect("corpus input");
        match panic::catch_unwind(|| case(&bytes)) {
            Ok(true) => through += 1,
            Ok(false) => {}
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {msg}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        through >= whole_way,
        "only {through} of {} inputs in {} went the whole way",
        inputs.len(),
        dir.display()
    );
}

// The floors sit a little under today's counts (13 of the spec corpus render: the fuzzer
// mostly finds new paths through loading and validation; 78 templates are answered).
#[test]
fn no_spec_in_the_corpus_panics_or_renders_broken_yaml() {
    replay("spec", 65, 10, cases::spec);
}

#[test]
fn no_template_in_the_corpus_panics_simulate() {
    replay("templates", 6, 60, cases::templates);
}
