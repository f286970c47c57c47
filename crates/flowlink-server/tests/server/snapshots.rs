//! Snapshots of representative bodies (ids and dates redacted) so wire-shape changes show up
//! in review.

use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn flow_listing_and_error_bodies() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let f = s
        .create(
            &t,
            json!({"name": "Snapshot Flow", "type": "inboundcall", "description": "shape",
                   "actions": [{"type": "tagInteraction", "name": "Tag", "tags": ["x"]}]}),
        )
        .await;
    insta::assert_json_snapshot!("flow", f, {
        ".id" => "[id]",
        ".selfUri" => "[uri]",
        ".division.id" => "[org]",
        ".division.selfUri" => "[uri]",
        ".publishedVersion.selfUri" => "[uri]",
        ".publishedVersion.configurationUri" => "[uri]",
        ".publishedVersion.datePublished" => "[date]",
        ".checkedInVersion.selfUri" => "[uri]",
        ".checkedInVersion.configurationUri" => "[uri]",
    });
    let listing = s.get("/api/v2/flows?pageSize=1", &t).await.body;
    insta::assert_json_snapshot!("listing", listing, {
        ".entities[].id" => "[id]",
        ".entities[].selfUri" => "[uri]",
        ".entities[].division.id" => "[org]",
        ".entities[].division.selfUri" => "[uri]",
        ".entities[].publishedVersion.selfUri" => "[uri]",
        ".entities[].publishedVersion.configurationUri" => "[uri]",
        ".entities[].publishedVersion.datePublished" => "[date]",
        ".entities[].checkedInVersion.selfUri" => "[uri]",
        ".entities[].checkedInVersion.configurationUri" => "[uri]",
    });
    let err = s
        .get("/api/v2/flows/00000000-0000-4000-8000-000000000000", &t)
        .await
        .body;
    insta::assert_json_snapshot!("not_found", err, { ".contextId" => "[context]" });
}
