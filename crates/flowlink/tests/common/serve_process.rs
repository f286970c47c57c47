//! `flowlink serve` as a real process on 127.0.0.1:0, for the tests that kill, signal or restart
//! it (crash safety, graceful stop): spawned from the built binary, its URL read from the
//! "listening on" line it prints, its stderr drained so it never blocks on a full pipe.
//! Included with `#[path]` so these targets do not compile the whole in-process harness.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Starts `flowlink serve --listen 127.0.0.1:0 --data-dir DIR EXTRA…` and waits until it
/// listens: the child and its base URL (`http://127.0.0.1:PORT`).
pub fn spawn_serve(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .env_remove("FLOWLINK_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowlink serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .expect("read stderr");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}
