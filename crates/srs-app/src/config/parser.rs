//! The generic directive tree: `name args;` and `name args { children }`.
//!
//! The parser knows nothing of SRS; [`super::known`] and [`super::model`] give the tree its
//! meaning. It can recover from one mistake that SRS's own example configs make
//! (`listen 1935` with no `;`, followed by `max_connections 1000;` on the next line): when a
//! directive's arguments continue on a new line with a word that `is_directive` recognises in the
//! current block, the `;` is assumed and a warning is returned.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ConfigError, ConfigWarning};
use super::lexer::{tokenize, Token, TokenKind};

/// Deepest nesting of blocks accepted (SRS needs 4); deeper input is an error, not a stack
/// overflow.
pub const MAX_DEPTH: usize = 16;

/// One directive of the config file, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The directive's name, e.g. `chunk_size`, `vhost`.
    pub name: String,
    /// The arguments, quotes removed, e.g. `["127.0.0.1:1935", "localhost:1935"]`.
    pub args: Vec<String>,
    /// The directives of its block (empty for `name args;` and for an empty block).
    pub children: Vec<Directive>,
    /// Whether the directive has a block (`name args { ... }`), even an empty one.
    pub block: bool,
    /// The file it comes from.
    pub file: Arc<Path>,
    /// The 1-based line of its name.
    pub line: usize,
}

impl Directive {
    /// The first argument, if any.
    pub fn arg0(&self) -> Option<&str> {
        self.args.first().map(String::as_str)
    }

    /// The first child directive with this name.
    pub fn child(&self, name: &str) -> Option<&Directive> {
        self.children.iter().find(|d| d.name == name)
    }

    /// An error about this directive: `FILE:LINE: directive "NAME": message`.
    pub fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Directive {
            file: self.file.to_path_buf(),
            line: self.line,
            directive: self.name.clone(),
            message: message.into(),
        }
    }

    /// A warning about this directive: `FILE:LINE: directive "NAME": message`.
    pub fn warning(&self, message: impl Into<String>) -> ConfigWarning {
        ConfigWarning {
            file: self.file.to_path_buf(),
            line: self.line,
            directive: self.name.clone(),
            message: message.into(),
        }
    }
}

/// The result of [`parse`]: the top-level directives and the warnings of recovered mistakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// The top-level directives in file order.
    pub directives: Vec<Directive>,
    /// Warnings (recovered missing `;`).
    pub warnings: Vec<ConfigWarning>,
}

/// Parses `text` (from `file`, used in messages) into a directive tree.
///
/// `is_directive(parents, word)` tells whether `word` is a directive name inside the block
/// `parents` (the names of the enclosing blocks, outermost first); it is only used to recover
/// from a missing `;` at the end of a line. Pass `&|_, _| false` for a strict parse.
pub fn parse(
    text: &str,
    file: &Path,
    is_directive: &dyn Fn(&[&str], &str) -> bool,
) -> Result<ParsedFile, ConfigError> {
    let tokens = tokenize(text, file)?;
    let mut parser = Parser {
        tokens: &tokens.tokens,
        pos: 0,
        eof_line: tokens.eof_line,
        file: Arc::from(file),
        path: PathBuf::from(file),
        warnings: Vec::new(),
        is_directive,
        parents: Vec::new(),
    };
    let directives = parser.block(None)?;
    Ok(ParsedFile {
        directives,
        warnings: parser.warnings,
    })
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    eof_line: usize,
    file: Arc<Path>,
    path: PathBuf,
    warnings: Vec<ConfigWarning>,
    is_directive: &'a dyn Fn(&[&str], &str) -> bool,
    parents: Vec<&'a str>,
}

impl<'a> Parser<'a> {
    fn syntax(&self, line: usize, message: String) -> ConfigError {
        ConfigError::Syntax {
            file: self.path.clone(),
            line,
            message,
        }
    }

    fn directive_error(&self, name: &str, line: usize, message: String) -> ConfigError {
        ConfigError::Directive {
            file: self.path.clone(),
            line,
            directive: name.to_string(),
            message,
        }
    }

