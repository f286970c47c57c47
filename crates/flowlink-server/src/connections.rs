//! Serving connections: the accept loop behind [`crate::serve`], with the limits that keep
//! slow and greedy clients from taking the server away from everyone else.
//!
//! - **Connection cap** (`max_connections`): a connection holds a slot from accept to close;
//!   with every slot taken the loop stops accepting, and new connections wait in the kernel's
//!   listen backlog until one closes (they are not refused).
//! - **Header-read timeout** (`header_read_timeout`, hyper's HTTP/1 timer): a connection that
//!   does not deliver a request's headers within it is closed. hyper starts the clock
//!   whenever the connection waits for a request, so it also closes idle keep-alive
//!   connections, and a slowloris (headers a byte at a time) cannot stretch it.
//! - The request-body timeout is a middleware ([`crate::deadline`]), so it answers a Genesys
//!   408 instead of dropping the connection.
//! - **Source address**: every request carries `ConnectInfo<SocketAddr>` (what axum's
//!   `into_make_service_with_connect_info` provides), for the failed-login limits.
//! - **Graceful stop**: when the shutdown future completes the listener is closed at once (new
//!   connections are refused), idle connections close, each busy one finishes its request
//!   and closes; after `shutdown_timeout` whatever is still running is dropped.
//!
//! hyper's HTTP/1 server is used directly because `axum::serve` offers none of these knobs;
//! it is the same server `axum::serve` runs, without HTTP/2 (flowlink's clients speak HTTP/1.1).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

/// The connection limits of one server, taken from its [`ServerConfig`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time to deliver a request's headers (and idle keep-alive limit).
    pub header_read_timeout: Duration,
    /// Drain time on shutdown.
    pub shutdown_timeout: Duration,
}

impl From<&ServerConfig> for ConnectionLimits {
    fn from(c: &ServerConfig) -> Self {
        ConnectionLimits {
            max_connections: c.max_connections.max(1),
            header_read_timeout: c.header_read_timeout,
            shutdown_timeout: c.shutdown_timeout,
        }
    }
}

/// Accepts connections on `listener` and serves `app` on each until `shutdown` completes,
/// then stops as the module docs say. Accept errors (a peer gone before accept, out of file
/// descriptors) are logged and retried, never fatal.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // Never closed, so never an error; if it were, serving more would break the cap.
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of file descriptors, say: give connections time to close.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Reap finished connections so the set holds only live ones.
        while connections.try_join_next().is_some() {}
        connections.spawn(connection(
            stream,
            peer,
            app.clone(),
            slot,
            Arc::clone(&metrics),
            limits.header_read_timeout,
            stop_rx.clone(),
        ));
    }
    // New connections are refused from here on.
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "shutdown timeout: dropping connections with requests still in flight"
        );
        connections.shutdown().await;
    }
}

/// Serves one connection until it closes, or (on shutdown) until its request in flight is
/// answered. The slot is released when this returns.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    _slot: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let _open = metrics.connection_opened();
    // Small JSON answers: do not let Nagle hold them back.
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let stopping = async move {
        // The guard `wait_for` returns must not live across an await (it is not `Send`).
        let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
    };
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = stopping => {
            // Finish the request in flight (if any), then close.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
}
