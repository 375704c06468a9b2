//! End-to-end tests: the real `kho` binary, on SQLite and on a throwaway Postgres.
//! Every store-touching test runs twice, as `sqlite::NAME` and `postgres::NAME`.

use std::time::{Duration, Instant};

use kho_e2e::{both_backends, expect_success, workspace_root, Backend, Env, StatusCode};
use serde_json::{json, Value};

both_backends!(
    first_serve_prints_token_once,
    cli_users_and_tokens,
    migrate_config_openapi,
    sigterm_shuts_down_gracefully,
    data_survives_restart,
    health_probes_and_request_id,
    search_index_on_disk_rebuilds_itself,
    second_server_follows_the_first,
    reindex_while_serving,
    import_loads_and_indexes,
    harvest_command_and_schedule,
);

fn tokens_in(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.starts_with("kho_"))
        .collect()
}

fn assert_ok(what: &str, status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::OK, "{what}: {body}");
    assert_eq!(body["success"], json!(true), "{what}: {body}");
}

/// Test 1: first serve of an empty store prints a token that works; a second serve does not.
async fn first_serve_prints_token_once(backend: Backend) {
    let env = Env::new(backend).await;
    let server = env.serve().await;
    let token = server
        .bootstrap_token()
        .unwrap_or_else(|| panic!("no token on first serve; stdout: {:?}", server.stdout()));
    assert_eq!(
        tokens_in(&server.stdout()),
        vec![token.as_str()],
        "exactly one token line"
    );

    let (status, body) = env
        .action(
            &server,
            "organization_create",
            json!({"name": "so-tai-chinh"}),
            Some(&token),
        )
        .await;
    assert_ok("organization_create", status, &body);
    assert_eq!(body["result"]["name"], "so-tai-chinh");

    let (status, body) = env.action(&server, "status_show", json!({}), None).await;
    assert_ok("status_show", status, &body);
    assert!(
        body["result"]["ckan_version"].is_string(),
        "status_show: {body}"
    );
    drop(server);

    let again = env.serve().await;
    assert_eq!(
        again.bootstrap_token(),
        None,
        "second serve: {:?}",
        again.stdout()
    );
    assert!(
        tokens_in(&again.stdout()).is_empty(),
        "second serve: {:?}",
        again.stdout()
    );
    // The first token still works.
    let (status, body) = env
        .action(&again, "user_show", json!({}), Some(&token))
        .await;
    assert_ok("user_show with the bootstrap token", status, &body);
    assert_eq!(body["result"]["name"], "admin");
}

