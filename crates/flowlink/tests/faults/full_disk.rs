//! A full disk under the SQLite store (issue 13 item 3): the data dir lives on a small tmpfs
//! (`mount -t tmpfs -o size=…`, which needs root), flows are written until the store refuses,
//! and then:
//! - every refusal is a clean Genesys 507 `insufficient.storage` (or 503) and nothing
//!   acknowledged is lost (read back while full, after space returns, and after a restart);
//! - when space returns (a filler file deleted) writes succeed again without a restart;
//! - `PRAGMA integrity_check` says `ok`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

/// Size of the filesystem: room for the empty store, the filler and a few hundred flows.
const FS_SIZE: &str = "6m";
/// The filler file deleted to give space back.
const FILLER_BYTES: usize = 1536 * 1024;

/// A tmpfs mounted on a temp dir; unmounted (lazily, in case a process still holds it) and
/// removed on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount() -> Result<Tmpfs, String> {
        let dir = tempfile::Builder::new()
            .prefix("flowlink-faults-disk")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={FS_SIZE},mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// A flow whose logic carries `kb` KiB of prompt text (incompressible enough to fill pages).
fn big_flow(name: &str, kb: usize) -> Value {
    let mut text = String::with_capacity(kb * 1024);
    let mut x: u64 = name.len() as u64 + 1;
    while text.len() < kb * 1024 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(&format!("{x:016x}"));
    }
    json!({"name": name, "type": "inboundcall",
           "actions": [{"type": "playPrompt", "name": "Greeting", "prompt": {"text": text}},
                       {"type": "disconnect", "name": "Bye"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_cleanly_keeps_the_data_and_recovers() {
    let run_started = Instant::now();
    let fs = match Tmpfs::mount() {
        Ok(fs) => fs,
        Err(why) => panic!(
            "the full-disk test mounts a {FS_SIZE} tmpfs for the data dir and needs root (or \
             CAP_SYS_ADMIN) for it: mount failed: {why}"
        ),
    };
    let data: PathBuf = fs.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = Server::start(&data, &["--rate-limit-per-minute", "0"]);
    let base = server.base.clone();
    let http = http(Duration::from_secs(20));
    // The token before the disk fills: issuing one writes to the store too.
    let bearer = token(&http, &base, &data).await;
    let filler = fs.path().join("filler");
    std::fs::write(&filler, vec![0x5a_u8; FILLER_BYTES]).unwrap();

    // Fill: write until three refusals in a row.
    let mut acknowledged = Vec::new();
    let (mut full, mut unavailable, mut in_a_row) = (0, 0, 0);
    for i in 0..2000 {
        let (status, body) = create(&http, &base, &bearer, &big_flow(&format!("Fill {i}"), 24))
            .await
            .expect("every write is answered");
        match status {
            200 => {
                acknowledged.push(body["id"].as_str().unwrap().to_string());
                in_a_row = 0;
            }
            507 => {
                assert_error_body(&body, 507, "insufficient.storage");
                full += 1;
                in_a_row += 1;
            }
            503 => {
                assert_error_body(&body, 503, "service.unavailable");
                unavailable += 1;
                in_a_row += 1;
            }
            other => panic!("write {i} on a filling disk answered {other}: {body}"),
        }
        if in_a_row == 3 {
            break;
        }
    }
    assert_eq!(in_a_row, 3, "the disk never filled");
    assert!(full > 0, "a full disk is answered 507 insufficient.storage");
    let filled_after = acknowledged.len();

    // Still full: every acknowledged flow reads back.
    for id in &acknowledged {
        let (status, body) = get_flow(&http, &base, &bearer, id).await;
        assert_eq!(status, 200, "acknowledged flow {id} while full: {body}");
    }

    // Space returns: writes succeed again, same process.
    std::fs::remove_file(&filler).unwrap();
    for i in 0..3 {
        let id = create_ok(&http, &base, &bearer, &big_flow(&format!("After {i}"), 4)).await;
        acknowledged.push(id);
    }
    server.stop().await;

    // The file is sound and, reopened, holds every acknowledged flow.
    let store = flowlink_store::SqliteStore::open_dir(&data).await.unwrap();
    let integrity = store.integrity_check().await.unwrap();
    store.close().await;
    assert_eq!(integrity, vec!["ok".to_string()], "integrity_check");
    let server = Server::start(&data, &["--rate-limit-per-minute", "0"]);
    let bearer = token(&http, &server.base, &data).await;
    for id in &acknowledged {
        let (status, body) = get_flow(&http, &server.base, &bearer, id).await;
        assert_eq!(status, 200, "acknowledged flow {id} after restart: {body}");
    }
    println!(
        "full disk ({FS_SIZE} tmpfs): {filled_after} flows acknowledged before the store \
         refused; refusals {full} × 507 insufficient.storage, {unavailable} × 503; every \
         acknowledged flow read back while full; 3 writes acknowledged after a {} KiB filler \
         was deleted (no restart); integrity_check {integrity:?}; {} flows intact after a \
         restart (whole test {:.1} s)",
        FILLER_BYTES / 1024,
        acknowledged.len(),
        run_started.elapsed().as_secs_f64()
    );
    server.stop().await;
}
