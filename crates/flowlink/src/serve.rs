//! `flowlink serve`: the platform server on the data dir's SQLite store, with the first-start
//! bootstrap and a graceful shutdown on Ctrl-C / SIGTERM (stop accepting, finish requests in
//! flight within `--shutdown-timeout-secs`, close the store, exit 0).

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};

use flowlink_server::{AppState, ServerConfig};

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
    let store = open_store(dir, database_url).await?;
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
    let state = AppState::new(
        store.clone(),
        ServerConfig {
            rate_limit_per_minute: args.rate_limit_per_minute,
            auth_failures_per_minute: args.auth_failures_per_minute,
            header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
            request_body_timeout: Duration::from_secs(args.request_body_timeout_secs),
            max_connections: args.max_connections,
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout_secs),
            ..ServerConfig::default()
        },
    );
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
