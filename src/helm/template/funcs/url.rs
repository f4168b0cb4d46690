//! sprig's `urlParse` and `urlJoin`: a URL split into a dict of its parts and joined back, with
//! Go's `net/url` rules for which characters each part escapes.

use std::collections::BTreeMap;

use super::Call;
use crate::helm::template::TemplateError;
use crate::helm::template::format;
use crate::helm::template::value::{Value, ValueKind};

/// The part of a URL a text is escaped for (Go's `encoding` modes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Host,
    Path,
    UserPassword,
    Fragment,
}

/// True when `byte` is written as `%XX` in `part` (Go's `shouldEscape`).
fn escaped(byte: u8, part: Part) -> bool {
    if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
        return false;
    }
    if part == Part::Host
        && matches!(
            byte,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    if matches!(
        byte,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@'
    ) {
        return match part {
            Part::Path => byte == b'?',
            Part::UserPassword => matches!(byte, b'@' | b'/' | b'?' | b':'),
            Part::Fragment => false,
            Part::Host => true,
        };
    }
    !(part == Part::Fragment && matches!(byte, b'!' | b'(' | b')' | b'*'))
}

fn escape(text: &str, part: Part) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if escaped(byte, part) {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(char::from(byte));
        }
    }
    out
}

/// `%XX` decoded (Go's `unescape`); a `%` not followed by two hex digits is an error.
fn unescape(text: &str) -> Result<String, String> {
    match crate::digest::percent_decode(text) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(at) => {
            let shown = text.get(at..text.len().min(at + 3)).unwrap_or("%");
            Err(format!("invalid URL escape {shown:?}"))
        }
    }
}

/// A URL's parts as Go's `url.URL` holds them.
#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    /// `user` or `user:password`, unescaped.
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    query: String,
    fragment: String,
}

impl Url {
    /// Go's `url.Parse`.
    fn parse(raw: &str) -> Result<Url, String> {
        let mut url = Url::default();
        let (rest, fragment) = raw.split_once('#').unwrap_or((raw, ""));
        url.fragment = unescape(fragment)?;
        if rest == "*" {
            url.path = "*".to_string();
            return Ok(url);
        }
        let mut rest = rest;
        let scheme_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)));
        if let Some(end) = scheme_end.filter(|&end| rest.as_bytes()[end] == b':') {
            if end == 0 {
                return Err("missing protocol scheme".to_string());
            }
            if rest.as_bytes()[0].is_ascii_alphabetic() {
                url.scheme = rest[..end].to_ascii_lowercase();
                rest = &rest[end + 1..];
            }
        }
        if let Some((before, query)) = rest.split_once('?') {
            url.query = query.to_string();
            rest = before;
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest.to_string();
                return Ok(url);
            }
            if rest.split('/').next().is_some_and(|s| s.contains(':')) {
                return Err("first path segment in URL cannot contain colon".to_string());
            }
        }
        if let Some(after) = rest.strip_prefix("//")
            && (!url.scheme.is_empty() || !rest.starts_with("///"))
        {
            let end = after.find('/').unwrap_or(after.len());
            let authority = &after[..end];
            rest = &after[end..];
            let host = match authority.rfind('@') {
                Some(at) => {
                    let info = &authority[..at];
                    url.user = Some(match info.split_once(':') {
                        Some((user, password)) => (unescape(user)?, Some(unescape(password)?)),
                        None => (unescape(info)?, None),
                    });
                    &authority[at + 1..]
                }
                None => authority,
            };
            url.host = unescape(host)?;
        }
        url.path = unescape(rest)?;
        Ok(url)
    }

    /// `user[:password]` escaped, as Go's `Userinfo.String`.
    fn userinfo(&self) -> Option<String> {
        let (user, password) = self.user.as_ref()?;
        let mut out = escape(user, Part::UserPassword);
        if let Some(password) = password {
            out.push(':');
            out.push_str(&escape(password, Part::UserPassword));
        }
        Some(out)
    }

    /// The host without its port or IPv6 brackets (Go's `URL.Hostname`).
    fn hostname(&self) -> &str {
        let host = self.host.as_str();
        let host = match host.rfind(':') {
            Some(colon) if host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) => &host[..colon],
            _ => host,
        };
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// Go's `URL.String`.
    fn render(&self) -> String {
        let mut out = String::new();
        if !self.scheme.is_empty() {
            out.push_str(&self.scheme);
            out.push(':');
        }
        if !self.opaque.is_empty() {
            out.push_str(&self.opaque);
        } else {
            let userinfo = self.userinfo();
            if !self.scheme.is_empty() || !self.host.is_empty() || userinfo.is_some() {
                if !self.host.is_empty() || !self.path.is_empty() || userinfo.is_some() {
                    out.push_str("//");
                }
                if let Some(userinfo) = &userinfo {
                    out.push_str(userinfo);
                    out.push('@');
                }
                out.push_str(&escape(&self.host, Part::Host));
            }
            let path = if self.path == "*" {
                "*".to_string()
            } else {
                escape(&self.path, Part::Path)
            };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                out.push('/');
            }
            if out.is_empty() && path.split('/').next().is_some_and(|s| s.contains(':')) {
                out.push_str("./");
            }
            out.push_str(&path);
        }
        if !self.query.is_empty() {
            out.push('?');
            out.push_str(&self.query);
        }
        if !self.fragment.is_empty() {
            out.push('#');
            out.push_str(&escape(&self.fragment, Part::Fragment));
        }
        out
    }
}

