//! The organization the console tests look at, written through the API like any client
//! would: the seeds' flows (seed 000's shared auth module in the graph dialect linked into an
//! inbound flow, seed 001's tag-and-greet module in the action-list dialect called from a
//! support line), a VIP-check module with a menu flow (decision, DTMF branches, a loop), a
//! flow pinned to an old module version (a stale pin), three branch lines to link into, a
//! 50-action flow, a flow whose name is markup, and a real Archy flow from the corpus.

use flowlink_server::testing::TestServer;
use serde_json::{json, Value};

/// A client of the test server's API with the bootstrap credentials.
pub struct Api {
    pub base: String,
    http: reqwest::Client,
    token: String,
}

impl Api {
    pub async fn new(server: &TestServer) -> Api {
        let http = reqwest::Client::new();
        let r: Value = http
            .post(format!("{}/oauth/token", server.url))
            .basic_auth(&server.client_id, Some(&server.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            base: server.url.clone(),
            http,
            token: r["access_token"].as_str().unwrap().to_string(),
        }
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Creates a flow (published at once, the seeds' way) and returns its id.
    pub async fn create(&self, body: Value) -> String {
        let r = self
            .send(reqwest::Method::POST, "/api/v2/flows", body)
            .await;
        r["id"].as_str().unwrap().to_string()
    }
}

/// Ids of the flows the tests use.
pub struct Seeded {
    pub auth_module: String,
    pub greet_module: String,
    pub vip_module: String,
    pub main_inbound: String,
    pub support_line: String,
    pub menu_line: String,
    pub pinned_line: String,
    pub long_flow: String,
    pub markup_flow: String,
    pub archy_flow: String,
}

/// An Archy file of the corpus (FLOWLINK_ARCHY_CORPUS, else `shared/archy-corpus` beside the
/// workspace).
fn corpus_file(name: &str) -> String {
    let dir = std::env::var_os("FLOWLINK_ARCHY_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(
                &std::env::var_os("CARGO_MANIFEST_DIR")
                    .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
            )
            .join("../../../shared/archy-corpus")
        });
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("corpus file {name}: {e}"))
}

/// The markup a flow is named in the escaping test.
pub const MARKUP_NAME: &str = "<img src=x onerror=alert(1)>";

fn graph(nodes: Value, edges: Value, entry: &str) -> Value {
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": entry}})
}

fn chain_edges(ids: &[&str]) -> Value {
    let mut edges =
        vec![json!({"id": "e0", "source": "start", "target": ids[0], "type": "default"})];
    for (i, w) in ids.windows(2).enumerate() {
        edges.push(
            json!({"id": format!("e{}", i + 1), "source": w[0], "target": w[1], "type": "default"}),
        );
    }
    Value::Array(edges)
}

