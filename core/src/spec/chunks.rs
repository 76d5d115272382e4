//! The apps of a spec read one by one, and kept: an app whose text is the
//! same as in the last run is taken as that run read it, not parsed again.
//! A platform's spec is mostly its `apps` list, so after one app's change
//! nearly all of the YAML is not read a second time.
//!
//! The text is cut where the `apps` block list starts an item (a line of
//! the list's indentation that starts with `- `). Each item is read on its
//! own, as a list of one; the rest of the spec is read with each item
//! replaced by a placeholder of one line and blank lines after it, so every
//! line keeps its number. That is the same reading as the whole text's:
//! each item read alone ended complete (nothing left open at its end), so
//! the next one starts where the whole text's next item starts. Whatever
//! this cannot be sure of (anchors and aliases, tags, directives, several
//! documents, the line breaks only some parsers know, any error or a count
//! that differs) is read whole, as before.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Deserialize;

use super::{RawApp, RawSpec, de};

/// A key no app has: the placeholder's, so the rest's reader notes it where
/// the app's own unknown fields belong, in the order it reads them.
const MARKER: &str = "__gen_app__";

/// One app's item: its text (with its indentation) and the digest of it.
struct Item<'a> {
    text: &'a str,
    digest: u128,
}

/// A spec cut into its apps' items and the rest.
struct Cut<'a> {
    items: Vec<Item<'a>>,
    rest: String,
}

/// The apps read before: the digest of an item's text → the app and its
/// unknown fields, as JSON. Read from (and written to) one line per app.
#[derive(Debug, Default)]
pub struct AppCache<'a> {
    entries: HashMap<u128, &'a str>,
}

impl<'a> AppCache<'a> {
    /// The cache `text` holds (`Kept::text` of an earlier load); a line it
    /// cannot read is left out.
    pub fn parse(text: &'a str) -> Self {
        let entries = text
            .lines()
            .filter_map(|l| {
                let (digest, json) = l.split_once(' ')?;
                Some((u128::from_str_radix(digest, 16).ok()?, json))
            })
            .collect();
        AppCache { entries }
    }
}

/// Keys a struct had no field for: (the map's path, the key).
type Fields = Vec<(String, String)>;

/// An app as kept: the app, then its unknown fields (paths below the app).
type Entry = (RawApp, Fields);

/// What a load keeps for the next: each app's item digest and its entry,
/// as JSON (the last cache's line when the app was taken from it).
#[derive(Debug, Default)]
pub struct Kept {
    lines: Vec<(u128, String)>,
    /// Whether the lines differ from the cache's: an app kept anew, or one
    /// no longer in the spec (else the cache is as it was).
    pub changed: bool,
}

impl Kept {
    /// The cache's text, one line per app in spec order.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(self.lines.iter().map(|l| l.1.len() + 34).sum());
        for (digest, json) in &self.lines {
            let _ = writeln!(out, "{digest:032x} {json}");
        }
        out
    }
}

