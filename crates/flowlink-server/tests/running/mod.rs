//! The shared real server (`flowlink_server::testing`) for the test targets that drive it
//! with tools from outside (the official SDKs, schemathesis), and a form-credentials token
//! helper. Shared by `official_sdks`, `openapi` and `schemathesis` as `mod running;`.

use std::path::PathBuf;

use flowlink_server::ServerConfig;

/// The shared real server (`flowlink_server::testing`), serving until dropped.
pub use flowlink_server::testing::TestServer as Running;

/// A server with the production configuration.
#[allow(dead_code)] // not every target that includes this module uses every helper
pub async fn start_server() -> Running {
    Running::start().await
}

/// A server with `config`.
#[allow(dead_code)]
pub async fn start_server_with(config: ServerConfig) -> Running {
    Running::start_with(config, None).await
}

/// A bearer token of the bootstrap client (form credentials, like seed 000).
#[allow(dead_code)]
pub async fn token(server: &Running) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", server.client_id.as_str()),
            ("client_secret", server.client_secret.as_str()),
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

/// The repository root (`tests/sdk`, `tests/fuzz` live there).
#[allow(dead_code)]
pub fn repo_root() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../..")
}
