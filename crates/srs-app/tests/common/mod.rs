//! The end-to-end tests' helpers live in the shared `srs-testkit` crate.
#![allow(unused_imports)]

pub use srs_testkit::*;
