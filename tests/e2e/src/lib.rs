//! Harness for end-to-end tests of the real `kho` binary.
//!
//! - [`kho_bin`] finds `target/<profile>/kho` next to the test executable and runs
//!   `cargo build -p kho --bin kho` once per process when it is missing or older than the
//!   sources it is built from.
//! - [`Env`] is one test's world: a temporary working directory and a store (SQLite in a
//!   temporary data directory, or a fresh database on the throwaway Postgres of
//!   `kho-test-support`). Every subprocess runs in that directory with every `KHO_*`
//!   variable of the test process removed.
//! - [`Server`] is a running `kho serve` on a free port; dropping it kills and reaps it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

pub use reqwest::StatusCode;

/// Repository root (this crate lives in `tests/e2e`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Crates compiled into the binary. The binary is stale when anything it is built from is
/// newer: these crates' `src/`, `migrations/`, `build.rs` and `Cargo.toml`, `i18n/`, and
/// the root `Cargo.toml` and `Cargo.lock` (their tests, READMEs and so on do not count).
const CRATES: &[&str] = &[
    "kho",
    "kho-api",
    "kho-catalog",
    "kho-core",
    "kho-harvest",
    "kho-search",
    "kho-store",
];
const CRATE_INPUTS: &[&str] = &["src", "migrations", "build.rs", "Cargo.toml"];
const ROOT_INPUTS: &[&str] = &["i18n", "Cargo.toml", "Cargo.lock"];

/// Path of the `kho` binary, built (once per process) if missing or stale.
/// `KHO_E2E_BIN` names a binary to use as is. Panics with the reason if none can be had.
pub fn kho_bin() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(locate_or_build) {
        Ok(p) => p.clone(),
        Err(e) => panic!("kho-e2e: no kho binary: {e}"),
    }
}

