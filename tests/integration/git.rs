//! `gen render` against temporary repositories: what it writes, prunes,
//! refuses and commits.

use std::fs;

use crate::util::*;

fn head(dir: &std::path::Path) -> String {
    git(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn first_render_initialises_the_repository_and_commits_everything() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("in a new repository"), "{}", stdout(&o));

    let committed = git(d.path(), &["ls-tree", "-r", "--name-only", "HEAD"]);
    let committed: Vec<&str> = committed.lines().collect();
    assert_eq!(
        committed,
        files(d.path()),
        "the commit holds exactly the files on disk"
    );
    assert!(committed.contains(&"gen.yaml"));
    assert!(committed.contains(&"cloudformation/shop-dns-cart.yaml"));
    assert!(committed.contains(&"deploy/east/apps/checkout/app.yaml"));
    assert_eq!(
        git(d.path(), &["status", "--porcelain"]),
        "",
        "work tree and index are clean"
    );
    git(d.path(), &["fsck", "--strict"]);

    let msg = git(d.path(), &["log", "-1", "--format=%s%n%b%n%an"]);
    assert!(
        msg.starts_with("gen render shop: added cart, checkout"),
        "{msg}"
    );
    assert!(msg.contains("stack shop-dns-checkout: added"), "{msg}");
    assert!(msg.contains("Test User"), "author from git config: {msg}");
}

#[test]
fn rendering_again_changes_and_commits_nothing() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let before = head(d.path());
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 written, 0 removed"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("nothing to commit"), "{}", stdout(&o));
    assert_eq!(head(d.path()), before);
}

/// A render keeps the apps as it read them (`spec::chunks`); the next one
/// takes the unchanged ones from there, and renders exactly what a render
/// of the same spec without them does. Other commands read, never write.
#[test]
fn apps_read_before_are_taken_as_kept_and_render_the_same() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());
    let kept = d.path().join(".git/gen-render-state.apps");
    let first = fs::read_to_string(&kept).expect("the render kept the apps");
    assert_eq!(
        first.lines().count(),
        3,
        "a header and an app a line: {first}"
    );

    let changed = spec(&CHECKOUT_APP.replace("checkout:2.1", "checkout:2.2"));
    fs::write(d.path().join("gen.yaml"), &changed).unwrap();
    let o = run_gen(d.path(), &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(&kept).unwrap(),
        first,
        "validate writes nothing"
    );
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = fs::read_to_string(&kept).unwrap();
    assert_eq!(first.lines().nth(1), second.lines().nth(1), "cart as kept");
    assert_ne!(
        first.lines().nth(2),
        second.lines().nth(2),
        "checkout read again"
    );

    let fresh = tempfile::tempdir().unwrap();
    fs::write(fresh.path().join("gen.yaml"), &changed).unwrap();
    assert!(run_gen(fresh.path(), &["render"]).status.success());
    assert_eq!(files(d.path()), files(fresh.path()));
    for f in files(d.path()) {
        assert_eq!(
            fs::read(d.path().join(&f)).unwrap(),
            fs::read(fresh.path().join(&f)).unwrap(),
            "{f}"
        );
    }
}

