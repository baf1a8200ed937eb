//! Build and apply the two standard PATCH documents on [`serde_json::Value`]:
//! JSON Merge Patch ([RFC 7396]) and JSON Patch ([RFC 6902]), with JSON Pointer ([RFC 6901]).
//!
//! # Which format to send
//!
//! A **merge patch** (`application/merge-patch+json`, [`merge_diff`], [`merge_apply`]) is a partial
//! document: members present in the patch replace those of the target, members set to `null` are
//! deleted, and everything else is left alone. It is the simplest thing to write by hand and what
//! most APIs accept, but it has two blind spots:
//!
//! - it cannot set a member *to* `null`, because `null` in a merge patch means "delete";
//! - it cannot edit an array in place: an array in the patch replaces the whole array.
//!
//! A **JSON Patch** (`application/json-patch+json`, [`JsonPatch`]) is a list of operations
//! (`add`, `remove`, `replace`, `move`, `copy`, `test`) addressed by JSON Pointers. It can do
//! everything a merge patch cannot: store `null`, insert into or remove from the middle of an
//! array, move values around, and check preconditions with `test` (for example that a version
//! field still holds the value you read) so that the server rejects the whole patch when the
//! document changed under you. [`JsonPatch::apply`] is atomic: when any operation fails the
//! target is left as it was.
//!
//! ```
//! use serde_json::json;
//! use wirequest::patch_doc::{merge_apply, merge_diff, JsonPatch};
//!
//! let old = json!({"name": "Ann", "tags": ["a", "b"], "age": 41});
//! let new = json!({"name": "Ann", "tags": ["a", "b", "c"], "email": null});
//!
//! // A merge patch cannot say `"email": null` (it would mean "delete email").
//! assert!(merge_diff(&old, &new).is_err());
//!
//! // JSON Patch can, and appends to the array instead of resending it.
//! let patch = JsonPatch::diff(&old, &new);
//! let mut doc = old.clone();
//! patch.apply(&mut doc)?;
//! assert_eq!(doc, new);
//!
//! // Without the null, a merge patch is smaller to write and read.
//! let new = json!({"name": "Bob", "tags": ["a", "b"], "age": 41});
//! let merge = merge_diff(&old, &new)?;
//! assert_eq!(merge, json!({"name": "Bob"}));
//! let mut doc = old.clone();
//! merge_apply(&mut doc, &merge);
//! assert_eq!(doc, new);
//! # Ok::<(), wirequest::patch_doc::PatchError>(())
//! ```
//!
//! Pointers are kept as a parsed [`Pointer`] (a list of unescaped reference tokens), so an
//! operation that exists is always well formed; [`Pointer`] prints back in its escaped form.
//!
//! [RFC 6901]: https://www.rfc-editor.org/rfc/rfc6901
//! [RFC 6902]: https://www.rfc-editor.org/rfc/rfc6902
//! [RFC 7396]: https://www.rfc-editor.org/rfc/rfc7396

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Which member of an operation a pointer in a [`PatchError`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Member {
    /// The `path` member: where the operation acts.
    Path,
    /// The `from` member of a `move` or `copy`: where the value comes from.
    From,
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Member::Path => "path",
            Member::From => "from",
        })
    }
}

/// The kind of a JSON Patch operation: the value of its `op` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `add`
    Add,
    /// `remove`
    Remove,
    /// `replace`
    Replace,
    /// `move`
    Move,
    /// `copy`
    Copy,
    /// `test`
    Test,
}

impl OpKind {
    /// The name used in the `op` member, such as `"add"`.
    ///
    /// ```
    /// use wirequest::patch_doc::OpKind;
    /// assert_eq!(OpKind::Move.as_str(), "move");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
            OpKind::Move => "move",
            OpKind::Copy => "copy",
            OpKind::Test => "test",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a patch could not be built, parsed or applied.
///
/// Operation errors name the operation by its position in the patch (from 0), its kind and the
/// pointer at fault, for example `operation 2 (remove): path "/a/3" does not exist`.
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::{JsonPatch, PatchError};
///
/// let patch: JsonPatch = r#"[{"op": "remove", "path": "/a/3"}]"#.parse()?;
/// let mut doc = json!({"a": [1, 2]});
/// let err = patch.apply(&mut doc).unwrap_err();
/// assert_eq!(err.to_string(), r#"operation 0 (remove): path "/a/3" is past the end of an array of length 2"#);
/// assert_eq!(err.operation_index(), Some(0));
/// # Ok::<(), PatchError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchError {
    /// The location named by `path` (or `from`) does not exist in the document.
    NotFound {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// Kind of the operation.
        op: OpKind,
        /// Which member holds the pointer.
        member: Member,
        /// The pointer that names a missing location.
        pointer: Pointer,
    },
    /// An `add` (or the target of a `move` or `copy`) names a location whose parent does not
    /// exist or is neither an object nor an array; missing parents are not created.
    ParentNotFound {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// Kind of the operation.
        op: OpKind,
        /// The `path` of the operation.
        pointer: Pointer,
    },
    /// A reference token that meets an array is not an array index: indices are `0` or
    /// digits without a leading zero or sign, and `-` (past the end) is only for `add`.
    InvalidIndex {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// Kind of the operation.
        op: OpKind,
        /// Which member holds the pointer.
        member: Member,
        /// The whole pointer.
        pointer: Pointer,
        /// The reference token that is not an index.
        token: String,
    },
    /// An array index is past the end of its array (for `add`: greater than its length).
    OutOfBounds {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// Kind of the operation.
        op: OpKind,
        /// Which member holds the pointer.
        member: Member,
        /// The whole pointer.
        pointer: Pointer,
        /// The length of the array.
        array_len: usize,
    },
    /// A `move` whose `from` is a proper prefix of its `path`: a value cannot move into itself.
    MoveIntoChild {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// The `from` of the operation.
        from: Pointer,
        /// The `path` of the operation.
        path: Pointer,
    },
    /// A `remove` of the whole document (path `""`).
    RemoveRoot {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
    },
    /// A `test` found a value that is not equal to the expected one.
    TestFailed {
        /// Position of the operation in the patch, from 0.
        op_index: usize,
        /// The `path` of the operation.
        pointer: Pointer,
    },
    /// The new document holds an object member whose value is `null` where the old one does
    /// not: a merge patch cannot express it, since `null` in a merge patch means "delete".
    MergeNull {
        /// Where the `null` member is in the new document.
        pointer: Pointer,
    },
    /// A string is not a valid JSON Pointer.
    InvalidPointer {
        /// The string as given.
        pointer: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// JSON text is not a valid JSON Patch document (bad JSON, an unknown `op`, a missing or
    /// mistyped member, an invalid pointer).
    Parse {
        /// What the parser said, with its position.
        message: String,
        /// 1-based line of the error, 0 when unknown (an error inside one operation names the
        /// operation by its index in `message` instead).
        line: usize,
        /// 1-based column of the error, 0 when unknown.
        column: usize,
    },
}

impl PatchError {
    /// The position in the patch of the operation that failed, when the error comes from one.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    ///
    /// let patch = JsonPatch::new().add("/a", 1)?.test("/a", 2)?;
    /// let err = patch.apply(&mut json!({})).unwrap_err();
    /// assert_eq!(err.operation_index(), Some(1));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn operation_index(&self) -> Option<usize> {
        match self {
            PatchError::NotFound { op_index, .. }
            | PatchError::ParentNotFound { op_index, .. }
            | PatchError::InvalidIndex { op_index, .. }
            | PatchError::OutOfBounds { op_index, .. }
            | PatchError::MoveIntoChild { op_index, .. }
            | PatchError::RemoveRoot { op_index }
            | PatchError::TestFailed { op_index, .. } => Some(*op_index),
            PatchError::MergeNull { .. }
            | PatchError::InvalidPointer { .. }
            | PatchError::Parse { .. } => None,
        }
    }
}

/// Writes a pointer as a quoted, escaped string for messages.
struct Quoted<'a>(&'a Pointer);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.to_string())
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::NotFound {
                op_index,
                op,
                member,
                pointer,
            } => write!(
                f,
                "operation {op_index} ({op}): {member} {} does not exist",
                Quoted(pointer)
            ),
            PatchError::ParentNotFound {
                op_index,
                op,
                pointer,
            } => write!(
                f,
                "operation {op_index} ({op}): path {} has no parent object or array",
                Quoted(pointer)
            ),
            PatchError::InvalidIndex {
                op_index,
                op,
                member,
                pointer,
                token,
            } => write!(
                f,
                "operation {op_index} ({op}): {member} {}: {token:?} is not a valid array index",
                Quoted(pointer)
            ),
            PatchError::OutOfBounds {
                op_index,
                op,
                member,
                pointer,
                array_len,
            } => write!(
                f,
                "operation {op_index} ({op}): {member} {} is past the end of an array of length {array_len}",
                Quoted(pointer)
            ),
            PatchError::MoveIntoChild {
                op_index,
                from,
                path,
            } => write!(
                f,
                "operation {op_index} (move): cannot move {} into its own child {}",
                Quoted(from),
                Quoted(path)
            ),
            PatchError::RemoveRoot { op_index } => write!(
                f,
                "operation {op_index} (remove): cannot remove the whole document"
            ),
            PatchError::TestFailed { op_index, pointer } => write!(
                f,
                "operation {op_index} (test): value at path {} is not equal to the expected value",
                Quoted(pointer)
            ),
            PatchError::MergeNull { pointer } => write!(
                f,
                "merge patch cannot express the null member at {}",
                Quoted(pointer)
            ),
            PatchError::InvalidPointer { pointer, reason } => {
                write!(f, "invalid json pointer {pointer:?}: {reason}")
            }
            PatchError::Parse { message, .. } => write!(f, "invalid json patch: {message}"),
        }
    }
}

impl std::error::Error for PatchError {}