fn locate_or_build() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("KHO_E2E_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // target/<profile>/deps/<test>-<hash>
    let deps = exe
        .parent()
        .ok_or("test executable has no parent directory")?;
    let profile_dir = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().ok_or("deps directory has no parent")?
    } else {
        deps
    };
    let bin = profile_dir.join(format!("kho{}", std::env::consts::EXE_SUFFIX));
    let built = mtime(&bin);
    let root = workspace_root();
    let newest = newest_source(&root);
    if built.is_some_and(|b| newest.is_none_or(|n| n <= b)) {
        return Ok(bin);
    }
    let target_dir = profile_dir
        .parent()
        .ok_or("profile directory has no parent")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(&root)
        .args(["build", "-p", "kho", "--bin", "kho"])
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null());
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    let why = if built.is_some() { "stale" } else { "missing" };
    eprintln!("kho-e2e: building the kho binary ({why}): {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cargo:?}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build -p kho` failed ({status}); run it yourself to see why"
        ));
    }
    match mtime(&bin) {
        Some(_) => Ok(bin),
        None => Err(format!(
            "`cargo build -p kho` succeeded but {} is missing",
            bin.display()
        )),
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn newest_source(root: &Path) -> Option<SystemTime> {
    fn walk(p: &Path, newest: &mut Option<SystemTime>) {
        let Ok(meta) = std::fs::metadata(p) else {
            return;
        };
        if meta.is_dir() {
            let Ok(entries) = std::fs::read_dir(p) else {
                return;
            };
            for e in entries.flatten() {
                walk(&e.path(), newest);
            }
        } else if let Ok(t) = meta.modified() {
            if newest.is_none_or(|n| t > n) {
                *newest = Some(t);
            }
        }
    }
    let mut newest = None;
    for c in CRATES {
        for input in CRATE_INPUTS {
            walk(&root.join("crates").join(c).join(input), &mut newest);
        }
    }
    for input in ROOT_INPUTS {
        walk(&root.join(input), &mut newest);
    }
    newest
}

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's working directory and store.
pub struct Env {
    pub backend: Backend,
    dir: tempfile::TempDir,
    store_args: Vec<String>,
    http: reqwest::Client,
}

impl Env {
    /// A fresh temporary working directory and an empty store.
    pub async fn new(backend: Backend) -> Env {
        let dir = tempfile::Builder::new()
            .prefix("kho-e2e-")
            .tempdir()
            .expect("temporary directory");
        let data_dir = dir.path().join("data");
        let mut store_args = vec!["--data-dir".to_string(), data_dir.display().to_string()];
        if backend == Backend::Postgres {
            store_args.push("--database-url".into());
            store_args.push(kho_test_support::postgres_url().await);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Env {
            backend,
            dir,
            store_args,
            http,
        }
    }

    /// The working directory of every subprocess.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The flags that select this test's store (`--data-dir`, and `--database-url` on Postgres).
    pub fn store_args(&self) -> &[String] {
        &self.store_args
    }

    /// `kho ARGS` in the working directory with no `KHO_*` variables; nothing else added.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(kho_bin());
        cmd.current_dir(self.dir()).args(args).stdin(Stdio::null());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("KHO_") {
                cmd.env_remove(k);
            }
        }
        cmd
    }

    /// Run `kho ARGS` to completion (off the async runtime's worker).
    pub async fn output(&self, mut cmd: Command) -> Output {
        let shown = format!("{cmd:?}");
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"))
    }

    /// `kho ARGS` (no store flags added); panics unless it exits 0. Returns stdout.
    pub async fn ok<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> String {
        let cmd = self.command(args);
        let shown = format!("{cmd:?}");
        expect_success(&shown, self.output(cmd).await)
    }

    /// `kho ARGS <store flags>`; panics unless it exits 0. Returns stdout.
    pub async fn ok_store(&self, args: &[&str]) -> String {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(self.store_args.iter().cloned());
        self.ok(&all).await
    }

    /// Start `kho serve --listen 127.0.0.1:<free port> <store flags>` and wait until it answers.
    pub async fn serve(&self) -> Server {
        self.serve_with(&[]).await
    }

    /// [`Env::serve`] with these environment variables set (`KHO_INDEX_DIR`, say, for a
    /// second server on the same store).
    pub async fn serve_with(&self, vars: &[(&str, &str)]) -> Server {
        let mut earlier = Vec::new();
        for attempt in 1..=3 {
            let port = kho_test_support::free_port();
            let listen = format!("127.0.0.1:{port}");
            let mut args = vec!["serve".to_string(), "--listen".into(), listen.clone()];
            args.extend(self.store_args.iter().cloned());
            let mut cmd = self.command(&args);
            cmd.envs(vars.iter().copied());
            match Server::start(cmd, &listen, self.dir(), &self.http).await {
                Ok(s) => {
                    if !earlier.is_empty() {
                        let mut lines = s.stdout.lock().expect("lock");
                        earlier.append(&mut lines);
                        *lines = earlier;
                    }
                    return s;
                }
                // Lost the race for the port to another process: try another.
                Err(StartError::AddrInUse(out)) if attempt < 3 => earlier.extend(out),
                Err(StartError::AddrInUse(out)) => {
                    panic!("kho serve: address in use three times; stdout: {out:?}")
                }
                Err(StartError::Failed(msg)) => panic!("{msg}"),
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// POST an action with a JSON body, optionally with an `Authorization` header.
    /// Returns the status and the parsed body.
    pub async fn action(
        &self,
        server: &Server,
        name: &str,
        body: Value,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(server.url(&format!("/api/3/action/{name}")))
            .json(&body);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {name}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: body is not JSON ({e}): {text}"));
        (status, v)
    }

    /// GET a path; returns the whole response.
    pub async fn get(&self, server: &Server, path: &str) -> reqwest::Response {
        self.http
            .get(server.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// Stdout of a command that must have succeeded; panics with both streams otherwise.
pub fn expect_success(shown: &str, out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        panic!(
            "{shown} exited with {}\n--- stdout\n{stdout}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
}

enum StartError {
    AddrInUse(Vec<String>),
    Failed(String),
}

/// A running `kho serve`. Dropping it kills and reaps the process.
pub struct Server {
    child: Option<Child>,
    base: String,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr_path: PathBuf,
}

const START_TIMEOUT: Duration = Duration::from_secs(60);

impl Server {
    async fn start(
        mut cmd: Command,
        listen: &str,
        dir: &Path,
        http: &reqwest::Client,
    ) -> Result<Server, StartError> {
        let stderr_path = dir.join(format!("serve-{}.stderr", listen.replace([':', '.'], "_")));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        cmd.stdout(Stdio::piped()).stderr(stderr);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stdout.take().expect("piped stdout");
        let lines = stdout.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                lines.lock().expect("lock").push(line);
            }
        });
        let mut server = Server {
            child: Some(child),
            base: format!("http://{listen}"),
            stdout,
            stderr_path,
        };
        let started = Instant::now();
        loop {
            if let Some(status) = server.child_mut().try_wait().expect("try_wait") {
                // Give the reader thread a moment to drain the pipe.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let err = server.stderr();
                let out = server.stdout();
                server.child = None;
                if err.contains("Address already in use") || err.contains("AddrInUse") {
                    return Err(StartError::AddrInUse(out));
                }
                return Err(StartError::Failed(format!(
                    "kho serve exited with {status} before answering\n--- stdout\n{}\n--- stderr\n{err}",
                    out.join("\n")
                )));
            }
            let listening = server
                .stdout()
                .iter()
                .any(|l| l.starts_with("kho: listening on"));
            if listening {
                let probe = http
                    .get(server.url("/healthz"))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                if probe.is_ok_and(|r| r.status().is_success()) {
                    return Ok(server);
                }
            }
            if started.elapsed() > START_TIMEOUT {
                let msg = format!(
                    "kho serve did not answer /healthz within {START_TIMEOUT:?}\n--- stdout\n{}\n--- stderr\n{}",
                    server.stdout().join("\n"),
                    server.stderr()
                );
                return Err(StartError::Failed(msg));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("server process")
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server process").id()
    }

    /// Lines printed on stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().expect("lock").clone()
    }

    /// Everything printed on stderr so far (the logs).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// The one-time bootstrap token, if this run printed one: a line of its own starting `kho_`.
    pub fn bootstrap_token(&self) -> Option<String> {
        self.stdout()
            .iter()
            .map(|l| l.trim())
            .find(|l| l.starts_with("kho_") && !l.contains(char::is_whitespace))
            .map(str::to_string)
    }

    /// Send SIGTERM and wait up to `timeout` for the process to exit; returns its status.
    /// Panics if it is still running after `timeout` (the guard then kills it).
    pub async fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let pid = self.pid().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed: {status}");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child_mut().try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            if started.elapsed() > timeout {
                panic!(
                    "kho serve (pid {pid}) still running {timeout:?} after SIGTERM\n--- stderr\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `#[tokio::test]`s `sqlite_NAME` and `postgres_NAME` that call `NAME(Backend::…)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        pub mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        pub mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )*
        }
    };
}
