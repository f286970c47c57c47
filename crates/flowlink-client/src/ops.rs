//! High-level operations of the seeds' job: create a shared module, give it logic, and link it
//! into (or unlink it from) many flows at once — idempotent, 409-safe, concurrent within the
//! rate limit, with a result per flow. Bulk link/unlink use flowlink's server-side bulk
//! extension when the server offers it ([`crate::bulk_link`]) and otherwise (real Genesys, or
//! [`LinkOptions::per_flow`]) the per-flow GET/PUT path with 409 re-apply.

use std::collections::HashSet;

use futures::stream::{self, StreamExt};
use serde::Serialize;

use flowlink_api::{Flow, FlowType, FlowWrite};
use flowlink_model::archy;
use flowlink_model::link;

use crate::bulk_link::BulkAsk;
use crate::client::Client;
use crate::error::ClientError;
use crate::logic::{wire_logic, LogicDoc};
use crate::query::FlowQuery;
use crate::update::{Answer, Update, UpdateOutcome};

/// Flows updated at once by default: enough to hide round trips, few enough to stay polite.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Which flows a bulk operation touches.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// These flow ids.
    Ids(Vec<String>),
    /// The flows with exactly these names (case-insensitive, any type).
    Names(Vec<String>),
    /// Every flow a listing query matches (e.g. all `inboundcall` flows, `active=true`).
    Query(FlowQuery),
}

/// Options of [`Client::link_module`].
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOptions {
    /// Pin the call to this logic version of the module; `None` floats (runs the published one).
    pub version: Option<u32>,
    /// Name of the inserted call node/action; `None` → `Call <module name>`.
    pub call_name: Option<String>,
    /// Flows updated at once (at least 1) on the per-flow path.
    pub concurrency: usize,
    /// Always use the per-flow GET/PUT path (the one that works against real Genesys), even
    /// when the server offers the bulk extension.
    pub per_flow: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            version: None,
            call_name: None,
            concurrency: DEFAULT_CONCURRENCY,
            per_flow: false,
        }
    }
}

/// What happened to one flow in a bulk operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "camelCase")]
pub enum FlowStatus {
    /// The call was inserted (a new version was written).
    Linked,
    /// The flow already called the module as asked; nothing was written.
    AlreadyLinked,
    /// The call(s) were removed.
    Unlinked,
    /// The flow did not call the module; nothing was written.
    NotLinked,
    /// The flow could not be changed; why.
    Failed(String),
}

impl FlowStatus {
    /// Short lowercase label for tables (`linked`, `already linked`, ...).
    pub fn label(&self) -> String {
        match self {
            FlowStatus::Linked => "linked".into(),
            FlowStatus::AlreadyLinked => "already linked".into(),
            FlowStatus::Unlinked => "unlinked".into(),
            FlowStatus::NotLinked => "not linked".into(),
            FlowStatus::Failed(why) => format!("failed: {why}"),
        }
    }
}

/// The result for one flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowResult {
    /// Flow id (as given, for ids that did not resolve).
    pub flow_id: String,
    /// Flow name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub status: FlowStatus,
    /// The flow's `version` after the operation, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// 409s re-applied for this flow.
    pub conflict_retries: u32,
}

/// The outcome of a bulk link or unlink, in target order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkReport {
    /// The module linked or unlinked.
    pub module_id: String,
    /// Its name.
    pub module_name: Option<String>,
    /// Pinned version, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// One entry per target flow.
    pub results: Vec<FlowResult>,
}

impl BulkReport {
    /// How many flows ended with `status`'s kind (failures compare by kind, not reason).
    pub fn count(&self, kind: fn(&FlowStatus) -> bool) -> usize {
        self.results.iter().filter(|r| kind(&r.status)).count()
    }

    /// How many flows failed.
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, FlowStatus::Failed(_)))
    }
}

/// Receives progress of a bulk operation (a progress bar, a log). Both methods default to
/// nothing; `()` is the silent implementation.
pub trait Progress: Send + Sync {
    /// The targets are resolved; `total` flows will be reported.
    fn start(&self, _total: usize) {}
    /// One flow is done.
    fn done(&self, _result: &FlowResult) {}
}

