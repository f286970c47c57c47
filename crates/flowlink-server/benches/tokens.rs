//! `POST /oauth/token` before and after issue 12 item 5, in one run on one machine: the cost
//! of one secret check (the fast `sha256:` form vs the argon2 PHC an earlier release stored),
//! and token requests per second over HTTP against an in-process server (SQLite in a temp
//! dir, rate limit off, 8 concurrent callers) with each kind of stored hash. Every argon2
//! client is used once: its first login is the slow check an earlier release paid on *every*
//! login (the hash is upgraded right after). Prints figures and ratios; asserts only that
//! logins succeed. Run with `cargo bench -p flowlink-server --bench tokens`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use flowlink_server::auth::secrets::{hash_secret, random_secret, verify_secret, Verified};
use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::{NewClient, SqliteStore, Store};
use tokio::sync::Mutex;

/// Where each login takes its (client id, secret) from; `None` ends the run.
type Credentials = Arc<Mutex<Box<dyn FnMut() -> Option<(String, String)> + Send>>>;

fn argon2_phc(secret: &str) -> String {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).expect("salt");
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2")
        .to_string()
}

/// Microseconds per check of `secret` against `stored`, over `n` checks.
fn check_cost(secret: &str, stored: &str, n: u32, expect: Verified) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        assert_eq!(verify_secret(secret, stored), expect);
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

async fn login(http: &reqwest::Client, base: &str, id: &str, secret: &str) {
    let r = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(r.status(), 200, "login failed");
}

/// Token requests/s from `callers` loops, each login taking its credentials from `next`
/// (`None`: done), for at most `budget`.
async fn rate(
    http: &reqwest::Client,
    base: &str,
    callers: usize,
    budget: Duration,
    next: Credentials,
) -> (f64, u64) {
    let start = Instant::now();
    let loops: Vec<_> = (0..callers)
        .map(|_| {
            let (http, base, next) = (http.clone(), base.to_string(), Arc::clone(&next));
            tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed() < budget {
                    let Some((id, secret)) = (next.lock().await)() else {
                        break;
                    };
                    login(&http, &base, &id, &secret).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut n = 0;
    for l in loops {
        n += l.await.expect("caller loop");
    }
    (n as f64 / start.elapsed().as_secs_f64(), n)
}

async fn bench() {
    // One secret check.
    let secret = random_secret();
    let fast = hash_secret(&secret);
    let phc = argon2_phc(&secret);
    let fast_us = check_cost(&secret, &fast, 100_000, Verified::Match);
    let argon2_us = check_cost(&secret, &phc, 10, Verified::Legacy);
    println!("one secret check: sha256 {fast_us:>10.2} µs   argon2 {argon2_us:>10.0} µs   ratio {:>8.0}x", argon2_us / fast_us);

    // Over HTTP.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("fresh store has no client yet");
    let legacy_n = 48;
    let mut legacy = Vec::new();
    for i in 0..legacy_n {
        let secret = random_secret();
        let client = store
            .create_client(NewClient {
                org_id: creds.org_id,
                name: format!("legacy {i}"),
                secret_hash: argon2_phc(&secret),
                scopes: vec!["admin".into()],
                token_lifetime_secs: 3600,
            })
            .await
            .expect("legacy client");
        legacy.push((client.id.to_string(), secret));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let state = AppState::new(store.clone(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(flowlink_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();

    let (id, secret) = (creds.client_id.to_string(), creds.client_secret.clone());
    let same = move || Some((id.clone(), secret.clone()));
    let next: Credentials = Arc::new(Mutex::new(Box::new(same)));
    rate(
        &http,
        &base,
        2,
        Duration::from_millis(500),
        Arc::clone(&next),
    )
    .await; // warm-up
    let (fast_rate, fast_n) = rate(&http, &base, 8, Duration::from_secs(3), next).await;

    let mut queue = legacy.into_iter();
    let next: Credentials = Arc::new(Mutex::new(Box::new(move || queue.next())));
    let (legacy_rate, legacy_n_done) = rate(&http, &base, 8, Duration::from_secs(30), next).await;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("POST /oauth/token, 8 callers: sha256 {fast_rate:>8.0} req/s ({fast_n} logins)");
    println!(
        "POST /oauth/token, 8 callers: argon2 {legacy_rate:>8.0} req/s ({legacy_n_done} first \
         logins of legacy clients; argon2 runs in {} slot(s) of {cores} cores)",
        (cores / 2).max(1)
    );
    println!("ratio sha256 / argon2: {:.0}x", fast_rate / legacy_rate);
    println!("(each login also writes its token durably: SQLite group commit, answered after the WAL fsync)");

    let _ = stop.send(());
    let _ = server.await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
