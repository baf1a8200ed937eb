//! Safe read-modify-write: GET a JSON resource and its ETag, change it in a closure, send the
//! difference as a PATCH with `If-Match`, and start over when someone else won the race.

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::patch_doc::{merge_diff, JsonPatch};
use crate::request::RequestBuilder;
use crate::response::Response;

/// Which patch document [`Update`] sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchFormat {
    /// JSON Merge Patch (RFC 7396): the default, small and readable. It cannot set a member to
    /// `null` (null means "remove") and replaces arrays whole.
    MergePatch,
    /// JSON Patch (RFC 6902): a list of operations; can set `null`, edit arrays in place, and
    /// is understood by fewer servers.
    JsonPatch,
}

/// What an [`Update`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Updated {
    /// The document after the update: the server's answer when it sent JSON back, else the
    /// document the closure produced.
    pub value: Value,
    /// Whether the closure changed anything (if not, no PATCH was sent).
    pub changed: bool,
    /// How many read-modify-write rounds it took (1 without conflicts).
    pub attempts: u32,
    /// The resource's `ETag` after the update, if the server sent one.
    pub etag: Option<String>,
}

/// A read-modify-write of one JSON resource, made by [`Client::update`].
///
/// Each round GETs the resource, hands a copy to your closure, and PATCHes the difference with
/// `If-Match: <etag>`. A `412 Precondition Failed` means another writer got there first: the
/// round starts over with a fresh read, up to [`max_attempts`](Update::max_attempts) rounds.
/// When the closure changes nothing, no PATCH is sent. Without an `ETag` from the server the
/// PATCH is sent unconditionally, so use it with servers that send ETags.
///
/// ```no_run
/// use serde_json::json;
/// let client = wirequest::Client::new();
/// let done = client
///     .update("http://127.0.0.1:8080/users/53")
///     .bearer_auth("T")
///     .apply(|user| user["email"] = json!("new@example.com"))?;
/// println!("{} after {} attempt(s)", done.value, done.attempts);
/// # Ok::<(), wirequest::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "an update does nothing until applied"]
pub struct Update {
    client: Client,
    url: String,
    format: PatchFormat,
    max_attempts: u32,
    headers: Vec<(String, String)>,
}

impl Client {
    /// Starts a read-modify-write of the JSON resource at `url`; see [`Update`].
    pub fn update(&self, url: impl AsRef<str>) -> Update {
        Update {
            client: self.clone(),
            url: url.as_ref().to_owned(),
            format: PatchFormat::MergePatch,
            max_attempts: 5,
            headers: Vec::new(),
        }
    }
}

impl Update {
    /// Sends a JSON Merge Patch (the default).
    pub fn merge_patch(mut self) -> Self {
        self.format = PatchFormat::MergePatch;
        self
    }

    /// Sends a JSON Patch instead: use it to set members to `null` or to edit arrays in place.
    pub fn json_patch(mut self) -> Self {
        self.format = PatchFormat::JsonPatch;
        self
    }

    /// Chooses the patch format.
    pub fn format(mut self, format: PatchFormat) -> Self {
        self.format = format;
        self
    }

    /// Most read-modify-write rounds before giving up with the `412` error (default 5).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// A header sent with both the GET and the PATCH.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// `Authorization: Bearer <token>` on both requests.
    pub fn bearer_auth(self, token: impl AsRef<str>) -> Self {
        let value = format!("Bearer {}", token.as_ref());
        self.header("Authorization", value)
    }

    fn with_headers(&self, mut req: RequestBuilder) -> RequestBuilder {
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        req
    }

    /// Runs the rounds with `change` editing the document; see [`Update`].
    pub fn apply(self, mut change: impl FnMut(&mut Value)) -> Result<Updated, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self
                .with_headers(self.client.get(&self.url))
                .send()?
                .error_for_status()?;
            let etag = current.etag().map(str::to_owned);
            let old: Value = current.json()?;
            let mut new = old.clone();
            change(&mut new);
            if new == old {
                return Ok(Updated {
                    value: old,
                    changed: false,
                    attempts: attempt,
                    etag,
                });
            }
            let mut req = self.with_headers(self.client.patch(&self.url));
            if let Some(tag) = &etag {
                req = req.if_match(tag);
            }
            req = match self.format {
                PatchFormat::MergePatch => {
                    let patch = merge_diff(&old, &new).map_err(|e| {
                        Error::new(
                            ErrorKind::Decode,
                            "this change cannot be a merge patch (use json_patch())",
                        )
                        .with_source(e)
                    })?;
                    req.merge_patch(&patch)
                }
                PatchFormat::JsonPatch => req.json_patch(&JsonPatch::diff(&old, &new)),
            };
            let resp = req.send()?;
            if resp.status() == 412 && attempt < self.max_attempts {
                continue;
            }
            let resp = resp.error_for_status()?;
            return Ok(finish(resp, new, attempt));
        }
    }
}

fn finish(resp: Response, computed: Value, attempts: u32) -> Updated {
    let etag = resp.etag().map(str::to_owned);
    let is_json = resp
        .header("content-type")
        .is_some_and(|ct| ct.contains("json"));
    let value = if is_json {
        resp.json().unwrap_or(computed)
    } else {
        computed
    };
    Updated {
        value,
        changed: true,
        attempts,
        etag,
    }
}
