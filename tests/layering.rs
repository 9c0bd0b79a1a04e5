//! The layering check: every `crate::`, `super::`, `self::` and child-module path under `src/`
//! may point only into its own layer or a lower one, and no two files import each other in a
//! circle (directly or through others).
//!
//! [`LAYERS`] is the one place the order is written; docs/architecture.md explains it. The
//! check reads the source as Rust tokens (proc-macro2), so paths inside comments and strings
//! are ignored and paths inside macro calls (`format!`, `tracing::warn!`) are seen. `pub use`
//! re-exports are followed to the file that defines the item, so a facade `mod.rs` that only
//! re-exports is not a hub every file depends on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The layers, lowest first. A file in `src/<layer>/` may import its own layer and the layers
/// before it in this list, never one after it. `main.rs` (the binary) and `lib.rs` (the list of
/// layers) sit above them all.
pub const LAYERS: &[&str] = &[
    "model", "text", "files", "collect", "enrich", "rules", "baseline", "report", "top", "cli",
    "app",
];

#[test]
fn src_follows_the_layer_order_and_has_no_import_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = read_tree(&root);
    let problems = check(&sources);
    assert!(
        problems.is_empty(),
        "{} layering problem(s) in src/ (layer order, lowest first: {}):\n{}",
        problems.len(),
        LAYERS.join(" < "),
        problems.join("\n")
    );
}

/// Every `.rs` file under `root`, keyed by its path relative to `root` (`/`-separated).
fn read_tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.insert(
                    rel,
                    std::fs::read_to_string(&path).expect("readable source"),
                );
            }
        }
    }
    out
}

/// One import: a path in `from` that resolves to an item of `to`.
#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    line: usize,
    path: String,
}

/// What one file says: the paths it names and what it re-exports.
struct FileFacts {
    /// (absolute path, line) of every path the file names.
    paths: Vec<(Vec<String>, usize)>,
    /// `pub use` leaf name -> the absolute path it stands for.
    reexports: BTreeMap<String, Vec<String>>,
}