/// A 50-action inbound flow: an authentication module call, a greeting, data lookups with
/// failure branches, decisions, a menu with four choices and a retry loop, each branch a few
/// prompts and data writes, ending in transfers.
pub fn fifty_actions(module: &str) -> Value {
    let mut nodes = vec![
        json!({"id": "auth", "name": "Authenticate caller", "type": "flowModule", "settings": {"flowModuleId": module}}),
        json!({"id": "greet", "name": "Welcome", "type": "playPrompt", "settings": {"prompt": {"text": "Welcome to Acme Bank.", "locale": "en-US"}}}),
        json!({"id": "lookup", "name": "Look up account", "type": "callData", "settings": {"name": "LookupAccount"}}),
        json!({"id": "lookup-failed", "name": "Lookup failed", "type": "playPrompt", "settings": {"prompt": {"text": "We could not find your account.", "locale": "en-US"}}}),
        json!({"id": "is-vip", "name": "Is VIP?", "type": "decision", "settings": {"expression": "Call.Ani == \"+15550100\""}}),
        json!({"id": "vip-tag", "name": "Tag VIP", "type": "tagInteraction", "settings": {"tags": ["vip"]}}),
        json!({"id": "menu", "name": "Main menu", "type": "collectInput", "settings": {"prompt": {"text": "Press 1 for cards, 2 for loans, 3 for branches, 4 for an agent.", "locale": "en-US"}, "digits": 1}}),
        json!({"id": "sorry", "name": "Not an option", "type": "playPrompt", "settings": {"prompt": {"text": "Sorry, that is not an option.", "locale": "en-US"}}}),
    ];
    let mut edges = vec![
        json!({"id": "e0", "source": "start", "target": "auth", "type": "default"}),
        json!({"id": "e1", "source": "auth", "target": "greet", "type": "success"}),
        json!({"id": "e2", "source": "greet", "target": "lookup", "type": "default"}),
        json!({"id": "e3", "source": "lookup", "target": "is-vip", "type": "success"}),
        json!({"id": "e4", "source": "lookup", "target": "lookup-failed", "type": "failure"}),
        json!({"id": "e5", "source": "lookup-failed", "target": "menu", "type": "default"}),
        json!({"id": "e6", "source": "is-vip", "target": "vip-tag", "type": "true"}),
        json!({"id": "e7", "source": "is-vip", "target": "menu", "type": "false"}),
        json!({"id": "e8", "source": "vip-tag", "target": "menu", "type": "default"}),
        json!({"id": "e9", "source": "menu", "target": "sorry", "type": "noMatch"}),
        json!({"id": "e10", "source": "sorry", "target": "menu", "type": "default"}),
    ];
    let branches = [
        ("cards", "Cards"),
        ("loans", "Loans"),
        ("branches", "Branches"),
        ("agent", "Agent"),
    ];
    let mut n = 11;
    for (b, (key, label)) in branches.iter().enumerate() {
        let steps = [
            (
                format!("{key}-intro"),
                format!("{label} intro"),
                json!({"prompt": {"text": format!("You chose {label}."), "locale": "en-US"}}),
                "playPrompt",
            ),
            (
                format!("{key}-set"),
                format!("Remember {label}"),
                json!({"data": [{"key": "menu_choice", "value": *key}]}),
                "setData",
            ),
            (
                format!("{key}-fetch"),
                format!("Fetch {label} info"),
                json!({"name": format!("{label}Info")}),
                "callData",
            ),
            (
                format!("{key}-say"),
                format!("Read {label} info"),
                json!({"prompt": {"text": format!("Here is your {label} information."), "locale": "en-US"}}),
                "playPrompt",
            ),
            (
                format!("{key}-tag"),
                format!("Tag {label}"),
                json!({"tags": [*key]}),
                "tagInteraction",
            ),
            (
                format!("{key}-survey"),
                format!("{label} survey"),
                json!({"prompt": {"text": "Stay on the line for a short survey.", "locale": "en-US"}}),
                "playPrompt",
            ),
            (
                format!("{key}-xfer"),
                format!("To {label} queue"),
                json!({"queue": label}),
                "transferToAcd",
            ),
        ];
        for (i, (id, name, settings, t)) in steps.iter().enumerate() {
            nodes.push(json!({"id": id, "name": name, "type": t, "settings": settings}));
            let source = if i == 0 {
                "menu".to_string()
            } else {
                steps[i - 1].0.clone()
            };
            let kind = if i == 0 {
                format!("dtmf:{}", b + 1)
            } else {
                "default".to_string()
            };
            edges
                .push(json!({"id": format!("e{n}"), "source": source, "target": id, "type": kind}));
            n += 1;
        }
    }
    // The timeout path: goodbye and hang up.
    nodes.push(json!({"id": "goodbye", "name": "Goodbye", "type": "playPrompt", "settings": {"prompt": {"text": "Goodbye.", "locale": "en-US"}}}));
    nodes.push(json!({"id": "hangup", "name": "Hang up", "type": "disconnect", "settings": {}}));
    edges.push(
        json!({"id": format!("e{n}"), "source": "menu", "target": "goodbye", "type": "timeout"}),
    );
    edges.push(json!({"id": format!("e{}", n + 1), "source": "goodbye", "target": "hangup", "type": "default"}));
    // Fill to exactly 50 with after-hours checks before the menu's agent transfer.
    let mut extra = 0;
    while nodes.len() < 50 {
        let id = format!("note-{extra}");
        nodes.push(json!({"id": id, "name": format!("Audit note {}", extra + 1), "type": "setData", "settings": {"data": [{"key": format!("audit_{extra}"), "value": "seen"}]}}));
        extra += 1;
    }
    // Chain the notes after the hang-up path's goodbye (before hang-up).
    if extra > 0 {
        let last = edges.len() - 1;
        edges[last] = json!({"id": format!("e{}", n + 1), "source": "goodbye", "target": "note-0", "type": "default"});
        for i in 0..extra - 1 {
            edges.push(json!({"id": format!("n{i}"), "source": format!("note-{i}"), "target": format!("note-{}", i + 1), "type": "default"}));
        }
        edges.push(json!({"id": "n-last", "source": format!("note-{}", extra - 1), "target": "hangup", "type": "default"}));
    }
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": "auth"}})
}

