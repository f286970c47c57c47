//! The HTTP core of the client: base URL, login, and one `execute` loop that every typed call
//! goes through — bearer token, the shared rate-limit gate, 429 waits, bounded 5xx retries on
//! idempotent requests, one re-login on 401, and `ErrorBody` decoding.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::{header, Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use flowlink_api::{OAuthErrorBody, TokenResponse};

use crate::error::ClientError;
use crate::retry::{RateGate, RetryPolicy};
use crate::token::TokenCache;

/// Counters of what the retry machinery did, for progress output and tests.
#[derive(Debug, Default)]
pub struct Stats {
    conflict_retries: AtomicU64,
    rate_limited: AtomicU64,
    server_retries: AtomicU64,
    logins: AtomicU64,
    requests: AtomicU64,
}

/// A point-in-time copy of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Optimistic-concurrency updates re-read and re-applied after a 409.
    pub conflict_retries: u64,
    /// 429 answers waited out.
    pub rate_limited: u64,
    /// Idempotent requests repeated after a 5xx or transport error.
    pub server_retries: u64,
    /// Successful `POST /oauth/token` logins.
    pub logins: u64,
    /// HTTP requests sent (retries included, logins excluded).
    pub requests: u64,
}

impl Stats {
    pub(crate) fn count_conflict_retry(&self) {
        self.conflict_retries.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            conflict_retries: self.conflict_retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            server_retries: self.server_retries.load(Ordering::Relaxed),
            logins: self.logins.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
        }
    }
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    client_id: String,
    client_secret: String,
    token: TokenCache,
    gate: RateGate,
    policy: RetryPolicy,
    stats: Stats,
    /// Whether the server offers flowlink's bulk link extension: [`BULK_UNKNOWN`] until the
    /// first bulk operation finds out.
    bulk_link: AtomicU8,
}

/// [`Client::bulk_link_support`]: not tried yet.
pub(crate) const BULK_UNKNOWN: u8 = 0;
/// [`Client::bulk_link_support`]: the server answered the extension.
pub(crate) const BULK_YES: u8 = 1;
/// [`Client::bulk_link_support`]: the server does not know it (real Genesys).
pub(crate) const BULK_NO: u8 = 2;

