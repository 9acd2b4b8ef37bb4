//! The crate's modules stand in layers, read → map → write from the bottom as the README
//! teaches them: this test reads every `src/**/*.rs`, finds each `crate::…` and `super::…`
//! path outside test code, and fails when a module reaches into a layer above its own, or when
//! modules import each other (directly or round a longer loop).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of lib.rs and its layer, from the bottom. A module may import from
/// its own layer and from those below it, never from one above.
const LAYERS: &[(&str, &[&str])] = &[
    // Limits, Position, reject reasons, JSON strings and block copies; and the settings, plain
    // data that every stage reads.
    ("base", &["base", "options"]),
    // Bytes in, records out; and .gz files for the hosts whose decompression cannot read them.
    ("read", &["read", "gunzip"]),
    ("map", &["map"]),
    ("write", &["write"]),
    // The report and the one Error that each stage's failure becomes.
    ("report", &["report"]),
    ("pieces", &["pieces"]),
    // The run: `Ingest`, `validate`, `draft`, workbooks; and the TypeScript of the values it hands out.
    ("run", &["ingest", "workbook", "values"]),
    ("bindings", &["bindings"]),
];

/// Imports allowed although they break the rule, each as (file, module imported, why). The
/// test fails when one of them is no longer there, so this list can only shrink.
const ALLOWED: &[(&str, &str, &str)] = &[];

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&top))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The code of a file with comments, strings and character literals blanked out.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
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
            out.push(b' ');
        } else if b[i] == b'r'
            && (i == 0
                || !is_ident(b[i - 1])
                || (b[i - 1] == b'b' && (i < 2 || !is_ident(b[i - 2]))))
            && rest[1..].iter().take_while(|&&c| c == b'#').count() + 1 < rest.len()
            && rest[1 + rest[1..].iter().take_while(|&&c| c == b'#').count()] == b'"'
        {
            // A raw string: r"…", r#"…"#.
            let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
            let mut close = vec![b'"'];
            close.resize(1 + hashes, b'#');
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), left as it is.
            if rest.get(1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
                out.extend_from_slice(b"' '");
            } else {
                let ch = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                if rest.get(1 + ch) == Some(&b'\'') {
                    i += 2 + ch;
                    out.extend_from_slice(b"' '");
                } else {
                    out.push(b'\'');
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The code without its `#[cfg(test)]` items, and the names of the `#[cfg(test)] mod x;`
/// files it declares.
fn without_tests(code: &str) -> (String, Vec<String>) {
    let b = code.as_bytes();
    let mut out = String::new();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while let Some(at) = code[i..].find("#[cfg(test)]") {
        out.push_str(&code[i..i + at]);
        let mut j = i + at + "#[cfg(test)]".len();
        let item_start = j;
        let mut depth = 0;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let item = code[item_start..j].trim();
        let words: Vec<&str> = item.trim_end_matches(';').split_whitespace().collect();
        if item.ends_with(';') && words.len() >= 2 && words[words.len() - 2] == "mod" {
            test_mods.push(words[words.len() - 1].to_string());
        }
        i = j;
    }
    out.push_str(&code[i..]);
    (out, test_mods)
}

/// The module path of a file: `src/map/plan.rs` is `map::plan`, `src/map/mapping/mod.rs` is
/// `map::mapping`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Every path that starts at `crate::` or `super::`, as segments from the crate root; a
/// `crate::{a, b::c}` group gives one path per item.
fn paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = |w: &str| {
            code[i..].starts_with(w)
                && (i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b'$' || b[i - 1] == b':'))
        };
        let base: Vec<String> = if starts("crate::") {
            i += "crate::".len();
            Vec::new()
        } else if starts("super::") {
            let mut m = module.to_vec();
            while code[i..].starts_with("super::") {
                m.pop();
                i += "super::".len();
            }
            m
        } else {
            i += 1;
            continue;
        };
        use_tree(code, &mut i, base, &mut found);
    }
    found
}

