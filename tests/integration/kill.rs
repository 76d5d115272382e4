//! Kill-safety: `gen render` killed with SIGKILL at many points of a large
//! render leaves every owned file either as it was or as it will be, no
//! temporary file Flux would apply, and a repository `git fsck` accepts;
//! the next render completes with the right output.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use crate::util::*;

fn spec_of(apps: std::ops::Range<usize>, image: &str) -> String {
    // Over shared ALBs of 40 apps (by number, so an app keeps its ALB).
    let albs: Vec<String> = (0..4).map(|k| format!("{{name: g{k}}}")).collect();
    let mut s = format!(
        "version: 1\nname: big\ndns: {{zone: example.org}}\ningress:\n  albs: [{}]\nregions:\n",
        albs.join(", ")
    );
    for (r, c) in [
        ("eu-west-1", "a"),
        ("eu-central-1", "b"),
        ("us-east-1", "c"),
    ] {
        s.push_str(&format!(
            "  - {{name: {r}, cluster: {c}, albs: {{g0: {{dnsName: x.{r}.elb.amazonaws.com}}}}}}\n"
        ));
    }
    s.push_str("apps:\n");
    for i in apps {
        s.push_str(&format!("  - {{name: app{i}, host: app{i}.example.org, image: \"{image}\", health: {{path: /app{i}}}, alb: g{}}}\n", i / 40));
    }
    s
}

/// Every file under the owned roots: path → content.
fn owned(root: &Path) -> BTreeMap<String, String> {
    files(root)
        .into_iter()
        .filter(|f| {
            f.starts_with("deploy/")
                || f.starts_with("clusters/")
                || f.starts_with("cloudformation/")
        })
        .map(|f| {
            let text = String::from_utf8_lossy(&std::fs::read(root.join(&f)).unwrap()).into_owned();
            (f, text)
        })
        .collect()
}

#[test]
fn a_render_killed_anywhere_leaves_old_or_new_files_and_a_sound_repository() {
    let old_spec = spec_of(0..150, "img:1");
    let new_spec = spec_of(10..160, "img:2"); // 10 apps removed, 10 added, the rest changed
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("gen.yaml"), &old_spec).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let old = owned(d.path());
    let n = tempfile::tempdir().unwrap();
    std::fs::write(n.path().join("gen.yaml"), &new_spec).unwrap();
    assert!(run_gen(n.path(), &["render"]).status.success());
    let new = owned(n.path());
    // How long one switch between the two renders takes here, there and back.
    let mut full = std::time::Duration::MAX;
    for spec in [&new_spec, &old_spec] {
        std::fs::write(d.path().join("gen.yaml"), spec).unwrap();
        let started = Instant::now();
        assert!(run_gen(d.path(), &["render"]).status.success());
        full = full.min(started.elapsed());
    }

    // Alternate between the two specs, so every run has work to do, and
    // kill it at a different point of that work each time.
    let mut killed_midway = 0;
    for i in 0..16u32 {
        std::fs::write(
            d.path().join("gen.yaml"),
            if i % 2 == 0 { &new_spec } else { &old_spec },
        )
        .unwrap();
        let (mut cmd, _home) = gen_command(d.path());
        let mut child = cmd
            .arg("render")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * (i % 8 + 1) / 9);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !finished {
            killed_midway += 1;
        }
        for (path, text) in owned(d.path()) {
            let name = path.rsplit('/').next().unwrap();
            if name.starts_with(".gen-") && name.ends_with(".tmp") {
                continue; // not a manifest: neither kustomize nor Flux reads it; the next render removes it
            }
            let ok = old.get(&path) == Some(&text) || new.get(&path) == Some(&text);
            assert!(
                ok,
                "kill {i}: {path} is neither its old nor its new content"
            );
        }
        git(d.path(), &["fsck", "--strict"]);
    }
    assert!(
        killed_midway >= 4,
        "kills landed mid-render ({killed_midway} of 16), not only after it"
    );

    std::fs::write(d.path().join("gen.yaml"), &new_spec).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(
        o.status.success(),
        "the next render completes: {}",
        stderr(&o)
    );
    assert_eq!(
        owned(d.path()),
        new,
        "and leaves exactly the new render (no temporary file)"
    );
    assert_eq!(git(d.path(), &["status", "--porcelain"]), "");
    git(d.path(), &["fsck", "--strict"]);
}
