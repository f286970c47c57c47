//! Test support for the test targets of this crate and of the `flowlink` binary (feature
//! `testing`): the real server — this crate's router on a fresh store — serving on
//! `127.0.0.1:0`, with the bootstrap client's credentials. The store is SQLite in a temp dir,
//! or with `FLOWLINK_TEST_BACKEND=postgres` a fresh schema of `FLOWLINK_TEST_DATABASE_URL`
//! (`flowlink_store::testing`), so every test using it runs on either backend without
//! interfering with the others. A server can be stopped and started again on the same data.
//!
//! It panics with a message on any setup failure: it runs only inside tests, where a panic
//! is a failure that says what went wrong.

use std::path::Path;
use std::sync::Arc;

use flowlink_store::testing::{TestBackend, TestSchema};
use flowlink_store::{open_store, SqliteStore, Store};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::{bootstrap, AppState, ServerConfig};

/// A real server serving in the background until stopped or dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The store the server runs on (for setting up what the API cannot, e.g. clients).
    pub store: Arc<dyn Store>,
    /// The bootstrap organization.
    pub org_id: Uuid,
    /// The bootstrap client (scope `admin`).
    pub client_id: String,
    /// The bootstrap client's secret.
    pub client_secret: String,
    dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Last: the schema is dropped (blocking, bounded) after everything else of the server.
    schema: Option<Arc<TestSchema>>,
}

/// What a stopped server leaves behind to start again on the same data.
pub struct Saved {
    dir: TempDir,
    schema: Option<Arc<TestSchema>>,
    org_id: Uuid,
    client_id: String,
    client_secret: String,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A listener on a free loopback port and its `http://` URL.
async fn bind_loopback() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let url = format!(
        "http://{}",
        listener.local_addr().expect("the bound address")
    );
    (listener, url)
}

/// Serves a fresh `store` with `config` on a free loopback port until the runtime ends, for
/// benches that choose their backends themselves (one run on SQLite and PostgreSQL):
/// `(url, bootstrap client id, its secret)`.
pub async fn serve_fresh_store(
    store: Arc<dyn Store>,
    config: ServerConfig,
) -> (String, String, String) {
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("a fresh store");
    let (listener, url) = bind_loopback().await;
    let state = AppState::new(store, config);
    tokio::spawn(crate::serve(listener, state, std::future::pending::<()>()));
    (url, creds.client_id.to_string(), creds.client_secret)
}

impl TestServer {
    /// A server with the production configuration on fresh data.
    pub async fn start() -> TestServer {
        Self::start_with(ServerConfig::default(), None).await
    }

    /// A server with `config` on `saved` data (fresh data on the backend
    /// `FLOWLINK_TEST_BACKEND` names if `None`), bootstrapping on first use.
    pub async fn start_with(config: ServerConfig, saved: Option<Saved>) -> TestServer {
        let saved = match saved {
            Some(saved) => saved,
            None => Saved {
                dir: tempfile::tempdir().expect("a temp dir"),
                schema: match TestBackend::from_env() {
                    TestBackend::Sqlite => None,
                    // `None` only with FLOWLINK_SKIP_POSTGRES=1, which `from_env` already
                    // turned into SQLite.
                    TestBackend::Postgres => Some(Arc::new(
                        TestSchema::create()
                            .await
                            .expect("a fresh PostgreSQL schema"),
                    )),
                },
                org_id: Uuid::nil(),
                client_id: String::new(),
                client_secret: String::new(),
            },
        };
        let store: Arc<dyn Store> = match &saved.schema {
            Some(schema) => open_store(schema.url())
                .await
                .expect("open the test schema"),
            None => Arc::new(
                SqliteStore::open_dir(saved.dir.path())
                    .await
                    .expect("open the SQLite store"),
            ),
        };
        let (org_id, client_id, client_secret) =
            match bootstrap(store.as_ref()).await.expect("bootstrap") {
                Some(c) => (c.org_id, c.client_id.to_string(), c.client_secret),
                None => (saved.org_id, saved.client_id, saved.client_secret),
            };
        let (listener, url) = bind_loopback().await;
        let state = AppState::new(store.clone(), config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            crate::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .expect("the server runs until stopped");
        });
        TestServer {
            url,
            store,
            org_id,
            client_id,
            client_secret,
            dir: saved.dir,
            stop: Some(stop),
            task: Some(task),
            schema: saved.schema,
        }
    }

    /// The data directory (SQLite's files live here on the SQLite backend).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server (waiting until it has) and returns what it takes to start it again
    /// on the same data.
    pub async fn stop(mut self) -> Saved {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the server task ends cleanly");
        }
        self.store.close().await;
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("a temp dir"));
        Saved {
            dir,
            schema: self.schema.take(),
            org_id: self.org_id,
            client_id: std::mem::take(&mut self.client_id),
            client_secret: std::mem::take(&mut self.client_secret),
        }
    }
}
