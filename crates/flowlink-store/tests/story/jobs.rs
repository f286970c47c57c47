//! Architect jobs: stored per organization, status changes conditional (which makes an upload
//! URL single-use across replicas), and one signing secret however many replicas ask.

use std::sync::Arc;

use flowlink_store::{JobKind, JobRecord, JobStatus, Store, StoreError};
use serde_json::json;
use uuid::Uuid;

pub async fn jobs_are_scoped_and_their_status_changes_are_conditional(store: Arc<dyn Store>) {
    let org = store.create_org("jobs").await.unwrap();
    let other = store.create_org("other").await.unwrap();
    let job = JobRecord {
        id: Uuid::now_v7(),
        org_id: org.id,
        kind: JobKind::Import,
        status: JobStatus::Registered,
        command: None,
        request: json!({"createStubs": true}),
        client_id: None,
        flow_id: None,
        messages: json!([]),
        total_flows: 1,
        result: None,
        result_name: None,
        created_ms: 1,
        modified_ms: 1,
    };
    store.insert_job(&job).await.unwrap();
    assert_eq!(store.get_job(org.id, job.id).await.unwrap(), job);
    assert_eq!(store.get_job_by_id(job.id).await.unwrap(), job);
    assert_eq!(
        store.get_job(other.id, job.id).await,
        Err(StoreError::NotFound)
    );

    // Two uploads race to start it: exactly one wins.
    let started = JobRecord {
        status: JobStatus::Started,
        modified_ms: 2,
        ..job.clone()
    };
    let (a, b) = tokio::join!(
        store.update_job(&started, JobStatus::Registered),
        store.update_job(&started, JobStatus::Registered)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|w| **w).count(), 1);

    let done = JobRecord {
        status: JobStatus::Success,
        command: Some("Export".into()),
        flow_id: Some(Uuid::new_v4()),
        messages: json!([{"type": "Error", "text": "x"}]),
        result: Some(vec![0, 1, 2, 255]),
        result_name: Some("a.zip".into()),
        modified_ms: 3,
        ..job.clone()
    };
    assert!(store.update_job(&done, JobStatus::Started).await.unwrap());
    assert_eq!(store.get_job(org.id, job.id).await.unwrap(), done);
    assert!(!store
        .update_job(&started, JobStatus::Registered)
        .await
        .unwrap());

    // Old jobs go; newer ones stay.
    assert_eq!(store.purge_jobs(3).await.unwrap(), 0);
    assert_eq!(store.purge_jobs(4).await.unwrap(), 1);
    assert_eq!(
        store.get_job(org.id, job.id).await,
        Err(StoreError::NotFound)
    );

    // One secret for everyone: the first candidate wins.
    let first = store.server_secret("s", b"first").await.unwrap();
    let second = store.server_secret("s", b"second").await.unwrap();
    assert_eq!(
        (first.as_slice(), second.as_slice()),
        (&b"first"[..], &b"first"[..])
    );
}
