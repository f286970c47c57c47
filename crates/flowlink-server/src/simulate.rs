//! Simulated calls on the server side (SPEC §4, §6): everything between a stored flow and a
//! finished [`ExecutionResult`].
//!
//! - [`LogicCache`]: parsed [`FlowLogic`] per (flow id, logic version). Logic versions are
//!   immutable snapshots, so a cached parse never goes stale; the map is bounded and evicts the
//!   least recently used entry.
//! - [`prefetch`]: before a run, every module the flow can reach (transitively, down to the
//!   engine's nesting cap) is resolved against the store *now* — a floating call binds to the
//!   module's published version at this moment, a pinned call to its version — into a
//!   [`PrefetchedModules`] resolver. The engine does no I/O, so nothing it asks for can be
//!   missing: what is unavailable (deleted, deactivated, unpublished, no such version) is
//!   recorded with its reason and becomes a [`ModuleUnavailable`] at the moment of the call.
//! - [`Simulator::run`]: runs short executions inline (cheaper than a thread hand-off) and
//!   moves the ones that outgrow [`INLINE_ACTIONS`] to tokio's blocking pool, at most a few at
//!   a time (a semaphore), so executions never stall the async workers that answer requests.
//! - [`execution_trace`] / [`trace_text`]: the `trace` extension, serialized once as stored.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use flowlink_api::trace::{ExecutionTrace, TraceFlow, TraceSimulation};
use flowlink_api::FlowType;
use flowlink_engine::{
    run, ErrorHandling, Event, ExecutionResult, FinalOutcome, FlowToRun, Limits, ModuleResolver,
    ModuleUnavailable, ResolvedModule, Simulation, TraceStep,
};
use flowlink_model::archy::parse_archy;
use flowlink_model::{parse_actions, parse_definition, Dialect, FlowLogic, ModelError};

use crate::archy_names::{bind_for_launch, ModuleNames};
use flowlink_store::{FlowRecord, JsonText, Store, StoreError};
use serde_json::Value;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::error::ApiError;
use crate::logic::stored_error_handling;

/// Parsed logic versions kept by default.
pub const DEFAULT_CACHE_CAPACITY: usize = 1024;

/// Trace steps kept per execution: the first and last half of this many, plus the action-limit
/// events between them. Only flows that hit the action limit come near it; their middle is the
/// same loop over and over.
pub const MAX_TRACE_STEPS: usize = 2_000;

/// Parses a stored logic document: `{"definition": {...}}` (graph dialect), `{"actions": [...],
/// "variables": [...]}` (action-list dialect) or `{}` (no logic yet: returns at once).
pub fn parse_document(doc: &Value) -> Result<FlowLogic, ModelError> {
    if let Some(text) = doc.get("archy").and_then(Value::as_str) {
        // Module calls stay unbound here (the cache holds immutable parses); they are bound
        // by name at each launch ([`bind_at_launch`]).
        parse_archy(text).map(|a| a.logic).map_err(ModelError::from)
    } else if let Some(definition) = doc.get("definition") {
        parse_definition(definition)
    } else if let Some(actions) = doc.get("actions") {
        parse_actions(actions, doc.get("variables"))
    } else {
        Ok(FlowLogic::empty(Dialect::Graph))
    }
}

/// A bounded map (flow id, logic version) → parsed logic, evicting the least recently used.
pub struct LogicCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    /// Entry and the tick it was last used at.
    map: HashMap<(Uuid, u32), (Arc<FlowLogic>, u64)>,
    tick: u64,
}

