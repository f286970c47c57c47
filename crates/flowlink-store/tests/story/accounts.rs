//! Organizations, OAuth clients, tokens and executions.

use std::sync::Arc;

use flowlink_api::FlowType;
use flowlink_store::*;
use serde_json::json;
use uuid::Uuid;

use crate::support::*;

fn client(org_id: Uuid, name: &str, scopes: &[&str]) -> NewClient {
    NewClient {
        org_id,
        name: name.into(),
        secret_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        token_lifetime_secs: 86_400,
    }
}

pub async fn orgs_clients_and_tokens(s: Shared) {
    let acme = s.create_org("acme").await.unwrap();
    let other = s.create_org("other").await.unwrap();
    assert_eq!(s.get_org(acme.id).await.unwrap(), acme);
    assert_eq!(s.get_org(Uuid::new_v4()).await, Err(StoreError::NotFound));
    let all: Vec<Uuid> = s.list_orgs().await.unwrap().iter().map(|o| o.id).collect();
    assert!(all.contains(&acme.id) && all.contains(&other.id), "{all:?}");

    let ci = s
        .create_client(client(acme.id, "ci", &["admin", "flow:flow:read"]))
        .await
        .unwrap();
    let dev = s.create_client(client(acme.id, "dev", &[])).await.unwrap();
    let theirs = s
        .create_client(client(other.id, "theirs", &["architect"]))
        .await
        .unwrap();
    let got = s.get_client(ci.id).await.unwrap();
    assert_eq!(got, ci);

    // A login upgrades the stored hash only if it is still the one it checked.
    let old_hash = ci.secret_hash.clone();
    assert!(!s
        .replace_client_secret_hash(ci.id, "sha256:other", "sha256:new")
        .await
        .unwrap());
    assert_eq!(s.get_client(ci.id).await.unwrap().secret_hash, old_hash);
    assert!(s
        .replace_client_secret_hash(ci.id, &old_hash, "sha256:new")
        .await
        .unwrap());
    assert_eq!(s.get_client(ci.id).await.unwrap().secret_hash, "sha256:new");
    assert!(!s
        .replace_client_secret_hash(Uuid::new_v4(), &old_hash, "sha256:x")
        .await
        .unwrap());
    let ci = s.get_client(ci.id).await.unwrap();
    assert_eq!(got.scopes, ["admin", "flow:flow:read"]);
    assert_eq!(
        s.get_client(dev.id).await.unwrap().scopes,
        Vec::<String>::new()
    );
    let listed: Vec<Uuid> = s
        .list_clients(acme.id)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&ci.id) && listed.contains(&dev.id));
    assert!(!listed.contains(&theirs.id));
    assert_eq!(
        s.create_client(client(Uuid::new_v4(), "x", &[]))
            .await
            .err(),
        Some(StoreError::NotFound)
    );
    assert_eq!(
        s.get_client(Uuid::new_v4()).await.err(),
        Some(StoreError::NotFound)
    );

    let live = AccessToken {
        token_hash: vec![7; 32],
        client_id: ci.id,
        org_id: acme.id,
        scopes: vec!["architect".into(), "admin".into()],
        expires_ms: 5_000,
    };
    let old = AccessToken {
        token_hash: vec![1; 32],
        expires_ms: 1_000,
        ..live.clone()
    };
    s.insert_token(&live).await.unwrap();
    s.insert_token(&old).await.unwrap();
    assert_eq!(s.get_token(&[7; 32]).await.unwrap(), live);
    assert_eq!(s.get_token(&[1; 32]).await.unwrap(), old);
    assert_eq!(s.get_token(&[9; 32]).await, Err(StoreError::NotFound));
    // Strictly "expired before now": a token expiring exactly now survives this purge.
    assert_eq!(s.purge_expired_tokens(1_000).await.unwrap(), 0);
    assert_eq!(s.purge_expired_tokens(1_001).await.unwrap(), 1);
    assert_eq!(s.get_token(&[1; 32]).await, Err(StoreError::NotFound));
    assert_eq!(s.get_token(&[7; 32]).await.unwrap(), live);
    // Revocation (the console's sign-out): the token is gone at once, and only it.
    let other_live = AccessToken {
        token_hash: vec![8; 32],
        ..live.clone()
    };
    s.insert_token(&other_live).await.unwrap();
    assert!(s.revoke_token(&[7; 32]).await.unwrap());
    assert_eq!(s.get_token(&[7; 32]).await, Err(StoreError::NotFound));
    assert!(!s.revoke_token(&[7; 32]).await.unwrap(), "already revoked");
    assert_eq!(s.get_token(&[8; 32]).await.unwrap(), other_live);
}

