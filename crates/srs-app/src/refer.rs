//! Refer checks: a client's `pageUrl` must belong to a listed domain.

/// The domain of a page URL: `http://www.a.com:8080/x` -> `www.a.com`.
pub fn page_domain(page_url: &str) -> &str {
    let rest = page_url.split_once("://").map_or(page_url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.split(':').next().unwrap_or_default()
}

/// Checks `page_url` against every configured list (`refer` and
/// `refer_play` / `refer_publish`): each list that is set must contain a
/// suffix of the page's domain. `Err` says which list refused.
pub fn check(page_url: &str, lists: &[(&str, &Option<Vec<String>>)]) -> Result<(), String> {
    let domain = page_domain(page_url);
    for (name, list) in lists {
        let Some(list) = list else { continue };
        if list.is_empty() {
            continue;
        }
        if domain.is_empty() || !list.iter().any(|suffix| domain.ends_with(suffix.as_str())) {
            return Err(format!(
                "pageUrl {page_url:?} (domain {domain:?}) is not allowed by {name} {}",
                list.join(" ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            page_domain("http://www.a.com:8080/x/y.html?q=1"),
            "www.a.com"
        );
        assert_eq!(page_domain("https://user@b.org/"), "b.org");
        assert_eq!(page_domain(""), "");
    }

    #[test]
    fn lists() {
        let allow = Some(vec!["github.com".to_string(), "ossrs.net".to_string()]);
        let none: Option<Vec<String>> = None;
        assert!(check("http://www.ossrs.net/player.html", &[("refer", &allow)]).is_ok());
        assert!(check("http://evil.com/x", &[("refer", &allow)]).is_err());
        assert!(
            check("", &[("refer", &allow)]).is_err(),
            "no pageUrl fails a configured refer"
        );
        assert!(check("", &[("refer", &none)]).is_ok());
        let err = check(
            "http://a.github.com/",
            &[
                ("refer", &allow),
                ("refer_play", &Some(vec!["x.cn".into()])),
            ],
        )
        .expect_err("refer_play refuses");
        assert!(err.contains("refer_play"));
    }
}
