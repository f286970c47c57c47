//! Small builders shared by the story's scenarios.

use std::sync::Arc;

use flowlink_api::FlowType;
use flowlink_store::*;
use serde_json::json;
use uuid::Uuid;

pub type Shared = Arc<dyn Store>;

/// Published logic making `calls`.
pub fn logic(calls: Vec<ModuleRef>) -> LogicWrite {
    LogicWrite {
        document: json!({"actions": [{"type": "disconnect", "name": "bye"}]}).into(),
        dialect: Some(Dialect::Actions),
        calls,
        kind: VersionKind::Publish,
    }
}

/// Draft (saved, unpublished) logic making `calls`.
pub fn draft(calls: Vec<ModuleRef>) -> LogicWrite {
    LogicWrite {
        kind: VersionKind::Save,
        ..logic(calls)
    }
}

/// Empty published logic.
pub fn empty() -> LogicWrite {
    LogicWrite {
        document: json!({}).into(),
        dialect: None,
        calls: vec![],
        kind: VersionKind::Publish,
    }
}

pub fn new_flow(org: Uuid, t: FlowType, name: &str, l: LogicWrite) -> NewFlow {
    NewFlow {
        org_id: org,
        flow_type: t,
        name: name.into(),
        description: None,
        error_handling: None,
        logic: l,
        client_id: None,
    }
}

pub fn call(module: Uuid, version: Option<u32>) -> ModuleRef {
    ModuleRef {
        node_id: "n1".into(),
        module_id: module.to_string(),
        version,
    }
}

/// Creates a flow that must be accepted.
pub async fn flow(s: &Shared, org: Uuid, t: FlowType, name: &str, l: LogicWrite) -> FlowRecord {
    s.create_flow(new_flow(org, t, name, l), &NoLinkGuard)
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
}

/// The module "Auth" and the inbound flow "Main" whose published logic calls it (floating).
pub async fn module_and_caller(s: &Shared, org: Uuid) -> (FlowRecord, FlowRecord) {
    let m = flow(s, org, FlowType::CommonModule, "Auth", empty()).await;
    let f = flow(
        s,
        org,
        FlowType::InboundCall,
        "Main",
        logic(vec![call(m.id, None)]),
    )
    .await;
    (m, f)
}

/// Creates an organization that must be accepted.
pub async fn org(s: &Shared, name: &str) -> Uuid {
    s.create_org(name).await.expect("create org").id
}

pub fn names(p: Page<FlowRecord>) -> Vec<String> {
    p.items.into_iter().map(|f| f.name).collect()
}

/// A logic update (no optimistic lock).
pub fn relogic(l: LogicWrite) -> FlowUpdate {
    FlowUpdate {
        logic: Some(l),
        ..Default::default()
    }
}

pub fn is_duplicate(r: &Result<FlowRecord, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(Conflict::DuplicateName { .. })))
}

pub fn is_stale(r: &Result<FlowRecord, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(Conflict::StaleVersion { .. })))
}

/// A real cycle check, like the server's: rejects a module write whose new calls `calls` can
/// reach the module itself through the existing module→module edges.
pub struct CycleGuard {
    pub calls: Vec<Uuid>,
}

impl LinkGuard for CycleGuard {
    fn check(
        &self,
        flow_id: Uuid,
        flow_name: &str,
        edges: &[ModuleEdge],
    ) -> Result<(), StoreError> {
        let mut stack = self.calls.clone();
        let mut seen = std::collections::HashSet::new();
        while let Some(m) = stack.pop() {
            if m == flow_id {
                return Err(StoreError::Invalid {
                    message: format!("module call cycle through '{flow_name}'"),
                    details: vec![],
                });
            }
            if seen.insert(m) {
                stack.extend(edges.iter().filter(|e| e.caller == m).map(|e| e.callee));
            }
        }
        Ok(())
    }
}
