//! The modules pages: the organization's module graph (who calls which module, floating or
//! pinned, stale pins marked), a module's page (its consumers, the impact of publishing it,
//! the publish button, and the form that links it into flows chosen by filter) and those two
//! writes, which run the API's shared helpers ([`publish_version`], [`link_into_flows`]).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use flowlink_api::{BulkLinkRequest, BulkLinkStatus, FlowType};
use flowlink_store::{ConsumerFilter, FlowQuery, FlowSort, PageRequest};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::error::ConsoleError;
use super::session::Session;
use super::templates::render;
use super::view::{self, type_label};
use crate::access::{load_flow, name_holder, read_scopes, write_scopes, Family};
use crate::auth::scopes::{FLOW_READ, MODULE_READ};
use crate::error::ApiError;
use crate::module_link::link_into_flows;
use crate::publishing::publish_version;
use crate::render::version_id;
use crate::state::AppState;

/// Flows the link form lists for one filter.
const LINK_CANDIDATES: u32 = 100;

/// `GET /console/modules`: the organization's module graph and its modules.
pub async fn graph(State(state): State<AppState>, s: Session) -> Result<Response, ConsoleError> {
    s.who.require_any(&[MODULE_READ, FLOW_READ])?;
    let modules = view::modules(&state, s.who.org_id).await?;
    let picture = view::org_graph(&state, s.who.org_id, &modules, None).await?;
    let rows: Vec<_> = modules
        .iter()
        .map(|m| {
            json!({
                "id": m.id.to_string(),
                "name": m.name,
                "published": m.published_version.map(version_id),
                "latest": version_id(m.latest_version),
            })
        })
        .collect();
    let ctx = view::page(
        &state,
        &s,
        json!({"title": "Modules and who calls them", "nav": "modules", "rows": rows,
               "picture": picture, "empty": modules.is_empty()}),
    )
    .await;
    Ok(Html(render("modules.html", &ctx)?).into_response())
}

/// The module page's query string: the link form's filter.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    lq: String,
    #[serde(default)]
    ltype: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// `GET /console/modules/{id}`.
pub async fn show(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, ConsoleError> {
    let m = load_flow(&state, &s.who, &id, Family::Modules, false).await?;
    s.who.require_any(read_scopes(m.flow_type))?;
    let modules = view::modules(&state, s.who.org_id).await?;
    let picture = view::org_graph(&state, s.who.org_id, &modules, Some(m.id)).await?;
    let consumers = state
        .store
        .module_consumers(s.who.org_id, m.id, ConsumerFilter::Current)
        .await?;
    let next = m.current_version();
    // The impact of publishing `next`: floating callers run it from the next call on;
    // pinned callers keep their version, and a pin older than `next` becomes stale.
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = consumers
        .iter()
        .filter(|c| seen.insert(c.flow_id))
        .map(|c| {
            let (how, effect) = match c.pinned_version {
                None => (
                    "floating".to_string(),
                    format!("runs {} from the next call", version_id(next)),
                ),
                Some(p) if p < next => (
                    format!("pinned to v{p}"),
                    format!("keeps v{p}, older than {}: a stale pin", version_id(next)),
                ),
                Some(p) => (format!("pinned to v{p}"), "keeps its pin".to_string()),
            };
            json!({"id": c.flow_id.to_string(), "name": c.name, "type": type_label(c.flow_type),
                   "how": how, "effect": effect, "floating": c.pinned_version.is_none()})
        })
        .collect();
    let floating = rows.iter().filter(|r| r["floating"] == true).count();
    let ltype = q.ltype.clone().unwrap_or_else(|| "inboundcall".into());
    let candidates = if s.can_write(FlowType::CommonModule) {
        let types = match ltype.trim() {
            "" => Vec::new(),
            t => vec![t
                .parse::<FlowType>()
                .map_err(|_| ApiError::bad_request(format!("unknown flow type '{t}'")))?],
        };
        let page = state
            .store
            .list_flows(
                s.who.org_id,
                &FlowQuery {
                    types,
                    name: Some(q.lq.trim().to_string()).filter(|n| !n.is_empty()),
                    sort: FlowSort::Name,
                    page: PageRequest {
                        number: 1,
                        size: LINK_CANDIDATES,
                    },
                    ..Default::default()
                },
            )
            .await?;
        page.items
            .iter()
            .filter(|f| f.id != m.id)
            .map(|f| json!({"id": f.id.to_string(), "name": f.name, "type": type_label(f.flow_type)}))
            .collect()
    } else {
        Vec::new()
    };
    let ctx = view::page(
        &state,
        &s,
        json!({
            "title": m.name,
            "nav": "modules",
            "module": {
                "id": m.id.to_string(), "name": m.name,
                "published": m.published_version.map(version_id),
                "latest": version_id(m.latest_version),
                "next": version_id(next),
                "unpublished": m.published_version != Some(next),
            },
            "consumers": rows,
            "floating": floating,
            "picture": picture,
            "can_write": s.can_write(m.flow_type),
            "lq": q.lq, "ltype": ltype,
            "candidates": candidates,
            "done": q.done,
            "versions": (1..=m.latest_version).rev().map(|v| json!({"n": v, "id": version_id(v)})).collect::<Vec<_>>(),
        }),
    )
    .await;
    Ok(Html(render("module.html", &ctx)?).into_response())
}

/// A form body as key/value pairs (repeated keys kept: the link form's checked flows).
fn fields(body: &Bytes) -> Result<Vec<(String, String)>, ConsoleError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| ConsoleError::Api(ApiError::bad_request("the form is not url-encoded")))
}

