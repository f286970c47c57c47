//! Organizations, OAuth clients and access tokens.

use sqlx::sqlite::SqlitePool;
use uuid::Uuid;

use super::batch::{BatchRow, BoxFut, SqliteQuery};
use super::rows::scopes_to_text;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::{
    client_from_row, is_foreign_key_violation, now_ms, org_from_row, token_from_row, CLIENT_COLUMNS,
};

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

pub async fn create_client(pool: &SqlitePool, c: NewClient) -> Result<OAuthClient, StoreError> {
    let client = c.into_client(Uuid::new_v4(), now_ms());
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

pub async fn replace_client_secret_hash(
    pool: &SqlitePool,
    id: Uuid,
    expected: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let res =
        sqlx::query("UPDATE oauth_clients SET secret_hash = ? WHERE id = ? AND secret_hash = ?")
            .bind(new)
            .bind(id.to_string())
            .bind(expected)
            .execute(pool)
            .await?;
    Ok(res.rows_affected() == 1)
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
    const PLACEHOLDERS: &'static str = "(?, ?, ?, ?, ?, ?)";

    fn bind<'q>(&'q self, query: SqliteQuery<'q>) -> SqliteQuery<'q> {
        query
            .bind(&self.token_hash)
            .bind(&self.client_id)
            .bind(&self.org_id)
            .bind(&self.scopes)
            .bind(self.expires_ms)
            .bind(self.created_ms)
    }

    fn insert_one<'a>(&'a self, pool: &'a SqlitePool) -> BoxFut<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = format!("{} {}", Self::INSERT, Self::PLACEHOLDERS);
            self.bind(sqlx::query(&sql)).execute(pool).await?;
            Ok(())
        })
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

pub async fn revoke_token(pool: &SqlitePool, hash: &[u8]) -> Result<bool, StoreError> {
    let res = sqlx::query("DELETE FROM access_tokens WHERE token_hash = ?")
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

pub async fn purge_expired_tokens(pool: &SqlitePool, now_ms: i64) -> Result<u64, StoreError> {
    let res = sqlx::query("DELETE FROM access_tokens WHERE expires_ms < ?")
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(res.rows_affected())
}
