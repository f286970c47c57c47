//! Against a server with a small per-token budget the client finishes a bulk link without
//! errors by waiting on `Retry-After` (shared by all its in-flight requests): flow by flow
//! (many requests, as against Genesys) and through the server's bulk link (few requests, but
//! each one is charged like any other).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use flowlink_client::api::FlowType;
use flowlink_client::{FlowQuery, FlowStatus, LinkOptions, Targets};
use futures::StreamExt;

/// 600/minute refills one request every 100 ms; `Retry-After` is rounded up to 1 s, so each
/// wait lets about ten requests through.
const BUDGET: u32 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_flow_link_over_budget_waits_out_429s_and_succeeds() {
    let server = TestServer::start(BUDGET).await;
    let setup = server.client();
    for i in 0..30 {
        create_flow(
            &setup,
            &format!("Flow {i:02}"),
            FlowType::InboundCall,
            &action_flow("f"),
        )
        .await;
    }
    let m = setup
        .create_module("Auth", None, Some(&tag_module("auth")))
        .await
        .unwrap();

    // A fresh token, almost spent before the job starts, so the link runs into the limit.
    let client = server.client();
    let spent: Vec<_> = futures::stream::iter(0..BUDGET - 5)
        .map(|_| client.organization())
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(spent.iter().all(Result::is_ok));
    let before = client.stats().rate_limited;

    let report = client
        .link_module(
            m.id.as_deref().unwrap(),
            &Targets::Query(FlowQuery::of_type(FlowType::InboundCall)),
            &LinkOptions {
                per_flow: true,
                ..LinkOptions::default()
            },
            &(),
        )
        .await
        .unwrap();
    assert_eq!(report.results.len(), 30);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.status == FlowStatus::Linked),
        "{report:?}"
    );
    let waited = client.stats().rate_limited - before;
    assert!(waited > 0, "the budget was never hit");
    eprintln!("429s waited out during the link: {waited}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_link_over_budget_waits_out_429s_and_succeeds() {
    // A bulk link needs about three requests, so the token's budget is spent to the last
    // request first, on a server refilling only one request a second.
    let server = TestServer::start(60).await;
    let setup = server.client();
    for i in 0..30 {
        create_flow(
            &setup,
            &format!("Flow {i:02}"),
            FlowType::InboundCall,
            &action_flow("f"),
        )
        .await;
    }
    let m = setup
        .create_module("Auth", None, Some(&tag_module("auth")))
        .await
        .unwrap();
    let client = server.client();
    let token = client.access_token().await.unwrap();
    let http = reqwest::Client::new();
    let mut refused = false;
    for _ in 0..200 {
        let status = http
            .get(format!("{}/api/v2/organizations/me", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused, "the budget never ran out");
    let report = client
        .link_module(
            m.id.as_deref().unwrap(),
            &Targets::Query(FlowQuery::of_type(FlowType::InboundCall)),
            &LinkOptions::default(),
            &(),
        )
        .await
        .unwrap();
    assert_eq!(report.results.len(), 30);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.status == FlowStatus::Linked),
        "{report:?}"
    );
    assert!(client.stats().requests < 10, "the bulk link was used");
    let waited = client.stats().rate_limited;
    assert!(waited > 0, "the budget was never hit");
    eprintln!("429s waited out during the bulk link: {waited}");
}
