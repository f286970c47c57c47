//! Records of the publishing lifecycle (SPEC §4) and of the dependency-index queries (SPEC §5):
//! which logic version of a flow is "current", what a consumer listing asks for, and the
//! consumers whose module calls went stale (pinned behind the published version, or calling a
//! deleted module).

use flowlink_api::FlowType;
use uuid::Uuid;

use crate::error::Consumer;
use crate::records::{ConsumerFilter, FlowRecord, PageRequest};

impl FlowRecord {
    /// The logic version an editor sees: the draft if there is one, else the checked-in
    /// version, else the published one (without checkout all three are the latest version).
    /// A reverted draft stays in the history but is no longer current.
    pub fn current_version(&self) -> u32 {
        self.saved_version
            .or(self.checked_in_version)
            .or(self.published_version)
            .unwrap_or(self.latest_version)
    }
}

/// A page of the dependency rows that call one module: one entry per (consumer, consumer
/// version, binding), ordered by consumer name, id and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerQuery {
    /// Which consumer versions count.
    pub filter: ConsumerFilter,
    /// Only calls bound to this module version: pinned to it, or floating when
    /// `include_floating` (the caller sets it when this is the module's published version).
    pub module_version: Option<u32>,
    pub include_floating: bool,
    /// Only consumers of these types (empty = any).
    pub types: Vec<FlowType>,
    pub page: PageRequest,
}

impl ConsumerQuery {
    /// Every consumer selected by `filter`, first page of `page`.
    pub fn all(filter: ConsumerFilter, page: PageRequest) -> Self {
        ConsumerQuery {
            filter,
            module_version: None,
            include_floating: true,
            types: Vec::new(),
            page,
        }
    }
}

/// Which stale calls to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleKind {
    /// Calls pinned to a version older than the module's published one.
    Updated,
    /// Calls to a module that has been deleted.
    Deleted,
}

/// One stale call: a consumer version and the module it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleDependency {
    /// The consumer (its version and the pin of the call).
    pub consumer: Consumer,
    pub module_id: Uuid,
    pub module_name: String,
    pub module_type: FlowType,
    /// The module's published version, if any.
    pub module_published: Option<u32>,
}
