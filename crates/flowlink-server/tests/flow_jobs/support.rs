//! Driving the flow jobs API like a client: the Terraform provider's import sequence and the
//! export sequence, plus small Archy files.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::common::{reply, Reply, TestServer};

/// An inbound call flow named `name` whose start task calls the modules `calls` by name.
pub fn inbound(name: &str, calls: &[&str]) -> String {
    let mut text = format!(
        "inboundCall:\n  name: {name}\n  defaultLanguage: en-us\n  startUpRef: \"/inboundCall/tasks/task[Start_10]\"\n  initialGreeting:\n    tts: Welcome\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n"
    );
    for m in calls {
        text.push_str(&format!(
            "          - callCommonModule:\n              name: Call {m}\n              commonModule:\n                {m}:\n                  ver_latestPublished:\n"
        ));
    }
    text.push_str("          - disconnect:\n              name: Bye\n");
    text
}

/// An empty common module named `name`.
pub fn module(name: &str) -> String {
    format!(
        "commonModule:\n  name: {name}\n  startUpRef: \"/commonModule/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - endTask:\n              name: Done\n"
    )
}

/// A workflow (not simulated) named `name`.
pub fn workflow(name: &str) -> String {
    format!(
        "workflow:\n  name: {name}\n  startUpRef: \"/workflow/states/state[Start_10]\"\n  states:\n    - state:\n        name: Start\n        refId: Start_10\n        actions:\n          - endWorkflow:\n              name: End\n"
    )
}

/// What the provider reads from a finished job.
pub struct JobEnd {
    pub status: String,
    pub body: Value,
}

impl JobEnd {
    pub fn flow_id(&self) -> String {
        self.body["flow"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no flow.id: {}", self.body))
            .to_string()
    }

    /// Every message text, joined (what the provider prints on Failure).
    pub fn texts(&self) -> String {
        self.body["messages"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["text"].as_str().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }
}

/// `POST /api/v2/flows/jobs` (no body, like `PostFlowsJobs(nil)`, or `{createStubs}`).
pub async fn register(s: &TestServer, token: &str, create_stubs: Option<bool>) -> Value {
    let mut req = s
        .http
        .post(format!("{}/api/v2/flows/jobs", s.base))
        .bearer_auth(token);
    if let Some(c) = create_stubs {
        req = req.json(&json!({ "createStubs": c }));
    }
    let r = reply(req.send().await.unwrap()).await;
    r.expect(200, None);
    for k in ["id", "presignedUrl", "selfUri"] {
        assert!(r.body[k].is_string(), "{k} in {}", r.body);
    }
    assert!(
        r.body["headers"].is_object(),
        "headers always present: {}",
        r.body
    );
    r.body
}

/// The upload: `PUT presignedUrl` with the raw bytes, every returned header and no
/// `Authorization`.
pub async fn upload(s: &TestServer, job: &Value, body: &str) -> Reply {
    upload_to(s, job["presignedUrl"].as_str().unwrap(), job, body).await
}

/// The upload to an explicit URL (tampering tests).
pub async fn upload_to(s: &TestServer, url: &str, job: &Value, body: &str) -> Reply {
    let headers: BTreeMap<String, String> = serde_json::from_value(job["headers"].clone()).unwrap();
    let mut req = s.http.put(url).body(body.to_string());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    reply(req.send().await.unwrap()).await
}

/// Polls `GET /api/v2/flows/jobs/{id}?expand=messages` until `Success` or `Failure`.
pub async fn poll(s: &TestServer, token: &str, job_id: &str) -> JobEnd {
    for _ in 0..100 {
        let r = s
            .get(
                &format!("/api/v2/flows/jobs/{job_id}?expand=messages"),
                token,
            )
            .await;
        r.expect(200, None);
        let status = r.body["status"].as_str().unwrap().to_string();
        if status == "Success" || status == "Failure" {
            return JobEnd {
                status,
                body: r.body,
            };
        }
        assert!(status == "Registered" || status == "Started", "{}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {job_id} did not finish");
}

/// The provider's whole sequence: register, upload (expects 200), poll.
pub async fn import(s: &TestServer, token: &str, text: &str, create_stubs: Option<bool>) -> JobEnd {
    let job = register(s, token, create_stubs).await;
    upload(s, &job, text).await.expect(200, None);
    poll(s, token, job["id"].as_str().unwrap()).await
}

/// Imports and expects `Success`; returns the flow id.
pub async fn import_ok(s: &TestServer, token: &str, text: &str) -> String {
    let end = import(s, token, text, None).await;
    assert_eq!(end.status, "Success", "{}", end.body);
    end.flow_id()
}

/// The export sequence: register, poll until `Success` (never `Registered`), download without
/// a token. Returns the downloaded bytes.
pub async fn export(s: &TestServer, token: &str, flows: Value) -> Vec<u8> {
    let r = s
        .post(
            "/api/v2/flows/export/jobs",
            token,
            json!({ "flows": flows }),
        )
        .await;
    r.expect(200, None);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.body["totalFlows"].as_i64(),
        Some(flows.as_array().unwrap().len() as i64)
    );
    let url = loop {
        let g = s
            .get(
                &format!("/api/v2/flows/export/jobs/{id}?expand=messages"),
                token,
            )
            .await;
        g.expect(200, None);
        match g.body["status"].as_str().unwrap() {
            "Started" => continue,
            "Success" => break g.body["downloadUrl"].as_str().unwrap().to_string(),
            other => panic!("export job answered {other}: {}", g.body),
        }
    };
    let d = s.http.get(&url).send().await.unwrap();
    assert_eq!(d.status(), 200);
    d.bytes().await.unwrap().to_vec()
}

/// File names in a zip archive (from its central directory).
pub fn zip_names(z: &[u8]) -> Vec<String> {
    let eocd = z.len() - 22;
    assert_eq!(&z[eocd..eocd + 4], b"PK\x05\x06", "not a zip");
    let count = u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]) as usize;
    let mut at = u32::from_le_bytes(z[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let mut names = Vec::new();
    for _ in 0..count {
        assert_eq!(&z[at..at + 4], b"PK\x01\x02");
        let n = u16::from_le_bytes([z[at + 28], z[at + 29]]) as usize;
        let extra = u16::from_le_bytes([z[at + 30], z[at + 31]]) as usize;
        let comment = u16::from_le_bytes([z[at + 32], z[at + 33]]) as usize;
        names.push(String::from_utf8(z[at + 46..at + 46 + n].to_vec()).unwrap());
        at += 46 + n + extra + comment;
    }
    names
}

/// The bytes of entry `name` of a stored (uncompressed) zip archive.
pub fn zip_entry(z: &[u8], name: &str) -> Vec<u8> {
    let mut at = 0;
    while &z[at..at + 4] == b"PK\x03\x04" {
        let size = u32::from_le_bytes(z[at + 18..at + 22].try_into().unwrap()) as usize;
        let n = u16::from_le_bytes([z[at + 26], z[at + 27]]) as usize;
        let extra = u16::from_le_bytes([z[at + 28], z[at + 29]]) as usize;
        let entry = &z[at + 30..at + 30 + n];
        let data_at = at + 30 + n + extra;
        if entry == name.as_bytes() {
            return z[data_at..data_at + size].to_vec();
        }
        at = data_at + size;
    }
    panic!("no entry {name}");
}
