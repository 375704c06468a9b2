//! Reading remote documents: HTTP(S) with timeouts and a size limit, or local files.

use crate::RunOptions;

/// A fetched document.
pub(crate) struct Document {
    pub bytes: Vec<u8>,
    /// The media type (before any `;`), lowercased, if the server named one.
    pub media_type: Option<String>,
}

pub(crate) fn client(options: &RunOptions) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(options.request_timeout)
        .connect_timeout(
            options
                .request_timeout
                .min(std::time::Duration::from_secs(30)),
        )
        .user_agent(concat!("kho-harvest/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// GET `url` (or read a `file://` URL). A status other than 2xx, a body over
/// `max_bytes` or a transport failure is an error message naming the URL.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    max_bytes: u64,
    authorization: Option<&str>,
) -> Result<Document, String> {
    if url.starts_with("file:") {
        return read_file(url, max_bytes).await;
    }
    let mut request = client.get(url);
    if let Some(token) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, token);
    }
    let mut resp = request
        .send()
        .await
        .map_err(|e| format!("GET {url}: {}", chain(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("GET {url}: HTTP {status}"));
    }
    if resp.content_length().is_some_and(|n| n > max_bytes) {
        return Err(format!("GET {url}: larger than {max_bytes} bytes"));
    }
    let media_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(media_type);
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("GET {url}: {}", chain(&e)))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > max_bytes {
            return Err(format!("GET {url}: larger than {max_bytes} bytes"));
        }
    }
    Ok(Document { bytes, media_type })
}

async fn read_file(url: &str, max_bytes: u64) -> Result<Document, String> {
    let path = url::Url::parse(url)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| format!("{url}: not a file URL"))?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if meta.len() > max_bytes {
        return Err(format!("{url}: larger than {max_bytes} bytes"));
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    Ok(Document {
        bytes,
        media_type: None,
    })
}

/// `text/turtle; charset=utf-8` → `text/turtle`.
pub(crate) fn media_type(header: &str) -> String {
    header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// An error with its causes (reqwest's own text is often just "error sending request").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert_eq!(media_type("Text/Turtle; charset=UTF-8"), "text/turtle");
        assert_eq!(media_type("application/ld+json"), "application/ld+json");
    }
}
