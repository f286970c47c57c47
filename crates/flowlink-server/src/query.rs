//! Query-string rules shared by the parameter structs ([`crate::vocabulary::params`]) and the
//! handlers that read [`QueryParams`] directly: paging and substring filters (reference §4.2).

use flowlink_store::PageRequest;

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
pub fn text_filter(q: &QueryParams, key: &str) -> Result<Option<String>, ApiError> {
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
