//! Concurrent writers: the optimistic lock and the cycle guard hold under races, and parallel
//! writes never fail with a busy database.

use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn only_one_of_many_racing_puts_with_the_same_version_wins() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let t = s.admin_token().await;
    let id = s.create_named(&t, "inboundcall", "Contended").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, t, id) = (s.clone(), t.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            s.put(
                &format!("/api/v2/flows/{id}"),
                &t,
                json!({"version": 1, "description": format!("writer {i}")}),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(
        s.get(&format!("/api/v2/flows/{id}"), &t).await.body["version"],
        2
    );
}

#[tokio::test]
async fn racing_links_cannot_build_a_cycle_together() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let t = s.admin_token().await;
    let a = s.create_named(&t, "commonmodule", "A").await;
    let b = s.create_named(&t, "commonmodule", "B").await;
    let link = |from: String, to: String| {
        let (s, t) = (s.clone(), t.clone());
        tokio::spawn(async move {
            s.put(
                &format!("/api/v2/flows/{from}"),
                &t,
                json!({"actions": [{"type": "callFlow", "name": "c", "flow": {"id": to}}]}),
            )
            .await
            .status
            .as_u16()
        })
    };
    let ab = link(a.clone(), b.clone());
    let ba = link(b.clone(), a.clone());
    let mut statuses = vec![ab.await.unwrap(), ba.await.unwrap()];
    statuses.sort();
    assert_eq!(statuses, [200, 400]);
}

#[tokio::test]
async fn parallel_creates_all_succeed() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let t = s.admin_token().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            s.post(
                "/api/v2/flows",
                &t,
                json!({"name": format!("flow {i}"), "type": "inboundcall"}),
            )
            .await
            .status
            .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(
        s.get("/api/v2/flows?pageSize=1", &t).await.body["total"],
        24
    );
}
