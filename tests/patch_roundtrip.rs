//! Generated round-trip properties of `wirequest::patch_doc`, over documents made by a small
//! fixed-seed PRNG (deterministic, no extra dependencies):
//!
//! - `JsonPatch::diff(a, b).apply(a) == b`, and the diff survives serde and `FromStr`;
//! - `merge_apply(a, merge_diff(a, b)?) == b`, and `merge_diff` fails only where `b` holds a
//!   `null` object member that `a` does not (no merge patch can produce one);
//! - the diff of a document with itself is empty (`{}` for merge patches of objects);
//! - random patches apply atomically: a failing patch leaves the document as it was, and the
//!   error names the first operation that cannot apply.

use serde_json::{Map, Number, Value};
use wirequest::patch_doc::{merge_apply, merge_diff, JsonPatch, Operation, PatchError, Pointer};

const PAIRS: u64 = 2_000;
const RANDOM_PATCHES: u64 = 2_000;

/// SplitMix64: tiny, fast, good enough to drive generation.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// Keys, including ones that need JSON Pointer escapes, look like indices, or are not ASCII.
const KEYS: &[&str] = &[
    "a", "b", "c", "id", "name", "items", "a/b", "m~n", "", "~1", "~0", "/", "~", "//", "0", "1",
    "-", "01", "é", "naïve", "中文", "🙂", " ", "k\"l", "x\\y", "tab\t",
];

const STRINGS: &[&str] = &["", "x", "hello", "é", "🙂 ok", "null", "1", "a/b"];

struct Gen {
    rng: Rng,
    /// Whether `null` may be generated (off for half the pairs, so merge diffs often succeed).
    nulls: bool,
    /// How many numbers `mutate` rewrote as the same value in the other representation.
    number_respellings: usize,
}

impl Gen {
    fn number(&mut self) -> Value {
        let rng = &mut self.rng;
        match rng.below(8) {
            0 => Value::from(rng.below(21) as i64 - 10),
            1 => Value::from(-(rng.below(1 << 40) as i64)),
            2 => Value::from(u64::MAX - rng.below(1000)),
            3 => Value::from(i64::MIN + rng.below(1000) as i64),
            4 => float(rng.below(2001) as f64 / 8.0 - 125.0),
            5 => float(*rng.pick(&[0.0, -0.0, 1.0, -1.0, 0.1, 1e300, -2.5e-300, 123_456.789])),
            // At most 15 significant digits: serde_json without its `float_roundtrip` feature
            // may read longer decimals back one unit in the last place off.
            6 => float(rng.below(1 << 49) as f64),
            _ => Value::from(rng.below(3)),
        }
    }

    fn scalar(&mut self) -> Value {
        match self.rng.below(if self.nulls { 5 } else { 4 }) {
            0 => Value::Bool(self.rng.chance(50)),
            1 | 2 => self.number(),
            3 => Value::from(*self.rng.pick(STRINGS)),
            _ => Value::Null,
        }
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 || self.rng.chance(45) {
            return self.scalar();
        }
        if self.rng.chance(55) {
            let mut map = Map::new();
            for _ in 0..self.rng.below(5) {
                map.insert(self.key(), self.value(depth - 1));
            }
            Value::Object(map)
        } else {
            let len = self.rng.below(5);
            Value::Array((0..len).map(|_| self.value(depth - 1)).collect())
        }
    }

    fn key(&mut self) -> String {
        if self.rng.chance(15) {
            format!("k{}", self.rng.below(50))
        } else {
            (*self.rng.pick(KEYS)).to_owned()
        }
    }