/// Read `text`'s apps item by item (taking from `cache` what it holds) and
/// the rest with placeholders. None when the text is not cut this way or
/// anything fails: then the caller reads it whole. `limit` is the reader's
/// nesting limit for the whole text.
pub(super) fn read(
    text: &str,
    limit: usize,
    cache: &AppCache<'_>,
    keep: bool,
) -> Option<(RawSpec, Fields, Kept)> {
    let cut = cut(text)?;
    let mut reader = de::Reader::new(&cut.rest, limit);
    let (Some(Some(mut raw)), false) = reader
        .document(|r| Option::<RawSpec>::deserialize(r))
        .ok()?
    else {
        return None;
    };
    if !reader.tags.is_empty() || reader.quoted_breaks > 0 {
        return None;
    }
    let apps = raw.apps.as_mut()?;
    if apps.len() != cut.items.len() {
        return None;
    }
    let mut kept = Kept::default();
    let mut unknown: Vec<Fields> = Vec::with_capacity(apps.len());
    for (i, (item, slot)) in cut.items.iter().zip(apps.iter_mut()).enumerate() {
        let cached = cache.entries.get(&item.digest).and_then(|json| {
            let entry: Entry = serde_json::from_str(json).ok()?;
            Some((entry, *json))
        });
        let (app, fields) = match cached {
            Some(((app, fields), json)) => {
                if keep {
                    kept.lines.push((item.digest, json.to_string()));
                }
                (app, fields)
            }
            None => {
                // In the whole text the item sits one level down (in the
                // top-level map).
                let entry = read_item(item.text, limit.checked_sub(1)?)?;
                // An app that cannot be kept is read each time; it changes
                // nothing kept.
                let json = (keep && keepable(&entry.0))
                    .then(|| serde_json::to_string(&entry).ok())
                    .flatten();
                if let Some(json) = json {
                    kept.lines.push((item.digest, json));
                    kept.changed = true;
                }
                entry
            }
        };
        *slot = app;
        unknown.push(
            fields
                .into_iter()
                .map(|(path, key)| (format!("apps[{i}]{path}"), key))
                .collect(),
        );
    }
    kept.changed |= kept.lines.len() != cache.entries.len();
    // Each placeholder's marker, where the rest's reader met it: that app's
    // own unknown fields instead.
    let mut ignored = Vec::with_capacity(reader.ignored.len());
    for (path, key) in std::mem::take(&mut reader.ignored) {
        let index = (key == MARKER)
            .then(|| {
                path.strip_prefix("apps[")?
                    .strip_suffix(']')?
                    .parse::<usize>()
                    .ok()
            })
            .flatten();
        match index.and_then(|i| unknown.get_mut(i)) {
            Some(fields) => ignored.append(fields),
            None => ignored.push((path, key)),
        }
    }
    Some((raw, ignored, kept))
}

/// One item read alone, as a list of one: the app and its unknown fields
/// (paths below the app).
fn read_item(text: &str, limit: usize) -> Option<Entry> {
    let mut reader = de::Reader::new(text, limit);
    let (Some(Some(mut list)), false) = reader
        .document(|r| Option::<Vec<RawApp>>::deserialize(r))
        .ok()?
    else {
        return None;
    };
    if list.len() != 1 || !reader.tags.is_empty() || reader.quoted_breaks > 0 {
        return None;
    }
    let fields = std::mem::take(&mut reader.ignored)
        .into_iter()
        .map(|(path, key)| Some((path.strip_prefix("[0]")?.to_string(), key)))
        .collect::<Option<Vec<_>>>()?;
    Some((list.pop()?, fields))
}

/// Whether an app reads back from JSON as it is: JSON has no map keys but
/// strings and no infinite or missing numbers, which a routing value of
/// YAML may hold.
fn keepable(app: &RawApp) -> bool {
    fn plain(v: &serde_yaml::Value) -> bool {
        use serde_yaml::Value;
        match v {
            Value::Null | Value::Bool(_) | Value::String(_) => true,
            Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
            Value::Sequence(s) => s.iter().all(plain),
            Value::Mapping(m) => m.iter().all(|(k, v)| k.is_string() && plain(v)),
            Value::Tagged(_) => false,
        }
    }
    app.routing.as_ref().is_none_or(plain)
}