fn parse_error(err: &serde_json::Error) -> PatchError {
    PatchError::Parse {
        message: err.to_string(),
        line: err.line(),
        column: err.column(),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Pointer
// ---------------------------------------------------------------------------------------------

/// A JSON Pointer ([RFC 6901]): a path of reference tokens from the root of a document.
///
/// It is stored parsed, as the list of unescaped tokens, so `"/a~1b/m~0n"` holds the tokens
/// `a/b` and `m~n`. [`Display`](fmt::Display) and serialization give the escaped text back;
/// parsing rejects text that is neither empty nor starts with `/`, and a `~` not followed by
/// `0` or `1`. The empty pointer `""` names the whole document.
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::Pointer;
///
/// let p: Pointer = "/a~1b/0".parse()?;
/// assert_eq!(p.tokens(), ["a/b", "0"]);
/// assert_eq!(p.to_string(), "/a~1b/0");
/// assert_eq!(p.get(&json!({"a/b": ["x"]})), Some(&json!("x")));
/// # Ok::<(), wirequest::patch_doc::PatchError>(())
/// ```
///
/// [RFC 6901]: https://www.rfc-editor.org/rfc/rfc6901
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer {
    tokens: Vec<String>,
}

impl Pointer {
    /// The empty pointer `""`, which names the whole document.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert_eq!(Pointer::root().to_string(), "");
    /// ```
    pub fn root() -> Self {
        Pointer::default()
    }

    /// Parses the escaped text form, such as `"/a~1b/0"`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when `text` is neither empty nor starts with `/`, or has
    /// a `~` not followed by `0` or `1`.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert!(Pointer::parse("/m~0n").is_ok());
    /// assert!(Pointer::parse("a").is_err());
    /// assert!(Pointer::parse("/a~2").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, PatchError> {
        let invalid = |reason| PatchError::InvalidPointer {
            pointer: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Ok(Pointer::root());
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(invalid("must be empty or start with \"/\""));
        };
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            let mut token = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => token.push('~'),
                        Some('1') => token.push('/'),
                        _ => return Err(invalid("\"~\" must be followed by \"0\" or \"1\"")),
                    }
                } else {
                    token.push(c);
                }
            }
            tokens.push(token);
        }
        Ok(Pointer { tokens })
    }

    /// Builds a pointer from unescaped tokens; any string is a valid token.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// let p = Pointer::from_tokens(["a/b", "m~n", ""]);
    /// assert_eq!(p.to_string(), "/a~1b/m~0n/");
    /// ```
    pub fn from_tokens<I, S>(tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Pointer {
            tokens: tokens.into_iter().map(Into::into).collect(),
        }
    }

    /// The unescaped reference tokens, from the root down.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert_eq!(Pointer::parse("/a/~01")?.tokens(), ["a", "~1"]);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether this is the empty pointer, naming the whole document.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert!(Pointer::root().is_root());
    /// assert!(!Pointer::from_tokens([""]).is_root());
    /// ```
    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Appends one unescaped token.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// let mut p = Pointer::root();
    /// p.push("items");
    /// p.push("-");
    /// assert_eq!(p.to_string(), "/items/-");
    /// ```
    pub fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(token.into());
    }

    /// A new pointer one token below this one.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert_eq!(Pointer::root().child("a").child("b").to_string(), "/a/b");
    /// ```
    #[must_use]
    pub fn child(&self, token: impl Into<String>) -> Self {
        let mut child = self.clone();
        child.push(token);
        child
    }

    /// The pointer one token up, or `None` for the root.
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// assert_eq!(Pointer::parse("/a/b")?.parent(), Some(Pointer::parse("/a")?));
    /// assert_eq!(Pointer::root().parent(), None);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn parent(&self) -> Option<Self> {
        let (_, prefix) = self.tokens.split_last()?;
        Some(Pointer {
            tokens: prefix.to_vec(),
        })
    }

    /// Whether `prefix` is this pointer or one of its ancestors, token by token (so `/ab` does
    /// not start with `/a`).
    ///
    /// ```
    /// use wirequest::patch_doc::Pointer;
    /// let p = Pointer::parse("/a/b")?;
    /// assert!(p.starts_with(&Pointer::parse("/a")?));
    /// assert!(!Pointer::parse("/ab")?.starts_with(&Pointer::parse("/a")?));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.tokens.starts_with(&prefix.tokens)
    }

    /// Evaluates the pointer against `doc` as RFC 6901 says: array indices must be `0` or have
    /// no leading zero, and `-` names no element.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::Pointer;
    ///
    /// let doc = json!({"a": [10, 20]});
    /// assert_eq!(Pointer::parse("/a/1")?.get(&doc), Some(&json!(20)));
    /// assert_eq!(Pointer::parse("/a/01")?.get(&doc), None);
    /// assert_eq!(Pointer::parse("/a/-")?.get(&doc), None);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn get<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        walk(doc, &self.tokens).ok()
    }

    /// Like [`get`](Self::get), mutably.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::Pointer;
    ///
    /// let mut doc = json!({"a": [10, 20]});
    /// if let Some(v) = Pointer::parse("/a/0")?.get_mut(&mut doc) {
    ///     *v = json!(11);
    /// }
    /// assert_eq!(doc, json!({"a": [11, 20]}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn get_mut<'a>(&self, doc: &'a mut Value) -> Option<&'a mut Value> {
        walk_mut(doc, &self.tokens).ok()
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            f.write_str("/")?;
            for c in token.chars() {
                match c {
                    '~' => f.write_str("~0")?,
                    '/' => f.write_str("~1")?,
                    c => fmt::Write::write_char(f, c)?,
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pointer({:?})", self.to_string())
    }
}

impl FromStr for Pointer {
    type Err = PatchError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Pointer::parse(text)
    }
}