fn field<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(key, _)| key == k)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /console/modules/{id}/publish`: publishes the module's current version.
pub async fn publish(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let f = fields(&body)?;
    s.check_csrf(field(&f, "csrf"))?;
    let m = load_flow(&state, &s.who, &id, Family::Modules, false).await?;
    s.who.require_any(write_scopes(m.flow_type))?;
    let message = match publish_version(&state, &s.who, &m, m.current_version()).await {
        Ok(r) => format!(
            "Published version {}.",
            r.published_version.map(version_id).unwrap_or_default()
        ),
        Err(e) => {
            let (_, b) = name_holder(&state, e.into()).await.status_and_body();
            format!("Refused: {}", b.message)
        }
    };
    let to = format!(
        "/console/modules/{}?{}",
        m.id,
        serde_urlencoded::to_string([("done", message)]).unwrap_or_default()
    );
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// `POST /console/modules/{id}/link`: links the module into the checked flows (`flow`
/// fields), floating or pinned (`version`), and shows one result per flow.
pub async fn link(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let f = fields(&body)?;
    s.check_csrf(field(&f, "csrf"))?;
    let ids: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "flow")
        .map(|(_, v)| v.clone())
        .collect();
    if ids.is_empty() {
        return Err(
            ApiError::bad_request("choose at least one flow to link the module into").into(),
        );
    }
    let version =
        match field(&f, "version").trim() {
            "" => None,
            v => Some(v.parse::<u32>().map_err(|_| {
                ApiError::bad_request(format!("version must be a number, not '{v}'"))
            })?),
        };
    let req = BulkLinkRequest {
        flow_ids: Some(ids),
        version,
        ..Default::default()
    };
    let answer = link_into_flows(&state, &s.who, &id, req).await?;
    let results: Vec<_> = answer
        .results
        .iter()
        .map(|r| {
            let (status, ok) = match r.status {
                BulkLinkStatus::Linked => ("linked", true),
                BulkLinkStatus::AlreadyLinked => ("already linked", true),
                BulkLinkStatus::Unlinked => ("unlinked", true),
                BulkLinkStatus::NotLinked => ("not linked", true),
                BulkLinkStatus::Failed => ("failed", false),
            };
            json!({
                "id": r.flow_id, "name": r.flow_name.clone().unwrap_or_else(|| r.flow_id.clone()),
                "status": status, "ok": ok,
                "valid_id": Uuid::parse_str(&r.flow_id).is_ok(),
                "error": r.error.as_ref().map(|e| e.message.clone()),
            })
        })
        .collect();
    let ctx = view::page(
        &state,
        &s,
        json!({"title": "Link results", "nav": "modules",
               "module": {"id": answer.module_id, "name": answer.module_name},
               "pin": version.map_or("floating".to_string(), |v| format!("pinned to v{v}")),
               "results": results}),
    )
    .await;
    Ok(Html(render("link_results.html", &ctx)?).into_response())
}
