//! Container image references, parsed by the distribution grammar and normalised for comparison.

use std::fmt;

/// Longer input is not treated as an image reference (keeps parsing cheap on hostile input).
const MAX_LEN: usize = 4096;
/// Stand-in byte for placeholder text in the "shadow" copy of a reference.
const HOLE: u8 = b'*';
/// Registry hosts that all mean Docker Hub.
const DOCKER_HUB: [&str; 4] = [
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
];
/// Tags that are moved to new builds, so they do not pin a release.
const MOVING_TAGS: [&str; 12] = [
    "main", "master", "dev", "develop", "edge", "nightly", "stable", "head", "canary", "snapshot",
    "rolling", "current",
];

/// A parsed image reference as written in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageRef {
    /// The text as written (trimmed of surrounding whitespace).
    pub raw: String,
    /// Registry host as written (with port), None when absent (implies docker.io).
    pub registry: Option<String>,
    /// Repository path as written, without registry, tag or digest (e.g. "library/nginx" or "nginx").
    pub path: String,
    /// Tag as written, None when absent.
    pub tag: Option<String>,
    /// Digest as written ("sha256:…"), None when absent.
    pub digest: Option<String>,
    /// How the reference should be treated.
    pub kind: ImageKind,
}

/// How an [`ImageRef`] can be reasoned about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImageKind {
    /// Fully literal reference following the grammar.
    Literal,
    /// Contains variables or placeholders (`${TAG}`, `$TAG`, `__IMAGE_TAG__`, `|version|`,
    /// `{{ .Values.x }}`, a tag in capitals such as `VERSION`) in some component; those
    /// components are compared as text, never guessed.
    Templated,
    /// Not an image reference that can be compared at all: build references like `ko://…`,
    /// empty strings, or text that does not fit the grammar even allowing placeholders.
    Opaque,
}

/// Why an image reference does not pin a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpinned {
    /// Neither tag nor digest: the runtime pulls `latest`.
    NoTag,
    /// The tag is `latest`.
    Latest,
    /// The tag is a branch-like tag that moves (`main`, `nightly`, `latest-dev`, …).
    MovingTag,
}

impl fmt::Display for Unpinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unpinned::NoTag => "no tag or digest (defaults to `latest`)",
            Unpinned::Latest => "the `latest` tag",
            Unpinned::MovingTag => "a moving tag",
        })
    }
}

impl ImageRef {
    /// Parse; never fails (unparseable input yields kind Opaque with path = raw).
    ///
    /// One pair of matching surrounding quotes (`"kong"`) is ignored for parsing; `raw` keeps them.
    pub fn parse(text: &str) -> ImageRef {
        let raw = text.trim();
        parse_parts(raw).unwrap_or_else(|| ImageRef {
            raw: raw.to_string(),
            registry: None,
            path: raw.to_string(),
            tag: None,
            digest: None,
            kind: ImageKind::Opaque,
        })
    }

    /// Normalised repository used to decide "same app image": lowercase registry default
    /// "docker.io" (and "index.docker.io", "registry-1.docker.io" → "docker.io"), single-component
    /// docker.io paths get "library/" prefix. E.g. "nginx" → "docker.io/library/nginx",
    /// "longhornio/longhorn-manager" == "docker.io/longhornio/longhorn-manager",
    /// "registry.k8s.io/ingress-nginx/controller" stays. For Templated refs, normalise what is
    /// literal and keep variable parts as text (e.g. "${REGISTRY}/myapp" stays "${REGISTRY}/myapp").
    /// For Opaque: the raw text.
    pub fn repository(&self) -> String {
        if self.kind == ImageKind::Opaque {
            return self.raw.clone();
        }
        let path = shadow(&self.path).unwrap_or_default();
        let first_templated = path.iter().take_while(|&&c| c != b'/').any(|&c| c == HOLE);
        let registry = match &self.registry {
            // A variable opening the path may well hold the registry: keep it as text.
            None if first_templated => return self.path.clone(),
            None => "docker.io".to_string(),
            Some(r) if has_placeholder(r) => r.clone(),
            Some(r) => {
                let r = r.to_ascii_lowercase();
                if DOCKER_HUB.contains(&r.as_str()) {
                    "docker.io".to_string()
                } else {
                    r
                }
            }
        };
        let official = !path.contains(&b'/') && !path.contains(&HOLE);
        if registry == "docker.io" && official {
            format!("docker.io/library/{}", self.path)
        } else {
            format!("{registry}/{}", self.path)
        }
    }

