//! Upgrades: the data of the first released flowlink (commit bb960a9) opens with the current
//! code on both backends, and everything in it is there and behaves.
//!
//! The fixture (`crates/flowlink-store/tests/fixtures/upgrade/v1/`) was written by that release's
//! own binary through its CLI and API: an organization, the bootstrap client and a second one
//! (`ci`, argon2 secrets as that release stored them), two shared modules ("Shared Auth" with
//! versions 1 and 2, "Greeting"), four inbound flows calling them — "Main IVR" floating,
//! "Sales IVR" pinned to Shared Auth 1, "Support IVR" calling Greeting — and "Billing IVR"
//! checked out by the bootstrap client with an unpublished draft that calls Greeting. The
//! SQLite database (`flowlink.db`, WAL checkpointed) and a `pg_dump --inserts` of the
//! PostgreSQL schema (`postgres.sql`, with its `_sqlx_migrations` rows, the schema name written
//! `__SCHEMA__`) hold the same story; `expected.json` is what the old server reported.
//!
//! Each test opens the old data with the current store (its migrations run), serves it, and
//! checks: every flow's pointers, versions and lock; both clients' secrets (the argon2 legacy
//! path, replaced by the current form on first use); the dependency index (floating and
//! pinned); a lock holder's rights; a publish; a link.
//!
//! **The rule:** this fixture is never regenerated with a newer binary — it is the old
//! release's data. When a migration changes, these tests must still pass. To rebuild it from
//! scratch (only if lost), follow `regenerate.sh` in the fixture directory; a later release
//! that changes the schema again adds a `v2/` fixture beside it rather than replacing `v1/`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use flowlink_server::{AppState, ServerConfig};
use flowlink_store::testing::TestSchema;
use flowlink_store::{SqliteStore, Store};
use serde_json::{json, Value};
use uuid::Uuid;

fn fixture_dir() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../flowlink-store/tests/fixtures/upgrade/v1")
}

fn expected(backend: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[backend].clone()
}

/// A running server on the upgraded store.
struct Server {
    url: String,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Server {
    async fn start(store: Arc<dyn Store>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(
            store,
            ServerConfig {
                rate_limit_per_minute: 0,
                ..ServerConfig::default()
            },
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(flowlink_server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Server {
            url,
            http: reqwest::Client::new(),
            stop: Some(stop),
        }
    }

    async fn token(&self, client: &Value) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}/oauth/token", self.url))
            .basic_auth(
                client["clientId"].as_str().unwrap(),
                client["clientSecret"].as_str(),
            )
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (
            status,
            body["access_token"].as_str().unwrap_or("").to_owned(),
        )
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }
}

fn flow<'a>(exp: &'a Value, name: &str) -> &'a Value {
    exp["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in the fixture"))
}

/// Consumers of a module: (name, floating, pinned version), sorted.
async fn consumers(s: &Server, token: &str, module: &str) -> Vec<(String, bool, Option<String>)> {
    let (status, body) = s
        .get(
            &format!(
                "/api/v2/architect/dependencytracking/consumingresources?id={module}&objectType=COMMONMODULEFLOW"
            ),
            token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut out: Vec<_> = body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["floating"].as_bool().unwrap(),
                e["pinnedVersion"].as_str().map(str::to_owned),
            )
        })
        .collect();
    out.sort();
    out
}

