//! `gen schema`: the JSON Schema generated from the spec types accepts the
//! example and every golden spec, and rejects an unknown field (checked with
//! Python's jsonschema, as an editor's YAML language server would).

use std::fs;
use std::process::Command;

use crate::examples::golden_dirs;
use crate::util::*;

#[test]
fn the_schema_accepts_the_examples_and_rejects_unknown_fields() {
    let d = tempfile::tempdir().unwrap();
    // No gen.yaml is needed to print the schema.
    let o = run_gen(d.path(), &["schema"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let schema = d.path().join("gen.schema.json");
    fs::write(&schema, stdout(&o)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["required"],
        serde_json::json!(["version", "name", "dns", "regions", "apps"])
    );

    let specs: Vec<std::path::PathBuf> = golden_dirs()
        .into_iter()
        .map(|d| d.join("gen.yaml"))
        .collect();
    let check = |files: &[std::path::PathBuf]| {
        Command::new(tool("python3"))
            .arg(workspace().join("tests/tools/check_schema.py"))
            .arg(&schema)
            .args(files)
            .output()
            .unwrap()
    };
    let o = check(&specs);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    let bad = workspace().join("tests/bad-specs/01-unknown-top-level-field.yaml");
    let o = check(&[bad]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("'owner' was unexpected"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
