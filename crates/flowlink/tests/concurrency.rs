//! Eight clients link eight different modules into the same fifty flows at once: afterwards
//! every flow calls each module exactly once (no write lost) and the 409 re-apply path ran.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use flowlink_client::api::FlowType;
use flowlink_client::{FlowQuery, FlowStatus, LinkOptions, Targets};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_link_eight_modules_into_fifty_flows_without_losing_a_write() {
    let server = TestServer::start(0).await;
    let setup = server.client();
    let mut flow_ids = Vec::new();
    for i in 0..50 {
        let logic = if i % 2 == 0 {
            graph_flow("f")
        } else {
            action_flow("f")
        };
        let f = create_flow(
            &setup,
            &format!("Flow {i:02}"),
            FlowType::InboundCall,
            &logic,
        )
        .await;
        flow_ids.push(f.id.unwrap());
    }
    let mut module_ids = Vec::new();
    for i in 0..8 {
        let m = setup
            .create_module(
                &format!("Module {i}"),
                None,
                Some(&tag_module(&format!("m{i}"))),
            )
            .await
            .unwrap();
        module_ids.push(m.id.unwrap());
    }

    // Every client logs in first, then all start together so their writes really collide.
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for (i, module_id) in module_ids.iter().cloned().enumerate() {
        let client = server.client();
        let barrier = barrier.clone();
        // Half select the flows by id, half by listing (which may hand over stale snapshots).
        let targets = if i % 2 == 0 {
            Targets::Ids(flow_ids.clone())
        } else {
            Targets::Query(FlowQuery::of_type(FlowType::InboundCall))
        };
        tasks.push(tokio::spawn(async move {
            client.access_token().await.unwrap();
            barrier.wait().await;
            let report = client
                .link_module(&module_id, &targets, &LinkOptions::default(), &())
                .await
                .unwrap();
            (report, client.stats())
        }));
    }
    let mut retries = 0;
    for t in tasks {
        let (report, stats) = t.await.unwrap();
        assert_eq!(report.results.len(), 50);
        assert!(
            report
                .results
                .iter()
                .all(|r| r.status == FlowStatus::Linked),
            "{:?}",
            report
                .results
                .iter()
                .find(|r| r.status != FlowStatus::Linked)
        );
        let per_flow: u64 = report
            .results
            .iter()
            .map(|r| u64::from(r.conflict_retries))
            .sum();
        assert_eq!(per_flow, stats.conflict_retries);
        retries += stats.conflict_retries;
    }
    assert!(retries > 0, "the 409 path was never exercised");
    eprintln!("409 re-applies across the 8 clients: {retries}");

    for id in &flow_ids {
        let f = setup.get_flow(id).await.unwrap();
        let mut called: Vec<String> = calls(&f).into_iter().map(|(m, _)| m).collect();
        called.sort();
        let mut want = module_ids.clone();
        want.sort();
        assert_eq!(called, want, "flow {id} calls each module exactly once");
        // 1 create + 8 links: every accepted change bumped `version` once.
        assert_eq!(f.version, Some(9), "flow {id}");
    }
}