/// `text` cut at the `apps` list's items, or None when it is not a block
/// list under a top-level `apps:` key, or holds what could tie one item to
/// another or to the rest (anchors, aliases, tags, directives, documents).
fn cut(text: &str) -> Option<Cut<'_>> {
    if text.contains(['&', '*', '!']) || super::lines::odd_breaks(text) > 0 {
        return None;
    }
    // Where each item starts, and where the list ends.
    let mut starts: Vec<usize> = Vec::new();
    let mut end = text.len();
    let mut indent = None;
    let mut within = false;
    let mut seen_key = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None;
        }
        if !within {
            if is_apps_key(body) {
                if seen_key {
                    return None;
                }
                (seen_key, within) = (true, true);
            }
            continue;
        }
        let content = body.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let width = body.len() - content.len();
        let dash = content == "-" || content.starts_with("- ");
        let ind = match indent {
            Some(i) => i,
            // Not a block list.
            None if !dash => return None,
            None => *indent.insert(width),
        };
        if width == ind && dash {
            starts.push(start);
        } else if width <= ind {
            within = false;
            end = start;
        }
    }
    let ind = indent?;
    // An item runs to the next one's start (blank and comment lines after
    // it are its own).
    let items = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&end]))
        .map(|(s, e)| (*s, *e));
    let mut rest = String::with_capacity(text.len() / 4);
    let mut from = 0;
    let mut out = Vec::with_capacity(starts.len());
    for (start, end) in items {
        let item = &text[start..end];
        rest.push_str(&text[from..start]);
        rest.extend(std::iter::repeat_n(' ', ind));
        let _ = write!(rest, "- {{{MARKER}: 0}}");
        // As many line breaks as the item had (none after the text's last
        // line when it has none).
        rest.extend(std::iter::repeat_n('\n', item.matches('\n').count()));
        from = end;
        out.push(Item {
            text: item,
            digest: xxhash_rust::xxh3::xxh3_128(item.as_bytes()),
        });
    }
    rest.push_str(&text[from..]);
    Some(Cut { items: out, rest })
}

/// `apps:` at the start of a line, nothing after it but a comment.
fn is_apps_key(line: &str) -> bool {
    line.strip_prefix("apps:").is_some_and(|after| {
        let after = after.trim_start_matches(' ');
        after.is_empty() || after.starts_with('#')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{MAX_NESTING, load_whole};

    /// Read app by app (None: read whole), and what the whole reading gives.
    fn both(text: &str, cache: &AppCache<'_>) -> (Option<String>, Option<String>) {
        let chunked = read(text, MAX_NESTING, cache, false)
            .map(|(raw, ignored, _)| format!("{raw:?} {:?}", unknown_fields(ignored)));
        let whole = load_whole(text, "gen.yaml")
            .ok()
            .map(|l| format!("{:?} {:?}", l.raw, l.problems));
        (chunked, whole)
    }

    fn unknown_fields(ignored: Vec<(String, String)>) -> Vec<crate::diag::Diagnostic> {
        crate::spec::unknown_fields(ignored)
    }

    /// Every spec the tests hold (examples, goldens, bad specs) reads the
    /// same app by app as whole, or is read whole.
    #[test]
    fn every_spec_reads_as_it_reads_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut texts = vec![root.join("gitops-repo/gen.yaml")];
        for dir in ["tests/golden", "tests/bad-specs", "gitops-repo/variants"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    texts.push(p);
                } else if p.join("gen.yaml").exists() {
                    texts.push(p.join("gen.yaml"));
                }
            }
        }
        let mut chunked = 0;
        for p in &texts {
            let text = std::fs::read_to_string(p).unwrap();
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            match both(text, &AppCache::default()) {
                (Some(c), Some(w)) => {
                    assert_eq!(c, w, "{}", p.display());
                    chunked += 1;
                }
                // Refused or not cut: read whole (an error is the whole
                // reading's own).
                (None, _) => {}
                (Some(c), None) => panic!("{} reads app by app but not whole: {c}", p.display()),
            }
        }
        assert!(
            chunked > 80,
            "only {chunked} of {} specs read app by app",
            texts.len()
        );
    }

    const SPEC: &str = "version: 1
name: demo
apps:
  - name: a   # a comment
    host: a.example.com
    colour: red
# between items, at the left
  - name: b
    host: b.example.com

    health: {path: /b, shade: dark}
    routing: {weighted: {eu-west-1: 100}}
  -
    name: c
    port: eighty
regions:
  - name: eu-west-1