impl Serialize for Pointer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pointer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PointerVisitor;

        impl Visitor<'_> for PointerVisitor {
            type Value = Pointer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON Pointer string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Pointer, E> {
                Pointer::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(PointerVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Operations and JsonPatch
// ---------------------------------------------------------------------------------------------

/// One JSON Patch operation, as RFC 6902 section 4 defines it.
///
/// Serialized as `{"op": "add", "path": "/a", "value": 1}` and so on. Deserialization requires
/// the members the operation needs (`value` for add, replace and test; `from` for move and copy),
/// rejects an unknown `op` and an invalid pointer, and ignores members it does not know, as the
/// RFC asks.
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::{Operation, OpKind, Pointer};
///
/// let op: Operation = serde_json::from_value(json!({"op": "move", "from": "/a", "path": "/b"}))?;
/// assert_eq!(op.kind(), OpKind::Move);
/// assert_eq!(op, Operation::Move { from: "/a".parse()?, path: "/b".parse()? });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Insert `value` at `path`: into an object (replacing a member of that name), before the
    /// array element at that index (`-` or the length appends), or as the whole document.
    Add {
        /// Where to add.
        path: Pointer,
        /// What to add.
        value: Value,
    },
    /// Remove the value at `path`, which must exist.
    Remove {
        /// What to remove.
        path: Pointer,
    },
    /// Replace the value at `path`, which must exist, with `value`.
    Replace {
        /// What to replace.
        path: Pointer,
        /// The new value.
        value: Value,
    },
    /// Remove the value at `from` and add it at `path`; `from` must not be a proper prefix of
    /// `path`.
    Move {
        /// Where the value is.
        from: Pointer,
        /// Where it goes, evaluated after the removal.
        path: Pointer,
    },
    /// Add a copy of the value at `from` at `path`.
    Copy {
        /// Where the value is.
        from: Pointer,
        /// Where the copy goes.
        path: Pointer,
    },
    /// Check that the value at `path` equals `value` (JSON equality: numbers by numeric value,
    /// objects regardless of member order), failing the whole patch otherwise.
    Test {
        /// What to check.
        path: Pointer,
        /// The expected value.
        value: Value,
    },
}

impl Operation {
    /// The kind of the operation.
    ///
    /// ```
    /// use wirequest::patch_doc::{Operation, OpKind, Pointer};
    /// assert_eq!(Operation::Remove { path: Pointer::root() }.kind(), OpKind::Remove);
    /// ```
    pub fn kind(&self) -> OpKind {
        match self {
            Operation::Add { .. } => OpKind::Add,
            Operation::Remove { .. } => OpKind::Remove,
            Operation::Replace { .. } => OpKind::Replace,
            Operation::Move { .. } => OpKind::Move,
            Operation::Copy { .. } => OpKind::Copy,
            Operation::Test { .. } => OpKind::Test,
        }
    }

    /// The `path` member.
    ///
    /// ```
    /// use wirequest::patch_doc::{Operation, Pointer};
    /// let op = Operation::Remove { path: Pointer::from_tokens(["a"]) };
    /// assert_eq!(op.path().to_string(), "/a");
    /// ```
    pub fn path(&self) -> &Pointer {
        match self {
            Operation::Add { path, .. }
            | Operation::Remove { path }
            | Operation::Replace { path, .. }
            | Operation::Move { path, .. }
            | Operation::Copy { path, .. }
            | Operation::Test { path, .. } => path,
        }
    }

    /// The `from` member of a `move` or `copy`.
    ///
    /// ```
    /// use wirequest::patch_doc::{Operation, Pointer};
    /// let op = Operation::Copy { from: Pointer::from_tokens(["a"]), path: Pointer::from_tokens(["b"]) };
    /// assert_eq!(op.from().map(ToString::to_string).as_deref(), Some("/a"));
    /// ```
    pub fn from(&self) -> Option<&Pointer> {
        match self {
            Operation::Move { from, .. } | Operation::Copy { from, .. } => Some(from),
            _ => None,
        }
    }

    /// The `value` member of an `add`, `replace` or `test`.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::{Operation, Pointer};
    /// let op = Operation::Test { path: Pointer::root(), value: json!(1) };
    /// assert_eq!(op.value(), Some(&json!(1)));
    /// ```
    pub fn value(&self) -> Option<&Value> {
        match self {
            Operation::Add { value, .. }
            | Operation::Replace { value, .. }
            | Operation::Test { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// A JSON Patch document ([RFC 6902]): a list of [`Operation`]s applied in order.
///
/// It serializes as the standard JSON array of operation objects, parses from JSON text with
/// [`FromStr`], and prints as compact JSON text with [`Display`](fmt::Display).
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::JsonPatch;
///
/// // Build by hand ...
/// let patch = JsonPatch::new()
///     .test("/version", 3)?
///     .replace("/version", 4)?
///     .add("/tags/-", "new")?
///     .remove("/draft")?;
/// assert_eq!(patch.len(), 4);
///
/// // ... or parse the wire format.
/// let same: JsonPatch = r#"[
///     {"op": "test", "path": "/version", "value": 3},
///     {"op": "replace", "path": "/version", "value": 4},
///     {"op": "add", "path": "/tags/-", "value": "new"},
///     {"op": "remove", "path": "/draft"}
/// ]"#.parse()?;
/// assert_eq!(patch, same);
///
/// let mut doc = json!({"version": 3, "tags": [], "draft": true});
/// patch.apply(&mut doc)?;
/// assert_eq!(doc, json!({"version": 4, "tags": ["new"]}));
/// # Ok::<(), wirequest::patch_doc::PatchError>(())
/// ```
///
/// [RFC 6902]: https://www.rfc-editor.org/rfc/rfc6902
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonPatch {
    ops: Vec<Operation>,
}

impl JsonPatch {
    /// An empty patch.
    ///
    /// ```
    /// use wirequest::patch_doc::JsonPatch;
    /// assert!(JsonPatch::new().is_empty());
    /// ```
    pub fn new() -> Self {
        JsonPatch::default()
    }

    /// The patch that turns `old` into `new`: applying it to `old` gives a document equal to
    /// `new`.
    ///
    /// Objects are compared member by member; arrays keep their common prefix and suffix,
    /// patch the elements in between index by index, and remove (from the end) or add what is
    /// left. Values of different types are replaced. The result is small but not minimal: no
    /// moves are detected.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    ///
    /// let old = json!({"a": 1, "b": [1, 2, 3], "c": "x"});
    /// let new = json!({"a": 1, "b": [1, 3], "d": null});
    /// let patch = JsonPatch::diff(&old, &new);
    /// assert_eq!(patch.to_string(), r#"[{"op":"remove","path":"/c"},{"op":"remove","path":"/b/1"},{"op":"add","path":"/d","value":null}]"#);
    /// let mut doc = old.clone();
    /// patch.apply(&mut doc)?;
    /// assert_eq!(doc, new);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    #[must_use]
    pub fn diff(old: &Value, new: &Value) -> Self {
        let mut ops = Vec::new();
        diff_values(&mut Vec::new(), old, new, &mut ops);
        JsonPatch { ops }
    }

    /// Applies the operations in order to `target`.
    ///
    /// Atomic: when an operation fails, the operations before it are undone and `target` is
    /// left equal to what it was, and the error names the failing operation. (Undoing keeps
    /// object member order too, including with the `preserve_order` feature of `serde_json`.)
    ///
    /// # Errors
    ///
    /// The first operation that cannot apply: a location that does not exist
    /// ([`PatchError::NotFound`], [`PatchError::ParentNotFound`], [`PatchError::OutOfBounds`]),
    /// a token that is not an array index ([`PatchError::InvalidIndex`]), a `move` into its own
    /// child, a `remove` of the whole document, or a failed `test`.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    ///
    /// let patch = JsonPatch::new().remove("/a")?.remove("/b")?;
    /// let mut doc = json!({"a": 1});
    /// let err = patch.apply(&mut doc).unwrap_err();
    /// assert_eq!(err.to_string(), r#"operation 1 (remove): path "/b" does not exist"#);
    /// assert_eq!(doc, json!({"a": 1})); // the first removal was undone
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn apply(&self, target: &mut Value) -> Result<(), PatchError> {
        let mut log = Vec::new();
        for (op_index, op) in self.ops.iter().enumerate() {
            if let Err(err) = apply_operation(target, op_index, op, &mut log) {
                rollback(target, log);
                return Err(err);
            }
        }
        Ok(())
    }

    /// Whether the patch has no operations (and so changes nothing).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let doc = json!({"a": [1, {"b": null}]});
    /// assert!(JsonPatch::diff(&doc, &doc).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The number of operations.
    ///
    /// ```
    /// use wirequest::patch_doc::JsonPatch;
    /// assert_eq!(JsonPatch::new().remove("/a")?.len(), 1);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// The operations, in order.
    ///
    /// ```
    /// use wirequest::patch_doc::{JsonPatch, OpKind};
    /// let patch = JsonPatch::new().remove("/a")?.copy("/b", "/c")?;
    /// let kinds: Vec<OpKind> = patch.iter().map(|op| op.kind()).collect();
    /// assert_eq!(kinds, [OpKind::Remove, OpKind::Copy]);
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Operation> {
        self.ops.iter()
    }

    /// The operations as a slice.
    ///
    /// ```
    /// use wirequest::patch_doc::JsonPatch;
    /// assert!(JsonPatch::new().operations().is_empty());
    /// ```
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Appends an operation.
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::{JsonPatch, Operation, Pointer};
    /// let mut patch = JsonPatch::new();
    /// patch.push(Operation::Add { path: Pointer::from_tokens(["a"]), value: json!(null) });
    /// assert_eq!(patch.len(), 1);
    /// ```
    pub fn push(&mut self, op: Operation) {
        self.ops.push(op);
    }

    /// Appends an `add` of `value` at `path`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let patch = JsonPatch::new().add("/list/-", json!({"id": 7}))?;
    /// let mut doc = json!({"list": []});
    /// patch.apply(&mut doc)?;
    /// assert_eq!(doc, json!({"list": [{"id": 7}]}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn add(mut self, path: &str, value: impl Into<Value>) -> Result<Self, PatchError> {
        self.ops.push(Operation::Add {
            path: Pointer::parse(path)?,
            value: value.into(),
        });
        Ok(self)
    }

    /// Appends a `remove` of `path`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let mut doc = json!({"a": 1, "b": 2});
    /// JsonPatch::new().remove("/a")?.apply(&mut doc)?;
    /// assert_eq!(doc, json!({"b": 2}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn remove(mut self, path: &str) -> Result<Self, PatchError> {
        self.ops.push(Operation::Remove {
            path: Pointer::parse(path)?,
        });
        Ok(self)
    }

    /// Appends a `replace` of `path` with `value`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let mut doc = json!({"a": 1});
    /// JsonPatch::new().replace("/a", json!(null))?.apply(&mut doc)?;
    /// assert_eq!(doc, json!({"a": null}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn replace(mut self, path: &str, value: impl Into<Value>) -> Result<Self, PatchError> {
        self.ops.push(Operation::Replace {
            path: Pointer::parse(path)?,
            value: value.into(),
        });
        Ok(self)
    }

    /// Appends a `move` from `from` to `path`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let mut doc = json!({"a": [1, 2, 3]});
    /// JsonPatch::new().move_("/a/0", "/a/-")?.apply(&mut doc)?;
    /// assert_eq!(doc, json!({"a": [2, 3, 1]}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn move_(mut self, from: &str, path: &str) -> Result<Self, PatchError> {
        self.ops.push(Operation::Move {
            from: Pointer::parse(from)?,
            path: Pointer::parse(path)?,
        });
        Ok(self)
    }

    /// Appends a `copy` from `from` to `path`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::JsonPatch;
    /// let mut doc = json!({"a": {"b": 1}});
    /// JsonPatch::new().copy("/a", "/c")?.apply(&mut doc)?;
    /// assert_eq!(doc, json!({"a": {"b": 1}, "c": {"b": 1}}));
    /// # Ok::<(), wirequest::patch_doc::PatchError>(())
    /// ```
    pub fn copy(mut self, from: &str, path: &str) -> Result<Self, PatchError> {
        self.ops.push(Operation::Copy {
            from: Pointer::parse(from)?,
            path: Pointer::parse(path)?,
        });
        Ok(self)
    }

    /// Appends a `test` that the value at `path` equals `value`.
    ///
    /// # Errors
    ///
    /// [`PatchError::InvalidPointer`] when a pointer is not valid; the operation itself is
    /// only checked by [`apply`](Self::apply).
    ///
    /// ```
    /// use serde_json::json;
    /// use wirequest::patch_doc::{JsonPatch, PatchError};
    /// let patch = JsonPatch::new().test("/etag", "v1")?.replace("/name", "Bo")?;
    /// let mut doc = json!({"etag": "v2", "name": "Al"});
    /// assert!(matches!(patch.apply(&mut doc), Err(PatchError::TestFailed { op_index: 0, .. })));
    /// # Ok::<(), PatchError>(())
    /// ```
    pub fn test(mut self, path: &str, value: impl Into<Value>) -> Result<Self, PatchError> {
        self.ops.push(Operation::Test {
            path: Pointer::parse(path)?,
            value: value.into(),
        });
        Ok(self)
    }
}

impl Serialize for Operation {
    /// Writes `{"op": ..., "from": ..., "path": ..., "value": ...}` with the members the
    /// operation has.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 2 + usize::from(self.from().is_some()) + usize::from(self.value().is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("op", self.kind().as_str())?;
        if let Some(from) = self.from() {
            map.serialize_entry("from", from)?;
        }
        map.serialize_entry("path", self.path())?;
        if let Some(value) = self.value() {
            map.serialize_entry("value", value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        operation_from_value(Value::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

/// How a JSON value is named in messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads one operation object (RFC 6902 section 4); members it does not know are ignored.
fn operation_from_value(value: Value) -> Result<Operation, String> {
    let Value::Object(mut map) = value else {
        return Err(format!(
            "expected an operation object, found {}",
            json_type(&value)
        ));
    };
    let kind = match map.get("op") {
        Some(Value::String(op)) => match op.as_str() {
            "add" => OpKind::Add,
            "remove" => OpKind::Remove,
            "replace" => OpKind::Replace,
            "move" => OpKind::Move,
            "copy" => OpKind::Copy,
            "test" => OpKind::Test,
            other => {
                return Err(format!(
                    "unknown op {other:?}, expected add, remove, replace, move, copy or test"
                ))
            }
        },
        Some(other) => {
            return Err(format!(
                "member `op` must be a string, found {}",
                json_type(other)
            ))
        }
        None => return Err("missing member `op`".to_owned()),
    };
    let mut pointer = |name: &str| match map.remove(name) {
        Some(Value::String(text)) => Pointer::parse(&text).map_err(|err| err.to_string()),
        Some(other) => Err(format!(
            "member `{name}` must be a string, found {}",
            json_type(&other)
        )),
        None => Err(format!("missing member `{name}`")),
    };
    let path = pointer("path")?;
    let from = match kind {
        OpKind::Move | OpKind::Copy => Some(pointer("from")?),
        _ => None,
    };
    let mut value = || map.remove("value").ok_or("missing member `value`");
    Ok(match (kind, from) {
        (OpKind::Add, _) => Operation::Add {
            path,
            value: value()?,
        },
        (OpKind::Remove, _) => Operation::Remove { path },
        (OpKind::Replace, _) => Operation::Replace {
            path,
            value: value()?,
        },
        (OpKind::Test, _) => Operation::Test {
            path,
            value: value()?,
        },
        (OpKind::Move, Some(from)) => Operation::Move { from, path },
        (OpKind::Copy, Some(from)) => Operation::Copy { from, path },
        (OpKind::Move | OpKind::Copy, None) => return Err("missing member `from`".to_owned()),
    })
}

impl Serialize for JsonPatch {
    /// Writes the JSON array of operations.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.ops.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonPatch {
    /// Reads the JSON array of operations; an error inside one names it by index, such as
    /// "operation 2: missing member `value`".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<Value>::deserialize(deserializer)?;
        let mut ops = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let op = operation_from_value(item)
                .map_err(|msg| de::Error::custom(format_args!("operation {i}: {msg}")))?;
            ops.push(op);
        }
        Ok(JsonPatch { ops })
    }
}

impl FromStr for JsonPatch {
    type Err = PatchError;

    /// Parses JSON text holding a JSON Patch array.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(text).map_err(|err| parse_error(&err))
    }
}

impl fmt::Display for JsonPatch {
    /// Writes the patch as compact JSON text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl From<Vec<Operation>> for JsonPatch {
    fn from(ops: Vec<Operation>) -> Self {
        JsonPatch { ops }
    }
}

impl From<JsonPatch> for Vec<Operation> {
    fn from(patch: JsonPatch) -> Self {
        patch.ops
    }
}

impl FromIterator<Operation> for JsonPatch {
    fn from_iter<I: IntoIterator<Item = Operation>>(iter: I) -> Self {
        JsonPatch {
            ops: iter.into_iter().collect(),
        }
    }
}

impl Extend<Operation> for JsonPatch {
    fn extend<I: IntoIterator<Item = Operation>>(&mut self, iter: I) {
        self.ops.extend(iter);
    }
}

impl IntoIterator for JsonPatch {
    type Item = Operation;
    type IntoIter = std::vec::IntoIter<Operation>;

    fn into_iter(self) -> Self::IntoIter {
        self.ops.into_iter()
    }
}

impl<'a> IntoIterator for &'a JsonPatch {
    type Item = &'a Operation;
    type IntoIter = std::slice::Iter<'a, Operation>;

    fn into_iter(self) -> Self::IntoIter {
        self.ops.iter()
    }
}

// ---------------------------------------------------------------------------------------------
// Applying JSON Patch
// ---------------------------------------------------------------------------------------------

/// What went wrong at a location, before it is tied to an operation.
#[derive(Debug, PartialEq)]
enum Fault {
    NotFound,
    ParentNotFound,
    InvalidIndex(String),
    OutOfBounds(usize),
    RemoveRoot,
}

impl Fault {
    fn into_error(
        self,
        op_index: usize,
        op: OpKind,
        member: Member,
        pointer: &Pointer,
    ) -> PatchError {
        let pointer = pointer.clone();
        match self {
            Fault::NotFound => PatchError::NotFound {
                op_index,
                op,
                member,
                pointer,
            },
            Fault::ParentNotFound => PatchError::ParentNotFound {
                op_index,
                op,
                pointer,
            },
            Fault::InvalidIndex(token) => PatchError::InvalidIndex {
                op_index,
                op,
                member,
                pointer,
                token,
            },
            Fault::OutOfBounds(array_len) => PatchError::OutOfBounds {
                op_index,
                op,
                member,
                pointer,
                array_len,
            },
            Fault::RemoveRoot => PatchError::RemoveRoot { op_index },
        }
    }
}

/// A reference token read as an array index (RFC 6901 section 4).
enum Index {
    /// A valid index; `usize::MAX` stands for any index too large to exist.
    At(usize),
    /// `-`: the (nonexistent) element after the last.
    End,
    /// Anything else: signs, leading zeros, exponents, names.
    Invalid,
}

fn parse_index(token: &str) -> Index {
    if token == "-" {
        return Index::End;
    }
    let bytes = token.as_bytes();
    let digits = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    if !digits || (bytes.len() > 1 && bytes[0] == b'0') {
        return Index::Invalid;
    }
    Index::At(token.parse().unwrap_or(usize::MAX))
}

/// Looks up an existing element of an array; `last` says whether the token is the pointer's
/// final one (an index past the end is then reported with the array's length).
fn array_slot(len: usize, token: &str, last: bool) -> Result<usize, Fault> {
    match parse_index(token) {
        Index::At(i) if i < len => Ok(i),
        Index::At(_) if last => Err(Fault::OutOfBounds(len)),
        Index::At(_) | Index::End => Err(Fault::NotFound),
        Index::Invalid => Err(Fault::InvalidIndex(token.to_owned())),
    }
}

fn walk<'a>(mut cur: &'a Value, tokens: &[String]) -> Result<&'a Value, Fault> {
    for (depth, token) in tokens.iter().enumerate() {
        let last = depth + 1 == tokens.len();
        cur = match cur {
            Value::Object(map) => map.get(token).ok_or(Fault::NotFound)?,
            Value::Array(items) => &items[array_slot(items.len(), token, last)?],
            _ => return Err(Fault::NotFound),
        };
    }
    Ok(cur)
}