/// Every problem in a source tree given as (path relative to src/, text).
fn check(sources: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut facts: BTreeMap<String, FileFacts> = BTreeMap::new();
    let mut module_files: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for (file, text) in sources {
        let Some(module) = module_of(file) else {
            continue;
        };
        if module.len() == 1 && !file.ends_with("mod.rs") {
            problems.push(format!(
                "src/{file}: a loose file at the top of src/; only main.rs and lib.rs live there, everything else in a layer's folder"
            ));
        }
        if !file.ends_with("mod.rs") && sources.contains_key(&file.replace(".rs", "/mod.rs")) {
            problems.push(format!(
                "src/{file}: beside {}; one module style: a folder's module is its mod.rs",
                file.replace(".rs", "/mod.rs")
            ));
        }
        if let Some(layer) = module.first()
            && !LAYERS.contains(&layer.as_str())
        {
            problems.push(format!(
                "src/{file}: `{layer}` is not a layer; add it to LAYERS in tests/layering.rs (and docs/architecture.md) or move the file into one"
            ));
        }
        let tokens: TokenStream = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("src/{file}: cannot tokenize: {e}"));
                continue;
            }
        };
        let mut file_facts = FileFacts {
            paths: Vec::new(),
            reexports: BTreeMap::new(),
        };
        scan(
            tokens,
            &module,
            &mut file_facts,
            &mut module_files,
            file,
            true,
            None,
        );
        module_files.insert(module, file.clone());
        facts.insert(file.clone(), file_facts);
    }
    let mut edges: Vec<Edge> = Vec::new();
    for (file, f) in &facts {
        for (path, line) in &f.paths {
            if let Some(to) = resolve(path, &module_files, &facts, 0)
                && &to != file
                && to != "lib.rs"
            {
                edges.push(Edge {
                    from: file.clone(),
                    to,
                    line: *line,
                    path: path.join("::"),
                });
            }
        }
    }
    let rank = |file: &str| -> Option<usize> {
        let layer = module_of(file)?.into_iter().next()?;
        LAYERS.iter().position(|l| *l == layer)
    };
    for e in &edges {
        if let (Some(from), Some(to)) = (rank(&e.from), rank(&e.to))
            && to > from
        {
            problems.push(format!(
                "src/{}:{}: `crate::{}` reaches up from layer `{}` into layer `{}` (src/{})",
                e.from, e.line, e.path, LAYERS[from], LAYERS[to], e.to
            ));
        }
    }
    for cycle in cycles(&edges) {
        let members: BTreeSet<&String> = cycle.iter().collect();
        let mut text = format!(
            "import cycle between {} files: {}",
            cycle.len(),
            cycle
                .iter()
                .map(|f| format!("src/{f}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut seen = BTreeSet::new();
        for e in edges
            .iter()
            .filter(|e| members.contains(&e.from) && members.contains(&e.to))
        {
            if seen.insert((&e.from, &e.to)) {
                let _ = write!(
                    text,
                    "\n    src/{}:{} -> src/{} (`{}`)",
                    e.from, e.line, e.to, e.path
                );
            }
        }
        problems.push(text);
    }
    problems
}

/// `a/b/mod.rs` and `a/b.rs` are module `a::b`; `lib.rs` is the crate root; `main.rs` is the
/// binary, not part of the library (`None`).
fn module_of(file: &str) -> Option<Vec<String>> {
    if file == "main.rs" || file.starts_with("bin/") {
        return None;
    }
    let stem = file.strip_suffix(".rs")?;
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    Some(parts)
}

/// The file a path's item lives in: the longest module prefix that is a file (or an inline
/// module of one), then through `pub use` re-exports of that file to the defining file.
fn resolve(
    path: &[String],
    module_files: &BTreeMap<Vec<String>, String>,
    facts: &BTreeMap<String, FileFacts>,
    depth: usize,
) -> Option<String> {
    let (len, file) = (0..=path.len())
        .rev()
        .find_map(|n| module_files.get(&path[..n]).map(|f| (n, f.clone())))?;
    if depth < 8
        && let Some(name) = path.get(len)
        && let Some(target) = facts.get(&file).and_then(|f| f.reexports.get(name))
    {
        let mut next = target.clone();
        next.extend_from_slice(&path[len + 1..]);
        if next != path {
            return resolve(&next, module_files, facts, depth + 1).or(Some(file));
        }
    }
    Some(file)
}

/// Walks a token stream: records paths, child modules and re-exports. `module` is the module
/// the tokens are in (inline `mod x { }` blocks extend it); `top` is whether they are the
/// file's top level (only top-level `pub use` re-exports count).
fn scan(
    tokens: TokenStream,
    module: &[String],
    facts: &mut FileFacts,
    module_files: &mut BTreeMap<Vec<String>, String>,
    file: &str,
    top: bool,
    outer_children: Option<&BTreeSet<String>>,
) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    // Child modules declared at this module's level (`mod x;` or `mod x { }`): bare `x::`
    // paths name them, in function bodies too (which inherit the set).
    let children: BTreeSet<String> = match outer_children {
        Some(set) => set.clone(),
        None => tokens
            .windows(2)
            .filter_map(|w| match (&w[0], &w[1]) {
                (TokenTree::Ident(k), TokenTree::Ident(name)) if k == "mod" => {
                    Some(name.to_string())
                }
                _ => None,
            })
            .collect(),
    };
    let mut i = 0;
    while i < tokens.len() {
        // `mod name { ... }`: an inline module, scanned in its own module path.
        if let (Some(TokenTree::Ident(k)), Some(TokenTree::Ident(name)), Some(TokenTree::Group(g))) =
            (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
            && k == "mod"
            && g.delimiter() == Delimiter::Brace
        {
            let mut inner = module.to_vec();
            inner.push(name.to_string());
            module_files.insert(inner.clone(), file.to_string());
            scan(g.stream(), &inner, facts, module_files, file, false, None);
            i += 3;
            continue;
        }
        // `pub use tree;` (also `pub(crate) use`): the leaves are re-exports.
        let is_pub_use = top
            && matches!(tokens.get(i), Some(TokenTree::Ident(p)) if p == "pub")
            && {
                let j = if matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    i + 2
                } else {
                    i + 1
                };
                matches!(tokens.get(j), Some(TokenTree::Ident(u)) if u == "use")
            };
        if is_pub_use {
            let start = tokens[i..]
                .iter()
                .position(|t| matches!(t, TokenTree::Ident(u) if u == "use"))
                .map_or(i + 1, |p| i + p + 1);
            let end = tokens[start..]
                .iter()
                .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
                .map_or(tokens.len(), |p| start + p);
            let line = line_of(&tokens[start]);
            let mut leaves = Vec::new();
            use_tree(&tokens[start..end], &[], &mut leaves);
            for (path, alias) in leaves {
                if let Some(abs) = absolute(&path, module, &children) {
                    if let Some(name) = alias.or_else(|| abs.last().cloned())
                        && name != "*"
                        && name != "self"
                    {
                        facts.reexports.insert(name, abs.clone());
                    }
                    facts.paths.push((abs, line));
                }
            }
            i = end + 1;
            continue;
        }
        // A path: `crate::`, `super::`, `self::` or a child module, not preceded by `::` or `.`.
        let starts_path = match &tokens[i] {
            TokenTree::Ident(id) => {
                let word = id.to_string();
                // `a::crate` or `x.self` are not path starts; `x: crate::T` (one colon) is.
                let after_sep = (i > 0
                    && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '.'))
                    || (i > 1 && is_path_sep(&tokens, i - 2));
                !after_sep
                    && (word == "crate"
                        || word == "super"
                        || word == "self"
                        || children.contains(&word))
                    && is_path_sep(&tokens, i + 1)
            }
            _ => false,
        };
        if starts_path {
            let line = line_of(&tokens[i]);
            // Collect `seg :: seg :: ... [:: {tree}]`.
            let mut j = i;
            let mut end = i + 1;
            while j < tokens.len() {
                match &tokens[j] {
                    TokenTree::Ident(_) => {
                        end = j + 1;
                        if is_path_sep(&tokens, j + 1) {
                            j += 3;
                            continue;
                        }
                        break;
                    }
                    TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                        end = j + 1;
                        break;
                    }
                    TokenTree::Punct(p) if p.as_char() == '*' => {
                        end = j + 1;
                        break;
                    }
                    _ => break,
                }
            }
            let mut leaves = Vec::new();
            use_tree(&tokens[i..end], &[], &mut leaves);
            for (path, _) in leaves {
                if let Some(abs) = absolute(&path, module, &children) {
                    facts.paths.push((abs, line));
                }
            }
            i = end;
            continue;
        }
        if let TokenTree::Group(g) = &tokens[i] {
            scan(
                g.stream(),
                module,
                facts,
                module_files,
                file,
                false,
                Some(&children),
            );
        }
        i += 1;
    }
}

