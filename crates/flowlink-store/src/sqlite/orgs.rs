//! Organizations, OAuth clients and access tokens.

use sqlx::sqlite::SqlitePool;
use sqlx::Row;
use uuid::Uuid;

use super::rows::{now_ms, scopes_to_text, text_to_scopes, uuid};
use crate::error::StoreError;
use crate::records::*;

fn org_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: uuid(row, "id")?,
        name: row.try_get("name")?,
        created_ms: row.try_get("created_ms")?,
    })
}

fn client_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<OAuthClient, StoreError> {
    let scopes: String = row.try_get("scopes")?;
    Ok(OAuthClient {
        id: uuid(row, "id")?,
        org_id: uuid(row, "org_id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        scopes: text_to_scopes(&scopes),
        token_lifetime_secs: row.try_get("token_lifetime_secs")?,
        created_ms: row.try_get("created_ms")?,
    })
}

pub async fn create_org(pool: &SqlitePool, name: &str) -> Result<Organization, StoreError> {
    let org = Organization {
        id: Uuid::new_v4(),
        name: name.to_string(),
        created_ms: now_ms(),
    };
    sqlx::query("INSERT INTO organizations (id, name, created_ms) VALUES (?, ?, ?)")
        .bind(org.id.to_string())
        .bind(&org.name)
        .bind(org.created_ms)
        .execute(pool)
        .await?;
    Ok(org)
}

pub async fn get_org(pool: &SqlitePool, id: Uuid) -> Result<Organization, StoreError> {
    let row = sqlx::query("SELECT id, name, created_ms FROM organizations WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(pool)
        .await?;
    org_from_row(&row)
}

pub async fn list_orgs(pool: &SqlitePool) -> Result<Vec<Organization>, StoreError> {
    let rows =
        sqlx::query("SELECT id, name, created_ms FROM organizations ORDER BY created_ms, id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(org_from_row).collect()
}

const CLIENT_COLUMNS: &str =
    "id, org_id, name, secret_hash, scopes, token_lifetime_secs, created_ms";

pub async fn create_client(pool: &SqlitePool, c: NewClient) -> Result<OAuthClient, StoreError> {
    let client = OAuthClient {
        id: Uuid::new_v4(),
        org_id: c.org_id,
        name: c.name,
        secret_hash: c.secret_hash,
        scopes: c.scopes,
        token_lifetime_secs: c.token_lifetime_secs,
        created_ms: now_ms(),
    };
    let res = sqlx::query(
        "INSERT INTO oauth_clients (id, org_id, name, secret_hash, scopes, token_lifetime_secs, \
         created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(client.id.to_string())
    .bind(client.org_id.to_string())
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(scopes_to_text(&client.scopes))
    .bind(client.token_lifetime_secs)
    .bind(client.created_ms)
    .execute(pool)
    .await;
    match res {
        Ok(_) => Ok(client),
        // The only foreign key is the organization: an unknown one is "not found".
        Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            Err(StoreError::NotFound)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn get_client(pool: &SqlitePool, id: Uuid) -> Result<OAuthClient, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_one(pool)
    .await?;
    client_from_row(&row)
}

pub async fn list_clients(pool: &SqlitePool, org: Uuid) -> Result<Vec<OAuthClient>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE org_id = ? ORDER BY created_ms, id"
    ))
    .bind(org.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(client_from_row).collect()
}

pub async fn insert_token(pool: &SqlitePool, t: &AccessToken) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_tokens (token_hash, client_id, org_id, scopes, expires_ms, created_ms) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.token_hash)
    .bind(t.client_id.to_string())
    .bind(t.org_id.to_string())
    .bind(scopes_to_text(&t.scopes))
    .bind(t.expires_ms)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn get_token(pool: &SqlitePool, hash: &[u8]) -> Result<AccessToken, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, client_id, org_id, scopes, expires_ms FROM access_tokens \
         WHERE token_hash = ?",
    )
    .bind(hash)
    .fetch_one(pool)
    .await?;
    let scopes: String = row.try_get("scopes")?;
    Ok(AccessToken {
        token_hash: row.try_get("token_hash")?,
        client_id: uuid(&row, "client_id")?,
        org_id: uuid(&row, "org_id")?,
        scopes: text_to_scopes(&scopes),
        expires_ms: row.try_get("expires_ms")?,
    })
}

pub async fn purge_expired_tokens(pool: &SqlitePool, now_ms: i64) -> Result<u64, StoreError> {
    let res = sqlx::query("DELETE FROM access_tokens WHERE expires_ms < ?")
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(res.rows_affected())
}
