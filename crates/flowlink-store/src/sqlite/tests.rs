//! What only the SQLite backend has: a database file that outlives the process. Every other
//! behaviour is the backend-neutral store story's (`tests/story/`), run on SQLite and
//! PostgreSQL alike.

use flowlink_api::FlowType;
use serde_json::json;

use super::SqliteStore;
use crate::records::*;
use crate::store::{NoLinkGuard, Store};

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (org, id) = {
        let s = SqliteStore::open_dir(dir.path()).await.unwrap();
        let org = s.create_org("acme").await.unwrap().id;
        let f = s
            .create_flow(
                NewFlow {
                    org_id: org,
                    flow_type: FlowType::InboundCall,
                    name: "Main".into(),
                    description: None,
                    error_handling: None,
                    logic: LogicWrite {
                        document: json!({"actions": [{"type": "disconnect", "name": "bye"}]}),
                        dialect: Some(Dialect::Actions),
                        calls: vec![],
                        kind: VersionKind::Publish,
                    },
                    client_id: None,
                },
                &NoLinkGuard,
            )
            .await
            .unwrap();
        s.close().await;
        (org, f.id)
    };
    let s = SqliteStore::open_dir(dir.path()).await.unwrap();
    assert_eq!(s.get_flow(org, id).await.unwrap().name, "Main");
    assert_eq!(s.list_orgs().await.unwrap().len(), 1);
}