/// `urlParse`: a dict of the URL's `scheme`, `host`, `hostname`, `path`, `query`, `opaque`,
/// `fragment` and `userinfo`.
pub(super) fn url_parse(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let Some(text) = args[0].as_str() else {
        return Err(call.error(format!(
            "wrong type for value; expected string; got {}",
            format::type_name(&args[0])
        )));
    };
    let url = Url::parse(text).map_err(|e| call.error(format!("unable to parse url: {e}")))?;
    let parts = [
        ("scheme", url.scheme.clone()),
        ("host", url.host.clone()),
        ("hostname", url.hostname().to_string()),
        ("path", url.path.clone()),
        ("query", url.query.clone()),
        ("opaque", url.opaque.clone()),
        ("fragment", url.fragment.clone()),
        ("userinfo", url.userinfo().unwrap_or_default()),
    ];
    Ok(Value::map(
        parts
            .into_iter()
            .map(|(key, value)| (key.to_string(), Value::string(value)))
            .collect::<BTreeMap<_, _>>(),
    ))
}

/// `urlJoin`: the URL a dict of parts (as `urlParse` gives) describes; a missing part is empty.
pub(super) fn url_join(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let map = match args[0].kind() {
        ValueKind::Map(map) => map,
        _ => {
            return Err(call.error(format!(
                "wrong type for value; expected map[string]interface {{}}; got {}",
                format::type_name(&args[0])
            )));
        }
    };
    let part = |key: &str| -> Result<String, TemplateError> {
        match map.get(key).map(Value::kind) {
            None | Some(ValueKind::Nil) => Ok(String::new()),
            Some(ValueKind::String(text)) => Ok(text.to_string()),
            Some(_) => Err(call.error(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                format::type_name(&map[key])
            ))),
        }
    };
    let mut url = Url {
        scheme: part("scheme")?,
        host: part("host")?,
        path: part("path")?,
        query: part("query")?,
        opaque: part("opaque")?,
        fragment: part("fragment")?,
        user: None,
    };
    let userinfo = part("userinfo")?;
    if !userinfo.is_empty() {
        let parsed = Url::parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| call.error(format!("unable to parse userinfo in dict: {e}")))?;
        url.user = parsed.user;
    }
    Ok(Value::string(url.render()))
}

#[cfg(test)]
mod tests {
    use super::Url;

    fn round_trip(raw: &str) -> String {
        Url::parse(raw).map(|u| u.render()).unwrap_or_else(|e| e)
    }

    #[test]
    fn urls_parse_into_go_s_parts_and_render_back() {
        let url = Url::parse("https://user:p%40ss@es.example.com:9200/a%20b?x=1#frag").unwrap();
        assert_eq!(url.scheme, "https");
        assert_eq!(url.host, "es.example.com:9200");
        assert_eq!(url.hostname(), "es.example.com");
        assert_eq!(url.path, "/a b");
        assert_eq!(url.query, "x=1");
        assert_eq!(url.fragment, "frag");
        assert_eq!(url.userinfo().as_deref(), Some("user:p%40ss"));
        assert_eq!(
            url.render(),
            "https://user:p%40ss@es.example.com:9200/a%20b?x=1#frag"
        );
        assert_eq!(
            round_trip("mailto:ops@example.com"),
            "mailto:ops@example.com"
        );
        assert_eq!(round_trip("http://[::1]:80/"), "http://[::1]:80/");
        assert_eq!(Url::parse("http://[::1]:80/").unwrap().hostname(), "::1");
        assert_eq!(round_trip("/just/a/path"), "/just/a/path");
        assert_eq!(round_trip("a:b/c"), "a:b/c");
        assert_eq!(round_trip("://x"), "missing protocol scheme");
        assert_eq!(round_trip("http://h/%zz"), "invalid URL escape \"%zz\"");
    }

    #[test]
    fn a_path_without_a_leading_slash_gets_one_after_a_host() {
        let url = Url {
            scheme: "http".into(),
            host: "h".into(),
            path: "p q?".into(),
            ..Url::default()
        };
        assert_eq!(url.render(), "http://h/p%20q%3F");
    }
}
