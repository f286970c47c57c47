//! The everyday commands against a real server: flows and modules from logic files in both
//! dialects (JSON and YAML), a simulated call with its transcript, JSON output, a closed
//! stdout pipe, and the quickstart story on its own embedded server.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use common::*;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_modules_link_and_a_simulated_call() {
    let server = TestServer::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let graph = write(
        dir.path(),
        "main.json",
        r#"{"definition": {"nodes": [
              {"id": "menu", "name": "Menu", "type": "collectInput",
               "settings": {"prompt": {"text": "Press 1 for sales"}, "digits": 1}},
              {"id": "sales", "name": "Sales", "type": "transferToAcd", "settings": {"queue": "Sales"}},
              {"id": "bye", "name": "Bye", "type": "disconnect", "settings": {}}],
            "edges": [
              {"id": "e1", "source": "menu", "target": "sales", "type": "dtmf:1"},
              {"id": "e2", "source": "menu", "target": "bye", "type": "default"}],
            "entry": {"nodeId": "menu"}}}"#,
    );
    let actions = write(
        dir.path(),
        "module.yaml",
        "- type: setData\n  name: Init Auth Status\n  data:\n    - key: auth_status\n      value: pending\n\
         - type: tagInteraction\n  name: Tag\n  tags: [common-module-executed]\n",
    );

    let run = server
        .cli(&[
            "flows", "create", "--name", "Main IVR", "--type", "inbound", "--logic", &graph,
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("created inboundcall 'Main IVR' "),
        "{}",
        run.stdout
    );
    let run = server
        .cli(&[
            "module",
            "create",
            "--name",
            "Shared Auth",
            "--logic",
            &actions,
            "-o",
            "json",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["type"], "COMMONMODULE");

    let run = server
        .cli(&["flows", "list", "--type", "inboundcall"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ID "), "{}", run.stdout);
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[1].contains("Main IVR") && lines[1].contains("INBOUNDCALL"));

    let run = server
        .cli(&["link", "--module", "Shared Auth", "--flow-name", "Main IVR"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");

    let run = server
        .cli(&[
            "call",
            "--flow",
            "Main IVR",
            "--digits",
            "1",
            "--ani",
            "+15551230000",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let t = &run.stdout;
    assert!(
        t.starts_with("call into 'Main IVR' (version 2.0):\n"),
        "{t}"
    );
    for want in [
        "  > enter module 'Shared Auth' version 1\n",
        "    set auth_status = \"pending\"\n",
        "    tag common-module-executed\n",
        "  < leave module 'Shared Auth'\n",
        "  input: after \"Press 1 for sales\", caller pressed 1\n",
        "  transfer to queue Sales\n",
        "  outcome: transferred to queue Sales",
    ] {
        assert!(t.contains(want), "missing {want:?} in:\n{t}");
    }
    let run = server
        .cli(&["call", "--flow", "Main IVR", "-o", "json"])
        .await;
    assert_eq!(run.json()["status"], "COMPLETED", "{run:?}");

    // New module logic, in the other dialect; the flow is not touched but its next call changes.
    let graph_module = write(
        dir.path(),
        "module2.yaml",
        "definition:\n  nodes:\n    - {id: t, name: Tag, type: tagInteraction, settings: {tags: [changed]}}\n  entry: {nodeId: t}\n",
    );
    let run = server
        .cli(&[
            "module",
            "set-logic",
            "Shared Auth",
            "--logic",
            &graph_module,
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("now runs version 2.0 (graph logic)"),
        "{}",
        run.stdout
    );
    let run = server
        .cli(&[
            "module",
            "set-logic",
            "Shared Auth",
            "--logic",
            &graph_module,
        ])
        .await;
    assert!(
        run.stdout.contains("already has this logic"),
        "{}",
        run.stdout
    );
    let run = server.cli(&["call", "--flow", "Main IVR"]).await;
    assert!(run.stdout.contains("    tag changed\n"), "{}", run.stdout);

    let run = server.cli(&["module", "get", "Shared Auth"]).await;
    assert!(run.stdout.contains("logic (graph):"), "{}", run.stdout);
    let run = server
        .cli(&["flows", "get", "Main IVR", "-o", "json"])
        .await;
    let flow = run.json();
    assert_eq!(
        flow["definition"]["nodes"].as_array().unwrap().len(),
        4,
        "{flow}"
    );

    let run = server.cli(&["flows", "delete", "Main IVR"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = server.cli(&["flows", "get", "Main IVR"]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: no flow with id or name 'Main IVR'"),
        "{run:?}"
    );

    let bad = write(dir.path(), "bad.json", r#"{"name": "not logic"}"#);
    let run = server
        .cli(&["module", "create", "--name", "X", "--logic", &bad])
        .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: in logic file "), "{run:?}");
    assert!(run.stderr.contains("unrecognised logic"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_pipe_exits_0() {
    let server = TestServer::start(0).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(["flows", "list", "-o", "json"])
        .env("GENESYS_ENV_URL", &server.url)
        .env("GENESYS_CLIENT_ID", &server.client_id)
        .env("GENESYS_CLIENT_SECRET", &server.client_secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing our end before the command prints makes its write fail with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_tells_the_seeds_story_on_an_embedded_server() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .arg("quickstart")
        .env_remove("GENESYS_ENV_URL")
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .output()
        .await
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, 0, "{run:?}");
    let s = &run.stdout;
    assert_eq!(s.matches("call into 'Main IVR'").count(), 2, "{s}");
    assert_eq!(s.matches("call into 'Sales IVR'").count(), 2, "{s}");
    assert_eq!(
        s.matches("> enter module 'Shared Auth' version 2").count(),
        2,
        "{s}"
    );
    assert_eq!(
        s.matches("> enter module 'Shared Auth' version 3").count(),
        2,
        "{s}"
    );
    assert_eq!(
        s.matches("       tag common-module-executed\n").count(),
        4,
        "{s}"
    );
    assert_eq!(s.matches("set auth_status = \"pending\"").count(), 2, "{s}");
    assert_eq!(s.matches("set auth_status = \"started\"").count(), 2, "{s}");
    assert!(
        s.contains("'Main IVR' already linked, 'Sales IVR' already linked"),
        "{s}"
    );
    assert!(
        s.contains("module version 2 published") && s.contains("module version 3 published"),
        "{s}"
    );
    assert!(
        s.contains("flowlink test examples/flows --coverage"),
        "points at the flow tests: {s}"
    );
}
