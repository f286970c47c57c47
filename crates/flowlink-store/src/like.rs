//! Turning a user's name filter into a SQL `LIKE` pattern that matches it literally.

/// The escape character used with `LIKE ... ESCAPE '\'`.
pub const LIKE_ESCAPE: char = '\\';

/// Builds a case-insensitive substring pattern from a Genesys name filter: the input is
/// lowercased, the `LIKE` metacharacters `%`, `_` and `\` are escaped so they match themselves,
/// and `*` (the Genesys wildcard) becomes `%`. Use with `column LIKE ? ESCAPE '\'` on a
/// lowercased column.
pub fn substring_pattern(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len() + 2);
    out.push('%');
    for c in filter.to_lowercase().chars() {
        match c {
            '%' | '_' | LIKE_ESCAPE => {
                out.push(LIKE_ESCAPE);
                out.push(c);
            }
            '*' => out.push('%'),
            other => out.push(other),
        }
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_metacharacters_and_maps_star() {
        assert_eq!(substring_pattern("Main"), "%main%");
        assert_eq!(substring_pattern("50%_off"), "%50\\%\\_off%");
        assert_eq!(substring_pattern("a\\b"), "%a\\\\b%");
        assert_eq!(substring_pattern("Main*IVR"), "%main%ivr%");
    }
}
