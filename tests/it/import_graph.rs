//! The library's top-level modules import one another without a cycle: every
//! `crate::` path (and `super::` path that climbs to the crate root) in `src/**/*.rs`
//! is an edge from the file's top-level module to the one the path names. A new cycle
//! fails here with the modules in it, in order.
//!
//! `cargo test --test it import_graph -- --nocapture` prints the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The source with comments and the insides of string and char literals blanked, so
/// that only code is searched for paths (doc links and messages are not imports).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &c in s {
            out.push(if c == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            // Block comments nest in Rust.
            let (mut depth, mut k) = (0usize, 0);
            while k < rest.len() {
                if rest[k..].starts_with(b"/*") {
                    depth += 1;
                    k += 2;
                } else if rest[k..].starts_with(b"*/") {
                    depth -= 1;
                    k += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    k += 1;
                }
            }
            blank(&mut out, &rest[..k]);
            i += k;
        } else if let Some(len) = raw_string(rest) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else if rest[0] == b'"' {
            let mut k = 1;
            while k < rest.len() && rest[k] != b'"' {
                k += if rest[k] == b'\\' { 2 } else { 1 };
            }
            let k = (k + 1).min(rest.len());
            blank(&mut out, &rest[..k]);
            i += k;
        } else if rest[0] == b'\'' && char_literal(rest).is_some() {
            let k = char_literal(rest).unwrap_or(1);
            blank(&mut out, &rest[..k]);
            i += k;
        } else {
            // Copy one whole UTF-8 character.
            let ch = src[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) at the start.
fn raw_string(s: &[u8]) -> Option<usize> {
    let start = if s.starts_with(b"br") {
        2
    } else if s.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = s[start..].iter().take_while(|&&c| c == b'#').count();
    if s.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let body = start + hashes + 1;
    let end = s[body..].windows(close.len()).position(|w| w == close)?;
    Some(body + end + close.len())
}

/// The length of a char literal (`'a'`, `'\n'`, `'"'`) at the start; None for a
/// lifetime.
fn char_literal(s: &[u8]) -> Option<usize> {
    if s.get(1) == Some(&b'\\') {
        let end = s[2..].iter().position(|&c| c == b'\'')?;
        return Some(end + 3);
    }
    let text = std::str::from_utf8(&s[1..s.len().min(6)])
        .ok()
        .or_else(|| {
            // A cut in the middle of a character: take the valid prefix.
            let valid = std::str::from_utf8(&s[1..s.len().min(6)])
                .err()
                .map(|e| e.valid_up_to())?;
            std::str::from_utf8(&s[1..1 + valid]).ok()
        })?;
    let ch = text.chars().next()?;
    (s.get(1 + ch.len_utf8()) == Some(&b'\'')).then(|| ch.len_utf8() + 2)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first segment of each path a `crate::` at `text[at..]` starts: `crate::ui::x`
/// gives `ui`; `crate::{app::A, ui, self}` gives `app` and `ui` (over lines too).
fn first_segments(text: &str) -> Vec<String> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        // The items at depth one of the group.
        let (mut depth, mut item, mut items) = (1usize, String::new(), Vec::new());
        for c in group.chars() {
            match c {
                '{' => {
                    depth += 1;
                    item.push(c);
                }
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    item.push(c);
                }
                ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                c => item.push(c),
            }
        }
        items.push(item);
        return items.iter().flat_map(|item| first_segments(item)).collect();
    }
    let name: String = text.chars().take_while(|&c| is_ident(c)).collect();
    match name.as_str() {
        "" | "self" => Vec::new(),
        _ => vec![name],
    }
}

