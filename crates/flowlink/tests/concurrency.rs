//! Eight clients link eight different modules into the same fifty flows at once: afterwards
//! every flow calls each module exactly once (no write lost) and the 409 re-apply path ran.
//! (The same scenario over two `flowlink serve` replicas on one PostgreSQL is in `replicas.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::link_race::{self, Acknowledged};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_link_eight_modules_into_fifty_flows_without_losing_a_write() {
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
