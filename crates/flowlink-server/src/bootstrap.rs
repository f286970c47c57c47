//! Administrative helpers the binary calls: first-start bootstrap, creating organizations and
//! OAuth clients. They return the client secret exactly once; only its hash is stored.

use flowlink_store::{NewClient, Organization, Store, StoreError};
use uuid::Uuid;

use crate::auth::scopes;
use crate::auth::secrets;
use crate::config::DEFAULT_TOKEN_LIFETIME_SECS;

/// Why an administrative operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("unknown scope '{0}'; known scopes: {known}", known = scopes::ALL.join(", "))]
    UnknownScope(String),
    #[error("a client needs at least one scope")]
    NoScopes,
    #[error("organization {0} does not exist")]
    UnknownOrg(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A newly created client's credentials. The secret is shown once and never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub org_id: Uuid,
    pub org_name: String,
    pub client_id: Uuid,
    pub client_name: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
}

// Keeps the secret out of any `{:?}` that might end up in a log.
impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("org_id", &self.org_id)
            .field("client_id", &self.client_id)
            .field("client_name", &self.client_name)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// On first start (no organization yet) creates organization `flowlink` and a client named
/// `bootstrap` with scope `admin`, and returns its credentials; afterwards returns `None`.
pub async fn bootstrap(store: &dyn Store) -> Result<Option<ClientCredentials>, SetupError> {
    if !store.list_orgs().await?.is_empty() {
        return Ok(None);
    }
    let org = create_org(store, "flowlink").await?;
    let creds = create_client(
        store,
        org.id,
        "bootstrap",
        &[scopes::ADMIN.to_string()],
        None,
    )
    .await?;
    Ok(Some(creds))
}

/// Creates an organization.
pub async fn create_org(store: &dyn Store, name: &str) -> Result<Organization, SetupError> {
    Ok(store.create_org(name).await?)
}

/// Creates an OAuth client in `org` with the given scopes (each must be known) and token
/// lifetime (default one day). Returns the credentials, secret included, once.
pub async fn create_client(
    store: &dyn Store,
    org: Uuid,
    name: &str,
    scopes_granted: &[String],
    token_lifetime_secs: Option<i64>,
) -> Result<ClientCredentials, SetupError> {
    if scopes_granted.is_empty() {
        return Err(SetupError::NoScopes);
    }
    if let Some(bad) = scopes_granted.iter().find(|s| !scopes::is_known(s)) {
        return Err(SetupError::UnknownScope(bad.clone()));
    }
    let organization = match store.get_org(org).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(SetupError::UnknownOrg(org)),
        Err(e) => return Err(e.into()),
    };
    let secret = secrets::random_secret();
    let hash = secrets::hash_secret(&secret);
    let client = store
        .create_client(NewClient {
            org_id: org,
            name: name.to_string(),
            secret_hash: hash,
            scopes: scopes_granted.to_vec(),
            token_lifetime_secs: token_lifetime_secs.unwrap_or(DEFAULT_TOKEN_LIFETIME_SECS),
        })
        .await?;
    Ok(ClientCredentials {
        org_id: org,
        org_name: organization.name,
        client_id: client.id,
        client_name: client.name,
        client_secret: secret,
        scopes: client.scopes,
    })
}