/// The module path of a file under `src/`: `src/app/terminal/input.rs` is
/// `["app", "terminal", "input"]`, `src/app/mod.rs` is `["app"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The top-level modules each `crate::` or root-reaching `super::` path names.
fn imports(module: &[String], code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = code.as_bytes();
    let starts_word = |k: usize| k == 0 || !is_ident(bytes[k - 1] as char);
    for (k, _) in code.match_indices("crate::") {
        if starts_word(k) {
            out.extend(first_segments(&code[k + "crate::".len()..]));
        }
    }
    // `super::super::x` from a module `depth` deep reaches the root after `depth` supers
    // (a `#[cfg(test)] mod tests` block adds one, so this errs towards more edges only
    // where a test module climbs exactly one level further; none does today).
    for (k, _) in code.match_indices("super::") {
        if !starts_word(k) || (k >= 7 && &code[k - 7..k] == "super::") {
            continue;
        }
        let mut rest = &code[k..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        if ups == module.len() {
            out.extend(first_segments(rest));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Edges between top-level modules of the library (the binary, src/main.rs, names
/// the library by its crate name and is left out).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let tops: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(&src, f).first().cloned())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_path(&src, file);
        let Some(top) = module.first() else { continue };
        let text = std::fs::read_to_string(file).expect("source is UTF-8");
        let entry = graph.entry(top.clone()).or_default();
        for target in imports(&module, &code_only(&text)) {
            if target != *top && tops.contains(&target) {
                entry.insert(target);
            }
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// One cycle through `component`'s first module, as `a -> b -> a` (breadth first, so
/// the shortest).
fn one_cycle(graph: &BTreeMap<String, BTreeSet<String>>, component: &[String]) -> String {
    let start = &component[0];
    let inside: BTreeSet<&String> = component.iter().collect();
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph.get(v).into_iter().flatten() {
            if !inside.contains(w) {
                continue;
            }
            if w == start {
                // v's ancestors back to start, then round to start again.
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = came_from[at];
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                let path: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
                return path.join(" -> ");
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    component.join(", ")
}

#[test]
fn top_level_modules_import_each_other_without_a_cycle() {
    let graph = graph();
    for (from, to) in &graph {
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        println!("{from} -> {}", to.join(", "));
    }
    let found = cycles(&graph);
    let described: Vec<String> = found
        .iter()
        .map(|c| format!("{{{}}}: e.g. {}", c.join(", "), one_cycle(&graph, c)))
        .collect();
    assert!(
        found.is_empty(),
        "import cycles between modules:\n{}",
        described.join("\n")
    );
}

/// export turns a frame into bytes: it may use leaf modules (those that import no
/// other), never the model, the view, the inputs, the tour or the commands.
#[test]
fn export_is_a_leaf_frame_in_bytes_out() {
    let graph = graph();
    let uses = graph.get("export").cloned().unwrap_or_default();
    let not_leaves: Vec<&String> = uses
        .iter()
        .filter(|m| graph.get(*m).is_some_and(|to| !to.is_empty()))
        .collect();
    assert!(
        not_leaves.is_empty(),
        "export imports {not_leaves:?}, which import other modules"
    );
}

#[test]
fn the_parser_sees_groups_over_lines_and_skips_comments_and_strings() {
    let code = code_only(
        "use crate::{\n    app::{App, Action},\n    ui::theme,\n};\n// crate::tour\n/* crate::bench */\nlet s = \"crate::cmd\";\nlet c = '\"'; fn f<'a>(x: &'a str) { crate::conv::forward(); }\n",
    );
    let got = imports(&["export".to_string()], &code);
    let want: BTreeSet<String> = ["app", "ui", "conv"].map(String::from).into();
    assert_eq!(got, want);
    let up = imports(
        &["export".to_string()],
        "use super::input::Scene; use super::super::x;",
    );
    assert_eq!(up, ["input".to_string()].into());
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), ["b".to_string()].into());
    g.insert("b".to_string(), ["c".to_string()].into());
    g.insert("c".to_string(), ["a".to_string()].into());
    g.insert("d".to_string(), ["a".to_string()].into());
    let found = cycles(&g);
    assert_eq!(found, vec![vec!["a", "b", "c"]]);
    assert_eq!(one_cycle(&g, &found[0]), "a -> b -> c -> a");
}