/// Whether `tokens[at..]` starts with `::`.
fn is_path_sep(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
    )
}

fn line_of(token: &TokenTree) -> usize {
    token.span().start().line
}

/// The leaves of a use tree (`a::b::{c, d::e as f, self, *}`), each with its alias.
fn use_tree(tokens: &[TokenTree], prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    let mut alias = None;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "as" => {
                if let Some(TokenTree::Ident(a)) = tokens.get(i + 1) {
                    alias = Some(a.to_string());
                }
                i += 2;
                continue;
            }
            TokenTree::Ident(id) if id == "self" && !path.is_empty() => {}
            TokenTree::Ident(id) => path.push(id.to_string()),
            TokenTree::Punct(p) if p.as_char() == '*' => path.push("*".to_string()),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                for part in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                {
                    if !part.is_empty() {
                        use_tree(part, &path, out);
                    }
                }
                return;
            }
            _ => {}
        }
        i += 1;
    }
    if path.len() > prefix.len() || !path.is_empty() {
        out.push((path, alias));
    }
}

/// A path made absolute (from the crate root), or `None` when it names something outside the
/// crate (`std::`, a dependency).
fn absolute(
    path: &[String],
    module: &[String],
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut out: Vec<String>;
    let mut rest = path;
    if first == "crate" {
        out = Vec::new();
        rest = &rest[1..];
    } else if first == "self" {
        out = module.to_vec();
        rest = &rest[1..];
    } else if first == "super" {
        out = module.to_vec();
        while rest.first().is_some_and(|s| s == "super") {
            out.pop();
            rest = &rest[1..];
        }
    } else if children.contains(first) {
        out = module.to_vec();
    } else {
        return None;
    }
    out.extend(rest.iter().filter(|s| *s != "*").cloned());
    Some(out)
}

/// Files that import each other in a circle: the strongly connected components of the file
/// graph with more than one file (Tarjan), each sorted, in sorted order.
fn cycles(edges: &[Edge]) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        graph.entry(&e.from).or_default().insert(&e.to);
        graph.entry(&e.to).or_default();
    }
    struct Tarjan<'a> {
        graph: &'a BTreeMap<&'a str, BTreeSet<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for &w in &self.graph[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for &v in graph.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.out.sort();
    t.out
}

// The check's own tests: it must catch what it is for, on small trees written here.

fn tree(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
        .collect()
}

#[test]
fn an_upward_import_is_caught_with_its_file_and_line() {
    let problems = check(&tree(&[
        ("lib.rs", "pub mod model;\npub mod report;\n"),
        (
            "model/mod.rs",
            "//! Data.\n\nuse crate::report::render;\npub struct Socket;\n",
        ),
        (
            "report/mod.rs",
            "use crate::model::Socket;\npub fn render(_: &Socket) {}\n",
        ),
    ]));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("src/model/mod.rs:3: `crate::report::render` reaches up from layer `model` into layer `report`"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("import cycle between 2 files"),
        "{problems:#?}"
    );
}

