//! The HTTP/1.1 client engine behind [wirequest](https://docs.rs/wirequest).
//!
//! Most of it is sans-IO: [`write_head`], [`parse_head`], [`response_body_kind`], the
//! [`decode`] and [`encode`] state machines are pure functions over byte slices, easy to test and
//! fuzz. Only [`io`] (the blocking exchange) and [`transport`] touch sockets.
//!
//! # In scope
//! - HTTP/1.0 and HTTP/1.1 responses; requests always HTTP/1.1.
//! - Request heads in origin, absolute (proxy), authority (`CONNECT`) and asterisk form, with
//!   `Host`, caller headers in order, and framing from the body (`Content-Length` or chunked).
//! - Response heads parsed by `httparse` under limits ([`Limits`]); interim 1xx responses
//!   skipped; framing decided by one function ([`response_body_kind`], RFC 9112 §6.3).
//! - Bodies framed by `Content-Length`, chunked (extensions checked and bounded, trailers parsed
//!   and bounded) or the connection's close.
//! - Reuse decisions with a reason ([`CloseReason`]); TCP and rustls transports with timeouts.
//!
//! # Out of scope
//! - HTTP/2 and HTTP/3, pipelining, server-side parsing.
//! - Transfer codings other than chunked (rejected: a server may only use codings the client
//!   announced in `TE`, and this engine announces none); content codings (gzip) belong to the
//!   facade.
//! - URLs, redirects, cookies, authentication, pools: the facade's policy.
//!
//! ```
//! use wirequest_wire::{BodyReader, Connection, HeaderMap, Method, MemoryStream, RequestBody, RequestHead, Target};
//! use std::io::Read;
//!
//! let server = MemoryStream::new(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec());
//! let mut conn = Connection::new(Box::new(server));
//! let headers = HeaderMap::new();
//! let head = RequestHead {
//!     method: &Method::GET,
//!     target: Target::Origin { path: "/", query: None },
//!     host: Some("example.com"),
//!     headers: &headers,
//! };
//! conn.send_request(&head, RequestBody::None)?;
//! let (response, kind) = conn.read_response_head(&Method::GET)?;
//! let mut body = String::new();
//! BodyReader::new(conn, &response, kind).read_to_string(&mut body).unwrap();
//! assert_eq!((response.status, body.as_str()), (200, "hello"));
//! # Ok::<(), wirequest_wire::Error>(())
//! ```
// One `unsafe` block, measured: the one-syscall idle peek in `transport::tcp` (see SAFETY).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod decode;
pub mod encode;
mod error;
pub mod framing;
mod header;
pub mod io;
pub mod limits;
mod method;
pub mod request;
pub mod response;
pub mod transport;

pub use encode::chunk_header;
pub use error::{Error, ErrorClass, Result};
pub use framing::{parse_content_length, response_body_kind, BodyKind, CloseReason};
pub use header::{is_token, is_valid_value, HeaderMap};
pub use io::{BodyReader, Connection, RequestBody, Timeouts};
pub use limits::Limits;
pub use method::Method;
pub use request::{host_header, write_head, BodyLength, RequestFraming, RequestHead, Target};
pub use response::{check_head_start, parse_head, HeadScanner, Leniency, ResponseHead, Version};
pub use transport::{IdleState, MemoryStream, Stream};
