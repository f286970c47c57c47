//! Our own extractors, so that every malformed request gets a Genesys `ErrorBody` instead of
//! axum's plain-text rejections: JSON bodies (400 malformed, 413 too large, 415 not JSON) and
//! query strings with repeated keys and comma lists.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body within the configured limit. `None` when the body is absent, empty or the
/// JSON literal `null` (the SDKs send those on bodiless POSTs).
async fn read_json_body(req: Request, state: &AppState) -> Result<Option<Bytes>, ApiError> {
    let limit = state.config.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let json = is_json(req.headers());
    let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            ApiError::PayloadTooLarge { limit }
        }
        other => ApiError::bad_request(format!("could not read the request body: {other}")),
    })?;
    let trimmed = bytes.trim_ascii();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    if trimmed == b"null" {
        return Ok(None);
    }
    Ok(Some(bytes))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let invalid =
        |e: serde_json::Error| ApiError::bad_request(format!("The request body is not valid: {e}"));
    // Parsing straight into `T` skips members `T` does not know without checking them, so
    // invalid UTF-8, lone surrogates or nesting past serde_json's depth limit would be
    // accepted there. The whole body must be valid JSON first.
    serde_json::from_slice::<WellFormed>(bytes).map_err(invalid)?;
    serde_json::from_slice(bytes).map_err(invalid)
}

/// Any JSON value, read through (every string decoded, so checked for UTF-8 and lone
/// surrogates; every level counted against the depth limit) and kept nowhere: the check of
/// [`parse`] without building a `serde_json::Value` of the body only to drop it.
struct WellFormed;

impl<'de> serde::Deserialize<'de> for WellFormed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WellFormedVisitor)
    }
}

struct WellFormedVisitor;

impl<'de> serde::de::Visitor<'de> for WellFormedVisitor {
    type Value = WellFormed;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_i64<E>(self, _: i64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_u64<E>(self, _: u64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_f64<E>(self, _: f64) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_str<E>(self, _: &str) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_unit<E>(self) -> Result<WellFormed, E> {
        Ok(WellFormed)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<WellFormed, A::Error> {
        while seq.next_element::<WellFormed>()?.is_some() {}
        Ok(WellFormed)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<WellFormed, A::Error> {
        while map.next_entry::<WellFormed, WellFormed>()?.is_some() {}
        Ok(WellFormed)
    }
}

/// A required JSON body. Absent/empty/`null` → 400.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read_json_body(req, state).await? {
            Some(bytes) => Ok(JsonBody(parse(&bytes)?)),
            None => Err(ApiError::bad_request("A JSON request body is required.")),
        }
    }
}

/// An optional JSON body: absent, empty or `null` → `None` (action POSTs).
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read_json_body(req, state).await? {
            Some(bytes) => Ok(OptionalJsonBody(Some(parse(&bytes)?))),
            None => Ok(OptionalJsonBody(None)),
        }
    }
}

/// Whether percent-decoding `path` (as the `Path` extractor does: `%XX` escapes, anything else
/// kept as written) yields UTF-8. A path whose escapes do not cannot name anything this server
/// serves (ids and version ids are ASCII): [`crate::envelope`] answers it a 404 `ErrorBody`
/// instead of the plain-text 400 the `Path` extractor would.
pub fn decodes_to_utf8(path: &str) -> bool {
    // A `&str` without escapes is UTF-8 already: the common case allocates nothing.
    if !path.contains('%') {
        return true;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        let escaped = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// The decoded query string as ordered pairs, keeping repeated keys.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string (`a=1&b=2&a=3`).
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(QueryParams)
            .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
    }

    /// The last value given for `key` (a later repetition wins), ignoring empty values.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a list parameter: repeated keys and comma-separated lists, combined.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A boolean parameter (`true`/`false`, any case).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(format!(
                "query parameter {key} must be true or false, not '{v}'"
            ))),
        }
    }

    /// An integer parameter within `range`.
    pub fn int_in(
        &self,
        key: &str,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<u32, ApiError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "query parameter {key} must be an integer from {} to {}, not '{v}'",
                range.start(),
                range.end()
            ))),
        }
    }
}

/// A parameter struct read from the query string by [`QueryParams`]' rules (repeated keys,
/// comma lists, the same 400 messages). Each such struct also derives `utoipa::IntoParams`
/// and the handler's annotation names it, so the parameters documented are the ones parsed
/// ([`crate::vocabulary::params`] tests that every documented one is read).
pub trait FromQuery: Sized {
    /// Parses and validates the parameters (a 400 `bad.request` naming the parameter).
    fn from_query(q: &QueryParams) -> Result<Self, ApiError>;
}

/// Extractor of a [`FromQuery`] parameter struct.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let q = QueryParams::from_request_parts(parts, state).await?;
        T::from_query(&q).map(Query)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        QueryParams::parse(parts.uri.query().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_decode_to_invalid_utf8_are_detected() {
        for ok in [
            "/api/v2/flows/x",
            "/a/%2e%2e",
            "/a/%zz",
            "/a/%",
            "/a/%C3%A9",
            "/a/%e2%82%ac",
        ] {
            assert!(decodes_to_utf8(ok), "{ok}");
        }
        for bad in ["/a/%FF", "/a/%C0%AE", "/a/%ED%A0%80", "/a/%e2%82"] {
            assert!(!decodes_to_utf8(bad), "{bad}");
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct Named {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn bodies_are_checked_whole_even_where_the_target_type_skips() {
        let deep = format!(
            "{{\"name\":\"a\",\"x\":{}1{}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let bad: [&[u8]; 6] = [
            br#"{"name":"a","other":"\ud800"}"#,
            br#"{"name":"a","other":{"k":"x\udc00"}}"#,
            b"{\"name\":\"a\",\"other\":\"\xff\xfe\"}",
            b"{\"name\":\"a\",\"\xc0\xaf\":1}",
            br#"{"name":"a","other":[1,}"#,
            deep.as_bytes(),
        ];
        for body in bad {
            // The target type alone would accept all but the last two.
            assert!(
                parse::<Named>(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let good = br#"{"name":"a","other":{"k":["x\u00e9\ud83d\ude00",1,-2,3.5e300,true,null]}}"#;
        assert_eq!(parse::<Named>(good).map(|n| n.name).ok(), Some("a".into()));
    }

    #[test]
    fn lists_combine_repeated_keys_and_commas() {
        let q = QueryParams::parse("type=inboundcall%2Ccommon&type=Bot&pageSize=2&name=").unwrap();
        assert_eq!(q.list("type"), ["inboundcall", "common", "Bot"]);
        assert_eq!(q.get("pageSize"), Some("2"));
        assert_eq!(q.get("name"), None);
        assert_eq!(q.int_in("pageSize", 25, 1..=500).unwrap(), 2);
        assert!(q.int_in("pageSize", 25, 3..=500).is_err());
    }
}
