//! Field path → line number, so diagnostics can point into `gen.yaml`.
//!
//! serde keeps no positions, so when diagnostics need lines the text is
//! walked once more with a YAML event parser, and the keys and items on
//! their paths (`apps[0].health.path` and its parents) are recorded. A spec
//! that holds costs no walk at all.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::Diagnostic;

/// Deeper than any spec field; beyond it paths are not recorded.
const MAX_DEPTH: usize = 16;

/// Where the spec's fields are, read from its text when asked.
#[derive(Debug, Clone, Copy)]
pub struct LineMap<'a> {
    text: &'a str,
}

/// Characters libyaml reads as line breaks and yaml-rust2 (and most
/// editors) as ordinary characters.
pub(super) fn is_odd_break(c: char) -> bool {
    ODD_BREAKS.contains(&c)
}

const ODD_BREAKS: [char; 3] = ['\u{85}', '\u{2028}', '\u{2029}'];

/// How many odd line breaks `text` holds: one byte search per character
/// (a spec's every character compared with three costs more).
pub(super) fn odd_breaks(text: &str) -> usize {
    ODD_BREAKS.iter().map(|c| text.matches(*c).count()).sum()
}

impl<'a> LineMap<'a> {
    pub fn new(text: &'a str) -> LineMap<'a> {
        LineMap { text }
    }

    /// Give each diagnostic without a line the line of its field, or of
    /// its nearest parent that has one (a missing field is reported at the
    /// object that lacks it).
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        let mut wanted = HashSet::new();
        for d in diagnostics.iter().filter(|d| d.line.is_none()) {
            let mut p = d.path.as_str();
            while !p.is_empty() && wanted.insert(p.to_string()) {
                p = p.rfind(['.', '[']).map_or("", |cut| &p[..cut]);
            }
        }
        if wanted.is_empty() {
            return;
        }
        let lines = walk(self.text, &wanted);
        for d in diagnostics.iter_mut().filter(|d| d.line.is_none()) {
            d.line = line_of(&lines, &d.path);
        }
    }

    /// The line of `path`, or of its nearest parent that has one.
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut d = [Diagnostic::new(path, "")];
        self.locate(&mut d);
        d[0].line
    }
}

fn line_of(lines: &HashMap<String, usize>, path: &str) -> Option<usize> {
    let mut p = path;
    loop {
        if let Some(l) = lines.get(p) {
            return Some(*l);
        }
        let cut = p.rfind(['.', '['])?;
        p = &p[..cut];
        if p.is_empty() {
            return None;
        }
    }
}

/// The line of each of `wanted`'s paths in `text`, read up to the last of
/// them (a warning about `regions` reads a few lines, not the whole spec).
/// A text the parser rejects part way gives the lines before that point.
fn walk(text: &str, wanted: &HashSet<String>) -> HashMap<String, usize> {
    let mut walker = Walker {
        stack: Vec::new(),
        path: String::new(),
        wanted,
        lines: HashMap::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while walker.lines.len() < wanted.len() {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) | Err(_) => break,
            Ok((event, mark)) => walker.on_event(event, mark),
        }
    }
    walker.lines
}

/// An open map or list; `base` is the length of the path where it starts.
enum Frame {
    Map { awaiting_key: bool, base: usize },
    Seq { index: usize, base: usize },
}

struct Walker<'w> {
    stack: Vec<Frame>,
    /// The path of the current value (`apps[0].health`), kept as the walk
    /// goes: each frame's part follows its `base`.
    path: String,
    wanted: &'w HashSet<String>,
    lines: HashMap<String, usize>,
}

impl Walker<'_> {
    /// The current map's key is now `key`.
    fn set_key(&mut self, base: usize, key: &str) {
        self.path.truncate(base);
        if base > 0 {
            self.path.push('.');
        }
        self.path.push_str(key);
    }

    /// The current list's item is now number `index`.
    fn set_index(&mut self, base: usize, index: usize) {
        use std::fmt::Write as _;
        self.path.truncate(base);
        let _ = write!(self.path, "[{index}]");
    }

    fn record(&mut self, mark: Marker) {
        // No spec field is this deep; skipping keeps absurd nesting linear
        // (serde rejects it anyway).
        if self.stack.len() > MAX_DEPTH {
            return;
        }
        if self.wanted.contains(&self.path) && !self.lines.contains_key(&self.path) {
            self.lines.insert(self.path.clone(), mark.line());
        }
    }

    /// A value finished: the enclosing map wants a key next, a list moves on.
    fn value_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { awaiting_key, .. }) => *awaiting_key = true,
            Some(Frame::Seq { index, base }) => {
                *index += 1;
                let (index, base) = (*index, *base);
                self.set_index(base, index);
            }
            None => {}
        }
    }
}

impl Walker<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { awaiting_key, base }) = self.stack.last_mut()
                    && *awaiting_key
                {
                    *awaiting_key = false;
                    let base = *base;
                    self.set_key(base, &value);
                    self.record(mark);
                    return;
                }
                self.record(mark);
                self.value_done();
            }
            Event::Alias(_) => {
                self.record(mark);
                self.value_done();
            }
            Event::MappingStart(..) => {
                self.record(mark);
                self.stack.push(Frame::Map {
                    awaiting_key: true,
                    base: self.path.len(),
                });
            }
            Event::SequenceStart(..) => {
                self.record(mark);
                let base = self.path.len();
                self.stack.push(Frame::Seq { index: 0, base });
                self.set_index(base, 0);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { base, .. } | Frame::Seq { base, .. }) = self.stack.pop() {
                    self.path.truncate(base);
                }
                self.value_done();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_point_at_their_lines() {
        let text = "version: 1\nname: demo\napps:\n  - name: a\n    health:\n      path: /x\n  - name: b\n    regions:\n      eu-west-1: {replicas: 2}\n";
        let m = LineMap::new(text);
        assert_eq!(m.line("version"), Some(1));
        assert_eq!(m.line("apps"), Some(3));
        assert_eq!(m.line("apps[0].name"), Some(4));
        assert_eq!(m.line("apps[0].health.path"), Some(6));
        assert_eq!(m.line("apps[1].name"), Some(7));
        assert_eq!(m.line("apps[1].regions.eu-west-1.replicas"), Some(9));
        // A missing field falls back to its object.
        assert_eq!(m.line("apps[1].host"), Some(7));
        assert_eq!(m.line("nothing"), None);
    }
}
