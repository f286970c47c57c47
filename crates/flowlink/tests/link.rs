//! The `flowlink link`/`unlink` commands against a real server: idempotent linking at the
//! entry, unlinking, linking by type filter, pinned and floating calls, and exit codes.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use flowlink_client::api::FlowType;

struct Fixture {
    server: TestServer,
    flows: Vec<(String, String)>,
    module_id: String,
    other_id: String,
}

/// Three inbound flows (both dialects), one in-queue flow, and a module with logic.
async fn fixture() -> Fixture {
    let server = TestServer::start(0).await;
    let c = server.client();
    let mut flows = Vec::new();
    for (name, logic) in [
        ("Main IVR", graph_flow("Main IVR")),
        ("Sales IVR", action_flow("Sales IVR")),
        ("Support IVR", graph_flow("Support IVR")),
    ] {
        let f = create_flow(&c, name, FlowType::InboundCall, &logic).await;
        flows.push((f.id.unwrap(), name.to_string()));
    }
    let other = create_flow(
        &c,
        "Hold Music",
        FlowType::InQueueCall,
        &action_flow("hold"),
    )
    .await;
    let m = c
        .create_module("Shared Auth", Some("auth"), Some(&tag_module("auth")))
        .await
        .unwrap();
    Fixture {
        server,
        flows,
        module_id: m.id.unwrap(),
        other_id: other.id.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_into_three_flows_then_again_is_idempotent_then_unlink() {
    let fx = fixture().await;
    let c = fx.server.client();
    let ids: Vec<&str> = fx.flows.iter().map(|(id, _)| id.as_str()).collect();
    let mut args = vec!["link", "--module", "Shared Auth", "-o", "json"];
    for id in &ids {
        args.extend(["--flow", id]);
    }
    let run = fx.server.cli(&args).await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let statuses: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["linked", "linked", "linked"]);

    let mut versions = Vec::new();
    for id in &ids {
        let f = c.get_flow(id).await.unwrap();
        assert_eq!(
            calls(&f),
            [(fx.module_id.clone(), None)],
            "exactly one floating call"
        );
        assert!(
            entry_calls(&f, &fx.module_id),
            "the call is at the entry: {f:?}"
        );
        versions.push((f.version, f.published_version.and_then(|v| v.id)));
    }

    // Again, in table form: nothing is written.
    let mut args = vec!["link", "--module", &fx.module_id];
    for id in &ids {
        args.extend(["--flow", id]);
    }
    let run = fx.server.cli(&args).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.matches("already linked").count(),
        4,
        "3 rows + summary: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 linked, 3 already linked, 0 failed"),
        "{}",
        run.stdout
    );
    for (id, before) in ids.iter().zip(&versions) {
        let f = c.get_flow(id).await.unwrap();
        assert_eq!(
            &(f.version, f.published_version.clone().and_then(|v| v.id)),
            before,
            "no new version"
        );
        assert_eq!(calls(&f).len(), 1);
    }

    // Unlink two of them by name.
    let run = fx
        .server
        .cli(&[
            "unlink",
            "--module",
            "Shared Auth",
            "--flow-name",
            "Main IVR",
            "--flow-name",
            "sales ivr",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("2 unlinked, 0 not linked, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(calls(&c.get_flow(ids[0]).await.unwrap()).is_empty());
    assert!(calls(&c.get_flow(ids[1]).await.unwrap()).is_empty());
    assert_eq!(calls(&c.get_flow(ids[2]).await.unwrap()).len(), 1);
    let f = c.get_flow(ids[0]).await.unwrap();
    assert_eq!(
        f.definition.unwrap()["entry"]["nodeId"],
        "welcome",
        "entry restored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_every_inbound_call_flow_by_type_filter() {
    let fx = fixture().await;
    let c = fx.server.client();
    let run = fx
        .server
        .cli(&[
            "link",
            "--module",
            "Shared Auth",
            "--type",
            "inbound",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let results = run.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 3, "only the inbound call flows: {results:?}");
    for (id, _) in &fx.flows {
        assert_eq!(
            calls(&c.get_flow(id).await.unwrap()),
            [(fx.module_id.clone(), None)]
        );
    }
    assert!(
        calls(&c.get_flow(&fx.other_id).await.unwrap()).is_empty(),
        "in-queue flow untouched"
    );
    assert!(
        calls(&c.get_flow(&fx.module_id).await.unwrap()).is_empty(),
        "the module is untouched"
    );

    let run = fx
        .server
        .cli(&[
            "link",
            "--module",
            "Shared Auth",
            "--type",
            "inboundcall",
            "--active",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0 linked, 3 already linked"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_and_floating_links() {
    let fx = fixture().await;
    let c = fx.server.client();
    // Version 2 of the module.
    c.set_logic(&fx.module_id, &tag_module("auth-v2"))
        .await
        .unwrap();
    let (main, sales) = (&fx.flows[0].0, &fx.flows[1].0);

    let run = fx
        .server
        .cli(&[
            "link",
            "-m",
            "Shared Auth",
            "--flow",
            main,
            "--flow",
            sales,
            "--version",
            "1",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("pinned to version 1: 2 linked"),
        "{}",
        run.stdout
    );
    assert_eq!(
        calls(&c.get_flow(main).await.unwrap()),
        [(fx.module_id.clone(), Some(1))]
    );
    assert_eq!(
        calls(&c.get_flow(sales).await.unwrap()),
        [(fx.module_id.clone(), Some(1))]
    );

    // The same pin again: nothing to do.
    let run = fx
        .server
        .cli(&[
            "link",
            "-m",
            "Shared Auth",
            "--flow",
            main,
            "--version",
            "1",
        ])
        .await;
    assert!(run.stdout.contains("1 already linked"), "{run:?}");

    // Re-linking floating replaces the pin; still one call.
    let run = fx
        .server
        .cli(&["link", "-m", "Shared Auth", "--flow", main])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        calls(&c.get_flow(main).await.unwrap()),
        [(fx.module_id.clone(), None)]
    );

    // A version the module does not have is an error before anything is written.
    let run = fx
        .server
        .cli(&[
            "link",
            "-m",
            "Shared Auth",
            "--flow",
            sales,
            "--version",
            "9",
        ])
        .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr.trim(),
        "error: module 'Shared Auth' has no version 9"
    );
    assert_eq!(
        calls(&c.get_flow(sales).await.unwrap()),
        [(fx.module_id.clone(), Some(1))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_flow_and_bulk_links_agree() {
    let fx = fixture().await;
    let c = fx.server.client();
    let statuses = |run: &Run| -> Vec<String> {
        run.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    let base = [
        "--module",
        "Shared Auth",
        "--type",
        "inboundcall",
        "-o",
        "json",
    ];
    let per_flow = |verb: &'static str| {
        let mut a = vec![verb];
        a.extend(base);
        a.push("--per-flow");
        a
    };
    let bulk = |verb: &'static str| {
        let mut a = vec![verb];
        a.extend(base);
        a
    };
    // Linked flow by flow, then the server's bulk link finds nothing to do, and back.
    let run = fx.server.cli(&per_flow("link")).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(statuses(&run), ["linked"; 3]);
    let run = fx.server.cli(&bulk("link")).await;
    assert_eq!(statuses(&run), ["alreadyLinked"; 3]);
    let run = fx.server.cli(&bulk("unlink")).await;
    assert_eq!(statuses(&run), ["unlinked"; 3]);
    let run = fx.server.cli(&per_flow("unlink")).await;
    assert_eq!(statuses(&run), ["notLinked"; 3]);
    for (id, _) in &fx.flows {
        assert!(calls(&c.get_flow(id).await.unwrap()).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_fails_is_reported_and_exits_1() {
    let fx = fixture().await;
    let missing = "00000000-0000-4000-8000-000000000000";
    let run = fx
        .server
        .cli(&[
            "link",
            "-m",
            "Shared Auth",
            "--flow",
            &fx.flows[0].0,
            "--flow",
            missing,
        ])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("1 linked, 0 already linked, 1 failed"),
        "{}",
        run.stdout
    );
    let row = run.stdout.lines().find(|l| l.starts_with(missing)).unwrap();
    assert!(row.contains("failed: server answered 404"), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_connection_errors_are_one_line_exit_2() {
    let fx = fixture().await;
    let run = fx.server.cli(&["link", "-m", "Shared Auth"]).await;
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: say which flows: --flow ID, --flow-name NAME or --type TYPE (e.g. --type inboundcall)"
    );
    let run = fx
        .server
        .cli(&["link", "-m", "No Such Module", "--type", "inboundcall"])
        .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: no module with id or name 'No Such Module'"),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1);

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(["flows", "list"])
        .env("GENESYS_ENV_URL", &fx.server.url)
        .env("GENESYS_CLIENT_ID", &fx.server.client_id)
        .env("GENESYS_CLIENT_SECRET", "wrong")
        .output()
        .await
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: login failed (401 invalid_client)"),
        "{run:?}"
    );
}
