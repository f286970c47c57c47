//! The flows pages: the list (search by name, type filter, paging), a flow's page (versions,
//! lock, the modules it calls, its logic as a picture) and the lifecycle buttons (check out,
//! publish, revert), which run the API's store calls with the API's scope checks.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use flowlink_api::FlowType;
use flowlink_store::{FlowQuery, FlowSort, PageRequest};
use serde::Deserialize;
use serde_json::json;

use super::error::ConsoleError;
use super::session::Session;
use super::templates::render;
use super::view::{self, type_label};
use crate::access::{load_flow, name_holder, read_scopes, write_scopes, Family};
use crate::auth::scopes::{FLOW_READ, MODULE_READ};
use crate::error::ApiError;
use crate::publishing::publish_version;
use crate::render::{iso, version_id};
use crate::state::AppState;

/// Flows per page of the list.
pub const PAGE_SIZE: u32 = 25;

/// The list's query string.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    flow_type: String,
    #[serde(default)]
    page: Option<u32>,
}

/// The types the filter offers (the call flows and modules this project is about).
const TYPES: &[FlowType] = &[
    FlowType::InboundCall,
    FlowType::CommonModule,
    FlowType::InQueueCall,
    FlowType::OutboundCall,
    FlowType::SecureCall,
];

/// `GET /console/flows`.
pub async fn list(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    s.who.require_any(&[FLOW_READ, MODULE_READ])?;
    let types = match q.flow_type.trim() {
        "" => Vec::new(),
        t => vec![t
            .parse::<FlowType>()
            .map_err(|_| ApiError::bad_request(format!("unknown flow type '{t}'")))?],
    };
    // A reader of modules only sees modules (the API's rule for the module family).
    let types = if s.who.scopes.any(&[FLOW_READ]) {
        types
    } else {
        vec![FlowType::CommonModule]
    };
    let number = q.page.unwrap_or(1).max(1);
    let query = FlowQuery {
        types,
        name: Some(q.q.trim().to_string()).filter(|n| !n.is_empty()),
        sort: FlowSort::Name,
        page: PageRequest {
            number,
            size: PAGE_SIZE,
        },
        ..Default::default()
    };
    let page = state.store.list_flows(s.who.org_id, &query).await?;
    let pages = (page.total.max(0) as u32).div_ceil(PAGE_SIZE).max(1);
    let rows: Vec<_> = page
        .items
        .iter()
        .map(|f| {
            json!({
                "id": f.id.to_string(),
                "name": f.name,
                "type": type_label(f.flow_type),
                "module": f.flow_type.is_module(),
                "published": f.published_version.map(version_id),
                "latest": version_id(f.latest_version),
                "locked": f.locked_client_id.is_some(),
                "modified": iso(f.modified_ms),
            })
        })
        .collect();
    let types: Vec<_> = TYPES
        .iter()
        .map(|t| json!({"value": t.as_lower(), "label": type_label(*t), "selected": q.flow_type.eq_ignore_ascii_case(&t.as_lower())}))
        .collect();
    let ctx = view::page(
        &state,
        &s,
        json!({
            "title": "Flows",
            "nav": "flows",
            "rows": rows,
            "total": page.total,
            "q": q.q,
            "qs": serde_urlencoded::to_string([("q", q.q.as_str()), ("type", q.flow_type.as_str())]).unwrap_or_default(),
            "types": types,
            "page": number,
            "pages": pages,
            "prev": (number > 1).then(|| number - 1),
            "next": (number < pages).then(|| number + 1),
        }),
    )
    .await;
    Ok(Html(render("flows.html", &ctx)?).into_response())
}

/// The flow page's query string.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// Which logic version to draw (default: the current one).
    #[serde(default)]
    version: Option<u32>,
    /// A message from the action that led here.
    #[serde(default)]
    done: Option<String>,
}