impl LogicCache {
    /// A cache holding at most `capacity` parsed versions (at least one).
    pub fn new(capacity: usize) -> Self {
        LogicCache {
            capacity: capacity.max(1),
            inner: Mutex::new(CacheInner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // The map stays consistent even if a holder panicked: every update is one insert.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached logic of `flow` version `version`, if any.
    pub fn get(&self, flow: Uuid, version: u32) -> Option<Arc<FlowLogic>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        inner.map.get_mut(&(flow, version)).map(|(logic, used)| {
            *used = tick;
            Arc::clone(logic)
        })
    }

    /// Remembers `logic` for `flow` version `version`, evicting the least recently used entry
    /// when full.
    pub fn insert(&self, flow: Uuid, version: u32, logic: Arc<FlowLogic>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if inner.map.len() >= self.capacity && !inner.map.contains_key(&(flow, version)) {
            // A linear scan is fine at this size and keeps the structure trivial.
            let oldest = inner
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k);
            if let Some(key) = oldest {
                inner.map.remove(&key);
            }
        }
        inner.map.insert((flow, version), (logic, tick));
    }

    /// Number of cached versions.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a logic version could not be loaded.
enum LoadError {
    /// No such version.
    Missing,
    /// The store failed, or a stored document no longer parses (a bug, not the caller's).
    Internal(ApiError),
}

/// The server's execution machinery, shared by all requests (one per [`crate::AppState`]).
pub struct Simulator {
    /// Parsed logic versions.
    pub cache: LogicCache,
    /// Bounds executions running at once on the blocking pool; the rest wait asynchronously.
    permits: Arc<Semaphore>,
    /// Budgets every execution runs with.
    pub limits: Limits,
}

impl Default for Simulator {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Simulator::new(DEFAULT_CACHE_CAPACITY, cores.max(2), Limits::default())
    }
}

impl Simulator {
    /// A simulator caching `cache_capacity` parsed versions and running at most `parallel`
    /// executions at once.
    pub fn new(cache_capacity: usize, parallel: usize, limits: Limits) -> Self {
        Simulator {
            cache: LogicCache::new(cache_capacity),
            permits: Arc::new(Semaphore::new(parallel.max(1))),
            limits,
        }
    }

    /// The parsed logic of `flow` version `version` of organization `org`, from the cache or
    /// the store.
    async fn load(
        &self,
        store: &dyn Store,
        org: Uuid,
        flow: Uuid,
        version: u32,
    ) -> Result<Arc<FlowLogic>, LoadError> {
        if let Some(hit) = self.cache.get(flow, version) {
            return Ok(hit);
        }
        let record = match store.get_version(org, flow, version).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(LoadError::Missing),
            Err(e) => return Err(LoadError::Internal(e.into())),
        };
        let logic = parse_document(&record.document).map_err(|e| {
            LoadError::Internal(ApiError::Internal(format!(
                "stored logic of flow {flow} version {version} does not parse: {}",
                e.message
            )))
        })?;
        let logic = Arc::new(logic);
        self.cache.insert(flow, version, Arc::clone(&logic));
        Ok(logic)
    }

    /// The parsed logic of the flow an execution starts in; a missing version → 400 naming it.
    pub async fn flow_logic(
        &self,
        store: &dyn Store,
        rec: &FlowRecord,
        version: u32,
    ) -> Result<Arc<FlowLogic>, ApiError> {
        match self.load(store, rec.org_id, rec.id, version).await {
            Ok(logic) => Ok(logic),
            Err(LoadError::Missing) => Err(ApiError::bad_request(format!(
                "flow '{}' ({}) has no version {version}.0",
                rec.name, rec.id
            ))),
            Err(LoadError::Internal(e)) => Err(e),
        }
    }

