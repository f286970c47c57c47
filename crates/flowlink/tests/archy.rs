//! Archy YAML from the command line (issue 11): `flowlink import` with substitutions, many
//! files, a result per file and exit 1 when one failed; `flowlink export` giving the exact text
//! back; `flowlink call`, `deps`, `link` and `unlink` on imported flows.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const MODULE: &str = "commonModule:\n  name: {{module_name}}\n  startUpRef: \"/commonModule/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - endTask:\n              name: Done\n";

const CALLER: &str = "# deployed with flowlink import\ninboundCall:\n  name: {{flow_name}}\n  defaultLanguage: {{language}}\n  startUpRef: \"/inboundCall/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - callCommonModule:\n              name: Check caller\n              commonModule:\n                {{module_name}}:\n                  ver_latestPublished:\n          - disconnect:\n              name: Bye\n";

const PLAIN: &str = "inboundCall:\n  name: Plain Line\n  startUpRef: \"/inboundCall/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - disconnect:\n              name: Bye\n";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_many_files_then_export_call_deps_and_link() {
    let server = TestServer::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    // The caller is listed first; the module still goes first.
    let caller = write(dir.path(), "caller.yaml", CALLER);
    let module = write(dir.path(), "module.yaml", MODULE);
    let plain = write(dir.path(), "plain.yaml", PLAIN);
    let subs = write(
        dir.path(),
        "subs.yaml",
        "module_name: Caller Check\nflow_name: Placeholder\nlanguage: en-us\n",
    );
    let run = server
        .cli(&[
            "import",
            &caller,
            &module,
            &plain,
            "--subs",
            &subs,
            "--sub",
            "flow_name=Main IVR",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let results = run.json();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0]["file"],
        caller.as_str(),
        "results in the order given"
    );
    for r in results {
        assert_eq!(r["status"], "imported", "{r}");
    }
    let main_id = results[0]["flowId"].as_str().unwrap().to_string();

    // Export gives back exactly the substituted text.
    let expected = CALLER
        .replace("{{flow_name}}", "Main IVR")
        .replace("{{module_name}}", "Caller Check")
        .replace("{{language}}", "en-us");
    let run = server.cli(&["export", "Main IVR"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, expected);
    let out = dir.path().join("out");
    let run = server
        .cli(&[
            "export",
            &main_id,
            "--version",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let file = out.join(format!("Main_IVR-INBOUNDCALL-{main_id}.yaml"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);

    // deps sees the by-name call; call runs the flow.
    let js = server
        .cli(&["deps", "Caller Check", "-o", "json"])
        .await
        .json();
    let names: Vec<&str> = js["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Main IVR"]);
    let js = server.cli(&["deps", "Main IVR", "-o", "json"]).await.json();
    assert_eq!(js["consumes"][0]["floating"], true, "{js}");
    let run = server
        .cli(&["call", "--flow", "Main IVR", "-o", "json"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["status"], "COMPLETED", "{run:?}");

    // link / unlink on an Archy flow, both paths: the text edit, every other byte kept.
    for per_flow in [false, true] {
        let mut link = vec![
            "link",
            "--module",
            "Caller Check",
            "--flow-name",
            "Plain Line",
        ];
        if per_flow {
            link.push("--per-flow");
        }
        let run = server.cli(&link).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("1 linked"), "{}", run.stdout);
        let linked = server.cli(&["export", "Plain Line"]).await.stdout;
        assert!(linked.contains("Caller Check"), "{linked}");
        let mut unlink = vec![
            "unlink",
            "--module",
            "Caller Check",
            "--flow-name",
            "Plain Line",
        ];
        if per_flow {
            unlink.push("--per-flow");
        }
        let run = server.cli(&unlink).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("1 unlinked"), "{}", run.stdout);
        assert_eq!(server.cli(&["export", "Plain Line"]).await.stdout, PLAIN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_file_is_reported_and_exits_1() {
    let server = TestServer::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.yaml", PLAIN);
    let unsubstituted = write(dir.path(), "module.yaml", MODULE);
    let unknown = write(
        dir.path(),
        "caller.yaml",
        &CALLER
            .replace("{{flow_name}}", "Caller")
            .replace("{{language}}", "en-us")
            .replace("{{module_name}}", "Nowhere"),
    );
    let run = server
        .cli(&["import", &good, &unsubstituted, &unknown])
        .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("1 imported, 2 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("{{module_name}}") && run.stdout.contains("line 2"),
        "the unreplaced placeholder is named with its line: {}",
        run.stdout
    );
    assert!(run.stdout.contains("'Nowhere'"), "{}", run.stdout);
    // --create-stubs makes the unknown module.
    let run = server.cli(&["import", &unknown, "--create-stubs"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let run = server.cli(&["import", "--sub", "novalue", &good]).await;
    assert_eq!(run.code, 2, "{run:?}");
}
