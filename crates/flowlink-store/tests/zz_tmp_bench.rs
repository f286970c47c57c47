#![allow(clippy::unwrap_used)]
#[allow(dead_code)]
#[path = "story/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "story/support.rs"]
mod support;
use flowlink_api::FlowType;
use flowlink_store::*;
use support::*;
use std::time::Instant;

async fn run(name: &str, s: Shared) {
    let o = org(&s, "bench").await;
    let m = flow(&s, o, FlowType::CommonModule, "M", empty()).await;
    let mut ids = vec![];
    for i in 0..1000 { ids.push(flow(&s, o, FlowType::InboundCall, &format!("F{i}"), empty()).await.id); }
    let t = Instant::now();
    let mut tasks = vec![];
    for c in 0..8 {
        let s = s.clone(); let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            for id in ids.iter().skip(c).step_by(8) {
                let cur = s.get_flow(o, *id).await.unwrap();
                let u = FlowUpdate { expected_version: Some(cur.version), logic: Some(logic(vec![call(m.id, None)])), ..Default::default() };
                s.update_flow(o, *id, u, &NoLinkGuard).await.unwrap();
            }
        }));
    }
    for t in tasks { t.await.unwrap(); }
    eprintln!("BENCH {name}: 1000-flow link (8 tasks) {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bench() {
    let b = harness::sqlite().await; run("sqlite", b.store.clone()).await; b.finish().await;
    let b = harness::postgres().await.unwrap(); run("postgres", b.store.clone()).await; b.finish().await;
}
