//! The spec's text straight into its raw types: yaml-rust2's events, one at
//! a time, through serde, in one pass. Nothing of the document is kept
//! beyond the value being built (a tree of the whole spec cost over 30
//! times its bytes), except what an anchor names, for its aliases.
//!
//! Scalars read as serde_yaml 0.9 reads them (YAML 1.2's core schema):
//! a string field takes a plain scalar's text as it is (`port: 80` into a
//! string is "80"), and a value of any type resolves a plain scalar to
//! null, a boolean, an integer, a float or else a string. On the way it
//! refuses what a spec must not hold: a key twice in one mapping (also in
//! free-form maps, where serde would keep the last), nesting deeper than
//! `limit`, and aliases that expand without end; and it notes every YAML
//! tag (serde drops them silently) with its path and line.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::str::Chars;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// Values aliases may replay in one document: far beyond any spec, far
/// below what a "billion laughs" of nested aliases would expand to.
const MAX_REPLAYED: usize = 1_000_000;

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A value that does not fit its field (serde's message).
    Data,
    /// Text the YAML parser refuses.
    Syntax,
    /// Nesting deeper than the reader's limit.
    Deep,
}

#[derive(Debug)]
pub(super) struct Error {
    pub kind: Kind,
    pub message: String,
    /// The value's path (`apps[1].port`); empty at the top.
    pub path: Option<String>,
    pub line: Option<usize>,
}

impl Error {
    fn new(kind: Kind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            path: None,
            line: None,
        }
    }

    fn scan(e: &ScanError) -> Error {
        let mut err = Error::new(Kind::Syntax, e.info());
        err.line = Some(e.marker().line());
        err
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(Kind::Data, msg.to_string())
    }
}

type Result<T> = std::result::Result<T, Error>;

type Events = Vec<(Event, Marker)>;

