//! Pictures of flows and of an organization's module graph, as SVG text: a layered
//! left-to-right layout ([`layout`]) drawn by [`svg`]. Pure: no I/O, no clock; every string
//! that came from a flow document or a user is escaped ([`svg::escape`]).
//!
//! [`flow_picture`] draws a flow's canonical graph (either JSON dialect's nodes and edges, or
//! Archy's document, tasks, menus and actions); [`dependency_picture`] draws modules and their
//! consumers with floating and pinned calls and stale pins marked.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod deps;
pub mod flow;
pub mod layout;
pub mod svg;

pub use deps::{dependency_picture, DepEdge, DepGraph, DepNode};
pub use flow::flow_picture;
