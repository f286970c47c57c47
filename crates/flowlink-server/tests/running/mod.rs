//! A real flowlink server on 127.0.0.1 for the test targets that drive it with tools from
//! outside (the official SDKs, schemathesis): a fresh store (SQLite in a temp dir, or with
//! `FLOWLINK_TEST_BACKEND=postgres` a fresh schema), the bootstrap client's credentials, and
//! a shutdown when dropped. Shared by `official_sdks`, `openapi` and `schemathesis` as
//! `mod running;`.

use std::path::PathBuf;
use std::sync::Arc;

use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::testing::{TestBackend, TestSchema};
use flowlink_store::SqliteStore;

/// A server serving in the background until dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bootstrap client (scope `admin`).
    pub client_id: String,
    pub client_secret: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    // Last: with FLOWLINK_TEST_BACKEND=postgres, the schema dropped after the server.
    _schema: Option<TestSchema>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A server with the production configuration.
#[allow(dead_code)] // not every target that includes this module uses every helper
pub async fn start_server() -> Running {
    start_server_with(ServerConfig::default()).await
}

/// A server with `config`.
pub async fn start_server_with(config: ServerConfig) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = match TestBackend::from_env() {
        TestBackend::Sqlite => None,
        TestBackend::Postgres => TestSchema::create().await,
    };
    let store: Arc<dyn flowlink_store::Store> = match &schema {
        Some(s) => flowlink_store::open_store(s.url())
            .await
            .expect("open store"),
        None => Arc::new(SqliteStore::open_dir(dir.path()).await.expect("open store")),
    };
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("first start creates a client");
    let state = AppState::new(store, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = flowlink_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    Running {
        url: format!("http://{addr}"),
        client_id: creds.client_id.to_string(),
        client_secret: creds.client_secret.clone(),
        _dir: dir,
        shutdown: Some(tx),
        _schema: schema,
    }
}

impl Running {
    /// A bearer token of the bootstrap client (form credentials, like seed 000).
    #[allow(dead_code)]
    pub async fn token(&self) -> String {
        let resp = reqwest::Client::new()
            .post(format!("{}/oauth/token", self.url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(resp.status(), 200, "token request failed");
        let body: serde_json::Value = resp.json().await.expect("token body");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

/// The repository root (`tests/sdk`, `tests/fuzz` live there).
#[allow(dead_code)]
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