/// A pull reader of one YAML stream.
pub(super) struct Reader<'a> {
    parser: Parser<Chars<'a>>,
    text: &'a str,
    /// Whether the text holds U+0085, U+2028 or U+2029 at all, and where
    /// the last quoted scalar's count of them ended: (char, byte) offsets.
    odd: bool,
    cursor: (usize, usize),
    /// The next event, read ahead by `peek`, its aliases already expanded.
    peeked: Option<(Event, Marker, bool)>,
    /// An alias's events, to be read before the parser's next.
    replay: std::collections::VecDeque<(Event, Marker)>,
    replayed: usize,
    /// What each anchor names, as events.
    anchors: HashMap<usize, Events>,
    /// Anchored collections being recorded: anchor, events, open levels.
    recording: Vec<(usize, Events, usize)>,
    /// The current value's path, kept as the reading goes (the walk of
    /// `lines::Walker`, one string for the whole document).
    path: String,
    depth: usize,
    limit: usize,
    /// The deepest nesting of maps and lists read.
    pub max_depth: usize,
    /// Tagged values: (path, tag, line).
    pub tags: Vec<(String, String, usize)>,
    /// Keys a struct had no field for (serde skips them as `IgnoredAny`):
    /// (the map's path, the key).
    pub ignored: Vec<(String, String)>,
    /// Where the current map's path ends, where its current key starts,
    /// and where it ends.
    key_at: (usize, usize, usize),
    /// U+0085, U+2028 and U+2029 inside quoted scalars.
    pub quoted_breaks: usize,
    /// The line of the last event read.
    line: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `text` that refuses nesting deeper than `limit`.
    pub(super) fn new(text: &'a str, limit: usize) -> Reader<'a> {
        Reader {
            parser: Parser::new_from_str(text),
            text,
            odd: super::lines::odd_breaks(text) > 0,
            cursor: (0, 0),
            peeked: None,
            replay: Default::default(),
            replayed: 0,
            anchors: HashMap::new(),
            recording: Vec::new(),
            path: String::new(),
            depth: 0,
            limit,
            max_depth: 0,
            tags: Vec::new(),
            ignored: Vec::new(),
            key_at: (0, 0, 0),
            quoted_breaks: 0,
            line: 1,
        }
    }

    /// Read the first document with `read` (None when the stream holds
    /// none), and say whether another document follows.
    pub(super) fn document<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<(Option<T>, bool)> {
        while matches!(self.peek()?, Event::StreamStart) {
            self.next()?;
        }
        if matches!(self.peek()?, Event::StreamEnd) {
            return Ok((None, false));
        }
        if matches!(self.peek()?, Event::DocumentStart) {
            self.next()?;
        }
        let value = read(self).map_err(|e| self.fix(e))?;
        if matches!(self.peek()?, Event::DocumentEnd) {
            self.next()?;
        }
        // Text the parser refuses after the document is refused as such.
        let more = !matches!(self.peek()?, Event::StreamEnd);
        Ok((Some(value), more))
    }

    /// After a `Deep` error: read the rest of the stream for its deepest
    /// nesting (the parser's own limit, 255 flow levels, ends it early).
    pub(super) fn drain(&mut self) -> std::result::Result<usize, ()> {
        let mut depth = self.depth;
        loop {
            match self.next() {
                Ok((Event::StreamEnd, _)) => return Ok(self.max_depth),
                Ok((Event::MappingStart(..) | Event::SequenceStart(..), _)) => {
                    depth += 1;
                    self.max_depth = self.max_depth.max(depth);
                }
                Ok((Event::MappingEnd | Event::SequenceEnd, _)) => depth = depth.saturating_sub(1),
                Ok(_) => {}
                Err(_) => return Err(()),
            }
        }
    }

    /// The next event, aliases expanded, with whether it came from one.
    fn pull(&mut self) -> Result<(Event, Marker, bool)> {
        loop {
            let (event, mark, replayed) = match self.replay.pop_front() {
                Some((e, m)) => (e, m, true),
                None => {
                    let (mut e, m) = self.parser.next_token().map_err(|e| Error::scan(&e))?;
                    if let Event::Scalar(v, TScalarStyle::SingleQuoted, ..) = &mut e
                        && v.contains(['\u{2028}', '\u{2029}'])
                    {
                        *v = separators_as_breaks(v);
                    }
                    (e, m, false)
                }
            };
            let Event::Alias(id) = event else {
                return Ok((event, mark, replayed));
            };
            let Some(events) = self.anchors.get(&id) else {
                let mut e = Error::new(
                    Kind::Syntax,
                    "an alias names an anchor not defined before it",
                );
                e.line = Some(mark.line());
                return Err(e);
            };
            self.replayed += events.len();
            if self.replayed > MAX_REPLAYED {
                let mut e = Error::new(
                    Kind::Data,
                    format!("aliases expand to more than {MAX_REPLAYED} values"),
                );
                e.line = Some(mark.line());
                return Err(e);
            }
            for e in events.iter().rev() {
                self.replay.push_front(e.clone());
            }
        }
    }

    fn peek(&mut self) -> Result<&Event> {
        if self.peeked.is_none() {
            self.peeked = Some(self.pull()?);
        }
        match &self.peeked {
            Some((event, ..)) => Ok(event),
            None => Err(Error::new(Kind::Syntax, "unexpected end of the text")),
        }
    }

    fn next(&mut self) -> Result<(Event, Marker)> {
        let (event, mark, replayed) = match self.peeked.take() {
            Some(p) => p,
            None => self.pull()?,
        };
        self.note(&event, mark, replayed);
        Ok((event, mark))
    }

    /// What an event read tells beside its value: its line, the anchors
    /// it records into or starts, its tag, odd line breaks in quotes.
    fn note(&mut self, event: &Event, mark: Marker, replayed: bool) {
        self.line = mark.line();
        if !self.recording.is_empty() {
            let (opens, closes) = match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => (true, false),
                Event::MappingEnd | Event::SequenceEnd => (false, true),
                _ => (false, false),
            };
            for (_, events, open) in &mut self.recording {
                events.push((event.clone(), mark));
                *open += usize::from(opens);
                *open -= usize::from(closes);
            }
            while let Some((_, _, 0)) = self.recording.last() {
                if let Some((id, events, _)) = self.recording.pop() {
                    self.anchors.insert(id, events);
                }
            }
        }
        let (anchor, tag) = match event {
            Event::Scalar(_, style, anchor, tag) => {
                if !replayed
                    && self.odd
                    && matches!(
                        style,
                        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                    )
                {
                    self.quoted_breaks +=
                        self.raw_odd_breaks(mark, *style == TScalarStyle::DoubleQuoted);
                }
                if *anchor > 0 {
                    self.anchors.insert(*anchor, vec![(event.clone(), mark)]);
                }
                (0, tag)
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag) => (*anchor, tag),
            _ => (0, &None),
        };
        if anchor > 0 {
            self.recording
                .push((anchor, vec![(event.clone(), mark)], 1));
        }
        if let Some(tag) = tag
            && !replayed
        {
            self.tags.push((
                self.path.clone(),
                format!("{}{}", tag.handle, tag.suffix),
                mark.line(),
            ));
        }
    }

    /// How many odd line breaks the quoted scalar starting at `mark` holds
    /// as written (an escape such as `\L` is not one).
    fn raw_odd_breaks(&mut self, mark: Marker, double: bool) -> usize {
        // Markers count characters; events come in text order, so one
        // cursor walks the text once.
        let (mut at_char, mut at_byte) = self.cursor;
        if mark.index() < at_char {
            (at_char, at_byte) = (0, 0);
        }
        let rest = &self.text[at_byte..];
        let start = at_byte
            + rest
                .char_indices()
                .nth(mark.index() - at_char)
                .map_or(rest.len(), |(b, _)| b);
        let body = self.text[start..].strip_prefix(['"', '\'']).unwrap_or("");
        let mut count = 0;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if double => {
                    chars.next();
                }
                '"' if double => break,
                // `''` is a quote inside single quotes.
                '\'' if !double => {
                    if !body[i + 1..].starts_with('\'') {
                        break;
                    }
                    chars.next();
                }
                c if super::lines::is_odd_break(c) => count += 1,
                _ => {}
            }
        }
        self.cursor = (mark.index(), start);
        count
    }

    /// Give an error the path and line of where it happened, once.
    fn fix(&self, mut e: Error) -> Error {
        if e.kind == Kind::Data && e.path.is_none() {
            e.path = Some(self.path.clone());
        }
        if e.line.is_none() {
            e.line = Some(self.line);
        }
        e
    }

    /// One level deeper, refused past the limit.
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth > self.limit {
            return Err(Error::new(Kind::Deep, "nested too deep"));
        }
        Ok(())
    }

    /// Skip one value, whatever it holds.
    fn skip(&mut self) -> Result<()> {
        let mut open = 0usize;
        loop {
            match self.next()?.0 {
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    self.enter()?;
                    open += 1;
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.depth -= 1;
                    open -= 1;
                }
                _ => {}
            }
            if open == 0 {
                return Ok(());
            }
        }
    }

    fn map<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let base = self.path.len();
        // An error of the map itself (not of a value in it) is the map's.
        let value = visitor
            .visit_map(Map {
                de: &mut *self,
                base,
                seen: Vec::new(),
                many: HashSet::new(),
            })
            .map_err(|e| {
                self.path.truncate(base);
                self.fix(e)
            })?;
        self.close(base, |e| matches!(e, Event::MappingEnd))?;
        Ok(value)
    }

    fn seq<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let base = self.path.len();
        let value = visitor
            .visit_seq(Seq {
                de: &mut *self,
                base,
                index: 0,
            })
            .map_err(|e| {
                self.path.truncate(base);
                self.fix(e)
            })?;
        self.close(base, |e| matches!(e, Event::SequenceEnd))?;
        Ok(value)
    }

    /// Leave a map or list whose path starts at `base`, at the event that
    /// `ends` it; a visitor that stopped early leaves the rest unread.
    fn close(&mut self, base: usize, ends: fn(&Event) -> bool) -> Result<()> {
        while !ends(self.peek()?) {
            self.skip()?;
        }
        self.next()?;
        self.path.truncate(base);
        self.depth -= 1;
        Ok(())
    }
}

