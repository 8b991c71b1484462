//! The config parser from a string (no file IO): `Config::parse_str` on any UTF-8 text, and
//! the directive tree printed back as text (every word quoted) parses to the same tree and
//! the same verdict of the full config check.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use srs_app::config::{parser, validate, Config, Directive};

/// Quotes a word for the lexer, which has no escapes; `None` if it holds both quote kinds.
fn quote(w: &str) -> Option<String> {
    if !w.contains('"') {
        Some(format!("\"{w}\""))
    } else if !w.contains('\'') {
        Some(format!("'{w}'"))
    } else {
        None
    }
}

fn print(ds: &[Directive], out: &mut String) -> Option<()> {
    for d in ds {
        out.push_str(&quote(&d.name)?);
        for a in &d.args {
            out.push(' ');
            out.push_str(&quote(a)?);
        }
        if d.block {
            out.push_str(" {\n");
            print(&d.children, out)?;
            out.push_str("}\n");
        } else {
            out.push_str(";\n");
        }
    }
    Some(())
}

/// The tree without file and line.
fn shape(ds: &[Directive]) -> Vec<(String, Vec<String>, bool, usize)> {
    let mut out = Vec::new();
    for d in ds {
        out.push((d.name.clone(), d.args.clone(), d.block, d.children.len()));
        out.extend(shape(&d.children));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.conf");
    let full = Config::parse_str(text, file);
    let Ok(parsed) = parser::parse(text, file, &validate::is_directive) else {
        assert!(full.is_err(), "config accepted but its syntax refused");
        return;
    };
    for d in &parsed.directives {
        assert!(d.line >= 1);
    }
    let mut printed = String::new();
    if print(&parsed.directives, &mut printed).is_none() {
        return;
    }
    let again = match parser::parse(&printed, file, &|_, _| false) {
        Ok(p) => p,
        Err(e) => panic!("printed tree does not parse: {e}\n{printed}"),
    };
    assert!(again.warnings.is_empty());
    assert_eq!(shape(&again.directives), shape(&parsed.directives));
    let full2 = Config::parse_str(&printed, file);
    assert_eq!(
        full.is_ok(),
        full2.is_ok(),
        "verdict changed after printing: {:?} vs {:?}",
        full.as_ref().err().map(|e| e.to_string()),
        full2.as_ref().err().map(|e| e.to_string())
    );
});
