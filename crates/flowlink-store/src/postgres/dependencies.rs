//! Dependency-index queries on PostgreSQL (SPEC §5), as on SQLite: a page of the calls into
//! one module from one of the partial indexes of migration 0002, and the organization's stale
//! calls.

use sqlx::postgres::{PgPool, Postgres};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
use crate::records::*;
use crate::rows::{consumer_from_row, stale_from_row};

/// The role column (and so the partial index) a filter reads; a literal so the planner can
/// match the partial index.
fn role(filter: ConsumerFilter) -> &'static str {
    match filter {
        ConsumerFilter::Published => "in_published",
        ConsumerFilter::CheckedIn => "in_checked_in",
        ConsumerFilter::Current => "in_current",
    }
}

fn push_where(qb: &mut QueryBuilder<'_, Postgres>, org: Uuid, module: Uuid, q: &ConsumerQuery) {
    qb.push(" WHERE d.org_id = ")
        .push_bind(org)
        .push(" AND d.module_id = ")
        .push_bind(module)
        .push(format!(" AND d.{}", role(q.filter)));
    if let Some(v) = q.module_version {
        qb.push(" AND (d.module_version = ").push_bind(i64::from(v));
        if q.include_floating {
            qb.push(" OR d.module_version IS NULL");
        }
        qb.push(")");
    }
    if !q.types.is_empty() {
        let types: Vec<String> = q.types.iter().map(|t| t.as_str().to_string()).collect();
        qb.push(" AND d.consumer_type = ANY(")
            .push_bind(types)
            .push(")");
    }
}

const ORDER: &str = "consumer_name_key, consumer_id, consumer_version, module_version NULLS FIRST";

pub async fn consumers_page(
    pool: &PgPool,
    org: Uuid,
    module: Uuid,
    q: &ConsumerQuery,
) -> Result<Page<Consumer>, StoreError> {
    let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) AS n FROM flow_dependencies d");
    push_where(&mut count, org, module, q);
    let total: i64 = count.build().fetch_one(pool).await?.try_get("n")?;
    if total == 0 || q.page.offset() >= total {
        return Ok(Page {
            items: Vec::new(),
            total,
        });
    }
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT p.consumer_id AS id, c.name AS name, p.consumer_type AS flow_type, \
         p.consumer_version AS consumer_version, p.module_version AS module_version FROM (\
         SELECT d.consumer_name_key, d.consumer_id, d.consumer_version, d.module_version, \
         d.consumer_type FROM flow_dependencies d",
    );
    push_where(&mut qb, org, module, q);
    qb.push(format!(" ORDER BY {ORDER} LIMIT "))
        .push_bind(i64::from(q.page.size))
        .push(" OFFSET ")
        .push_bind(q.page.offset())
        .push(
            ") p JOIN flows c ON c.id = p.consumer_id ORDER BY p.consumer_name_key, \
             p.consumer_id, p.consumer_version, p.module_version NULLS FIRST",
        );
    let rows = qb.build().fetch_all(pool).await?;
    let items = rows
        .iter()
        .map(consumer_from_row)
        .collect::<Result<_, StoreError>>()?;
    Ok(Page { items, total })
}

pub async fn stale_dependencies(
    pool: &PgPool,
    org: Uuid,
    kind: StaleKind,
    filter: ConsumerFilter,
) -> Result<Vec<StaleDependency>, StoreError> {
    let stale = match kind {
        StaleKind::Updated => {
            "NOT m.deleted AND d.module_version IS NOT NULL AND m.published_version IS NOT NULL \
             AND d.module_version < m.published_version"
        }
        StaleKind::Deleted => "m.deleted",
    };
    let rows = sqlx::query(&format!(
        "SELECT d.consumer_id AS id, c.name AS name, d.consumer_type AS flow_type, \
         d.consumer_version AS consumer_version, d.module_version AS module_version, \
         m.id AS module_id, m.name AS module_name, m.flow_type AS module_type, \
         m.published_version AS module_published \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         JOIN flows m ON m.id = d.module_id AND m.org_id = d.org_id \
         WHERE d.org_id = $1 AND d.{} AND {stale} \
         ORDER BY d.consumer_name_key, d.consumer_id, d.consumer_version, m.name_key, m.id",
        role(filter)
    ))
    .bind(org)
    .fetch_all(pool)
    .await?;
    rows.iter().map(stale_from_row).collect()
}