/// A single-quoted scalar read as libyaml reads it: YAML 1.1's line and
/// paragraph separators are line breaks there, so the blanks around one
/// are the line's end and the next line's indentation, not the value's.
/// libyaml's emitters (PyYAML, serde_yaml) write such strings that way;
/// YAML 1.2 (yaml-rust2) keeps the blanks. Double quotes are left alone:
/// there the emitters escape them (`\L`, `\P`).
fn separators_as_breaks(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '\u{2028}' | '\u{2029}') {
            while out.ends_with([' ', '\t']) {
                out.pop();
            }
            while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
        }
        out.push(c);
    }
    out
}

/// An empty plain scalar (`key:` with nothing after it) or a YAML null.
fn is_null(value: &str, style: TScalarStyle) -> bool {
    style == TScalarStyle::Plain && matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

fn invalid(event: &Event, exp: &dyn de::Expected) -> Error {
    let unexpected = match event {
        Event::MappingStart(..) => de::Unexpected::Map,
        Event::SequenceStart(..) => de::Unexpected::Seq,
        Event::Scalar(v, ..) => de::Unexpected::Str(v),
        _ => de::Unexpected::Other("the end of a collection"),
    };
    de::Error::invalid_type(unexpected, exp)
}

/// A plain scalar resolved as YAML 1.2's core schema reads it, as
/// serde_yaml 0.9 does.
fn visit_plain<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<V::Value> {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return visitor.visit_unit(),
        "true" | "True" | "TRUE" => return visitor.visit_bool(true),
        "false" | "False" | "FALSE" => return visitor.visit_bool(false),
        _ => {}
    }
    if let Some(n) = int(v) {
        return match u64::try_from(n) {
            Ok(u) => visitor.visit_u64(u),
            Err(_) => match i64::try_from(n) {
                Ok(i) => visitor.visit_i64(i),
                Err(_) if n > 0 => visitor.visit_u128(n as u128),
                Err(_) => visitor.visit_i128(n),
            },
        };
    }
    if let Some(f) = float(v) {
        return visitor.visit_f64(f);
    }
    visitor.visit_str(v)
}

