//! Checks a directive tree against the table of known directives ([`super::known`]):
//! unknown names and wrong forms are errors, unsupported directives give warnings.

use super::error::{ConfigError, ConfigWarning};
use super::known::{self, Shape, Since, Support, KNOWN_DIRECTIVES};
use super::parser::Directive;

/// Checks every directive of the tree. Values are checked later, by the typed model.
pub fn check(root: &[Directive], warnings: &mut Vec<ConfigWarning>) -> Result<(), ConfigError> {
    walk(root, &mut Vec::new(), false, warnings)
}

/// Whether `name` is a known directive directly inside the block `parents` (the parser's
/// missing-`;` recovery uses it).
pub fn is_directive(parents: &[&str], name: &str) -> bool {
    known::lookup(parents, name).is_some()
}

fn walk<'a>(
    directives: &'a [Directive],
    parents: &mut Vec<&'a str>,
    in_unsupported: bool,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    for d in directives {
        let Some(k) = known::lookup(parents, &d.name) else {
            return Err(d.error(unknown_message(parents, &d.name)));
        };
        match k.shape {
            Shape::Leaf if d.block => {
                return Err(d.error("takes no block, expected \";\" after its arguments"))
            }
            Shape::Block | Shape::Free if !d.block => {
                return Err(d.error("expected a block \"{ ... }\""))
            }
            _ => {}
        }
        let unsupported = k.support == Support::Unsupported;
        if unsupported && !in_unsupported {
            let message = match k.since {
                Since::Srs1 => "not supported yet, ignored",
                Since::Srs2 => "(SRS 2.0) not supported yet, ignored",
                Since::SrsLater => "(later SRS) not supported yet, ignored",
                Since::SrsRs => "not supported yet, ignored",
            };
            warnings.push(d.warning(message));
        }
        if k.shape == Shape::Block {
            parents.push(&d.name);
            let r = walk(
                &d.children,
                parents,
                in_unsupported || unsupported,
                warnings,
            );
            parents.pop();
            r?;
        }
    }
    Ok(())
}

fn unknown_message(parents: &[&str], name: &str) -> String {
    let place = match parents.last() {
        None => "unknown directive at top level".to_string(),
        Some(p) => format!("unknown directive in block \"{p}\""),
    };
    if name == "include" {
        return format!("{place} (SRS has no \"include\")");
    }
    let elsewhere = KNOWN_DIRECTIVES
        .iter()
        .find(|k| k.path.rsplit('.').next() == Some(name));
    match elsewhere.map(|k| k.path.rsplit_once('.')) {
        Some(Some((parent, _))) => format!("{place} (it belongs in block \"{parent}\")"),
        Some(None) => format!("{place} (it belongs at top level)"),
        None => place,
    }
}