    /// A document like `v` with random edits all over it.
    fn mutate(&mut self, v: &Value, depth: u32) -> Value {
        match self.rng.below(10) {
            0 => return self.value(depth),
            1 | 2 => return v.clone(),
            _ => {}
        }
        match v {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, value) in map {
                    if !self.rng.chance(15) {
                        out.insert(key.clone(), self.mutate(value, depth.saturating_sub(1)));
                    }
                }
                while self.rng.chance(30) {
                    out.insert(self.key(), self.value(depth.saturating_sub(1)));
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    if self.rng.chance(15) {
                        out.push(self.value(depth.saturating_sub(1)));
                    }
                    if !self.rng.chance(15) {
                        out.push(self.mutate(item, depth.saturating_sub(1)));
                    }
                }
                while self.rng.chance(25) {
                    out.push(self.value(depth.saturating_sub(1)));
                }
                Value::Array(out)
            }
            // Same value, other representation: 2 and 2.0 differ as `Value`s.
            Value::Number(n) if self.rng.chance(30) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) if i.abs() < 1 << 49 => {
                    self.number_respellings += 1;
                    float(i as f64)
                }
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e14 => {
                    self.number_respellings += 1;
                    Value::from(f as i64)
                }
                _ => self.scalar(),
            },
            _ => self.scalar(),
        }
    }

    /// A document for one side of a pair: mostly objects at the top.
    fn document(&mut self) -> Value {
        if self.rng.chance(85) {
            let mut map = Map::new();
            for _ in 0..self.rng.below(6) {
                map.insert(self.key(), self.value(3));
            }
            Value::Object(map)
        } else {
            self.value(3)
        }
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Whether the value at `pointer` is `null` and every container on the way is an object: a
/// `null` that a merge patch can only keep, never create.
fn null_through_objects(doc: &Value, pointer: &Pointer) -> bool {
    let mut cur = doc;
    for token in pointer.tokens() {
        match cur {
            Value::Object(map) => match map.get(token) {
                Some(next) => cur = next,
                None => return false,
            },
            _ => return false,
        }
    }
    !pointer.is_root() && cur.is_null()
}

#[derive(Debug, Default)]
struct Stats {
    diff_ops: usize,
    diff_nonempty: usize,
    merge_ok: usize,
    merge_null_errors: usize,
    merge_nonobject_patches: usize,
    number_respellings: usize,
}

fn check_pair(a: &Value, b: &Value, stats: &mut Stats) {
    // JSON Patch: diff, apply, serialize, parse.
    let diff = JsonPatch::diff(a, b);
    let mut doc = a.clone();
    if let Err(err) = diff.apply(&mut doc) {
        panic!("diff does not apply: {err}\na = {a}\nb = {b}\ndiff = {diff}");
    }
    assert_eq!(
        &doc, b,
        "diff gives the wrong document\na = {a}\ndiff = {diff}"
    );
    stats.diff_ops += diff.len();
    stats.diff_nonempty += usize::from(!diff.is_empty());
    assert_eq!(
        diff.is_empty(),
        a == b,
        "diff empty iff equal\na = {a}\nb = {b}"
    );

    let text = serde_json::to_string(&diff).unwrap_or_else(|err| panic!("serialize: {err}"));
    let via_serde: JsonPatch =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("deserialize {text}: {err}"));
    assert_eq!(via_serde, diff, "serde round trip of {text}");
    let via_from_str: JsonPatch = diff
        .to_string()
        .parse()
        .unwrap_or_else(|err| panic!("FromStr of {diff}: {err}"));
    assert_eq!(via_from_str, diff, "FromStr round trip of {diff}");
    let value = serde_json::to_value(&diff).unwrap_or_else(|err| panic!("to_value: {err}"));
    assert!(value.is_array(), "a JSON Patch is an array");
    let via_value: JsonPatch =
        serde_json::from_value(value).unwrap_or_else(|err| panic!("from_value: {err}"));
    assert_eq!(via_value, diff);

    // Merge patch.
    match merge_diff(a, b) {
        Ok(patch) => {
            stats.merge_ok += 1;
            stats.merge_nonobject_patches += usize::from(!patch.is_object());
            let mut doc = a.clone();
            merge_apply(&mut doc, &patch);
            assert_eq!(
                &doc, b,
                "merge patch {patch} gives the wrong document from {a}"
            );
            if a.is_object() && b.is_object() && a == b {
                assert_eq!(patch, Value::Object(Map::new()));
            }
        }
        Err(PatchError::MergeNull { pointer }) => {
            stats.merge_null_errors += 1;
            assert!(
                null_through_objects(b, &pointer),
                "merge_diff blamed {pointer} which is no null member of b = {b}"
            );
            // Objects on the way are either kept from the target or built from `{}` (which
            // drops nulls), so that null must already be in `a` for any patch to give it.
            assert!(
                !null_through_objects(a, &pointer),
                "merge_diff refused {pointer}, which a = {a} already holds as null"
            );
        }
        Err(other) => panic!("merge_diff failed with {other:?}"),
    }

    // Identity.
    assert!(JsonPatch::diff(a, a).is_empty());
    assert!(JsonPatch::diff(b, b).is_empty());
    let same = merge_diff(a, a).unwrap_or_else(|err| panic!("merge_diff(a, a): {err}"));
    if a.is_object() {
        assert_eq!(
            same,
            Value::Object(Map::new()),
            "merge_diff(a, a) for a = {a}"
        );
    } else {
        assert_eq!(&same, a, "merge_diff(a, a) of a non-object is a itself");
    }
}

