//! Publishing a flow version (the work behind `POST /api/v2/flows/actions/publish` and the
//! console's publish buttons): the module-cycle guard a module's publish needs, then the
//! store's conditional publish. Shared so both callers run the same checks.
//!
//! This module sits below the routes: handlers import it, it imports no handler.

use flowlink_store::{FlowRecord, StoreError};

use crate::auth::Principal;
use crate::logic::CycleGuard;
use crate::state::AppState;

/// Publishes logic version `version` of `rec` as `who` (the caller checked the scopes).
pub async fn publish_version(
    state: &AppState,
    who: &Principal,
    rec: &FlowRecord,
    version: u32,
) -> Result<FlowRecord, StoreError> {
    // The version's module calls, for the cycle guard the store runs when a module is
    // published (an old version may call modules that now call it).
    let calls = if rec.flow_type.is_module() && version <= rec.latest_version {
        state
            .store
            .consumed_modules(who.org_id, rec.id, version)
            .await?
    } else {
        Vec::new()
    };
    let guard = CycleGuard {
        callees: calls
            .iter()
            .map(|c| c.module_id.to_ascii_lowercase())
            .collect(),
    };
    state
        .store
        .publish_flow(who.org_id, rec.id, who.client_id, Some(version), &guard)
        .await
}
