//! The architecture's invariants that a reading of the sources can check:
//! no import circle between the modules of any crate, and front ends that
//! reach the engine only through its application layer.
//!
//! A crate's modules form a tree; `use crate::a::b` in a file of module
//! `x::y` makes the sibling `x` depend on `a` under their common parent (the
//! crate here). At every level of the tree, those dependencies between
//! siblings must form no circle: then each module can be read, tested and
//! moved with only what is below it. Items of the crate root itself
//! (`Engine` in lib.rs, `print_json` in main.rs) count as one more sibling,
//! `<root>`; a name the root re-exports (`crate::Error`) counts as the
//! module it comes from. Test code (`tests.rs`, `#[cfg(test)] mod tests`)
//! and the fixtures module `testing` are left out: they may reach anywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A module's path from its crate's root: `["alerts", "monitor"]`.
type ModPath = Vec<String>;

/// Every crate whose modules must form no circle.
const CRATES: &[&str] = &[
    "src-tauri/engine/src",
    "src-tauri/src",
    "src-tauri/cli/src",
    "src-tauri/server/src",
];

const ROOT: &str = "<root>";

#[test]
fn no_crate_has_an_import_circle() {
    let mut found = Vec::new();
    for dir in CRATES {
        let graph = Graph::of_crate(&workspace().join(dir));
        assert!(graph.modules.len() > 5, "{dir}: {:?}", graph.modules);
        found.extend(graph.circles().into_iter().map(|c| format!("{dir}: {c}")));
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// Front ends (the window and the CLI, and any to come) call only the
/// application layer: `app::` (the actions, and what front ends start and
/// hear), `model` types, `Engine`, the error a front end shows (`Error`,
/// `error::ErrorBody`) and the engine's wording of figures (`format`). The
/// store, the market, the sources and the services stay behind `app`.
#[test]
fn front_ends_call_only_the_application_layer_and_model_types() {
    const ALLOWED: &[&str] = &[
        "app", "model", "Engine", "Error", "Result", "error", "format",
    ];
    let mut found = BTreeSet::new();
    for dir in ["src-tauri/src", "src-tauri/cli/src", "src-tauri/server/src"] {
        let mut files = Vec::new();
        rust_files(&workspace().join(dir), &mut files);
        assert!(files.len() > 5, "{dir}: {files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            for (n, line) in code_of(&text).iter().enumerate() {
                for path in paths_in(line) {
                    if path.first().map(String::as_str) != Some("coinlytics_engine") {
                        continue;
                    }
                    let reached = path.get(1).map_or("", String::as_str);
                    if !ALLOWED.contains(&reached) {
                        found.insert(format!(
                            "{}:{}: coinlytics_engine::{reached}: {}",
                            file.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "front ends reaching past the application layer:\n{}",
        found.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The checker finds a circle where there is one, at the right level, and
/// none where the dependencies only go one way.
#[test]
fn the_checker_finds_a_circle_between_siblings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "lib.rs",
        "pub mod a;\npub mod b;\npub mod c;\npub use c::Thing;\n",
    );
    write("a/mod.rs", "mod inner;\n");
    write(
        "a/inner.rs",
        "use crate::b::B;\n// use crate::c::C; only a comment\n",
    );
    write(
        "b.rs",
        "pub struct B;\nfn f() -> crate::Thing { todo!() }\n",
    );
    write("c.rs", "pub struct Thing;\n");
    let graph = Graph::of_crate(dir.path());
    assert_eq!(graph.circles(), Vec::<String>::new());

    write(
        "c.rs",
        "pub struct Thing;\nuse super::a::inner;\n#[cfg(test)]\nmod tests {\n    use crate::b::B;\n}\n",
    );
    let circles = Graph::of_crate(dir.path()).circles();
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(
        circles[0].starts_with("crate: a → b → c → a"),
        "{circles:?}"
    );
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds the tests crate")
        .to_path_buf()
}

/// Which sibling depends on which, under each parent module, with one
/// example line for each dependency.
struct Graph {
    modules: BTreeSet<ModPath>,
    edges: BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, String>>>,
}

impl Graph {
    fn of_crate(src: &Path) -> Graph {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let mut sources = BTreeMap::new();
        for file in files {
            let rel = file.strip_prefix(src).expect("inside the crate");
            let mut path: ModPath = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if matches!(
                path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                path.pop();
            }
            if path.iter().any(|s| s == "tests" || s == "testing") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("read a source file");
            sources.insert(path, (file, code_of(&text)));
        }
        let modules: BTreeSet<ModPath> = sources.keys().cloned().collect();
        let root_text = sources
            .get(&Vec::new())
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let reexports = reexports(&root_text);
        let mut graph = Graph {
            modules,
            edges: BTreeMap::new(),
        };
        for (module, (file, lines)) in &sources {
            for (n, line) in lines.iter().enumerate() {
                let at = format!("{}:{}: {}", file.display(), n + 1, line.trim());
                for target in graph.references(module, line, &reexports) {
                    graph.depend(module, &target, &at);
                }
            }
        }
        graph
    }

    /// The modules `line` of `module` names: `crate::…` and `super::…`
    /// paths, and in the crate root its child modules.
    fn references(
        &self,
        module: &ModPath,
        line: &str,
        reexports: &HashMap<String, String>,
    ) -> Vec<ModPath> {
        let trimmed = line.trim_start();
        if module.is_empty() && (trimmed.starts_with("mod ") || trimmed.starts_with("pub mod ")) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for path in paths_in(line) {
            let (base, rest): (ModPath, &[String]) = match path.first().map(String::as_str) {
                Some("crate") => (Vec::new(), &path[1..]),
                Some("super") => {
                    let mut base = module.clone();
                    let mut rest = &path[..];
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    (base, rest)
                }
                Some(first)
                    if module.is_empty() && self.modules.contains(&vec![first.to_string()]) =>
                {
                    (Vec::new(), &path[..])
                }
                _ => continue,
            };
            let mut full = base;
            full.extend(rest.iter().cloned());
            out.push(self.resolve(full, reexports));
        }
        out
    }

    /// The module a path names: its longest prefix that is a module; an
    /// item of the root is `<root>`, or the module it re-exports.
    fn resolve(&self, path: ModPath, reexports: &HashMap<String, String>) -> ModPath {
        for len in (1..=path.len()).rev() {
            if self.modules.contains(&path[..len]) {
                return path[..len].to_vec();
            }
        }
        match path.first() {
            Some(item) => vec![reexports.get(item).cloned().unwrap_or_else(|| ROOT.into())],
            None => vec![ROOT.into()],
        }
    }

    /// `from` uses `to`: a dependency between the two siblings under their
    /// common parent (none from a module to its own ancestor or descendant).
    fn depend(&mut self, from: &ModPath, to: &ModPath, at: &str) {
        let from = if from.is_empty() {
            vec![ROOT.to_string()]
        } else {
            from.clone()
        };
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        if common == from.len() || common == to.len() {
            return;
        }
        self.edges
            .entry(from[..common].to_vec())
            .or_default()
            .entry(from[common].clone())
            .or_default()
            .entry(to[common].clone())
            .or_insert_with(|| at.to_string());
    }

    /// Each circle, as "parent: a → b → a" and the lines that make it.
    fn circles(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (parent, deps) in &self.edges {
            for component in strongly_connected(deps) {
                let cycle = cycle_in(deps, &component);
                let name = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("::")
                };
                let mut text = format!("{name}: {}", cycle.join(" → "));
                for pair in cycle.windows(2) {
                    text.push_str(&format!(
                        "\n    {} → {}: {}",
                        pair[0], pair[1], deps[&pair[0]][&pair[1]]
                    ));
                }
                out.push(text);
            }
        }
        out
    }
}

/// The strongly connected components of more than one module (Tarjan).
fn strongly_connected(deps: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        deps: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.deps.get(v).into_iter().flat_map(|d| d.keys()) {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let lw = s.low[w.as_str()];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.stack.contains(&w.as_str()) {
                let iw = s.index[w.as_str()];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                component.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        deps,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = deps
        .iter()
        .flat_map(|(a, d)| std::iter::once(a.as_str()).chain(d.keys().map(String::as_str)))
        .collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// One circle through the component: the shortest from its first module
/// back to it.
fn cycle_in(
    deps: &BTreeMap<String, BTreeMap<String, String>>,
    component: &BTreeSet<String>,
) -> Vec<String> {
    let start = component.first().expect("a component is not empty");
    let mut came_from: HashMap<&str, &str> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start.as_str()]);
    while let Some(v) = queue.pop_front() {
        for w in deps.get(v).into_iter().flat_map(|d| d.keys()) {
            if w == start {
                let mut path = vec![v];
                while let Some(&before) = came_from.get(path[path.len() - 1]) {
                    path.push(before);
                }
                path.reverse();
                path.push(start);
                return path.into_iter().map(String::from).collect();
            }
            if component.contains(w) && !came_from.contains_key(w.as_str()) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    component.iter().cloned().collect()
}

/// The root's `pub use module::{A, B}`: which module each name is from.
fn reexports(root: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in root {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = name.trim();
            if !name.is_empty() && !name.contains("::") {
                out.insert(name.to_string(), module.to_string());
            }
        }
    }
    out
}

/// Every `a::b::c` path in a line, `crate::{a, b::c}` groups expanded.
fn paths_in(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        if !(starts_word && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'_')) {
            i += 1;
            continue;
        }
        let (segments, end) = path_at(line, i);
        if line[end..].starts_with("::{") {
            let close = line[end..].find('}').map_or(line.len(), |c| end + c);
            for item in line[end + 3..close].split(',') {
                let mut full = segments.clone();
                full.extend(
                    item.trim()
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
                if full.len() > 1 {
                    out.push(full);
                }
            }
            i = close;
            continue;
        }
        if segments.len() > 1 {
            out.push(segments);
        }
        i = end.max(i + 1);
    }
    out
}

/// The identifiers joined by `::` from `start`, and where they end.
fn path_at(line: &str, start: usize) -> (Vec<String>, usize) {
    let bytes = line.as_bytes();
    let mut segments = Vec::new();
    let mut i = start;
    loop {
        let begin = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == begin {
            break;
        }
        segments.push(line[begin..i].to_string());
        if line[i..].starts_with("::")
            && line[i + 2..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            i += 2;
        } else {
            break;
        }
    }
    (segments, i)
}

/// A file's code lines: comments and string literals blanked, a `use`
/// split over several lines joined on its first (the others left blank, so
/// line numbers hold), and a trailing `#[cfg(test)] mod …` left out.
fn code_of(text: &str) -> Vec<String> {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut lines: Vec<String> = text.lines().map(strip_comment_and_strings).collect();
    let mut open: Option<usize> = None;
    for n in 0..lines.len() {
        if let Some(first) = open {
            let line = std::mem::take(&mut lines[n]);
            lines[first].push_str(line.trim());
            if line.contains(';') {
                open = None;
            }
        } else {
            let t = lines[n].trim_start();
            if (t.starts_with("use ") || t.starts_with("pub use ")) && !t.contains(';') {
                open = Some(n);
            }
        }
    }
    lines
}

fn strip_comment_and_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_string = false;
                    out.push('"');
                }
                _ => out.push(' '),
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push('"');
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