/// Everything the module docs list, on a store opened on the old data.
async fn check_upgraded(store: Arc<dyn Store>, exp: &Value) {
    // Clients as the old release stored them: argon2 PHC strings.
    let ci_id: Uuid = exp["ci"]["clientId"].as_str().unwrap().parse().unwrap();
    let org: Uuid = exp["ci"]["orgId"].as_str().unwrap().parse().unwrap();
    assert!(store
        .get_client(ci_id)
        .await
        .unwrap()
        .secret_hash
        .starts_with("$argon2"));
    assert_eq!(store.list_clients(org).await.unwrap().len(), 2);

    let s = Server::start(store.clone()).await;
    // Both secrets still verify (the legacy path), then are stored in the current form.
    let (status, ci) = s.token(&exp["ci"]).await;
    assert_eq!(status, 200);
    let (status, admin) = s.token(&exp["bootstrap"]).await;
    assert_eq!(status, 200);
    assert!(!store
        .get_client(ci_id)
        .await
        .unwrap()
        .secret_hash
        .starts_with("$argon2"));
    assert_eq!(s.token(&exp["ci"]).await.0, 200);
    let mut wrong = exp["ci"].clone();
    wrong["clientSecret"] = json!("not the secret");
    assert_eq!(s.token(&wrong).await.0, 401);

    // Every flow and module, with the pointers and lock the old server reported.
    let (status, listing) = s.get("/api/v2/flows?pageSize=100", &admin).await;
    assert_eq!(status, 200, "{listing}");
    let (status, modules) = s
        .get("/api/v2/flows/flowmodules?pageSize=100", &admin)
        .await;
    assert_eq!(status, 200, "{modules}");
    // The flow listing holds every type, modules included.
    let all = exp["flows"].as_array().unwrap();
    assert_eq!(
        listing["total"].as_u64(),
        Some(all.len() as u64),
        "{listing}"
    );
    let module_count = all.iter().filter(|f| f["type"] == "COMMONMODULE").count();
    assert_eq!(
        modules["total"].as_u64(),
        Some(module_count as u64),
        "{modules}"
    );
    for f in exp["flows"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let (status, got) = s.get(&format!("/api/v2/flows/{id}"), &admin).await;
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["name"], f["name"]);
        assert_eq!(got["type"], f["type"]);
        assert_eq!(got["version"], f["version"], "{got}");
        assert_eq!(got["publishedVersion"]["id"], f["published"], "{got}");
        assert_eq!(got["checkedInVersion"]["id"], f["checkedIn"], "{got}");
        assert_eq!(
            got["savedVersion"]["id"].as_str(),
            f["saved"].as_str(),
            "{got}"
        );
        assert_eq!(
            got["lockedClient"]["id"].as_str(),
            f["lockedClient"].as_str(),
            "{got}"
        );
        // Every version up to the newest pointer is there, with its logic.
        let newest = ["published", "checkedIn", "saved"]
            .iter()
            .filter_map(|k| f[*k].as_str())
            .map(|v| v.trim_end_matches(".0").parse::<u32>().unwrap())
            .max()
            .unwrap();
        for v in 1..=newest {
            let (status, body) = s
                .get(
                    &format!("/api/v2/flows/{id}/versions/{v}.0/configuration"),
                    &admin,
                )
                .await;
            assert_eq!(status, 200, "{} version {v}: {body}", f["name"]);
        }
    }

    // The dependency index: floating and pinned calls, as linked by the old release.
    let auth = flow(exp, "Shared Auth")["id"].as_str().unwrap();
    let greeting = flow(exp, "Greeting")["id"].as_str().unwrap();
    assert_eq!(
        consumers(&s, &admin, auth).await,
        [
            ("Main IVR".to_owned(), true, None),
            ("Sales IVR".to_owned(), false, Some("1.0".to_owned())),
        ]
    );
    assert!(consumers(&s, &admin, greeting)
        .await
        .iter()
        .any(|c| c.0 == "Support IVR" && c.1));

    // The checkout lock holds: the other client cannot write Billing IVR; its holder publishes
    // the draft, which releases the lock.
    let billing = flow(exp, "Billing IVR")["id"].as_str().unwrap();
    let (status, body) = s
        .call(
            reqwest::Method::PUT,
            &format!("/api/v2/flows/{billing}"),
            &ci,
            Some(json!({"name": "Billing IVR", "version": 3,
                        "actions": [{"type": "disconnect", "name": "Bye"}]})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "architect.flow.locked", "{body}");
    let (status, body) = s
        .call(
            reqwest::Method::POST,
            &format!("/api/v2/flows/actions/publish?flow={billing}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, got) = s.get(&format!("/api/v2/flows/{billing}"), &admin).await;
    assert_eq!(got["publishedVersion"]["id"], "2.0", "{got}");
    assert!(got["lockedClient"].is_null(), "{got}");

    // A link through the bulk extension, then the index shows it.
    let main = flow(exp, "Main IVR")["id"].as_str().unwrap();
    let (status, body) = s
        .call(
            reqwest::Method::POST,
            &format!("/api/v2/flows/flowmodules/{greeting}/actions/link"),
            &ci,
            Some(json!({"flowIds": [main]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(consumers(&s, &admin, greeting)
        .await
        .iter()
        .any(|c| c.0 == "Main IVR" && c.1));
    drop(s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_sqlite_data_dir_opens_and_behaves() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("flowlink.db"),
        dir.path().join("flowlink.db"),
    )
    .unwrap();
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
    check_upgraded(store.clone(), &expected("sqlite")).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_postgres_schema_opens_and_behaves() {
    let Some(schema) = TestSchema::create().await else {
        return; // FLOWLINK_SKIP_POSTGRES=1, said on stderr by the harness
    };
    let dump = std::fs::read_to_string(fixture_dir().join("postgres.sql")).unwrap();
    schema.run_sql(&dump).await;
    let store = flowlink_store::open_store(schema.url()).await.unwrap();
    check_upgraded(store.clone(), &expected("postgres")).await;
    store.close().await;
}
