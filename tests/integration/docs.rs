//! The documentation as a newcomer reads it: the README's tour prints what
//! it shows, and `docs/` names every command, every option and every field
//! of the spec, so neither can fall behind the code.

use std::collections::BTreeSet;

use clap::CommandFactory as _;

use crate::util::*;

/// Every page of `docs/`, as (file name, text).
fn pages() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(workspace().join("docs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Outside code blocks: the heading level of a line (`## x` → 2).
fn level(line: &str) -> Option<usize> {
    let n = line.chars().take_while(|c| *c == '#').count();
    (n > 0 && line[n..].starts_with(' ')).then_some(n)
}

/// The section under the first heading that starts with `title`, to the
/// next heading of its level or above (code blocks are not headings).
fn section<'a>(text: &'a str, title: &str) -> Option<&'a str> {
    let mut in_code = false;
    let mut start: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && let Some(l) = level(line) {
            match start {
                Some((at, of)) if l <= of => return Some(&text[at..offset]),
                None if line[l..].trim_start().starts_with(title) => start = Some((offset, l)),
                _ => {}
            }
        }
        offset += line.len();
    }
    start.map(|(at, _)| &text[at..])
}

/// Every long option of a command, but `--help` and `--version`.
fn options(cmd: &clap::Command) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_global_set())
        .filter_map(|a| a.get_long())
        .filter(|l| *l != "help" && *l != "version")
        .map(|l| format!("--{l}"))
        .collect()
}

/// Every field path of the spec's JSON Schema: `apps[].health.path`, with
/// `.*` for a key of the user's choosing.
fn schema_paths(
    node: &serde_json::Value,
    defs: &serde_json::Value,
    path: &str,
    out: &mut BTreeSet<String>,
) {
    let mut node = node;
    while let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
        node = &defs[r.rsplit('/').next().unwrap()];
    }
    for k in ["anyOf", "oneOf", "allOf"] {
        for n in node.get(k).and_then(|v| v.as_array()).into_iter().flatten() {
            schema_paths(n, defs, path, out);
        }
    }
    if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
        for (k, v) in props {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            out.insert(p.clone());
            schema_paths(v, defs, &p, out);
        }
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        schema_paths(items, defs, &format!("{path}[]"), out);
    }
    if let Some(more) = node.get("additionalProperties").filter(|i| i.is_object()) {
        schema_paths(more, defs, &format!("{path}.*"), out);
    }
}

#[test]
fn the_docs_name_every_command_option_and_spec_field() {
    let pages = pages();
    let all: String = pages.iter().map(|(_, t)| t.as_str()).collect();
    let mut missing = Vec::new();
    let root = generator::cli::Args::command();
    // The options every command takes, where the docs say so once.
    let every = pages
        .iter()
        .find_map(|(_, t)| section(t, "Every command"))
        .expect("a section `Every command` in docs/");
    for a in root.get_arguments().filter(|a| a.is_global_set()) {
        let name = match (a.get_long(), a.get_short()) {
            (Some(l), _) => format!("--{l}"),
            (None, Some(s)) => format!("-{s}"),
            _ => continue,
        };
        if !every.contains(&name) {
            missing.push(format!("global option {name} (in `Every command`)"));
        }
    }
    let mut commands = 0;
    for cmd in root.get_subcommands().filter(|c| c.get_name() != "help") {
        let name = format!("gen {}", cmd.get_name());
        // Its own section, in whichever page it belongs to.
        let Some(text) = pages
            .iter()
            .find_map(|(_, t)| section(t, &format!("`{name}`")))
        else {
            missing.push(format!("a section `{name}`"));
            continue;
        };
        commands += 1;
        for o in options(cmd) {
            if !text.contains(&o) {
                missing.push(format!("{name} {o}"));
            }
        }
        for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
            let full = format!("{name} {}", sub.get_name());
            if !text.contains(&full) {
                missing.push(full.clone());
            }
            for o in options(sub) {
                if !text.contains(&o) {
                    missing.push(format!("{full} {o}"));
                }
            }
        }
    }
    assert!(commands >= 15, "{commands} commands");
    // The spec's fields: the table of docs/spec.md is the schema's fields, both ways.
    let o = run_gen(&workspace(), &["schema"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut fields = BTreeSet::new();
    schema_paths(&schema, &schema["$defs"], "", &mut fields);
    assert!(fields.len() > 100, "{fields:?}");
    let spec = &pages.iter().find(|(f, _)| f == "spec.md").unwrap().1;
    let table = section(spec, "Every field").expect("a section `Every field` in docs/spec.md");
    let documented: BTreeSet<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |"))
        .map(|(f, _)| f.to_string())
        .collect();
    for f in fields.difference(&documented) {
        missing.push(format!("spec field {f} (in docs/spec.md's `Every field`)"));
    }
    let stale: Vec<&String> = documented.difference(&fields).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "not in docs/: {missing:#?}\nin docs/spec.md but not in the schema: {stale:?}"
    );
    assert!(all.contains("gen render"));
}