/// Test 2: users and tokens from the CLI, checked over HTTP.
async fn cli_users_and_tokens(backend: Backend) {
    let env = Env::new(backend).await;
    let out = env
        .ok_store(&[
            "user",
            "create",
            "hoa",
            "--email",
            "hoa@example.vn",
            "--password",
            "mat-khau-dai",
        ])
        .await;
    assert!(out.contains("created user hoa"), "{out}");
    assert!(
        !out.contains("password:"),
        "no generated password when one is given: {out}"
    );
    assert!(!out.contains("sysadmin"), "{out}");

    let out = env
        .ok_store(&[
            "user",
            "create",
            "quan-tri",
            "--email",
            "qt@example.vn",
            "--sysadmin",
        ])
        .await;
    assert!(out.contains("created user quan-tri"), "{out}");
    assert!(out.contains("sysadmin"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("password: ")),
        "generated password: {out}"
    );

    let list = env.ok_store(&["user", "list"]).await;
    let row = |name: &str| {
        list.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in user list:\n{list}"))
            .to_string()
    };
    assert!(
        list.lines().next().is_some_and(|h| h.starts_with("NAME")),
        "{list}"
    );
    let hoa = row("hoa");
    assert!(
        hoa.contains("hoa@example.vn") && hoa.contains("false"),
        "{hoa}"
    );
    let qt = row("quan-tri");
    assert!(qt.contains("qt@example.vn") && qt.contains("true"), "{qt}");

    let shown = env.ok_store(&["user", "show", "hoa"]).await;
    let shown: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(shown["name"], "hoa");

    let out = env
        .ok_store(&["token", "create", "hoa", "--name", "e2e-nhan"])
        .await;
    let token = out.lines().last().expect("token line").trim().to_string();
    assert!(
        token.starts_with("kho_") && token.len() > 40,
        "last line is the token: {out}"
    );

    let server = env.serve().await;
    let (status, body) = env
        .action(&server, "user_show", json!({}), Some(&token))
        .await;
    assert_ok("user_show as hoa", status, &body);
    assert_eq!(body["result"]["name"], "hoa");
    assert_eq!(body["result"]["email"], "hoa@example.vn");

    let list = env.ok_store(&["token", "list", "hoa"]).await;
    let id = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("e2e-nhan"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("token not in list:\n{list}"))
        .to_string();
    assert!(
        list.lines().next().is_some_and(|h| h.starts_with("ID")),
        "{list}"
    );

    let reason = "hết hạn kết nối";
    let out = env
        .ok_store(&["token", "revoke", &id, "--reason", reason])
        .await;
    assert!(out.contains(&id), "{out}");
    let (status, body) = env
        .action(&server, "user_show", json!({}), Some(&token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["success"], json!(false), "{body}");
    assert_eq!(body["error"]["__type"], "Authorization Error", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "message has the reason: {body}");

    let list = env.ok_store(&["token", "list", "hoa"]).await;
    assert!(
        !list.contains(&id),
        "revoked token no longer listed:\n{list}"
    );
}

/// Test 3: migrate is idempotent; config shows the effective configuration without secrets
/// and honours file < environment < flag; openapi matches the checked-in document.
async fn migrate_config_openapi(backend: Backend) {
    let env = Env::new(backend).await;
    for _ in 0..2 {
        let out = env.ok_store(&["migrate"]).await;
        assert!(out.contains("migrations applied"), "{out}");
    }

    let out = env.ok_store(&["config"]).await;
    assert!(out.contains("site_url"), "{out}");

    let out = env
        .ok(&[
            "config",
            "--database-url",
            "postgres://u:secretpw@127.0.0.1:1/x",
        ])
        .await;
    assert!(out.contains("database_url"), "{out}");
    assert!(!out.contains("secretpw"), "password printed:\n{out}");

    let listen = |out: &str| -> String {
        let table: toml_like::Table = toml_like::parse(out);
        table
            .get("listen")
            .unwrap_or_else(|| panic!("no listen key:\n{out}"))
            .clone()
    };
    assert_eq!(
        listen(&env.ok(&["config"]).await),
        "127.0.0.1:5000",
        "default"
    );
    std::fs::write(env.dir().join("kho.toml"), "listen = \"127.0.0.1:1111\"\n").expect("kho.toml");
    assert_eq!(
        listen(&env.ok(&["config"]).await),
        "127.0.0.1:1111",
        "kho.toml"
    );
    let mut cmd = env.command(&["config"]);
    cmd.env("KHO_LISTEN", "127.0.0.1:2222");
    let out = expect_success("KHO_LISTEN kho config", env.output(cmd).await);
    assert_eq!(listen(&out), "127.0.0.1:2222", "KHO_LISTEN beats kho.toml");
    // `config` takes no --listen; the flag level is checked on `serve`, which says where it
    // listens (and must then answer there).
    let port = kho_test_support::free_port();
    let flag = format!("127.0.0.1:{port}");
    let mut args = vec!["serve".to_string(), "--listen".into(), flag.clone()];
    args.extend(env.store_args().iter().cloned());
    let mut cmd = env.command(&args);
    cmd.env("KHO_LISTEN", "127.0.0.1:2222");
    let mut server = KillOnDrop(
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let url = format!("http://{flag}/healthz");
    let started = Instant::now();
    loop {
        if env
            .http()
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if let Some(status) = server.0.try_wait().expect("try_wait") {
            panic!("serve --listen {flag} exited with {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve --listen {flag} never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);

    let out = env.ok(&["openapi"]).await;
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("openapi not JSON: {e}"));
    assert!(doc.is_object(), "openapi document is a JSON object: {out}");
    let checked_in = workspace_root().join("openapi/kho.json");
    match std::fs::read_to_string(&checked_in) {
        Ok(text) => assert!(
            text.trim_end() == out.trim_end(),
            "`kho openapi` differs from {}; regenerate it with `kho openapi > openapi/kho.json`",
            checked_in.display()
        ),
        Err(e) => eprintln!(
            "kho-e2e: skipping the openapi/kho.json comparison ({}: {e})",
            checked_in.display()
        ),
    }
}

/// Test 5: SIGTERM: the server exits 0 within 10 s.
async fn sigterm_shuts_down_gracefully(backend: Backend) {
    let env = Env::new(backend).await;
    let mut server = env.serve().await;
    let (status, body) = env.action(&server, "status_show", json!({}), None).await;
    assert_ok("status_show", status, &body);
    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "exit status after SIGTERM: {status}\n--- stderr\n{}",
        server.stderr()
    );
    eprintln!(
        "kho-e2e: {backend:?} server stopped {:?} after SIGTERM",
        started.elapsed()
    );
}

/// Test 6: data survives a restart on the same store.
async fn data_survives_restart(backend: Backend) {
    let env = Env::new(backend).await;
    let mut server = env.serve().await;
    let token = server.bootstrap_token().expect("bootstrap token");
    let (status, body) = env
        .action(
            &server,
            "organization_create",
            json!({"name": "cuc-thong-ke", "title": "Cục Thống kê"}),
            Some(&token),
        )
        .await;
    assert_ok("organization_create", status, &body);
    let id = body["result"]["id"].as_str().expect("id").to_string();
    let status = server.terminate(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}");

    let server = env.serve().await;
    assert_eq!(server.bootstrap_token(), None);
    let (status, body) = env
        .action(
            &server,
            "organization_show",
            json!({"id": "cuc-thong-ke"}),
            None,
        )
        .await;
    assert_ok("organization_show after restart", status, &body);
    assert_eq!(body["result"]["id"], id.as_str());
    assert_eq!(body["result"]["title"], "Cục Thống kê");
    let (status, body) = env
        .action(&server, "user_show", json!({}), Some(&token))
        .await;
    assert_ok("token after restart", status, &body);
}

/// Test 7: /healthz and /readyz answer 200, with an X-Request-Id.
async fn health_probes_and_request_id(backend: Backend) {
    let env = Env::new(backend).await;
    let server = env.serve().await;
    for path in ["/healthz", "/readyz"] {
        let resp = env.get(&server, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let id = resp
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap_or("").to_string());
        assert!(id.is_some_and(|v| !v.is_empty()), "{path}: no X-Request-Id");
        let body: Value = resp.json().await.expect("JSON");
        assert_eq!(body["status"], "ok", "{path}");
    }
    // A sane incoming request id is echoed back.
    let resp = env
        .http()
        .get(server.url("/healthz"))
        .header("X-Request-Id", "e2e-req-42")
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(
        resp.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("e2e-req-42")
    );
}

/// Test 4: `--help` of every command and subcommand (no store needed, so one backend-free test).
#[tokio::test]
async fn help_for_every_command() {
    let env = Env::new(Backend::Sqlite).await;
    let store = &["--data-dir", "--database-url"][..];
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "serve", "reindex", "migrate", "config", "openapi", "user", "token", "--config",
            ],
        ),
        (&["serve"], &["--listen", "--data-dir", "--database-url"]),
        (&["reindex"], store),
        (
            &["harvest"],
            &[
                "--org",
                "--since",
                "--type",
                "--name",
                "--full",
                "--data-dir",
                "--database-url",
            ],
        ),
        (&["migrate"], store),
        (&["config"], store),
        (&["openapi"], &[]),
        (&["user"], &["create", "list", "show"]),
        (
            &["user", "create"],
            &[
                "--email",
                "--password",
                "--sysadmin",
                "--data-dir",
                "--database-url",
            ],
        ),
        (&["user", "list"], store),
        (&["user", "show"], store),
        (&["token"], &["create", "list", "revoke"]),
        (
            &["token", "create"],
            &["--name", "--data-dir", "--database-url"],
        ),
        (&["token", "list"], store),
        (
            &["token", "revoke"],
            &["--reason", "--data-dir", "--database-url"],
        ),
    ];
    for (cmd, flags) in cases {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = env.ok(&args).await;
        assert!(out.contains("Usage:"), "kho {args:?}:\n{out}");
        for flag in *flags {
            assert!(
                out.contains(flag),
                "kho {args:?} does not mention {flag}:\n{out}"
            );
        }
    }
    let out = env.ok(&["--version"]).await;
    assert!(out.starts_with("kho "), "{out}");
}

