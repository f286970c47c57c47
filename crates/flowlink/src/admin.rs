//! `flowlink orgs create` and `flowlink clients create`: offline administration of the data
//! dir's store (no server needed), plus the first-start bootstrap shared with `serve`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;

use flowlink_server::bootstrap::{self, ClientCredentials};
use flowlink_store::{SqliteStore, Store, StoreLocation};

use crate::cli::{ClientsCommand, OrgsCommand, Output};
use crate::config::{self, Credentials};
use crate::output::{print, print_json};

/// Opens the store: the PostgreSQL database at `database_url` when one is given (shared by
/// any number of server replicas), else the embedded SQLite store in the data dir.
pub async fn open_store(dir: &Path, database_url: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    match database_url {
        Some(url) => {
            let location = StoreLocation::parse(url)?;
            // `location` displays without the password, so it is safe in the message.
            location
                .open()
                .await
                .with_context(|| format!("cannot open the store at {location}"))
        }
        None => {
            let store = SqliteStore::open_dir(dir)
                .await
                .with_context(|| format!("cannot open the store in {}", dir.display()))?;
            Ok(Arc::new(store))
        }
    }
}

/// Creates the first organization and its `admin` client if the store has none, prints the
/// credentials once (to stderr, so stdout stays clean for `-o json`) and writes them to the
/// credentials file (mode 0600). Returns them when they were created now.
pub async fn ensure_bootstrap(
    store: &dyn Store,
    dir: &Path,
    url: Option<String>,
) -> anyhow::Result<Option<ClientCredentials>> {
    let Some(creds) = bootstrap::bootstrap(store).await? else {
        return Ok(None);
    };
    let file = Credentials {
        org_id: Some(creds.org_id.to_string()),
        client_id: creds.client_id.to_string(),
        client_secret: creds.client_secret.clone(),
        url,
    };
    let path = config::write_credentials(dir, &file)?;
    eprintln!(
        "first start: created organization '{}' ({}) and OAuth client '{}' with scope admin\n  \
         GENESYS_CLIENT_ID={}\n  GENESYS_CLIENT_SECRET={}\n(shown once; also saved to {}, mode 0600)",
        creds.org_name,
        creds.org_id,
        creds.client_name,
        creds.client_id,
        creds.client_secret,
        path.display()
    );
    Ok(Some(creds))
}

/// Runs an `orgs` subcommand.
pub async fn orgs(
    cmd: &OrgsCommand,
    dir: &Path,
    database_url: Option<&str>,
    output: Output,
) -> anyhow::Result<()> {
    let store = open_store(dir, database_url).await?;
    ensure_bootstrap(store.as_ref(), dir, None).await?;
    let OrgsCommand::Create { name } = cmd;
    let org = bootstrap::create_org(store.as_ref(), name).await?;
    store.close().await;
    match output {
        Output::Json => print_json(&json!({"id": org.id.to_string(), "name": org.name})),
        Output::Table => Ok(print(&format!(
            "created organization '{}' {}\nadd a client: flowlink clients create --name NAME --scope architect --org {}\n",
            org.name, org.id, org.id
        ))?),
    }
}

/// Runs a `clients` subcommand.
pub async fn clients(
    cmd: &ClientsCommand,
    dir: &Path,
    database_url: Option<&str>,
    output: Output,
) -> anyhow::Result<()> {
    let store = open_store(dir, database_url).await?;
    let fresh = ensure_bootstrap(store.as_ref(), dir, None).await?;
    let ClientsCommand::Create { name, scopes, org } = cmd;
    let org_id = match org {
        Some(o) => o
            .parse()
            .with_context(|| format!("--org '{o}' is not an organization id"))?,
        None => match (fresh, config::read_credentials(dir)?) {
            (Some(c), _) => c.org_id,
            (
                None,
                Some(Credentials {
                    org_id: Some(o), ..
                }),
            ) => o.parse().with_context(|| {
                format!("the credentials file names a bad organization id '{o}'")
            })?,
            _ => store
                .list_orgs()
                .await?
                .first()
                .map(|o| o.id)
                .context("no organization yet; create one with `flowlink orgs create NAME`")?,
        },
    };
    let creds = bootstrap::create_client(store.as_ref(), org_id, name, scopes, None).await?;
    store.close().await;
    match output {
        Output::Json => print_json(&json!({
            "orgId": creds.org_id.to_string(), "clientId": creds.client_id.to_string(),
            "clientSecret": creds.client_secret, "name": creds.client_name, "scopes": creds.scopes,
        })),
        Output::Table => Ok(print(&format!(
            "created client '{}' in organization '{}' with scopes {}\nGENESYS_CLIENT_ID={}\nGENESYS_CLIENT_SECRET={}\n(the secret is shown once)\n",
            creds.client_name,
            creds.org_name,
            creds.scopes.join(" "),
            creds.client_id,
            creds.client_secret
        ))?),
    }
}