    /// Parses directives up to the `}` closing `open` (name and line of the block), or to the
    /// end of the file at top level.
    fn block(&mut self, open: Option<(&'a str, usize)>) -> Result<Vec<Directive>, ConfigError> {
        let mut out = Vec::new();
        loop {
            let Some(tok) = self.tokens.get(self.pos) else {
                return match open {
                    None => Ok(out),
                    Some((name, line)) => Err(self.syntax(
                        self.eof_line,
                        format!(
                            "unexpected end of file, expecting \"}}\" to close block \"{name}\" of line {line}"
                        ),
                    )),
                };
            };
            self.pos += 1;
            match &tok.kind {
                TokenKind::Close => {
                    return match open {
                        Some(_) => Ok(out),
                        None => Err(self.syntax(tok.line, "unexpected \"}\"".to_string())),
                    }
                }
                TokenKind::Semicolon => {
                    return Err(self.syntax(tok.line, "unexpected \";\"".to_string()))
                }
                TokenKind::Open => {
                    return Err(self.syntax(tok.line, "unexpected \"{\"".to_string()))
                }
                TokenKind::Word(name) => out.push(self.directive(name, tok.line)?),
            }
        }
    }

    /// Parses the rest of a directive whose name was just read.
    fn directive(&mut self, name: &'a str, line: usize) -> Result<Directive, ConfigError> {
        let mut args = Vec::new();
        let mut prev_line = line;
        loop {
            let Some(tok) = self.tokens.get(self.pos) else {
                return Err(self.directive_error(
                    name,
                    line,
                    "unexpected end of file, expecting \";\" or \"{\"".to_string(),
                ));
            };
            match &tok.kind {
                TokenKind::Semicolon => {
                    self.pos += 1;
                    return Ok(self.node(name, args, Vec::new(), false, line));
                }
                TokenKind::Open => {
                    self.pos += 1;
                    if self.parents.len() >= MAX_DEPTH {
                        return Err(self.syntax(
                            tok.line,
                            format!("blocks nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    self.parents.push(name);
                    let children = self.block(Some((name, line)));
                    self.parents.pop();
                    return Ok(self.node(name, args, children?, true, line));
                }
                TokenKind::Close => {
                    return Err(self.directive_error(
                        name,
                        line,
                        format!("missing \";\" before \"}}\" of line {}", tok.line),
                    ));
                }
                TokenKind::Word(word) => {
                    if tok.line > prev_line
                        && !tok.quoted
                        && (self.is_directive)(&self.parents, word)
                    {
                        self.warnings.push(ConfigWarning {
                            file: self.path.clone(),
                            line,
                            directive: name.to_string(),
                            message: format!(
                                "missing \";\" at the end of line {prev_line}, assumed before directive \"{word}\" of line {}",
                                tok.line
                            ),
                        });
                        return Ok(self.node(name, args, Vec::new(), false, line));
                    }
                    self.pos += 1;
                    prev_line = tok.line;
                    args.push(word.clone());
                }
            }
        }
    }

    fn node(
        &self,
        name: &str,
        args: Vec<String>,
        children: Vec<Directive>,
        block: bool,
        line: usize,
    ) -> Directive {
        Directive {
            name: name.to_string(),
            args,
            children,
            block,
            file: self.file.clone(),
            line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(text: &str) -> Result<Vec<Directive>, String> {
        parse(text, Path::new("t.conf"), &|_, _| false)
            .map(|p| p.directives)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn tree_with_lines() {
        let d =
            strict("listen 1935 1936;\n# c\nvhost a {\n  hls {\n    enabled on;\n  }\n  e {}\n}\n")
                .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "listen");
        assert_eq!(d[0].args, vec!["1935", "1936"]);
        assert!(!d[0].block);
        assert_eq!(d[0].line, 1);
        let v = &d[1];
        assert_eq!(
            (v.name.as_str(), v.arg0(), v.line, v.block),
            ("vhost", Some("a"), 3, true)
        );
        let hls = v.child("hls").unwrap();
        assert_eq!(hls.line, 4);
        assert_eq!(hls.children[0].name, "enabled");
        assert_eq!(hls.children[0].args, vec!["on"]);
        assert_eq!(hls.children[0].line, 5);
        let e = v.child("e").unwrap();
        assert!(e.block && e.children.is_empty());
        assert_eq!(&*e.file, Path::new("t.conf"));
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(
            strict("a 1;\n}\n").unwrap_err(),
            "t.conf:2: unexpected \"}\""
        );
        assert_eq!(strict("a 1;\n;").unwrap_err(), "t.conf:2: unexpected \";\"");
        assert_eq!(strict("{").unwrap_err(), "t.conf:1: unexpected \"{\"");
        assert_eq!(
            strict("vhost a {\n  b 1;\n\n").unwrap_err(),
            "t.conf:3: unexpected end of file, expecting \"}\" to close block \"vhost\" of line 1"
        );
        assert_eq!(
            strict("vhost a {\n  chunk_size 128\n}\n").unwrap_err(),
            "t.conf:2: directive \"chunk_size\": missing \";\" before \"}\" of line 3"
        );
        assert_eq!(
            strict("a 1;\nlisten 1935").unwrap_err(),
            "t.conf:2: directive \"listen\": unexpected end of file, expecting \";\" or \"{\""
        );
    }

    #[test]
    fn missing_semicolon_recovery() {
        let p = parse(
            "listen 1935\nmax_connections 1000;\n",
            Path::new("t.conf"),
            &|parents, w| parents.is_empty() && w == "max_connections",
        )
        .unwrap();
        assert_eq!(p.directives.len(), 2);
        assert_eq!(p.directives[0].args, vec!["1935"]);
        assert_eq!(p.directives[1].name, "max_connections");
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(
            p.warnings[0].to_string(),
            "t.conf:1: directive \"listen\": missing \";\" at the end of line 1, assumed before directive \"max_connections\" of line 2"
        );
        // Without recognition the words stay arguments (multi-line arguments are allowed).
        let d = strict("on_connect http://a\n  http://b;").unwrap();
        assert_eq!(d[0].args, vec!["http://a", "http://b"]);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "a {".repeat(100_000);
        let e = strict(&text).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
    }
}
