//! Organizations, OAuth clients and access tokens.

use rusqlite::types::Value;
use rusqlite::Connection;
use sqlx::sqlite::SqlitePool;
use uuid::Uuid;

use super::batch::BatchRow;
use super::lite::{is_foreign_key_violation, text, Sql};
use super::rows::scopes_to_text;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::{client_from_row, now_ms, org_from_row, token_from_row, CLIENT_COLUMNS};

pub(super) fn create_org(conn: &Connection, name: &str) -> Result<Organization, StoreError> {
    let org = Organization {
        id: Uuid::new_v4(),
        name: name.to_string(),
        created_ms: now_ms(),
    };
    Sql::with_values(
        "INSERT INTO organizations (id, name, created_ms) VALUES (?, ?, ?)",
        vec![
            text(org.id),
            Value::Text(org.name.clone()),
            Value::Integer(org.created_ms),
        ],
    )
    .execute(conn)?;
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

pub(super) fn create_client(conn: &Connection, c: NewClient) -> Result<OAuthClient, StoreError> {
    let client = c.into_client(Uuid::new_v4(), now_ms());
    let res = Sql::with_values(
        "INSERT INTO oauth_clients (id, org_id, name, secret_hash, scopes, token_lifetime_secs, \
         created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![
            text(client.id),
            text(client.org_id),
            Value::Text(client.name.clone()),
            Value::Text(client.secret_hash.clone()),
            Value::Text(scopes_to_text(&client.scopes)),
            Value::Integer(client.token_lifetime_secs),
            Value::Integer(client.created_ms),
        ],
    )
    .execute(conn);
    match res {
        Ok(_) => Ok(client),
        Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
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

pub(super) fn replace_client_secret_hash(
    conn: &Connection,
    id: Uuid,
    expected: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let changed = Sql::with_values(
        "UPDATE oauth_clients SET secret_hash = ? WHERE id = ? AND secret_hash = ?",
        vec![
            Value::Text(new.into()),
            text(id),
            Value::Text(expected.into()),
        ],
    )
    .execute(conn)?;
    Ok(changed == 1)
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

/// An issued token rendered into its column values, as the batch writer inserts it.
pub struct TokenRow {
    token_hash: Vec<u8>,
    client_id: String,
    org_id: String,
    scopes: String,
    expires_ms: i64,
    created_ms: i64,
}

impl From<&AccessToken> for TokenRow {
    fn from(t: &AccessToken) -> Self {
        TokenRow {
            token_hash: t.token_hash.clone(),
            client_id: t.client_id.to_string(),
            org_id: t.org_id.to_string(),
            scopes: scopes_to_text(&t.scopes),
            expires_ms: t.expires_ms,
            created_ms: now_ms(),
        }
    }
}

impl BatchRow for TokenRow {
    const INSERT: &'static str = "INSERT INTO access_tokens \
         (token_hash, client_id, org_id, scopes, expires_ms, created_ms) VALUES";

    fn values(&self) -> Vec<Value> {
        vec![
            Value::Blob(self.token_hash.clone()),
            Value::Text(self.client_id.clone()),
            Value::Text(self.org_id.clone()),
            Value::Text(self.scopes.clone()),
            Value::Integer(self.expires_ms),
            Value::Integer(self.created_ms),
        ]
    }
}

pub async fn get_token(pool: &SqlitePool, hash: &[u8]) -> Result<AccessToken, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, client_id, org_id, scopes, expires_ms FROM access_tokens \
         WHERE token_hash = ?",
    )
    .bind(hash)
    .fetch_one(pool)
    .await?;
    token_from_row(&row)
}

pub(super) fn revoke_token(conn: &Connection, hash: &[u8]) -> Result<bool, StoreError> {
    let deleted = Sql::with_values(
        "DELETE FROM access_tokens WHERE token_hash = ?",
        vec![Value::Blob(hash.to_vec())],
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

pub(super) fn purge_expired_tokens(conn: &Connection, now_ms: i64) -> Result<u64, StoreError> {
    let deleted = Sql::with_values(
        "DELETE FROM access_tokens WHERE expires_ms < ?",
        vec![Value::Integer(now_ms)],
    )
    .execute(conn)?;
    Ok(deleted as u64)
}
