//! Organizations, OAuth clients and access tokens (single statements, no transaction needed).

use sqlx::postgres::PgPool;
use uuid::Uuid;

use super::rows::store_error;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::{
    client_from_row, is_foreign_key_violation, now_ms, org_from_row, token_from_row, CLIENT_COLUMNS,
};

/// An unknown organization (or client) behind a foreign key is "not found", as on SQLite.
fn not_found_on_fk(e: sqlx::Error) -> StoreError {
    if is_foreign_key_violation(&e) {
        StoreError::NotFound
    } else {
        store_error(e)
    }
}

pub async fn create_org(pool: &PgPool, name: &str) -> Result<Organization, StoreError> {
    let org = Organization {
        id: Uuid::new_v4(),
        name: name.to_string(),
        created_ms: now_ms(),
    };
    sqlx::query("INSERT INTO organizations (id, name, created_ms) VALUES ($1, $2, $3)")
        .bind(org.id)
        .bind(&org.name)
        .bind(org.created_ms)
        .execute(pool)
        .await
        .map_err(store_error)?;
    Ok(org)
}

pub async fn get_org(pool: &PgPool, id: Uuid) -> Result<Organization, StoreError> {
    let row = sqlx::query("SELECT id, name, created_ms FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    org_from_row(&row)
}

pub async fn list_orgs(pool: &PgPool) -> Result<Vec<Organization>, StoreError> {
    let rows =
        sqlx::query("SELECT id, name, created_ms FROM organizations ORDER BY created_ms, id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(org_from_row).collect()
}

pub async fn create_client(pool: &PgPool, c: NewClient) -> Result<OAuthClient, StoreError> {
    let client = c.into_client(Uuid::new_v4(), now_ms());
    sqlx::query(
        "INSERT INTO oauth_clients (id, org_id, name, secret_hash, scopes, token_lifetime_secs, \
         created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(client.id)
    .bind(client.org_id)
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(&client.scopes)
    .bind(client.token_lifetime_secs)
    .bind(client.created_ms)
    .execute(pool)
    .await
    .map_err(not_found_on_fk)?;
    Ok(client)
}

pub async fn get_client(pool: &PgPool, id: Uuid) -> Result<OAuthClient, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(pool)
    .await?;
    client_from_row(&row)
}

pub async fn replace_client_secret_hash(
    pool: &PgPool,
    id: Uuid,
    expected: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let res =
        sqlx::query("UPDATE oauth_clients SET secret_hash = $1 WHERE id = $2 AND secret_hash = $3")
            .bind(new)
            .bind(id)
            .bind(expected)
            .execute(pool)
            .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn list_clients(pool: &PgPool, org: Uuid) -> Result<Vec<OAuthClient>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE org_id = $1 ORDER BY created_ms, id"
    ))
    .bind(org)
    .fetch_all(pool)
    .await?;
    rows.iter().map(client_from_row).collect()
}

pub async fn insert_token(pool: &PgPool, t: &AccessToken) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_tokens (token_hash, client_id, org_id, scopes, expires_ms, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&t.token_hash)
    .bind(t.client_id)
    .bind(t.org_id)
    .bind(&t.scopes)
    .bind(t.expires_ms)
    .bind(now_ms())
    .execute(pool)
    .await
    .map_err(not_found_on_fk)?;
    Ok(())
}

pub async fn get_token(pool: &PgPool, hash: &[u8]) -> Result<AccessToken, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, client_id, org_id, scopes, expires_ms FROM access_tokens \
         WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_one(pool)
    .await?;
    token_from_row(&row)
}

pub async fn revoke_token(pool: &PgPool, hash: &[u8]) -> Result<bool, StoreError> {
    let res = sqlx::query("DELETE FROM access_tokens WHERE token_hash = $1")
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

pub async fn purge_expired_tokens(pool: &PgPool, now_ms: i64) -> Result<u64, StoreError> {
    let res = sqlx::query("DELETE FROM access_tokens WHERE expires_ms < $1")
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(res.rows_affected())
}