fn walk_mut<'a>(mut cur: &'a mut Value, tokens: &[String]) -> Result<&'a mut Value, Fault> {
    for (depth, token) in tokens.iter().enumerate() {
        let last = depth + 1 == tokens.len();
        cur = match cur {
            Value::Object(map) => map.get_mut(token).ok_or(Fault::NotFound)?,
            Value::Array(items) => {
                let i = array_slot(items.len(), token, last)?;
                &mut items[i]
            }
            _ => return Err(Fault::NotFound),
        };
    }
    Ok(cur)
}

/// The container holding the location `prefix` + one more token; a missing container is
/// `NotFound`.
fn parent_mut<'a>(doc: &'a mut Value, prefix: &[String]) -> Result<&'a mut Value, Fault> {
    walk_mut(doc, prefix).map_err(|fault| match fault {
        Fault::OutOfBounds(_) => Fault::NotFound,
        other => other,
    })
}

/// Whether `serde_json::Map` keeps insertion order (its `preserve_order` feature), in which
/// case member removal and its undo take care to keep the order of the other members.
fn map_keeps_insertion_order() -> bool {
    static ORDERED: OnceLock<bool> = OnceLock::new();
    *ORDERED.get_or_init(|| {
        let mut probe = Map::new();
        probe.insert("b".to_owned(), Value::Null);
        probe.insert("a".to_owned(), Value::Null);
        probe.keys().next().is_some_and(|k| k == "b")
    })
}

/// Removes member `key`, keeping the order of the others; returns its position and value.
fn remove_member(map: &mut Map<String, Value>, key: &str) -> Option<(usize, Value)> {
    if !map_keeps_insertion_order() {
        return map.remove(key).map(|value| (0, value));
    }
    let position = map.keys().position(|k| k == key)?;
    let mut removed = None;
    map.retain(|k, v| {
        if removed.is_none() && k == key {
            removed = Some(std::mem::take(v));
            false
        } else {
            true
        }
    });
    removed.map(|value| (position, value))
}

/// Puts back a member removed by [`remove_member`] at its old position.
fn restore_member(map: &mut Map<String, Value>, position: usize, key: String, value: Value) {
    map.insert(key, value);
    if map_keeps_insertion_order() && position + 1 < map.len() {
        let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
        if let Some(entry) = entries.pop() {
            entries.insert(position.min(entries.len()), entry);
        }
        map.extend(entries);
    }
}

/// A located value: the concrete tokens (array indices as numbers, never `-`) and, for object
/// members removed, their position among the members.
type Located = (Vec<String>, Option<usize>);

/// Adds `value` at `tokens`. Returns where it went and the value it displaced (an object
/// member of the same name, or the whole document), or hands `value` back with the fault.
fn add_at(
    doc: &mut Value,
    tokens: &[String],
    value: Value,
) -> Result<(Vec<String>, Option<Value>), (Fault, Value)> {
    let Some((last, prefix)) = tokens.split_last() else {
        return Ok((Vec::new(), Some(std::mem::replace(doc, value))));
    };
    let parent = match parent_mut(doc, prefix) {
        Ok(parent) => parent,
        Err(Fault::InvalidIndex(token)) => return Err((Fault::InvalidIndex(token), value)),
        Err(_) => return Err((Fault::ParentNotFound, value)),
    };
    match parent {
        Value::Object(map) => {
            let displaced = map.insert(last.clone(), value);
            Ok((tokens.to_vec(), displaced))
        }
        Value::Array(items) => {
            let i = match parse_index(last) {
                Index::End => items.len(),
                Index::At(i) if i <= items.len() => i,
                Index::At(_) => return Err((Fault::OutOfBounds(items.len()), value)),
                Index::Invalid => return Err((Fault::InvalidIndex(last.clone()), value)),
            };
            items.insert(i, value);
            let mut at = prefix.to_vec();
            at.push(i.to_string());
            Ok((at, None))
        }
        _ => Err((Fault::ParentNotFound, value)),
    }
}

/// Removes the value at `tokens`, returning it and where it was.
fn remove_at(doc: &mut Value, tokens: &[String]) -> Result<(Value, Located), Fault> {
    let Some((last, prefix)) = tokens.split_last() else {
        return Err(Fault::RemoveRoot);
    };
    match parent_mut(doc, prefix)? {
        Value::Object(map) => {
            let (position, value) = remove_member(map, last).ok_or(Fault::NotFound)?;
            Ok((value, (tokens.to_vec(), Some(position))))
        }
        Value::Array(items) => {
            let i = array_slot(items.len(), last, true)?;
            Ok((items.remove(i), (tokens.to_vec(), None)))
        }
        _ => Err(Fault::NotFound),
    }
}

/// Puts `value` back where [`remove_at`] took it from.
fn reinsert(doc: &mut Value, (tokens, position): Located, value: Value) {
    let Some((last, prefix)) = tokens.split_last() else {
        *doc = value;
        return;
    };
    match (parent_mut(doc, prefix), position) {
        (Ok(Value::Object(map)), Some(position)) => {
            restore_member(map, position, last.clone(), value);
        }
        (Ok(Value::Array(items)), _) => {
            if let Index::At(i) = parse_index(last) {
                if i <= items.len() {
                    items.insert(i, value);
                }
            }
        }
        // Unreachable when the undo log is replayed in reverse on the document it was made on.
        _ => {}
    }
}

/// How to undo one step of a patch.
enum Undo {
    /// Undo an insertion: remove what is at the location.
    Remove(Vec<String>),
    /// Undo a removal: put the value back where it was.
    Reinsert(Located, Value),
    /// Undo an overwrite: put the old value back in place.
    Overwrite(Vec<String>, Value),
    /// Undo a move: take the value from `path` (restoring what it displaced) and put it back at
    /// `from`.
    MoveBack {
        from: Located,
        path: Vec<String>,
        displaced: Option<Value>,
    },
}

fn rollback(doc: &mut Value, log: Vec<Undo>) {
    for undo in log.into_iter().rev() {
        match undo {
            Undo::Remove(at) => {
                // The value was inserted by the patch: just drop it.
                let _ = remove_at(doc, &at);
            }
            Undo::Reinsert(at, value) => reinsert(doc, at, value),
            Undo::Overwrite(at, value) => {
                if let Ok(slot) = walk_mut(doc, &at) {
                    *slot = value;
                }
            }
            Undo::MoveBack {
                from,
                path,
                displaced,
            } => {
                let moved = match displaced {
                    Some(old) => walk_mut(doc, &path)
                        .ok()
                        .map(|slot| std::mem::replace(slot, old)),
                    None => remove_at(doc, &path).ok().map(|(value, _)| value),
                };
                if let Some(value) = moved {
                    reinsert(doc, from, value);
                }
            }
        }
    }
}

fn insertion_undo(at: Vec<String>, displaced: Option<Value>) -> Undo {
    match displaced {
        Some(old) => Undo::Overwrite(at, old),
        None => Undo::Remove(at),
    }
}

