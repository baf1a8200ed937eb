//! Shared end-to-end test support: the conformance vectors and the servers that play them.
//!
//! Included by several test files with `mod support;`; each uses only part of it.
#![allow(dead_code)]

pub mod cases;
pub mod echo_server;
pub mod raw_server;
pub mod tls_server;
