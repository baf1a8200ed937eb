//! The wirequest benchmark: wirequest against ureq, reqwest (blocking), minreq, attohttpc, the
//! curl crate and a raw-socket client, on a local server (the bench's own, and nginx when
//! installed). See `bench/README.md`.

pub mod clients;
pub mod codec;
pub mod counting;
pub mod footprint;
pub mod nginx;
pub mod probe;
pub mod raw;
pub mod report;
pub mod scenario;
pub mod server;
pub mod sys;
