//! Choosing the backend once, at start-up, from where the data lives: a `postgres://` or
//! `postgresql://` URL selects PostgreSQL; anything else is a SQLite data directory (or, with a
//! `sqlite:` prefix, a database file). Everything after start-up talks to `dyn Store`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::StoreError;
use crate::postgres::{DatabaseUrl, PostgresStore};
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// Where a store lives. `Display` never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A PostgreSQL database (shared by any number of server replicas).
    Postgres(DatabaseUrl),
    /// A directory holding `flowlink.db` (created if missing).
    SqliteDir(PathBuf),
    /// A SQLite database file, written `sqlite:PATH` or `sqlite://PATH`.
    SqliteFile(PathBuf),
}

impl StoreLocation {
    /// Classifies a `--database-url` / data-dir argument.
    pub fn parse(location: &str) -> Result<Self, StoreError> {
        let location = location.trim();
        if location.is_empty() {
            return Err(StoreError::Backend(
                "empty database location: give a SQLite data directory or a postgres:// URL".into(),
            ));
        }
        if DatabaseUrl::is_postgres(location) {
            return DatabaseUrl::parse(location).map(StoreLocation::Postgres);
        }
        if let Some(file) = strip_prefix_ignore_case(location, "sqlite:") {
            let file = file.strip_prefix("//").unwrap_or(file);
            if file.is_empty() {
                return Err(StoreError::Backend(
                    "'sqlite:' needs a database file path, e.g. sqlite:///var/lib/flowlink.db"
                        .into(),
                ));
            }
            return Ok(StoreLocation::SqliteFile(PathBuf::from(file)));
        }
        if location.contains("://") {
            return Err(StoreError::Backend(format!(
                "unsupported database URL '{}': use postgres://… or a SQLite data directory",
                crate::postgres::redact(location)
            )));
        }
        Ok(StoreLocation::SqliteDir(PathBuf::from(location)))
    }

    /// Short backend name for logs and `--help` output: `postgres` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        match self {
            StoreLocation::Postgres(_) => "postgres",
            StoreLocation::SqliteDir(_) | StoreLocation::SqliteFile(_) => "sqlite",
        }
    }

    /// Opens (creating and migrating as needed) the store at this location.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            StoreLocation::Postgres(url) => Arc::new(PostgresStore::connect(url).await?),
            StoreLocation::SqliteDir(dir) => Arc::new(SqliteStore::open_dir(dir).await?),
            StoreLocation::SqliteFile(file) => Arc::new(SqliteStore::open(file).await?),
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Postgres(url) => write!(f, "{url}"),
            StoreLocation::SqliteDir(dir) => write!(f, "{}", dir.display()),
            StoreLocation::SqliteFile(file) => write!(f, "sqlite:{}", file.display()),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Postgres(url) => f.debug_tuple("Postgres").field(url).finish(),
            StoreLocation::SqliteDir(dir) => f.debug_tuple("SqliteDir").field(dir).finish(),
            StoreLocation::SqliteFile(file) => f.debug_tuple("SqliteFile").field(file).finish(),
        }
    }
}

/// Opens the store at `location`: `postgres://…`/`postgresql://…` → [`PostgresStore`],
/// `sqlite:FILE` → that SQLite file, anything else → a SQLite data directory.
pub async fn open_store(location: &str) -> Result<Arc<dyn Store>, StoreError> {
    StoreLocation::parse(location)?.open().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_backend() {
        for url in [
            "postgres://u:p@h/db",
            "postgresql://h/db",
            "PostgreSQL://h/db",
        ] {
            let loc = StoreLocation::parse(url).unwrap();
            assert_eq!(loc.backend(), "postgres", "{url}");
        }
        assert_eq!(
            StoreLocation::parse("/var/lib/flowlink").unwrap(),
            StoreLocation::SqliteDir("/var/lib/flowlink".into())
        );
        assert_eq!(
            StoreLocation::parse("sqlite:///tmp/x.db").unwrap(),
            StoreLocation::SqliteFile("/tmp/x.db".into())
        );
        assert_eq!(
            StoreLocation::parse("sqlite:data/x.db").unwrap(),
            StoreLocation::SqliteFile("data/x.db".into())
        );
    }

    #[test]
    fn bad_locations_are_explained_without_secrets() {
        for bad in ["", "  ", "sqlite:", "mysql://u:s3cret@h/db"] {
            let err = StoreLocation::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("s3cret"), "{err}");
            assert!(!err.is_empty());
        }
    }

    #[test]
    fn printing_a_location_hides_the_password() {
        let loc = StoreLocation::parse("postgres://flow:s3cret@h:5432/db").unwrap();
        assert_eq!(loc.to_string(), "postgres://flow:***@h:5432/db");
        assert!(!format!("{loc:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn opens_sqlite_in_a_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested");
        let store = open_store(path.to_str().unwrap()).await.unwrap();
        let org = store.create_org("acme").await.unwrap();
        assert_eq!(store.get_org(org.id).await.unwrap(), org);
        assert!(path.join("flowlink.db").exists());
    }
}
