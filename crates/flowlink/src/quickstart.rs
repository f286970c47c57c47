//! `flowlink quickstart`: the seeds' complete example, end to end, through the HTTP client —
//! two inbound flows (one per dialect), one shared module, its logic, linked into both, a
//! simulated call into each, the module changed once, and a second call into each — told as a
//! short story. Runs on an embedded server with a throw-away store unless `GENESYS_ENV_URL` is
//! set.

use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use flowlink_client::api::{FlowExecutionLaunchRequest, FlowType, FlowWrite, Simulation};
use flowlink_client::{Client, LinkOptions, LogicDoc, Targets};
use flowlink_server::{AppState, ServerConfig};

use crate::cli::Global;
use crate::output::print;
use crate::{admin, call_cmd, transcript};

/// A server started in-process for the duration of the quickstart.
struct Embedded {
    url: String,
    client_id: String,
    client_secret: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start_embedded() -> anyhow::Result<Embedded> {
    let dir = tempfile::tempdir().context("cannot create a temporary data dir")?;
    let store = admin::open_store(dir.path(), None).await?;
    let creds = flowlink_server::bootstrap::bootstrap(store.as_ref())
        .await?
        .context("a fresh store already had an organization")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let state = AppState::new(store.clone(), ServerConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        flowlink_server::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await?;
        store.close().await;
        Ok(())
    });
    Ok(Embedded {
        url,
        client_id: creds.client_id.to_string(),
        client_secret: creds.client_secret,
        stop,
        task,
        _dir: dir,
    })
}

/// Seed 000's inbound flow, graph dialect: a welcome prompt, then a transfer.
fn main_ivr() -> LogicDoc {
    LogicDoc::Graph(json!({
        "nodes": [
            {"id": "welcome", "name": "Welcome", "type": "playPrompt",
             "settings": {"prompt": {"text": "Welcome to Main IVR.", "locale": "en-US"}}},
            {"id": "queue", "name": "To Support", "type": "transferToAcd",
             "settings": {"queue": "Support"}}
        ],
        "edges": [{"id": "e1", "source": "welcome", "target": "queue", "type": "default"}],
        "entry": {"nodeId": "welcome"}
    }))
}

/// Seed 001's inbound flow, action-list dialect.
fn sales_ivr() -> LogicDoc {
    LogicDoc::Actions {
        actions: vec![
            json!({"type": "playPrompt", "name": "Greeting",
                   "prompt": {"text": "Thanks for calling Sales.", "locale": "en-US"}}),
            json!({"type": "transferToAcd", "name": "To Sales", "queue": "Sales"}),
        ],
        variables: None,
    }
}

/// The shared module's logic: seed 000's setData, then seed 001's tag and TTS prompt.
fn module_logic(status: &str, message: &str) -> LogicDoc {
    LogicDoc::Graph(json!({
        "nodes": [
            {"id": "init", "name": "Init Auth Status", "type": "setData",
             "settings": {"data": [{"key": "auth_status", "value": status}]}},
            {"id": "tag", "name": "TagInteraction", "type": "tagInteraction",
             "settings": {"tags": ["common-module-executed"]}},
            {"id": "say", "name": "PlaySharedMessage", "type": "playPrompt",
             "settings": {"prompt": {"text": message, "locale": "en-US"}}}
        ],
        "edges": [
            {"id": "e1", "source": "init", "target": "tag", "type": "default"},
            {"id": "e2", "source": "tag", "target": "say", "type": "default"}
        ],
        "entry": {"nodeId": "init"}
    }))
}

/// The published logic version number after an update (`3` for `"3.0"`).
fn published(u: flowlink_client::Update) -> String {
    let f = match u.outcome {
        flowlink_client::UpdateOutcome::Updated(f)
        | flowlink_client::UpdateOutcome::Unchanged(f) => f,
    };
    f.published_version
        .and_then(|v| v.id)
        .map(|id| id.trim_end_matches(".0").to_string())
        .unwrap_or_else(|| "?".into())
}

fn say(text: &str) -> anyhow::Result<()> {
    Ok(print(text)?)
}

