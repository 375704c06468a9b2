//! A small streaming JSON reader: it walks the document byte by byte and hands each
//! scalar to a callback with its key path ("records[].phone"), never holding more than
//! one (capped) scalar and the current path. serde_json has no pull parser, and
//! deserialising a `Value` would hold the whole document.

use std::io::BufRead;

use crate::ScreenError;

/// Nesting deeper than this is refused (recursion is bounded so bad input cannot
/// overflow the stack).
const MAX_DEPTH: usize = 128;
/// Keys longer than this are cut in the path.
const MAX_KEY: usize = 128;

pub(crate) struct JsonWalker<R> {
    r: R,
    offset: u64,
    max_value: usize,
    /// Set when a scalar was longer than `max_value` and only its start was scanned.
    pub cut: bool,
}

/// What the callback returns: go on or stop (a cap was reached).
pub(crate) enum Flow {
    Go,
    Stop,
}

impl<R: BufRead> JsonWalker<R> {
    pub fn new(r: R, max_value: usize) -> Self {
        Self {
            r,
            offset: 0,
            max_value,
            cut: false,
        }
    }

    fn err(&self, reason: &str) -> ScreenError {
        ScreenError::Json {
            offset: self.offset,
            reason: reason.to_string(),
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScreenError> {
        let buf = self.r.fill_buf()?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self) {
        self.r.consume(1);
        self.offset += 1;
    }

    fn next(&mut self) -> Result<Option<u8>, ScreenError> {
        let b = self.peek()?;
        if b.is_some() {
            self.bump();
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, ScreenError> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.bump(),
                other => return Ok(other),
            }
        }
    }

    /// Walk every top-level value (one document, or JSON Lines).
    /// `f(path, value, numeric)`.
    pub fn walk(
        &mut self,
        f: &mut dyn FnMut(&str, &str, bool) -> Flow,
    ) -> Result<bool, ScreenError> {
        let mut path = String::new();
        // A UTF-8 byte order mark is allowed before the document.
        if self.peek()? == Some(0xEF) {
            for want in [0xEF, 0xBB, 0xBF] {
                if self.next()? != Some(want) {
                    return Err(self.err("bad byte order mark"));
                }
            }
        }
        loop {
            if self.skip_ws()?.is_none() {
                return Ok(true);
            }
            if !self.value(&mut path, 0, f)? {
                return Ok(false);
            }
        }
    }

    /// Returns false when the callback asked to stop.
    fn value(
        &mut self,
        path: &mut String,
        depth: usize,
        f: &mut dyn FnMut(&str, &str, bool) -> Flow,
    ) -> Result<bool, ScreenError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let Some(b) = self.skip_ws()? else {
            return Err(self.err("unexpected end"));
        };
        match b {
            b'{' => {
                self.bump();
                if self.skip_ws()? == Some(b'}') {
                    self.bump();
                    return Ok(true);
                }
                loop {
                    if self.skip_ws()? != Some(b'"') {
                        return Err(self.err("expected a key"));
                    }
                    self.bump();
                    let key = self.string(MAX_KEY)?;
                    if self.skip_ws()? != Some(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.bump();
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key);
                    let go = self.value(path, depth + 1, f)?;
                    path.truncate(len);
                    if !go {
                        return Ok(false);
                    }
                    match self.skip_ws()? {
                        Some(b',') => self.bump(),
                        Some(b'}') => {
                            self.bump();
                            return Ok(true);
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            b'[' => {
                self.bump();
                if self.skip_ws()? == Some(b']') {
                    self.bump();
                    return Ok(true);
                }
                let len = path.len();
                path.push_str("[]");
                loop {
                    if !self.value(path, depth + 1, f)? {
                        return Ok(false);
                    }
                    match self.skip_ws()? {
                        Some(b',') => self.bump(),
                        Some(b']') => {
                            self.bump();
                            path.truncate(len);
                            return Ok(true);
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            b'"' => {
                self.bump();
                let s = self.string(self.max_value)?;
                Ok(matches!(f(column(path), &s, false), Flow::Go))
            }
            b'-' | b'0'..=b'9' => {
                let mut s = String::new();
                while let Some(c) = self.peek()? {
                    if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                        if s.len() < 64 {
                            s.push(c as char);
                        }
                        self.bump();
                    } else {
                        break;
                    }
                }
                Ok(matches!(f(column(path), &s, true), Flow::Go))
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(self.err("unexpected character")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<bool, ScreenError> {
        for &w in word {
            if self.next()? != Some(w) {
                return Err(self.err("bad literal"));
            }
        }
        Ok(true)
    }

    /// The rest of a string whose opening quote was read; at most `cap` bytes are kept.
    fn string(&mut self, cap: usize) -> Result<String, ScreenError> {
        let mut out: Vec<u8> = Vec::new();
        let push = |out: &mut Vec<u8>, bytes: &[u8], cut: &mut bool| {
            if out.len() + bytes.len() <= cap {
                out.extend_from_slice(bytes);
            } else {
                *cut = true;
            }
        };
        let mut cut = false;
        loop {
            let Some(b) = self.next()? else {
                return Err(self.err("unterminated string"));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.next()? else {
                        return Err(self.err("unterminated string"));
                    };
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' | b'f' | b'n' | b'r' | b't' => ' ',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.next()? != Some(b'\\') || self.next()? != Some(b'u') {
                                    return Err(self.err("lone surrogate"));
                                }
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return Err(self.err("bad escape")),
                    };
                    let mut buf = [0u8; 4];
                    push(&mut out, c.encode_utf8(&mut buf).as_bytes(), &mut cut);
                }
                _ => push(&mut out, &[b], &mut cut),
            }
        }
        if cut && cap == self.max_value {
            self.cut = true;
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn hex4(&mut self) -> Result<u32, ScreenError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(b) = self.next()? else {
                return Err(self.err("bad \\u escape"));
            };
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.err("bad \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }
}

fn column(path: &str) -> &str {
    if path.is_empty() {
        "(root)"
    } else {
        path
    }
}