/// `GET /console/flows/{id}`.
pub async fn show(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, ConsoleError> {
    let rec = load_flow(&state, &s.who, &id, Family::Flows, false).await?;
    s.who.require_any(read_scopes(rec.flow_type))?;
    let shown = q
        .version
        .filter(|v| *v >= 1 && *v <= rec.latest_version)
        .unwrap_or_else(|| rec.current_version());
    let modules = view::modules(&state, s.who.org_id).await?;
    let names = view::names(&modules);
    let picture = view::picture(&state, &rec, shown, &names).await;
    let versions = state
        .store
        .list_versions(
            s.who.org_id,
            rec.id,
            PageRequest {
                number: 1,
                size: 20,
            },
        )
        .await?;
    let versions: Vec<_> = versions
        .items
        .iter()
        .map(|v| {
            json!({
                "number": v.number,
                "id": version_id(v.number),
                "kind": format!("{:?}", v.kind).to_lowercase(),
                "created": iso(v.created_ms),
                "published": rec.published_version == Some(v.number),
                "shown": v.number == shown,
            })
        })
        .collect();
    let calls = state
        .store
        .consumed_modules(s.who.org_id, rec.id, shown)
        .await?;
    let calls: Vec<_> = calls
        .iter()
        .map(|c| {
            json!({
                "id": c.module_id,
                "name": names.get(&c.module_id.to_ascii_lowercase()).cloned().unwrap_or_else(|| c.module_id.clone()),
                "pin": c.version.map_or("floating".to_string(), |v| format!("pinned to v{v}")),
                "node": c.node_id,
            })
        })
        .collect();
    let holder = match rec.locked_client_id {
        Some(c) => Some(
            state
                .store
                .get_client(c)
                .await
                .map(|c| c.name)
                .unwrap_or_else(|_| c.to_string()),
        ),
        None => None,
    };
    let mine = rec.locked_client_id == Some(s.who.client_id);
    let ctx = view::page(
        &state,
        &s,
        json!({
            "title": rec.name,
            "nav": if rec.flow_type.is_module() { "modules" } else { "flows" },
            "flow": {
                "id": rec.id.to_string(),
                "name": rec.name,
                "description": rec.description,
                "type": type_label(rec.flow_type),
                "module": rec.flow_type.is_module(),
                "published": rec.published_version.map(version_id),
                "latest": version_id(rec.latest_version),
                "active": rec.active,
                "locked_by": holder,
                "locked_by_me": mine,
            },
            "shown": version_id(shown),
            "versions": versions,
            "calls": calls,
            "picture": picture.as_ref().ok(),
            "no_picture": picture.as_ref().err(),
            "can_write": s.can_write(rec.flow_type),
            "done": q.done,
        }),
    )
    .await;
    Ok(Html(render("flow.html", &ctx)?).into_response())
}

/// A lifecycle form's fields.
#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/flows/{id}/{checkout|publish|revert}`: the API's store call with the API's
/// scope check; back to the flow's page saying what happened.
pub async fn act(
    State(state): State<AppState>,
    s: Session,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Result<Response, ConsoleError> {
    s.check_csrf(&f.csrf)?;
    let rec = load_flow(&state, &s.who, &id, Family::Flows, false).await?;
    s.who.require_any(write_scopes(rec.flow_type))?;
    let (org, client) = (s.who.org_id, s.who.client_id);
    let done = match action.as_str() {
        "checkout" => state.store.checkout_flow(org, rec.id, client).await,
        "revert" => state.store.revert_flow(org, rec.id, client).await,
        "publish" => publish_version(&state, &s.who, &rec, rec.current_version()).await,
        _ => return Err(ApiError::NotFound.into()),
    };
    let message = match done {
        Ok(r) => match action.as_str() {
            "checkout" => "Checked out: the flow is locked to you.".to_string(),
            "revert" => "Draft discarded; the lock is released.".to_string(),
            _ => format!(
                "Published version {}.",
                r.published_version.map(version_id).unwrap_or_default()
            ),
        },
        Err(e) => {
            let (_, body) = name_holder(&state, e.into()).await.status_and_body();
            format!("Refused: {}", body.message)
        }
    };
    let to = format!(
        "/console/flows/{}?done={}",
        rec.id,
        serde_urlencoded::to_string([("m", message)])
            .unwrap_or_default()
            .trim_start_matches("m=")
    );
    Ok(Redirect::to(&to).into_response())
}