impl Progress for () {}

/// A resolved target: the flow id, and the flow itself when a listing already carried its
/// logic and `version` (saves one GET per flow).
#[derive(Debug, Clone)]
struct Target {
    id: String,
    snapshot: Option<Flow>,
}

fn usable_snapshot(f: &Flow) -> bool {
    f.version.is_some() && (f.definition.is_some() || f.actions.is_some() || f.archy.is_some())
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Link,
    Unlink,
}

/// Link/unlink of an Archy flow: `link_archy` / `unlink_archy` on its text, every other byte
/// kept. Archy links float (`ver_latestPublished`), so a pinned link is refused.
fn archy_edit(
    op: Op,
    text: &str,
    module_name: &str,
    version: Option<u32>,
) -> Result<Option<FlowWrite>, ClientError> {
    let edited = match op {
        Op::Link if version.is_some() => {
            return Err(ClientError::Invalid(
                "an Archy flow links a module floating (ver_latestPublished); link it without \
                 --version"
                    .into(),
            ))
        }
        Op::Link => archy::link_archy(text, module_name),
        Op::Unlink => archy::unlink_archy(text, module_name),
    }
    .map_err(|e| ClientError::Logic(e.to_string()))?;
    Ok(edited.map(|text| FlowWrite {
        archy: Some(text),
        ..Default::default()
    }))
}

fn failed(id: &str, why: String) -> FlowResult {
    FlowResult {
        flow_id: id.to_string(),
        flow_name: None,
        status: FlowStatus::Failed(why),
        version: None,
        conflict_retries: 0,
    }
}

