//! Dependency-index queries on SQLite (SPEC §5): a page of the calls into one module, and the
//! organization's stale calls.
//!
//! A consumer page is answered from one of the partial indexes of migration 0002 (chosen by the
//! consumer filter, in listing order and covering every filter), so its cost depends on the
//! page, not on how many flows call the module; the total is a count over the same range.

use sqlx::sqlite::{Sqlite, SqlitePool};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
use crate::records::*;
use crate::rows::{consumer_from_row, stale_from_row};

/// The role column (and so the partial index) a filter reads. A literal, so the planner can
/// match the partial index.
fn role(filter: ConsumerFilter) -> &'static str {
    match filter {
        ConsumerFilter::Published => "in_published",
        ConsumerFilter::CheckedIn => "in_checked_in",
        ConsumerFilter::Current => "in_current",
    }
}

/// The partial index of a filter, named explicitly: without `ANALYZE` statistics SQLite
/// prefers the narrower `(org_id, module_id)` index, which is not covering and costs a table
/// lookup per consumer.
fn index(filter: ConsumerFilter) -> &'static str {
    match filter {
        ConsumerFilter::Published => "flow_dependencies_published",
        ConsumerFilter::CheckedIn => "flow_dependencies_checked_in",
        ConsumerFilter::Current => "flow_dependencies_current",
    }
}

fn push_where(qb: &mut QueryBuilder<'_, Sqlite>, org: Uuid, module: Uuid, q: &ConsumerQuery) {
    qb.push(" WHERE d.org_id = ")
        .push_bind(org.to_string())
        .push(" AND d.module_id = ")
        .push_bind(module.to_string())
        .push(format!(" AND d.{} = 1", role(q.filter)));
    if let Some(v) = q.module_version {
        qb.push(" AND (d.module_version = ").push_bind(i64::from(v));
        if q.include_floating {
            qb.push(" OR d.module_version IS NULL");
        }
        qb.push(")");
    }
    if !q.types.is_empty() {
        qb.push(" AND d.consumer_type IN (");
        let mut sep = qb.separated(", ");
        for t in &q.types {
            sep.push_bind(t.as_str());
        }
        qb.push(")");
    }
}

pub async fn consumers_page(
    pool: &SqlitePool,
    org: Uuid,
    module: Uuid,
    q: &ConsumerQuery,
) -> Result<Page<Consumer>, StoreError> {
    let mut count = QueryBuilder::<Sqlite>::new(format!(
        "SELECT COUNT(*) AS n FROM flow_dependencies d INDEXED BY {}",
        index(q.filter)
    ));
    push_where(&mut count, org, module, q);
    let total: i64 = count.build().fetch_one(pool).await?.try_get("n")?;
    if total == 0 || q.page.offset() >= total {
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }
    // The page is cut from the index first; only its rows meet the flows table (for the name
    // as written rather than its lowercased key).
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT p.consumer_id AS id, c.name AS name, p.consumer_type AS flow_type, \
         p.consumer_version AS consumer_version, p.module_version AS module_version FROM (\
         SELECT d.consumer_name_key, d.consumer_id, d.consumer_version, d.module_version, \
         d.consumer_type FROM flow_dependencies d INDEXED BY {}",
        index(q.filter)
    ));
    push_where(&mut qb, org, module, q);
    qb.push(
        " ORDER BY d.consumer_name_key, d.consumer_id, d.consumer_version, d.module_version \
         LIMIT ",
    )
    .push_bind(i64::from(q.page.size))
    .push(" OFFSET ")
    .push_bind(q.page.offset())
    .push(
        ") p JOIN flows c ON c.id = p.consumer_id ORDER BY p.consumer_name_key, p.consumer_id, \
         p.consumer_version, p.module_version",
    );
    let rows = qb.build().fetch_all(pool).await?;
    let items = rows
        .iter()
        .map(consumer_from_row)
        .collect::<Result<_, StoreError>>()?;
    Ok(Page { items, total })
}

pub async fn stale_dependencies(
    pool: &SqlitePool,
    org: Uuid,
    kind: StaleKind,
    filter: ConsumerFilter,
) -> Result<Vec<StaleDependency>, StoreError> {
    let stale = match kind {
        StaleKind::Updated => {
            "m.deleted = 0 AND d.module_version IS NOT NULL AND m.published_version IS NOT NULL \
             AND d.module_version < m.published_version"
        }
        StaleKind::Deleted => "m.deleted = 1",
    };
    let rows = sqlx::query(&format!(
        "SELECT d.consumer_id AS id, c.name AS name, d.consumer_type AS flow_type, \
         d.consumer_version AS consumer_version, d.module_version AS module_version, \
         m.id AS module_id, m.name AS module_name, m.flow_type AS module_type, \
         m.published_version AS module_published \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         JOIN flows m ON m.id = d.module_id AND m.org_id = d.org_id \
         WHERE d.org_id = ? AND d.{} = 1 AND {stale} \
         ORDER BY d.consumer_name_key, d.consumer_id, d.consumer_version, m.name_key, m.id",
        role(filter)
    ))
    .bind(org.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(stale_from_row).collect()
}
