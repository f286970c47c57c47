//! The web console in a real browser (issue 15 "Done when"): headless Chromium over WebDriver
//! signs in, lists and searches flows, opens a flow's picture (the seeds' flows and a
//! 50-action flow), the dependency graph, runs a simulated call and steps through it (into a
//! module), links a module into three flows, publishes with the impact shown, signs out; a
//! read-only client sees no write control and the server refuses its write; a forged form
//! post is refused; a flow named as markup renders as text. Every test saves screenshots
//! under `<target>/console-screenshots/`. Plus the HTTP-level facts a browser does not show:
//! the cookie's attributes and the security headers.

// Tests may unwrap: a panic there is a test failure with a message.
#![allow(clippy::unwrap_used)]

mod browser;
mod data;

use browser::{Browser, ONE_AT_A_TIME};
use data::{seed, Api, Seeded, MARKUP_NAME};
use flowlink_server::testing::TestServer;

struct World {
    server: TestServer,
    flows: Seeded,
    b: Browser,
}

/// A server with the seeded organization and a browser; one at a time.
async fn world() -> (World, tokio::sync::MutexGuard<'static, ()>) {
    let guard = ONE_AT_A_TIME.lock().await;
    let server = TestServer::start().await;
    let api = Api::new(&server).await;
    let flows = seed(&api).await;
    let b = Browser::start().await;
    (World { server, flows, b }, guard)
}

impl World {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    async fn sign_in(&self) {
        self.b
            .sign_in(
                &self.server.url,
                &self.server.client_id,
                &self.server.client_secret,
            )
            .await;
        if self.b.path_becomes("/console/flows").await != "/console/flows" {
            self.b.shot("signin-failed").await;
            panic!("not signed in: {}", self.b.text("main").await);
        }
    }
}

#[tokio::test]
async fn sign_in_then_list_search_and_page_flows() {
    let (w, _g) = world().await;
    // Wrong secret: the form again, with the reason.
    w.b.sign_in(&w.server.url, &w.server.client_id, "not-the-secret")
        .await;
    assert!(w.b.text("#error").await.contains("do not match"));
    w.b.shot("signin-refused").await;
    w.sign_in().await;
    let all = w.b.count("#flows tbody tr").await;
    assert_eq!(all, 13, "every flow of the organization (one page)");
    w.b.shot("flows-list").await;
    w.b.fill("#q", "Line").await;
    w.b.submit("#search").await;
    let names: Vec<String> = w
        .b
        .js("return Array.from(document.querySelectorAll('#flows a.flow-link')).map(a => a.textContent)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(names.iter().all(|n| n.contains("Line")), "{names:?}");
    assert_eq!(names.len(), 7, "{names:?}");
    w.b.shot("flows-search").await;
    // The type filter: modules only.
    w.b.goto(&w.url("/console/flows?type=commonmodule")).await;
    assert_eq!(w.b.count("#flows tbody tr").await, 3);
    w.b.quit().await;
}

#[tokio::test]
async fn a_flow_page_shows_its_logic_as_a_picture() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.menu_line)))
        .await;
    assert_eq!(w.b.text("#flow-name").await, "Menu Line");
    assert_eq!(w.b.count("#picture svg g.node").await, 9, "one box a node");
    assert_eq!(
        w.b.count("#picture svg .edge").await,
        9,
        "one arrow an edge"
    );
    assert!(w.b.text("#calls").await.contains("VIP check"));
    w.b.shot("flow-menu-line").await;
    for (id, name, nodes) in [
        (&w.flows.main_inbound, "flow-seed000-main-inbound", 3),
        (&w.flows.support_line, "flow-seed001-support-line", 3),
        (&w.flows.auth_module, "flow-seed000-auth-module", 2),
        (&w.flows.long_flow, "flow-50-actions", 50),
    ] {
        w.b.goto(&w.url(&format!("/console/flows/{id}"))).await;
        assert_eq!(w.b.count("#picture svg g.node").await, nodes, "{name}");
        w.b.shot_whole(name, "#picture").await;
    }
    // At the window's own size, in three parts (the frame scrolls sideways).
    for (part, at) in [("a", 0.0), ("b", 0.4), ("c", 1.0)] {
        w.b.js(&format!(
            "const f = document.querySelector('#picture'); f.scrollIntoView(); \
             f.scrollLeft = (f.scrollWidth - f.clientWidth) * {at}; return null;"
        ))
        .await;
        w.b.shot(&format!("flow-50-actions-part-{part}")).await;
    }
    // The Archy flow: document, menus, tasks and actions as boxes.
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.archy_flow)))
        .await;
    assert!(w.b.count("#picture svg g.node").await >= 10);
    w.b.shot_whole("flow-archy-corpus", "#picture").await;
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.long_flow)))
        .await;
    // No two boxes of the 50-action picture overlap.
    let overlaps = w
        .b
        .js(r#"const r = Array.from(document.querySelectorAll('#picture svg g.node rect')).map(e => e.getBBox());
               let n = 0;
               for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
                 const a = r[i], b = r[j];
                 if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) n++;
               }
               return n;"#)
        .await;
    assert_eq!(overlaps, 0);
    w.b.quit().await;
}

