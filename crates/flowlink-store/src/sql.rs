//! SQL text both backends share word for word: the flow listing's text filters and its order,
//! and which consumer versions a dependency filter selects.
//! (Binds and dialect-specific clauses stay in each backend.)

use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::like::substring_pattern;
use crate::records::{ConsumerFilter, FlowQuery, FlowSort};

/// Appends the name / description substring filters of `q` (`LIKE` with `\` escaping, on the
/// lowercased key columns).
pub(crate) fn push_text_filters<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, q: &FlowQuery)
where
    String: Encode<'a, DB> + Type<DB>,
{
    if let Some(name) = &q.name {
        qb.push(" AND name_key LIKE ")
            .push_bind(substring_pattern(name))
            .push(" ESCAPE '\\'");
    }
    if let Some(d) = &q.description {
        qb.push(" AND description_key LIKE ")
            .push_bind(substring_pattern(d))
            .push(" ESCAPE '\\'");
    }
    if let Some(nd) = &q.name_or_description {
        let pat = substring_pattern(nd);
        qb.push(" AND (name_key LIKE ")
            .push_bind(pat.clone())
            .push(" ESCAPE '\\' OR description_key LIKE ")
            .push_bind(pat)
            .push(" ESCAPE '\\')");
    }
}

/// The `ORDER BY` of a flow listing. Ties are broken by id so paging is stable; text keys
/// compare bytewise on both backends (PostgreSQL's are `COLLATE "C"`).
pub(crate) fn flow_order(q: &FlowQuery) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.sort {
        FlowSort::Id => format!(" ORDER BY id {dir}"),
        FlowSort::Name => format!(" ORDER BY name_key {dir}, id {dir}"),
        FlowSort::Type => format!(" ORDER BY flow_type {dir}, name_key {dir}, id {dir}"),
        FlowSort::Description => {
            format!(" ORDER BY COALESCE(description_key, '') {dir}, id {dir}")
        }
    }
}

/// The condition on `flow_dependencies d JOIN flows c` (the consumer) that selects the
/// consumer versions `filter` counts.
pub(crate) fn version_condition(filter: ConsumerFilter) -> &'static str {
    match filter {
        ConsumerFilter::Published => "d.consumer_version = c.published_version",
        ConsumerFilter::CheckedIn => "d.consumer_version = c.checked_in_version",
        ConsumerFilter::Current => {
            "(d.consumer_version = c.published_version OR d.consumer_version = \
             c.checked_in_version OR d.consumer_version = c.saved_version)"
        }
    }
}
