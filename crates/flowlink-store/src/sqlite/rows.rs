//! How SQLite stores what it has no native column for: UUIDs as text, booleans as 0/1
//! integers, scopes as one space-separated text, execution traces compressed
//! ([`super::packed`]). Everything else is decoded by the
//! backend-neutral `crate::rows`.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use uuid::Uuid;

use crate::error::StoreError;
use crate::rows::{parse_uuid, DbRow};

impl DbRow for SqliteRow {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        parse_uuid(col, self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool, StoreError> {
        Ok(self.try_get::<i64, _>(col)? != 0)
    }
    fn scopes(&self, col: &str) -> Result<Vec<String>, StoreError> {
        Ok(scopes_from_text(&self.try_get::<String, _>(col)?))
    }
    fn packed_text(&self, col: &str) -> Result<String, StoreError> {
        super::packed::unpack(col, self.try_get::<Vec<u8>, _>(col)?)
    }
}

/// Scopes from the space-separated text SQLite stores.
pub fn scopes_from_text(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Scopes as SQLite stores them: space-separated.
pub fn scopes_to_text(scopes: &[String]) -> String {
    scopes.join(" ")
}
