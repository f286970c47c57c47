//! Module-call validation: every module a logic version calls must be a live shared module
//! (`COMMONMODULE`) of the organization, and every pinned version must exist. The problems
//! found become one `Invalid` error with an `unknown.module` / `unknown.module.version` detail
//! per bad call. The cycle guard runs after these checks, for modules that call modules.

use std::collections::{BTreeSet, HashMap};

use flowlink_api::FlowType;
use uuid::Uuid;

use super::RuleTx;
use crate::error::{InvalidDetail, StoreError};
use crate::records::{LogicWrite, ModuleEdge, ModuleRef};
use crate::store::LinkGuard;

/// What a call target looks like, as [`RuleTx::call_targets`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub name: String,
    pub flow_type: FlowType,
    pub deleted: bool,
    pub latest: u32,
}

/// The distinct module ids `calls` name (ids that are not UUIDs cannot be flows: they are
/// reported by [`validate_calls`] without a read).
pub(crate) fn called_ids(calls: &[ModuleRef]) -> BTreeSet<Uuid> {
    calls
        .iter()
        .filter_map(|c| Uuid::parse_str(&c.module_id).ok())
        .collect()
}

/// Checks `calls` against the `targets` found for [`called_ids`].
pub(crate) fn validate_calls(
    calls: &[ModuleRef],
    targets: &HashMap<Uuid, Target>,
) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    for call in calls {
        let target = Uuid::parse_str(&call.module_id)
            .ok()
            .and_then(|id| targets.get(&id));
        match target {
            Some(t) if !t.deleted && t.flow_type.is_module() => {
                if let Some(v) = call.version {
                    if v == 0 || v > t.latest {
                        problems.push(InvalidDetail {
                            code: "unknown.module.version".into(),
                            entity_id: Some(call.node_id.clone()),
                            entity_name: Some(call.module_id.clone()),
                            field: Some("version".into()),
                            message: format!(
                                "node '{}' pins module '{}' ({}) to version {v}, which does \
                                 not exist (latest is {}.0)",
                                call.node_id, t.name, call.module_id, t.latest
                            ),
                        });
                    }
                }
            }
            _ => problems.push(InvalidDetail {
                code: "unknown.module".into(),
                entity_id: Some(call.node_id.clone()),
                entity_name: Some(call.module_id.clone()),
                field: Some("flowModuleId".into()),
                message: format!(
                    "node '{}' calls module '{}', which is not a shared module (commonmodule \
                     flow) of this organization",
                    call.node_id, call.module_id
                ),
            }),
        }
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(StoreError::invalid(problems.remove(0))),
        n => Err(StoreError::Invalid {
            message: format!(
                "{n} invalid module calls: {}",
                problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            details: problems,
        }),
    }
}

/// Reads the targets of `calls` in the caller's transaction and validates them.
pub(crate) async fn check_calls<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    calls: &[ModuleRef],
) -> Result<(), T::Error> {
    let ids = called_ids(calls);
    let targets = if ids.is_empty() {
        HashMap::new()
    } else {
        tx.call_targets(org, &ids).await?
    };
    Ok(validate_calls(calls, &targets)?)
}

/// Whether a write of `calls` by a flow of `flow_type` needs the cycle guard: a module that
/// calls modules. (PostgreSQL takes its graph lock exactly then.)
pub(crate) fn needs_cycle_guard(flow_type: FlowType, calls: &[ModuleRef]) -> bool {
    flow_type.is_module() && !calls.is_empty()
}

/// The module references of `calls` made by flow `flow` (named `name`) and, when
/// [`needs_cycle_guard`], the cycle guard against today's graph without `flow`'s own edges
/// (its new calls are the guard's).
pub(crate) async fn check_links<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    flow: Uuid,
    name: &str,
    flow_type: FlowType,
    calls: &[ModuleRef],
    guard: &dyn LinkGuard,
) -> Result<(), T::Error> {
    check_calls(tx, org, calls).await?;
    if needs_cycle_guard(flow_type, calls) {
        let edges: Vec<ModuleEdge> = tx
            .module_edges(org)
            .await?
            .into_iter()
            .filter(|e| e.caller != flow)
            .collect();
        guard.check(flow, name, &edges)?;
    }
    Ok(())
}

