//! Just enough YAML to read the Kubernetes manifests in `deploy/k8s/base` into JSON values:
//! block mappings and sequences by indentation, `---` between documents, `#` comments,
//! plain, single- and double-quoted scalars, and flow sequences written as JSON
//! (`args: ["serve", "auth"]`). Anything else (anchors, block scalars, flow mappings)
//! panics with the line, so a manifest this reader does not understand fails the test
//! instead of being half-read. Every scalar stays a string: the test reads names, paths
//! and environment values, which Kubernetes takes as strings too.

use serde_json::{Map, Value};

/// The documents of a multi-document YAML file.
pub fn documents(text: &str) -> Vec<Value> {
    let mut docs = vec![Vec::new()];
    for raw in text.lines() {
        if raw.trim_end() == "---" {
            docs.push(Vec::new());
            continue;
        }
        let content = strip_comment(raw).trim_end();
        if content.trim().is_empty() {
            continue;
        }
        let indent = content.len() - content.trim_start().len();
        if let Some(doc) = docs.last_mut() {
            doc.push(Line {
                indent,
                text: content.trim_start().to_owned(),
            });
        }
    }
    docs.into_iter()
        .filter(|lines| !lines.is_empty())
        .map(|mut lines| {
            let mut at = 0;
            let indent = lines[0].indent;
            let value = block(&mut lines, &mut at, indent);
            assert!(at == lines.len(), "unread YAML from: {}", lines[at].text);
            value
        })
        .collect()
}

struct Line {
    indent: usize,
    text: String,
}

/// A `#` starts a comment at the line's start or after a space, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous == ' ' => return &line[..i],
            None => {}
        }
        previous = c;
    }
    line
}

fn block(lines: &mut [Line], at: &mut usize, indent: usize) -> Value {
    if lines[*at].text.starts_with('-') {
        sequence(lines, at, indent)
    } else {
        mapping(lines, at, indent)
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn sequence(lines: &mut [Line], at: &mut usize, indent: usize) -> Value {
    let mut items = Vec::new();
    while *at < lines.len() && lines[*at].indent == indent && is_item(&lines[*at].text) {
        let rest = lines[*at].text[1..].trim_start().to_owned();
        if rest.is_empty() {
            *at += 1;
            let inner = lines.get(*at).map_or(0, |l| l.indent);
            assert!(inner > indent, "empty sequence item");
            items.push(block(lines, at, inner));
        } else if rest.contains(": ") || rest.ends_with(':') {
            // `- name: x` opens a mapping whose keys line up with `name`.
            let inner = indent + (lines[*at].text.len() - rest.len());
            lines[*at] = Line {
                indent: inner,
                text: rest,
            };
            items.push(mapping(lines, at, inner));
        } else {
            items.push(scalar(&rest));
            *at += 1;
        }
    }
    Value::Array(items)
}

fn mapping(lines: &mut [Line], at: &mut usize, indent: usize) -> Value {
    let mut map = Map::new();
    while *at < lines.len() && lines[*at].indent == indent && !is_item(&lines[*at].text) {
        let text = lines[*at].text.clone();
        let (key, value) = match text.split_once(": ") {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (
                text.strip_suffix(':')
                    .unwrap_or_else(|| panic!("not a `key: value` line: {text}")),
                "",
            ),
        };
        *at += 1;
        let value = if !value.is_empty() {
            scalar(value)
        } else {
            match lines.get(*at) {
                Some(next) if next.indent > indent => {
                    let inner = next.indent;
                    block(lines, at, inner)
                }
                // A sequence may sit at its key's own indentation.
                Some(next) if next.indent == indent && is_item(&next.text) => {
                    sequence(lines, at, indent)
                }
                _ => Value::Null,
            }
        };
        map.insert(scalar_text(key), value);
    }
    Value::Object(map)
}

fn scalar(text: &str) -> Value {
    if text.starts_with('[') {
        return serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("flow sequence this reader cannot parse ({e}): {text}"));
    }
    assert!(
        !matches!(text.chars().next(), Some('{' | '&' | '*' | '|' | '>' | '!')),
        "YAML this reader does not handle: {text}"
    );
    Value::String(scalar_text(text))
}

fn scalar_text(text: &str) -> String {
    if text.starts_with('"') {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("double-quoted scalar ({e}): {text}"))
    } else if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        text.to_owned()
    }
}

#[test]
fn reads_the_shapes_the_manifests_use() {
    let docs = documents(
        "# a comment\na:\n  b: \"x # not a comment\"\n  list:\n    - name: one\n      value: '1'\n    - plain\n  args: [\"serve\", \"auth\"]\nsame:\n- x\n---\nc: d # comment\n",
    );
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["a"]["b"], "x # not a comment");
    assert_eq!(docs[0]["a"]["list"][0]["name"], "one");
    assert_eq!(docs[0]["a"]["list"][0]["value"], "1");
    assert_eq!(docs[0]["a"]["list"][1], "plain");
    assert_eq!(docs[0]["a"]["args"][1], "auth");
    assert_eq!(docs[0]["same"][0], "x");
    assert_eq!(docs[1]["c"], "d");
}
