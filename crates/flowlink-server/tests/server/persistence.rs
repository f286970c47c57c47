//! Data survives a restart of the server on the same data directory.

use flowlink_server::ServerConfig;
use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn data_survives_restart() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let f = s
        .create(
            &t,
            json!({"name": "Durable", "type": "inboundcall",
                   "actions": [{"type": "disconnect", "name": "Bye"}]}),
        )
        .await;
    let id = f["id"].as_str().unwrap().to_string();
    s.put(
        &format!("/api/v2/flows/{id}"),
        &t,
        json!({"description": "kept"}),
    )
    .await
    .expect(200, None);
    let saved = s.stop().await;

    let s = TestServer::start_with(ServerConfig::default(), Some(saved)).await;
    // The token issued before the restart is still valid (tokens are stored, hashed).
    let got = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    got.expect(200, None);
    assert_eq!(got.body["description"], "kept");
    assert_eq!(got.body["actions"][0]["type"], "disconnect");
    assert_eq!(got.body["version"], 2);
    // Bootstrap does not run twice: the old credentials still work, no second org exists.
    let fresh = s.admin_token().await;
    assert_eq!(s.get("/api/v2/flows", &fresh).await.body["total"], 1);
    assert_eq!(
        flowlink_store::Store::list_orgs(s.store.as_ref())
            .await
            .unwrap()
            .len(),
        1
    );
}
