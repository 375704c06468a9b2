//! One throwaway Postgres server per test process, started lazily.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::sys;

/// Env var naming an already running server to use instead of starting one.
pub const SERVER_URL_ENV: &str = "KHO_TEST_POSTGRES_URL";

const SYSTEM_USER: &str = "postgres";
const READY_TIMEOUT: Duration = Duration::from_secs(90);
const START_ATTEMPTS: usize = 5;

struct Server {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    url: String,
    pid: i32,
    dir: PathBuf,
}

static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
static RUNNING: OnceLock<Server> = OnceLock::new();

/// URL of the server's `postgres` database: `KHO_TEST_POSTGRES_URL` if set,
/// else the URL of this process's throwaway server (started on first call).
pub(crate) fn server_url() -> String {
    let result = SERVER.get_or_init(|| match std::env::var(SERVER_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Ok(url.trim().to_owned()),
        _ => start_server().map(|server| {
            let url = server.url.clone();
            if RUNNING.set(server).is_ok() {
                sys::at_exit(stop_at_exit);
            }
            url
        }),
    });
    match result {
        Ok(url) => url.clone(),
        Err(message) => panic!("kho-test-support: no Postgres server for tests: {message}"),
    }
}

/// Stop the server (immediate shutdown, which also frees its SysV shared
/// memory) and remove its directory. The death signal would kill it anyway,
/// but SIGKILL leaks the shared memory segment and the temp dir.
extern "C" fn stop_at_exit() {
    let Some(server) = RUNNING.get() else { return };
    sys::signal(server.pid, sys::SIGQUIT);
    let deadline = Instant::now() + Duration::from_secs(5);
    while sys::process_alive(server.pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if sys::process_alive(server.pid) {
        sys::signal(server.pid, sys::SIGKILL);
        return; // leave the dir for the next run's stale cleanup
    }
    let _ = fs::remove_dir_all(&server.dir);
}

struct Binaries {
    initdb: PathBuf,
    postgres: PathBuf,
}

fn has_binaries(dir: &Path) -> bool {
    ["initdb", "postgres"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

/// `initdb` and `postgres` from PATH, or else from the highest
/// `/usr/lib/postgresql/<version>/bin`.
fn find_binaries() -> Option<Binaries> {
    let from_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_binaries(dir));
    let dir = from_path.or_else(|| {
        let mut versions: Vec<(Vec<u64>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name
                    .split('.')
                    .map(|part| part.parse::<u64>().ok())
                    .collect::<Option<Vec<_>>>()?;
                let bin = entry.path().join("bin");
                has_binaries(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })?;
    Some(Binaries {
        initdb: dir.join("initdb"),
        postgres: dir.join("postgres"),
    })
}

/// Ensure the `postgres` system user exists; return its `(uid, gid)`.
fn system_user() -> Result<(u32, u32), String> {
    if let Some(ids) = sys::lookup_user(SYSTEM_USER) {
        return Ok(ids);
    }
    let output = Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            SYSTEM_USER,
        ])
        .output()
        .map_err(|e| format!("cannot run useradd to create the `{SYSTEM_USER}` user: {e}"))?;
    // Another test process may have created it at the same time.
    sys::lookup_user(SYSTEM_USER).ok_or_else(|| {
        format!(
            "useradd {SYSTEM_USER} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// `/tmp/kho-test-pg-<euid>`: one subdir `<pid>-<random>` per test process.
fn base_dir() -> PathBuf {
    PathBuf::from(format!("/tmp/kho-test-pg-{}", sys::euid()))
}

/// The pid a subdir of the base dir belongs to.
fn owner_pid(dir_name: &str) -> Option<i32> {
    dir_name.split('-').next()?.parse().ok()
}

/// The SysV shared memory id from a `postmaster.pid` file (line 7 holds
/// `key id`).
fn shm_id(postmaster_pid: &str) -> Option<i32> {
    postmaster_pid
        .lines()
        .nth(6)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Remove subdirs of `base` left by test processes that no longer run (the
/// server of such a process was killed by its death signal), and their
/// leaked shared memory. A dir carrying our own pid is stale too: it comes
/// from an earlier process that had the same pid, since we create ours after
/// this cleanup.
fn remove_stale_dirs(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    let me = std::process::id() as i32;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = owner_pid(&name) else {
            continue;
        };
        if pid != me && sys::process_alive(pid) {
            continue;
        }
        let path = entry.path();
        if let Ok(text) = fs::read_to_string(path.join("data").join("postmaster.pid")) {
            // A server of a dead owner that is somehow still running: kill it.
            if let Some(server_pid) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                if sys::process_alive(server_pid) && process_cmdline_has(server_pid, &path) {
                    sys::signal(server_pid, sys::SIGKILL);
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            if let Some(id) = shm_id(&text) {
                sys::remove_unused_shm(id);
            }
        }
        let _ = fs::remove_dir_all(&path);
    }
}

fn process_cmdline_has(pid: i32, dir: &Path) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| String::from_utf8_lossy(&raw).contains(&*dir.to_string_lossy()))
        .unwrap_or(false)
}

fn start_server() -> Result<Server, String> {
    let bins = find_binaries().ok_or_else(|| {
        "no PostgreSQL binaries (initdb, postgres) found on PATH or under \
         /usr/lib/postgresql/*/bin. Run `scripts/install-deps.sh` (installs the \
         Debian `postgresql` package), or set KHO_TEST_POSTGRES_URL to a server \
         URL such as postgres://postgres@127.0.0.1:5432/postgres"
            .to_owned()
    })?;
    let drop_to = if sys::euid() == 0 {
        Some(system_user()?)
    } else {
        None
    };

    let base = base_dir();
    fs::create_dir_all(&base).map_err(|e| format!("create {}: {e}", base.display()))?;
    set_mode(&base, 0o755)?;
    remove_stale_dirs(&base);

    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let dir = base.join(format!("{}-{}", std::process::id(), &suffix[..8]));
    let data = dir.join("data");
    let sock = dir.join("sock");
    for d in [&dir, &sock] {
        fs::create_dir(d).map_err(|e| format!("create {}: {e}", d.display()))?;
        set_mode(d, 0o700)?;
        if let Some((uid, gid)) = drop_to {
            std::os::unix::fs::chown(d, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", d.display()))?;
        }
    }

    let result = init_and_start(&bins, drop_to, &dir, &data, &sock);
    if result.is_err() {
        let _ = fs::remove_dir_all(&dir);
    }
    result
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

fn init_and_start(
    bins: &Binaries,
    drop_to: Option<(u32, u32)>,
    dir: &Path,
    data: &Path,
    sock: &Path,
) -> Result<Server, String> {
    let mut initdb = Command::new(&bins.initdb);
    initdb
        .arg("-D")
        .arg(data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    sys::child_setup(&mut initdb, drop_to);
    let output = initdb
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bins.initdb.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            bins.initdb.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }

    let log_path = dir.join("postgres.log");
    let mut last_error = String::new();
    for _ in 0..START_ATTEMPTS {
        let port = crate::free_port();
        match start_postgres(bins, drop_to, dir, data, sock, port, &log_path) {
            Ok(pid) => {
                return Ok(Server {
                    url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
                    pid,
                    dir: dir.to_owned(),
                })
            }
            Err(StartError::PortTaken(message)) => last_error = message,
            Err(StartError::Fatal(message)) => return Err(message),
        }
    }
    Err(last_error)
}

enum StartError {
    /// Someone else took the port between `free_port` and the bind: retry.
    PortTaken(String),
    Fatal(String),
}

fn start_postgres(
    bins: &Binaries,
    drop_to: Option<(u32, u32)>,
    dir: &Path,
    data: &Path,
    sock: &Path,
    port: u16,
    log_path: &Path,
) -> Result<i32, StartError> {
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| StartError::Fatal(format!("open {}: {e}", log_path.display())))?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let log_err = log
        .try_clone()
        .map_err(|e| StartError::Fatal(format!("dup log file: {e}")))?;

    let mut cmd = Command::new(&bins.postgres);
    cmd.arg("-D")
        .arg(data)
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(sock)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=300",
        ])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    sys::child_setup(&mut cmd, drop_to);

    let child = sys::spawn_watched(cmd, "kho-test-postgres").map_err(StartError::Fatal)?;
    let pid = child.pid;

    let deadline = Instant::now() + READY_TIMEOUT;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Some(status) = child.exit_status() {
            let log_text = read_from(log_path, log_start);
            let message = format!(
                "postgres exited during startup ({}); log {}:\n{log_text}",
                status.map_or_else(|e| e.to_string(), |s| s.to_string()),
                log_path.display()
            );
            return Err(
                if log_text.contains("could not bind") || log_text.contains("already in use") {
                    StartError::PortTaken(message)
                } else {
                    StartError::Fatal(message)
                },
            );
        }
        if is_ready(data) && TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            return Ok(pid);
        }
        if Instant::now() > deadline {
            sys::signal(pid, sys::SIGKILL);
            return Err(StartError::Fatal(format!(
                "postgres did not accept connections within {READY_TIMEOUT:?}; log {}:\n{}",
                log_path.display(),
                read_from(log_path, log_start)
            )));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Postgres writes `ready` as line 8 of `postmaster.pid` once it accepts
/// connections.
fn is_ready(data: &Path) -> bool {
    fs::read_to_string(data.join("postmaster.pid"))
        .map(|text| text.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
        .unwrap_or(false)
}

fn read_from(path: &Path, offset: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(path) {
        if file.seek(SeekFrom::Start(offset)).is_ok() {
            let _ = file.read_to_string(&mut text);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_postmaster_pid() {
        let text = "123\n/tmp/x/data\n1700000000\n5432\n/tmp/x/sock\n127.0.0.1\n  5432001     32790\nready   \n";
        assert_eq!(shm_id(text), Some(32790));
        assert_eq!(owner_pid("4242-abcdef12"), Some(4242));
        assert_eq!(owner_pid("junk"), None);
    }
}