#[test]
fn roundtrip_generated_pairs_hold() {
    let mut stats = Stats::default();
    for seed in 0..PAIRS {
        let mut gen = Gen {
            rng: Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED),
            nulls: seed % 2 == 0,
            number_respellings: 0,
        };
        let a = gen.document();
        let b = if gen.rng.chance(80) {
            gen.mutate(&a, 3)
        } else {
            gen.document()
        };
        stats.number_respellings += gen.number_respellings;
        check_pair(&a, &b, &mut stats);
        check_pair(&b, &a, &mut stats);
    }
    eprintln!("{stats:?}");
    let checked = 2 * PAIRS as usize;
    assert_eq!(stats.merge_ok + stats.merge_null_errors, checked);
    // The generator must reach the interesting cases, or the properties prove little.
    assert!(stats.diff_nonempty > checked / 2, "{stats:?}");
    assert!(stats.diff_ops > checked * 2, "{stats:?}");
    assert!(stats.merge_null_errors > checked / 10, "{stats:?}");
    assert!(stats.merge_ok > checked / 2, "{stats:?}");
    assert!(stats.merge_nonobject_patches > 0, "{stats:?}");
    assert!(stats.number_respellings > 50, "{stats:?}");
}

#[test]
fn roundtrip_escaped_keys_hold() {
    // Every awkward key, alone and nested, added, changed and removed.
    let mut stats = Stats::default();
    for key in KEYS {
        let a = serde_json::json!({ *key: {"x": 1}, "keep": [1, 2] });
        let b = serde_json::json!({ "keep": [1, 2, {*key: [true]}], "new": {*key: 2} });
        check_pair(&a, &b, &mut stats);
        check_pair(&b, &a, &mut stats);
        let diff = JsonPatch::diff(&a, &b);
        let escaped = diff.to_string();
        assert!(!escaped.is_empty());
    }
    assert_eq!(stats.merge_ok + stats.merge_null_errors, 2 * KEYS.len());
}

/// A pointer into `doc`: usually an existing location (or a child of one), sometimes junk.
fn random_pointer(gen: &mut Gen, doc: &Value) -> Pointer {
    let mut pointer = Pointer::root();
    let mut cur = Some(doc);
    while let Some(value) = cur {
        if gen.rng.chance(30) {
            break;
        }
        cur = match value {
            Value::Object(map) if !map.is_empty() && gen.rng.chance(85) => {
                let keys: Vec<&String> = map.keys().collect();
                let key = *gen.rng.pick(&keys);
                pointer.push(key.clone());
                map.get(key)
            }
            Value::Array(items) if !items.is_empty() && gen.rng.chance(85) => {
                let i = gen.rng.index(items.len());
                pointer.push(i.to_string());
                items.get(i)
            }
            _ => None,
        };
    }
    if gen.rng.chance(25) {
        let token = match gen.rng.below(6) {
            0 => "-".to_owned(),
            1 => gen.rng.below(6).to_string(),
            2 => (*gen
                .rng
                .pick(&["01", "-1", "1e0", "+1", " 1", "99999999999999999999999"]))
            .to_owned(),
            _ => gen.key(),
        };
        pointer.push(token);
    }
    pointer
}

