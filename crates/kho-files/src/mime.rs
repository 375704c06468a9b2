//! The media type of an uploaded file.

/// The media type of a file named `file_name` whose first bytes are `head`: from the
/// name's extension (mime_guess), else from the bytes' signature (infer), else
/// `text/plain` for UTF-8 text without NULs; `None` when nothing tells.
pub fn guess_mimetype(file_name: &str, head: &[u8]) -> Option<String> {
    if let Some(m) = mime_guess::from_path(file_name).first() {
        return Some(m.essence_str().to_owned());
    }
    if let Some(t) = infer::get(head) {
        return Some(t.mime_type().to_owned());
    }
    if head.is_empty() {
        return None;
    }
    // The head may end inside a character: only the last three bytes may be cut.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    (text && !head.contains(&0)).then(|| "text/plain".to_owned())
}

#[cfg(test)]
mod tests {
    use super::guess_mimetype;

    #[test]
    fn from_name_then_bytes() {
        assert_eq!(guess_mimetype("a.csv", b"").as_deref(), Some("text/csv"));
        assert_eq!(
            guess_mimetype("bao-cao.xlsx", b"").as_deref(),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(
            guess_mimetype("tệp", b"%PDF-1.7\n").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            guess_mimetype("no-extension", "Trường học,Huyện\n".as_bytes()).as_deref(),
            Some("text/plain")
        );
        assert_eq!(guess_mimetype("blob", &[0, 1, 2, 200]), None);
        assert_eq!(guess_mimetype("empty", b""), None);
    }
}
