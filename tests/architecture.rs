//! The module layers of ARCHITECTURE.md, enforced: every top-level module of `src/` may use only
//! the modules listed before it, through `use` lines and inline `crate::` paths alike, and no
//! two top-level modules import each other, directly or through others.

// The source files are the project's own; slices are taken at positions found by `find` and
// `match_indices`, which are character boundaries.
#![allow(clippy::unwrap_used, clippy::string_slice)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. The event model (`limits`, `error`, `event`, `facts`) is what every stage
/// speaks; then the pipeline stages in the order data flows through them; then the commands.
const LAYERS: &[&str] = &[
    "limits",
    "error",
    "event",
    "facts",
    "bundle",
    "framing",
    "formats",
    "source",
    "signals",
    "clock",
    "correlate",
    "timeline",
    "index",
    "boots",
    "vmpids",
    "analysis",
    "evidence",
    "diagnose",
    "output",
    "collect",
    "cli",
];

/// The top-level module a file of `src/` belongs to (`formats/syslog.rs` → `formats`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// Whether a file is its top-level module's root (`src/x.rs`, `src/x/mod.rs`), where `super::`
/// is the crate root.
fn is_module_root(src: &Path, file: &Path) -> bool {
    let Ok(rel) = file.strip_prefix(src) else {
        return false;
    };
    let n = rel.components().count();
    n == 1 || (n == 2 && rel.file_name().is_some_and(|f| f == "mod.rs"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and string literals, so that a path in a doc comment or
/// a message is not an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'r' && (b[i..].starts_with(b"r\"") || b[i..].starts_with(b"r#")) {
            // A raw string: r"…", r#"…"#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let open = i + 1 + hashes;
            if b.get(open) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i = open + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A character literal such as '"'.
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            i += 2;
            while i < b.len() && b[i] != b'\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every top-level module a file's code names through `prefix` (`crate::`, or `super::` in a
/// module root): `prefix name`, and each item of `prefix{a, b::c, …}`.
fn imports(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        // `some_crate::` or `self.crate::` are not paths from the crate root.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = code[at + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            let mut chars = group.char_indices();
            while let Some((k, c)) = chars.next() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && !c.is_whitespace() => {
                        let name = ident_at(&group[k..]);
                        if !name.is_empty() && name != "self" {
                            out.insert(name.to_string());
                        }
                        item_start = false;
                        for _ in 1..name.len() {
                            chars.next();
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// Each top-level module and the top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = top_module(&src, &file) else {
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let mut used = imports(&code, "crate::");
        if is_module_root(&src, &file) {
            used.extend(imports(&code, "super::"));
        }
        used.remove(&module);
        graph.entry(module).or_default().extend(used);
    }
    graph
}

#[test]
fn every_module_is_in_the_layer_list() {
    for module in graph().keys() {
        assert!(
            LAYERS.contains(&module.as_str()),
            "src/{module} is not in the layer list of tests/architecture.rs and ARCHITECTURE.md"
        );
    }
}

#[test]
fn modules_import_only_the_layers_below_them() {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut wrong = Vec::new();
    for (module, used) in graph() {
        let Some(mine) = rank(&module) else { continue };
        for u in used {
            match rank(&u) {
                Some(r) if r < mine => {}
                Some(_) => wrong.push(format!("{module} imports {u}, a layer above it")),
                // Not a module of the crate (a re-exported item such as `crate::run`).
                None => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    let graph = graph();
    // Depth-first search for a back edge.
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next)
                && let Some(c) = visit(next, graph, path, done)
            {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_checker_sees_use_groups_inline_paths_and_super() {
    let code = code_only(
        "use crate::{a::B, c, d::{E, f}};\n// crate::commented\nlet x = crate::g::h(\"crate::quoted\");\nuse super::i;",
    );
    assert_eq!(
        imports(&code, "crate::"),
        ["a", "c", "d", "g"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(
        imports(&code, "super::"),
        ["i"].iter().map(|s| s.to_string()).collect()
    );
}