#[tokio::test]
async fn the_dependency_graph_marks_floating_pinned_and_stale_calls() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.submit("header nav a[href='/console/modules']").await;
    assert!(w.b.count("#graph svg g.node").await >= 8);
    assert!(w.b.count("#graph svg .edge.floating").await >= 4);
    assert_eq!(
        w.b.count("#graph svg .edge.stale").await,
        1,
        "Billing Line pins v1 of a v2 module"
    );
    w.b.shot("dependency-graph").await;
    // Click the auth module's box: its page with consumers and the impact of publishing.
    w.b.submit(&format!(
        "#graph svg g.node[data-node='{}']",
        w.flows.auth_module
    ))
    .await;
    let module_page = format!("/console/modules/{}", w.flows.auth_module);
    assert_eq!(w.b.path_becomes(&module_page).await, module_page);
    let consumers = w.b.text("#consumers").await;
    assert!(consumers.contains("Main Inbound") && consumers.contains("Billing Line (pinned)"));
    assert!(consumers.contains("pinned to v1"));
    w.b.shot("module-auth").await;
    // The pinned flow's own page names its pin.
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.pinned_line)))
        .await;
    assert!(w.b.text("#calls").await.contains("pinned to v1"));
    w.b.quit().await;
}

#[tokio::test]
async fn a_simulated_call_steps_forwards_and_backwards_into_the_module() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.goto(&w.url(&format!("/console/simulate?flow={}", w.flows.menu_line)))
        .await;
    w.b.fill("#ani", "+14440000").await;
    w.b.fill("#digits", "9, 1").await;
    w.b.submit("#run").await;
    let outcome = w.b.text("#outcome").await;
    assert!(outcome.contains("transferred to Sales"), "{outcome}");
    let steps = w.b.count("#steps li").await;
    assert!(steps >= 7, "{steps} steps");
    // Step 1: the module call in the flow's picture.
    let current = "return (document.querySelector('.pic:not([hidden])') || {}).dataset.flow + ' ' + \
                   ((document.querySelector('.pic:not([hidden]) g.node.current') || {getAttribute: () => null}).getAttribute('data-node'))";
    assert_eq!(
        w.b.js(current).await.as_str().unwrap(),
        format!("{} check", w.flows.menu_line)
    );
    // Step 2 is inside the module: its picture shows, its node is highlighted.
    w.b.click("#step-next").await;
    assert_eq!(
        w.b.js(current).await.as_str().unwrap(),
        format!("{} flag", w.flows.vip_module)
    );
    w.b.shot("simulator-in-module").await;
    // Back: the flow's picture again.
    w.b.click("#step-back").await;
    assert_eq!(
        w.b.js(current).await.as_str().unwrap(),
        format!("{} check", w.flows.menu_line)
    );
    // To the end: the path taken is marked in the flow's picture.
    w.b.click("#step-all").await;
    assert_eq!(
        w.b.js(current).await.as_str().unwrap(),
        format!("{} to-sales", w.flows.menu_line)
    );
    let visited = w.b.count(".pic:not([hidden]) g.node.visited").await;
    assert!(visited >= 4, "check, decide, menu, sorry marked: {visited}");
    w.b.shot("simulator-end").await;
    // The 50-action flow, through a data action answered by the form.
    w.b.goto(&w.url(&format!("/console/simulate?flow={}", w.flows.long_flow)))
        .await;
    w.b.fill("#digits", "3").await;
    w.b.fill(
        "#data_actions",
        r#"{"Look up account": {"outputs": {}}, "Fetch Branches info": {"outputs": {}}}"#,
    )
    .await;
    w.b.submit("#run").await;
    let outcome = w.b.text("#outcome").await;
    assert!(outcome.contains("transferred to Branches"), "{outcome}");
    w.b.click("#step-all").await;
    w.b.shot("simulator-50-actions").await;
    w.b.shot_whole(
        "simulator-50-actions-whole",
        ".pic:not([hidden]) .picture-frame",
    )
    .await;
    w.b.quit().await;
}