async fn call(client: &Client, id: &str, name: &str) -> anyhow::Result<()> {
    let req = FlowExecutionLaunchRequest {
        flow_id: id.to_string(),
        name: Some(format!("quickstart call into {name}")),
        simulation: Some(Simulation {
            ani: Some("+15551230000".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let exec = client.simulate(&req).await?;
    say(&format!("   {}", call_cmd::heading(name, &exec)))?;
    say(&transcript::render(&exec, "     "))
}

/// Runs the story against `client`; `suffix` keeps names unique on a shared server.
async fn story(client: &Client, suffix: &str) -> anyhow::Result<()> {
    let (main_name, sales_name, module_name) = (
        format!("Main IVR{suffix}"),
        format!("Sales IVR{suffix}"),
        format!("Shared Auth{suffix}"),
    );

    say("\n1. Two inbound call flows\n")?;
    let mut ids = Vec::new();
    for (name, logic, what) in [
        (
            &main_name,
            main_ivr(),
            "graph dialect (seed 000): welcome prompt, then queue Support",
        ),
        (
            &sales_name,
            sales_ivr(),
            "action-list dialect (seed 001): greeting, then queue Sales",
        ),
    ] {
        let mut body = FlowWrite {
            name: Some(name.clone()),
            flow_type: Some(FlowType::InboundCall),
            ..Default::default()
        };
        logic.apply_to(&mut body);
        let f = client.create_flow(&body).await?;
        say(&format!("   created '{name}' — {what}\n"))?;
        ids.push((f.id.unwrap_or_default(), name.clone()));
    }

    say("\n2. One shared module\n")?;
    let m = client
        .create_module(
            &module_name,
            Some("Centralized authentication logic for all inbound flows."),
            None,
        )
        .await?;
    let module_id = m.id.clone().unwrap_or_default();
    say(&format!(
        "   created module '{module_name}' (empty for now)\n"
    ))?;

    say("\n3. Logic for the module\n")?;
    let first = module_logic(
        "pending",
        "This is a message from the shared common module.",
    );
    let v = published(client.set_logic(&module_id, &first).await?);
    say(&format!(
        "   set auth_status = pending, tag common-module-executed, play a TTS message: \
         module version {v} published\n"
    ))?;

    say("\n4. Linked into both flows (a call at each flow's entry, floating on the published version)\n")?;
    let targets = Targets::Ids(ids.iter().map(|(id, _)| id.clone()).collect());
    let opts = LinkOptions::default();
    for round in ["first", "again"] {
        let report = client.link_module(&module_id, &targets, &opts, &()).await?;
        let words: Vec<String> = report
            .results
            .iter()
            .map(|r| {
                format!(
                    "'{}' {}",
                    r.flow_name.clone().unwrap_or_default(),
                    r.status.label()
                )
            })
            .collect();
        let note = if round == "again" {
            "linking again changes nothing: "
        } else {
            ""
        };
        say(&format!("   {note}{}\n", words.join(", ")))?;
        if report.failed() > 0 {
            anyhow::bail!("linking failed: {}", words.join(", "));
        }
    }

    say("\n5. A simulated call into each\n")?;
    for (id, name) in &ids {
        call(client, id, name).await?;
    }

    say("\n6. The module changed once\n")?;
    let v = published(
        client
            .set_logic(
                &module_id,
                &module_logic("started", "Hello again: the shared module has changed."),
            )
            .await?,
    );
    say(&format!(
        "   auth_status = started and a new message: module version {v} published; the flows are not touched\n"
    ))?;

    say("\n7. A second call into each runs the new logic\n")?;
    for (id, name) in &ids {
        call(client, id, name).await?;
    }
    Ok(())
}

/// Runs the quickstart.
pub async fn run(g: &Global) -> anyhow::Result<()> {
    let started = Instant::now();
    if g.url.is_some() {
        let client = crate::config::client(g)?;
        say(&format!(
            "flowlink quickstart — the seeds' example against {}\n",
            client.base_url().as_str().trim_end_matches('/')
        ))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        story(&client, &format!(" {nanos:08x}")).await?;
    } else {
        let server = start_embedded().await?;
        say(&format!(
            "flowlink quickstart — the seeds' example on an embedded server at {} (throw-away store)\n",
            server.url
        ))?;
        let client = Client::new(&server.url, &server.client_id, &server.client_secret)?;
        let result = story(&client, "").await;
        let _ = server.stop.send(());
        server.task.await.context("embedded server task")??;
        result?;
    }
    say(&format!(
        "\ndone in {:.1} s\n",
        started.elapsed().as_secs_f64()
    ))?;
    say("next: test flows as files, offline, with coverage: flowlink test examples/flows --coverage\n")
}
