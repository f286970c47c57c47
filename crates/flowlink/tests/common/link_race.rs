//! The concurrent-link scenario shared by the one-server test (`concurrency.rs`) and the
//! two-replica test (`replicas.rs`): fifty inbound flows and eight modules, eight clients each
//! linking its own module into all fifty flows at once, and the check that afterwards every
//! flow calls each module exactly once with one version bump per accepted change.

use std::sync::{Arc, Mutex};

use flowlink_client::api::FlowType;
use flowlink_client::{
    BulkReport, Client, FlowQuery, FlowResult, FlowStatus, LinkOptions, Progress, Targets,
};

use super::{action_flow, calls, create_flow, graph_flow, tag_module};

/// Flows every module is linked into.
pub const FLOWS: usize = 50;
/// Modules, one per linking client.
pub const MODULES: usize = 8;

/// What the scenario works on.
#[derive(Clone)]
pub struct Fixture {
    pub flow_ids: Vec<String>,
    pub module_ids: Vec<String>,
}

/// Creates the fifty flows (half graph, half action-list dialect) and the eight modules.
pub async fn setup(setup: &Client) -> Fixture {
    let mut flow_ids = Vec::new();
    for i in 0..FLOWS {
        let logic = if i % 2 == 0 {
            graph_flow("f")
        } else {
            action_flow("f")
        };
        let f = create_flow(
            setup,
            &format!("Flow {i:02}"),
            FlowType::InboundCall,
            &logic,
        )
        .await;
        flow_ids.push(f.id.unwrap());
    }
    let mut module_ids = Vec::new();
    for i in 0..MODULES {
        let m = setup
            .create_module(
                &format!("Module {i}"),
                None,
                Some(&tag_module(&format!("m{i}"))),
            )
            .await
            .unwrap();
        module_ids.push(m.id.unwrap());
    }
    Fixture {
        flow_ids,
        module_ids,
    }
}

/// Client `i`'s targets: half select the flows by id, half by listing (which may hand over
/// stale snapshots).
pub fn targets(fx: &Fixture, i: usize) -> Targets {
    match i % 2 {
        0 => Targets::Ids(fx.flow_ids.clone()),
        _ => Targets::Query(FlowQuery::of_type(FlowType::InboundCall)),
    }
}

/// Every write a server acknowledged: `(module, flow, flow version after the write)` for each
/// flow reported `linked`, recorded the moment the client learns of it.
#[derive(Clone, Default)]
pub struct Acknowledged(Arc<Mutex<Vec<(String, String, i64)>>>);

impl Acknowledged {
    /// A progress sink for the client linking `module`; `on_link` runs after each record.
    pub fn recorder(&self, module: &str, on_link: Arc<dyn Fn() + Send + Sync>) -> Recorder {
        Recorder {
            module: module.to_string(),
            acks: self.clone(),
            on_link,
        }
    }

    /// A copy of everything recorded so far.
    pub fn all(&self) -> Vec<(String, String, i64)> {
        self.0.lock().unwrap().clone()
    }
}

/// Records one client's acknowledged links (see [`Acknowledged`]).
pub struct Recorder {
    module: String,
    acks: Acknowledged,
    on_link: Arc<dyn Fn() + Send + Sync>,
}

impl Progress for Recorder {
    fn done(&self, r: &FlowResult) {
        if r.status == FlowStatus::Linked {
            let version = r.version.expect("a linked flow reports its new version");
            self.acks
                .0
                .lock()
                .unwrap()
                .push((self.module.clone(), r.flow_id.clone(), version));
            (self.on_link)();
        }
    }
}

/// Client `i` (already logged in) links module `i` into its targets once all `clients` are
/// ready, flow by flow (GET, PUT, 409 → re-read and re-apply: the path that also works
/// against Genesys); returns the report and the client's 409 re-applies.
pub async fn race(
    clients: Vec<Client>,
    fx: &Fixture,
    acks: &Acknowledged,
    on_link: Arc<dyn Fn() + Send + Sync>,
) -> Vec<Result<(BulkReport, u64), flowlink_client::ClientError>> {
    let per_flow = LinkOptions {
        per_flow: true,
        ..LinkOptions::default()
    };
    race_with(clients, fx, acks, on_link, per_flow).await
}

/// [`race`] with the link options given (e.g. the default, which uses the server's bulk link).
pub async fn race_with(
    clients: Vec<Client>,
    fx: &Fixture,
    acks: &Acknowledged,
    on_link: Arc<dyn Fn() + Send + Sync>,
    opts: LinkOptions,
) -> Vec<Result<(BulkReport, u64), flowlink_client::ClientError>> {
    assert_eq!(clients.len(), fx.module_ids.len());
    // Every client logs in first, then all start together so their writes really collide.
    let barrier = Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let module_id = fx.module_ids[i].clone();
        let targets = targets(fx, i);
        let barrier = barrier.clone();
        let recorder = acks.recorder(&module_id, on_link.clone());
        let opts = opts.clone();
        tasks.push(tokio::spawn(async move {
            client.access_token().await.unwrap();
            barrier.wait().await;
            let report = client
                .link_module(&module_id, &targets, &opts, &recorder)
                .await?;
            Ok((report, client.stats().conflict_retries))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Asserts a client's report says every flow was linked, with its 409s accounted per flow;
/// returns the 409 re-applies.
pub fn assert_all_linked(report: &BulkReport, client_retries: u64) -> u64 {
    assert_eq!(report.results.len(), FLOWS);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.status == FlowStatus::Linked),
        "{:?}",
        report
            .results
            .iter()
            .find(|r| r.status != FlowStatus::Linked)
    );
    let per_flow: u64 = report
        .results
        .iter()
        .map(|r| u64::from(r.conflict_retries))
        .sum();
    assert_eq!(per_flow, client_retries);
    client_retries
}

/// Every flow calls each module exactly once, and its `version` is 1 create + 8 links: every
/// accepted change bumped it once, and none was applied twice.
pub async fn assert_each_module_called_once(c: &Client, fx: &Fixture) {
    let mut want = fx.module_ids.clone();
    want.sort();
    for id in &fx.flow_ids {
        let f = c.get_flow(id).await.unwrap();
        let mut called: Vec<String> = calls(&f).into_iter().map(|(m, _)| m).collect();
        called.sort();
        assert_eq!(called, want, "flow {id} calls each module exactly once");
        assert_eq!(f.version, Some(1 + MODULES as i64), "flow {id}");
    }
}

/// Every acknowledged link is still there: the flow calls the module and its `version` has not
/// gone backwards.
pub async fn assert_acknowledged_present(c: &Client, acks: &[(String, String, i64)]) {
    for (module, flow, version) in acks {
        let f = c.get_flow(flow).await.unwrap();
        assert!(
            calls(&f).iter().any(|(m, _)| m == module),
            "acknowledged link of module {module} into flow {flow} (version {version}) is lost"
        );
        assert!(
            f.version.is_some_and(|v| v >= *version),
            "flow {flow} went back from version {version} to {:?}",
            f.version
        );
    }
}
