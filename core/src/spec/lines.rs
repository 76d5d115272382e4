//! Field path → line number, so diagnostics can point into `gen.yaml`.
//!
//! serde keeps no positions, so the text is walked once more with a YAML event
//! parser and every key and item is recorded under its diagnostic path
//! (`apps[0].health.path`).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diag::Diagnostic;

/// Deeper than any spec field; beyond it paths are not recorded.
pub(super) const MAX_DEPTH: usize = 16;

#[derive(Debug, Default)]
pub struct LineMap {
    lines: HashMap<String, usize>,
    /// Deepest nesting of maps and lists seen.
    pub max_depth: usize,
    /// The flow nesting overflowed the event parser's limit (255 levels).
    pub too_deep: bool,
    /// Tagged values: (path, tag, line).
    pub tags: Vec<(String, String, usize)>,
    /// Where the event parser stopped on text it rejects, and why: (line,
    /// message). Beyond it the map knows no line and no tag.
    pub error: Option<(usize, String)>,
    /// U+0085, U+2028 and U+2029 inside quoted scalars (where they are the
    /// value's characters, whatever the parser).
    pub quoted_breaks: usize,
}

/// Characters libyaml reads as line breaks and yaml-rust2 (and most
/// editors) as ordinary characters.
pub(super) fn is_odd_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

impl LineMap {
    pub fn build(text: &str) -> LineMap {
        let mut walker = Walker {
            stack: Vec::new(),
            path: String::new(),
            map: LineMap::default(),
        };
        // A text the parser rejects leaves the map partial; `load` reports
        // it when serde_yaml accepted the same text.
        if let Err(e) = Parser::new_from_str(text).load(&mut walker, false) {
            walker.map.too_deep = e.info().contains("recursion limit");
            walker.map.error = Some((e.marker().line(), e.info().to_string()));
        }
        walker.map
    }

    /// Give each diagnostic without a line the line of its field.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics.iter_mut().filter(|d| d.line.is_none()) {
            d.line = self.line(&d.path);
        }
    }

    /// The line of `path`, or of its nearest ancestor that has one (a missing
    /// field is reported at the object that lacks it).
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(l) = self.lines.get(p) {
                return Some(*l);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
            if p.is_empty() {
                return None;
            }
        }
    }
}

/// An open map or list; `base` is the length of the path where it starts.
enum Frame {
    Map { awaiting_key: bool, base: usize },
    Seq { index: usize, base: usize },
}

struct Walker {
    stack: Vec<Frame>,
    /// The path of the current value (`apps[0].health`), kept as the walk
    /// goes: each frame's part follows its `base`.
    path: String,
    map: LineMap,
}

impl Walker {
    fn path(&self) -> String {
        self.path.clone()
    }

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
        if !self.path.is_empty() && !self.map.lines.contains_key(&self.path) {
            self.map.lines.insert(self.path.clone(), mark.line());
        }
    }

    /// A YAML tag (`!Ref`, `!!str`) on the value at the current path.
    fn tagged(&mut self, tag: &Tag, mark: Marker) {
        let path = self.path();
        self.map
            .tags
            .push((path, format!("{}{}", tag.handle, tag.suffix), mark.line()));
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

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, style, _, tag) => {
                if matches!(
                    style,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                ) {
                    self.map.quoted_breaks += value.chars().filter(|c| is_odd_break(*c)).count();
                }
                if let Some(tag) = tag {
                    self.tagged(&tag, mark);
                }
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
            Event::MappingStart(_, tag) => {
                if let Some(tag) = tag {
                    self.tagged(&tag, mark);
                }
                self.record(mark);
                self.stack.push(Frame::Map {
                    awaiting_key: true,
                    base: self.path.len(),
                });
            }
            Event::SequenceStart(_, tag) => {
                if let Some(tag) = tag {
                    self.tagged(&tag, mark);
                }
                self.record(mark);
                let base = self.path.len();
                self.stack.push(Frame::Seq { index: 0, base });
                self.set_index(base, 0);
                self.map.max_depth = self.map.max_depth.max(self.stack.len());
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
        let m = LineMap::build(text);
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
