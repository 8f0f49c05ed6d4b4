//! The snapshot files of this test binary are exactly those its assertions name: a file left
//! behind by a renamed or removed assertion, or one written for review, fails here.
//!
//! insta keeps a named snapshot of module `a::b` in `snapshots/integration__a__b__NAME.snap`
//! beside the module's source; inline snapshots (`@"..."`) have no file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[test]
fn every_snapshot_file_belongs_to_an_assertion() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration");
    let mut named = BTreeSet::new();
    let mut unnamed = Vec::new();
    let mut stored = BTreeSet::new();
    for path in files(&root) {
        if path.parent().and_then(Path::file_name) == Some("snapshots".as_ref()) {
            stored.insert(path);
        } else if path.extension() == Some("rs".as_ref()) {
            let source = std::fs::read_to_string(&path).expect("a test source");
            for name in file_snapshots(&source) {
                match name {
                    Some(name) => {
                        named.insert(snapshot_file(&root, &path, &name));
                    }
                    None => unnamed.push(path.clone()),
                }
            }
        }
    }
    assert!(
        unnamed.is_empty(),
        "give every file snapshot a name, so that its file can be told from a stale one: {unnamed:#?}"
    );
    let stale: Vec<_> = stored.difference(&named).collect();
    assert!(
        stale.is_empty(),
        "files that no assertion names (stale, or waiting for review): {stale:#?}"
    );
    let missing: Vec<_> = named.difference(&stored).collect();
    assert!(missing.is_empty(), "snapshots never stored: {missing:#?}");
}

/// Every file under `dir`, at any depth.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Where insta keeps the snapshot `name` of the module in `source`.
fn snapshot_file(root: &Path, source: &Path, name: &str) -> PathBuf {
    let relative = source.strip_prefix(root).expect("a source of this binary");
    let mut module = vec!["integration".to_owned()];
    for part in relative.with_extension("").iter() {
        let part = part.to_string_lossy();
        if part != "mod" && part != "main" {
            module.push(part.into_owned());
        }
    }
    source
        .with_file_name("snapshots")
        .join(format!("{}__{name}.snap", module.join("__")))
}

/// The snapshot assertions of a source that write a file (no inline `@` snapshot): each
/// with its name, `None` when it has none.
fn file_snapshots(source: &str) -> Vec<Option<String>> {
    let tokens = tokens(source);
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Ident(ident) = token else { continue };
        let is_assertion = ident.starts_with("assert_") && ident.ends_with("snapshot");
        if !is_assertion
            || tokens.get(i + 1) != Some(&Token::Punct('!'))
            || tokens.get(i + 2) != Some(&Token::Punct('('))
        {
            continue;
        }
        let mut depth = 0;
        let mut inline = false;
        for t in &tokens[i + 2..] {
            match t {
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Token::Punct('@') if depth == 1 => inline = true,
                _ => {}
            }
        }
        if !inline {
            found.push(match tokens.get(i + 3) {
                Some(Token::Str(name)) => Some(name.clone()),
                _ => None,
            });
        }
    }
    found
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    /// A string literal's text as written between its quotes.
    Str(String),
    Punct(char),
}

/// The identifiers, string literals and punctuation of Rust source, without comments; enough
/// to find macro calls and their arguments.
fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((text, end)) = raw_string(&chars, i) {
            tokens.push(Token::Str(text));
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let start = j;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            tokens.push(Token::Str(
                chars[start..j.min(chars.len())].iter().collect(),
            ));
            i = j + 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or the start of a lifetime.
            let close = if next == Some('\\') {
                chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|p| i + 3 + p)
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            i = close.map_or(i + 1, |end| end + 1);
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// A raw string literal (`r"..."`, `r#"..."#`, `br"..."`) starting at `i`: its text and
/// where it ends.
fn raw_string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    let start = j + 1;
    let closing: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let end = (start..chars.len()).find(|&k| chars[k..].starts_with(&closing))?;
    Some((chars[start..end].iter().collect(), end + closing.len()))
}

#[test]
fn file_snapshots_are_told_from_inline_ones_comments_and_strings() {
    let source = r###"
        // insta::assert_json_snapshot!("in_a_comment", x);
        /* insta::assert_json_snapshot!("in /* a nested */ block comment", x); */
        let s = "insta::assert_json_snapshot!(\"in_a_string\", x)";
        insta::assert_json_snapshot!("named", doc);
        insta::assert_json_snapshot!(doc, { ".id" => "[id]" }, @r#"{"a": "(@)"}"#);
        assert_snapshot!(text);
        let quote = '"';
        let escaped = '\'';
        let text: &'static str = r##"insta::assert_snapshot!("in_a_raw_string", x)"##;
        insta::assert_debug_snapshot!("second", (a, [b, c]));
    "###;
    assert_eq!(
        file_snapshots(source),
        [Some("named".to_owned()), None, Some("second".to_owned())]
    );
}