fn apply_operation(
    doc: &mut Value,
    op_index: usize,
    op: &Operation,
    log: &mut Vec<Undo>,
) -> Result<(), PatchError> {
    let kind = op.kind();
    let at_path = |fault: Fault| fault.into_error(op_index, kind, Member::Path, op.path());
    match op {
        Operation::Add { path, value } => {
            let (at, displaced) =
                add_at(doc, path.tokens(), value.clone()).map_err(|(fault, _)| at_path(fault))?;
            log.push(insertion_undo(at, displaced));
        }
        Operation::Remove { path } => {
            let (value, at) = remove_at(doc, path.tokens()).map_err(at_path)?;
            log.push(Undo::Reinsert(at, value));
        }
        Operation::Replace { path, value } => {
            let slot = walk_mut(doc, path.tokens()).map_err(at_path)?;
            let old = std::mem::replace(slot, value.clone());
            log.push(Undo::Overwrite(path.tokens().to_vec(), old));
        }
        Operation::Move { from, path } => {
            let at_from = |fault: Fault| fault.into_error(op_index, kind, Member::From, from);
            if from == path {
                // RFC 6902 4.4: moving a value onto itself changes nothing, once it exists.
                walk(doc, from.tokens()).map_err(at_from)?;
                return Ok(());
            }
            if path.starts_with(from) {
                return Err(PatchError::MoveIntoChild {
                    op_index,
                    from: from.clone(),
                    path: path.clone(),
                });
            }
            let (value, from_at) = remove_at(doc, from.tokens()).map_err(at_from)?;
            match add_at(doc, path.tokens(), value) {
                Ok((path_at, displaced)) => log.push(Undo::MoveBack {
                    from: from_at,
                    path: path_at,
                    displaced,
                }),
                Err((fault, value)) => {
                    reinsert(doc, from_at, value);
                    return Err(at_path(fault));
                }
            }
        }
        Operation::Copy { from, path } => {
            let value = walk(doc, from.tokens())
                .map_err(|fault| fault.into_error(op_index, kind, Member::From, from))?
                .clone();
            let (at, displaced) =
                add_at(doc, path.tokens(), value).map_err(|(fault, _)| at_path(fault))?;
            log.push(insertion_undo(at, displaced));
        }
        Operation::Test { path, value } => {
            let actual = walk(doc, path.tokens()).map_err(at_path)?;
            if !json_equal(actual, value) {
                return Err(PatchError::TestFailed {
                    op_index,
                    pointer: path.clone(),
                });
            }
        }
    }
    Ok(())
}

/// JSON equality as RFC 6902 section 4.6 defines it for `test`: numbers are equal when their
/// values are (`1` equals `1.0`), objects regardless of member order, arrays element by element.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn numbers_equal(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    // Integers compare exactly; a float equals an integer only when it is integral and the
    // same value, so 2^53 + 1 does not equal 2^53 as a float.
    fn as_integer(n: &serde_json::Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    fn float_as_integer(f: f64) -> Option<i128> {
        // 2^64 bounds every integer a Number holds exactly.
        const BOUND: f64 = 18_446_744_073_709_551_616.0;
        (f.is_finite() && f.fract() == 0.0 && f.abs() <= BOUND).then_some(f as i128)
    }
    match (as_integer(x), as_integer(y)) {
        (Some(a), Some(b)) => a == b,
        (Some(a), None) => y.as_f64().and_then(float_as_integer) == Some(a),
        (None, Some(b)) => x.as_f64().and_then(float_as_integer) == Some(b),
        (None, None) => x.as_f64().is_some() && x.as_f64() == y.as_f64(),
    }
}

// ---------------------------------------------------------------------------------------------
// Diffing JSON Patch
// ---------------------------------------------------------------------------------------------

fn pointer_at(tokens: &[String]) -> Pointer {
    Pointer {
        tokens: tokens.to_vec(),
    }
}

fn diff_values(tokens: &mut Vec<String>, old: &Value, new: &Value, ops: &mut Vec<Operation>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            for key in old.keys().filter(|key| !new.contains_key(*key)) {
                tokens.push(key.clone());
                ops.push(Operation::Remove {
                    path: pointer_at(tokens),
                });
                tokens.pop();
            }
            for (key, new_value) in new {
                tokens.push(key.clone());
                match old.get(key) {
                    Some(old_value) => diff_values(tokens, old_value, new_value, ops),
                    None => ops.push(Operation::Add {
                        path: pointer_at(tokens),
                        value: new_value.clone(),
                    }),
                }
                tokens.pop();
            }
        }
        (Value::Array(old), Value::Array(new)) => diff_arrays(tokens, old, new, ops),
        _ => ops.push(Operation::Replace {
            path: pointer_at(tokens),
            value: new.clone(),
        }),
    }
}

fn diff_arrays(tokens: &mut Vec<String>, old: &[Value], new: &[Value], ops: &mut Vec<Operation>) {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_mid = &old[prefix..old.len() - suffix];
    let new_mid = &new[prefix..new.len() - suffix];
    let common = old_mid.len().min(new_mid.len());

    // Elements present on both sides change in place, which keeps every index valid.
    for (i, (a, b)) in old_mid.iter().zip(new_mid).enumerate() {
        tokens.push((prefix + i).to_string());
        diff_values(tokens, a, b, ops);
        tokens.pop();
    }
    // Surplus old elements go from the end, so earlier indices do not shift.
    for i in (prefix + common..prefix + old_mid.len()).rev() {
        tokens.push(i.to_string());
        ops.push(Operation::Remove {
            path: pointer_at(tokens),
        });
        tokens.pop();
    }
    // Missing new elements are inserted in order, before the common suffix.
    for (i, value) in new_mid.iter().enumerate().skip(common) {
        tokens.push((prefix + i).to_string());
        ops.push(Operation::Add {
            path: pointer_at(tokens),
            value: value.clone(),
        });
        tokens.pop();
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Merge Patch
// ---------------------------------------------------------------------------------------------

/// Applies a JSON Merge Patch to `target`, exactly as the `MergePatch` function of RFC 7396
/// section 2.
///
/// An object patch is merged member by member: a `null` member deletes, any other member is
/// merged recursively (into `{}` when the target has no object there). Any other patch (an
/// array, a string, `null` ...) replaces the target whole. Merge patches cannot fail.
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::merge_apply;
///
/// let mut doc = json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
///                      "tags": ["example", "sample"], "content": "This will be unchanged"});
/// merge_apply(&mut doc, &json!({"title": "Hello!", "phoneNumber": "+01-123-456-7890",
///                               "author": {"familyName": null}, "tags": ["example"]}));
/// assert_eq!(doc, json!({"title": "Hello!", "author": {"givenName": "John"},
///                        "tags": ["example"], "content": "This will be unchanged",
///                        "phoneNumber": "+01-123-456-7890"}));
/// ```
pub fn merge_apply(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            remove_member(map, key);
        } else {
            let slot = map.entry(key.clone()).or_insert(Value::Null);
            merge_apply(slot, value);
        }
    }
}

/// The smallest JSON Merge Patch ([RFC 7396]) that turns `old` into `new`.
///
/// Two objects give an object patch holding only what changed (`{}` when nothing did): removed
/// members as `null`, changed members recursively when both sides are objects, whole values
/// otherwise (arrays are always sent whole). When `new` is not an object the patch is `new`
/// itself, which replaces the target, so an unchanged non-object document gives itself rather
/// than `{}` (which would turn it into an empty object).
///
/// # Errors
///
/// [`PatchError::MergeNull`] when `new` holds an object member whose value is `null` that a
/// merge patch cannot produce: one not already `null` in `old` (at the same place, reached
/// through objects), since `null` in a merge patch means "delete". Use [`JsonPatch::diff`] then.
/// `null`s inside arrays are fine: arrays travel whole.
///
/// ```
/// use serde_json::json;
/// use wirequest::patch_doc::{merge_apply, merge_diff};
///
/// let old = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
/// let new = json!({"b": {"c": 2, "d": 4}, "e": [1, 2, null]});
/// let patch = merge_diff(&old, &new)?;
/// assert_eq!(patch, json!({"a": null, "b": {"d": 4}, "e": [1, 2, null]}));
/// let mut doc = old.clone();
/// merge_apply(&mut doc, &patch);
/// assert_eq!(doc, new);
///
/// assert_eq!(merge_diff(&new, &new)?, json!({}));
///
/// let err = merge_diff(&old, &json!({"a": null})).unwrap_err();
/// assert_eq!(err.to_string(), r#"merge patch cannot express the null member at "/a""#);
/// # Ok::<(), wirequest::patch_doc::PatchError>(())
/// ```
///
/// [RFC 7396]: https://www.rfc-editor.org/rfc/rfc7396
pub fn merge_diff(old: &Value, new: &Value) -> Result<Value, PatchError> {
    let mut tokens = Vec::new();
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            merge_diff_objects(&mut tokens, old, new).map(Value::Object)
        }
        (_, Value::Object(new_map)) => {
            // Applied to a non-object, the patch is merged into `{}`, which drops null members.
            reject_null_members(&mut tokens, new_map)?;
            Ok(new.clone())
        }
        _ => Ok(new.clone()),
    }
}