/// Leading zeros before digits make a string in YAML 1.2 (`0123`).
fn leading_zero(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer: decimal, or `0x`, `0o`, `0b` with an optional sign.
fn int(v: &str) -> Option<i128> {
    if leading_zero(v) {
        return None;
    }
    let (negative, rest) = match v.as_bytes().first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    if rest.starts_with(['+', '-']) || rest.is_empty() {
        return None;
    }
    let (radix, digits) = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(p, r)| rest.strip_prefix(p).map(|d| (r, d)))
        .unwrap_or((10, rest));
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let n = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        0i128.checked_sub_unsigned(n)
    } else {
        i128::try_from(n).ok()
    }
}

fn float(v: &str) -> Option<f64> {
    let unsigned = match v.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => v,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Rust reads words (`inf`, `NaN`, `infinity`) YAML keeps as strings.
    if !unsigned.bytes().any(|b| b.is_ascii_digit()) || leading_zero(v) {
        return None;
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

impl<'de> de::Deserializer<'de> for &mut Reader<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (event, _) = self.next()?;
        let result = match event {
            Event::Scalar(v, TScalarStyle::Plain, ..) => visit_plain(visitor, &v),
            Event::Scalar(v, ..) => visitor.visit_string(v),
            Event::MappingStart(..) => self.map(visitor),
            Event::SequenceStart(..) => self.seq(visitor),
            other => Err(invalid(&other, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let none = matches!(self.peek()?, Event::Scalar(v, style, ..) if is_null(v, *style));
        if none {
            self.next()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Any scalar's text as it stands: `port: 80` into a string is "80".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (event, _) = self.next()?;
        let result = match event {
            Event::Scalar(v, ..) => visitor.visit_string(v),
            other => Err(invalid(&other, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    /// A collection, or nothing at all (`key:`) as an empty one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (event, _) = self.next()?;
        let result = match event {
            Event::MappingStart(..) => self.map(visitor),
            Event::Scalar(v, TScalarStyle::Plain, ..) if v.is_empty() => visitor.visit_map(
                de::value::MapDeserializer::new(std::iter::empty::<(String, String)>()),
            ),
            other => Err(invalid(&other, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (event, _) = self.next()?;
        let result = match event {
            Event::SequenceStart(..) => self.seq(visitor),
            Event::Scalar(v, TScalarStyle::Plain, ..) if v.is_empty() => {
                visitor.visit_seq(de::value::SeqDeserializer::new(std::iter::empty::<String>()))
            }
            other => Err(invalid(&other, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant by its name; the spec has no other enums.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (event, _) = self.next()?;
        let result = match event {
            Event::Scalar(v, ..) => visitor.visit_enum(v.into_deserializer()),
            other => Err(invalid(&other, &visitor)),
        };
        result.map_err(|e| self.fix(e))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Serde's derive skips the value of a key its struct has no field
        // for this way, right after reading the key.
        let (map, key, end) = self.key_at;
        let (parent, field) = if end == self.path.len() {
            (&self.path[..map], &self.path[key..])
        } else {
            // Not a key's value: its own last step is the field.
            let at = self.path.rfind(['.', '[']).unwrap_or(0);
            let field = self.path[at..]
                .strip_prefix('.')
                .unwrap_or(&self.path[at..]);
            (&self.path[..at], field)
        };
        self.ignored.push((parent.to_string(), field.to_string()));
        self.skip()?;
        visitor.visit_unit()
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char unit unit_struct
    }
}

/// The entries of one mapping. Every key is checked against the ones
/// before it: a list while short, a set beyond.
struct Map<'r, 'a> {
    de: &'r mut Reader<'a>,
    /// Where this mapping's path ends.
    base: usize,
    seen: Vec<String>,
    many: HashSet<String>,
}

impl Map<'_, '_> {
    /// Whether `key` came before in this mapping; remembers it.
    fn repeated(&mut self, key: &str) -> bool {
        if self.seen.len() < 16 {
            if self.seen.iter().any(|k| k == key) {
                return true;
            }
            self.seen.push(key.to_string());
            return false;
        }
        if self.many.is_empty() {
            self.many.extend(self.seen.drain(..));
        }
        !self.many.insert(key.to_string())
    }
}

impl<'de> de::MapAccess<'de> for Map<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let key = match self.de.peek()? {
            Event::MappingEnd => return Ok(None),
            Event::Scalar(v, ..) => Some(v.clone()),
            _ => None,
        };
        self.de.path.truncate(self.base);
        if let Some(key) = key {
            if self.repeated(&key) {
                let line = self.de.peeked.as_ref().map(|(_, m, _)| m.line());
                let mut e = Error::new(Kind::Data, format!("duplicate entry with key {key:?}"));
                e.path = Some(self.de.path.clone());
                e.line = line;
                return Err(e);
            }
            if self.base > 0 {
                self.de.path.push('.');
            }
            let start = self.de.path.len();
            self.de.path.push_str(&key);
            self.de.key_at = (self.base, start, self.de.path.len());
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

/// The items of one sequence.
struct Seq<'r, 'a> {
    de: &'r mut Reader<'a>,
    base: usize,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if matches!(self.de.peek()?, Event::SequenceEnd) {
            return Ok(None);
        }
        self.de.path.truncate(self.base);
        let _ = write!(self.de.path, "[{}]", self.index);
        self.index += 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<Option<T>> {
        let mut r = Reader::new(text, 32);
        r.document(|r| T::deserialize(r)).map(|(v, _)| v)
    }

    #[test]
    fn plain_scalars_resolve_as_yaml_1_2_core() {
        let v: serde_yaml::Value = read("[~, null, '', true, False, 12, -3, 0x1f, 0o17, 0b11, 012, 1.5, .inf, inf, 1e3, '7', abc, +-1]")
            .unwrap()
            .unwrap();
        let want: serde_yaml::Value = serde_yaml::from_str(
            "[~, null, '', true, False, 12, -3, 0x1f, 0o17, 0b11, 012, 1.5, .inf, inf, 1e3, '7', abc, +-1]",
        )
        .unwrap();
        assert_eq!(v, want);
    }

    #[test]
    fn a_string_field_takes_the_text_and_an_empty_value_is_empty() {
        let m: BTreeMap<String, String> = read("a: 80\nb:\nc: '~'\nd: 1.0\n").unwrap().unwrap();
        assert_eq!(m["a"], "80");
        assert_eq!(m["b"], "");
        assert_eq!(m["c"], "~");
        assert_eq!(m["d"], "1.0");
    }

    #[test]
    fn a_separator_in_single_quotes_reads_as_libyaml_wrote_it() {
        let value = "'a\u{2028}null \u{2029} b";
        let text = serde_yaml::to_string(&BTreeMap::from([("k", value)])).unwrap();
        let m: BTreeMap<String, String> = read(&text).unwrap().unwrap();
        assert_eq!(m["k"], value);
        assert_eq!(
            m["k"],
            serde_yaml::from_str::<BTreeMap<String, String>>(&text).unwrap()["k"]
        );
    }

    #[test]
    fn a_key_twice_is_refused_with_its_map_and_line() {
        let e = read::<serde_yaml::Value>("a:\n  env: {X: 1,\n    X: 2}\n").unwrap_err();
        assert_eq!(e.message, "duplicate entry with key \"X\"");
        assert_eq!(e.path.as_deref(), Some("a.env"));
        assert_eq!(e.line, Some(3));
        // Many keys: the set takes over from the list, and still refuses.
        let mut text: String = (0..40).map(|i| format!("k{i}: 1\n")).collect();
        text.push_str("k7: 2\n");
        let e = read::<serde_yaml::Value>(&text).unwrap_err();
        assert_eq!(e.message, "duplicate entry with key \"k7\"");
    }

    #[test]
    fn a_wrong_type_names_its_path_and_line() {
        #[derive(serde::Deserialize, Debug)]
        struct App {
            #[allow(dead_code)]
            port: Option<u16>,
        }
        let e = read::<BTreeMap<String, Vec<App>>>("apps:\n  - port: 1\n  - port: eighty\n")
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("apps[1].port"));
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.starts_with("invalid type: string \"eighty\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn aliases_replay_their_anchor_and_cannot_expand_without_end() {
        let v: serde_yaml::Value = read("a: &x {b: [1, 2]}\nc: *x\n").unwrap().unwrap();
        assert_eq!(v["c"]["b"][1], serde_yaml::Value::from(2));
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            laughs.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = read::<serde_yaml::Value>(&laughs).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{}", e.message);
    }

    #[test]
    fn nesting_past_the_limit_stops_and_tags_are_noted() {
        let mut r = Reader::new("a: [[[[1]]]]\n", 3);
        let e = r
            .document(|r| serde_yaml::Value::deserialize(r))
            .unwrap_err();
        assert_eq!(e.kind, Kind::Deep);
        assert_eq!(r.drain(), Ok(5));
        let mut r = Reader::new("a:\n  b: !Ref x\n", 32);
        let _ = r.document(|r| serde_yaml::Value::deserialize(r)).unwrap();
        assert_eq!(r.tags, vec![("a.b".to_string(), "!Ref".to_string(), 2)]);
    }

    #[test]
    fn a_second_document_is_seen() {
        let mut r = Reader::new("a: 1\n---\nb: 2\n", 32);
        let (_, more) = r.document(|r| serde_yaml::Value::deserialize(r)).unwrap();
        assert!(more);
        let mut r = Reader::new("", 32);
        let (v, more) = r.document(|r| serde_yaml::Value::deserialize(r)).unwrap();
        assert!(v.is_none() && !more);
    }
}
