//! What an import job does with the uploaded file (SPEC §9): parse it (the server never
//! substitutes; a `{{placeholder}}` left in the text fails, listing each with its line), bind its
//! module calls by name (creating empty stub modules for unknown names when the job asked
//! `createStubs`), then create the flow of that type and name or add a version to the existing
//! one, published at once (Archy's `publish`: a first import is version 1.0).

use flowlink_api::FlowType;
use flowlink_store::{
    Conflict, Dialect, FlowUpdate, LogicWrite, NewFlow, Store, StoreError, VersionKind,
};
use serde_json::json;
use uuid::Uuid;

use super::{find_by_name, JobError};
use crate::archy_names::ModuleNames;
use crate::archy_write::{parse_final, write_parsed};
use crate::logic::CycleGuard;

/// The flow an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub flow_id: Uuid,
    /// `true` when the import created the flow, `false` when it added a version.
    pub created: bool,
}

/// Creates an empty, published common module named `name` (a stub for `createStubs`); a
/// module of that name created meanwhile is used instead.
async fn stub_module(
    store: &dyn Store,
    org: Uuid,
    client: Option<Uuid>,
    name: &str,
) -> Result<Uuid, JobError> {
    let created = store
        .create_flow(
            NewFlow {
                org_id: org,
                flow_type: FlowType::CommonModule,
                name: name.to_string(),
                description: Some("stub created by a flow import (createStubs)".into()),
                error_handling: None,
                logic: LogicWrite {
                    document: json!({}).into(),
                    dialect: None,
                    calls: Vec::new(),
                    kind: VersionKind::Publish,
                },
                client_id: client,
            },
            &flowlink_store::NoLinkGuard,
        )
        .await;
    match created {
        Ok(rec) => Ok(rec.id),
        Err(StoreError::Conflict(Conflict::DuplicateName { .. })) => {
            find_by_name(store, org, FlowType::CommonModule, name)
                .await?
                .map(|f| f.id)
                .ok_or_else(|| JobError::Failed(format!("module '{name}' could not be created")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Imports `body` into organization `org` on behalf of `client`.
pub async fn import(
    store: &dyn Store,
    org: Uuid,
    client: Option<Uuid>,
    create_stubs: bool,
    body: &[u8],
) -> Result<Imported, JobError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        JobError::Failed(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let parsed = parse_final(text).map_err(|e| JobError::Failed(e.to_string()))?;
    let mut names = ModuleNames::for_logic(store, org, &parsed.logic).await?;
    if create_stubs {
        for name in parsed.logic.unbound_module_names() {
            if names.get(&name).is_none() {
                let id = stub_module(store, org, client, &name).await?;
                names.insert(&name, id);
            }
        }
    }
    let archy = write_parsed(text, parsed, &names).map_err(|e| JobError::Failed(e.to_string()))?;
    let guard = CycleGuard::for_write(&archy.write);
    match find_by_name(store, org, archy.flow_type, &archy.name).await? {
        Some(existing) => {
            let update = FlowUpdate {
                expected_version: None,
                name: Some(archy.name.clone()),
                logic: Some(archy.write),
                client_id: client,
                ..Default::default()
            };
            let rec = store.update_flow(org, existing.id, update, &guard).await?;
            Ok(Imported {
                flow_id: rec.id,
                created: false,
            })
        }
        None => {
            let rec = store
                .create_flow(
                    NewFlow {
                        org_id: org,
                        flow_type: archy.flow_type,
                        name: archy.name,
                        description: None,
                        error_handling: None,
                        logic: archy.write,
                        client_id: client,
                    },
                    &guard,
                )
                .await?;
            debug_assert_eq!(rec.dialect, Some(Dialect::Archy));
            Ok(Imported {
                flow_id: rec.id,
                created: true,
            })
        }
    }
}
