//! Acknowledged writes survive `kill -9`: the real `flowlink serve` binary is killed with
//! SIGKILL straight after answering a write, restarted on the same data dir, and every write
//! the client saw acknowledged must be there, complete.

#[path = "common/serve_process.rs"]
mod serve_process;

use serve_process::spawn_serve;
use std::path::Path;
use std::process::Child;

use serde_json::{json, Value};

struct Server {
    child: Child,
    url: String,
}

fn start(dir: &Path) -> Server {
    let (child, url) = spawn_serve(dir, &[]);
    Server { child, url }
}

fn credentials(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("credentials.json")).expect("credentials file");
    let v: Value = serde_json::from_str(&text).expect("credentials json");
    (
        v["clientId"].as_str().expect("clientId").to_string(),
        v["clientSecret"]
            .as_str()
            .expect("clientSecret")
            .to_string(),
    )
}

async fn token(http: &reqwest::Client, url: &str, id: &str, secret: &str) -> String {
    let resp = http
        .post(format!("{url}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn tagging_actions(tag: &str) -> Value {
    json!([{ "type": "tagInteraction", "name": "Tag", "tags": [tag] }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_dash_nine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let mut server = start(dir.path());
    let (id, secret) = credentials(dir.path());
    let tok = token(&http, &server.url, &id, &secret).await;

    // A burst of writes; remember exactly what was acknowledged.
    let mut acknowledged: Vec<(String, String, i64)> = Vec::new(); // (flow id, last tag, version)
    for i in 0..20 {
        let resp = http
            .post(format!("{}/api/v2/flows", server.url))
            .bearer_auth(&tok)
            .json(&json!({ "name": format!("crash flow {i}"), "type": "inboundcall", "actions": tagging_actions("v1") }))
            .send()
            .await
            .expect("create");
        assert_eq!(resp.status(), 200, "create {i}");
        let flow: Value = resp.json().await.expect("flow json");
        let flow_id = flow["id"].as_str().expect("id").to_string();
        let resp = http
            .put(format!("{}/api/v2/flows/{flow_id}", server.url))
            .bearer_auth(&tok)
            .json(&json!({ "version": flow["version"], "actions": tagging_actions(&format!("v2-{i}")) }))
            .send()
            .await
            .expect("put");
        assert_eq!(resp.status(), 200, "put {i}");
        let put: Value = resp.json().await.expect("put json");
        acknowledged.push((
            flow_id,
            format!("v2-{i}"),
            put["version"].as_i64().expect("version"),
        ));
    }
    // SIGKILL immediately after the last acknowledgement: no graceful shutdown, no flush.
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");

    let server = start(dir.path());
    let tok = token(&http, &server.url, &id, &secret).await;
    for (flow_id, tag, version) in &acknowledged {
        let resp = http
            .get(format!("{}/api/v2/flows/{flow_id}", server.url))
            .bearer_auth(&tok)
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 200, "flow {flow_id} lost after kill -9");
        let flow: Value = resp.json().await.expect("json");
        assert_eq!(
            flow["version"].as_i64(),
            Some(*version),
            "flow {flow_id} version"
        );
        assert_eq!(
            flow["actions"][0]["tags"][0],
            json!(tag),
            "flow {flow_id} logic"
        );
        assert_eq!(
            flow["publishedVersion"]["id"],
            json!("2.0"),
            "flow {flow_id} published"
        );
    }
    let mut server = server;
    server.child.kill().expect("kill");
    server.child.wait().expect("reap");
}

/// Executions are written in shared batches (SQLite): every execution answered — 32 launched
/// at once, several rounds — is there with its trace after `kill -9` straight after the last
/// answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_executions_survive_kill_dash_nine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let mut server = start(dir.path());
    let (id, secret) = credentials(dir.path());
    let tok = token(&http, &server.url, &id, &secret).await;
    let resp = http
        .post(format!("{}/api/v2/flows", server.url))
        .bearer_auth(&tok)
        .json(&json!({ "name": "crash calls", "type": "inboundcall", "actions": tagging_actions("ran") }))
        .send()
        .await
        .expect("create");
    assert_eq!(resp.status(), 200, "create");
    let flow: Value = resp.json().await.expect("flow json");
    let flow_id = flow["id"].as_str().expect("id").to_string();

    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..4 {
        let launches: Vec<_> = (0..32)
            .map(|i| {
                let request = http
                    .post(format!("{}/api/v2/flows/executions", server.url))
                    .bearer_auth(&tok)
                    .json(&json!({ "flowId": flow_id, "name": format!("call {round}-{i}") }));
                tokio::spawn(async move {
                    let resp = request.send().await.expect("launch");
                    assert_eq!(resp.status(), 200, "launch");
                    let body: Value = resp.json().await.expect("launch json");
                    body["id"].as_str().expect("execution id").to_string()
                })
            })
            .collect();
        for launch in launches {
            acknowledged.push(launch.await.expect("launch task"));
        }
    }
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");

    let mut server = start(dir.path());
    let tok = token(&http, &server.url, &id, &secret).await;
    for execution in &acknowledged {
        let resp = http
            .get(format!(
                "{}/api/v2/flows/executions/{execution}",
                server.url
            ))
            .bearer_auth(&tok)
            .send()
            .await
            .expect("get");
        assert_eq!(
            resp.status(),
            200,
            "execution {execution} lost after kill -9"
        );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["status"], json!("COMPLETED"), "execution {execution}");
        assert_eq!(
            body["trace"]["flow"]["id"],
            json!(flow_id),
            "execution {execution}"
        );
        assert_eq!(
            body["trace"]["tags"],
            json!(["ran"]),
            "execution {execution}"
        );
    }
    server.child.kill().expect("kill");
    server.child.wait().expect("reap");
}
