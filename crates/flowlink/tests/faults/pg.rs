//! A dedicated, throw-away PostgreSQL server for one test: `initdb` into a temp dir and
//! `pg_ctl` on a free loopback port, found like `scripts/postgres.sh` finds them (newest
//! `/usr/lib/postgresql/*/bin`, else `PATH`). As root the server runs as the `postgres` user,
//! since PostgreSQL refuses root. Stopped (immediate) and deleted on drop. Never the shared
//! test server other tests use: this one is restarted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One PostgreSQL cluster in a temp dir.
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// The port it listens on (chosen free when it was created).
    pub port: u16,
    as_root: bool,
}

fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.retain(|b| b.join("initdb").exists() && b.join("pg_ctl").exists());
    versions.sort_by_key(|p| {
        let v = p.parent().and_then(Path::file_name);
        v.and_then(|v| v.to_str()?.parse::<u32>().ok()).unwrap_or(0)
    });
    if let Some(b) = versions.pop() {
        return b;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
        .expect(
            "the fault suite's PostgreSQL tests start their own server and need PostgreSQL's \
             initdb and pg_ctl (Debian: apt-get install postgresql; scripts/postgres.sh \
             installs it when run as root)",
        )
}

/// `FLOWLINK_SKIP_POSTGRES=1` skips the PostgreSQL tests deliberately (as everywhere in the
/// suite), saying so; otherwise a machine without PostgreSQL fails them with instructions.
pub fn skipped(test: &str) -> bool {
    let skip = std::env::var("FLOWLINK_SKIP_POSTGRES").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("FLOWLINK_SKIP_POSTGRES=1: {test} skipped");
    }
    skip
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("addr").port()
}

impl Postgres {
    /// A new cluster, initialised but not started (user `flowlink`, trust auth on loopback).
    pub fn init() -> Postgres {
        let bin = bin_dir();
        let as_root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("flowlink-faults-pg")
            .tempdir()
            .expect("temp dir");
        let pg = Postgres {
            bin,
            dir,
            port: free_port(),
            as_root,
        };
        if as_root {
            // Let `postgres` own its directory (the temp dir is created 0700 by root).
            run(Command::new("chown").args(["postgres:"]).arg(pg.dir.path()));
        }
        let data = pg.data();
        let out = pg.owner(&pg.bin.join("initdb"), |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-U", "flowlink", "--auth=trust", "-E", "UTF8", "--locale=C"])
                .arg("--no-sync");
        });
        assert!(out.status.success(), "initdb failed: {}", text(&out));
        pg
    }

    /// A new cluster, started.
    pub fn start_new() -> Postgres {
        let pg = Postgres::init();
        pg.start();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://flowlink@127.0.0.1:PORT/postgres`
    pub fn url(&self) -> String {
        format!("postgres://flowlink@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs `program` as the cluster's owner with the arguments `args` adds.
    fn owner(&self, program: &Path, args: impl FnOnce(&mut Command)) -> Output {
        let mut c = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        args(&mut c);
        c.output().expect("run a PostgreSQL program")
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.data();
        self.owner(&self.bin.join("pg_ctl"), |c| {
            c.arg("-D").arg(&data).args(args);
        })
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let log = self.dir.path().join("postgres.log");
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} \
             -c max_connections=60",
            self.port,
            self.data().display()
        );
        let out = self.pg_ctl(&[
            "-l",
            log.to_str().unwrap(),
            "-w",
            "-t",
            "30",
            "-o",
            &opts,
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            text(&out),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// `pg_ctl restart -m fast`: every session is terminated, the server stops, starts again
    /// and waits until it accepts connections.
    pub fn restart_fast(&self) {
        // A log file, as at start: otherwise the new postmaster inherits our output pipe and
        // waiting for pg_ctl's output would wait for the server's exit.
        let log = self.dir.path().join("postgres.log");
        let log = log.to_str().unwrap();
        let out = self.pg_ctl(&["-l", log, "-m", "fast", "-w", "-t", "30", "restart"]);
        assert!(
            out.status.success(),
            "pg_ctl restart failed: {}",
            text(&out)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        }
    }
}

fn run(c: &mut Command) {
    let out = c.output().expect("run");
    assert!(out.status.success(), "{c:?} failed: {}", text(&out));
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
