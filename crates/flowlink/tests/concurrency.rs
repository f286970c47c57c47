//! Eight clients link eight different modules into the same fifty flows at once: afterwards
//! every flow calls each module exactly once (no write lost). Flow by flow (GET/PUT, as against
//! Genesys) the 409 re-apply path runs; with the server's bulk link the server re-reads each
//! flow inside its transaction, so there is nothing to re-apply. (The per-flow scenario over
//! two `flowlink serve` replicas on one PostgreSQL is in `replicas.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::link_race::{self, Acknowledged};
use common::*;
use flowlink_client::LinkOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_link_flow_by_flow_without_losing_a_write_through_409s() {
    let server = TestServer::start(0).await;
    let setup = server.client();
    let fx = link_race::setup(&setup).await;
    let clients = (0..link_race::MODULES).map(|_| server.client()).collect();
    let acks = Acknowledged::default();
    let outcomes = link_race::race(clients, &fx, &acks, Arc::new(|| {})).await;
    let mut retries = 0;
    for outcome in outcomes {
        let (report, client_retries) = outcome.unwrap();
        retries += link_race::assert_all_linked(&report, client_retries);
    }
    assert!(retries > 0, "the 409 path was never exercised");
    eprintln!("409 re-applies across the 8 clients: {retries}");
    assert_eq!(acks.all().len(), link_race::FLOWS * link_race::MODULES);
    link_race::assert_each_module_called_once(&setup, &fx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_bulk_link_eight_modules_into_fifty_flows_without_losing_a_write() {
    let server = TestServer::start(0).await;
    let setup = server.client();
    let fx = link_race::setup(&setup).await;
    let clients: Vec<_> = (0..link_race::MODULES).map(|_| server.client()).collect();
    // Clones share their client's counters: what each client sent stays visible here.
    let watched = clients.clone();
    let acks = Acknowledged::default();
    let outcomes =
        link_race::race_with(clients, &fx, &acks, Arc::new(|| {}), LinkOptions::default()).await;
    for outcome in outcomes {
        let (report, client_retries) = outcome.unwrap();
        assert_eq!(link_race::assert_all_linked(&report, client_retries), 0);
    }
    for c in &watched {
        // Module lookup, at most a listing page and one bulk request: not a GET/PUT per flow.
        let sent = c.stats().requests;
        assert!(sent <= 4, "{sent} requests: the bulk link was not used");
    }
    assert_eq!(acks.all().len(), link_race::FLOWS * link_race::MODULES);
    link_race::assert_each_module_called_once(&setup, &fx).await;
}
