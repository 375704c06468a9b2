// TEMPORARY STUB (replaced by the real parser)
pub mod ast;
pub mod datemath {
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    pub struct E(String);
    pub fn parse_date(v: &str, now: chrono::NaiveDateTime) -> Result<chrono::NaiveDateTime, E> {
        if v == "NOW" { return Ok(now); }
        let s = v.strip_suffix('Z').ok_or_else(|| E(format!("Invalid Date String:'{v}'")))?;
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| E(format!("Invalid Date String:'{v}'")))
    }
}
use ast::*;
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
pub fn parse_dismax(q: &str) -> Dismax {
    Dismax { clauses: q.split_whitespace().map(|t| {
        let (occur, t) = if let Some(r) = t.strip_prefix('+') { (Occur::Must, r) } else if let Some(r) = t.strip_prefix('-') { (Occur::MustNot, r) } else { (Occur::Should, t) };
        DismaxClause { occur, text: t.to_owned(), phrase: false }
    }).collect() }
}
pub fn parse_lucene(q: &str) -> Result<Query, ParseError> {
    let mut clauses = Vec::new();
    for t in q.split_whitespace() {
        let (occur, t) = if let Some(r) = t.strip_prefix('+') { (Occur::Must, r) } else if let Some(r) = t.strip_prefix('-') { (Occur::MustNot, r) } else { (Occur::Must, t) };
        let query = if t == "*:*" { Query::All } else if let Some((f, v)) = t.split_once(':') {
            if v.starts_with('[') {
                let inner = &v[1..v.len()-1];
                let (a, b) = inner.split_once(" TO ").unwrap_or((inner, "*"));
                let bd = |x: &str| if x == "*" { std::ops::Bound::Unbounded } else { std::ops::Bound::Included(x.to_owned()) };
                Query::Range { field: Some(f.into()), lower: bd(a), upper: bd(b) }
            } else { Query::Term { field: Some(f.into()), text: v.trim_matches('"').into() } }
        } else { Query::Term { field: None, text: t.into() } };
        clauses.push(Clause { occur, query });
    }
    Ok(Query::Bool(clauses))
}