pub async fn executions_are_recorded_and_scoped(s: Shared) {
    let acme = org(&s, "acme").await;
    let other = org(&s, "other").await;
    let f = flow(&s, acme, FlowType::InboundCall, "Main", empty()).await;
    let g = flow(&s, acme, FlowType::InboundCall, "Second", empty()).await;
    let trace = json!({"steps": [{"node": "n1", "outcome": "ok"}], "note": "ünïcödé \u{0}"});
    for i in 0..5 {
        s.insert_execution(&ExecutionRecord {
            id: Uuid::new_v4(),
            org_id: acme,
            flow_id: if i == 4 { g.id } else { f.id },
            flow_version: 1,
            name: Some(format!("run {i}")),
            status: "COMPLETED".into(),
            launched_ms: 1_000 + i,
            completed_ms: Some(2_000),
            outcome: Some("disconnected".into()),
            action_count: 3,
            trace: JsonText::from(&trace),
            output: json!({"Flow.x": 1}),
            client_id: None,
        })
        .await
        .unwrap();
    }
    let page = s
        .list_executions(acme, f.id, PageRequest { number: 1, size: 2 })
        .await
        .unwrap();
    assert_eq!(page.total, 4);
    let names: Vec<_> = page.items.iter().map(|e| e.name.clone().unwrap()).collect();
    assert_eq!(names, ["run 3", "run 2"]);
    let last = s
        .list_executions(acme, f.id, PageRequest { number: 2, size: 3 })
        .await
        .unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].name.as_deref(), Some("run 0"));
    let one = s.get_execution(acme, page.items[0].id).await.unwrap();
    assert_eq!(one, page.items[0]);
    assert_eq!(one.trace.parse().unwrap(), trace);
    // Another organization sees nothing.
    assert_eq!(
        s.get_execution(other, one.id).await,
        Err(StoreError::NotFound)
    );
    let theirs = s
        .list_executions(other, f.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!((theirs.total, theirs.items.len()), (0, 0));
}

/// Many executions inserted at once (SQLite writes them in shared batches): every one is
/// acknowledged and readable, and one whose flow does not exist fails alone with NotFound.
pub async fn concurrent_executions_are_each_recorded_and_a_bad_one_fails_alone(s: Shared) {
    let acme = org(&s, "acme").await;
    let f = flow(&s, acme, FlowType::InboundCall, "Main", empty()).await;
    let record = |i: i64, flow_id: Uuid| ExecutionRecord {
        id: Uuid::new_v4(),
        org_id: acme,
        flow_id,
        flow_version: 1,
        name: Some(format!("run {i}")),
        status: "COMPLETED".into(),
        launched_ms: 1_000 + i,
        completed_ms: Some(2_000),
        outcome: Some("disconnected".into()),
        action_count: 3,
        trace: JsonText::from(&json!({"steps": [], "i": i})),
        output: json!({"Flow.i": i}),
        client_id: None,
    };
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            // One launch of a flow that does not exist, in the middle of the burst.
            let rec = record(i, if i == 31 { Uuid::new_v4() } else { f.id });
            let s = Arc::clone(&s);
            tokio::spawn(async move { (s.insert_execution(&rec).await, rec) })
        })
        .collect();
    let mut stored = Vec::new();
    for t in tasks {
        let (result, rec) = t.await.unwrap();
        if rec.flow_id == f.id {
            result.unwrap();
            stored.push(rec);
        } else {
            assert_eq!(result, Err(StoreError::NotFound));
            assert_eq!(
                s.get_execution(acme, rec.id).await,
                Err(StoreError::NotFound)
            );
        }
    }
    assert_eq!(stored.len(), 63);
    for rec in &stored {
        assert_eq!(&s.get_execution(acme, rec.id).await.unwrap(), rec);
    }
    let page = s
        .list_executions(
            acme,
            f.id,
            PageRequest {
                number: 1,
                size: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 63);
}
