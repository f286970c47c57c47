//! What an operator does to a running `flowlink serve` process: an online backup taken under
//! write load and restored into a new data directory, and the access log each request leaves.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// `flowlink serve` on 127.0.0.1:0 over `dir`, its stderr in `log`: the child and its URL.
/// The caller reaps the child ([`stop`]); a panic here fails the test process anyway.
#[allow(clippy::zombie_processes)]
fn serve(dir: &Path, log: &Path, envs: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit-per-minute",
            "0",
        ])
        .arg("--data-dir")
        .arg(dir)
        .env_remove("FLOWLINK_DATA_DIR")
        .env_remove("FLOWLINK_DATABASE_URL")
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(rest) = text.split("listening on ").nth(1) {
            let url = rest.split_whitespace().next().unwrap().to_owned();
            return (child, url);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("server did not start:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Runs the `flowlink` binary: exit code and stderr.
fn flowlink(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(args)
        .env_remove("FLOWLINK_DATA_DIR")
        .env_remove("FLOWLINK_DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn credentials(dir: &Path) -> (String, String) {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("credentials.json")).unwrap())
            .unwrap();
    (
        v["clientId"].as_str().unwrap().to_owned(),
        v["clientSecret"].as_str().unwrap().to_owned(),
    )
}

async fn token(http: &reqwest::Client, url: &str, id: &str, secret: &str) -> String {
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Every flow name the server at `url` holds.
async fn flow_names(http: &reqwest::Client, url: &str, tok: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for page in 1.. {
        let r = http
            .get(format!("{url}/api/v2/flows?pageSize=500&pageNumber={page}"))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let entities = body["entities"].as_array().unwrap();
        names.extend(
            entities
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_owned()),
        );
        if page >= body["pageCount"].as_u64().unwrap_or(1) {
            break;
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_write_acknowledged_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let (server, url) = serve(&live, &tmp.path().join("live.log"), &[]);
    let (id, secret) = credentials(&live);
    let http = reqwest::Client::new();
    let tok = token(&http, &url, &id, &secret).await;

    // Writers create flows until told to stop, remembering each acknowledged one.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_writing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (http, url, tok) = (http.clone(), url.clone(), tok.clone());
        let (acked, stop_writing) = (acked.clone(), stop_writing.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop_writing.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("writer {w} flow {n}");
                let r = http
                    .post(format!("{url}/api/v2/flows"))
                    .bearer_auth(&tok)
                    .json(&json!({"name": name, "type": "inboundcall",
                                  "actions": [{"type": "disconnect", "name": "Bye"}]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                acked.lock().unwrap().push(name);
                n += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;

    // The backup, mid-load: everything acknowledged before it started must be in it.
    let before: Vec<String> = acked.lock().unwrap().clone();
    let out = tmp.path().join("backup.db");
    let backup = tokio::task::spawn_blocking({
        let (live, out) = (live.clone(), out.clone());
        move || {
            flowlink(&[
                "backup",
                "--data-dir",
                live.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
        }
    });
    let (code, err) = backup.await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("integrity ok"), "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop_writing.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let after = acked.lock().unwrap().len();
    assert!(
        after > before.len(),
        "the writers made no progress while the backup ran"
    );

    // Restoring over the live data dir is refused, even with --force: the server has it open.
    let (code, err) = flowlink(&[
        "restore",
        "--from",
        out.to_str().unwrap(),
        "--data-dir",
        live.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("open in another process"), "{err}");
    stop(server);

    // Restored into a new data dir, a server on it sees every write acknowledged before the
    // backup began, and the old credentials.
    let restored = tmp.path().join("restored");
    let (code, err) = flowlink(&[
        "restore",
        "--from",
        out.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    flowlink_store::sqlite::backup::integrity_check(&restored.join("flowlink.db"))
        .await
        .unwrap();
    // Restoring again without --force is refused (the directory holds a database now).
    let (code, err) = flowlink(&[
        "restore",
        "--from",
        out.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");

    let (server, url) = serve(&restored, &tmp.path().join("restored.log"), &[]);
    let tok = token(&http, &url, &id, &secret).await;
    let names = flow_names(&http, &url, &tok).await;
    let missing: Vec<&String> = before.iter().filter(|n| !names.contains(*n)).collect();
    assert!(missing.is_empty(), "lost in the backup: {missing:?}");
    let all: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(
        names.iter().all(|n| all.contains(n)),
        "the backup holds a flow nobody wrote"
    );
    eprintln!(
        "backup: {} writes acknowledged before it began, {} in it, {after} in all",
        before.len(),
        names.len()
    );
    stop(server);
}

#[test]
fn backup_and_restore_point_postgresql_users_at_its_own_tools() {
    let url = "postgres://flowlink:secret@127.0.0.1:1/flowlink";
    let (code, err) = flowlink(&["backup", "--database-url", url, "--out", "x.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pg_dump"), "{err}");
    assert!(!err.contains("secret"), "{err}");
    let (code, err) = flowlink(&["restore", "--database-url", url, "--from", "x.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pg_restore"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_logs_one_access_line_with_its_correlation_id_and_no_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // The first start prints the bootstrap credentials once, by design; log a second one.
    stop(serve(&dir, &tmp.path().join("first.log"), &[]).0);
    let log = tmp.path().join("serve.log");
    let (server, url) = serve(&dir, &log, &[("FLOWLINK_LOG", "info")]);
    let (id, secret) = credentials(&dir);
    let http = reqwest::Client::new();
    let tok = token(&http, &url, &id, &secret).await;
    let r = http
        .get(format!(
            "{url}/api/v2/flows/0b2f4ad5-55a9-4b40-9d4e-2a4c4b4f0c01?secretQuery=hunter2"
        ))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let correlation = r.headers()["inin-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // The line is written as the response goes out; give the process a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop(server);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("flowlink::access") && l.contains(&correlation))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    for part in [
        "INFO",
        "method=GET",
        "route=\"/api/v2/flows/{id}\"",
        "status=404",
        "latency_us=",
        &format!("context_id={correlation}"),
    ] {
        // The formatter may colour field names; compare without escape sequences.
        let plain: String = strip_ansi(lines[0]);
        assert!(plain.contains(part), "{part} not in {plain}");
    }
    // One access line per request: the token request has its own.
    assert!(text
        .lines()
        .any(|l| strip_ansi(l).contains("route=\"/oauth/token\" status=200")));
    // Neither the token, nor the client secret, nor the query string is ever logged.
    for leak in [tok.as_str(), secret.as_str(), "hunter2"] {
        assert!(!text.contains(leak), "a secret reached the log:\n{text}");
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