/// Each render commits a pack of its own; libgit2 runs no `git gc`, so
/// gen keeps under Git's pack limit (50) itself: the hundredth render
/// finds as few packs as the fifth, and every commit's objects intact.
#[test]
fn the_hundredth_render_finds_few_packs_and_a_sound_repository() {
    let d = tempfile::tempdir().unwrap();
    let packs = || {
        fs::read_dir(d.path().join(".git/objects/pack"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
            .count()
    };
    let mut most = 0;
    for i in 0..60 {
        let app = CHECKOUT_APP.replace("checkout:2.1", &format!("checkout:2.{i}"));
        fs::write(d.path().join("gen.yaml"), spec(&app)).unwrap();
        let o = run_gen(d.path(), &["render"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("committed"), "{}", stdout(&o));
        most = most.max(packs());
    }
    assert_eq!(most, 50, "the packs stop growing at the limit");
    assert!(packs() < 20, "{} packs after 60 renders", packs());
    assert_eq!(git(d.path(), &["rev-list", "--count", "HEAD"]).trim(), "60");
    git(d.path(), &["fsck", "--full", "--strict"]);
    // Every commit's tree still reads whole.
    git(d.path(), &["log", "-p", "--format=%H"]);
}

#[test]
fn adding_then_removing_an_app_commits_and_prunes_only_its_files() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    assert!(run_gen(d.path(), &["render"]).status.success());

    fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let changed = git(d.path(), &["show", "--name-status", "--format=%s", "HEAD"]);
    let mut lines = changed.lines().filter(|l| !l.is_empty());
    assert_eq!(lines.next(), Some("gen render shop: added checkout"));
    let mut rest: Vec<&str> = lines.collect();
    rest.sort();
    assert_eq!(
        rest,
        [
            "A\tcloudformation/shop-dns-checkout.yaml",
            "A\tdeploy/east/apps/checkout/app.yaml",
            "A\tdeploy/east/apps/checkout/kustomization.yaml",
            "A\tdeploy/west/apps/checkout/app.yaml",
            "A\tdeploy/west/apps/checkout/kustomization.yaml",
            "M\tclusters/east/gen-kustomizations.yaml",
            "M\tclusters/west/gen-kustomizations.yaml",
            "M\tdeploy/east/ingress/ingress.yaml",
            "M\tdeploy/west/ingress/ingress.yaml",
            "M\tgen.yaml",
        ],
        "the cart stack and workloads are untouched"
    );

    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("5 removed"), "{}", stdout(&o));
    assert!(
        !d.path().join("deploy/east/apps/checkout").exists(),
        "emptied directories are removed"
    );
    assert!(
        !d.path()
            .join("cloudformation/shop-dns-checkout.yaml")
            .exists()
    );
    let msg = git(d.path(), &["log", "-1", "--format=%s"]);
    assert_eq!(msg.trim(), "gen render shop: removed checkout");
    assert_eq!(git(d.path(), &["status", "--porcelain"]), "");
}

#[test]
fn files_gen_does_not_own_are_never_touched_or_committed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    // What a user or `flux bootstrap` keeps beside gen's files.
    let theirs = [
        ("README.md", "# ops\n"),
        (
            "clusters/west/flux-system/gotk-sync.yaml",
            "kind: Kustomization\n",
        ),
        ("clusters/west/extra.yaml", "kind: ConfigMap\n"),
        ("deploy/west/apps/notes.txt", "mine\n"),
        ("cloudformation/hand-made.yaml", "Resources: {}\n"),
    ];
    git(p, &["init", "-q", "-b", "main"]);
    for (f, text) in theirs {
        fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
        fs::write(p.join(f), text).unwrap();
    }
    git(p, &["add", "README.md"]);
    git(p, &["commit", "-q", "-m", "user commit"]);
    // Staged but not committed by the user: must stay out of gen's commit.
    fs::write(p.join("README.md"), "# ops, edited\n").unwrap();
    git(p, &["add", "README.md"]);

    assert!(run_gen(p, &["render"]).status.success());
    fs::write(p.join("gen.yaml"), spec("")).unwrap();
    let o = run_gen(p, &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));

    for (f, text) in theirs {
        assert_eq!(
            fs::read_to_string(p.join(f)).unwrap(),
            if f == "README.md" {
                "# ops, edited\n"
            } else {
                text
            },
            "{f}"
        );
    }
    let in_gen_commits = git(p, &["log", "--format=", "--name-only", "HEAD~2..HEAD"]);
    for (f, _) in theirs {
        assert!(
            !in_gen_commits.lines().any(|l| l == f),
            "{f} was committed by gen"
        );
    }
    assert_eq!(
        git(p, &["diff", "--cached", "--name-only"]).trim(),
        "README.md",
        "the user's staged change is still staged"
    );
}

#[test]
fn uncommitted_hand_edits_are_refused_unless_forced() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("gen.yaml"), spec("")).unwrap();
    assert!(run_gen(p, &["render"]).status.success());
    let file = p.join("deploy/west/apps/cart/app.yaml");
    let edited = fs::read_to_string(&file)
        .unwrap()
        .replace("replicas: 1", "replicas: 5");
    fs::write(&file, &edited).unwrap();
    fs::write(p.join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();

    let before = head(p);
    let o = run_gen(p, &["render"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("uncommitted hand edits") && err.contains("deploy/west/apps/cart/app.yaml"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        edited,
        "the edit is kept"
    );
    assert!(
        !p.join("deploy/west/apps/checkout").exists(),
        "nothing was written"
    );
    assert_eq!(head(p), before, "nothing was committed");

    let o = run_gen(p, &["render", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read_to_string(&file).unwrap().contains("replicas: 1"));
    assert_eq!(git(p, &["status", "--porcelain"]), "");
}

#[test]
fn a_file_of_the_user_at_a_rendered_path_is_refused_even_with_force() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("gen.yaml"), spec("")).unwrap();
    fs::create_dir_all(p.join("deploy/west/apps/cart")).unwrap();
    fs::write(p.join("deploy/west/apps/cart/app.yaml"), "kind: Mine\n").unwrap();
    let o = run_gen(p, &["render", "--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not generated by gen"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_to_string(p.join("deploy/west/apps/cart/app.yaml")).unwrap(),
        "kind: Mine\n"
    );
}

#[test]
fn an_invalid_spec_writes_and_commits_nothing() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("gen.yaml"),
        spec("")
            .replace("interval", "x")
            .replace("cart.example.org", "cart.example.com"),
    )
    .unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert_eq!(files(d.path()), ["gen.yaml"]);
    assert!(!d.path().join(".git").exists(), "no repository was created");
}