/// Writes the organization.
pub async fn seed(api: &Api) -> Seeded {
    let auth_module = api
        .create(json!({"name": "Shared_Auth_Library_v1", "type": "commonmodule",
            "definition": graph(
                json!([{"id": "init-auth", "name": "Init Auth Status", "type": "setData", "settings": {"data": [{"key": "auth_status", "value": "pending"}]}}]),
                chain_edges(&["init-auth"]), "init-auth")}))
        .await;
    let greet_module = api
        .create(json!({"name": "Shared Common Module - Tag and Greet", "type": "commonmodule",
            "actions": [
                {"type": "tagInteraction", "name": "TagInteraction", "tags": ["common-module-executed", "shared-flow-test"]},
                {"type": "playPrompt", "name": "PlaySharedMessage", "prompt": {"text": "This is a message from the shared common module.", "locale": "en-US"}}
            ]}))
        .await;
    let vip_module = api
        .create(json!({"name": "VIP check", "type": "commonmodule",
            "definition": {
                "variables": [
                    {"name": "Common.customerId", "type": "string", "input": true},
                    {"name": "Common.isVip", "type": "boolean", "output": true, "defaultValue": false}
                ],
                "nodes": [
                    {"id": "flag", "name": "Flag VIP", "type": "setData", "settings": {"data": [{"key": "Common.isVip", "value": {"expression": "Contains(Common.customerId, \"+1555\")"}}]}},
                    {"id": "tag", "name": "Tag checked", "type": "tagInteraction", "settings": {"tags": ["vip-checked"]}}
                ],
                "edges": chain_edges(&["flag", "tag"]),
                "entry": {"nodeId": "flag"}
            }}))
        .await;
    let main_inbound = api
        .create(json!({"name": "Main Inbound", "type": "inboundcall",
            "definition": graph(json!([
                {"id": "exec-auth", "name": "Execute Shared Auth", "type": "flowModule", "settings": {"flowModuleId": auth_module}},
                {"id": "welcome", "name": "Welcome", "type": "playPrompt", "settings": {"prompt": {"text": "Welcome to Acme.", "locale": "en-US"}}},
                {"id": "to-general", "name": "To General", "type": "transferToAcd", "settings": {"queue": "General"}}
            ]), chain_edges(&["exec-auth", "welcome", "to-general"]), "exec-auth")}))
        .await;
    let support_line = api
        .create(json!({"name": "Support Line", "type": "inboundcall",
            "actions": [
                {"type": "callFlow", "name": "CallSharedCommonModule", "flow": {"id": greet_module, "version": null}},
                {"type": "playPrompt", "name": "Menu", "prompt": {"text": "How can we help?", "locale": "en-US"}},
                {"type": "disconnect", "name": "Bye"}
            ]}))
        .await;
    let menu_line = api
        .create(json!({"name": "Menu Line", "type": "inboundcall",
            "definition": {
                "variables": [{"name": "Flow.isVip", "type": "boolean", "output": true}],
                "nodes": [
                    {"id": "check", "name": "VIP check", "type": "flowModule", "settings": {
                        "flowModuleId": vip_module,
                        "inputMappings": [{"name": "customerId", "value": {"expression": "Call.Ani"}}],
                        "outputMappings": [{"name": "Common.isVip", "variable": "Flow.isVip"}]}},
                    {"id": "decide", "name": "Is VIP?", "type": "decision", "settings": {"expression": "Flow.isVip == true"}},
                    {"id": "to-vip", "name": "To VIP", "type": "transferToAcd", "settings": {"queue": "VIP"}},
                    {"id": "menu", "name": "Main menu", "type": "collectInput", "settings": {"prompt": {"text": "Press 1 for sales, 2 for support.", "locale": "en-US"}, "digits": 1}},
                    {"id": "sorry", "name": "Sorry", "type": "playPrompt", "settings": {"prompt": {"text": "Sorry, that is not an option.", "locale": "en-US"}}},
                    {"id": "to-sales", "name": "To Sales", "type": "transferToAcd", "settings": {"queue": "Sales"}},
                    {"id": "to-support", "name": "To Support", "type": "transferToAcd", "settings": {"queue": "Support"}},
                    {"id": "goodbye", "name": "Goodbye", "type": "playPrompt", "settings": {"prompt": {"id": "prompt-goodbye"}}},
                    {"id": "hangup", "name": "Hang up", "type": "disconnect", "settings": {}}
                ],
                "edges": [
                    {"id": "e0", "source": "start", "target": "check", "type": "default"},
                    {"id": "e1", "source": "check", "target": "decide", "type": "success"},
                    {"id": "e2", "source": "decide", "target": "to-vip", "type": "true"},
                    {"id": "e3", "source": "decide", "target": "menu", "type": "false"},
                    {"id": "e4", "source": "menu", "target": "to-sales", "type": "dtmf:1"},
                    {"id": "e5", "source": "menu", "target": "to-support", "type": "dtmf:2"},
                    {"id": "e6", "source": "menu", "target": "sorry", "type": "noMatch"},
                    {"id": "e7", "source": "menu", "target": "goodbye", "type": "timeout"},
                    {"id": "e8", "source": "sorry", "target": "menu", "type": "default"},
                    {"id": "e9", "source": "goodbye", "target": "hangup", "type": "default"}
                ],
                "entry": {"nodeId": "check"}
            }}))
        .await;
    // Pinned to the auth module's v1; the module's v2 below makes the pin stale.
    let pinned_line = api
        .create(json!({"name": "Billing Line (pinned)", "type": "inboundcall",
            "definition": graph(json!([
                {"id": "auth", "name": "Auth (pinned v1)", "type": "flowModule", "settings": {"flowModuleId": auth_module, "version": 1}},
                {"id": "to-billing", "name": "To Billing", "type": "transferToAcd", "settings": {"queue": "Billing"}}
            ]), chain_edges(&["auth", "to-billing"]), "auth")}))
        .await;
    let m: Value = api
        .send(
            reqwest::Method::GET,
            &format!("/api/v2/flows/{auth_module}"),
            Value::Null,
        )
        .await;
    api.send(
        reqwest::Method::PUT,
        &format!("/api/v2/flows/{auth_module}"),
        json!({"name": "Shared_Auth_Library_v1", "type": "commonmodule", "version": m["version"],
            "definition": graph(json!([
                {"id": "init-auth", "name": "Init Auth Status", "type": "setData", "settings": {"data": [{"key": "auth_status", "value": "pending"}]}},
                {"id": "audit", "name": "Audit auth", "type": "tagInteraction", "settings": {"tags": ["auth-audited"]}}
            ]), chain_edges(&["init-auth", "audit"]), "init-auth")}),
    )
    .await;
    for name in ["Branch Line North", "Branch Line South", "Branch Line East"] {
        api.create(json!({"name": name, "type": "inboundcall",
            "actions": [
                {"type": "playPrompt", "name": "Hello", "prompt": {"text": format!("{name}, hello."), "locale": "en-US"}},
                {"type": "transferToAcd", "name": "To branch", "queue": "Branches"}
            ]}))
            .await;
    }
    let long_flow = api
        .create(
            json!({"name": "Acme Bank Main Line (50 actions)", "type": "inboundcall",
            "definition": fifty_actions(&auth_module)}),
        )
        .await;
    let markup_flow = api
        .create(json!({"name": MARKUP_NAME, "type": "inboundcall",
            "actions": [{"type": "disconnect", "name": "<b>bye</b>"}]}))
        .await;
    // A real Archy flow (a GenesysCloudBlueprints file): a menu start, tasks, a data action.
    let archy_flow = api
        .create(json!({"type": "inboundcall", "archy": corpus_file(
            "GenesysCloudBlueprints__architect-flow-public-api-blueprint__blueprint__files__archy_flow.yml")}))
        .await;
    Seeded {
        archy_flow,
        auth_module,
        greet_module,
        vip_module,
        main_inbound,
        support_line,
        menu_line,
        pinned_line,
        long_flow,
        markup_flow,
    }
}