    /// Runs `flow` to its end. Always returns a result: the engine's budgets bound every
    /// execution. A short run (most calls: a few dozen actions, microseconds of work) runs
    /// right here on the async worker, because handing it to another thread costs more than
    /// the work; a run that spends [`INLINE_ACTIONS`] goes to the blocking pool, at most
    /// `parallel` at a time, so that one long flow cannot stall the workers answering requests.
    pub async fn run(
        &self,
        flow: &FlowToRun,
        sim: &Simulation,
        modules: PrefetchedModules,
    ) -> Result<ExecutionResult, ApiError> {
        if let Some(result) = run_inline(flow, sim, &modules, &self.limits) {
            return Ok(result);
        }
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Internal("execution semaphore closed".into()))?;
        let limits = self.limits;
        let (flow, sim) = (flow.clone(), sim.clone());
        // The permit travels with the run: if the caller goes away, the run still counts until
        // it ends.
        tokio::task::spawn_blocking(move || {
            let result = run(&flow, &sim, &modules, &limits);
            drop(permit);
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("execution task failed: {e}")))
    }
}

/// Actions a run may take on the async worker before it moves to the blocking pool. The
/// engine runs about a microsecond per action, so an inline run costs at most some
/// hundreds of microseconds.
pub const INLINE_ACTIONS: u32 = 256;

/// Runs `flow` with its action budget cut to [`INLINE_ACTIONS`]; `None` when the run spent
/// that budget (it then has to run again with the full `limits`). The engine is a pure
/// function of its inputs and checks the budget only before a node runs, so a run that ends
/// with fewer actions than the cut budget never reached it and is exactly the run the full
/// budget gives.
pub fn run_inline(
    flow: &FlowToRun,
    sim: &Simulation,
    modules: &PrefetchedModules,
    limits: &Limits,
) -> Option<ExecutionResult> {
    let budget = limits.max_actions.min(INLINE_ACTIONS);
    if budget == limits.max_actions {
        // The full budget is no larger: this is the run.
        return Some(run(flow, sim, modules, limits));
    }
    let cut = Limits {
        max_actions: budget,
        error_handling_extra: 0,
        ..*limits
    };
    let result = run(flow, sim, modules, &cut);
    (result.action_count < budget).then_some(result)
}

/// The flow types whose Archy logic the engine simulates (SPEC §9): the voice flows and
/// common modules. Other types are stored, exported and tracked, not run.
pub fn simulated_archy_type(t: FlowType) -> bool {
    matches!(
        t,
        FlowType::InboundCall
            | FlowType::InQueueCall
            | FlowType::OutboundCall
            | FlowType::SecureCall
            | FlowType::CommonModule
    )
}

/// Binds an Archy logic's calls by module name to the modules that have those names *now*
/// (launch time), loading the organization's module names into `names` on first need. Logic
/// without by-name calls comes back as it is.
async fn bind_names(
    store: &dyn Store,
    org: Uuid,
    names: &mut Option<ModuleNames>,
    logic: Arc<FlowLogic>,
) -> Result<Arc<FlowLogic>, ApiError> {
    if logic.unbound_module_names().is_empty() {
        return Ok(logic);
    }
    let names = names.get_or_insert_with(ModuleNames::default);
    names
        .ensure(store, org, logic.unbound_module_names())
        .await?;
    let mut bound = (*logic).clone();
    bind_for_launch(names, &mut bound);
    Ok(Arc::new(bound))
}

/// [`bind_names`] for the flow a simulated call starts in.
pub async fn bind_at_launch(
    store: &dyn Store,
    org: Uuid,
    logic: Arc<FlowLogic>,
) -> Result<Arc<FlowLogic>, ApiError> {
    bind_names(store, org, &mut None, logic).await
}

/// Why a module (as stored) cannot run at all, whatever version is asked for.
pub fn module_unavailability(rec: &FlowRecord) -> Option<String> {
    let who = format!("module '{}' ({})", rec.name, rec.id);
    if rec.deleted {
        Some(format!("{who} has been deleted"))
    } else if !rec.flow_type.is_module() {
        Some(format!(
            "flow '{}' ({}) is a {} flow, not a module",
            rec.name, rec.id, rec.flow_type
        ))
    } else if rec.published_version.is_some() && !rec.active {
        Some(format!("{who} is deactivated"))
    } else {
        None
    }
}