/// A stack over CloudFormation's quotas is refused at render time. Files are
/// rendered and written a run at a time, and the files that can refuse are
/// rendered before any is written: a refusal writes nothing, whether the
/// repository is new or holds an earlier render.
#[test]
fn a_refused_stack_writes_and_commits_nothing_even_in_a_large_render() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // 30 ALBs of 40 apps in two Regions: 6,126 files, more than a run
    // renders at once (4,096).
    let group = |stack: &str| {
        let mut s =
            "version: 1\nname: g\ndns: {zone: example.com, zoneId: Z1}\ningress:\n  albs:\n"
                .to_string();
        for k in 0..30 {
            s.push_str(&format!("    - name: alb{k}\n"));
        }
        s.push_str("regions:\n");
        for (i, r) in ["eu-west-1", "us-east-1"].iter().enumerate() {
            s.push_str(&format!("  - name: {r}\n    cluster: c{i}\n    albs:\n"));
            for k in 0..30 {
                s.push_str(&format!(
                    "      alb{k}: {{dnsName: alb{k}-{i}.{r}.elb.amazonaws.com}}\n"
                ));
            }
        }
        s.push_str("apps:\n");
        for i in 0..1200 {
            s.push_str(&format!(
                "  - {{name: a{i}, host: a{i}.example.com, image: i, health: {{path: /h{i}}}, alb: alb{}{stack}}}\n",
                i / 40
            ));
        }
        s
    };
    fs::write(p.join("gen.yaml"), group(", stack: big")).unwrap();
    let o = run_gen(p, &["render"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("stack g-dns-big would be") && stderr(&o).contains("500 resources"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files(p), ["gen.yaml"]);
    assert!(!p.join(".git").exists(), "no repository was created");
    // Rendered once with a stack per app, then refused: nothing moves.
    fs::write(p.join("gen.yaml"), group("")).unwrap();
    let o = run_gen(p, &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (before, commit) = (files(p), head(p));
    assert!(before.len() > 4096, "{} files", before.len());
    let text = group(", stack: big").replace("image: i,", "image: j,");
    fs::write(p.join("gen.yaml"), &text).unwrap();
    let o = run_gen(p, &["render"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(files(p), before);
    assert_eq!(head(p), commit);
    let app = fs::read_to_string(p.join("deploy/c0/apps/a0/app.yaml")).unwrap();
    assert!(app.contains("image: \"i\""), "{app}");
}

#[test]
fn check_passes_when_up_to_date_and_shows_a_diff_otherwise() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("gen.yaml"), spec("")).unwrap();
    let o = run_gen(p, &["render", "--check"]);
    assert_eq!(o.status.code(), Some(1), "nothing rendered yet");
    assert_eq!(files(p), ["gen.yaml"], "--check writes nothing");

    assert!(run_gen(p, &["render"]).status.success());
    let o = run_gen(p, &["render", "--check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    fs::write(p.join("gen.yaml"), spec("").replace("cart:1.0", "cart:1.1")).unwrap();
    let o = run_gen(p, &["render", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    assert!(
        diff.contains("--- a/deploy/west/apps/cart/app.yaml\n+++ b/deploy/west/apps/cart/app.yaml"),
        "{diff}"
    );
    assert!(diff.contains("-          image: \"registry.example.org/cart:1.0\"\n+          image: \"registry.example.org/cart:1.1\""), "{diff}");
    assert!(
        stderr(&o).contains("hint: run `gen render`"),
        "{}",
        stderr(&o)
    );
    assert!(
        fs::read_to_string(p.join("deploy/west/apps/cart/app.yaml"))
            .unwrap()
            .contains("cart:1.0"),
        "--check writes nothing"
    );
}

/// A check streams its diff (files compared, then rendered again for the
/// diff, a run at a time): written and removed files both show, in path
/// order, and the counts match.
#[test]
fn check_shows_removed_files_after_written_ones_in_path_order() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
    assert!(run_gen(p, &["render"]).status.success());
    fs::write(p.join("gen.yaml"), spec("").replace("cart:1.0", "cart:1.1")).unwrap();
    let o = run_gen(p, &["render", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let diff = stdout(&o);
    let written = diff
        .find("+++ b/deploy/west/apps/cart/app.yaml")
        .expect("the changed app's diff");
    let removed = diff
        .find("--- a/deploy/west/apps/checkout/app.yaml\n+++ /dev/null")
        .expect("the removed app's diff");
    assert!(written < removed, "{diff}");
    let east = diff
        .find("+++ b/deploy/east/apps/cart/app.yaml")
        .expect("east");
    let west = diff
        .find("+++ b/deploy/west/apps/cart/app.yaml")
        .expect("west");
    assert!(east < west, "path order: {diff}");
    let files_to_write = diff.matches("\n+++ b/").count() + usize::from(diff.starts_with("+++ b/"));
    assert!(
        stderr(&o).contains(&format!("{files_to_write} files to write")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_directories() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        fs::write(d.path().join("gen.yaml"), spec(CHECKOUT_APP)).unwrap();
        assert!(
            run_gen(d.path(), &["render", "--no-commit"])
                .status
                .success()
        );
    }
    let fa = files(a.path());
    assert_eq!(fa, files(b.path()));
    for f in &fa {
        assert_eq!(
            fs::read(a.path().join(f)).unwrap(),
            fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn spec_and_directory_flags_override_the_defaults() {
    let spec_dir = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    fs::write(spec_dir.path().join("shop.yaml"), spec("")).unwrap();
    let spec_path = spec_dir.path().join("shop.yaml");
    let o = run_gen(
        spec_dir.path(),
        &[
            "-C",
            repo.path().to_str().unwrap(),
            "render",
            "--spec",
            spec_path.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(repo.path().join("deploy/west/apps/cart/app.yaml").exists());
    let header = fs::read_to_string(repo.path().join("deploy/west/apps/cart/app.yaml")).unwrap();
    assert!(
        header.starts_with("# Generated by gen from shop.yaml."),
        "{header}"
    );
}

#[test]
fn unresolved_alb_names_become_parameters_and_are_reported() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    let o = run_gen(d.path(), &["render", "--no-commit"]);
    assert!(o.status.success());
    // Notes go to stderr, with everything that is not the command's data.
    let out = stderr(&o);
    assert!(
        out.contains("note: the ALB DNS name for us-east-1 is not resolved"),
        "{out}"
    );
    assert!(
        out.contains("AlbDnsNameUsEast1") && out.contains("regions[1].albDnsName"),
        "{out}"
    );
    assert!(!out.contains("eu-west-1 is not resolved"), "{out}");
    let t = fs::read_to_string(d.path().join("cloudformation/shop-dns-cart.yaml")).unwrap();
    assert!(
        t.contains("  \"AlbDnsNameUsEast1\":\n    Type: \"String\""),
        "{t}"
    );
    // Neither is the zone's ID known: a parameter too, and a note.
    assert!(t.contains("Parameters:\n  \"HostedZoneId\":"), "{t}");
    assert!(
        out.contains("note: the ID of hosted zone example.org is not known"),
        "{out}"
    );
    assert!(t.contains("DNSName: !Ref \"AlbDnsNameUsEast1\""), "{t}");
    assert!(
        t.contains("DNSName: \"shop-1.eu-west-1.elb.amazonaws.com\""),
        "{t}"
    );
}

#[test]
fn author_falls_back_to_a_default_without_git_config() {
    let d = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    let o = std::process::Command::new(gen_bin())
        .args(["render"])
        .current_dir(d.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        git(d.path(), &["log", "-1", "--format=%an <%ae>"]).trim(),
        "gen <gen@localhost>"
    );
}

#[test]
fn a_stack_group_over_cloudformation_limits_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut apps = String::new();
    for i in 0..40 {
        apps.push_str(&format!("  - {{name: a{i}, host: a{i}.example.org, image: img, health: {{path: /a{i}}}, stack: big}}\n"));
    }
    fs::write(d.path().join("gen.yaml"), spec(&apps)).unwrap();
    let o = run_gen(d.path(), &["render"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("stack shop-dns-big would be") && err.contains("51200 bytes"),
        "{err}"
    );
    assert!(
        err.contains("hint: put fewer apps in stack group `big`"),
        "{err}"
    );
    assert_eq!(files(d.path()), ["gen.yaml"], "nothing was written");
}

#[test]
fn two_renders_at_once_serialise_on_the_lock() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spread_spec(150)).unwrap();
    // Both start before either has created the repository.
    let start = || {
        let (mut cmd, home) = gen_command(d.path());
        let child = cmd
            .arg("render")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        (child, home)
    };
    let ((a, _home_a), (b, _home_b)) = (start(), start());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let outs = format!("{}{}", stdout(&a), stdout(&b));
    assert_eq!(
        outs.matches("committed ").count(),
        1,
        "one run commits, the other finds nothing to do:\n{outs}"
    );
    assert_eq!(outs.matches("nothing to commit").count(), 1, "{outs}");
    assert_eq!(git(d.path(), &["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(git(d.path(), &["status", "--porcelain"]), "");
    git(d.path(), &["fsck", "--strict"]);
    assert!(run_gen(d.path(), &["render", "--check"]).status.success());
}

#[test]
fn env_values_that_look_like_yaml_stay_data() {
    let d = tempfile::tempdir().unwrap();
    let values = [
        "a: b",
        "# not a comment",
        "line one\nline two\n",
        "\"quoted\" and 'single'",
        "{{ template }} {% block %}",
        "!Ref Something",
        "&anchor *alias",
        "---",
        " leading and trailing ",
        "ünïcödé ✓ 漢字",
        "\u{85}\u{2028}tab\there",
    ];
    let mut env = String::new();
    for (i, v) in values.iter().enumerate() {
        // JSON strings are YAML double-quoted scalars, once the characters
        // YAML reads as line breaks are escaped too.
        let quoted = serde_json::to_string(v)
            .unwrap()
            .replace('\u{85}', "\\u0085")
            .replace('\u{2028}', "\\u2028");
        env.push_str(&format!("      V{i}: {quoted}\n"));
    }
    let app = format!(
        "  - name: tricky\n    host: tricky.example.org\n    image: img\n    health: {{path: /tricky}}\n    env:\n{env}"
    );
    fs::write(d.path().join("gen.yaml"), spec(&app)).unwrap();
    let o = run_gen(d.path(), &["render", "--no-commit"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(d.path().join("deploy/west/apps/tricky/app.yaml")).unwrap();
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
        .collect();
    assert_eq!(
        docs.len(),
        4,
        "ServiceAccount, Deployment, NetworkPolicy, Service and nothing else"
    );
    let container = &docs[1]["spec"]["template"]["spec"]["containers"][0];
    let got = env_pairs(container);
    let mut want: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        container.as_mapping().unwrap().len(),
        10,
        "no key was added to the container: {container:?}"
    );
}

#[test]
fn rendering_into_a_subdirectory_gives_flux_paths_from_the_repository_root() {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    let sub = d.path().join("platform/dns");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("gen.yaml"), spec("")).unwrap();
    let o = run_gen(&sub, &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let flux = fs::read_to_string(sub.join("clusters/west/gen-kustomizations.yaml")).unwrap();
    assert!(
        flux.contains("path: \"./platform/dns/deploy/west/apps/cart\""),
        "{flux}"
    );
    let tree = git(d.path(), &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(
        tree.lines()
            .any(|l| l == "platform/dns/deploy/west/apps/cart/app.yaml"),
        "{tree}"
    );
    assert!(tree.lines().any(|l| l == "platform/dns/gen.yaml"), "{tree}");
    assert_eq!(git(d.path(), &["status", "--porcelain"]), "");
}

#[test]
fn symbolic_links_are_never_written_through() {
    let d = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.path().join("deploy")).unwrap();
    let o = run_gen(d.path(), &["render", "--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("deploy is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(
        files(outside.path()).is_empty(),
        "nothing was written outside"
    );
    assert!(
        !d.path().join(".git").exists(),
        "refused before creating a repository"
    );
}

#[test]
fn a_closed_stdout_does_not_stop_a_render_midway() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("gen.yaml"), spec("")).unwrap();
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let (mut cmd, _home) = gen_command(d.path());
    let o = cmd.arg("render").stdout(full).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        git(d.path(), &["rev-list", "--count", "HEAD"]).trim(),
        "1",
        "the render was committed"
    );
}