#[tokio::test]
async fn link_a_module_into_three_flows_then_publish_with_its_impact() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.goto(&w.url(&format!("/console/modules/{}", w.flows.greet_module)))
        .await;
    w.b.fill("#lq", "Branch Line").await;
    w.b.submit("#filter").await;
    assert_eq!(w.b.count("#candidates input[name=flow]").await, 3);
    w.b.shot("link-candidates").await;
    w.b.submit("#link").await;
    let statuses: Vec<String> = w
        .b
        .js("return Array.from(document.querySelectorAll('#results td.status')).map(t => t.textContent)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["linked", "linked", "linked"]);
    w.b.shot("link-results").await;
    // The module's page now counts them, and shows the impact before publishing.
    w.b.goto(&w.url(&format!("/console/modules/{}", w.flows.greet_module)))
        .await;
    let impact = w.b.text("#impact").await;
    assert!(impact.starts_with("4 flows call this module"), "{impact}");
    w.b.shot("publish-impact").await;
    // Publishing needs the impact acknowledged (the browser enforces `required`).
    w.b.click("#publish").await;
    assert_eq!(
        w.b.path().await,
        format!("/console/modules/{}", w.flows.greet_module),
        "not sent"
    );
    assert_eq!(w.b.count("#done").await, 0);
    w.b.click("#impact-seen").await;
    w.b.submit("#publish").await;
    assert!(w.b.text("#done").await.starts_with("Published version 1.0"));
    // A flow's lifecycle: check out, publish, revert.
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.main_inbound)))
        .await;
    w.b.submit("#checkout").await;
    assert!(w.b.text("#lock").await.contains("(you)"));
    w.b.submit("#revert").await;
    assert!(w.b.text("#lock").await.contains("Not checked out"));
    w.b.submit("#publish").await;
    assert!(w.b.text("#done").await.starts_with("Published version"));
    w.b.shot("flow-lifecycle").await;
    w.b.quit().await;
}

#[tokio::test]
async fn a_read_only_client_sees_no_write_control_and_its_write_is_refused() {
    let (w, _g) = world().await;
    let ro = flowlink_server::create_client(
        w.server.store.as_ref(),
        w.server.org_id,
        "auditor",
        &["architect:readonly".to_string()],
        None,
    )
    .await
    .unwrap();
    w.b.sign_in(&w.server.url, &ro.client_id.to_string(), &ro.client_secret)
        .await;
    assert_eq!(w.b.path_becomes("/console/flows").await, "/console/flows");
    assert!(w.b.text("header .me").await.contains("read-only"));
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.menu_line)))
        .await;
    assert_eq!(w.b.count("#actions").await, 0, "no lifecycle buttons");
    assert_eq!(w.b.count("#picture svg g.node").await, 9, "but the picture");
    w.b.shot("read-only-flow").await;
    w.b.goto(&w.url(&format!("/console/modules/{}", w.flows.auth_module)))
        .await;
    assert_eq!(
        w.b.count("#publish").await + w.b.count("#link-form").await,
        0
    );
    // The server refuses the write anyway: a well-formed publish post with this session's
    // own CSRF token.
    w.b.js(&format!(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = '/console/flows/{}/publish'; const i = document.createElement('input'); \
         i.name = 'csrf'; i.value = document.querySelector('input[name=csrf]').value; \
         f.appendChild(i); document.body.appendChild(f); f.submit(); return null;",
        w.flows.menu_line
    ))
    .await;
    assert!(w.b.text_with("h1", "403").await.contains("403"));
    assert!(w.b.text("#error").await.contains("flow:flow:write"));
    w.b.shot("read-only-write-refused").await;
    w.b.quit().await;
}

