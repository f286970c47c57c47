//! Import jobs the way the Terraform provider runs them (`reference/flow-jobs-api.md` §3).

use serde_json::json;

use crate::common::TestServer;
use crate::support::{self, import, import_ok, inbound, module, poll, register, upload, upload_to};

#[tokio::test]
async fn terraform_style_import_creates_then_updates_and_publishes() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let text = inbound("Main Line", &[]);
    let job = register(&s, &t, None).await;
    assert_eq!(job["headers"], json!({}));
    let job_id = job["id"].as_str().unwrap();
    assert_eq!(job["selfUri"], format!("/api/v2/flows/jobs/{job_id}"));
    // Before the upload the job is registered, not started.
    let before = s.get(&format!("/api/v2/flows/jobs/{job_id}"), &t).await;
    assert_eq!(before.body["status"], "Registered");
    let up = upload(&s, &job, &text).await;
    assert_eq!(up.status, 200, "{}", up.body);
    let end = poll(&s, &t, job_id).await;
    assert_eq!(end.status, "Success", "{}", end.body);
    assert_eq!(end.body["command"], "Publish");
    let id = end.flow_id();
    assert_eq!(end.body["flow"]["selfUri"], format!("/api/v2/flows/{id}"));

    let flow = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    flow.expect(200, None);
    assert_eq!(flow.body["type"], "INBOUNDCALL");
    assert_eq!(flow.body["name"], "Main Line");
    assert_eq!(flow.body["archy"], text.as_str());
    assert_eq!(flow.body["publishedVersion"]["id"], "1.0");

    // The same type and name again: a new published version of the same flow.
    let changed = text.replace("Welcome", "Welcome back");
    let again = import_ok(&s, &t, &changed).await;
    assert_eq!(again, id);
    let flow = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    assert_eq!(flow.body["publishedVersion"]["id"], "2.0");
    assert_eq!(flow.body["archy"], changed.as_str());
    let v1 = s.get(&format!("/api/v2/flows/{id}/versions/1.0"), &t).await;
    v1.expect(200, None);
}

#[tokio::test]
async fn a_broken_file_ends_in_failure_naming_the_line() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    // A tab may not indent YAML: line 3 is broken.
    let broken = "inboundCall:\n  name: Broken\n\tdescription: tabbed\n";
    let end = import(&s, &t, broken, None).await;
    assert_eq!(end.status, "Failure", "{}", end.body);
    let messages = end.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["type"], "Error");
    assert!(messages[0]["dateTime"].as_str().unwrap().ends_with('Z'));
    assert!(end.texts().contains("line 3"), "{}", end.texts());
    assert!(end.body["flow"].is_null(), "{}", end.body);
    // Nothing was written.
    let l = s.get("/api/v2/flows?name=Broken", &t).await;
    assert_eq!(l.body["total"], 0);
}

#[tokio::test]
async fn placeholders_are_never_substituted_by_the_server() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let end = import(&s, &t, &module("{{module_name}}"), None).await;
    assert_eq!(end.status, "Failure", "{}", end.body);
    assert!(end.texts().contains("line 2"), "{}", end.texts());
}

#[tokio::test]
async fn upload_urls_are_signed_short_lived_and_single_use() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let text = module("Signed");
    let job = register(&s, &t, None).await;
    let url = job["presignedUrl"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&s.base),
        "{url} is absolute, on this server"
    );

    // A changed signature, a moved expiry, no signature, another job's id: 403, nothing runs.
    let last = url.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &url[..url.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let (head, expires) = url.split_once("expires=").unwrap();
    let (ms, sig) = expires.split_once('&').unwrap();
    let later = format!(
        "{head}expires={}&{sig}",
        ms.parse::<i64>().unwrap() + 60_000
    );
    let unsigned = url.split_once('?').unwrap().0.to_string();
    let other = register(&s, &t, None).await;
    let other_id = other["id"].as_str().unwrap();
    let swapped = url.replace(job["id"].as_str().unwrap(), other_id);
    for bad in [flipped, later, unsigned, swapped] {
        upload_to(&s, &bad, &job, &text)
            .await
            .expect(403, Some("signature.invalid"));
    }
    // An expired one (signed correctly, in the past) is refused too.
    let past = {
        let signer = flowlink_server::jobs::signing::Signer::load(s.store.as_ref())
            .await
            .unwrap();
        let id: uuid::Uuid = job["id"].as_str().unwrap().parse().unwrap();
        signer.url(
            &s.base,
            &flowlink_server::jobs::upload_path(id),
            flowlink_server::jobs::signing::Purpose::Upload,
            id,
            chrono::Utc::now().timestamp_millis() - 120_000,
            60_000,
        )
    };
    let r = upload_to(&s, &past, &job, &text).await;
    r.expect(403, Some("signature.invalid"));
    assert!(
        r.body["message"].as_str().unwrap().contains("expired"),
        "{}",
        r.body
    );
    let still = s
        .get(
            &format!("/api/v2/flows/jobs/{}", job["id"].as_str().unwrap()),
            &t,
        )
        .await;
    assert_eq!(still.body["status"], "Registered");

    // The real one works once; a replay is refused and changes nothing.
    upload(&s, &job, &text).await.expect(200, None);
    let end = poll(&s, &t, job["id"].as_str().unwrap()).await;
    assert_eq!(end.status, "Success", "{}", end.body);
    upload(&s, &job, &module("Replayed"))
        .await
        .expect(403, Some("signature.invalid"));
    let l = s.get("/api/v2/flows?name=Replayed", &t).await;
    assert_eq!(l.body["total"], 0);
}