fn merge_diff_objects(
    tokens: &mut Vec<String>,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Result<Map<String, Value>, PatchError> {
    let mut patch = Map::new();
    for key in old.keys().filter(|key| !new.contains_key(*key)) {
        patch.insert(key.clone(), Value::Null);
    }
    for (key, new_value) in new {
        let old_value = old.get(key);
        if old_value == Some(new_value) {
            continue;
        }
        tokens.push(key.clone());
        let member = match (old_value, new_value) {
            (_, Value::Null) => {
                return Err(PatchError::MergeNull {
                    pointer: pointer_at(tokens),
                })
            }
            (Some(Value::Object(old_map)), Value::Object(new_map)) => {
                Value::Object(merge_diff_objects(tokens, old_map, new_map)?)
            }
            (_, Value::Object(new_map)) => {
                reject_null_members(tokens, new_map)?;
                new_value.clone()
            }
            _ => new_value.clone(),
        };
        tokens.pop();
        patch.insert(key.clone(), member);
    }
    Ok(patch)
}

/// Fails on the first member (reached through objects only) whose value is `null`.
fn reject_null_members(
    tokens: &mut Vec<String>,
    map: &Map<String, Value>,
) -> Result<(), PatchError> {
    for (key, value) in map {
        tokens.push(key.clone());
        match value {
            Value::Null => {
                return Err(PatchError::MergeNull {
                    pointer: pointer_at(tokens),
                })
            }
            Value::Object(inner) => reject_null_members(tokens, inner)?,
            _ => {}
        }
        tokens.pop();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ptr(text: &str) -> Pointer {
        Pointer::parse(text).expect("valid pointer in test")
    }

    fn patch(value: Value) -> JsonPatch {
        serde_json::from_value(value).expect("valid patch in test")
    }

    /// Applies `ops` to `doc`; on error also checks that `doc` is unchanged.
    fn run(doc: Value, ops: Value) -> Result<Value, PatchError> {
        let p = patch(ops);
        let mut target = doc.clone();
        match p.apply(&mut target) {
            Ok(()) => Ok(target),
            Err(err) => {
                assert_eq!(target, doc, "document changed by a failed patch");
                Err(err)
            }
        }
    }

    // --- pointer ---

    #[test]
    fn pointer_parse_escapes_decodes_tokens() {
        assert_eq!(ptr("/a~1b/m~0n/~01").tokens(), ["a/b", "m~n", "~1"]);
        assert_eq!(ptr("/").tokens(), [""]);
        assert_eq!(ptr("//").tokens(), ["", ""]);
        assert!(ptr("").is_root());
    }

    #[test]
    fn pointer_display_roundtrip_matches_input() {
        for text in [
            "",
            "/",
            "/a~1b",
            "/m~0n",
            "/~01",
            "/é/ü/中",
            "/a/0/-",
            "// /",
        ] {
            assert_eq!(ptr(text).to_string(), text);
        }
    }

    #[test]
    fn pointer_parse_missing_slash_errors() {
        let err = Pointer::parse("foo").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid json pointer "foo": must be empty or start with "/""#
        );
    }

    #[test]
    fn pointer_parse_bad_tilde_errors() {
        for text in ["/~", "/a~", "/~2", "/~a", "/x/~~"] {
            assert!(
                matches!(Pointer::parse(text), Err(PatchError::InvalidPointer { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn pointer_get_strict_indices_rejects_noncanonical() {
        let doc = json!(["a", "b"]);
        assert_eq!(ptr("/0").get(&doc), Some(&json!("a")));
        for bad in ["/01", "/00", "/+1", "/-1", "/1e0", "/-", "/2", "/ 1", "/x"] {
            assert_eq!(ptr(bad).get(&doc), None, "{bad}");
        }
        assert_eq!(ptr("/99999999999999999999999").get(&doc), None);
    }

    #[test]
    fn pointer_get_digit_key_on_object_finds_member() {
        let doc = json!({"01": 1, "-": 2});
        assert_eq!(ptr("/01").get(&doc), Some(&json!(1)));
        assert_eq!(ptr("/-").get(&doc), Some(&json!(2)));
    }

    #[test]
    fn pointer_starts_with_tokenwise_matches() {
        assert!(ptr("/a/b").starts_with(&ptr("/a")));
        assert!(ptr("/a").starts_with(&ptr("")));
        assert!(!ptr("/ab").starts_with(&ptr("/a")));
        assert!(!ptr("/a").starts_with(&ptr("/a/b")));
    }

    #[test]
    fn pointer_serde_invalid_string_errors() {
        assert!(serde_json::from_value::<Pointer>(json!("nope")).is_err());
        assert!(serde_json::from_value::<Pointer>(json!(1)).is_err());
        assert_eq!(
            serde_json::to_value(ptr("/a~1b")).unwrap_or_default(),
            json!("/a~1b")
        );
    }

    #[test]
    fn pointer_debug_shows_escaped_text() {
        assert_eq!(format!("{:?}", ptr("/a~1b")), r#"Pointer("/a~1b")"#);
    }

    // --- add ---

    #[test]
    fn add_object_member_inserts() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "add", "path": "/b", "value": [1]}])
            ),
            Ok(json!({"a": 1, "b": [1]}))
        );
    }

    #[test]
    fn add_existing_member_replaces() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "add", "path": "/a", "value": 2}])
            ),
            Ok(json!({"a": 2}))
        );
    }

    #[test]
    fn add_array_index_inserts_before() {
        assert_eq!(
            run(
                json!([1, 2]),
                json!([{"op": "add", "path": "/1", "value": 9}])
            ),
            Ok(json!([1, 9, 2]))
        );
    }

    #[test]
    fn add_array_length_or_dash_appends() {
        assert_eq!(
            run(
                json!([1, 2]),
                json!([{"op": "add", "path": "/2", "value": 9}])
            ),
            Ok(json!([1, 2, 9]))
        );
        assert_eq!(
            run(
                json!([1, 2]),
                json!([{"op": "add", "path": "/-", "value": 9}])
            ),
            Ok(json!([1, 2, 9]))
        );
    }

    #[test]
    fn add_root_replaces_document() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "add", "path": "", "value": [1]}])
            ),
            Ok(json!([1]))
        );
    }

    #[test]
    fn add_past_length_errors() {
        let err = run(
            json!({"a": [1, 2]}),
            json!([{"op": "add", "path": "/a/3", "value": 9}]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            PatchError::OutOfBounds {
                op_index: 0,
                op: OpKind::Add,
                member: Member::Path,
                pointer: ptr("/a/3"),
                array_len: 2
            }
        );
        assert_eq!(
            err.to_string(),
            r#"operation 0 (add): path "/a/3" is past the end of an array of length 2"#
        );
    }

    #[test]
    fn add_huge_index_errors() {
        let err = run(
            json!([1]),
            json!([{"op": "add", "path": "/99999999999999999999999", "value": 9}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::OutOfBounds { array_len: 1, .. }));
    }

    #[test]
    fn add_bad_index_errors() {
        for bad in ["/01", "/-1", "/+1", "/1e0", "/x", "/"] {
            let err = run(json!([1]), json!([{"op": "add", "path": bad, "value": 9}])).unwrap_err();
            assert!(
                matches!(err, PatchError::InvalidIndex { .. }),
                "{bad}: {err}"
            );
        }
        let err = run(
            json!([1]),
            json!([{"op": "add", "path": "/01", "value": 9}]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (add): path "/01": "01" is not a valid array index"#
        );
    }

    #[test]
    fn add_missing_parent_errors() {
        let err = run(
            json!({"q": 1}),
            json!([{"op": "add", "path": "/a/b", "value": 1}]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (add): path "/a/b" has no parent object or array"#
        );
    }

    #[test]
    fn add_scalar_parent_errors() {
        let err = run(
            json!({"q": 1}),
            json!([{"op": "add", "path": "/q/b", "value": 1}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::ParentNotFound { .. }));
        let err = run(
            json!({"q": [1]}),
            json!([{"op": "add", "path": "/q/5/b", "value": 1}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::ParentNotFound { .. }));
    }

    #[test]
    fn add_escaped_keys_inserts_unescaped() {
        assert_eq!(
            run(
                json!({}),
                json!([{"op": "add", "path": "/a~1b", "value": 1},
                                  {"op": "add", "path": "/m~0n", "value": 2},
                                  {"op": "add", "path": "/", "value": 3}])
            ),
            Ok(json!({"a/b": 1, "m~n": 2, "": 3}))
        );
    }

    // --- remove ---

    #[test]
    fn remove_member_deletes() {
        assert_eq!(
            run(
                json!({"a": 1, "b": 2}),
                json!([{"op": "remove", "path": "/a"}])
            ),
            Ok(json!({"b": 2}))
        );
    }

    #[test]
    fn remove_array_element_shifts() {
        assert_eq!(
            run(json!([1, 2, 3]), json!([{"op": "remove", "path": "/0"}])),
            Ok(json!([2, 3]))
        );
    }

    #[test]
    fn remove_missing_member_errors() {
        let err = run(json!({"a": 1}), json!([{"op": "remove", "path": "/b"}])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (remove): path "/b" does not exist"#
        );
    }

    #[test]
    fn remove_past_end_errors() {
        let err = run(json!([1]), json!([{"op": "remove", "path": "/1"}])).unwrap_err();
        assert!(matches!(err, PatchError::OutOfBounds { array_len: 1, .. }));
        let err = run(json!([1]), json!([{"op": "remove", "path": "/-"}])).unwrap_err();
        assert!(matches!(err, PatchError::NotFound { .. }));
    }

    #[test]
    fn remove_root_errors() {
        let err = run(json!({"a": 1}), json!([{"op": "remove", "path": ""}])).unwrap_err();
        assert_eq!(err, PatchError::RemoveRoot { op_index: 0 });
        assert_eq!(
            err.to_string(),
            "operation 0 (remove): cannot remove the whole document"
        );
    }

    #[test]
    fn remove_through_scalar_errors() {
        let err = run(json!({"a": 1}), json!([{"op": "remove", "path": "/a/b"}])).unwrap_err();
        assert!(matches!(err, PatchError::NotFound { .. }));
        let err = run(
            json!({"a": [1]}),
            json!([{"op": "remove", "path": "/a/3/b"}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::NotFound { .. }));
    }

    // --- replace ---

    #[test]
    fn replace_member_overwrites() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "replace", "path": "/a", "value": null}])
            ),
            Ok(json!({"a": null}))
        );
    }

    #[test]
    fn replace_array_element_overwrites() {
        assert_eq!(
            run(
                json!([1, 2]),
                json!([{"op": "replace", "path": "/1", "value": [3]}])
            ),
            Ok(json!([1, [3]]))
        );
    }

    #[test]
    fn replace_root_overwrites() {
        assert_eq!(
            run(
                json!([1]),
                json!([{"op": "replace", "path": "", "value": "x"}])
            ),
            Ok(json!("x"))
        );
    }

    #[test]
    fn replace_missing_errors() {
        let err = run(
            json!({}),
            json!([{"op": "replace", "path": "/a", "value": 1}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::NotFound {
                op: OpKind::Replace,
                ..
            }
        ));
        let err = run(
            json!([]),
            json!([{"op": "replace", "path": "/0", "value": 1}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::OutOfBounds { array_len: 0, .. }));
        let err = run(
            json!([]),
            json!([{"op": "replace", "path": "/-", "value": 1}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::NotFound { .. }));
    }

    // --- move ---

    #[test]
    fn move_member_relocates() {
        assert_eq!(
            run(
                json!({"a": {"b": 1}, "c": {}}),
                json!([{"op": "move", "from": "/a/b", "path": "/c/d"}])
            ),
            Ok(json!({"a": {}, "c": {"d": 1}}))
        );
    }

    #[test]
    fn move_within_array_uses_post_removal_indices() {
        assert_eq!(
            run(
                json!([0, 1, 2, 3]),
                json!([{"op": "move", "from": "/1", "path": "/3"}])
            ),
            Ok(json!([0, 2, 3, 1]))
        );
    }

    #[test]
    fn move_onto_itself_changes_nothing() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "move", "from": "/a", "path": "/a"}])
            ),
            Ok(json!({"a": 1}))
        );
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "move", "from": "", "path": ""}])
            ),
            Ok(json!({"a": 1}))
        );
    }

    #[test]
    fn move_onto_itself_missing_errors() {
        let err = run(
            json!({}),
            json!([{"op": "move", "from": "/a", "path": "/a"}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::NotFound {
                member: Member::From,
                ..
            }
        ));
    }

    #[test]
    fn move_into_own_child_errors() {
        let err = run(
            json!({"a": {"b": 1}}),
            json!([{"op": "move", "from": "/a", "path": "/a/b"}]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (move): cannot move "/a" into its own child "/a/b""#
        );
        let err = run(
            json!({"a": 1}),
            json!([{"op": "move", "from": "", "path": "/a"}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::MoveIntoChild { .. }));
    }

    #[test]
    fn move_to_sibling_prefix_name_succeeds() {
        assert_eq!(
            run(
                json!({"a": 1}),
                json!([{"op": "move", "from": "/a", "path": "/ab"}])
            ),
            Ok(json!({"ab": 1}))
        );
    }

    #[test]
    fn move_to_root_replaces_document() {
        assert_eq!(
            run(
                json!({"a": {"b": 1}}),
                json!([{"op": "move", "from": "/a", "path": ""}])
            ),
            Ok(json!({"b": 1}))
        );
    }

    #[test]
    fn move_missing_from_errors() {
        let err = run(
            json!({}),
            json!([{"op": "move", "from": "/x", "path": "/y"}]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (move): from "/x" does not exist"#
        );
    }

    #[test]
    fn move_bad_target_restores_source() {
        let doc = json!({"a": 1, "b": [1]});
        let err = run(doc, json!([{"op": "move", "from": "/a", "path": "/b/5"}])).unwrap_err();
        assert!(matches!(
            err,
            PatchError::OutOfBounds {
                member: Member::Path,
                ..
            }
        ));
    }

    // --- copy ---

    #[test]
    fn copy_value_duplicates() {
        assert_eq!(
            run(
                json!({"a": [1]}),
                json!([{"op": "copy", "from": "/a", "path": "/a/-"}])
            ),
            Ok(json!({"a": [1, [1]]}))
        );
    }

    #[test]
    fn copy_missing_from_errors() {
        let err = run(
            json!([1]),
            json!([{"op": "copy", "from": "/1", "path": "/-"}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::OutOfBounds {
                member: Member::From,
                op: OpKind::Copy,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            r#"operation 0 (copy): from "/1" is past the end of an array of length 1"#
        );
    }

    #[test]
    fn copy_bad_target_errors() {
        let err = run(
            json!({"a": 1}),
            json!([{"op": "copy", "from": "/a", "path": "/x/y"}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::ParentNotFound {
                op: OpKind::Copy,
                ..
            }
        ));
    }

    // --- test ---

    #[test]
    fn test_equal_value_passes() {
        let doc = json!({"a": {"x": [1, {"y": null}], "z": "s"}});
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op": "test", "path": "/a", "value": {"z": "s", "x": [1, {"y": null}]}}])
            ),
            Ok(doc)
        );
    }

    #[test]
    fn test_integer_and_float_compare_numerically() {
        assert!(run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": 1.0}])
        )
        .is_ok());
        assert!(run(
            json!({"a": 1.5}),
            json!([{"op": "test", "path": "/a", "value": 1.5}])
        )
        .is_ok());
        assert!(run(
            json!({"a": -2}),
            json!([{"op": "test", "path": "/a", "value": -2.0}])
        )
        .is_ok());
        assert!(run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": 1.5}])
        )
        .is_err());
        assert!(run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": "1"}])
        )
        .is_err());
        let big = json!(9_007_199_254_740_993_u64);
        let doc = json!({"a": big});
        assert!(run(
            doc.clone(),
            json!([{"op": "test", "path": "/a", "value": 9_007_199_254_740_992.0}])
        )
        .is_err());
        assert!(run(
            doc,
            json!([{"op": "test", "path": "/a", "value": 9_007_199_254_740_993_u64}])
        )
        .is_ok());
        assert!(run(
            json!([u64::MAX]),
            json!([{"op": "test", "path": "/0", "value": -1}])
        )
        .is_err());
    }

    #[test]
    fn test_different_value_errors() {
        let err = run(
            json!({"a": [1, 2]}),
            json!([{"op": "test", "path": "/a", "value": [2, 1]}]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"operation 0 (test): value at path "/a" is not equal to the expected value"#
        );
        assert!(run(
            json!({"a": {"b": 1}}),
            json!([{"op": "test", "path": "/a", "value": {"b": 1, "c": 2}}])
        )
        .is_err());
        assert!(run(
            json!({"a": null}),
            json!([{"op": "test", "path": "/a", "value": false}])
        )
        .is_err());
    }

    #[test]
    fn test_missing_path_errors() {
        let err = run(
            json!({}),
            json!([{"op": "test", "path": "/a", "value": null}]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            PatchError::NotFound {
                op: OpKind::Test,
                ..
            }
        ));
    }

    #[test]
    fn test_root_compares_whole_document() {
        assert!(run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "", "value": {"a": 1}}])
        )
        .is_ok());
    }

    // --- atomicity ---

    #[test]
    fn apply_failure_late_restores_everything() {
        let doc = json!({"a": [1, 2, 3], "b": {"c": "d"}, "e": null, "k": {"x": 1}});
        let err = run(
            doc,
            json!([
                {"op": "remove", "path": "/a/0"},
                {"op": "add", "path": "/a/-", "value": 9},
                {"op": "replace", "path": "/b/c", "value": "z"},
                {"op": "move", "from": "/b", "path": "/a/1"},
                {"op": "copy", "from": "/a", "path": "/k/x"},
                {"op": "add", "path": "", "value": {"gone": true}},
                {"op": "move", "from": "/gone", "path": "/e"},
                {"op": "remove", "path": "/nope"}
            ]),
        )
        .unwrap_err();
        assert_eq!(err.operation_index(), Some(7));
    }

    #[test]
    fn apply_failure_keeps_member_order() {
        // Meaningful with serde_json's preserve_order; harmless without it.
        let doc: Value =
            serde_json::from_str(r#"{"z": 1, "m": 2, "a": 3, "q": 4}"#).unwrap_or_default();
        let p = patch(json!([
            {"op": "remove", "path": "/m"},
            {"op": "move", "from": "/z", "path": "/n"},
            {"op": "test", "path": "/a", "value": 0}
        ]));
        let mut target = doc.clone();
        assert!(p.apply(&mut target).is_err());
        let before: Vec<&String> = doc
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let after: Vec<&String> = target
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(before, after);
    }

    #[test]
    fn apply_empty_patch_changes_nothing() {
        assert_eq!(run(json!([1]), json!([])), Ok(json!([1])));
    }

    // --- serde ---

    #[test]
    fn patch_serialize_standard_form_matches() {
        let p = JsonPatch::new()
            .add("/a", 1)
            .and_then(|p| p.remove("/b"))
            .and_then(|p| p.replace("/c", json!([])))
            .and_then(|p| p.move_("/d", "/e"))
            .and_then(|p| p.copy("/f", "/g~1h"))
            .and_then(|p| p.test("/i", json!(null)))
            .unwrap_or_default();
        assert_eq!(
            serde_json::to_value(&p).unwrap_or_default(),
            json!([
                {"op": "add", "path": "/a", "value": 1},
                {"op": "remove", "path": "/b"},
                {"op": "replace", "path": "/c", "value": []},
                {"op": "move", "from": "/d", "path": "/e"},
                {"op": "copy", "from": "/f", "path": "/g~1h"},
                {"op": "test", "path": "/i", "value": null}
            ])
        );
        assert_eq!(p.to_string().parse::<JsonPatch>(), Ok(p));
    }

    #[test]
    fn patch_parse_unknown_op_errors() {
        let err = r#"[{"op": "spam", "path": "/a"}]"#.parse::<JsonPatch>().unwrap_err();
        assert!(matches!(err, PatchError::Parse { .. }), "{err}");
        assert!(
            err.to_string()
                == r#"invalid json patch: operation 0: unknown op "spam", expected add, remove, replace, move, copy or test"#,
            "{err}"
        );
    }

    #[test]
    fn patch_parse_missing_members_errors() {
        for text in [
            r#"[{"path": "/a", "value": 1}]"#,
            r#"[{"op": "add", "value": 1}]"#,
            r#"[{"op": "add", "path": "/a"}]"#,
            r#"[{"op": "replace", "path": "/a"}]"#,
            r#"[{"op": "test", "path": "/a"}]"#,
            r#"[{"op": "move", "path": "/a"}]"#,
            r#"[{"op": "copy", "path": "/a"}]"#,
            r#"[{"op": "add", "path": null, "value": 1}]"#,
            r#"[{"op": "add", "path": "a", "value": 1}]"#,
            r#"[{"op": "move", "from": "/~2", "path": "/a"}]"#,
            r#"{"op": "remove", "path": "/a"}"#,
            r#"[1]"#,
            r#"[{"op": 5, "path": "/a"}]"#,
            "[",
            "",
        ] {
            assert!(text.parse::<JsonPatch>().is_err(), "{text}");
        }
    }

    #[test]
    fn operation_serialize_present_members_only() {
        let text = |op: Operation| serde_json::to_string(&op).unwrap_or_default();
        assert_eq!(
            text(Operation::Remove { path: ptr("/a") }),
            r#"{"op":"remove","path":"/a"}"#
        );
        assert_eq!(
            text(Operation::Copy {
                from: ptr("/m~0n"),
                path: ptr("/a~1b")
            }),
            r#"{"op":"copy","from":"/m~0n","path":"/a~1b"}"#
        );
        assert_eq!(
            text(Operation::Test {
                path: ptr(""),
                value: json!(null)
            }),
            r#"{"op":"test","path":"","value":null}"#
        );
    }

    #[test]
    fn operation_deserialize_alone_checks_members() {
        let read = |v: Value| serde_json::from_value::<Operation>(v).map_err(|e| e.to_string());
        assert_eq!(
            read(json!({"op": "replace", "path": "/a", "value": [1], "from": 3})),
            Ok(Operation::Replace {
                path: ptr("/a"),
                value: json!([1])
            })
        );
        assert_eq!(
            read(json!({"op": "move", "path": "/a"})),
            Err("missing member `from`".to_owned())
        );
        assert_eq!(
            read(json!({"op": "copy", "from": 1, "path": "/a"})),
            Err("member `from` must be a string, found a number".to_owned())
        );
        assert_eq!(
            read(json!("add")),
            Err("expected an operation object, found a string".to_owned())
        );
    }

    #[test]
    fn patch_parse_later_operation_names_index() {
        let err = r#"[{"op": "remove", "path": "/a"}, {"op": "add", "path": "/b"}]"#
            .parse::<JsonPatch>()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid json patch: operation 1: missing member `value`"
        );
    }

    #[test]
    fn patch_parse_invalid_pointer_names_it() {
        let err = r#"[{"op": "remove", "path": "a"}]"#.parse::<JsonPatch>().unwrap_err();
        assert!(
            err.to_string().contains(r#"invalid json pointer "a""#),
            "{err}"
        );
    }

    #[test]
    fn patch_parse_unknown_members_ignored() {
        let p: Result<JsonPatch, _> =
            r#"[{"op": "remove", "path": "/a", "value": 1, "from": "/x", "xyz": [1]}]"#.parse();
        assert_eq!(p, Ok(JsonPatch::new().remove("/a").unwrap_or_default()));
    }

    #[test]
    fn patch_builder_invalid_pointer_errors() {
        assert!(JsonPatch::new().add("a", 1).is_err());
        assert!(JsonPatch::new().remove("/~").is_err());
        assert!(JsonPatch::new().move_("/a", "b").is_err());
        assert!(JsonPatch::new().copy("b", "/a").is_err());
        assert!(JsonPatch::new().replace("x", 1).is_err());
        assert!(JsonPatch::new().test("x", 1).is_err());
    }

    #[test]
    fn patch_collections_behave_like_vec() {
        let ops = vec![
            Operation::Remove { path: ptr("/a") },
            Operation::Test {
                path: ptr(""),
                value: json!(1),
            },
        ];
        let mut p: JsonPatch = ops.clone().into_iter().collect();
        assert_eq!(p.len(), 2);
        assert_eq!(p.operations(), &ops[..]);
        assert_eq!((&p).into_iter().count(), 2);
        p.extend(ops.clone());
        assert_eq!(p.len(), 4);
        let back: Vec<Operation> = p.clone().into();
        assert_eq!(back.len(), 4);
        assert_eq!(
            JsonPatch::from(ops.clone()).into_iter().collect::<Vec<_>>(),
            ops
        );
    }

    #[test]
    fn operation_accessors_report_members() {
        let op = Operation::Move {
            from: ptr("/a"),
            path: ptr("/b"),
        };
        assert_eq!(op.kind(), OpKind::Move);
        assert_eq!(op.path(), &ptr("/b"));
        assert_eq!(op.from(), Some(&ptr("/a")));
        assert_eq!(op.value(), None);
        let op = Operation::Replace {
            path: ptr("/c"),
            value: json!(2),
        };
        assert_eq!(op.from(), None);
        assert_eq!(op.value(), Some(&json!(2)));
    }

    #[test]
    fn error_is_send_sync_static() {
        fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
        assert_error::<PatchError>();
    }

    #[test]
    fn error_display_lowercase_without_period() {
        let errors = [
            PatchError::NotFound {
                op_index: 2,
                op: OpKind::Remove,
                member: Member::Path,
                pointer: ptr("/a/3"),
            },
            PatchError::ParentNotFound {
                op_index: 0,
                op: OpKind::Add,
                pointer: ptr("/a/b"),
            },
            PatchError::InvalidIndex {
                op_index: 0,
                op: OpKind::Test,
                member: Member::Path,
                pointer: ptr("/01"),
                token: "01".into(),
            },
            PatchError::OutOfBounds {
                op_index: 0,
                op: OpKind::Add,
                member: Member::Path,
                pointer: ptr("/9"),
                array_len: 1,
            },
            PatchError::MoveIntoChild {
                op_index: 0,
                from: ptr("/a"),
                path: ptr("/a/b"),
            },
            PatchError::RemoveRoot { op_index: 0 },
            PatchError::TestFailed {
                op_index: 0,
                pointer: ptr("/a"),
            },
            PatchError::MergeNull { pointer: ptr("/a") },
            PatchError::InvalidPointer {
                pointer: "x".into(),
                reason: "must be empty or start with \"/\"",
            },
            PatchError::Parse {
                message: "eof while parsing a list at line 1 column 1".into(),
                line: 1,
                column: 1,
            },
        ];
        for err in errors {
            let text = err.to_string();
            assert!(text.starts_with(|c: char| c.is_lowercase()), "{text}");
            assert!(!text.ends_with('.'), "{text}");
        }
        assert_eq!(
            PatchError::NotFound {
                op_index: 2,
                op: OpKind::Remove,
                member: Member::Path,
                pointer: ptr("/a/3")
            }
            .to_string(),
            r#"operation 2 (remove): path "/a/3" does not exist"#
        );
    }

    #[test]
    fn error_display_escapes_odd_keys() {
        let err = PatchError::TestFailed {
            op_index: 0,
            pointer: Pointer::from_tokens(["k\"l", "a/b", "\n"]),
        };
        assert_eq!(
            err.to_string(),
            r#"operation 0 (test): value at path "/k\"l/a~1b/\n" is not equal to the expected value"#
        );
    }

    // --- diff ---

    #[test]
    fn diff_equal_documents_empty() {
        let doc = json!({"a": [1, {"b": null}], "c": 1.5});
        assert!(JsonPatch::diff(&doc, &doc).is_empty());
    }

    #[test]
    fn diff_array_insert_middle_single_add() {
        let p = JsonPatch::diff(&json!([1, 2, 3, 4]), &json!([1, 2, 9, 3, 4]));
        assert_eq!(p, patch(json!([{"op": "add", "path": "/2", "value": 9}])));
    }

    #[test]
    fn diff_array_remove_middle_single_remove() {
        let p = JsonPatch::diff(&json!([1, 2, 3, 4]), &json!([1, 4]));
        assert_eq!(
            p,
            patch(json!([{"op": "remove", "path": "/2"}, {"op": "remove", "path": "/1"}]))
        );
    }

    #[test]
    fn diff_nested_change_targets_leaf() {
        let p = JsonPatch::diff(
            &json!({"a": [{"b": 1, "c": 2}]}),
            &json!({"a": [{"b": 1, "c": 3}]}),
        );
        assert_eq!(
            p,
            patch(json!([{"op": "replace", "path": "/a/0/c", "value": 3}]))
        );
    }

    #[test]
    fn diff_type_change_replaces() {
        let p = JsonPatch::diff(&json!({"a": [1]}), &json!({"a": {"0": 1}}));
        assert_eq!(
            p,
            patch(json!([{"op": "replace", "path": "/a", "value": {"0": 1}}]))
        );
        let p = JsonPatch::diff(&json!(1), &json!(1.0));
        assert_eq!(
            p,
            patch(json!([{"op": "replace", "path": "", "value": 1.0}]))
        );
    }

    #[test]
    fn diff_escaped_keys_roundtrip() {
        let old = json!({"a/b": {"m~n": 1}, "": [1]});
        let new = json!({"a/b": {"m~n": 2, "~1": 3}, "": []});
        let p = JsonPatch::diff(&old, &new);
        let mut doc = old;
        assert_eq!(p.apply(&mut doc), Ok(()));
        assert_eq!(doc, new);
    }

    // --- merge patch ---

    #[test]
    fn merge_apply_rfc_appendix_a_matches() {
        let rows = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (
                json!({"a":"b"}),
                json!({"b":"c"}),
                json!({"a":"b", "b":"c"}),
            ),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b", "b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b":"c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null, "a":1})),
            (json!([1, 2]), json!({"a":"b", "c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        assert_eq!(rows.len(), 15);
        for (original, merge, result) in rows {
            let mut doc = original.clone();
            merge_apply(&mut doc, &merge);
            assert_eq!(doc, result, "{original} + {merge}");
        }
    }

    #[test]
    fn merge_apply_missing_member_nulls_dropped() {
        let mut doc = json!({"a": 1});
        merge_apply(&mut doc, &json!({"b": {"c": null, "d": [null]}, "x": null}));
        assert_eq!(doc, json!({"a": 1, "b": {"d": [null]}}));
    }

    #[test]
    fn merge_diff_unchanged_object_empty() {
        let doc = json!({"a": {"b": null}, "c": [null]});
        assert_eq!(merge_diff(&doc, &doc), Ok(json!({})));
    }

    #[test]
    fn merge_diff_unchanged_scalar_returns_document() {
        for doc in [json!(null), json!(1), json!([1]), json!("s")] {
            assert_eq!(merge_diff(&doc, &doc), Ok(doc.clone()));
        }
    }

    #[test]
    fn merge_diff_nested_change_minimal() {
        let old = json!({"a": {"b": 1, "c": 2}, "d": [1], "e": 1});
        let new = json!({"a": {"b": 1, "c": 3, "f": {"g": 1}}, "d": [1, 2], "h": false});
        assert_eq!(
            merge_diff(&old, &new),
            Ok(json!({"a": {"c": 3, "f": {"g": 1}}, "d": [1, 2], "e": null, "h": false}))
        );
    }

    #[test]
    fn merge_diff_new_null_member_errors() {
        let err = merge_diff(&json!({"a": 1}), &json!({"a": null})).unwrap_err();
        assert_eq!(err, PatchError::MergeNull { pointer: ptr("/a") });
        let err = merge_diff(&json!({}), &json!({"a": {"b": {"c/d": null}}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"merge patch cannot express the null member at "/a/b/c~1d""#
        );
        let err = merge_diff(&json!({"a": {"b": 1}}), &json!({"a": {"b": null}})).unwrap_err();
        assert_eq!(
            err,
            PatchError::MergeNull {
                pointer: ptr("/a/b")
            }
        );
    }

    #[test]
    fn merge_diff_object_replacing_scalar_with_null_errors() {
        let err = merge_diff(&json!({"a": 1}), &json!({"a": {"b": null}})).unwrap_err();
        assert_eq!(
            err,
            PatchError::MergeNull {
                pointer: ptr("/a/b")
            }
        );
        let err = merge_diff(&json!([1]), &json!({"x": null})).unwrap_err();
        assert_eq!(err, PatchError::MergeNull { pointer: ptr("/x") });
    }

    #[test]
    fn merge_diff_kept_null_member_succeeds() {
        let old = json!({"a": null, "b": {"c": null}});
        let new = json!({"a": null, "b": {"c": null, "d": 1}});
        let p = merge_diff(&old, &new);
        assert_eq!(p, Ok(json!({"b": {"d": 1}})));
    }

    #[test]
    fn merge_diff_null_in_array_succeeds() {
        let old = json!({"a": 1});
        let new = json!({"a": [null, {"b": null}]});
        let p = merge_diff(&old, &new).unwrap_or_default();
        let mut doc = old;
        merge_apply(&mut doc, &p);
        assert_eq!(doc, new);
    }

    #[test]
    fn merge_diff_to_null_document_returns_null() {
        assert_eq!(merge_diff(&json!({"a": 1}), &json!(null)), Ok(json!(null)));
    }
}
