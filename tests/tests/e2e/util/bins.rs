//! The binaries the tests run, as `cargo build` left them. A test never
//! builds them: a build inside a test holds a test thread for minutes and
//! blocks every other test on cargo's lock. Instead a binary older than a
//! source file it is built from is refused, so no test runs stale code.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

const BUILD_FIRST: &str = "run `cargo build --workspace --all-targets` first, as .ci/test does";

/// `coinlytics`, checked once per test run with `coinlytics-desktop`
/// beside it (what it execs for the window): both built, and neither older
/// than its sources.
pub fn coinlytics_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = built("coinlytics");
        built("coinlytics-desktop");
        bin
    })
}

/// target/<profile>/NAME, beside target/<profile>/deps/ where this test
/// binary runs from; panics when it is missing or stale.
fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary runs from target/<profile>/deps");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let Ok(built_at) = std::fs::metadata(&bin).and_then(|m| m.modified()) else {
        panic!("{} is not built; {BUILD_FIRST}", bin.display());
    };
    if let Some(source) = newer_source(&dir.join(format!("{name}.d")), built_at) {
        panic!(
            "{} is older than {}; {BUILD_FIRST}",
            bin.display(),
            source.display()
        );
    }
    bin
}

/// The first of the workspace's files the binary is built from that is
/// newer than `built_at` (or gone). Cargo lists them in the binary's
/// dep-info file, as `target: source source…` (a space in a path escaped
/// with a backslash): every source file of the binary's own crates and
/// what their build scripts watch, the same list cargo checks before it
/// rebuilds.
fn newer_source(dep_info: &Path, built_at: SystemTime) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dep_info)
        .unwrap_or_else(|e| panic!("{}: {e}; {BUILD_FIRST}", dep_info.display()));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    let target = dep_info.parent()?.parent()?;
    let (_, sources) = text.split_once(": ")?;
    let mut paths = Vec::new();
    let mut path = String::new();
    let mut chars = sources.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => path.extend(chars.next()),
            c if c.is_whitespace() => paths.push(std::mem::take(&mut path)),
            c => path.push(c),
        }
    }
    paths.push(path);
    paths
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.starts_with(workspace) && !p.starts_with(target))
        .find(|p| changed_since(p, built_at))
}

/// Whether `path` (or a file under it, for a directory a build script
/// watches) was modified after `t`, or no longer exists.
fn changed_since(path: &Path, t: SystemTime) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return true;
    };
    if meta.is_dir() {
        return std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| changed_since(&entry.path(), t));
    }
    meta.modified().is_ok_and(|m| m > t)
}
