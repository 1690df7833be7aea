//! The dashboard's page (ui/, as the window has it, and the chart library
//! the page loads from node_modules, pinned by package-lock.json) gzipped
//! into the binary: a third of the bytes rust-embed kept as they were,
//! and every byte of the executable is memory on a machine that maps it
//! in large folios (BENCHMARKS.md: the terminal ticker's peak RSS).

use std::io::Write;
use std::path::{Path, PathBuf};

const UI: &str = "../../ui";
const CHART_LIB: (&str, &str) = (
    "vendor/lightweight-charts.mjs",
    "../../node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.mjs",
);
/// The benchmark's empty page is the window's baseline, not the
/// browser's; vendor/ is the window's copy of what is read from
/// node_modules here.
const LEFT_OUT: [&str; 3] = ["bare.html", "js/bare.js", "vendor"];

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {dir:?}: {e}"));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot read {dir:?}: {e}"));
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if LEFT_OUT.contains(&name.as_str()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, &format!("{name}/"), out);
        } else {
            out.push((name, path));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed={UI}");
    println!("cargo:rerun-if-changed={}", CHART_LIB.1);
    let mut files = Vec::new();
    walk(Path::new(UI), "", &mut files);
    files.push((CHART_LIB.0.to_string(), PathBuf::from(CHART_LIB.1)));
    files.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let mut table = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (i, (name, path)) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap_or_else(|e| {
            panic!("cannot read {path:?} ({e}); for the chart library, run `npm ci` first (.ci/setup does)")
        });
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).expect("gzip in memory");
        let gz = gz.finish().expect("gzip in memory");
        let file = out.join(format!("ui-{i}.gz"));
        std::fs::write(&file, gz).unwrap_or_else(|e| panic!("cannot write {file:?}: {e}"));
        table.push_str(&format!(
            "    ({name:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/ui-{i}.gz\"))),\n"
        ));
    }
    table.push_str("];\n");
    std::fs::write(out.join("ui_files.rs"), table).expect("write ui_files.rs");
}