/// Reads one path from `i` on (`a::b`, `a::{b, c::{d, e}}`, `a::b as c`), each leaf with
/// `prefix` before it, skipping `self`.
fn use_tree(code: &str, i: &mut usize, mut prefix: Vec<String>, found: &mut Vec<Vec<String>>) {
    let b = code.as_bytes();
    let skip_space = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_space(i);
        let start = *i;
        while *i < b.len() && is_ident(b[*i]) {
            *i += 1;
        }
        if *i > start && &code[start..*i] != "self" {
            prefix.push(code[start..*i].to_string());
        }
        skip_space(i);
        if code[*i..].starts_with("::") {
            *i += 2;
            continue;
        }
        break;
    }
    if b.get(*i) == Some(&b'{') {
        *i += 1;
        loop {
            skip_space(i);
            match b.get(*i) {
                None => break,
                Some(b'}') => {
                    *i += 1;
                    break;
                }
                Some(b',') => *i += 1,
                Some(_) => {
                    let at = *i;
                    use_tree(code, i, prefix.clone(), found);
                    if *i == at {
                        *i += 1;
                    }
                }
            }
        }
        return;
    }
    if code[*i..].starts_with("as ") {
        *i += 3;
        skip_space(i);
        while *i < b.len() && is_ident(b[*i]) {
            *i += 1;
        }
    }
    found.push(prefix);
}

/// What lib.rs re-exports: each public name and the module path it comes from.
fn reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(at) = stmt.find("pub use ") else {
            continue;
        };
        let stmt = &stmt[at + "pub use ".len()..];
        for p in paths(&format!("crate::{stmt}"), &[]) {
            if let Some(name) = p.last() {
                names.insert(name.clone(), p[..p.len() - 1].to_vec());
            }
        }
    }
    names
}

struct Crate {
    /// Each file (relative to the crate) and the modules its code imports, by module path.
    imports: Vec<(String, Vec<String>, BTreeSet<Vec<String>>)>,
    /// Paths that name no module of the crate.
    unresolved: Vec<String>,
}

fn read_crate() -> Crate {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let lib = code_only(&fs::read_to_string(src.join("lib.rs")).unwrap());
    let names = reexports(&lib);

    let mut parsed = Vec::new();
    let mut test_files = BTreeSet::new();
    for f in &files {
        let code = code_only(&fs::read_to_string(f).unwrap());
        let (code, test_mods) = without_tests(&code);
        let module = module_of(&src, f);
        for m in test_mods {
            let mut p = module.clone();
            p.push(m);
            test_files.insert(p);
        }
        parsed.push((f.clone(), module, code));
    }

    let mut imports = Vec::new();
    let mut unresolved = Vec::new();
    for (f, module, code) in parsed {
        if module.is_empty() || test_files.contains(&module) {
            continue;
        }
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let mut used = BTreeSet::new();
        for p in paths(&code, &module) {
            // A name lib.rs re-exports stands for the path it comes from.
            let p = match p.first().and_then(|n| names.get(n)) {
                Some(from) if p.len() == 1 || !modules.contains(&p[..1]) => {
                    let mut q = from.clone();
                    q.extend(p[1..].iter().cloned());
                    q
                }
                _ => p,
            };
            // The longest prefix that is a module of its own file.
            match (1..=p.len()).rev().find(|&n| modules.contains(&p[..n])) {
                Some(n) => {
                    used.insert(p[..n].to_vec());
                }
                None => unresolved.push(format!("{rel}: crate::{}", p.join("::"))),
            }
        }
        imports.push((rel, module, used));
    }
    Crate {
        imports,
        unresolved,
    }
}

