//! Python's string semantics where Launchplane's verdicts depend on them: `str.strip()`,
//! `str.strip().lower()` and the `urllib.parse.urlparse` check of an absolute http(s) URL.

/// Python `str.isspace()` for one character (Unicode whitespace plus `\x1c`–`\x1f`).
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\x0b'
            | '\x0c'
            | '\r'
            | '\x1c'..='\x1f'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python `str.strip()`.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// Whether Python `str.strip()` leaves nothing.
pub fn is_blank(text: &str) -> bool {
    strip(text).is_empty()
}

/// Python `str.lower()` (full Unicode lower-casing, as Rust's).
pub fn lower(text: &str) -> String {
    text.to_lowercase()
}

/// Launchplane's URL check: `urlparse(text.strip())` succeeds with scheme `http` or `https`
/// and a non-empty netloc (Python 3.13 `urllib.parse.urlsplit`).
pub fn is_http_url(text: &str) -> bool {
    urlsplit(strip(text))
        .is_some_and(|(scheme, netloc)| matches!(scheme.as_str(), "http" | "https") && !netloc.is_empty())
}

/// The scheme (lower-cased) and netloc `urlsplit` finds, or None where it raises `ValueError`.
fn urlsplit(url: &str) -> Option<(String, String)> {
    // Leading C0 controls and spaces go; tabs and line breaks anywhere are removed.
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let url: String = url.chars().filter(|c| !matches!(c, '\t' | '\r' | '\n')).collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':')
        && i > 0
        && rest.as_bytes()[0].is_ascii_alphabetic()
        && rest[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        scheme = rest[..i].to_ascii_lowercase();
        rest = &rest[i + 1..];
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        let (open, close) = (netloc.contains('['), netloc.contains(']'));
        if open != close {
            return None;
        }
        if open && !bracketed_netloc_is_valid(netloc) {
            return None;
        }
    }
    if !netloc_survives_nfkc(netloc) {
        return None;
    }
    Some((scheme, netloc.to_owned()))
}

/// `_check_bracketed_netloc`: what follows the last `@` is `[host]` or `[host]:port`, and
/// host is an IPv6 address or an IPvFuture literal; without a `[` there, host (up to `:`)
/// must still be an IPv6 address.
fn bracketed_netloc_is_valid(netloc: &str) -> bool {
    let host_and_port = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let hostname = match host_and_port.split_once('[') {
        Some((before, bracketed)) => {
            if !before.is_empty() {
                return false;
            }
            let (hostname, port) = bracketed.split_once(']').unwrap_or((bracketed, ""));
            if !port.is_empty() && !port.starts_with(':') {
                return false;
            }
            hostname
        }
        None => host_and_port.split_once(':').map_or(host_and_port, |(h, _)| h),
    };
    bracketed_host_is_valid(hostname)
}

/// `_check_bracketed_host`: `v<hex>.<anything>`, or an IPv6 address (with an optional
/// non-empty `%scope`).
fn bracketed_host_is_valid(hostname: &str) -> bool {
    if let Some(future) = hostname.strip_prefix('v') {
        let Some((hex, tail)) = future.split_once('.') else {
            return false;
        };
        // `.+` does not match a line break; `\z` allows none after.
        return !hex.is_empty()
            && hex.chars().all(|c| c.is_ascii_hexdigit())
            && !tail.is_empty()
            && !tail.contains('\n');
    }
    let address = match hostname.split_once('%') {
        Some((address, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return false;
            }
            address
        }
        None => hostname,
    };
    address.parse::<std::net::Ipv6Addr>().is_ok()
}

/// `_checknetloc`: a non-ASCII netloc whose NFKC form (with `@ : # ?` removed first) gains
/// one of `/ ? # @ :` is refused.
fn netloc_survives_nfkc(netloc: &str) -> bool {
    if netloc.is_ascii() {
        return true;
    }
    let stripped: String = netloc.chars().filter(|c| !matches!(c, '@' | ':' | '#' | '?')).collect();
    let normalized = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(&stripped);
    normalized == stripped || !normalized.contains(['/', '?', '#', '@', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verdicts of `[c for c in range(0x110000) if chr(c).isspace()]` (CPython 3.11/3.13).
    const PYTHON_SPACES: [u32; 29] = [
        0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
        0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
    ];

    #[test]
    fn whitespace_is_exactly_what_python_strips() {
        let ours: Vec<u32> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|c| is_space(*c))
            .map(u32::from)
            .collect();
        assert_eq!(ours, PYTHON_SPACES);
        assert!(is_blank("\u{1c}\u{85}\u{a0}\u{3000} \t"));
        assert!(!is_blank("\u{200b}"), "zero-width space is not whitespace in Python");
        assert_eq!(strip("\u{2029} a b\u{1f}"), "a b");
    }

    /// (url, `urlparse(url.strip())` has scheme http/https and a netloc) as CPython answers.
    const PYTHON_VERDICTS: &[(&str, bool)] = include!("../tests/data/urlparse_verdicts.rs");

    #[test]
    fn url_check_matches_python_urlparse() {
        let wrong: Vec<&(&str, bool)> = PYTHON_VERDICTS
            .iter()
            .filter(|(url, ok)| is_http_url(url) != *ok)
            .collect();
        assert!(wrong.is_empty(), "differs from Python: {wrong:?}");
    }
}
