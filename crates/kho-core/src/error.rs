//! The error type of every CKAN action, mirroring CKAN's exception classes.
//!
//! Messages are carried as [`Msg`]: an English message key (CKAN's own wording) plus named
//! arguments, so the HTTP layer can translate them into the caller's language.

use std::collections::BTreeMap;
use std::fmt;

/// A translatable message: `key` is CKAN's English text with `%{name}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl Msg {
    pub fn new(key: impl Into<String>) -> Self {
        Msg {
            key: key.into(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.args.push((name.to_string(), value.to_string()));
        self
    }

    /// Fill the placeholders into a (possibly translated) template.
    pub fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (k, v) in &self.args {
            out = out.replace(&format!("%{{{k}}}"), v);
        }
        out
    }

    /// The English rendering (CKAN's wording).
    pub fn english(&self) -> String {
        self.fill(&self.key)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

impl From<&str> for Msg {
    fn from(s: &str) -> Self {
        Msg::new(s)
    }
}

/// The errors of one field: a list of messages, or (for lists of dicts such as `extras`
/// or `users`) one error dict per item, empty for items without errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrors {
    Messages(Vec<Msg>),
    Items(Vec<ErrorDict>),
}

/// Field name → errors, as in CKAN's `ValidationError.error_dict`.
pub type ErrorDict = BTreeMap<String, FieldErrors>;

/// CKAN's action exceptions. The HTTP layer maps each to its status and `__type`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// `ValidationError` → 409 "Validation Error".
    #[error("validation error: {0:?}")]
    Validation(ErrorDict),
    /// `NotAuthorized` → 403 "Authorization Error"; `None` renders "Access denied".
    #[error("not authorized")]
    NotAuthorized(Option<Msg>),
    /// `NotFound` → 404 "Not Found Error"; `None` renders "Not found".
    #[error("not found")]
    NotFound(Option<Msg>),
    /// navl `DataError` → 400 "Integrity Error" with an echo of the request data.
    #[error("integrity error: {message}")]
    Integrity {
        message: String,
        data: serde_json::Value,
    },
    /// A validation error that CKAN reports with a `message` key only.
    #[error("validation message: {0}")]
    ValidationMessage(Msg),
    /// Bad request answered by CKAN with a bare JSON string (400).
    #[error("bad request: {0}")]
    BadRequest(Msg),
    /// `SearchQueryError` → 400 "Search Query Error", message
    /// `Search Query is invalid: <repr of the message>`.
    #[error("search query error: {0}")]
    SearchQuery(Msg),
    /// `SearchError` → 409 "Search Error", message `Search error: <repr of the message>`.
    #[error("search error: {0}")]
    Search(Msg),
    /// Anything unexpected → 500 "Internal Server Error". The text is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A validation error on a single field.
    pub fn field(field: &str, msg: impl Into<Msg>) -> Self {
        let mut d = ErrorDict::new();
        d.insert(field.to_string(), FieldErrors::Messages(vec![msg.into()]));
        Error::Validation(d)
    }

    /// `Missing value` on a required parameter (CKAN's `get_or_bust`).
    pub fn missing(field: &str) -> Self {
        Error::field(field, "Missing value")
    }

    pub fn denied(msg: impl Into<Msg>) -> Self {
        Error::NotAuthorized(Some(msg.into()))
    }

    pub fn not_found(msg: impl Into<Msg>) -> Self {
        Error::NotFound(Some(msg.into()))
    }

    pub fn internal(e: impl fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }
}

/// Collects field errors while a whole dict is validated, as navl does.
#[derive(Debug, Default)]
pub struct Errors(pub ErrorDict);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, msg: impl Into<Msg>) {
        match self
            .0
            .entry(field.to_string())
            .or_insert_with(|| FieldErrors::Messages(vec![]))
        {
            FieldErrors::Messages(v) => v.push(msg.into()),
            FieldErrors::Items(_) => {}
        }
    }

    pub fn set_items(&mut self, field: &str, items: Vec<ErrorDict>) {
        if items.iter().any(|d| !d.is_empty()) {
            self.0.insert(field.to_string(), FieldErrors::Items(items));
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was collected, else the Validation error.
    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// Python's `repr` of a string (single quotes unless the text holds one and no double).
pub fn py_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}
