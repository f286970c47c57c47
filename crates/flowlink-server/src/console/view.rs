//! What several console pages show: the page frame's context (who is signed in, the CSRF
//! token), a flow's picture at a version, the module names pictures use, and the
//! organization's module graph.

use std::collections::HashMap;

use flowlink_api::FlowType;
use flowlink_picture::{dependency_picture, flow_picture, DepEdge, DepGraph, DepNode};
use flowlink_store::{ConsumerFilter, FlowQuery, FlowRecord, PageRequest};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::error::ConsoleError;
use super::session::Session;
use crate::state::AppState;

/// Consumers drawn per module in the organization picture; the rest are counted in one box
/// (the module's own page lists them all), so a module with a thousand callers stays a
/// picture people can read.
pub const CONSUMERS_DRAWN: usize = 24;

/// The template context of a page: `extra`'s fields plus the frame's (`me`, `csrf`).
pub async fn page(state: &AppState, s: &Session, extra: Value) -> Value {
    let name = state
        .store
        .get_client(s.who.client_id)
        .await
        .map(|c| c.name)
        .unwrap_or_else(|_| s.who.client_id.to_string());
    let mut ctx = match extra {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    ctx.insert(
        "me".into(),
        json!({
            "client": name,
            "org": s.who.org_id.to_string(),
            "can_write": s.can_write(FlowType::InboundCall) || s.can_write(FlowType::CommonModule),
        }),
    );
    ctx.insert("csrf".into(), Value::String(s.csrf()));
    Value::Object(ctx)
}

/// Every module of the organization (live ones), by id.
pub async fn modules(state: &AppState, org: Uuid) -> Result<Vec<FlowRecord>, ConsoleError> {
    let mut out = Vec::new();
    for number in 1.. {
        let q = FlowQuery {
            types: vec![FlowType::CommonModule],
            page: PageRequest { number, size: 500 },
            ..Default::default()
        };
        let page = state.store.list_flows(org, &q).await?;
        let got = page.items.len();
        out.extend(page.items);
        if got < 500 {
            break;
        }
    }
    Ok(out)
}

/// Module id (lowercase) → name, for the call boxes of a picture.
pub fn names(modules: &[FlowRecord]) -> HashMap<String, String> {
    modules
        .iter()
        .map(|m| (m.id.to_string(), m.name.clone()))
        .collect()
}

/// The SVG of `rec`'s logic version `number` (parsed once per version, cached by the
/// simulator), or a sentence saying why there is none.
pub async fn picture(
    state: &AppState,
    rec: &FlowRecord,
    number: u32,
    names: &HashMap<String, String>,
) -> Result<String, String> {
    match state
        .simulator
        .flow_logic(state.store.as_ref(), rec, number)
        .await
    {
        Ok(logic) if logic.graph.nodes.is_empty() => Err("This version has no logic yet.".into()),
        Ok(logic) => Ok(flow_picture(&logic, names)),
        Err(e) => {
            let (_, body) = e.status_and_body();
            Err(format!("No picture: {}", body.message))
        }
    }
}

/// The organization's module graph: every module, its consumers (current versions of live
/// flows; [`CONSUMERS_DRAWN`] per module at most) and module→module calls; `focus` is drawn
/// highlighted.
pub async fn org_graph(
    state: &AppState,
    org: Uuid,
    modules: &[FlowRecord],
    focus: Option<Uuid>,
) -> Result<String, ConsoleError> {
    let mut g = DepGraph::default();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    let mut add = |g: &mut DepGraph, id: Uuid, name: &str, t: FlowType| -> usize {
        *index.entry(id).or_insert_with(|| {
            let module = t.is_module();
            g.nodes.push(DepNode {
                id: id.to_string(),
                name: name.to_string(),
                kind: type_label(t),
                is_module: module,
                href: Some(if module {
                    format!("/console/modules/{id}")
                } else {
                    format!("/console/flows/{id}")
                }),
            });
            g.nodes.len() - 1
        })
    };
    let published: HashMap<Uuid, Option<u32>> = modules
        .iter()
        .map(|m| (m.id, m.published_version))
        .collect();
    for m in modules {
        let mi = add(&mut g, m.id, &m.name, m.flow_type);
        let consumers = state
            .store
            .module_consumers(org, m.id, ConsumerFilter::Current)
            .await?;
        // One edge per consumer flow (its newest calling version says how it calls).
        let mut seen: HashMap<Uuid, usize> = HashMap::new();
        let mut hidden = 0usize;
        for c in consumers {
            if seen.contains_key(&c.flow_id) {
                continue;
            }
            if seen.len() >= CONSUMERS_DRAWN && !c.flow_type.is_module() {
                hidden += 1;
                seen.insert(c.flow_id, usize::MAX);
                continue;
            }
            let ci = add(&mut g, c.flow_id, &c.name, c.flow_type);
            seen.insert(c.flow_id, ci);
            let stale = match (c.pinned_version, published.get(&m.id).copied().flatten()) {
                (Some(p), Some(latest)) => p < latest,
                _ => false,
            };
            g.edges.push(DepEdge {
                consumer: ci,
                module: mi,
                pinned: c.pinned_version,
                stale,
            });
        }
        if hidden > 0 {
            g.nodes.push(DepNode {
                id: format!("more-{}", m.id),
                name: format!("+ {hidden} more flows"),
                kind: "see the module's page".into(),
                is_module: false,
                href: Some(format!("/console/modules/{}", m.id)),
            });
            let more = g.nodes.len() - 1;
            g.edges.push(DepEdge {
                consumer: more,
                module: mi,
                pinned: None,
                stale: false,
            });
        }
    }
    let focus = focus.and_then(|f| index.get(&f).copied());
    Ok(dependency_picture(&g, focus))
}

/// A flow type as people say it.
pub fn type_label(t: FlowType) -> String {
    match t {
        FlowType::CommonModule => "common module".into(),
        FlowType::InboundCall => "inbound call".into(),
        FlowType::InQueueCall => "in-queue call".into(),
        FlowType::OutboundCall => "outbound call".into(),
        FlowType::SecureCall => "secure call".into(),
        other => other.as_lower(),
    }
}