impl Client {
    /// Finds a module by id or by exact (case-insensitive) name.
    pub async fn resolve_module(&self, id_or_name: &str) -> Result<Flow, ClientError> {
        match self.get_module(id_or_name).await {
            Ok(m) => return Ok(m),
            Err(e) if e.is_not_found() || e.status() == Some(400) => {}
            Err(e) => return Err(e),
        }
        let q = FlowQuery {
            name: Some(id_or_name.to_string()),
            ..Default::default()
        };
        let mut found: Vec<Flow> = self
            .list_modules(&q)
            .await?
            .into_iter()
            .filter(|m| {
                m.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(id_or_name))
            })
            .collect();
        match found.len() {
            // Listings carry no logic: read the module itself.
            1 => self.get_module(found.remove(0).id.as_deref().unwrap_or_default()).await,
            0 => Err(ClientError::Invalid(format!(
                "no module with id or name '{id_or_name}'; list them with `flowlink flows list --type commonmodule`"
            ))),
            _ => Err(ClientError::Invalid(format!(
                "several modules are named '{id_or_name}'; give the module id instead"
            ))),
        }
    }

    /// Creates a shared module (`POST /api/v2/flows/flowmodules`), with its logic if given.
    pub async fn create_module(
        &self,
        name: &str,
        description: Option<&str>,
        logic: Option<&LogicDoc>,
    ) -> Result<Flow, ClientError> {
        let mut body = FlowWrite {
            name: Some(name.to_string()),
            description: description.map(str::to_string),
            flow_type: Some(FlowType::CommonModule),
            ..Default::default()
        };
        if let Some(l) = logic {
            l.apply_to(&mut body);
        }
        self.create_module_raw(&body).await
    }

    /// Replaces a module's (or any flow's) logic; 409-safe. `Unchanged` when it already holds
    /// exactly this logic.
    pub async fn set_logic(&self, id: &str, logic: &LogicDoc) -> Result<Update, ClientError> {
        self.update_flow_with(id, |flow| {
            (!logic.is_current(flow)).then(|| {
                let mut w = FlowWrite::default();
                logic.apply_to(&mut w);
                w
            })
        })
        .await
    }

    /// Links module `module` (id or name) into every target flow: a call at the flow's entry,
    /// before the existing logic, exactly once; optionally pinned. Flows are updated
    /// concurrently (`opts.concurrency` at a time), each with 409 re-apply; a flow that fails
    /// is reported and does not stop the others.
    pub async fn link_module(
        &self,
        module: &str,
        targets: &Targets,
        opts: &LinkOptions,
        progress: &dyn Progress,
    ) -> Result<BulkReport, ClientError> {
        self.bulk(Op::Link, module, targets, opts, progress).await
    }

    /// Removes every call to module `module` from the target flows.
    pub async fn unlink_module(
        &self,
        module: &str,
        targets: &Targets,
        opts: &LinkOptions,
        progress: &dyn Progress,
    ) -> Result<BulkReport, ClientError> {
        self.bulk(Op::Unlink, module, targets, opts, progress).await
    }

    async fn bulk(
        &self,
        op: Op,
        module: &str,
        targets: &Targets,
        opts: &LinkOptions,
        progress: &dyn Progress,
    ) -> Result<BulkReport, ClientError> {
        let module = self.resolve_module(module).await?;
        let module_id = module.id.clone().ok_or_else(|| {
            ClientError::Invalid("the server returned a module without id".into())
        })?;
        let module_name = module.name.clone();
        if let (Op::Link, Some(v)) = (op, opts.version) {
            self.get_version(&module_id, &format!("{v}.0"))
                .await
                .map_err(|e| {
                    if e.is_not_found() {
                        ClientError::Invalid(format!(
                            "module '{}' has no version {v}",
                            module_name.as_deref().unwrap_or(&module_id)
                        ))
                    } else {
                        e
                    }
                })?;
        }
        let call_name = opts.call_name.clone().unwrap_or_else(|| {
            format!("Call {}", module_name.as_deref().unwrap_or("shared module"))
        });
        let (resolved, unresolved) = self.resolve_targets(targets).await?;
        progress.start(resolved.len() + unresolved.len());
        for r in &unresolved {
            progress.done(r);
        }
        let version = opts.version;
        if !opts.per_flow {
            let ask = BulkAsk {
                module_id: &module_id,
                unlink: matches!(op, Op::Unlink),
                version,
                call_name: &call_name,
            };
            let ids: Vec<String> = resolved.iter().map(|t| t.id.clone()).collect();
            if let Some(mut all) = self.link_via_server(&ask, &ids, progress).await? {
                all.extend(unresolved);
                return Ok(BulkReport {
                    module_id,
                    module_name,
                    version,
                    results: all,
                });
            }
        }
        let mut results: Vec<(usize, FlowResult)> = stream::iter(resolved.into_iter().enumerate())
            .map(|(i, t)| {
                let (module_id, call_name) = (&module_id, &call_name);
                let module_name = module_name.as_deref().unwrap_or(module_id);
                async move {
                    let r = if t.id == *module_id {
                        failed(&t.id, "a module cannot call itself".into())
                    } else {
                        self.one(op, t, (module_id, module_name), version, call_name)
                            .await
                    };
                    progress.done(&r);
                    (i, r)
                }
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        results.sort_by_key(|(i, _)| *i);
        let mut all: Vec<FlowResult> = results.into_iter().map(|(_, r)| r).collect();
        all.extend(unresolved);
        Ok(BulkReport {
            module_id,
            module_name,
            version,
            results: all,
        })
    }

    async fn one(
        &self,
        op: Op,
        t: Target,
        (module_id, module_name): (&str, &str),
        version: Option<u32>,
        call_name: &str,
    ) -> FlowResult {
        let name_hint = t.snapshot.as_ref().and_then(|f| f.name.clone());
        let res = self
            .update_answering(
                &t.id,
                t.snapshot,
                |flow| {
                    // Archy flows call modules by name and keep their exact text: a text edit.
                    if let Some(text) = flow.archy.as_deref() {
                        return archy_edit(op, text, module_name, version);
                    }
                    let logic = wire_logic(flow)?;
                    let changed = match op {
                        Op::Link => link::link_module_parsed(logic, module_id, version, call_name)?,
                        Op::Unlink => link::unlink_module_parsed(logic, module_id)?,
                    };
                    Ok(changed.map(|(l, _)| l.into_write()))
                },
                Answer::Head,
            )
            .await;
        match res {
            Ok(Update {
                outcome,
                conflict_retries,
            }) => {
                let (flow, changed) = match outcome {
                    UpdateOutcome::Updated(f) => (f, true),
                    UpdateOutcome::Unchanged(f) => (f, false),
                };
                let status = match (op, changed) {
                    (Op::Link, true) => FlowStatus::Linked,
                    (Op::Link, false) => FlowStatus::AlreadyLinked,
                    (Op::Unlink, true) => FlowStatus::Unlinked,
                    (Op::Unlink, false) => FlowStatus::NotLinked,
                };
                FlowResult {
                    flow_id: t.id,
                    flow_name: flow.name.or(name_hint),
                    status,
                    version: flow.version,
                    conflict_retries,
                }
            }
            Err(e) => FlowResult {
                flow_name: name_hint,
                ..failed(&t.id, e.to_string())
            },
        }
    }

    /// Turns targets into flow ids (deduplicated, in order) plus failures for names that match
    /// nothing.
    async fn resolve_targets(
        &self,
        targets: &Targets,
    ) -> Result<(Vec<Target>, Vec<FlowResult>), ClientError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut missing = Vec::new();
        let mut push = |t: Target, out: &mut Vec<Target>| {
            if seen.insert(t.id.clone()) {
                out.push(t);
            }
        };
        match targets {
            Targets::Ids(ids) => {
                for id in ids {
                    push(
                        Target {
                            id: id.clone(),
                            snapshot: None,
                        },
                        &mut out,
                    );
                }
            }
            Targets::Names(names) => {
                for name in names {
                    let q = FlowQuery {
                        name: Some(name.clone()),
                        ..Default::default()
                    };
                    let matches: Vec<Flow> = self
                        .list_flows(&q)
                        .await?
                        .into_iter()
                        .filter(|f| {
                            f.name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        })
                        .collect();
                    if matches.is_empty() {
                        missing.push(FlowResult {
                            flow_name: Some(name.clone()),
                            ..failed("-", format!("no flow named '{name}'"))
                        });
                    }
                    for f in matches {
                        if let Some(id) = f.id.clone() {
                            let snapshot = usable_snapshot(&f).then_some(f);
                            push(Target { id, snapshot }, &mut out);
                        }
                    }
                }
            }
            Targets::Query(q) => {
                for f in self.list_flows(q).await? {
                    if let Some(id) = f.id.clone() {
                        let snapshot = usable_snapshot(&f).then_some(f);
                        push(Target { id, snapshot }, &mut out);
                    }
                }
            }
        }
        Ok((out, missing))
    }
}

impl Client {
    /// Finds a flow (any type) by id or by exact (case-insensitive) name.
    pub async fn resolve_flow(&self, id_or_name: &str) -> Result<Flow, ClientError> {
        match self.get_flow(id_or_name).await {
            Ok(f) => return Ok(f),
            Err(e) if e.is_not_found() || e.status() == Some(400) => {}
            Err(e) => return Err(e),
        }
        let q = FlowQuery {
            name: Some(id_or_name.to_string()),
            ..Default::default()
        };
        let mut found: Vec<Flow> = self
            .list_flows(&q)
            .await?
            .into_iter()
            .filter(|f| {
                f.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(id_or_name))
            })
            .collect();
        match found.len() {
            // Listings carry no logic: read the flow itself.
            1 => {
                self.get_flow(found.remove(0).id.as_deref().unwrap_or_default())
                    .await
            }
            0 => Err(ClientError::Invalid(format!(
                "no flow with id or name '{id_or_name}'; list them with `flowlink flows list`"
            ))),
            _ => Err(ClientError::Invalid(format!(
                "several flows are named '{id_or_name}'; give the flow id instead"
            ))),
        }
    }
}