/// A typed client for a flowlink server or Genesys Cloud. Cheap to clone; clones share the
/// connection pool, the token and the rate-limit gate.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret and the token stay out of debug output on purpose.
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the API at `base_url` (e.g. `http://127.0.0.1:8080`), logging in with the
    /// client-credentials grant at `{base_url}/oauth/token` (same origin, like the SDKs derive it
    /// for a non-`api.` host).
    pub fn new(
        base_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Client, ClientError> {
        Client::with_policy(base_url, client_id, client_secret, RetryPolicy::default())
    }

    /// Like [`Client::new`] with explicit retry bounds.
    pub fn with_policy(
        base_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        policy: RetryPolicy,
    ) -> Result<Client, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl {
            url: base_url.to_string(),
            reason: reason.to_string(),
        };
        let mut base = Url::parse(base_url.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if base.cannot_be_a_base() || base.host_str().is_none() {
            return Err(invalid("expected a url like http://127.0.0.1:8080"));
        }
        // A trailing slash makes `join` keep any path prefix (gateways put the API under one).
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        base.set_query(None);
        base.set_fragment(None);
        let http = reqwest::Client::builder()
            .user_agent(concat!("flowlink/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| ClientError::Transport {
                url: base.to_string(),
                source: e,
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                client_id: client_id.into(),
                client_secret: client_secret.into(),
                token: TokenCache::default(),
                gate: RateGate::default(),
                policy,
                stats: Stats::default(),
                bulk_link: AtomicU8::new(BULK_UNKNOWN),
            }),
        })
    }

    /// The base URL, with a trailing slash.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The retry bounds in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }

    /// What the retry machinery has done so far (shared by clones).
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot()
    }

    pub(crate) fn raw_stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// What is known about the server's bulk link extension (`BULK_*`); shared by clones, so
    /// it is found out once per client.
    pub(crate) fn bulk_link_support(&self) -> u8 {
        self.inner.bulk_link.load(Ordering::Relaxed)
    }

    /// Records what the server answered to the bulk link extension.
    pub(crate) fn set_bulk_link_support(&self, v: u8) {
        self.inner.bulk_link.store(v, Ordering::Relaxed);
    }

    /// The underlying HTTP client, for requests that carry no token (signed job URLs).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Sends a request that carries no token (a signed job URL, `url` for messages) once:
    /// the body of a success (only a 200 when `only_ok`: the Terraform provider's rule for
    /// uploads), else the typed error of the server's answer.
    pub(crate) async fn send_signed(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
        only_ok: bool,
    ) -> Result<Vec<u8>, ClientError> {
        let transport = |e| ClientError::Transport {
            url: url.to_string(),
            source: e,
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(transport)?;
        let ok = if only_ok {
            status == StatusCode::OK
        } else {
            status.is_success()
        };
        if ok {
            Ok(body.to_vec())
        } else {
            Err(ClientError::from_response(status.as_u16(), &body))
        }
    }

    /// A URL for `path` (relative, e.g. `api/v2/flows` or `/api/v2/flows?x=1`) under the base.
    pub(crate) fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::InvalidUrl {
                url: path.to_string(),
                reason: e.to_string(),
            })
    }

    /// A valid access token, logging in if needed.
    pub async fn access_token(&self) -> Result<String, ClientError> {
        self.inner.token.get(|| self.login()).await
    }

    async fn login(&self) -> Result<(String, i64), ClientError> {
        let url = self.url("oauth/token")?;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.inner.client_id, self.inner.client_secret
        ));
        let mut waits = 0;
        loop {
            self.inner.gate.wait().await;
            let resp = self
                .inner
                .http
                .post(url.clone())
                .header(header::AUTHORIZATION, format!("Basic {basic}"))
                .header(header::ACCEPT, "application/json")
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .map_err(|e| ClientError::Transport {
                    url: url.to_string(),
                    source: e,
                })?;
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS
                && waits < self.inner.policy.max_rate_limit_waits
            {
                waits += 1;
                self.wait_out_429(&resp).await;
                continue;
            }
            let bytes = resp.bytes().await.map_err(|e| ClientError::Transport {
                url: url.to_string(),
                source: e,
            })?;
            if status.is_success() {
                let t: TokenResponse =
                    serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
                        url: url.to_string(),
                        reason: format!("token response: {e}"),
                    })?;
                self.inner.stats.logins.fetch_add(1, Ordering::Relaxed);
                return Ok((t.access_token, t.expires_in));
            }
            return Err(match serde_json::from_slice::<OAuthErrorBody>(&bytes) {
                Ok(b) => ClientError::Auth {
                    status: status.as_u16(),
                    error: b.error,
                    description: b.error_description,
                },
                Err(_) => ClientError::from_response(status.as_u16(), &bytes),
            });
        }
    }

    async fn wait_out_429(&self, resp: &reqwest::Response) {
        let header = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok());
        let wait = self.inner.policy.retry_after(header);
        self.inner
            .stats
            .rate_limited
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(?wait, "rate limited; waiting Retry-After");
        self.inner.gate.close_for(wait).await;
    }

    /// Sends one API request and returns the successful response's body bytes.
    ///
    /// GET, PUT and DELETE count as idempotent and are repeated after a 5xx or a transport
    /// error (bounded, jittered). Every request waits out 429s. A 401 triggers one fresh login.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, ClientError> {
        let idempotent = matches!(
            method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        self.execute_as(method, url, body, idempotent).await
    }

    /// [`Client::execute`] for a request whose repetition is harmless (`idempotent`) whatever
    /// its method, e.g. the bulk link POST (linking twice changes nothing the second time).
    pub(crate) async fn execute_as(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Result<Vec<u8>, ClientError> {
        let policy = &self.inner.policy;
        let (mut rate_waits, mut server_retries, mut relogged) = (0u32, 0u32, false);
        loop {
            self.inner.gate.wait().await;
            let token = self.access_token().await?;
            let mut req = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token)
                .header(header::ACCEPT, "application/json");
            if let Some(b) = &body {
                req = req
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            self.inner.stats.requests.fetch_add(1, Ordering::Relaxed);
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if idempotent && server_retries < policy.max_server_retries => {
                    tracing::debug!(error = %e, %url, "transport error; retrying");
                    tokio::time::sleep(policy.backoff(server_retries)).await;
                    server_retries += 1;
                    self.inner
                        .stats
                        .server_retries
                        .fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Err(e) => {
                    return Err(ClientError::Transport {
                        url: url.to_string(),
                        source: e,
                    })
                }
            };
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS && rate_waits < policy.max_rate_limit_waits {
                rate_waits += 1;
                self.wait_out_429(&resp).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && !relogged {
                // The token may have been revoked or expired server-side earlier than promised.
                relogged = true;
                self.inner.token.invalidate(&token).await;
                continue;
            }
            if status.is_server_error() && idempotent && server_retries < policy.max_server_retries
            {
                tokio::time::sleep(policy.backoff(server_retries)).await;
                server_retries += 1;
                self.inner
                    .stats
                    .server_retries
                    .fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let bytes = resp.bytes().await.map_err(|e| ClientError::Transport {
                url: url.to_string(),
                source: e,
            })?;
            if status.is_success() {
                return Ok(bytes.to_vec());
            }
            return Err(ClientError::from_response(status.as_u16(), &bytes));
        }
    }

    /// `execute` plus JSON decoding of the answer into `T`.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, ClientError> {
        let idempotent = matches!(
            method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        self.json_as(method, url, body, idempotent).await
    }

    /// [`Client::json`] with the idempotency stated (see [`Client::execute_as`]).
    pub(crate) async fn json_as<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&(impl Serialize + ?Sized)>,
        idempotent: bool,
    ) -> Result<T, ClientError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Invalid(format!("cannot encode request body: {e}")))?;
        let text = url.to_string();
        let bytes = self.execute_as(method, url, body, idempotent).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            url: text,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_and_bad_ones_refused() {
        let c = Client::new("http://127.0.0.1:8080", "id", "s").unwrap();
        assert_eq!(
            c.url("/api/v2/flows").unwrap().as_str(),
            "http://127.0.0.1:8080/api/v2/flows"
        );
        let g = Client::new("https://gw.example/genesys?x=1", "id", "s").unwrap();
        assert_eq!(
            g.url("oauth/token").unwrap().as_str(),
            "https://gw.example/genesys/oauth/token"
        );
        assert!(matches!(
            Client::new("ftp://x", "a", "b").unwrap_err(),
            ClientError::InvalidUrl { .. }
        ));
        assert!(Client::new("127.0.0.1:8080", "a", "b").is_err());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let c = Client::new("http://127.0.0.1:1", "id", "very-secret").unwrap();
        assert!(!format!("{c:?}").contains("very-secret"));
    }
}
