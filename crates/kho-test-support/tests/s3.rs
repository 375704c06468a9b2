//! The throwaway S3 server starts once per process and makes empty buckets.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn http(endpoint: &str, request: &str) -> String {
    let host = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!("{request} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn one_server_fresh_buckets() {
    let a = kho_test_support::s3_bucket().await;
    let b = kho_test_support::s3_bucket().await;
    assert_eq!(a.endpoint, b.endpoint);
    assert_eq!(a.endpoint, kho_test_support::s3_endpoint().await);
    assert!(
        a.endpoint.starts_with("http://127.0.0.1:"),
        "{}",
        a.endpoint
    );
    assert_ne!(a.bucket, b.bucket);
    assert_eq!(a.bucket.len(), "kho-test-".len() + 24);
    let listing = http(&a.endpoint, &format!("GET /{}", a.bucket)).await;
    assert!(listing.starts_with("HTTP/1.1 200"), "{listing}");
    assert!(
        listing.contains("<KeyCount>0</KeyCount>") || !listing.contains("<Contents>"),
        "{listing}"
    );
    let missing = http(&a.endpoint, "GET /kho-test-no-such-bucket").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}
