//! Footprint of the minimal program (one HTTPS-capable PATCH with JSON): stripped release size,
//! crates in its dependency tree, clean build time; and the effect of `url`'s IDNA backend.
//!
//! The programs are the crates under `bench/footprint/`, each its own workspace. IDNA variants
//! are generated from `footprint/wirequest` by pinning `idna_adapter` in the consumer, the
//! mechanism the `idna` crate documents for choosing a backend.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::clients::R;

pub struct Footprint {
    pub name: String,
    pub note: String,
    pub stripped_bytes: u64,
    pub crates: usize,
    /// Clean build wall time, when measured.
    pub build_secs: Option<f64>,
    pub idna_adapter: Option<String>,
}

/// `bench/` (where this crate's manifest is).
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Crates in the normal dependency tree: unique `name version` lines, the program excluded.
pub fn crate_count(manifest: &Path) -> R<(usize, Option<String>)> {
    let out = Command::new("cargo")
        .args([
            "tree",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let text = String::from_utf8(out.stdout)?;
    let mut set = BTreeSet::new();
    let mut root = None;
    let mut idna_adapter = None;
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(version)) = (parts.next(), parts.next()) else {
            continue;
        };
        if root.is_none() {
            root = Some(name.to_owned());
            continue;
        }
        if Some(name) == root.as_deref() {
            continue;
        }
        if name == "idna_adapter" {
            idna_adapter = Some(version.trim_start_matches('v').to_owned());
        }
        set.insert(format!("{name} {version}"));
    }
    Ok((set.len(), idna_adapter))
}

/// Builds `dir` in release mode into `target`; returns the wall time.
fn build(dir: &Path, target: &Path) -> R<f64> {
    // Downloads are not part of the build time.
    let fetch = Command::new("cargo")
        .arg("fetch")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .output()?;
    if !fetch.status.success() {
        return Err(format!(
            "cargo fetch failed: {}",
            String::from_utf8_lossy(&fetch.stderr).trim()
        )
        .into());
    }
    let t = Instant::now();
    let out = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "build of {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(secs)
}

fn package_name(manifest: &Path) -> R<String> {
    let text = std::fs::read_to_string(manifest)?;
    text.lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("name = \"")
                .and_then(|r| r.strip_suffix('"'))
                .map(str::to_owned)
        })
        .ok_or_else(|| "no package name".into())
}

/// Strips a copy of the binary; returns its size.
fn stripped_size(bin: &Path, work: &Path) -> R<u64> {
    let copy = work.join(format!(
        "{}.stripped",
        bin.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::copy(bin, &copy)?;
    let st = Command::new("strip").arg(&copy).status()?;
    if !st.success() {
        return Err("strip failed".into());
    }
    let n = std::fs::metadata(&copy)?.len();
    let _ = std::fs::remove_file(&copy);
    Ok(n)
}

/// Measures one program directory. With `clean`, the build goes to an empty target directory
/// (and is timed); else to `shared`, reusing what earlier builds left there.
pub fn measure(dir: &Path, note: &str, clean: bool, shared: &Path, work: &Path) -> R<Footprint> {
    let manifest = dir.join("Cargo.toml");
    let name = package_name(&manifest)?;
    let target = if clean {
        let t = work.join(format!("clean-{name}"));
        let _ = std::fs::remove_dir_all(&t);
        t
    } else {
        shared.to_path_buf()
    };
    let secs = build(dir, &target)?;
    let bin = target.join("release").join(&name);
    let stripped_bytes = stripped_size(&bin, work)?;
    let (crates, idna_adapter) = crate_count(&manifest)?;
    if clean {
        let _ = std::fs::remove_dir_all(&target);
    }
    Ok(Footprint {
        name: dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        note: note.to_owned(),
        stripped_bytes,
        crates,
        build_secs: clean.then_some(secs),
        idna_adapter,
    })
}

/// A copy of the program `footprint/<program>` with `idna_adapter = "<req>"` added.
pub fn idna_variant(program: &str, req: &str, work: &Path) -> R<PathBuf> {
    let src = bench_dir().join("footprint").join(program);
    let api = bench_dir().join("../crates/api").canonicalize()?;
    let tag: String = req.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let dir = work.join(format!("{program}-idna-{tag}"));
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = std::fs::read_to_string(src.join("Cargo.toml"))?
        .replace("../../../crates/api", &api.display().to_string());
    let manifest = format!("{manifest}idna_adapter = \"{req}\"\n");
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::copy(src.join("src/main.rs"), dir.join("src/main.rs"))?;
    let _ = std::fs::remove_file(dir.join("Cargo.lock"));
    Ok(dir)
}
