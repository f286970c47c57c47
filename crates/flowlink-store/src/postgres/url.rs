//! The PostgreSQL connection URL as a value that cannot leak its password: `Debug` and
//! `Display` print it redacted, and the full text is only reachable through
//! [`DatabaseUrl::expose_secret`], whose name says what it does.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;

/// What replaces a password when a URL is printed.
const REDACTED: &str = "***";

/// A `postgres://` / `postgresql://` URL. Safe to log: formatting it hides the password (in the
/// user-info part and in a `password=` query parameter).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Accepts `postgres://…` and `postgresql://…` URLs (the scheme in any case).
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if Self::is_postgres(url) {
            Ok(DatabaseUrl(url.to_string()))
        } else {
            Err(StoreError::Backend(format!(
                "not a PostgreSQL URL: '{}' (expected postgres://user:password@host:port/database)",
                redact(url)
            )))
        }
    }

    /// Whether `s` has a PostgreSQL scheme.
    pub fn is_postgres(s: &str) -> bool {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    /// The URL including its password, for handing to the driver. Never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(s)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Hides the password of any `scheme://user:password@host…` text. Deliberately errs on the side
/// of hiding too much: the user-info ends at the *last* `@`, so a password containing an
/// unencoded `/`, `?` or `@` is still hidden whole.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return redact_query(url);
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let rest = match rest.rfind('@') {
        Some(at) => {
            let (userinfo, host) = rest.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:{REDACTED}{host}", &userinfo[..colon]),
                None => rest.to_string(),
            }
        }
        None => rest.to_string(),
    };
    redact_query(&format!("{scheme}{rest}"))
}

/// Hides the value of a `password=` query parameter (libpq and sqlx accept one).
fn redact_query(url: &str) -> String {
    let Some(q) = url.find('?') else {
        return url.to_string();
    };
    let (base, query) = url.split_at(q + 1);
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={REDACTED}"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_password() {
        let url = DatabaseUrl::parse("postgres://flow:s3cret@db.example:5432/flowlink").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://flow:***@db.example:5432/flowlink"
        );
        assert_eq!(
            format!("{url:?}"),
            "DatabaseUrl(\"postgres://flow:***@db.example:5432/flowlink\")"
        );
        assert!(!format!("{url:?} {url} {url:#?}").contains("s3cret"));
        assert_eq!(
            url.expose_secret(),
            "postgres://flow:s3cret@db.example:5432/flowlink"
        );
    }

    #[test]
    fn awkward_passwords_are_hidden_whole() {
        for (input, shown) in [
            ("postgresql://u:p/a?s@h/db", "postgresql://u:***@h/db"),
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
            (
                "postgres://h/db?user=u&password=s3cret&sslmode=require",
                "postgres://h/db?user=u&password=***&sslmode=require",
            ),
            ("POSTGRES://u:s3cret@h/db", "POSTGRES://u:***@h/db"),
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.to_string(), shown, "{input}");
        }
    }

    #[test]
    fn urls_without_a_password_are_unchanged() {
        for plain in [
            "postgres://u@h/db",
            "postgres://h:5432/db",
            "postgres:///db",
        ] {
            assert_eq!(DatabaseUrl::parse(plain).unwrap().to_string(), plain);
        }
    }

    #[test]
    fn other_schemes_are_rejected_without_echoing_secrets() {
        let err = DatabaseUrl::parse("mysql://u:s3cret@h/db").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mysql://u:***@h/db"), "{text}");
        assert!(!text.contains("s3cret"));
        assert!(DatabaseUrl::parse("/var/lib/flowlink").is_err());
    }
}
