//! `archy` in a flow POST/PUT body (SPEC §9), planned for the flow handlers: the file is the flow's logic *and* names the
//! flow. Decisions:
//! - the root key's type must be the flow's type (POST: the body's `type` if given, the
//!   module path's COMMONMODULE; PUT: the stored type), else 400;
//! - the file's `name` is the flow's name: a POST takes it (a body `name` must agree, ignoring
//!   case); a PUT must name the flow it targets, ignoring case (or the body's new `name`), and
//!   the flow takes the file's spelling — so the stored text and the flow never disagree and
//!   an import of the same file finds this flow again;
//! - a PUT without `archy` may not rename a flow whose logic is Archy text (the text names
//!   the flow; rename it there);
//! - `archy` excludes `definition`/`actions` in the same body (400);
//! - module calls by name must name modules of the organization (400 naming them).

use flowlink_api::{FlowType, FlowWrite};
use flowlink_store::{Dialect, FlowRecord, LogicWrite};
use serde_json::Value;

use crate::access::Family;
use crate::archy_names::ModuleNames;
use crate::archy_write::{parse_final, stored_text, write_parsed, ArchyWrite};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

fn has_json_logic(body: &FlowWrite) -> bool {
    let non_empty = |v: &Option<Value>| match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => o
            .get("nodes")
            .and_then(Value::as_array)
            .is_some_and(|n| !n.is_empty()),
        Some(_) => true,
    };
    non_empty(&body.definition) || non_empty(&body.actions)
}

async fn parse(
    state: &AppState,
    who: &Principal,
    body: &FlowWrite,
    text: &str,
) -> Result<ArchyWrite, ApiError> {
    if has_json_logic(body) {
        return Err(ApiError::bad_request(
            "The body carries logic both as archy and as definition/actions; a flow has one \
             logic: send one of them.",
        ));
    }
    let parsed = parse_final(text)?;
    let names = ModuleNames::for_logic(state.store.as_ref(), who.org_id, &parsed.logic).await?;
    Ok(write_parsed(text, parsed, &names)?)
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn type_mismatch(file: FlowType, flow: FlowType) -> ApiError {
    ApiError::bad_request(format!(
        "the Archy file is a {file} flow (its root key) but this flow is {flow}"
    ))
}

/// A POST carrying `archy`: the type, name and first logic version it creates.
pub async fn plan_archy_create(
    state: &AppState,
    who: &Principal,
    body: &FlowWrite,
    text: &str,
    family: Family,
) -> Result<ArchyWrite, ApiError> {
    let archy = parse(state, who, body, text).await?;
    let wanted = match family {
        Family::Modules => Some(FlowType::CommonModule),
        Family::Flows => body.flow_type,
    };
    if let Some(t) = wanted.filter(|t| *t != archy.flow_type) {
        return Err(type_mismatch(archy.flow_type, t));
    }
    if let Some(n) = body.name.as_deref().filter(|n| !same_name(n, &archy.name)) {
        return Err(ApiError::bad_request(format!(
            "the Archy file names the flow '{}' but the body's name is '{n}'",
            archy.name
        )));
    }
    Ok(archy)
}

/// A PUT without `archy` that renames a flow whose current logic is Archy text: refused, the
/// text would still name the old flow.
pub fn check_archy_rename(rec: &FlowRecord, new_name: Option<&str>) -> Result<(), ApiError> {
    match new_name {
        Some(n) if rec.dialect == Some(Dialect::Archy) && !same_name(n, &rec.name) => {
            Err(ApiError::bad_request(format!(
                "flow '{}' is written in Archy, whose text names the flow; send the renamed \
                 text as archy together with the new name",
                rec.name
            )))
        }
        _ => Ok(()),
    }
}

/// A PUT carrying `archy`: the flow's (possibly respelled) name and the new logic version,
/// `None` when the text is the current one.
pub async fn plan_archy_update(
    state: &AppState,
    who: &Principal,
    body: &FlowWrite,
    rec: &FlowRecord,
    current: &Value,
    text: &str,
) -> Result<(String, Option<LogicWrite>), ApiError> {
    let archy = parse(state, who, body, text).await?;
    if archy.flow_type != rec.flow_type {
        return Err(type_mismatch(archy.flow_type, rec.flow_type));
    }
    let target = body.name.as_deref().unwrap_or(&rec.name);
    if !same_name(target, &archy.name) {
        return Err(ApiError::bad_request(format!(
            "the Archy file names the flow '{}' but this flow is '{target}'; rename the flow \
             in the file and in the body's name together",
            archy.name
        )));
    }
    let unchanged = rec.dialect == Some(Dialect::Archy) && stored_text(current) == Some(text);
    Ok((archy.name, (!unchanged).then_some(archy.write)))
}
