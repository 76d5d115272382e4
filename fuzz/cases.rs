//! What every fuzz input must satisfy, one function per target. The fuzz
//! targets call these, and so does the normal test suite, which replays the
//! committed corpus (`tests/integration/fuzz_corpus.rs`): a crash the
//! fuzzer found stays fixed. Each function panics on a violation, and
//! returns whether the input went the whole way (rendered; answered), so the
//! replay can tell a corpus that still reaches the end from one that no
//! longer gets past the loader.

use std::collections::BTreeMap;

use gen_core::simulate::{self, Scenario};
use gen_core::{explain, pipeline, render, review, spec};

/// Any text as `gen.yaml` through the core's one entry (load, validate,
/// resolve, plan, limits, lint), then explain, review and render: no panic,
/// and every rendered file parses as YAML.
pub fn spec(data: &[u8]) -> bool {
    // gen reads gen.yaml as text; what is not UTF-8 never reaches the loader.
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(compiled) = pipeline::compile(text, "gen.yaml", &spec::lock::empty(), "") else {
        return false;
    };
    let plan = compiled.plan;
    // `gen explain` and `gen plan` work on the same plan.
    let _ = explain::explain(&plan);
    let behaviour = review::behaviour(&plan);
    let changes = review::diff(&review::Behaviour::default(), &behaviour);
    let _ = (review::text(&changes), review::markdown(&changes, "base"));
    let Ok(files) = render::render(&plan, "gen.yaml") else {
        return false;
    };
    for f in files {
        for doc in serde_yaml::Deserializer::from_str(&f.text) {
            let parsed: Result<serde_yaml::Value, _> = serde::Deserialize::deserialize(doc);
            if let Err(e) = parsed {
                panic!("{} does not parse: {e}", f.path);
            }
        }
    }
    true
}

/// What `gen simulate` reads from disk (the rendered templates and the
/// Ingress), which a hand edit can turn into anything: YAML documents, each
/// Ingress adding health routes and every other one a template. Reading
/// them, and answering every host in every default scenario, must not panic.
pub fn templates(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut templates = Vec::new();
    let mut routes = BTreeMap::new();
    let mut app_alb = BTreeMap::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let Ok(v) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) else {
            return false;
        };
        if v.get("kind").and_then(|k| k.as_str()) == Some("Ingress") {
            simulate::health_routes(&v, &mut routes, &mut app_alb);
        } else {
            templates.push((format!("t{i}.yaml"), v));
        }
    }
    let Ok(world) = simulate::world(&templates, &routes, &app_alb) else {
        return false;
    };
    let calm = Scenario::default();
    for s in simulate::default_scenarios(&world) {
        let _ = s.to_string();
        for h in world.hosts() {
            let (before, after) = (world.answer(&h, &calm), world.answer(&h, &s));
            let _ = (before.short(), after.short());
        }
    }
    !world.hosts().is_empty()
}