/// One module as known at launch.
#[derive(Debug, Clone)]
enum ModuleSlot {
    /// The module cannot run: the reason.
    Unavailable(String),
    Available(AvailableModule),
}

#[derive(Debug, Clone)]
struct AvailableModule {
    id: String,
    name: String,
    published: Option<u32>,
    error_handling: ErrorHandling,
    /// Loaded versions; `Err` says why a version cannot run.
    versions: HashMap<u32, Result<Arc<FlowLogic>, String>>,
}

impl AvailableModule {
    fn number(&self, version: Option<u32>) -> Result<u32, String> {
        version.or(self.published).ok_or_else(|| {
            format!(
                "module '{}' ({}) has no published version",
                self.name, self.id
            )
        })
    }
}

/// A [`ModuleResolver`] over the modules a flow can reach, as they were at launch.
#[derive(Debug, Clone, Default)]
pub struct PrefetchedModules {
    /// By module id exactly as the calls write it.
    modules: HashMap<String, ModuleSlot>,
}

impl PrefetchedModules {
    /// Number of distinct module ids looked up.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// Whether the flow calls no module.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

impl ModuleResolver for PrefetchedModules {
    fn resolve(
        &self,
        module_id: &str,
        version: Option<u32>,
    ) -> Result<ResolvedModule, ModuleUnavailable> {
        let unavailable = |reason: String| ModuleUnavailable { reason };
        let module = match self.modules.get(module_id) {
            Some(ModuleSlot::Available(m)) => m,
            Some(ModuleSlot::Unavailable(reason)) => return Err(unavailable(reason.clone())),
            // Only reachable past the prefetch depth, which the engine's depth cap stops first.
            None => return Err(unavailable(format!("module {module_id} was not loaded"))),
        };
        let number = module.number(version).map_err(unavailable)?;
        match module.versions.get(&number) {
            Some(Ok(logic)) => Ok(ResolvedModule {
                id: module.id.clone(),
                name: module.name.clone(),
                version: number,
                logic: Arc::clone(logic),
                error_handling: module.error_handling,
            }),
            Some(Err(reason)) => Err(unavailable(reason.clone())),
            None => Err(unavailable(format!(
                "version {number}.0 of module '{}' ({}) was not loaded",
                module.name, module.id
            ))),
        }
    }
}

/// Looks up one module by the id a call writes.
async fn module_slot(store: &dyn Store, org: Uuid, id: &str) -> Result<ModuleSlot, ApiError> {
    let missing = || ModuleSlot::Unavailable(format!("module {id} does not exist"));
    let Ok(uuid) = Uuid::parse_str(id.trim()) else {
        return Ok(missing());
    };
    let rec = match store.get_flow(org, uuid).await {
        Ok(rec) => rec,
        Err(StoreError::NotFound) => return Ok(missing()),
        Err(StoreError::Gone) => {
            return Ok(ModuleSlot::Unavailable(format!(
                "module {id} has been deleted"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(slot_of(rec))
}

/// The slot of a module whose row was read (deleted or not).
fn slot_of(rec: FlowRecord) -> ModuleSlot {
    if let Some(reason) = module_unavailability(&rec) {
        return ModuleSlot::Unavailable(reason);
    }
    let error_handling = stored_error_handling(&rec);
    ModuleSlot::Available(AvailableModule {
        id: rec.id.to_string(),
        name: rec.name,
        published: rec.published_version,
        error_handling,
        versions: HashMap::new(),
    })
}

/// The slots of the modules `root` calls directly, read together ([`Store::get_flows`]: one
/// query, or none for rows the store holds in memory) instead of one read per module (a
/// launch's hot path). Modules not found, or deleted, are left out: the per-module read
/// ([`module_slot`]) answers for them as it always has.
async fn direct_slots(
    store: &dyn Store,
    org: Uuid,
    root: &FlowLogic,
    out: &mut PrefetchedModules,
) -> Result<(), ApiError> {
    let ids: Vec<Uuid> = root
        .module_calls()
        .filter_map(|(_, c)| Uuid::parse_str(c.module_id.trim()).ok())
        .collect::<BTreeSet<Uuid>>()
        .into_iter()
        .collect();
    if ids.len() < 2 {
        return Ok(());
    }
    for rec in store.get_flows(org, &ids).await? {
        if !rec.deleted {
            // Keyed as the call spells it, which is how `prefetch` looks it up.
            for id in root
                .module_calls()
                .map(|(_, c)| &c.module_id)
                .filter(|m| Uuid::parse_str(m.trim()).ok() == Some(rec.id))
                .collect::<BTreeSet<_>>()
            {
                out.modules.insert(id.clone(), slot_of(rec.clone()));
            }
        }
    }
    Ok(())
}

/// Resolves, now, every module call reachable from `root` whose module would run at a depth
/// up to the simulator's nesting cap (the flow is depth 0, the modules it calls depth 1).
pub async fn prefetch(
    sim: &Simulator,
    store: &dyn Store,
    org: Uuid,
    root: &FlowLogic,
) -> Result<PrefetchedModules, ApiError> {
    let max_depth = sim.limits.max_module_depth;
    let mut names = None;
    let mut out = PrefetchedModules::default();
    if max_depth >= 1 {
        direct_slots(store, org, root, &mut out).await?;
    }
    let mut seen: HashSet<(String, Option<u32>)> = HashSet::new();
    let mut queue: VecDeque<(String, Option<u32>, u32)> = root
        .module_calls()
        .map(|(_, c)| (c.module_id.clone(), c.version, 1))
        .collect();
    // Breadth first: a module is expanded at the shallowest depth it can run at, which is
    // the one that lets its own calls run deepest.
    while let Some((id, version, depth)) = queue.pop_front() {
        if depth > max_depth || !seen.insert((id.clone(), version)) {
            continue;
        }
        if !out.modules.contains_key(&id) {
            let slot = module_slot(store, org, &id).await?;
            out.modules.insert(id.clone(), slot);
        }
        let Some(ModuleSlot::Available(module)) = out.modules.get_mut(&id) else {
            continue;
        };
        let Ok(number) = module.number(version) else {
            continue;
        };
        if !module.versions.contains_key(&number) {
            let flow_id = Uuid::parse_str(&module.id)
                .map_err(|e| ApiError::Internal(format!("stored module id: {e}")))?;
            let loaded = match sim.load(store, org, flow_id, number).await {
                Ok(logic) => Ok(bind_names(store, org, &mut names, logic).await?),
                Err(LoadError::Missing) => Err(format!(
                    "version {number}.0 of module '{}' ({}) does not exist",
                    module.name, module.id
                )),
                Err(LoadError::Internal(e)) => return Err(e),
            };
            module.versions.insert(number, loaded);
        }
        if let Some(Ok(logic)) = module.versions.get(&number) {
            let logic = Arc::clone(logic);
            queue.extend(
                logic
                    .module_calls()
                    .map(|(_, c)| (c.module_id.clone(), c.version, depth + 1)),
            );
        }
    }
    Ok(out)
}

/// `transferred to queue Sales`, `disconnected`, `failed: <reason>`.
pub fn completion_reason(outcome: &FinalOutcome) -> String {
    match outcome {
        FinalOutcome::Disconnected => "disconnected".into(),
        FinalOutcome::Transferred { queue } => format!("transferred to queue {queue}"),
        FinalOutcome::Failed { reason } => format!("failed: {reason}"),
    }
}

/// `steps` with the middle of very long runs left out (see [`MAX_TRACE_STEPS`]), and how
/// many were left out. Short runs (nearly all) keep their steps without a copy.
fn kept_steps(steps: Vec<TraceStep>) -> (Vec<TraceStep>, usize) {
    if steps.len() <= MAX_TRACE_STEPS {
        return (steps, 0);
    }
    let half = MAX_TRACE_STEPS / 2;
    let tail_from = steps.len() - half;
    let mut kept = Vec::with_capacity(MAX_TRACE_STEPS + 2);
    for (i, step) in steps.into_iter().enumerate() {
        // The limit events say why a long run ended the way it did; there are at most two.
        if i < half || i >= tail_from || matches!(step.event, Event::ActionLimit { .. }) {
            kept.push(step);
        }
    }
    let omitted = tail_from + half - kept.len();
    (kept, omitted)
}

/// The `trace` extension: which flow ran, the simulated inputs, how the call ended, the action
/// count, tags, participant data and every step (`stepsOmitted` counts the middle steps left
/// out of very long runs, see [`MAX_TRACE_STEPS`]). Built typed ([`ExecutionTrace`], the type
/// the client reads back) from the result it consumes; [`trace_text`] serializes it once.
pub fn execution_trace(
    flow: &FlowToRun,
    sim: &Simulation,
    result: ExecutionResult,
) -> ExecutionTrace {
    let (steps, omitted) = kept_steps(result.trace.steps);
    ExecutionTrace {
        flow: TraceFlow {
            id: flow.id.clone(),
            name: flow.name.clone(),
            version: flow.version,
        },
        simulation: TraceSimulation {
            ani: sim.ani.clone(),
            dnis: sim.dnis.clone(),
            digits: sim.digits.clone(),
        },
        outcome: result.outcome,
        action_count: result.action_count,
        tags: result.tags,
        participant_data: result.participant_data,
        output_data: result.output_data,
        steps,
        steps_omitted: (omitted > 0).then_some(omitted),
    }
}

/// The trace as the JSON text the execution record stores: one serialization, no
/// intermediate [`Value`]. Read back as a `Value` it is the document the wire has always
/// carried (object keys sorted).
pub fn trace_text(trace: &ExecutionTrace) -> Result<JsonText, ApiError> {
    JsonText::of(trace).map_err(|e| ApiError::Internal(format!("trace does not serialize: {e}")))
}

#[cfg(test)]
mod tests {
    use flowlink_api::FlowType;
    use serde_json::json;

    use super::*;

    fn logic() -> Arc<FlowLogic> {
        Arc::new(FlowLogic::empty(Dialect::Graph))
    }

    #[test]
    fn cache_evicts_the_least_recently_used() {
        let cache = LogicCache::new(2);
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        cache.insert(a, 1, logic());
        cache.insert(b, 1, logic());
        assert!(cache.get(a, 1).is_some(), "a is now the most recent");
        cache.insert(c, 1, logic());
        assert_eq!(cache.len(), 2);
        assert!(cache.get(b, 1).is_none(), "b was the least recently used");
        assert!(cache.get(a, 1).is_some() && cache.get(c, 1).is_some());
        assert!(cache.get(a, 2).is_none(), "versions are distinct keys");
    }

    #[test]
    fn documents_of_both_dialects_and_empty_logic_parse() {
        let graph = json!({"definition": {"nodes": [{"id": "d", "type": "disconnect"}],
            "edges": [], "entry": {"nodeId": "d"}}});
        assert_eq!(parse_document(&graph).expect("graph").graph.nodes.len(), 1);
        let actions = json!({"actions": [{"type": "disconnect"}],
            "variables": [{"name": "Flow.x", "type": "string"}]});
        let parsed = parse_document(&actions).expect("actions");
        assert_eq!(parsed.variables.len(), 1);
        assert_eq!(parse_document(&json!({})).expect("empty").graph.entry, None);
    }

    fn module_record() -> FlowRecord {
        FlowRecord {
            id: Uuid::nil(),
            org_id: Uuid::nil(),
            flow_type: FlowType::CommonModule,
            name: "Auth".into(),
            description: None,
            version: 1,
            dialect: None,
            active: true,
            deleted: false,
            locked_client_id: None,
            published_version: Some(1),
            saved_version: None,
            checked_in_version: None,
            latest_version: 1,
            published_ms: None,
            error_handling: None,
            created_ms: 0,
            modified_ms: 0,
        }
    }

    #[test]
    fn unavailable_modules_say_why() {
        assert_eq!(module_unavailability(&module_record()), None);
        let deactivated = FlowRecord {
            active: false,
            ..module_record()
        };
        let reason = module_unavailability(&deactivated).expect("deactivated");
        assert!(
            reason.contains("'Auth'") && reason.ends_with("is deactivated"),
            "{reason}"
        );
        let deleted = FlowRecord {
            deleted: true,
            ..module_record()
        };
        assert!(module_unavailability(&deleted)
            .expect("deleted")
            .ends_with("has been deleted"));
        let inbound = FlowRecord {
            flow_type: FlowType::InboundCall,
            ..module_record()
        };
        assert!(module_unavailability(&inbound)
            .expect("not a module")
            .contains("not a module"));
    }

    #[test]
    fn resolver_reports_unpublished_and_missing_versions() {
        let mut modules = PrefetchedModules::default();
        modules.modules.insert(
            "m".into(),
            ModuleSlot::Available(AvailableModule {
                id: "m".into(),
                name: "M".into(),
                published: None,
                error_handling: ErrorHandling::Disconnect,
                versions: HashMap::from([
                    (1, Ok(logic())),
                    (
                        2,
                        Err("version 2.0 of module 'M' (m) does not exist".into()),
                    ),
                ]),
            }),
        );
        modules
            .modules
            .insert("gone".into(), ModuleSlot::Unavailable("deleted".into()));
        assert_eq!(modules.resolve("m", Some(1)).expect("pinned").version, 1);
        let floating = modules.resolve("m", None).expect_err("unpublished");
        assert!(floating.reason.contains("no published version"));
        assert!(modules
            .resolve("m", Some(2))
            .expect_err("missing")
            .reason
            .contains("does not exist"));
        assert_eq!(
            modules.resolve("gone", None).expect_err("gone").reason,
            "deleted"
        );
    }

    #[test]
    fn long_traces_keep_their_head_and_tail() {
        let step = |i: usize| TraceStep {
            flow_id: "f".into(),
            flow_version: 1,
            depth: 0,
            node_id: i.to_string(),
            node_name: String::new(),
            node_type: "setData".into(),
            event: Event::Disconnect,
            outcome: None,
            edge: None,
            next: None,
        };
        let mut steps: Vec<TraceStep> = (0..MAX_TRACE_STEPS + 10).map(step).collect();
        let (kept, omitted) = kept_steps(steps.clone());
        assert_eq!((kept.len(), omitted), (MAX_TRACE_STEPS, 10));
        assert_eq!(kept[0].node_id, "0");
        assert_eq!(
            kept[MAX_TRACE_STEPS - 1].node_id,
            (MAX_TRACE_STEPS + 9).to_string()
        );
        // A limit event in the omitted middle is kept in place.
        let middle = MAX_TRACE_STEPS / 2 + 3;
        steps[middle].event = Event::ActionLimit {
            limit: 10,
            actions: 10,
            handling: flowlink_engine::Handling::Continue,
        };
        let (kept, omitted) = kept_steps(steps.clone());
        assert_eq!((kept.len(), omitted), (MAX_TRACE_STEPS + 1, 9));
        assert_eq!(kept[MAX_TRACE_STEPS / 2].node_id, middle.to_string());
        let (short, none) = kept_steps(steps[..3].to_vec());
        assert_eq!((short.len(), none), (3, 0));
    }

    /// A graph flow that counts `Flow.n` up to `until` (two actions a round), then transfers;
    /// `until: None` loops until the action budget ends it.
    fn counting_flow(until: Option<u32>) -> FlowToRun {
        let check = match until {
            Some(n) => format!("Flow.n < {n}"),
            None => "Flow.n > 0".into(),
        };
        let doc = json!({"definition": {
            "variables": [{"name": "Flow.n", "type": "integer", "defaultValue": 0, "output": true}],
            "nodes": [
                {"id": "count", "name": "Count", "type": "setData",
                 "settings": {"data": [{"key": "Flow.n", "value": {"expression": "Flow.n + 1"}}]}},
                {"id": "check", "name": "Again?", "type": "decision", "settings": {"expression": check}},
                {"id": "to-sales", "name": "To Sales", "type": "transferToAcd", "settings": {"queue": "Sales"}}
            ],
            "edges": [
                {"id": "e1", "source": "count", "target": "check", "type": "default"},
                {"id": "e2", "source": "check", "target": "count", "type": "true"},
                {"id": "e3", "source": "check", "target": "to-sales", "type": "false"}
            ],
            "entry": {"nodeId": "count"}
        }});
        FlowToRun {
            id: "f".into(),
            name: "Counting".into(),
            version: 1,
            logic: Arc::new(parse_document(&doc).expect("counting flow parses")),
            error_handling: ErrorHandling::Disconnect,
        }
    }

    #[tokio::test]
    async fn short_runs_run_inline_and_long_ones_on_the_pool_with_the_same_result() {
        let sim = Simulation::default();
        let modules = PrefetchedModules::default();
        let limits = Limits::default();
        let simulator = Simulator::new(4, 2, limits);
        // (flow, runs inline?, actions of the full run)
        let cases = [
            (counting_flow(Some(5)), true, 11),
            (counting_flow(Some(2_000)), false, 4_001),
            (counting_flow(None), false, limits.max_actions),
        ];
        for (flow, inline, actions) in cases {
            let full = run(&flow, &sim, &modules, &limits);
            assert_eq!(full.action_count, actions);
            let fast = run_inline(&flow, &sim, &modules, &limits);
            assert_eq!(fast.is_some(), inline, "{actions} actions");
            if let Some(fast) = fast {
                assert_eq!(fast, full, "an inline run is the full run");
            }
            // Either way the simulator answers exactly what the full budget gives.
            let ran = simulator
                .run(&flow, &sim, modules.clone())
                .await
                .expect("runs");
            assert_eq!(ran, full);
        }
        // A budget smaller than the inline one: the inline run is the whole run.
        let small = Limits {
            max_actions: 20,
            error_handling_extra: 0,
            ..limits
        };
        let capped = run_inline(&counting_flow(None), &sim, &modules, &small).expect("inline");
        assert_eq!(capped, run(&counting_flow(None), &sim, &modules, &small));
        assert!(matches!(capped.outcome, FinalOutcome::Failed { .. }));
    }

    #[test]
    fn the_trace_text_reads_back_as_the_value_the_trace_always_was() {
        let flow = counting_flow(Some(3));
        let sim = Simulation {
            ani: "+3212345678".into(),
            dnis: "+3280012345".into(),
            digits: vec!["1".into()],
            ..Simulation::default()
        };
        let result = run(
            &flow,
            &sim,
            &PrefetchedModules::default(),
            &Limits::default(),
        );
        let trace = execution_trace(&flow, &sim, result);
        assert!(!trace.steps.is_empty());
        let text = trace_text(&trace).expect("serializes");
        let before = serde_json::to_value(&trace).expect("to a value");
        assert_eq!(text.parse().expect("parses"), before);
        // The stored text of the old path and the new one are the same document.
        assert_eq!(JsonText::from(&before).parse().expect("parses"), before);
        assert_eq!(before["flow"]["name"], "Counting");
        assert_eq!(before["outputData"]["Flow.n"], 3);
        assert_eq!(before["outcome"]["queue"], "Sales");
    }
}
