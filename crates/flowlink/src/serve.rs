//! `flowlink serve`: the platform server on the data dir's SQLite store, with the first-start
//! bootstrap and a graceful shutdown on Ctrl-C / SIGTERM (stop accepting, finish requests in
//! flight within `--shutdown-timeout-secs`, close the store, exit 0).
//!
//! On PostgreSQL a replica may start before its database: while the database is unreachable
//! the replica listens and answers every request 503 `service.unavailable`
//! ([`flowlink_server::unready`]), retrying the connection every second; once it connects it
//! runs the migrations and serves.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};

use flowlink_server::{AppState, ServerConfig};
use flowlink_store::{Store, StoreError, StoreLocation};

use crate::admin::{ensure_bootstrap, open_store};
use crate::cli::ServeArgs;
use crate::config;

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed the server simply runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { () = ctrl_c => {}, () = term => {} }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Runs the server until a shutdown signal.
pub async fn run(args: &ServeArgs, dir: &Path, database_url: Option<&str>) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        bail!(
            "--listen {} is not a loopback address; flowlink serves on 127.0.0.1 only",
            args.listen
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let config = ServerConfig {
        rate_limit_per_minute: args.rate_limit_per_minute,
        auth_failures_per_minute: args.auth_failures_per_minute,
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
        request_body_timeout: Duration::from_secs(args.request_body_timeout_secs),
        max_connections: args.max_connections,
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout_secs),
        ..ServerConfig::default()
    };
    let (store, listener) = match database_url {
        Some(url) => {
            let location = StoreLocation::parse(url)?;
            match open_when_reachable(&location, listener, &config).await? {
                Some(opened) => opened,
                // Stopped (SIGTERM / Ctrl-C) before the database was ever reachable.
                None => {
                    eprintln!("flowlink stopped");
                    return Ok(());
                }
            }
        }
        None => (open_store(dir, None).await?, listener),
    };
    if ensure_bootstrap(store.as_ref(), dir, Some(url.clone()))
        .await?
        .is_none()
    {
        // Keep the credentials file pointing at where the server listens now.
        if let Some(mut c) = config::read_credentials(dir)? {
            if c.url.as_deref() != Some(url.as_str()) {
                c.url = Some(url.clone());
                config::write_credentials(dir, &c)?;
            }
        }
    }
    let state = AppState::new(store.clone(), config);
    // Where the data lives, never with a password: a redacted URL or the SQLite data dir.
    let data = match database_url {
        Some(url) => flowlink_store::StoreLocation::parse(url)
            .map(|l| l.to_string())
            .unwrap_or_else(|_| "the configured database".into()),
        None => dir.display().to_string(),
    };
    eprintln!("flowlink listening on {url} (data in {data})");
    flowlink_server::serve(listener, state, shutdown_signal())
        .await
        .context("server failed")?;
    store.close().await;
    eprintln!("flowlink stopped");
    Ok(())
}

/// How often a replica waiting for its database tries to connect again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

/// Opens the PostgreSQL store at `location`. While the database is unreachable
/// ([`StoreError::Unavailable`]) `listener` answers 503 and the connection is retried every
/// [`RECONNECT_EVERY`]; any other failure (bad password, unknown database) ends the start.
/// Returns the store and the listener to serve on, or `None` if a shutdown signal came first.
async fn open_when_reachable(
    location: &StoreLocation,
    listener: tokio::net::TcpListener,
    config: &ServerConfig,
) -> anyhow::Result<Option<(Arc<dyn Store>, tokio::net::TcpListener)>> {
    let cannot = || format!("cannot open the store at {location}");
    let first = match location.open().await {
        Ok(store) => return Ok(Some((store, listener))),
        Err(StoreError::Unavailable(why)) => why,
        Err(e) => return Err(e).with_context(cannot),
    };
    // The same "listening on URL" line as a serving start, so scripts find the port either way.
    eprintln!(
        "flowlink listening on http://{} (the database is not reachable yet: {first}; \
         answering 503 until it is)",
        listener.local_addr()?
    );
    // Two handles on the one listening socket: the 503 answerer accepts on one until the
    // store is ready, the real server on the other after, so no connection is ever refused.
    let std_listener = listener.into_std()?;
    let waiting = tokio::net::TcpListener::from_std(std_listener.try_clone()?)?;
    let serving = tokio::net::TcpListener::from_std(std_listener)?;
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
    let answerer = tokio::spawn(flowlink_server::unready::serve_unavailable(
        waiting,
        config,
        async move {
            // A dropped sender (start-up failed) stops the answerer too.
            let _ = ready_rx.await;
        },
    ));
    let opened = {
        let connect = async {
            loop {
                tokio::time::sleep(RECONNECT_EVERY).await;
                match location.open().await {
                    Ok(store) => return Ok(store),
                    Err(StoreError::Unavailable(why)) => {
                        tracing::debug!(%why, "database still unreachable");
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        tokio::select! {
            r = connect => Some(r),
            () = shutdown_signal() => None,
        }
    };
    let _ = ready_tx.send(());
    // The answerer finishes its 503s in flight within the shutdown bound.
    let _ = answerer.await;
    match opened {
        None => Ok(None),
        Some(Ok(store)) => {
            eprintln!("flowlink: the database is reachable; migrations applied");
            Ok(Some((store, serving)))
        }
        Some(Err(e)) => Err(e).with_context(cannot),
    }
}