fn random_patch(gen: &mut Gen, doc: &Value) -> JsonPatch {
    let mut patch = JsonPatch::new();
    for _ in 0..=gen.rng.below(6) {
        let path = random_pointer(gen, doc);
        let op = match gen.rng.below(6) {
            0 => Operation::Add {
                path,
                value: gen.value(2),
            },
            1 => Operation::Remove { path },
            2 => Operation::Replace {
                path,
                value: gen.value(2),
            },
            3 => Operation::Move {
                from: random_pointer(gen, doc),
                path,
            },
            4 => Operation::Copy {
                from: random_pointer(gen, doc),
                path,
            },
            _ => {
                // Usually test what is there (in another number representation when possible).
                let value = match path.get(doc) {
                    Some(Value::Number(n)) if gen.rng.chance(50) => n
                        .as_i64()
                        .filter(|i| i.abs() < 1 << 53)
                        .map_or_else(|| Value::Number(n.clone()), |i| float(i as f64)),
                    Some(found) if gen.rng.chance(70) => found.clone(),
                    _ => gen.value(1),
                };
                Operation::Test { path, value }
            }
        };
        patch.push(op);
    }
    patch
}

#[test]
fn random_patches_apply_atomically() {
    let (mut ok, mut failed, mut failed_late) = (0_usize, 0_usize, 0_usize);
    for seed in 0..RANDOM_PATCHES {
        let mut gen = Gen {
            rng: Rng::new(seed ^ 0xA701C),
            nulls: true,
            number_respellings: 0,
        };
        let doc = gen.document();
        let patch = random_patch(&mut gen, &doc);
        let mut target = doc.clone();
        match patch.apply(&mut target) {
            Ok(()) => {
                ok += 1;
                // Applying the operations one at a time gives the same document.
                let mut stepwise = doc.clone();
                for op in patch.iter() {
                    let single: JsonPatch = vec![op.clone()].into();
                    if let Err(err) = single.apply(&mut stepwise) {
                        panic!("step failed alone: {err}\ndoc = {doc}\npatch = {patch}");
                    }
                }
                assert_eq!(stepwise, target);
            }
            Err(err) => {
                failed += 1;
                assert_eq!(
                    serde_json::to_string(&target).ok(),
                    serde_json::to_string(&doc).ok(),
                    "failed patch {patch} changed {doc}: {err}"
                );
                let text = err.to_string();
                assert!(text.starts_with("operation "), "{text}");
                assert!(!text.ends_with('.'), "{text}");
                // The operations before the failing one apply; adding it fails the same way.
                let at = err
                    .operation_index()
                    .unwrap_or_else(|| panic!("no operation index in {err:?}"));
                failed_late += usize::from(at > 0);
                let ops = patch.operations();
                let before: JsonPatch = ops[..at].to_vec().into();
                let mut prefix_doc = doc.clone();
                assert_eq!(before.apply(&mut prefix_doc), Ok(()), "prefix of {patch}");
                let through: JsonPatch = ops[..=at].to_vec().into();
                let mut through_doc = doc.clone();
                assert_eq!(through.apply(&mut through_doc), Err(err.clone()));
                assert_eq!(through_doc, doc);
            }
        }
    }
    eprintln!("random patches: {ok} applied, {failed} failed ({failed_late} after earlier ops)");
    assert_eq!(ok + failed, RANDOM_PATCHES as usize);
    assert!(ok > RANDOM_PATCHES as usize / 10, "{ok} applied");
    assert!(
        failed_late > RANDOM_PATCHES as usize / 10,
        "{failed_late} failed late"
    );
}
