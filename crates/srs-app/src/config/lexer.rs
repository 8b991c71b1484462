//! Tokenizer of the nginx-style config syntax.
//!
//! - Words are separated by whitespace; `;`, `{` and `}` are tokens of their own.
//! - `#` at the start of a token starts a comment that runs to the end of the line (inside a
//!   word, as in `http://host/a#b`, it is part of the word).
//! - A token starting with `'` or `"` is quoted: it runs to the same quote and may hold spaces,
//!   `;`, `{`, `}`, `#` and newlines. There are no escapes (as in SRS): a backslash is kept as is,
//!   which suits ffmpeg filter strings. A quoted token must be followed by a separator.
//!
//! Works on `&str` (the caller checked UTF-8); never panics on any input.

use std::path::Path;

use super::error::ConfigError;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A word or a quoted string (quotes removed).
    Word(String),
    /// `;`
    Semicolon,
    /// `{`
    Open,
    /// `}`
    Close,
}

/// One token with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The token.
    pub kind: TokenKind,
    /// 1-based line where the token starts.
    pub line: usize,
    /// Whether the word was quoted (a quoted word is never taken for a directive name when
    /// recovering from a missing `;`).
    pub quoted: bool,
}

/// The tokens of a file and the line of its end.
#[derive(Debug)]
pub(crate) struct Tokens {
    /// All tokens in order.
    pub tokens: Vec<Token>,
    /// The line of the last character of the file (1 for an empty file).
    pub eof_line: usize,
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ';' || c == '{' || c == '}'
}

/// Splits `text` into tokens. Errors: an unterminated quoted string, or a character glued to the
/// end of a quoted string.
pub(crate) fn tokenize(text: &str, file: &Path) -> Result<Tokens, ConfigError> {
    let mut tokens = Vec::new();
    let mut line = 1usize;
    let mut last_char_line = 1usize;
    let mut chars = text.chars().peekable();
    let syntax = |line: usize, message: String| ConfigError::Syntax {
        file: file.to_path_buf(),
        line,
        message,
    };

    while let Some(c) = chars.next() {
        last_char_line = line;
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                // Comment to the end of the line; the newline itself is handled by the loop.
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            ';' => tokens.push(Token {
                kind: TokenKind::Semicolon,
                line,
                quoted: false,
            }),
            '{' => tokens.push(Token {
                kind: TokenKind::Open,
                line,
                quoted: false,
            }),
            '}' => tokens.push(Token {
                kind: TokenKind::Close,
                line,
                quoted: false,
            }),
            '"' | '\'' => {
                let start = line;
                let mut word = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == c {
                        closed = true;
                        break;
                    }
                    if n == '\n' {
                        line += 1;
                    }
                    word.push(n);
                }
                if !closed {
                    let other = if c == '"' { '\'' } else { '"' };
                    return Err(syntax(
                        start,
                        format!(
                            "unterminated quoted string, expecting a closing {other}{c}{other}"
                        ),
                    ));
                }
                last_char_line = line;
                if let Some(&n) = chars.peek() {
                    if !is_separator(n) && n != '#' {
                        return Err(syntax(
                            line,
                            format!("unexpected \"{n}\" after a quoted string"),
                        ));
                    }
                }
                tokens.push(Token {
                    kind: TokenKind::Word(word),
                    line: start,
                    quoted: true,
                });
            }
            c => {
                let mut word = String::new();
                word.push(c);
                while let Some(&n) = chars.peek() {
                    if is_separator(n) {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                tokens.push(Token {
                    kind: TokenKind::Word(word),
                    line,
                    quoted: false,
                });
            }
        }
    }
    Ok(Tokens {
        tokens,
        eof_line: last_char_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text, Path::new("t.conf"))
            .map(|t| t.tokens.into_iter().map(|t| t.kind).collect())
            .unwrap_or_default()
    }

    fn w(s: &str) -> TokenKind {
        TokenKind::Word(s.to_string())
    }

    #[test]
    fn words_and_punctuation() {
        assert_eq!(
            kinds("listen 1935;vhost a{x y;}"),
            vec![
                w("listen"),
                w("1935"),
                TokenKind::Semicolon,
                w("vhost"),
                w("a"),
                TokenKind::Open,
                w("x"),
                w("y"),
                TokenKind::Semicolon,
                TokenKind::Close
            ]
        );
    }

    #[test]
    fn comments_and_hash_inside_words() {
        assert_eq!(
            kinds("# c ; { }\na http://h/x#y; # tail\n#end"),
            vec![w("a"), w("http://h/x#y"), TokenKind::Semicolon]
        );
    }

    #[test]
    fn quotes_hold_separators_and_newlines() {
        let t = tokenize("a 'x; {y}' \"p\nq\" '';\nb;", Path::new("t.conf")).unwrap();
        let words: Vec<_> = t.tokens.iter().map(|t| (t.kind.clone(), t.line)).collect();
        assert_eq!(
            words,
            vec![
                (w("a"), 1),
                (w("x; {y}"), 1),
                (w("p\nq"), 1),
                (w(""), 2),
                (TokenKind::Semicolon, 2),
                (w("b"), 3),
                (TokenKind::Semicolon, 3)
            ]
        );
        assert_eq!(t.eof_line, 3);
    }

    #[test]
    fn unterminated_quote() {
        let e = tokenize("a 1;\nb \"xx;\n\n", Path::new("t.conf")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.conf:2: unterminated quoted string, expecting a closing '\"'"
        );
        let e = tokenize("b 'xx;", Path::new("t.conf")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.conf:1: unterminated quoted string, expecting a closing \"'\""
        );
    }

    #[test]
    fn glued_quote() {
        let e = tokenize("a \"x\"y;", Path::new("t.conf")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.conf:1: unexpected \"y\" after a quoted string"
        );
        assert!(tokenize("a \"x\";b 'y'{}", Path::new("t.conf")).is_ok());
    }

    #[test]
    fn crlf_and_tabs() {
        assert_eq!(
            kinds("a\tb;\r\nc;\r\n"),
            vec![
                w("a"),
                w("b"),
                TokenKind::Semicolon,
                w("c"),
                TokenKind::Semicolon
            ]
        );
    }
}