    /// The version as displayed: the tag, `tag@digest`, `@digest`, or "latest" when neither is
    /// present. Opaque references return their raw text.
    pub fn version(&self) -> String {
        if self.kind == ImageKind::Opaque {
            return self.raw.clone();
        }
        match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => format!("{t}@{d}"),
            (Some(t), None) => t.clone(),
            (None, Some(d)) => format!("@{d}"),
            (None, None) => "latest".to_string(),
        }
    }

    /// True when both refer to the same release: same [`repository`](Self::repository) and
    /// digests equal when both have one, otherwise tags equal (absent tag = "latest").
    /// Templated parts compare as text; Opaque references are equal only by raw text.
    pub fn same_release(&self, other: &ImageRef) -> bool {
        if self.kind == ImageKind::Opaque || other.kind == ImageKind::Opaque {
            return self.raw == other.raw;
        }
        if self.repository() != other.repository() {
            return false;
        }
        match (&self.digest, &other.digest) {
            (Some(a), Some(b)) => a == b,
            _ => {
                self.tag.as_deref().unwrap_or("latest") == other.tag.as_deref().unwrap_or("latest")
            }
        }
    }

    /// The tag is absent, `latest`, or another moving tag (`main`, `master`, `dev`, `develop`,
    /// `edge`, `nightly`, `stable`, `head`, `canary`, `snapshot`, `rolling`, `current`,
    /// `latest-*` / `*-latest`), AND there is no digest. Returns None when pinned, Some(reason)
    /// otherwise. Also None when it cannot be judged: Opaque refs, a templated tag, or no tag
    /// after a templated last path component (the variable may carry the tag).
    pub fn unpinned(&self) -> Option<Unpinned> {
        if self.kind == ImageKind::Opaque || self.digest.is_some() {
            return None;
        }
        match &self.tag {
            Some(t) if has_placeholder(t) => None,
            Some(t) => {
                let t = t.to_ascii_lowercase();
                if t == "latest" {
                    Some(Unpinned::Latest)
                } else if MOVING_TAGS.contains(&t.as_str())
                    || t.starts_with("latest-")
                    || t.ends_with("-latest")
                {
                    Some(Unpinned::MovingTag)
                } else {
                    None
                }
            }
            None => {
                let path = shadow(&self.path).unwrap_or_default();
                let last = path.rsplit(|&c| c == b'/').next().unwrap_or_default();
                (!last.contains(&HOLE)).then_some(Unpinned::NoTag)
            }
        }
    }

    /// True when the tag is a placeholder filled in later (`${TAG}`, `<IMAGE_VERSION>`, `__TAG__`,
    /// `{{ .Values.image.tag }}`), in whole or in part.
    pub fn tag_is_placeholder(&self) -> bool {
        self.kind == ImageKind::Templated && self.tag.as_deref().is_some_and(has_placeholder)
    }

    /// True when the ref has variables/placeholders or is opaque (cannot be judged by text).
    pub fn is_placeholder(&self) -> bool {
        self.kind != ImageKind::Literal
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Parse a trimmed reference; None when it does not fit the grammar.
fn parse_parts(raw: &str) -> Option<ImageRef> {
    let s = strip_quotes(raw);
    if s.is_empty() || s.len() > MAX_LEN || s.contains("://") {
        return None;
    }
    // Separators are only looked for in `sh`, where placeholder text is masked out; the byte
    // offsets are the same in `s`, and every separator is ASCII, so slicing `s` is safe.
    let sh = shadow(s)?;
    let mut ats = sh
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c == b'@')
        .map(|(i, _)| i);
    let (name_end, digest) = match (ats.next(), ats.next()) {
        (None, _) => (s.len(), None),
        (Some(at), None) if valid_digest(&sh[at + 1..]) => (at, Some(s[at + 1..].to_string())),
        _ => return None,
    };
    let last_slash = sh[..name_end].iter().rposition(|&c| c == b'/');
    let colon = sh[..name_end]
        .iter()
        .rposition(|&c| c == b':')
        .filter(|&c| last_slash.is_none_or(|sl| c > sl));
    let (path_end, tag) = match colon {
        Some(c) if valid_tag(&sh[c + 1..name_end]) => (c, Some(s[c + 1..name_end].to_string())),
        Some(_) => return None,
        None => (name_end, None),
    };
    let name = &sh[..path_end];
    let (registry, path_start) = match name.iter().position(|&c| c == b'/') {
        Some(i) if is_registry(&name[..i], &s[..i]) => {
            if !valid_registry(&name[..i]) {
                return None;
            }
            (Some(s[..i].to_string()), i + 1)
        }
        _ => (None, 0),
    };
    if !name[path_start..]
        .split(|&c| c == b'/')
        .all(valid_component)
    {
        return None;
    }
    Some(ImageRef {
        raw: raw.to_string(),
        registry,
        path: s[path_start..path_end].to_string(),
        tag,
        digest,
        kind: if sh.contains(&HOLE) {
            ImageKind::Templated
        } else {
            ImageKind::Literal
        },
    })
}

