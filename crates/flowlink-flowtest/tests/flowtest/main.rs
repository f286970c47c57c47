//! The runner end to end, in process: every expectation kind passing and failing (with the
//! message a user sees), test-file errors with their line, coverage on the worked example
//! where the numbers are known by hand, JUnit XML read back by an XML parser, `--update`
//! snapshots, `--changed-module` selection, and a smoke case per voice flow of the Archy
//! corpus. One test binary for all (links once).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod corpus;
mod coverage;
mod expectations;
mod junit;
mod selection;
mod spec_errors;
mod support;
mod update;
