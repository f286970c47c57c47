//! Single-flow answers (`GET /api/v2/flows/{id}`, `GET /api/v2/flows/flowmodules/{id}`) kept as
//! the JSON bytes last sent, so a read of an unchanged flow is a row read and a copy, not a
//! render and a serialization.
//!
//! Exact on every backend, replicas included: an answer is reused only when the flow's row,
//! just read from the store, equals the row it was rendered from; the rest of the answer is the
//! current version's logic document, which never changes once written. Flows held by a client
//! are not kept (the holder's name is looked up on each read).

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use flowlink_store::FlowRecord;
use uuid::Uuid;

use crate::bounded::TwoGenerations;

/// Rendered single-flow answers by (organization, flow id), each with the row it shows.
/// Bounded (see [`TwoGenerations`]).
pub struct RenderedFlows {
    entries: TwoGenerations<(Uuid, Uuid), (FlowRecord, Bytes)>,
}

impl Default for RenderedFlows {
    fn default() -> Self {
        RenderedFlows {
            entries: TwoGenerations::new(Self::CAPACITY),
        }
    }
}

impl RenderedFlows {
    /// Entries kept at most.
    pub const CAPACITY: usize = 4096;

    /// The answer last rendered for `rec`, if `rec` is still the row it was rendered from.
    pub fn get(&self, rec: &FlowRecord) -> Option<Bytes> {
        self.entries
            .get_if(&(rec.org_id, rec.id), |(shown, _)| shown == rec)
            .map(|(_, body)| body)
    }

    /// Remembers `body` as the answer for `rec` (not for a flow held by a client).
    pub fn insert(&self, rec: &FlowRecord, body: Bytes) {
        if rec.locked_client_id.is_some() {
            return;
        }
        self.entries
            .insert((rec.org_id, rec.id), (rec.clone(), body));
    }
}

/// A JSON answer already serialized.
pub struct JsonBytes(pub Bytes);

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            self.0,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> FlowRecord {
        flowlink_store::testing::flow_record(Uuid::from_u128(1), Uuid::from_u128(7), "Main")
    }

    #[test]
    fn an_answer_is_reused_only_for_the_same_row() {
        let cache = RenderedFlows::default();
        let rec = record();
        cache.insert(&rec, Bytes::from_static(b"{\"v\":1}"));
        assert_eq!(cache.get(&rec).as_deref(), Some(&b"{\"v\":1}"[..]));
        let mut changed = rec.clone();
        changed.modified_ms = 1;
        assert_eq!(cache.get(&changed), None, "any change of the row");
        let mut other_org = rec.clone();
        other_org.org_id = Uuid::from_u128(2);
        assert_eq!(cache.get(&other_org), None);
    }

    #[test]
    fn a_held_flow_is_not_kept() {
        let cache = RenderedFlows::default();
        let mut rec = record();
        rec.locked_client_id = Some(Uuid::from_u128(9));
        cache.insert(&rec, Bytes::from_static(b"{}"));
        assert_eq!(cache.get(&rec), None);
    }
}