/// Drop one pair of matching surrounding quotes.
fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.trim();
        }
    }
    s
}

/// True when `text` contains a placeholder (or is not even well-formed enough to tell): what
/// [`shadow`] would say, without the copy (it is asked of every image, tag and registry).
pub(crate) fn has_placeholder(text: &str) -> bool {
    let b = text.as_bytes();
    // `$`, `{`, `|` and `<` open every placeholder but `__NAME__`, and are not allowed outside
    // one: a byte outside the reference alphabet settles it either way.
    !b.iter()
        .all(|c| c.is_ascii_alphanumeric() || b"._-/:@+=".contains(c))
        || (0..b.len()).any(|i| b[i] == b'_' && placeholder_end(b, i).is_some())
        || (1..b.len()).any(|i| b[i - 1] == b':' && capitals_tag_end(b, i).is_some())
}

/// End of a tag written in capitals from `i` (just after its `:`) to the end or a digest
/// (`app:VERSION`, `app:IMAGE_TAG@sha256:…`): a name a deploy step replaces (`kustomize edit
/// set image`, `sed`), since registries' tags are lowercase by convention. At least three
/// bytes, so that `app:V1` stays a tag.
fn capitals_tag_end(b: &[u8], i: usize) -> Option<usize> {
    let capital = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_';
    let run = b[i..].iter().take_while(|c| capital(c)).count();
    let end = i + run;
    let whole = b.get(end).is_none_or(|&c| c == b'@');
    (b[i].is_ascii_uppercase() && run >= 3 && whole).then_some(end)
}

/// A byte copy of `s` with every placeholder's bytes replaced by [`HOLE`]. None when a byte
/// outside placeholders cannot appear in a reference (whitespace, unicode, unterminated `${`, …).
fn shadow(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        if let Some(end) = placeholder_end(b, i) {
            out[i..end].fill(HOLE);
            i = end;
        } else if b[i].is_ascii_alphanumeric() || b"._-/:@+=".contains(&b[i]) {
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

/// End (exclusive) of a placeholder starting at `i`: `${…}` (nested braces allowed), `$VAR`,
/// `{{ … }}`, `|name|`, `<name>`, `__NAME__` (not glued to an alphanumeric on either side), or
/// a tag in capitals ([`capitals_tag_end`]).
fn placeholder_end(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    let find = |pat: &[u8], from: usize| {
        let hay = rest.get(from..)?;
        let p = hay.windows(pat.len()).position(|w| w == pat)?;
        Some(i + from + p + pat.len())
    };
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    match rest {
        [b'$', b'{', ..] => {
            let mut depth = 0usize;
            for (k, &c) in rest.iter().enumerate().skip(1) {
                match c {
                    b'{' => depth += 1,
                    b'}' if depth == 1 => return Some(i + k + 1),
                    b'}' => depth -= 1,
                    _ => {}
                }
            }
            None
        }
        [b'$', c, ..] if c.is_ascii_alphabetic() || *c == b'_' => {
            Some(i + 1 + rest[1..].iter().take_while(|c| ident(c)).count())
        }
        [b'{', b'{', ..] => find(b"}}", 2),
        [c, ..] if c.is_ascii_uppercase() && i > 0 && b[i - 1] == b':' => capitals_tag_end(b, i),
        [b'|', ..] => find(b"|", 1).filter(|&e| e > i + 2),
        [b'<', ..] => find(b">", 1).filter(|&e| e > i + 2),
        [b'_', b'_', c, ..]
            if c.is_ascii_alphabetic() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) =>
        {
            let end = find(b"__", 3)?;
            let name_ok = b[i + 2..end - 2].iter().all(ident);
            (name_ok && b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())).then_some(end)
        }
        _ => None,
    }
}

