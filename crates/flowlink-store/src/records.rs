//! The rows the store reads and writes, as plain Rust values (no SQL, no HTTP).

use flowlink_api::FlowType;
use std::sync::Arc;

use serde_json::Value;
use uuid::Uuid;

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub created_ms: i64,
}

/// An OAuth client as stored. `secret_hash` is a self-describing hash string: `sha256:…`
/// (current), or the argon2 PHC string (`$argon2id$…`) an earlier release stored.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub scopes: Vec<String>,
    pub token_lifetime_secs: i64,
    pub created_ms: i64,
}

// The hash is not a secret in itself, but there is no reason to spread it through logs.
impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("name", &self.name)
            .field("secret_hash", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .finish()
    }
}

/// What it takes to register a client; the caller hashes the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub org_id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub scopes: Vec<String>,
    pub token_lifetime_secs: i64,
}

impl NewClient {
    /// The client as stored with the id and creation time the store assigned.
    pub(crate) fn into_client(self, id: Uuid, created_ms: i64) -> OAuthClient {
        OAuthClient {
            id,
            org_id: self.org_id,
            name: self.name,
            secret_hash: self.secret_hash,
            scopes: self.scopes,
            token_lifetime_secs: self.token_lifetime_secs,
            created_ms,
        }
    }
}

/// An issued access token, identified by the SHA-256 of the token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token_hash: Vec<u8>,
    pub client_id: Uuid,
    pub org_id: Uuid,
    pub scopes: Vec<String>,
    pub expires_ms: i64,
}

/// The dialect a flow's logic was written in: the one type of `flowlink-api` (stored as
/// [`Dialect::as_str`]).
pub use flowlink_api::Dialect;

/// How a logic version came to be (a draft save, a check-in, a publish): the Genesys
/// `FlowVersionType` of `flowlink-api`, stored as its wire spelling
/// ([`VersionKind::as_str`]). One type; the store calls it by the role it plays here.
pub use flowlink_api::FlowVersionType as VersionKind;

/// One module call found in a logic document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModuleRef {
    /// The id of the node/action making the call (for error messages).
    pub node_id: String,
    /// The module's flow id as written.
    pub module_id: String,
    /// Pinned logic version; `None` floats.
    pub version: Option<u32>,
}

/// A new logic version to write: the document exactly as written, its dialect (`None` for
/// empty logic), the module calls it makes, and how it becomes live.
#[derive(Debug, Clone, PartialEq)]
pub struct LogicWrite {
    /// Shared, not copied: the server keeps it as the flow's current document once written.
    pub document: Arc<Value>,
    pub dialect: Option<Dialect>,
    pub calls: Vec<ModuleRef>,
    /// `Publish` makes it `publishedVersion` at once (the seeds' way); `Save` only
    /// `savedVersion` (checkout lifecycle).
    pub kind: VersionKind,
}

/// A flow to create. Its logic becomes version 1.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlow {
    pub org_id: Uuid,
    pub flow_type: FlowType,
    pub name: String,
    pub description: Option<String>,
    pub error_handling: Option<String>,
    pub logic: LogicWrite,
    /// The OAuth client making the write.
    pub client_id: Option<Uuid>,
}

/// A change to an existing flow. `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowUpdate {
    /// Optimistic lock: apply only if the flow is at this `version`. `None` = unconditional.
    pub expected_version: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub error_handling: Option<String>,
    /// A new logic version, if the logic changed.
    pub logic: Option<LogicWrite>,
    pub client_id: Option<Uuid>,
}

/// A flow as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub flow_type: FlowType,
    pub name: String,
    pub description: Option<String>,
    /// Optimistic-concurrency token.
    pub version: i64,
    pub dialect: Option<Dialect>,
    pub active: bool,
    pub deleted: bool,
    pub locked_client_id: Option<Uuid>,
    pub published_version: Option<u32>,
    pub saved_version: Option<u32>,
    pub checked_in_version: Option<u32>,
    /// Highest logic version number (≥ 1).
    pub latest_version: u32,
    pub published_ms: Option<i64>,
    pub error_handling: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

/// One immutable logic version.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowVersionRecord {
    pub flow_id: Uuid,
    pub number: u32,
    pub document: Value,
    pub dialect: Option<Dialect>,
    pub kind: VersionKind,
    pub created_ms: i64,
    pub created_by_client: Option<Uuid>,
    pub published_ms: Option<i64>,
}

/// Sort key of a flow listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlowSort {
    #[default]
    Id,
    Name,
    Type,
    Description,
}

/// A flow listing query. If `ids` is non-empty every other filter is ignored (Genesys rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowQuery {
    pub ids: Vec<Uuid>,
    pub types: Vec<FlowType>,
    /// Case-insensitive substring; `*` is a wildcard; `%` and `_` match literally.
    pub name: Option<String>,
    pub description: Option<String>,
    pub name_or_description: Option<String>,
    /// `true` includes soft-deleted flows.
    pub include_deleted: bool,
    pub active: Option<bool>,
    pub sort: FlowSort,
    pub descending: bool,
    pub page: PageRequest,
}

impl FlowQuery {
    /// The flows `ids` (deleted ones included), all on one page.
    pub fn by_ids(ids: Vec<Uuid>) -> Self {
        FlowQuery {
            page: PageRequest {
                number: 1,
                size: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            },
            ids,
            include_deleted: true,
            ..FlowQuery::default()
        }
    }
}

impl Default for FlowQuery {
    fn default() -> Self {
        FlowQuery {
            ids: Vec::new(),
            types: Vec::new(),
            name: None,
            description: None,
            name_or_description: None,
            include_deleted: false,
            active: None,
            sort: FlowSort::Id,
            descending: false,
            page: PageRequest::default(),
        }
    }
}

/// 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: u32,
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            number: 1,
            size: 25,
        }
    }
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.number.saturating_sub(1)) * i64::from(self.size)
    }
}

/// One page of results plus the total number of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Which consumer versions count when asking who calls a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerFilter {
    /// Consumers whose published version calls it.
    Published,
    /// Consumers whose checked-in version calls it.
    CheckedIn,
    /// Consumers whose published, checked-in or saved (draft) version calls it.
    Current,
}

/// A module→module call edge among the current (published, checked-in or saved) versions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModuleEdge {
    pub caller: Uuid,
    pub caller_name: String,
    pub callee: Uuid,
    pub callee_name: String,
}

/// One simulated call through a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub flow_id: Uuid,
    pub flow_version: u32,
    pub name: Option<String>,
    /// `COMPLETED`, `FAILED`, ...
    pub status: String,
    pub launched_ms: i64,
    pub completed_ms: Option<i64>,
    pub outcome: Option<String>,
    pub action_count: i64,
    /// The trace document, serialized once where the execution ran and stored as it is.
    pub trace: JsonText,
    pub output: Value,
    pub client_id: Option<Uuid>,
}

/// A JSON document kept as its text: serialized once where it is made, then stored and handed
/// around as is, without a [`Value`] round trip on the write path. Cloning shares the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(std::sync::Arc<str>);

impl JsonText {
    /// `value` serialized.
    pub fn of<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(|text| JsonText(text.into()))
    }

    /// Text read back from storage, where only [`JsonText::of`]'s output is written.
    pub(crate) fn stored(text: String) -> Self {
        JsonText(text.into())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The document as a [`Value`] (object keys sorted, as every `Value` here has them).
    pub fn parse(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl From<&Value> for JsonText {
    fn from(value: &Value) -> Self {
        JsonText(value.to_string().into())
    }
}