#[tokio::test]
async fn jobs_belong_to_their_organization() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let theirs = s.other_org_token().await;
    let end = import(&s, &t, &module("Mine"), None).await;
    let job_id = end.body["id"].as_str().unwrap().to_string();
    s.get(&format!("/api/v2/flows/jobs/{job_id}"), &theirs)
        .await
        .expect(404, Some("not.found"));
    // An import job id is no export job.
    s.get(&format!("/api/v2/flows/export/jobs/{job_id}"), &t)
        .await
        .expect(404, Some("not.found"));
    // Their import does not see my modules by name.
    let end = import(&s, &theirs, &inbound("Theirs", &["Mine"]), None).await;
    assert_eq!(end.status, "Failure", "{}", end.body);
    assert!(end.texts().contains("'Mine'"), "{}", end.texts());
}

#[tokio::test]
async fn scopes_of_the_jobs() {
    let s = TestServer::start().await;
    let reader = s.token_with_scopes(&["flow:flow:read"]).await;
    let writer = s.token_with_scopes(&["flow:flow:write"]).await;
    s.post("/api/v2/flows/jobs", &reader, json!({}))
        .await
        .expect(403, Some("missing.any.permissions"));
    let end = import(&s, &writer, &module("By Writer"), None).await;
    assert_eq!(end.status, "Success", "{}", end.body);
    s.post(
        "/api/v2/flows/export/jobs",
        &writer,
        json!({"flows": [{"flow": {"id": end.flow_id()}}]}),
    )
    .await
    .expect(403, Some("missing.any.permissions"));
    let got = support::export(&s, &reader, json!([{"flow": {"id": end.flow_id()}}])).await;
    assert_eq!(got, module("By Writer").into_bytes());
}

#[tokio::test]
async fn unknown_modules_fail_by_name_unless_stubs_are_asked() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let caller = inbound("Caller", &["Auth Module"]);
    let end = import(&s, &t, &caller, None).await;
    assert_eq!(end.status, "Failure", "{}", end.body);
    assert!(end.texts().contains("'Auth Module'"), "{}", end.texts());

    let end = import(&s, &t, &caller, Some(true)).await;
    assert_eq!(end.status, "Success", "{}", end.body);
    let caller_id = end.flow_id();
    let modules = s
        .get("/api/v2/flows/flowmodules?name=Auth Module", &t)
        .await;
    assert_eq!(modules.body["total"], 1, "{}", modules.body);
    let stub = &modules.body["entities"][0];
    assert_eq!(stub["publishedVersion"]["id"], "1.0");
    let stub_id = stub["id"].as_str().unwrap();

    // The by-name call is a dependency like any other: consumers, delete protection.
    let consumers = s
        .get(
            &format!("/api/v2/architect/dependencytracking/consumingresources?id={stub_id}&objectType=COMMONMODULEFLOW"),
            &t,
        )
        .await;
    consumers.expect(200, None);
    assert_eq!(
        consumers.body["entities"][0]["id"],
        caller_id.as_str(),
        "{}",
        consumers.body
    );
    s.delete(&format!("/api/v2/flows/flowmodules/{stub_id}"), &t)
        .await
        .expect(409, Some("architect.flow.in.use"));
    let consumed = s
        .get(
            &format!("/api/v2/architect/dependencytracking/consumedresources?id={caller_id}&version=1.0&objectType=INBOUNDCALLFLOW"),
            &t,
        )
        .await;
    consumed.expect(200, None);
    assert_eq!(
        consumed.body["entities"][0]["id"], stub_id,
        "{}",
        consumed.body
    );
}
