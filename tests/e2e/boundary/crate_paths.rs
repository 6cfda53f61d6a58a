//! Every path a Rust file names, resolved to where it points inside this crate.
//!
//! Text matching misses `use crate::{auth::X}` and `use super::super::auth` and trips
//! over a doc comment that merely mentions a module; reading the file as Rust with `syn`
//! sees what the compiler sees. Collected: `use` trees (grouped, renamed, globs),
//! every expression, type, pattern, trait and visibility path, macro paths, paths inside
//! macro arguments (token runs like `crate::a::b`), and paths in attribute arguments,
//! including strings such as serde's `with = "crate::x"`.
//!
//! Resolution is lexical, which is all a boundary needs: `crate::` and `belf::` (the
//! crate's own name) start at the root, `self::` and `super::` at the module the path is
//! written in — the file's module, or an inline `mod` inside it. Paths that start
//! anywhere else (a local item, an import, another crate) are not followed: the `use`
//! that brought such a name in is checked itself.

use syn::buffer::{Cursor, TokenBuffer};
use syn::visit::{self, Visit};

/// One path the file names, resolved inside the crate.
struct NamedPath {
    /// How the source names it, e.g. `use crate::auth::X` or `in macro crate::auth::f`.
    written: String,
    /// Module path from the crate root (`["auth", "X"]` for `crate::auth::X`).
    resolved: Vec<String>,
    /// A `use` item (glob, alias or name): importing the root itself would let later
    /// paths reach anything under a local name.
    is_use: bool,
}

/// A path that reaches a module the file may not name.
#[derive(Debug)]
pub struct Violation {
    pub written: String,
    pub reaches: String,
}

/// The paths in `source`, the file of module `module` (`["todo", "http"]` for
/// `src/todo/http/mod.rs`), that reach a top-level module in `forbidden` — or, through a
/// `use` of the crate root itself (`use crate::*`, `use super::super as root`), could.
pub fn forbidden_paths(
    module: &[&str],
    source: &str,
    forbidden: &[&str],
) -> syn::Result<Vec<Violation>> {
    let file = syn::parse_file(source)?;
    let mut collector = Collector {
        module: module.iter().map(|m| m.to_string()).collect(),
        found: Vec::new(),
    };
    collector.visit_file(&file);
    Ok(collector
        .found
        .into_iter()
        .filter_map(|p| {
            let reaches = match p.resolved.first() {
                Some(top) if forbidden.contains(&top.as_str()) => {
                    format!("crate::{}", p.resolved.join("::"))
                }
                None if p.is_use => "the crate root (and so every top-level module)".into(),
                _ => return None,
            };
            Some(Violation {
                written: p.written,
                reaches,
            })
        })
        .collect())
}