/// [`check_links`] for a logic write.
pub(crate) async fn check_logic<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    flow: Uuid,
    name: &str,
    flow_type: FlowType,
    logic: &LogicWrite,
    guard: &dyn LinkGuard,
) -> Result<(), T::Error> {
    check_links(tx, org, flow, name, flow_type, &logic.calls, guard).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(module: &str, version: Option<u32>) -> ModuleRef {
        ModuleRef {
            node_id: "n1".into(),
            module_id: module.into(),
            version,
        }
    }

    fn module(latest: u32) -> Target {
        Target {
            name: "Greeting".into(),
            flow_type: FlowType::CommonModule,
            deleted: false,
            latest,
        }
    }

    fn codes(r: Result<(), StoreError>) -> Vec<String> {
        match r {
            Err(StoreError::Invalid { details, .. }) => {
                details.into_iter().map(|d| d.code).collect()
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_live_module_with_an_existing_pin_passes() {
        let id = Uuid::new_v4();
        let targets = HashMap::from([(id, module(2))]);
        let calls = [call(&id.to_string(), Some(2)), call(&id.to_string(), None)];
        assert_eq!(validate_calls(&calls, &targets), Ok(()));
    }

    #[test]
    fn unknown_deleted_and_non_module_targets_are_unknown_modules() {
        let (deleted, flow) = (Uuid::new_v4(), Uuid::new_v4());
        let targets = HashMap::from([
            (
                deleted,
                Target {
                    deleted: true,
                    ..module(1)
                },
            ),
            (
                flow,
                Target {
                    flow_type: FlowType::InboundCall,
                    ..module(1)
                },
            ),
        ]);
        let calls = [
            call("not-a-uuid", None),
            call(&Uuid::new_v4().to_string(), None),
            call(&deleted.to_string(), None),
            call(&flow.to_string(), None),
        ];
        let r = validate_calls(&calls, &targets);
        assert!(
            matches!(&r, Err(StoreError::Invalid { message, .. }) if message.starts_with("4 invalid module calls: ")),
            "{r:?}"
        );
        assert_eq!(codes(r), ["unknown.module"; 4]);
    }

    #[test]
    fn a_pin_past_the_latest_version_or_zero_is_an_unknown_version() {
        let id = Uuid::new_v4();
        let targets = HashMap::from([(id, module(2))]);
        let r = validate_calls(&[call(&id.to_string(), Some(3))], &targets);
        match &r {
            Err(StoreError::Invalid { message, details }) => {
                assert_eq!(details.len(), 1);
                assert_eq!(details[0].field.as_deref(), Some("version"));
                assert_eq!(
                    message,
                    &format!(
                        "node 'n1' pins module 'Greeting' ({id}) to version 3, which does not \
                         exist (latest is 2.0)"
                    )
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            codes(validate_calls(&[call(&id.to_string(), Some(0))], &targets)),
            ["unknown.module.version"]
        );
    }

    #[test]
    fn only_modules_calling_modules_need_the_guard() {
        let c = [call("x", None)];
        assert!(needs_cycle_guard(FlowType::CommonModule, &c));
        assert!(!needs_cycle_guard(FlowType::CommonModule, &[]));
        assert!(!needs_cycle_guard(FlowType::InboundCall, &c));
    }

    #[test]
    fn called_ids_skip_what_cannot_be_a_flow_id() {
        let id = Uuid::new_v4();
        let ids = called_ids(&[
            call("nope", None),
            call(&id.to_string(), None),
            call(&id.to_string(), Some(1)),
        ]);
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec![id]);
    }
}
