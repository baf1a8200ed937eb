//! Runs the community JSON Patch test suite (json-patch/json-patch-tests) against
//! `wirequest::patch_doc::JsonPatch`. See `tests/vectors/json-patch/README.md`.

use std::path::PathBuf;

use serde_json::Value;
use wirequest::patch_doc::JsonPatch;

/// Finds `tests/vectors/json-patch/` in the package folder or one of its ancestors (the
/// vectors live at the workspace root when this test runs from a member crate).
fn vectors_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("tests/vectors/json-patch"))
        .find(|dir| dir.join("tests.json").is_file())
        .unwrap_or_else(|| panic!("no tests/vectors/json-patch above {}", manifest.display()))
}

#[derive(Debug, Default, PartialEq)]
struct Counts {
    expected: usize,
    error: usize,
    other: usize,
    disabled: usize,
}

fn run_file(name: &str) -> Counts {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let records: Vec<Value> = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not a JSON array: {err}", path.display()));
    let mut counts = Counts::default();
    for (i, record) in records.iter().enumerate() {
        let label = format!(
            "{name} record {i} ({})",
            record
                .get("comment")
                .and_then(Value::as_str)
                .unwrap_or("no comment")
        );
        if record.get("disabled") == Some(&Value::Bool(true)) {
            counts.disabled += 1;
            continue;
        }
        let doc = record
            .get("doc")
            .unwrap_or_else(|| panic!("{label}: no doc"));
        let patch_json = record
            .get("patch")
            .unwrap_or_else(|| panic!("{label}: no patch"));

        // Both ways in must agree: serde from a Value, and FromStr from JSON text.
        let from_value = serde_json::from_value::<JsonPatch>(patch_json.clone());
        let from_text = patch_json.to_string().parse::<JsonPatch>();
        assert_eq!(
            from_value.as_ref().ok(),
            from_text.as_ref().ok(),
            "{label}: serde and FromStr disagree"
        );

        let mut target = doc.clone();
        let outcome = from_text.map(|patch| (patch.apply(&mut target), patch));

        if let Some(expected) = record.get("expected") {
            counts.expected += 1;
            let (applied, patch) =
                outcome.unwrap_or_else(|err| panic!("{label}: patch rejected: {err}"));
            if let Err(err) = applied {
                panic!("{label}: apply failed: {err}");
            }
            assert_eq!(&target, expected, "{label}: wrong result");
            // The parsed patch serializes back to the same operations.
            let again: JsonPatch = patch
                .to_string()
                .parse()
                .unwrap_or_else(|err| panic!("{label}: reparse failed: {err}"));
            assert_eq!(again, patch, "{label}: serialization round trip");
        } else if record.get("error").is_some() {
            counts.error += 1;
            match outcome {
                Err(_) => {} // rejected as a document: fine
                Ok((Ok(()), _)) => panic!("{label}: applied but should fail, gave {target}"),
                Ok((Err(err), _)) => {
                    assert_eq!(&target, doc, "{label}: failed patch changed the document");
                    let message = err.to_string();
                    assert!(message.starts_with("operation "), "{label}: {message}");
                }
            }
        } else {
            counts.other += 1;
            if let Ok((Err(_), _)) = outcome {
                assert_eq!(&target, doc, "{label}: failed patch changed the document");
            }
        }
    }
    counts
}

#[test]
fn suite_tests_json_all_records_pass() {
    let counts = run_file("tests.json");
    assert_eq!(
        counts,
        Counts {
            expected: 62,
            error: 30,
            other: 0,
            disabled: 3
        }
    );
}

#[test]
fn suite_spec_tests_json_all_records_pass() {
    let counts = run_file("spec_tests.json");
    assert_eq!(
        counts,
        Counts {
            expected: 12,
            error: 4,
            other: 0,
            disabled: 1
        }
    );
}
