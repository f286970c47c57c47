//! The query parameters of `GET /api/v2/flows` (reference §4.2) → a store `FlowQuery`.

use flowlink_api::FlowType;
use flowlink_store::{FlowQuery, FlowSort, PageRequest};
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::QueryParams;

/// Largest `pageSize` accepted.
pub const MAX_PAGE_SIZE: u32 = 500;

/// `pageNumber` (default 1) and `pageSize` (default 25, 1..=500).
pub fn page(q: &QueryParams) -> Result<PageRequest, ApiError> {
    Ok(PageRequest {
        number: q.int_in("pageNumber", 1, 1..=u32::MAX / MAX_PAGE_SIZE)?,
        size: q.int_in("pageSize", 25, 1..=MAX_PAGE_SIZE)?,
    })
}

/// Longest substring filter accepted, in characters. SQLite refuses `LIKE` patterns over
/// 50,000 bytes (a 500 before this cap); escaped, 1,000 characters stay far below that.
pub const MAX_FILTER_CHARS: usize = 1000;

/// A substring filter. NUL cannot be matched literally (SQLite ends a `LIKE` pattern at the
/// first NUL, which turned `name=%00` into "match everything"), so it is refused, and so is a
/// filter over [`MAX_FILTER_CHARS`].
fn text_filter(q: &QueryParams, key: &str) -> Result<Option<String>, ApiError> {
    match q.get(key) {
        Some(v) if v.contains('\0') => Err(ApiError::bad_request(format!(
            "query parameter {key} must not contain NUL characters"
        ))),
        Some(v) if v.chars().count() > MAX_FILTER_CHARS => Err(ApiError::bad_request(format!(
            "query parameter {key} is longer than {MAX_FILTER_CHARS} characters"
        ))),
        other => Ok(other.map(str::to_string)),
    }
}

/// Parses the flow listing filters. Types accept any case, comma lists, repeated keys and the
/// seed aliases; `id` makes every other filter irrelevant (the store ignores them).
pub fn flow_query(q: &QueryParams) -> Result<FlowQuery, ApiError> {
    let types = q
        .list("type")
        .iter()
        .map(|t| {
            t.parse::<FlowType>()
                .map_err(|e| ApiError::bad_request(format!("query parameter type: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sort = match q.get("sortBy").map(str::to_ascii_lowercase).as_deref() {
        None | Some("id") => FlowSort::Id,
        Some("name") => FlowSort::Name,
        Some("type") => FlowSort::Type,
        Some("description") => FlowSort::Description,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "query parameter sortBy must be one of id, name, type, description, not '{other}'"
            )))
        }
    };
    let descending = match q.get("sortOrder").map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") | Some("ascending") => false,
        Some("desc") | Some("descending") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "query parameter sortOrder must be asc or desc, not '{other}'"
            )))
        }
    };
    // An id that is not a UUID matches nothing; it is not an error (the real API ignores it).
    let ids_given = q.list("id");
    let mut ids: Vec<Uuid> = ids_given
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
    if !ids_given.is_empty() && ids.is_empty() {
        ids.push(Uuid::nil());
    }
    Ok(FlowQuery {
        ids,
        types,
        name: text_filter(q, "name")?,
        description: text_filter(q, "description")?,
        name_or_description: text_filter(q, "nameOrDescription")?,
        include_deleted: q.bool("deleted")?.unwrap_or(false),
        active: q.bool("active")?,
        sort,
        descending,
        page: page(q)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_genesys_parameters() {
        let q = QueryParams::parse(
            "type=INBOUNDCALL,common&type=inbound&sortBy=Name&sortOrder=descending&pageSize=5\
             &deleted=true&active=false&nameOrDescription=x",
        )
        .unwrap();
        let fq = flow_query(&q).unwrap();
        assert_eq!(
            fq.types,
            [
                FlowType::InboundCall,
                FlowType::CommonModule,
                FlowType::InboundCall
            ]
        );
        assert_eq!(fq.sort, FlowSort::Name);
        assert!(fq.descending && fq.include_deleted);
        assert_eq!(fq.active, Some(false));
        assert_eq!(fq.page, PageRequest { number: 1, size: 5 });
        for bad in [
            "pageSize=0",
            "pageSize=501",
            "pageNumber=0",
            "sortBy=x",
            "type=nope",
            "name=a%00",
            "nameOrDescription=%00",
        ] {
            assert!(
                flow_query(&QueryParams::parse(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }
}