/// Kills and reaps a bare child process on drop.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Just enough TOML to read `key = "string"` lines of the top-level table.
mod toml_like {
    pub type Table = std::collections::HashMap<String, String>;

    pub fn parse(text: &str) -> Table {
        let mut t = Table::new();
        for line in text.lines() {
            if line.trim_start().starts_with('[') {
                break;
            }
            if let Some((k, v)) = line.split_once('=') {
                let v = v.trim();
                if let Some(s) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    t.insert(k.trim().to_string(), s.to_string());
                }
            }
        }
        t
    }
}

// ---------------------------------------------------------------- the search index

/// Wait until `check` holds, for at most `secs` seconds; panics with `what` and `context()`.
async fn eventually(
    secs: u64,
    what: &str,
    mut check: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let started = Instant::now();
    while !check() {
        if started.elapsed() > Duration::from_secs(secs) {
            panic!("not within {secs} s: {what}\n{}", context());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `package_search` `count` on `server` for `query` (a query string), anonymously.
async fn search_count(env: &Env, server: &kho_e2e::Server, query: &str) -> Option<u64> {
    let resp = env
        .get(
            server,
            &format!("/api/3/action/package_search?{query}&rows=0"),
        )
        .await;
    let body: Value = resp.json().await.ok()?;
    body["result"]["count"].as_u64()
}

/// A log line with every one of `parts`.
fn logged(log: &str, parts: &[&str]) -> bool {
    log.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

/// Create an organization and `n` datasets named `{prefix}-{i}` through `server`.
async fn datasets(env: &Env, server: &kho_e2e::Server, token: &str, prefix: &str, n: usize) {
    let (status, body) = env
        .action(
            server,
            "organization_create",
            json!({"name": format!("{prefix}-org")}),
            Some(token),
        )
        .await;
    assert_ok("organization_create", status, &body);
    for i in 0..n {
        let (status, body) = env
            .action(
                server,
                "package_create",
                json!({"name": format!("{prefix}-{i}"), "owner_org": format!("{prefix}-org"),
                       "resources": [{"url": "https://example.org/data.csv"}]}),
                Some(token),
            )
            .await;
        assert_ok("package_create", status, &body);
    }
}

async fn stop(server: &mut kho_e2e::Server) {
    let status = server.terminate(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}\n{}", server.stderr());
}

/// The index lives in `<data dir>/index`, survives restarts, and is rebuilt at start when
/// it is gone, written by another schema version or unreadable.
async fn search_index_on_disk_rebuilds_itself(backend: Backend) {
    let env = Env::new(backend).await;
    let index = env.dir().join("data").join("index");
    // The stored dicts depend on site_url, which otherwise follows the (random) port.
    let site = [("KHO_SITE_URL", "http://kho.example")];
    let mut server = env.serve_with(&site).await;
    let log = server.stderr();
    assert!(logged(&log, &["no search index yet"]), "{log}");
    assert!(logged(&log, &["search index ready", "gen-000001"]), "{log}");
    assert_eq!(
        std::fs::read_to_string(index.join("CURRENT"))
            .ok()
            .as_deref(),
        Some("gen-000001")
    );
    let token = server.bootstrap_token().expect("token");
    datasets(&env, &server, &token, "khoi-dong", 3).await;
    let (status, body) = env
        .action(
            &server,
            "package_delete",
            json!({"id": "khoi-dong-2"}),
            Some(&token),
        )
        .await;
    assert_ok("package_delete", status, &body);
    stop(&mut server).await;

    // Restart: the same generation, nothing rebuilt; deleted datasets stay indexed.
    let mut server = env.serve_with(&site).await;
    let log = server.stderr();
    assert!(
        logged(&log, &["search index ready", "gen-000001", "datasets=3"]),
        "{log}"
    );
    for rebuilding in [
        "no search index yet",
        "rebuilding it from the store",
        "search index rebuilt",
    ] {
        assert!(!log.contains(rebuilding), "{log}");
    }
    stop(&mut server).await;

    // Gone: rebuilt from the store (written by one server, read back by the next).
    std::fs::remove_dir_all(&index).expect("remove the index");
    let mut server = env.serve_with(&site).await;
    let log = server.stderr();
    assert!(logged(&log, &["no search index yet"]), "{log}");
    assert!(
        logged(&log, &["search index rebuilt", "gen-000001", "datasets=3"]),
        "{log}"
    );
    stop(&mut server).await;

    // Another schema version: the payload of the last commit says schema 0.
    let meta = index.join("gen-000001").join("meta.json");
    let text = std::fs::read_to_string(&meta).expect("meta.json");
    let key = r#"\"schema\":"#;
    let at = text.find(key).expect("the schema version in the payload") + key.len();
    let digits = text[at..].chars().take_while(char::is_ascii_digit).count();
    assert!(digits > 0, "{text}");
    let older = format!("{}0{}", &text[..at], &text[at + digits..]);
    std::fs::write(&meta, older).expect("write");
    let mut server = env.serve_with(&site).await;
    let log = server.stderr();
    assert!(
        logged(
            &log,
            &["rebuilding it from the store", "another schema version"]
        ),
        "{log}"
    );
    assert!(
        logged(&log, &["search index ready", "gen-000002", "datasets=3"]),
        "{log}"
    );
    assert!(
        !index.join("gen-000001").try_exists().unwrap_or(true),
        "the old generation is removed"
    );
    stop(&mut server).await;

    // Garbage.
    std::fs::write(index.join("gen-000002").join("meta.json"), "garbage").expect("write");
    let mut server = env.serve_with(&site).await;
    let log = server.stderr();
    assert!(
        logged(&log, &["rebuilding it from the store", "cannot be read"]),
        "{log}"
    );
    assert!(
        logged(&log, &["search index ready", "gen-000003", "datasets=3"]),
        "{log}"
    );
    // Searches answer from the rebuilt index: the deleted dataset only when asked for.
    assert_eq!(
        search_count(&env, &server, "fq=organization:khoi-dong-org").await,
        Some(2)
    );
    let (status, body) = env
        .action(
            &server,
            "package_search",
            json!({"fq": "organization:khoi-dong-org", "include_deleted": true}),
            Some(&token),
        )
        .await;
    assert_ok("package_search include_deleted", status, &body);
    assert_eq!(body["result"]["count"], 3, "{body}");
    stop(&mut server).await;

    // Another site_url: the stored dicts would differ, so they are rebuilt.
    let server = env
        .serve_with(&[("KHO_SITE_URL", "https://data.example.gov.vn")])
        .await;
    let log = server.stderr();
    assert!(
        logged(&log, &["rebuilding it from the store", "other", "site_url"]),
        "{log}"
    );
    assert!(
        logged(&log, &["search index ready", "gen-000004", "datasets=3"]),
        "{log}"
    );
}

/// A second server on the same store (its own index directory) applies the first one's
/// writes within a second or two: woken by NOTIFY on Postgres (its poll interval is a
/// minute), and by polling when LISTEN is off (and on SQLite).
async fn second_server_follows_the_first(backend: Backend) {
    let env = Env::new(backend).await;
    let first = env.serve().await;
    let token = first.bootstrap_token().expect("token");
    let dir_b = env.dir().join("index-b").display().to_string();
    let dir_c = env.dir().join("index-c").display().to_string();
    let debug = ("KHO_LOG_LEVEL", "info,kho_catalog=debug");
    let notified = match backend {
        Backend::Postgres => Some(
            env.serve_with(&[
                ("KHO_INDEX_DIR", dir_b.as_str()),
                ("KHO_INDEX_POLL_INTERVAL", "60"),
                debug,
            ])
            .await,
        ),
        Backend::Sqlite => None,
    };
    let polling = env
        .serve_with(&[
            ("KHO_INDEX_DIR", dir_c.as_str()),
            ("KHO_INDEX_LISTEN", "false"),
            ("KHO_INDEX_POLL_INTERVAL", "0.5"),
            debug,
        ])
        .await;
    let started = Instant::now();
    datasets(&env, &first, &token, "ben-kia", 1).await;
    let written = started.elapsed();
    for server in notified.iter().chain([&polling]) {
        // Found by package_search on the other server.
        loop {
            if search_count(&env, server, "fq=name:ben-kia-0").await == Some(1) {
                break;
            }
            assert!(
                started.elapsed() < written + Duration::from_secs(3),
                "not found through the other server within 3 s\n{}",
                server.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            logged(&server.stderr(), &["search index synced", "datasets=1"]),
            "{}",
            server.stderr()
        );
    }
    assert!(
        started.elapsed() < written + Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// `kho reindex` while a server serves: the server answers throughout, then switches to
/// the new generation, removes the old one, and goes on indexing writes.
async fn reindex_while_serving(backend: Backend) {
    let env = Env::new(backend).await;
    // The reindex builds dicts with the server's site_url (which otherwise follows its port).
    let site = ("KHO_SITE_URL", "http://kho.example");
    let server = env
        .serve_with(&[("KHO_LOG_LEVEL", "info,kho_catalog=debug"), site])
        .await;
    let token = server.bootstrap_token().expect("token");
    datasets(&env, &server, &token, "lai", 20).await;
    let index = env.dir().join("data").join("index");

    // Read continuously while the reindex runs.
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = tokio::spawn({
        let running = running.clone();
        let http = env.http().clone();
        let url = server.url("/api/3/action/package_search?fq=organization:lai-org&rows=0");
        async move {
            let (mut ok, mut failed) = (0, Vec::new());
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                // Every answer counts all 20 datasets: never a partial index.
                match http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        match body["result"]["count"].as_u64() {
                            Some(20) => ok += 1,
                            other => failed.push(format!("count {other:?}")),
                        }
                    }
                    Ok(r) => failed.push(r.status().to_string()),
                    Err(e) => failed.push(e.to_string()),
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (ok, failed)
        }
    });
    let mut reindex: Vec<String> = vec!["reindex".into()];
    reindex.extend(env.store_args().iter().cloned());
    let mut cmd = env.command(&reindex);
    cmd.env(site.0, site.1);
    let out = expect_success("kho reindex", env.output(cmd).await);
    assert!(out.contains("indexed 20 datasets"), "{out}");
    assert!(out.contains("gen-000002"), "{out}");
    assert_eq!(
        std::fs::read_to_string(index.join("CURRENT"))
            .ok()
            .as_deref(),
        Some("gen-000002")
    );
    eventually(
        10,
        "the server switches to the new generation",
        || {
            logged(
                &server.stderr(),
                &["serving a rebuilt search index", "gen-000002"],
            )
        },
        || server.stderr(),
    )
    .await;
    eventually(
        10,
        "the old generation is removed",
        || !index.join("gen-000001").try_exists().unwrap_or(true),
        || server.stderr(),
    )
    .await;
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    let (ok, failed) = reader.await.expect("reader");
    assert!(
        failed.is_empty(),
        "failed reads during the reindex: {failed:?}"
    );
    assert!(ok > 0);

    // Writes go into the new generation.
    let (status, body) = env
        .action(
            &server,
            "package_create",
            json!({"name": "sau-reindex", "owner_org": "lai-org"}),
            Some(&token),
        )
        .await;
    assert_ok("package_create", status, &body);
    assert_eq!(
        search_count(&env, &server, "fq=organization:lai-org").await,
        Some(21),
        "the write is searchable at once"
    );
}

/// `kho import` creates organizations and datasets from JSON Lines through the actions,
/// indexes once, and a server started afterwards finds them; a bad line stops it with the
/// line number.
async fn import_loads_and_indexes(backend: Backend) {
    let env = Env::new(backend).await;
    env.ok_store(&[
        "user",
        "create",
        "admin",
        "--email",
        "a@example.org",
        "--sysadmin",
    ])
    .await;
    let lines = [
        json!({"kind": "organization", "name": "so-y-te", "title": "Sở Y tế tỉnh Tây Ninh"}),
        json!({"kind": "dataset", "name": "benh-vien", "title": "Danh sách bệnh viện", "owner_org": "so-y-te"}),
        json!({"name": "tram-y-te", "title": "Trạm y tế xã", "owner_org": "so-y-te", "sharing_level": "shared"}),
    ];
    let file = env.dir().join("catalog.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, text).expect("write");
    let out = env
        .ok_store(&["import", file.to_str().expect("path")])
        .await;
    assert!(out.contains("imported 3 records"), "{out}");
    assert!(out.contains("indexed 2 datasets"), "{out}");

    std::fs::write(&file, "{\"name\": \"x\", \"owner_org\": \"nowhere\"}\n").expect("write");
    let mut args: Vec<String> = vec!["import".into(), file.display().to_string()];
    args.extend(env.store_args().iter().cloned());
    let failed = env.output(env.command(&args)).await;
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("line 1"));

    let server = env.serve().await;
    assert_eq!(
        search_count(&env, &server, "q=b%E1%BB%87nh%20vi%E1%BB%87n").await,
        Some(1)
    );
    assert_eq!(
        search_count(&env, &server, "q=*:*").await,
        Some(1),
        "the shared one is hidden"
    );
}

/// `kho harvest` from a second kho (served by the real binary): created, then only the
/// changed dataset updated; a closed port is a failed run (non-zero exit, recorded). Then
/// `kho serve` harvests its `[[harvest_sources]]` on its own, a failing source included,
/// and lists the sources and their jobs.
async fn harvest_command_and_schedule(backend: Backend) {
    let source = Env::new(Backend::Sqlite).await;
    let server = source.serve().await;
    let token = server.bootstrap_token().expect("bootstrap token");
    let (status, body) = source
        .action(
            &server,
            "organization_create",
            json!({"name": "so-gd", "title": "Sở Giáo dục"}),
            Some(&token),
        )
        .await;
    assert_ok("organization_create", status, &body);
    for i in 0..3 {
        let (status, body) = source
            .action(
                &server,
                "package_create",
                json!({"name": format!("truong-{i}"), "title": format!("Trường {i}"), "owner_org": "so-gd",
                       "resources": [{"url": format!("https://example.vn/{i}.csv"), "format": "CSV"}]}),
                Some(&token),
            )
            .await;
        assert_ok("package_create", status, &body);
    }
    let url = server.url("");

    let target = Env::new(backend).await;
    target
        .ok_store(&[
            "user",
            "create",
            "admin",
            "--email",
            "a@example.vn",
            "--sysadmin",
        ])
        .await;
    let out = target
        .ok_store(&["harvest", &url, "--name", "nguon-gd"])
        .await;
    assert!(
        out.contains("created 3, updated 0, deleted 0, unchanged 0, errors 0"),
        "{out}"
    );
    let (status, body) = source
        .action(
            &server,
            "package_patch",
            json!({"id": "truong-1", "title": "Trường đổi tên"}),
            Some(&token),
        )
        .await;
    assert_ok("package_patch", status, &body);
    let out = target
        .ok_store(&["harvest", &url, "--name", "nguon-gd"])
        .await;
    assert!(out.contains("changes since"), "{out}");
    assert!(
        out.contains("created 0, updated 1, deleted 0, unchanged 2, errors 0"),
        "{out}"
    );

    let closed = format!("http://127.0.0.1:{}", kho_test_support::free_port());
    let mut args = vec![
        "harvest".to_string(),
        closed.clone(),
        "--name".into(),
        "dong".into(),
    ];
    args.extend(target.store_args().iter().cloned());
    let failed = target.output(target.command(&args)).await;
    assert!(!failed.status.success());
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(stdout.contains("Aborted"), "{stdout}");
    assert!(
        stdout.contains(&format!("error: GET {closed}/api/3/action/package_search")),
        "{stdout}"
    );

    // The schedule of `kho serve`: both sources run at start.
    std::fs::write(
        target.dir().join("kho.toml"),
        format!(
            "[[harvest_sources]]\nname = \"nguon-gd\"\nurl = \"{url}\"\ninterval = \"1h\"\n\n\
             [[harvest_sources]]\nname = \"dong\"\nurl = \"{closed}\"\ninterval = 3600\n"
        ),
    )
    .expect("kho.toml");
    let admin_token = target
        .ok_store(&["token", "create", "admin"])
        .await
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let served = target.serve().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let jobs = loop {
        let (status, body) = target
            .action(&served, "harvest_job_list", json!({}), Some(&admin_token))
            .await;
        assert_ok("harvest_job_list", status, &body);
        let jobs = body["result"].as_array().cloned().unwrap_or_default();
        // 2 runs of the command line, 1 failed one, 2 scheduled ones.
        if jobs.len() == 5 && jobs.iter().all(|j| j["status"] != "Running") {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "scheduled harvests did not finish: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let statuses: Vec<&str> = jobs.iter().filter_map(|j| j["status"].as_str()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "Aborted").count(),
        2,
        "{jobs:?}"
    );
    let (status, body) = target
        .action(&served, "harvest_source_list", json!({}), None)
        .await;
    assert_ok("harvest_source_list", status, &body);
    let mut names: Vec<&str> = body["result"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["dong", "nguon-gd"]);
    let gd = body["result"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["name"] == "nguon-gd")
        .expect("nguon-gd");
    assert_eq!(gd["status"]["job_count"], 3);
    assert_eq!(gd["status"]["total_datasets"], 3);
    assert_eq!(gd["status"]["last_job"]["stats"]["not modified"], 3);
    // The server still answers.
    let (status, body) = target
        .action(&served, "package_show", json!({"id": "truong-1"}), None)
        .await;
    assert_ok("package_show", status, &body);
    assert_eq!(body["result"]["title"], "Trường đổi tên");
}