#[test]
fn every_top_level_module_has_one_layer() {
    let lib = code_only(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap(),
    );
    let declared: BTreeSet<&str> = lib
        .split(';')
        .filter_map(|s| s.trim().rsplit_once("mod ").map(|(_, name)| name.trim()))
        .filter(|name| name.bytes().all(is_ident))
        .collect();
    let layered: Vec<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let unique: BTreeSet<&str> = layered.iter().copied().collect();
    assert_eq!(unique.len(), layered.len(), "a module in two layers");
    assert_eq!(declared, unique, "lib.rs's modules and the layers' differ");
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let c = read_crate();
    assert_eq!(
        c.unresolved,
        Vec::<String>::new(),
        "paths that name no module"
    );
    // The reader sees the imports there are (so this test cannot pass on an empty graph).
    let uses = |file: &str, module: &str| {
        c.imports
            .iter()
            .any(|(f, _, used)| f == file && used.iter().any(|u| u.join("::") == module))
    };
    assert!(uses("src/ingest.rs", "read::records"));
    assert!(uses("src/map/plan.rs", "map::spec"));
    assert!(
        uses("src/bindings.rs", "ingest"),
        "crate::Ingest is ingest's"
    );
    let mut upward = Vec::new();
    for (file, module, used) in &c.imports {
        let own = layer_of(&module[0]).unwrap_or_else(|| panic!("{file}: no layer"));
        for u in used {
            let theirs = layer_of(&u[0]).unwrap_or_else(|| panic!("{}: no layer", u[0]));
            if theirs > own {
                upward.push((file.clone(), u.join("::")));
            }
        }
    }
    let allowed: Vec<(String, String)> = ALLOWED
        .iter()
        .map(|(f, m, _)| (f.to_string(), m.to_string()))
        .collect();
    assert_eq!(
        upward, allowed,
        "imports from a layer above (file, module); move the shared part down"
    );
}

#[test]
fn the_reader_sees_imports_as_the_compiler_does() {
    let module = vec!["map".to_string(), "draft".to_string()];
    let code = code_only(
        "use crate::{a::b, c::{d, e}};\n// use crate::comment;\nlet s = \"crate::string\";\n\
         let c = '\"'; use super::mapping::X; x = crate::y::z(1); r#\"crate::raw\"#;",
    );
    let (code, _) = without_tests(&format!(
        "{code}\n#[cfg(test)]\nmod tests {{ use crate::t; }}\n#[cfg(test)]\nmod more;"
    ));
    let got: Vec<String> = paths(&code, &module).iter().map(|p| p.join("::")).collect();
    assert_eq!(got, ["a::b", "c::d", "c::e", "map::mapping::X", "y::z"]);
    assert_eq!(without_tests("#[cfg(test)]\nmod more;").1, ["more"]);
}

#[test]
fn no_modules_import_each_other() {
    let c = read_crate();
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = c
        .imports
        .iter()
        .map(|(_, m, used)| {
            (
                m.clone(),
                used.iter().filter(|u| *u != m).cloned().collect(),
            )
        })
        .collect();
    // Depth-first: a module met again while its own imports are being walked closes a cycle.
    fn walk<'a>(
        m: &'a Vec<String>,
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<&'a Vec<String>, bool>,
        stack: &mut Vec<&'a Vec<String>>,
        cycles: &mut Vec<String>,
    ) {
        match state.get(m) {
            Some(true) => return,
            Some(false) => {
                let from = stack.iter().position(|s| *s == m).unwrap();
                let names: Vec<String> = stack[from..].iter().map(|s| s.join("::")).collect();
                cycles.push(format!("{} -> {}", names.join(" -> "), m.join("::")));
                return;
            }
            None => {}
        }
        state.insert(m, false);
        stack.push(m);
        for u in graph.get(m).into_iter().flatten() {
            walk(u, graph, state, stack, cycles);
        }
        stack.pop();
        state.insert(m, true);
    }
    let (mut state, mut stack, mut cycles) = (BTreeMap::new(), Vec::new(), Vec::new());
    for m in graph.keys() {
        walk(m, &graph, &mut state, &mut stack, &mut cycles);
    }
    assert_eq!(
        cycles,
        Vec::<String>::new(),
        "modules that import each other; move what both need into one of them, or below"
    );
}