/// What the tour's commands print, as the README shows it: the run's
/// directory is the README's `/tmp/demo`, a commit ID its `0123456789`.
fn normalise(out: &str, dir: &std::path::Path) -> String {
    let out = out.replace(&dir.display().to_string(), "/tmp/demo");
    out.lines()
        .map(|l| match l.strip_prefix("committed ") {
            Some(rest) if rest.len() > 10 && rest[..10].bytes().all(|b| b.is_ascii_hexdigit()) => {
                format!("committed 0123456789{}", &rest[10..])
            }
            _ => match l.strip_prefix("rollout of ") {
                Some(c) if c.len() == 10 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    "rollout of 0123456789".to_string()
                }
                _ => l.to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The README's tour, run: its spec excerpt is the example's own lines, and
/// each `$ gen ...` block prints what the README shows (up to a closing `…`).
#[test]
fn the_readme_tour_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let tour = section(&readme, "A five-minute tour").expect("the README's tour");
    let example = std::fs::read_to_string(workspace().join("gitops-repo/gen.yaml")).unwrap();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("demo");
    std::fs::create_dir(&dir).unwrap();
    assert!(
        tour.contains("cp gitops-repo/gen.yaml /tmp/demo/"),
        "{tour}"
    );
    std::fs::copy(
        workspace().join("gitops-repo/gen.yaml"),
        dir.join("gen.yaml"),
    )
    .unwrap();
    let mut blocks = 0;
    let mut rest = tour;
    while let Some(at) = rest.find("```") {
        let kind_end = rest[at..].find('\n').unwrap() + at;
        let kind = &rest[at + 3..kind_end];
        let end = rest[kind_end..].find("\n```").unwrap() + kind_end;
        let body = &rest[kind_end + 1..end];
        rest = &rest[end + 4..];
        match kind {
            // The excerpt: the example's lines, in its order.
            "yaml" => {
                let mut lines = example.lines();
                for want in body.lines() {
                    assert!(
                        lines.any(|l| l == want),
                        "the tour's spec line `{want}` is not (in this order) in gitops-repo/gen.yaml"
                    );
                }
                blocks += 1;
            }
            "text" => {
                let mut lines = body.lines();
                let command = lines.next().unwrap();
                let args: Vec<&str> = command
                    .strip_prefix("$ gen ")
                    .unwrap_or_else(|| {
                        panic!("a text block of the tour starts with `$ gen`: {command}")
                    })
                    .split_whitespace()
                    .collect();
                let o = run_gen(&dir, &args);
                assert!(o.status.success(), "{command}: {}", stderr(&o));
                let got = normalise(&stdout(&o), &dir);
                let shown: Vec<&str> = lines.collect();
                let (shown, whole) = match shown.split_last() {
                    Some((&"…", front)) => (front.to_vec(), false),
                    _ => (shown, true),
                };
                let got: Vec<&str> = got.lines().collect();
                if whole {
                    assert_eq!(got, shown, "{command}");
                } else {
                    assert_eq!(&got[..shown.len().min(got.len())], &shown[..], "{command}");
                }
                blocks += 1;
            }
            _ => {}
        }
    }
    assert!(blocks >= 5, "{blocks} blocks in the tour");
    assert!(dir.join("gen-report.html").exists());
}

/// A heading's anchor as GitHub makes it: lower case, spaces to `-`,
/// punctuation but `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Every heading anchor of a Markdown text (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && let Some(l) = level(line) {
            out.insert(anchor(&line[l..]));
        }
    }
    out
}

/// Every relative link of the README, ARCHITECTURE.md and `docs/` names a
/// file that exists and, with `#...`, a heading it has.
#[test]
fn every_link_between_the_pages_lands() {
    let root = workspace();
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    files.extend(pages().into_iter().map(|(f, _)| root.join("docs").join(f)));
    let mut broken = Vec::new();
    let mut links = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for part in text.split("](").skip(1) {
            let Some(end) = part.find(')') else { continue };
            let target = &part[..end];
            if target.contains("://") || target.contains(' ') {
                continue;
            }
            links += 1;
            let (path, frag) = target.split_once('#').unwrap_or((target, ""));
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !dest.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
            } else if !frag.is_empty() {
                let t = std::fs::read_to_string(&dest).unwrap_or_default();
                if !anchors(&t).contains(frag) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(links >= 20, "{links} links");
    assert!(broken.is_empty(), "{broken:#?}");
}
