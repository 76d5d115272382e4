//! Fuzz target: any text as gen.yaml through load, validate, plan and
//! render. It must never panic; what renders must be YAML that parses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(loaded) = generator::spec::load(text, "gen.yaml") else { return };
    let outcome = generator::validate::validate(&loaded);
    let Some(spec) = outcome.spec else { return };
    let plan = generator::model::plan(&spec, "");
    if let Ok(files) = generator::render::render(&plan, "gen.yaml") {
        for f in files {
            for doc in serde_yaml::Deserializer::from_str(&f.text) {
                let parsed: Result<serde_yaml::Value, _> = serde::Deserialize::deserialize(doc);
                assert!(parsed.is_ok(), "{} does not parse", f.path);
            }
        }
    }
});
