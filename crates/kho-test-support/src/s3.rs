//! One throwaway S3-compatible server (moto's server mode) per test process, started
//! lazily, like the Postgres server of `pg.rs`.

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sys;

/// Credentials and region the test server accepts (moto accepts any).
pub const S3_ACCESS_KEY_ID: &str = "kho-test";
pub const S3_SECRET_ACCESS_KEY: &str = "kho-test-secret";
pub const S3_REGION: &str = "us-east-1";

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const START_ATTEMPTS: usize = 5;

struct Server {
    pid: i32,
    log: PathBuf,
}

static ENDPOINT: OnceLock<Result<String, String>> = OnceLock::new();
static RUNNING: OnceLock<Server> = OnceLock::new();

/// `http://127.0.0.1:PORT` of this process's S3 server, started on first call (which
/// blocks for a few seconds). Panics with a clear message if it cannot start.
pub(crate) fn endpoint() -> String {
    let result = ENDPOINT.get_or_init(|| {
        start().map(|(server, url)| {
            if RUNNING.set(server).is_ok() {
                sys::at_exit(stop_at_exit);
            }
            url
        })
    });
    match result {
        Ok(url) => url.clone(),
        Err(message) => panic!("kho-test-support: no S3 server for tests: {message}"),
    }
}

extern "C" fn stop_at_exit() {
    let Some(server) = RUNNING.get() else { return };
    sys::signal(server.pid, sys::SIGKILL);
    let _ = fs::remove_file(&server.log);
}

/// The virtualenv's Python: `$KHO_VENV`, else `$HOME/.cache/kho/venv`.
fn python() -> PathBuf {
    let venv = match std::env::var_os("KHO_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/kho/venv"),
    };
    venv.join("bin").join("python")
}

fn start() -> Result<(Server, String), String> {
    let py = python();
    let check = Command::new(&py)
        .args(["-c", "import moto.server"])
        .stdin(Stdio::null())
        .output();
    match check {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Err(format!(
                "{} cannot import moto.server ({}): {}. Run `scripts/install-deps.sh` \
                 (installs moto[server] from tests/python/requirements.txt).",
                py.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot run {}: {e}. Run `scripts/install-deps.sh` (creates the virtualenv \
                 with moto[server]), or set KHO_VENV to a virtualenv that has it.",
                py.display()
            ))
        }
    }
    let mut last_error = String::new();
    for _ in 0..START_ATTEMPTS {
        let port = crate::free_port();
        match start_on(&py, port) {
            Ok(server) => return Ok((server, format!("http://127.0.0.1:{port}"))),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

fn start_on(py: &PathBuf, port: u16) -> Result<Server, String> {
    let log = std::env::temp_dir().join(format!("kho-test-s3-{}-{}.log", std::process::id(), port));
    let out = fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("dup log file: {e}"))?;
    let mut cmd = Command::new(py);
    cmd.args([
        "-m",
        "moto.server",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ])
    .stdin(Stdio::null())
    .stdout(out)
    .stderr(err);
    sys::child_setup(&mut cmd, None);

    let child = sys::spawn_watched(cmd, "kho-test-s3")?;
    let pid = child.pid;

    let deadline = Instant::now() + READY_TIMEOUT;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Some(status) = child.exit_status() {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let _ = fs::remove_file(&log);
            return Err(format!(
                "moto.server exited during startup ({}):\n{text}",
                status.map_or_else(|e| e.to_string(), |s| s.to_string()),
            ));
        }
        if answers_http(addr) {
            return Ok(Server { pid, log });
        }
        if Instant::now() > deadline {
            sys::signal(pid, sys::SIGKILL);
            let text = fs::read_to_string(&log).unwrap_or_default();
            let _ = fs::remove_file(&log);
            return Err(format!(
                "moto.server did not answer within {READY_TIMEOUT:?}:\n{text}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server answers an HTTP request (listing buckets) at all.
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// Create bucket `name` on the test server with a plain (unsigned) path-style PUT,
/// which moto accepts.
pub(crate) async fn create_bucket(endpoint: &str, name: &str) -> Result<(), String> {
    let host = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect {endpoint}: {e}"))?;
    let request = format!(
        "PUT /{name} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("send to {endpoint}: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .map_err(|e| format!("read from {endpoint}: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    if text.starts_with("HTTP/1.1 200") || text.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!("PUT /{name} on {endpoint} answered:\n{text}"))
    }
}