/// True when `sh` is non-empty and every byte is a placeholder, an ASCII alphanumeric or in `extra`.
fn loose(sh: &[u8], extra: &[u8]) -> bool {
    !sh.is_empty()
        && sh
            .iter()
            .all(|c| *c == HOLE || c.is_ascii_alphanumeric() || extra.contains(c))
}

/// Whether the first `/`-separated component names a registry host.
fn is_registry(sh: &[u8], text: &str) -> bool {
    sh.iter().any(|c| b".:*".contains(c)) || text == "localhost"
}

/// `host[:port]`, host being dot-separated labels of alphanumerics and inner dashes.
fn valid_registry(sh: &[u8]) -> bool {
    if sh.contains(&HOLE) {
        return loose(sh, b".-:");
    }
    let (host, port) = match sh.iter().position(|&c| c == b':') {
        Some(p) => (&sh[..p], Some(&sh[p + 1..])),
        None => (sh, None),
    };
    let label_ok = |l: &[u8]| loose(l, b"-") && l.first() != Some(&b'-') && l.last() != Some(&b'-');
    host.split(|&c| c == b'.').all(label_ok)
        && port.is_none_or(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
}

/// A path component: alphanumerics (uppercase tolerated) joined by `.`, `_`, `__` or dashes.
fn valid_component(sh: &[u8]) -> bool {
    if sh.contains(&HOLE) {
        return loose(sh, b"._-");
    }
    let edges_ok = sh.first().is_some_and(u8::is_ascii_alphanumeric)
        && sh.last().is_some_and(u8::is_ascii_alphanumeric);
    edges_ok
        && sh
            .split(u8::is_ascii_alphanumeric)
            .filter(|run| !run.is_empty())
            .all(|run| matches!(run, b"." | b"_" | b"__") || run.iter().all(|&c| c == b'-'))
}

/// `[\w][\w.-]{0,127}`; with placeholders only the character set is checked.
fn valid_tag(sh: &[u8]) -> bool {
    let literal_ok = || sh.len() <= 128 && sh.first().is_some_and(|&c| c != b'.' && c != b'-');
    loose(sh, b"_.-") && (sh.contains(&HOLE) || literal_ok())
}

/// `algorithm:encoded`; with placeholders only the character set is checked.
fn valid_digest(sh: &[u8]) -> bool {
    if sh.contains(&HOLE) {
        return loose(sh, b"+._=:-");
    }
    sh.iter()
        .position(|&c| c == b':')
        .is_some_and(|p| loose(&sh[..p], b"+._-") && loose(&sh[p + 1..], b"=_-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// `has_placeholder` answers as the masked copy would, every placeholder form included.
    #[test]
    fn has_placeholder_agrees_with_the_shadow() {
        let by_shadow = |s: &str| shadow(s).is_none_or(|sh| sh.contains(&HOLE));
        let cases = [
            "",
            "myapp",
            "registry.example.com:5000/team/app:v1.2.3",
            "${REGISTRY}/app",
            "app:${TAG}",
            "app:$TAG",
            "app:{{ .Values.tag }}",
            "app:{{ unclosed",
            "|tag|",
            "app:|t|",
            "<tag>",
            "app:<>",
            "a:__TAG__",
            "a:x__TAG__",
            "__TAG__x",
            "__TAG",
            "app tag",
            "app:v1*",
            "ünïcode",
            "${a${b}}",
            "${unterminated",
            "$1abc",
            "a@sha256:x",
            "a=b+c",
            "$",
            "|",
            "<",
            "__",
            "a__B__c",
            "app:VERSION",
            "app:IMAGE_TAG@sha256:x",
            "app:V1",
            "app:VERSIONs",
            "REG.IO:5000/app:TAG_1",
        ];
        for case in cases {
            assert_eq!(has_placeholder(case), by_shadow(case), "{case:?}");
        }
    }

    /// Parse, with `HEX` in the text standing for 64 hex digits.
    fn p(s: &str) -> ImageRef {
        ImageRef::parse(&s.replace("HEX", HEX))
    }

    /// `input => expected` lines of a table (blank lines skipped).
    fn table(t: &str) -> impl Iterator<Item = (&str, &str)> {
        t.lines().filter(|l| !l.trim().is_empty()).map(|l| {
            let (a, b) = l.split_once(" => ").unwrap_or((l, ""));
            (a.trim(), b.trim())
        })
    }

    /// Every field, `∅` for None: `registry | path | tag | digest | kind`.
    fn show(r: &ImageRef) -> String {
        let o = |f: &Option<String>| f.clone().unwrap_or_else(|| "∅".into());
        let (reg, tag, dig) = (o(&r.registry), o(&r.tag), o(&r.digest));
        format!("{reg} | {} | {tag} | {dig} | {:?}", r.path, r.kind).replace(HEX, "HEX")
    }

    #[test]
    fn parses_fields() {
        let cases = r#"
            nginx                               => ∅ | nginx | ∅ | ∅ | Literal
            nginx:1.25                          => ∅ | nginx | 1.25 | ∅ | Literal
            library/nginx:1.25                  => ∅ | library/nginx | 1.25 | ∅ | Literal
            docker.io/library/nginx:1.25        => docker.io | library/nginx | 1.25 | ∅ | Literal
            index.docker.io/library/nginx:1.25  => index.docker.io | library/nginx | 1.25 | ∅ | Literal
            registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:HEX => registry.k8s.io | ingress-nginx/controller | v1.15.1 | sha256:HEX | Literal
            localhost:5000/app                  => localhost:5000 | app | ∅ | ∅ | Literal
            localhost:5000/app:1.0              => localhost:5000 | app | 1.0 | ∅ | Literal
            localhost/app                       => localhost | app | ∅ | ∅ | Literal
            myreg.example.com:443/team/app:v2@sha256:HEX => myreg.example.com:443 | team/app | v2 | sha256:HEX | Literal
            myreg:5000/app@sha256:HEX           => myreg:5000 | app | ∅ | sha256:HEX | Literal
            app@sha256:HEX                      => ∅ | app | ∅ | sha256:HEX | Literal
            a:v1@sha256:X                       => ∅ | a | v1 | sha256:X | Literal
            quay.io/argoproj/argocd:latest      => quay.io | argoproj/argocd | latest | ∅ | Literal
            userservice                         => ∅ | userservice | ∅ | ∅ | Literal
            "kong"                              => ∅ | kong | ∅ | ∅ | Literal
            UPPER/Case:Tag                      => ∅ | UPPER/Case | Tag | ∅ | Literal
            my_org/a__b.c--d:_1                 => ∅ | my_org/a__b.c--d | _1 | ∅ | Literal
            a__b__c:x__Y__                      => ∅ | a__b__c | x__Y__ | ∅ | Literal
            apache/airflow:|version|            => ∅ | apache/airflow | |version| | ∅ | Templated
            kade:__IMAGE_TAG__                  => ∅ | kade | __IMAGE_TAG__ | ∅ | Templated
            greenstand/wallet-api:VERSION       => ∅ | greenstand/wallet-api | VERSION | ∅ | Templated
            app:IMAGE_TAG@sha256:HEX            => ∅ | app | IMAGE_TAG | sha256:HEX | Templated
            app:V1                              => ∅ | app | V1 | ∅ | Literal
            app:VERSIONs                        => ∅ | app | VERSIONs | ∅ | Literal
            myapp:${TAG}                        => ∅ | myapp | ${TAG} | ∅ | Templated
            ${REGISTRY}/myapp:v1                => ${REGISTRY} | myapp | v1 | ∅ | Templated
            $REGISTRY_URL:$POSTHOG_APP_TAG      => ∅ | $REGISTRY_URL | $POSTHOG_APP_TAG | ∅ | Templated
            ${VERSION-v4.1-3.0.2}               => ∅ | ${VERSION-v4.1-3.0.2} | ∅ | ∅ | Templated
            ${KONG_DOCKER_TAG:-kong:latest}     => ∅ | ${KONG_DOCKER_TAG:-kong:latest} | ∅ | ∅ | Templated
            ${IMAGE_REPO:-ghcr.io/zammad/zammad}:${VERSION:-7.1.1-0035} => ∅ | ${IMAGE_REPO:-ghcr.io/zammad/zammad} | ${VERSION:-7.1.1-0035} | ∅ | Templated
            app:${A:-${B}}                      => ∅ | app | ${A:-${B}} | ∅ | Templated
            reg.io/<project>/app:v1-${B}        => reg.io | <project>/app | v1-${B} | ∅ | Templated
            app@sha256:${DIGEST}                => ∅ | app | ∅ | sha256:${DIGEST} | Templated
            {{ .Values.repo }}:{{ .Values.tag }} => ∅ | {{ .Values.repo }} | {{ .Values.tag }} | ∅ | Templated
            ${ВЕРСИЯ}                           => ∅ | ${ВЕРСИЯ} | ∅ | ∅ | Templated
        "#;
        for (s, want) in table(cases) {
            let r = p(s);
            assert_eq!(show(&r), want, "{s:?}");
            assert_eq!(
                (r.raw.replace(HEX, "HEX"), r.to_string()),
                (s.into(), r.raw.clone())
            );
        }
        let r = p("  spaced:1 \n");
        assert_eq!(
            (show(&r), r.raw.as_str()),
            ("∅ | spaced | 1 | ∅ | Literal".into(), "spaced:1")
        );
    }

    #[test]
    fn opaque_on_anything_else() {
        let (huge, dollars) = ("a".repeat(100_000), "$A".repeat(10_000));
        let long_tag = format!("x:{}", "a".repeat(129));
        for s in [
            "ko://knative.dev/serving/cmd/controller",
            "docker://nginx",
            "",
            "   ",
            "a:b:c",
            "nginx:",
            "nginx@",
            "nginx@sha256",
            "nginx:1@",
            "/nginx",
            "nginx/",
            "a//b",
            "ngïnx",
            "ngi nx:1",
            "app:${TAG",
            "app:$",
            "-app",
            "app.",
            "a...b",
            "a___b",
            "reg.io:/app",
            "reg.io:x1/app",
            "-reg.io/app",
            "a@b@c",
            "app:-1",
            "\"",
            "{{ x",
            "app:|v",
            &huge,
            &dollars,
            &long_tag,
        ] {
            let (r, t) = (p(s), s.trim());
            assert_eq!(show(&r), format!("∅ | {t} | ∅ | ∅ | Opaque"), "{s:?}");
            assert_eq!(
                (r.repository(), r.version(), r.unpinned()),
                (t.into(), t.into(), None)
            );
            assert!(r.is_placeholder());
        }
    }

    #[test]
    fn repository_normalisation() {
        let cases = "
            nginx                                       => docker.io/library/nginx
            library/nginx:1.25                          => docker.io/library/nginx
            docker.io/nginx                             => docker.io/library/nginx
            Index.Docker.IO/library/nginx               => docker.io/library/nginx
            registry-1.docker.io/nginx                  => docker.io/library/nginx
            longhornio/longhorn-manager                 => docker.io/longhornio/longhorn-manager
            registry.k8s.io/ingress-nginx/controller:v1 => registry.k8s.io/ingress-nginx/controller
            Quay.IO/org/app                             => quay.io/org/app
            localhost:5000/app:1.0                      => localhost:5000/app
            ${REGISTRY}/myapp                           => ${REGISTRY}/myapp
            $REGISTRY_URL:$TAG                          => $REGISTRY_URL
            myorg/${APP}:v1                             => docker.io/myorg/${APP}
            docker.io/${APP}                            => docker.io/${APP}
            ${IMAGE_REPO:-ghcr.io/zammad/zammad}:${V}   => ${IMAGE_REPO:-ghcr.io/zammad/zammad}
        ";
        for (s, want) in table(cases) {
            assert_eq!(p(s).repository(), want, "{s:?}");
        }
    }

    #[test]
    fn versions() {
        let cases = "
            nginx                   => latest
            nginx:v1.2.3            => v1.2.3
            nginx:v1.2.3@sha256:HEX => v1.2.3@sha256:HEX
            nginx@sha256:HEX        => @sha256:HEX
            myapp:${TAG}            => ${TAG}
        ";
        for (s, want) in table(cases) {
            assert_eq!(p(s).version(), want.replace("HEX", HEX), "{s:?}");
        }
    }

    #[test]
    fn same_release() {
        let cases = "
            longhornio/longhorn-manager:v1.12.1 => docker.io/longhornio/longhorn-manager:v1.12.1 => true
            library/nginx:1.25                  => index.docker.io/library/nginx:1.25            => true
            nginx:1.25                          => docker.io/library/nginx:1.25                  => true
            nginx                               => nginx:latest                                  => true
            myapp:${TAG}                        => myapp:${TAG}                                  => true
            a:v1@sha256:X                       => a:v2@sha256:X                                 => true
            a:v1@sha256:X                       => a:v1                                          => true
            ko://x                              => ko://x                                        => true
            a:v1@sha256:X                       => a:v1@sha256:Y                                 => false
            myapp:v1.2.0                        => myapp:v1.2.3                                  => false
            myapp:${TAG}                        => myapp:${OTHER}                                => false
            myapp:${TAG}                        => myapp:v1                                      => false
            org/app:v1                          => quay.io/org/app:v1                            => false
            localhost:5000/app                  => localhost:5000/app:1.0                        => false
            ko://x                              => ko://y                                        => false
            ko://x                              => x                                             => false
        ";
        for (a, rest) in table(cases) {
            let (b, want) = rest.split_once(" => ").unwrap_or_default();
            let (a, b) = (p(a), p(b.trim()));
            assert_eq!(a.same_release(&b).to_string(), want.trim(), "{a} vs {b}");
            assert_eq!(b.same_release(&a).to_string(), want.trim(), "{b} vs {a}");
        }
    }

    #[test]
    fn unpinned() {
        let cases = r#"
            nginx                                   => Some(NoTag)
            localhost:5000/app                      => Some(NoTag)
            "kong"                                  => Some(NoTag)
            ${REGISTRY}/myapp                       => Some(NoTag)
            quay.io/argoproj/argocd:latest          => Some(Latest)
            app:LATEST                              => Some(Latest)
            ${REGISTRY}/myapp:latest                => Some(Latest)
            app:main                                => Some(MovingTag)
            app:nightly                             => Some(MovingTag)
            app:latest-dev                          => Some(MovingTag)
            app:alpine-latest                       => Some(MovingTag)
            nginx:1.25                              => None
            app:v1-main                             => None
            app:latest@sha256:X                     => None
            app@sha256:HEX                          => None
            myapp:${TAG}                            => None
            kade:__IMAGE_TAG__                      => None
            apache/airflow:|version|                => None
            ${KONG_DOCKER_TAG:-kong:latest}         => None
            ko://knative.dev/serving/cmd/controller => None
        "#;
        for (s, want) in table(cases) {
            assert_eq!(format!("{:?}", p(s).unpinned()), want, "{s:?}");
        }
        assert!(!p("nginx:1.25").is_placeholder());
        assert!(p("myapp:${TAG}").is_placeholder());
    }
}
