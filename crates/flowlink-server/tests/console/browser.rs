//! Headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`):
//! chromedriver on a free 127.0.0.1 port, a fresh profile directory per browser, and a
//! screenshot helper that saves PNGs under the target directory
//! (`<target>/console-screenshots/`). Chromium missing is a failure, not a skip.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Map, Value};

/// Browsers run one at a time: two cores, and each Chromium wants one.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Where screenshots go: `<target dir>/console-screenshots`.
pub fn shots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp` for integration tests.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("console-screenshots"))
        .unwrap_or_else(|| PathBuf::from("console-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A browser session; chromedriver (and with it Chromium) ends when this is dropped.
pub struct Browser {
    pub c: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    pub async fn start() -> Browser {
        let driver_bin = find(&["chromedriver"]).expect(
            "chromedriver is not installed: apt-get install -y chromium chromium-driver \
             (scripts/test.sh and .ci/run do this)",
        );
        let chromium = find(&["chromium", "chromium-browser"])
            .expect("chromium is not installed: apt-get install -y chromium chromium-driver");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1440,960",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let mut last = None;
        // A driver that lost its port to another process (the port is free when picked, not
        // necessarily when the driver binds it) exits at once: start another on a new port.
        for _ in 0..3 {
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let mut driver = Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver");
            let url = format!("http://127.0.0.1:{port}");
            // Up to 20 s: on a loaded 2-core machine a driver and its browser start slowly.
            for _ in 0..200 {
                let mut b =
                    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
                b.capabilities(caps.clone());
                match b.connect(&url).await {
                    Ok(c) => {
                        return Browser {
                            c,
                            driver,
                            _profile: profile,
                        }
                    }
                    Err(e) => {
                        last = Some(e.to_string());
                        if matches!(driver.try_wait(), Ok(Some(_))) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            let _ = driver.kill();
            let _ = driver.wait();
        }
        panic!("chromedriver did not start a session: {last:?}");
    }

    /// Saves a screenshot as `<name>.png` and returns its path.
    pub async fn shot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        let path = shots_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// A screenshot of the whole picture in `frame` (a CSS selector): the window grows to the
    /// picture's width (headless Chromium keeps the height of its screen), the frame loses its
    /// height limit and scrolls into view, and a picture taller than the window is scaled to
    /// fit it (its 100% parts are separate shots); then all is as before.
    pub async fn shot_whole(&self, name: &str, frame: &str) -> PathBuf {
        let (old_w, old_h) = self.c.get_window_size().await.unwrap();
        let w = self
            .js(&format!(
                "return document.querySelector('{frame} svg').width.baseVal.value;"
            ))
            .await
            .as_f64()
            .unwrap_or(0.0) as u32;
        self.c
            .set_window_size((w + 100).max(old_w as u32), old_h as u32)
            .await
            .unwrap();
        self.js(&format!(
            "const f = document.querySelector('{frame}'); const s = f.querySelector('svg'); \
             s.dataset.w = s.getAttribute('width'); s.dataset.h = s.getAttribute('height'); \
             f.style.maxHeight = 'none'; f.scrollIntoView(); \
             const room = window.innerHeight - 240, h = s.height.baseVal.value; \
             if (h > room) {{ const k = room / h; \
               s.setAttribute('width', String(Math.round(s.width.baseVal.value * k))); \
               s.setAttribute('height', String(Math.round(h * k))); f.scrollIntoView(); }} \
             return null;"
        ))
        .await;
        let path = self.shot(name).await;
        self.c
            .set_window_size(old_w as u32, old_h as u32)
            .await
            .unwrap();
        self.js(&format!(
            "const f = document.querySelector('{frame}'); const s = f.querySelector('svg'); \
             f.style.maxHeight = ''; s.setAttribute('width', s.dataset.w); \
             s.setAttribute('height', s.dataset.h); return null;"
        ))
        .await;
        path
    }

    pub async fn goto(&self, url: &str) {
        self.c.goto(url).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// The text of `css` once it contains `needle` (after a script's form submit), or the
    /// text it had after five seconds.
    pub async fn text_with(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                last = e.text().await.unwrap_or_default();
                if last.contains(needle) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    pub async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.unwrap().len()
    }

    pub async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks what leads to another page (a form's submit, a link) and waits for that page:
    /// a click returns before the POST and its redirect are done.
    pub async fn submit(&self, css: &str) {
        self.js("document.documentElement.dataset.leaving = '1'; return null;")
            .await;
        self.click(css).await;
        for _ in 0..200 {
            // Scripts may fail while the old page unloads: that is "not yet".
            let arrived = self
                .c
                .execute(
                    "return document.readyState === 'complete' && \
                     !document.documentElement.dataset.leaving;",
                    vec![],
                )
                .await;
            if matches!(arrived, Ok(Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking {css} did not lead to a new page");
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    /// The path once it is `want` (a form's POST and its redirect may still be on the way
    /// when a click returns), or the path it stayed at after five seconds.
    pub async fn path_becomes(&self, want: &str) -> String {
        for _ in 0..50 {
            let p = self.path().await;
            if p == want {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.path().await
    }

    /// Signs in through the form.
    pub async fn sign_in(&self, base: &str, id: &str, secret: &str) {
        self.goto(&format!("{base}/console/signin")).await;
        self.fill("#client_id", id).await;
        self.fill("#client_secret", secret).await;
        self.submit("#signin").await;
    }

    /// Ends the WebDriver session (chromedriver ends on drop).
    pub async fn quit(self) {
        let _ = self.c.clone().close().await;
    }
}