#[tokio::test]
async fn a_forged_form_post_is_refused() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.menu_line)))
        .await;
    // Same session, but a token that is not the session's.
    w.b.js(&format!(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = '/console/flows/{}/checkout'; const i = document.createElement('input'); \
         i.name = 'csrf'; i.value = 'forged'; f.appendChild(i); document.body.appendChild(f); \
         f.submit(); return null;",
        w.flows.menu_line
    ))
    .await;
    assert!(w.b.text_with("h1", "403").await.contains("403"));
    assert!(w.b.text("#error").await.contains("CSRF"));
    w.b.shot("forged-post-refused").await;
    // Nothing happened.
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.menu_line)))
        .await;
    assert!(w.b.text("#lock").await.contains("Not checked out"));
    w.b.quit().await;
}

#[tokio::test]
async fn a_flow_named_as_markup_renders_as_text() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.fill("#q", "img").await;
    w.b.submit("#search").await;
    assert_eq!(w.b.text("#flows a.flow-link").await, MARKUP_NAME);
    assert_eq!(
        w.b.count("main img").await,
        0,
        "no element was made of the name"
    );
    w.b.shot("markup-name-list").await;
    w.b.goto(&w.url(&format!("/console/flows/{}", w.flows.markup_flow)))
        .await;
    assert_eq!(w.b.text("#flow-name").await, MARKUP_NAME);
    assert_eq!(w.b.count("img").await + w.b.count("b").await, 0);
    // No alert ran (an open alert would also fail every command after it).
    assert!(w.b.c.get_alert_text().await.is_err());
    w.b.shot("markup-name-flow").await;
    w.b.quit().await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let (w, _g) = world().await;
    w.sign_in().await;
    w.b.submit("#signout").await;
    assert_eq!(w.b.path_becomes("/console/signin").await, "/console/signin");
    w.b.goto(&w.url("/console/flows")).await;
    assert_eq!(w.b.path().await, "/console/signin", "the session is gone");
    w.b.shot("signed-out").await;
    w.b.quit().await;
}

/// The cookie and headers, over plain HTTP (what a browser applies but does not show).
#[tokio::test]
async fn the_session_cookie_and_security_headers() {
    let server = TestServer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("{}/console/signin", server.url))
        .send()
        .await
        .unwrap();
    let csp = form.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(form.headers()["x-content-type-options"], "nosniff");
    let pre = form.headers()["set-cookie"].to_str().unwrap().to_string();
    let pre_value = pre.split(';').next().unwrap().to_string();
    let html = form.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Without the form's cookie the token alone is refused.
    let forged = http
        .post(format!("{}/console/signin", server.url))
        .form(&[
            ("client_id", server.client_id.as_str()),
            ("client_secret", server.client_secret.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let signed = http
        .post(format!("{}/console/signin", server.url))
        .header("cookie", &pre_value)
        .form(&[
            ("client_id", server.client_id.as_str()),
            ("client_secret", server.client_secret.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("flowlink_session="));
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=86400",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    // The session works as a cookie, and only as one: the page needs no bearer token.
    let session = cookie.split(';').next().unwrap().to_string();
    let page = http
        .get(format!("{}/console/flows", server.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let none = http
        .get(format!("{}/console/flows", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 303);
    assert_eq!(none.headers()["location"], "/console/signin");
}
