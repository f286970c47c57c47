//! Export jobs (`reference/flow-jobs-api.md` §4): exact bytes back for Archy versions,
//! generated YAML for JSON-dialect ones, a zip for several flows, signed downloads.

use serde_json::json;

use crate::common::TestServer;
use crate::support::{export, import_ok, inbound, module, zip_entry, zip_names};

#[tokio::test]
async fn a_single_flow_exports_its_exact_bytes() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    // Comments, quoting and blank lines are the author's and must survive.
    let text = format!(
        "# kept as written\n{}\n\n# trailing comment\n",
        module("Exact")
    );
    let id = import_ok(&s, &t, &text).await;
    let got = export(&s, &t, json!([{"flow": {"id": id, "version": "1.0"}}])).await;
    assert_eq!(String::from_utf8(got).unwrap(), text);
    // Without a version: the published one; by name and type: the same flow.
    let got = export(
        &s,
        &t,
        json!([{"flow": {"name": "exact", "type": "commonmodule"}}]),
    )
    .await;
    assert_eq!(String::from_utf8(got).unwrap(), text);
}

#[tokio::test]
async fn several_flows_export_as_a_zip_of_named_files() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module("Shared");
    let m_id = import_ok(&s, &t, &m).await;
    let f = inbound("Front Door", &["Shared"]);
    let f_id = import_ok(&s, &t, &f).await;
    let json_flow = s
        .create(
            &t,
            json!({"name": "Json Flow", "type": "inboundcall",
                   "actions": [{"type": "disconnect", "name": "Bye"}]}),
        )
        .await;
    let j_id = json_flow["id"].as_str().unwrap();
    let z = export(
        &s,
        &t,
        json!([{"flow": {"id": m_id}}, {"flow": {"id": f_id}}, {"flow": {"id": j_id}}]),
    )
    .await;
    let names = zip_names(&z);
    let expected = [
        format!("Shared-COMMONMODULE-{m_id}.yaml"),
        format!("Front_Door-INBOUNDCALL-{f_id}.yaml"),
        format!("Json_Flow-INBOUNDCALL-{j_id}.yaml"),
    ];
    assert_eq!(names, expected);
    assert_eq!(zip_entry(&z, &expected[0]), m.into_bytes());
    assert_eq!(zip_entry(&z, &expected[1]), f.into_bytes());
    let generated = String::from_utf8(zip_entry(&z, &expected[2])).unwrap();
    assert!(generated.starts_with("inboundCall:"), "{generated}");
    assert!(generated.contains("Json Flow"), "{generated}");
}

#[tokio::test]
async fn export_failures_and_downloads() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let id = import_ok(&s, &t, &module("Downloadable")).await;
    // A flow that does not exist: Failure with a message, no download.
    let r = s
        .post(
            "/api/v2/flows/export/jobs",
            &t,
            json!({"flows": [{"flow": {"id": uuid::Uuid::new_v4().to_string()}}]}),
        )
        .await;
    r.expect(200, None);
    let job = r.body["id"].as_str().unwrap();
    let g = s
        .get(
            &format!("/api/v2/flows/export/jobs/{job}?expand=messages"),
            &t,
        )
        .await;
    assert_eq!(g.body["status"], "Failure", "{}", g.body);
    assert!(g.body["downloadUrl"].is_null());
    assert!(
        g.body["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("could not find the flow"),
        "{}",
        g.body
    );
    s.post("/api/v2/flows/export/jobs", &t, json!({"flows": []}))
        .await
        .expect(400, Some("bad.request"));

    // The download needs no token, but its signature; another org cannot see the job.
    let r = s
        .post(
            "/api/v2/flows/export/jobs",
            &t,
            json!({"flows": [{"flow": {"id": id}}]}),
        )
        .await;
    let job = r.body["id"].as_str().unwrap();
    let g = s.get(&format!("/api/v2/flows/export/jobs/{job}"), &t).await;
    assert_eq!(g.body["status"], "Success", "{}", g.body);
    assert_eq!(g.body["command"], "Export");
    let url = g.body["downloadUrl"].as_str().unwrap();
    let ok = s.http.get(url).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("Downloadable-COMMONMODULE-{id}.yaml")));
    let tampered = url.replace("signature=", "signature=00");
    let bad = s.http.get(&tampered).send().await.unwrap();
    assert_eq!(bad.status(), 403);
    let theirs = s.other_org_token().await;
    s.get(&format!("/api/v2/flows/export/jobs/{job}"), &theirs)
        .await
        .expect(404, Some("not.found"));
}