#[test]
fn downward_imports_through_facades_pass() {
    let problems = check(&tree(&[
        ("lib.rs", "pub mod model;\npub mod rules;\n"),
        ("model/mod.rs", "mod socket;\npub use socket::Socket;\n"),
        ("model/socket.rs", "pub struct Socket;\n"),
        // A sibling names the facade; the re-export leads to socket.rs, not to a cycle.
        (
            "model/finding.rs",
            "use crate::model::Socket;\npub struct Finding(Socket);\n",
        ),
        ("rules/mod.rs", "mod engine;\npub use engine::evaluate;\n"),
        (
            "rules/engine.rs",
            "use super::super::model::{Socket, finding::Finding};\npub fn evaluate(_: &Socket) -> Option<Finding> { None }\n",
        ),
    ]));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn paths_in_macros_inline_modules_and_use_groups_count_and_comments_do_not() {
    let problems = check(&tree(&[
        ("lib.rs", "pub mod model;\npub mod app;\n"),
        (
            "model/mod.rs",
            "// crate::app::run in a comment\nconst S: &str = \"crate::app::run\";\nfn f() { tracing::info!(\"{}\", crate::app::NAME); }\n#[cfg(test)]\nmod tests { use crate::{app::{self, run}}; }\n",
        ),
        (
            "app/mod.rs",
            "pub const NAME: &str = \"x\";\npub fn run() {}\n",
        ),
    ]));
    let upward: Vec<&String> = problems
        .iter()
        .filter(|p| p.contains("reaches up"))
        .collect();
    assert_eq!(upward.len(), 3, "{problems:#?}");
    assert!(upward[0].starts_with("src/model/mod.rs:3:"), "{upward:#?}");
    assert!(
        upward
            .iter()
            .all(|p| p.starts_with("src/model/mod.rs:3:") || p.starts_with("src/model/mod.rs:5:"))
    );
}

#[test]
fn a_cycle_inside_one_layer_is_caught_through_a_third_file() {
    let problems = check(&tree(&[
        ("lib.rs", "pub mod rules;\n"),
        ("rules/mod.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("rules/a.rs", "use super::b::B;\npub struct A;\n"),
        ("rules/b.rs", "use super::c::C;\npub struct B;\n"),
        (
            "rules/c.rs",
            "pub struct C;\nfn f(_: crate::rules::a::A) {}\n",
        ),
    ]));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "import cycle between 3 files: src/rules/a.rs, src/rules/b.rs, src/rules/c.rs"
        ),
        "{problems:#?}"
    );
}

#[test]
fn loose_files_two_module_styles_and_unknown_folders_are_refused() {
    let problems = check(&tree(&[
        (
            "lib.rs",
            "pub mod engine;\npub mod model;\npub mod extra;\n",
        ),
        ("engine.rs", "pub fn evaluate() {}\n"),
        ("model/mod.rs", "pub mod socket;\n"),
        ("model/socket.rs", "pub struct Socket;\n"),
        ("model/socket/mod.rs", "pub struct Other;\n"),
        ("extra/mod.rs", "pub fn f() {}\n"),
    ]));
    let text = problems.join("\n");
    assert!(
        text.contains("src/engine.rs: a loose file at the top of src/"),
        "{text}"
    );
    assert!(
        text.contains("src/model/socket.rs: beside model/socket/mod.rs"),
        "{text}"
    );
    assert!(
        text.contains("src/extra/mod.rs: `extra` is not a layer"),
        "{text}"
    );
}

#[test]
fn a_parent_that_calls_its_child_and_a_child_that_uses_its_parent_are_a_cycle() {
    let problems = check(&tree(&[
        ("lib.rs", "pub mod app;\n"),
        (
            "app/mod.rs",
            "mod scan;\npub struct AppError;\npub fn run() -> Result<(), AppError> { match 1 { _ => scan::run() } }\n",
        ),
        (
            "app/scan.rs",
            "use super::AppError;\npub fn run() -> Result<(), AppError> { Ok(()) }\n",
        ),
    ]));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("src/app/mod.rs:3 -> src/app/scan.rs (`app::scan::run`)"),
        "{problems:#?}"
    );
    assert!(
        problems[0].contains("src/app/scan.rs:1 -> src/app/mod.rs (`app::AppError`)"),
        "{problems:#?}"
    );
}