extra: 1
";

    #[test]
    fn unknown_fields_keep_their_places_and_lines_their_numbers() {
        let (c, w) = both(SPEC, &AppCache::default());
        assert_eq!(c, w);
        let c = c.unwrap();
        assert!(
            c.contains("apps[0].colour") && c.contains("apps[1].health.shade"),
            "{c}"
        );
        let cut = cut(SPEC).unwrap();
        assert_eq!(cut.items.len(), 3);
        assert_eq!(cut.rest.lines().count(), SPEC.lines().count());
        assert_eq!(
            cut.rest.lines().position(|l| l == "regions:"),
            SPEC.lines().position(|l| l == "regions:")
        );
        // At the left margin, with Windows line ends, with no last line end.
        for text in [
            SPEC.replace("\n  ", "\n"),
            SPEC.replace('\n', "\r\n"),
            SPEC.trim_end().replace("extra: 1", "apps2: 1"),
        ] {
            let (c, w) = both(&text, &AppCache::default());
            assert!(c.is_some(), "{text}");
            assert_eq!(c, w, "{text}");
        }
    }

    #[test]
    fn what_could_tie_items_together_is_read_whole() {
        for text in [
            SPEC.replace("name: a ", "name: &x a "),
            SPEC.replace("name: c", "name: *x"),
            SPEC.replace("extra: 1", "extra: !Ref 1"),
            SPEC.replace("version: 1", "%YAML 1.2\n---\nversion: 1"),
            format!("{SPEC}---\nx: 1\n"),
            SPEC.replace("apps:", "apps: # the apps\n  other: 1\n  x:"),
            SPEC.replace("apps:", "apps: []\nold:"),
            format!("{SPEC}apps:\n  - name: d\n"),
            SPEC.replace("name: b", "name: \"b\u{2028}\""),
            // The parser refuses it: the whole reading says why.
            SPEC.replace("  - name: b", "  - name: b\n   bad: [\n"),
        ] {
            assert!(
                read(&text, MAX_NESTING, &AppCache::default(), false).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn an_unchanged_app_is_taken_as_kept_and_a_changed_one_read_again() {
        let (_, _, kept) = read(SPEC, MAX_NESTING, &AppCache::default(), true).unwrap();
        // The wrong port is not kept: its app is read each time.
        assert_eq!(kept.lines.len(), 2);
        assert!(kept.changed);
        let text = kept.text();
        let cache = AppCache::parse(&text);
        let (raw, _, again) = read(SPEC, MAX_NESTING, &cache, true).unwrap();
        assert!(!again.changed, "{again:?}");
        assert_eq!(again.text(), text);
        assert_eq!(
            format!("{raw:?}"),
            format!("{:?}", load_whole(SPEC, "gen.yaml").unwrap().raw)
        );
        // The cache is what is read: a doctored entry comes back as kept.
        let doctored = text.replace("a.example.com", "z.example.com");
        let (raw, _, _) = read(SPEC, MAX_NESTING, &AppCache::parse(&doctored), false).unwrap();
        assert_eq!(raw.apps.unwrap()[0].host.as_deref(), Some("z.example.com"));
        // A changed app is read again and kept anew; the others as they were.
        let changed = SPEC.replace("b.example.com", "bb.example.com");
        let (raw, _, kept) = read(&changed, MAX_NESTING, &cache, true).unwrap();
        assert_eq!(raw.apps.unwrap()[1].host.as_deref(), Some("bb.example.com"));
        assert!(kept.changed);
        assert_eq!(kept.lines[0], again.lines[0]);
        assert_ne!(kept.lines[1], again.lines[1]);
    }

    #[test]
    fn a_cache_line_that_does_not_read_is_a_miss() {
        let (_, _, kept) = read(SPEC, MAX_NESTING, &AppCache::default(), true).unwrap();
        let broken: String = kept
            .text()
            .lines()
            .map(|l| format!("{}\n", &l[..l.len() - 5]))
            .chain(["not a line\n".to_string(), "zz {}\n".to_string()])
            .collect();
        let (c, w) = both(SPEC, &AppCache::parse(&broken));
        assert_eq!(c, w);
    }

    #[test]
    fn routing_json_cannot_hold_is_not_kept() {
        for routing in ["{weighted: {1: 100}}", "{weighted: {eu-west-1: .inf}}"] {
            let text = SPEC.replace("{weighted: {eu-west-1: 100}}", routing);
            let (_, _, kept) = read(&text, MAX_NESTING, &AppCache::default(), true).unwrap();
            assert_eq!(kept.lines.len(), 1, "{routing}");
        }
    }
}
