//! `flowlink backup` and `flowlink restore`: a consistent copy of a SQLite data directory's
//! database taken while the server serves, and putting one back
//! (`flowlink_store::sqlite::backup` does the work).
//!
//! PostgreSQL is not copied by flowlink: its own tools do it online and consistently
//! (`pg_dump`, `pg_restore`), and the commands say so instead of doing half a job.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;

use flowlink_store::sqlite::backup;
use flowlink_store::StoreLocation;

/// `flowlink backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `flowlink restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (written by `flowlink backup`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Replace the database the data dir already holds (never one a running server has open).
    #[arg(long)]
    pub force: bool,
}

const PG_BACKUP: &str = "flowlink backup copies the SQLite database of a --data-dir; for \
    PostgreSQL use its own online tool: pg_dump --format=custom --file flowlink.dump \"$URL\"";
const PG_RESTORE: &str = "flowlink restore writes a SQLite --data-dir; for PostgreSQL restore a \
    pg_dump with pg_restore --dbname \"$URL\" flowlink.dump";

/// The SQLite database file behind `--data-dir` / `--database-url`, or why there is none.
fn sqlite_file(dir: &Path, database_url: Option<&str>, pg: &str) -> anyhow::Result<PathBuf> {
    match database_url.map(StoreLocation::parse).transpose()? {
        None => Ok(dir.join(backup::DB_FILE)),
        Some(StoreLocation::SqliteDir(d)) => Ok(d.join(backup::DB_FILE)),
        Some(StoreLocation::SqliteFile(f)) => Ok(f),
        Some(StoreLocation::Postgres(_)) => bail!("{pg}"),
    }
}

/// Writes a consistent copy of the live database to `--out`.
pub async fn backup(
    args: &BackupArgs,
    dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    let db = sqlite_file(dir, database_url, PG_BACKUP)?;
    backup::backup(&db, &args.out)
        .await
        .with_context(|| format!("cannot back up {}", db.display()))?;
    let bytes = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "backed up {} to {} ({bytes} bytes, integrity ok)",
        db.display(),
        args.out.display()
    );
    Ok(())
}

/// Restores `--from` into the data dir.
pub async fn restore(
    args: &RestoreArgs,
    dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    let db = sqlite_file(dir, database_url, PG_RESTORE)?;
    let Some(target) = db.parent() else {
        bail!("{} has no directory", db.display());
    };
    if db.file_name() != Some(std::ffi::OsStr::new(backup::DB_FILE)) {
        bail!("flowlink restore writes a data directory (--data-dir), not a sqlite: file");
    }
    let restored = backup::restore(&args.from, target, args.force)
        .await
        .with_context(|| format!("cannot restore {}", args.from.display()))?;
    eprintln!(
        "restored {} into {} (integrity ok, migrations current)",
        args.from.display(),
        restored.display()
    );
    Ok(())
}