/// The module path of a file under `src/`: `src/todo/http/mod.rs` and `src/todo/http.rs`
/// are both `["todo", "http"]`.
pub fn module_of(src: &std::path::Path, file: &std::path::Path) -> Vec<String> {
    let relative = file
        .strip_prefix(src)
        .expect("the file is under src/")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// Where `segments`, written in module `module`, points from the crate root; `None` when
/// it does not start at `crate`, `belf`, `self` or `super`.
fn resolve(module: &[String], segments: &[String]) -> Option<Vec<String>> {
    let (first, rest) = segments.split_first()?;
    let mut resolved = match first.as_str() {
        "crate" | "belf" => Vec::new(),
        "self" | "super" => module.to_vec(),
        _ => return None,
    };
    // `super` above the root does not compile; stopping at the root errs on the strict side.
    if first == "super" {
        resolved.pop();
    }
    let mut rest = rest.iter().peekable();
    while let Some(step) = rest.next_if(|s| *s == "self" || *s == "super") {
        if step == "super" {
            resolved.pop();
        }
    }
    resolved.extend(rest.cloned());
    Some(resolved)
}

struct Collector {
    /// The module the visitor is in: the file's, plus any inline `mod` entered.
    module: Vec<String>,
    found: Vec<NamedPath>,
}

impl Collector {
    fn record(&mut self, written: String, segments: &[String], is_use: bool) {
        if let Some(resolved) = resolve(&self.module, segments) {
            self.found.push(NamedPath {
                written,
                resolved,
                is_use,
            });
        }
    }

    fn record_path(&mut self, kind: &str, segments: &[String]) {
        self.record(format!("{kind} {}", segments.join("::")), segments, false);
    }

    /// Records each name a `use` tree imports, with the prefix it sits under.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(ident(&p.ident));
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.use_leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.use_leaf(prefix, &r.ident),
            syn::UseTree::Glob(_) => {
                self.record(format!("use {}::*", prefix.join("::")), prefix, true);
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn use_leaf(&mut self, prefix: &[String], name: &syn::Ident) {
        let mut path = prefix.to_vec();
        // `use a::b::{self}` imports `a::b` itself.
        if name != "self" {
            path.push(ident(name));
        }
        self.record(format!("use {}", path.join("::")), &path, true);
    }

    /// Records a string literal that parses as a path (`with = "crate::x"`).
    fn string_path(&mut self, kind: &str, lit: syn::Lit) {
        if let syn::Lit::Str(s) = lit
            && let Ok(path) = syn::parse_str::<syn::Path>(&s.value())
        {
            self.record_path(kind, &segments_of(&path));
        }
    }

    /// Records every `a::b::c` run in a token stream (macro arguments, attribute
    /// arguments), and with `strings_as_paths`, string literals that parse as a path.
    fn tokens(&mut self, kind: &str, mut cursor: Cursor, strings_as_paths: bool) {
        while !cursor.eof() {
            if let Some((inside, _, _, next)) = cursor.any_group() {
                self.tokens(kind, inside, strings_as_paths);
                cursor = next;
            } else if let Some((first, next)) = cursor.ident() {
                let mut segments = vec![ident(&first)];
                cursor = next;
                while let Some((segment, next)) = path_step(cursor) {
                    segments.push(ident(&segment));
                    cursor = next;
                }
                self.record_path(kind, &segments);
            } else if let Some((literal, next)) = cursor.literal() {
                if strings_as_paths {
                    self.string_path(kind, syn::Lit::new(literal));
                }
                cursor = next;
            } else if let Some((_, next)) = cursor.token_tree() {
                cursor = next;
            } else {
                break;
            }
        }
    }
}

/// `:: ident` after a path segment, if the tokens continue the path.
fn path_step(cursor: Cursor) -> Option<(syn::Ident, Cursor)> {
    let (first, next) = cursor.punct()?;
    let (second, next) = next.punct()?;
    if first.as_char() != ':' || second.as_char() != ':' {
        return None;
    }
    next.ident()
}

fn ident(i: &syn::Ident) -> String {
    let name = i.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

fn segments_of(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| ident(&s.ident)).collect()
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // `mod x;` is a file of its own, walked separately; `mod x { … }` is a scope here.
        let inline = m.content.is_some();
        if inline {
            self.module.push(ident(&m.ident));
        }
        visit::visit_item_mod(self, m);
        if inline {
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        // `use ::belf::x` names the crate from outside; resolve treats `belf` as the root.
        self.use_tree(&mut prefix, &u.tree);
        visit::visit_item_use(self, u);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.record_path("path", &segments_of(p));
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        visit::visit_macro(self, m);
        let buffer = TokenBuffer::new2(m.tokens.clone());
        self.tokens("in macro", buffer.begin(), false);
    }

    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        // Doc comments are prose: mentioning a module there names nothing.
        if a.path().is_ident("doc") {
            return;
        }
        visit::visit_attribute(self, a);
        match &a.meta {
            syn::Meta::List(list) => {
                let buffer = TokenBuffer::new2(list.tokens.clone());
                self.tokens("in attribute", buffer.begin(), true);
            }
            syn::Meta::NameValue(nv) => {
                if let syn::Expr::Lit(lit) = &nv.value {
                    self.string_path("in attribute", lit.lit.clone());
                }
            }
            syn::Meta::Path(_) => {}
        }
    }
}
