//! Template semantics against Go's and Helm's documented behaviour, and output pieces.

use super::*;

const TEMPLATE: FileId = FileId(1);
const VALUES: FileId = FileId(2);
const HELPERS: FileId = FileId(3);

/// A dot with `.Values` from YAML text (file 2) and a fixed `.Release`.
fn dot(values: &str) -> Value {
    let parsed = crate::yaml::parse(values, &crate::yaml::Limits::default());
    let values = match parsed.documents.first().and_then(|d| d.root) {
        Some(root) => Value::from_yaml(&parsed.tree, root, VALUES),
        None => Value::map(Default::default()),
    };
    Value::map_from([
        ("Values", values),
        (
            "Release",
            Value::map_from([("Name", Value::string("release-name"))]),
        ),
        (
            "Capabilities",
            Value::map_from([(
                "APIVersions",
                Value::api_versions(vec!["v1".into(), "batch/v1".into()]),
            )]),
        ),
    ])
}

fn set_with(template: &str, helpers: &str) -> TemplateSet {
    let mut set = TemplateSet::new(Limits::default());
    set.add("c/templates/_helpers.tpl", HELPERS, helpers)
        .unwrap();
    set.add("c/templates/t.yaml", TEMPLATE, template).unwrap();
    set
}

fn render_with(template: &str, helpers: &str, values: &str) -> Result<Output, TemplateError> {
    set_with(template, helpers).render("c/templates/t.yaml", &dot(values))
}

fn render(template: &str, values: &str) -> String {
    match render_with(template, "", values) {
        Ok(out) => out.text,
        Err(e) => panic!("{template:?}: {e}"),
    }
}

fn error(template: &str, values: &str) -> TemplateError {
    render_with(template, "", values).expect_err(template)
}

#[test]
fn whitespace_trimming_follows_go() {
    let cases = [
        ("a  {{- 1 }}  b", "a1  b"),
        ("a  {{ 1 -}}  b", "a  1b"),
        ("a\n  {{- 1 -}}\n  b", "a1b"),
        ("{{- /* comment */ -}}\n  x", "x"),
        ("{{ if true }}\n  yes\n{{ end }}", "\n  yes\n"),
        ("{{- if true }}\n  yes\n{{- end }}", "\n  yes"),
        ("x{{-3}}", "x-3"),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, ""), expected, "{template:?}");
    }
}

#[test]
fn truthiness_and_control_flow() {
    let values = "zero: 0\nempty: ''\nlist: []\nmap: {}\nyes: true\ns: x\n";
    let cases = [
        ("{{ if .Values.zero }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Values.empty }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Values.list }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Values.map }}t{{ else }}f{{ end }}", "f"),
        (
            "{{ if .Values.missing }}t{{ else if .Values.s }}s{{ else }}f{{ end }}",
            "s",
        ),
        (
            "{{ with .Values.s }}[{{ . }}]{{ else }}none{{ end }}",
            "[x]",
        ),
        (
            "{{ with .Values.missing }}[{{ . }}]{{ else }}none{{ end }}",
            "none",
        ),
        (
            "{{ and 1 0 2 }}|{{ or 0 \"\" 3 }}|{{ and 1 2 }}|{{ or 0 \"\" }}",
            "0|3|2|",
        ),
        ("{{ not .Values.yes }}", "false"),
        // `and` stops at the first false value: the missing map is never read.
        ("{{ and .Values.missing .Values.missing.deeper }}", ""),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, values), expected, "{template:?}");
    }
}

#[test]
fn range_visits_maps_in_sorted_key_order() {
    let values = "m: {b: 2, a: 1, c: 3}\nl: [x, w]\n";
    let cases = [
        (
            "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}",
            "a=1;b=2;c=3;",
        ),
        ("{{ range .Values.l }}{{ . }}{{ end }}", "xw"),
        (
            "{{ range $i, $v := .Values.l }}{{ $i }}{{ $v }}{{ end }}",
            "0x1w",
        ),
        ("{{ range .Values.none }}x{{ else }}empty{{ end }}", "empty"),
        (
            "{{ range $i := until 5 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}",
            "02",
        ),
        ("{{ range 3 }}{{ . }}{{ end }}", "012"),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, values), expected, "{template:?}");
    }
}

#[test]
fn variables_scope_and_assign() {
    let cases = [
        (
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}",
            "2",
        ),
        (
            "{{ $x := \"a\" }}{{ range list 1 2 }}{{ $x = . }}{{ end }}{{ $x }}",
            "2",
        ),
        (
            "{{ range list 1 }}{{ $.Release.Name }}{{ end }}",
            "release-name",
        ),
        // Go maps are references: set on a variable's map is seen through the variable.
        (
            "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ $d.b }}",
            "2",
        ),
        (
            "{{ $d := dict \"in\" (dict) }}{{ $_ := set $d.in \"k\" \"v\" }}{{ $d.in.k }}",
            "v",
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, ""), expected, "{template:?}");
    }
}

#[test]
fn missing_values_render_empty_but_fields_of_nil_fail() {
    assert_eq!(render("[{{ .Values.missing }}]", ""), "[]");
    assert_eq!(render("[{{ .Values.missing | toString }}]", ""), "[<nil>]");
    let e = error("{{ .Values.missing.deeper }}", "");
    assert_eq!(e.kind, TemplateErrorKind::Exec);
    assert_eq!(e.message, "nil pointer evaluating interface {}.deeper");
    // Helm strips the literal text too.
    assert_eq!(render("a<no value>b", ""), "ab");
    // A pipeline's nil result is Go's invalid value: its fields are invalid again, not an
    // error (bitnami's `((.Values.global.postgresql).auth).existingSecret`), and so are the
    // fields of a variable set to it; a function still gets nil.
    assert_eq!(
        render("[{{ ((.Values.global.db).auth).secret }}]", "global: {}"),
        "[]"
    );
    assert_eq!(
        render("[{{ (.Values.missing).deeper | toString }}]", ""),
        "[<nil>]"
    );
    assert_eq!(render("{{ $db := .Values.db }}[{{ $db.auth }}]", ""), "[]");
    // … but a function gets nil, and a field of that nil is an error again.
    assert_eq!(
        error(
            "{{ $db := .Values.db }}{{ (dict \"root\" $db).root.auth }}",
            ""
        )
        .message,
        "nil pointer evaluating interface {}.auth"
    );
    assert_eq!(
        error("{{ (.Values.missing.deeper).x }}", "").message,
        "nil pointer evaluating interface {}.deeper"
    );
}

#[test]
fn comparisons_and_builtins() {
    let values = "n: 3\ns: abc\n";
    let cases = [
        ("{{ eq .Values.n 3 }}", "true"),
        ("{{ eq .Values.s \"x\" \"abc\" }}", "true"),
        (
            "{{ ne 1 2 }}|{{ lt 1 2.5 }}|{{ ge \"b\" \"a\" }}|{{ le 2 2 }}",
            "true|true|true|true",
        ),
        (
            "{{ len .Values.s }}|{{ index (list 1 2 3) 1 }}|{{ index (dict \"a\" 5) \"a\" }}",
            "3|2|5",
        ),
        (
            "{{ slice \"abcdef\" 1 3 }}|{{ slice (list 1 2 3) 1 }}",
            "bc|[2 3]",
        ),
        ("{{ print 1 2 \"a\" 3 }}|{{ println \"x\" }}", "1 2a3|x\n"),
        (
            "{{ printf \"%s-%d-%v-%q\" \"a\" 4 .Values.n \"q\" }}",
            "a-4-3-\"q\"",
        ),
        (
            "{{ html \"<a&b>\" }}|{{ urlquery \"a b&c\" }}|{{ js \"it's\" }}",
            "&lt;a&amp;b&gt;|a+b%26c|it\\'s",
        ),
        (
            "{{ 'a' }}|{{ 0x10 }}|{{ 1.5 }}|{{ 1e3 }}|{{ `raw\\n` }}",
            "97|16|1.5|1000|raw\\n",
        ),
        (
            "{{ (list 1 2) | len }}|{{ (dict \"a\" (dict \"b\" 7)).a.b }}",
            "2|7",
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, values), expected, "{template:?}");
    }
}

#[test]
fn values_read_as_helm_reads_them() {
    // go-yaml v2 reads YAML 1.1 booleans: `y` and `on` are true.
    assert_eq!(
        render(
            "{{ range .Values.l }}{{ . }},{{ end }}",
            "l: [y, on, 'y', x]\n"
        ),
        "true,true,y,x,"
    );
}

#[test]
fn values_numbers_print_as_helm_prints_float64() {
    let values = "small: 3\nbig: 1000000\nfrac: 0.5\n";
    assert_eq!(
        render(
            "{{ .Values.small }}|{{ .Values.big }}|{{ .Values.frac }}",
            values
        ),
        "3|1e+06|0.5"
    );
    assert_eq!(
        render("{{ .Values.big | int }}|{{ int64 .Values.small }}", values),
        "1000000|3"
    );
    assert_eq!(
        render("{{ typeOf .Values.small }}|{{ kindOf .Values }}", values),
        "float64|map"
    );
}

#[test]
fn default_takes_the_default_on_empty_values() {
    let values = "zero: 0\nempty: ''\nfalse: false\nset: x\nlist: []\n";
    let cases = [
        ("{{ .Values.missing | default \"d\" }}", "d"),
        ("{{ .Values.zero | default 5 }}", "5"),
        ("{{ .Values.empty | default \"d\" }}", "d"),
        ("{{ .Values.false | default true }}", "true"),
        ("{{ .Values.list | default (list 1) }}", "[1]"),
        ("{{ .Values.set | default \"d\" }}", "x"),
        ("{{ default \"d\" }}", "d"),
        ("{{ coalesce .Values.missing .Values.empty \"c\" }}", "c"),
        (
            "{{ ternary \"a\" \"b\" true }}|{{ ternary \"a\" \"b\" false }}",
            "a|b",
        ),
        (
            "{{ empty .Values.zero }}|{{ empty .Values.set }}",
            "true|false",
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, values), expected, "{template:?}");
    }
}

#[test]
fn sprig_string_functions() {
    let cases = [
        (
            "{{ \"a b\" | quote }}|{{ squote \"x\" }}|{{ quote \"a\\\"b\" }}",
            "\"a b\"|'x'|\"a\\\"b\"",
        ),
        (
            "{{ trunc 3 \"abcdef\" }}|{{ trunc -2 \"abcdef\" }}|{{ trimSuffix \"-\" \"ab-\" }}|{{ trimPrefix \"a\" \"ab\" }}",
            "abc|ef|ab|b",
        ),
        (
            "{{ trim \"  x \" }}|{{ trimAll \"$\" \"$x$\" }}|{{ replace \"+\" \"_\" \"1+2+3\" }}",
            "x|x|1_2_3",
        ),
        (
            "{{ lower \"AbC\" }}|{{ upper \"abc\" }}|{{ title \"hello world\" }}",
            "abc|ABC|Hello World",
        ),
        (
            "{{ contains \"b\" \"abc\" }}|{{ hasPrefix \"a\" \"abc\" }}|{{ hasSuffix \"c\" \"abc\" }}",
            "true|true|true",
        ),
        (
            "{{ b64enc \"hunter2\" }}|{{ b64dec \"aHVudGVyMg==\" }}",
            "aHVudGVyMg==|hunter2",
        ),
        (
            "{{ sha256sum \"abc\" | trunc 8 }}|{{ sha1sum \"abc\" | trunc 8 }}|{{ adler32sum \"Wikipedia\" }}",
            "ba7816bf|a9993e36|300286872",
        ),
        (
            "{{ repeat 3 \"ab\" }}|{{ substr 1 3 \"abcd\" }}|{{ nospace \"a b c\" }}|{{ cat \"a\" 1 nil \"b\" }}",
            "ababab|bc|abc|a 1 b",
        ),
        (
            "{{ camelcase \"foo_bar\" }}|{{ kebabcase \"FooBar\" }}|{{ snakecase \"FooBar\" }}",
            "FooBar|foo-bar|foo_bar",
        ),
        (
            "{{ splitList \",\" \"a,b\" }}|{{ (split \",\" \"a,b\")._1 }}|{{ join \"-\" (list 1 \"x\") }}",
            "[a b]|b|1-x",
        ),
        (
            "{{ regexMatch \"^a.c$\" \"abc\" }}|{{ regexFind \"[0-9]+\" \"a12b\" }}|{{ regexReplaceAll \"a(x*)b\" \"-axxb-\" \"${1}W\" }}",
            "true|12|-xxW-",
        ),
        (
            "{{ plural \"one\" \"many\" 2 }}|{{ toString 5 }}|{{ atoi \"42\" }}|{{ float64 \"1.5\" }}",
            "many|5|42|1.5",
        ),
        (
            "{{ \"x\" | indent 2 }}|{{ \"a\\nb\" | nindent 2 }}",
            "  x|\n  a\n  b",
        ),
        (
            "{{ randAlphaNum 8 | len }}|{{ now | date \"2006-01-02\" }}",
            "8|2026-01-01",
        ),
        // A function's result chained with fields, as Go allows: `now` is a time.Time there.
        (
            "{{ now.Unix }}|{{ now.Format \"2006-01-02 15:04\" }}|{{ (now).Year }}|{{ now.UTC }}",
            "1767225600|2026-01-01 00:00|2026|2026-01-01 00:00:00 +0000 UTC",
        ),
        (
            "{{ base \"a/b.txt\" }}|{{ dir \"a/b/c\" }}|{{ ext \"x.tar.gz\" }}|{{ clean \"a/../b/./c/\" }}|{{ isAbs \"/x\" }}",
            "b.txt|a/b|.gz|b/c|true",
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, ""), expected, "{template:?}");
    }
}

#[test]
fn sprig_lists_dicts_and_numbers() {
    let cases = [
        ("{{ list 1 2 | append 3 }}", "error"),
        (
            "{{ append (list 1 2) 3 }}|{{ prepend (list 1) 0 }}|{{ first (list 1 2) }}|{{ last (list 1 2) }}",
            "[1 2 3]|[0 1]|1|2",
        ),
        (
            "{{ rest (list 1 2 3) }}|{{ initial (list 1 2 3) }}|{{ uniq (list 1 1 2) }}|{{ without (list 1 2 3) 2 }}",
            "[2 3]|[1 2]|[1 2]|[1 3]",
        ),
        (
            "{{ has 2 (list 1 2) }}|{{ concat (list 1) (list 2) }}|{{ sortAlpha (list \"b\" \"a\") }}|{{ compact (list 1 \"\" 2) }}",
            "true|[1 2]|[a b]|[1 2]",
        ),
        (
            "{{ $d := dict \"a\" 1 \"b\" 2 }}{{ keys $d }}|{{ hasKey $d \"a\" }}|{{ get $d \"z\" }}|{{ pick $d \"a\" }}|{{ omit $d \"a\" }}",
            "[a b]|true||map[a:1]|map[b:2]",
        ),
        (
            "{{ $d := dict \"a\" 1 }}{{ $_ := unset $d \"a\" }}{{ len $d }}",
            "0",
        ),
        (
            "{{ merge (dict \"a\" 1 \"n\" (dict \"x\" 1)) (dict \"a\" 2 \"b\" 3 \"n\" (dict \"y\" 2)) }}",
            "map[a:1 b:3 n:map[x:1 y:2]]",
        ),
        (
            "{{ mergeOverwrite (dict \"a\" 1) (dict \"a\" 2) }}|{{ merge (dict \"a\" false) (dict \"a\" true) }}",
            "map[a:2]|map[a:true]",
        ),
        (
            "{{ add 1 2 3 }}|{{ sub 5 2 }}|{{ mul 2 3 }}|{{ div 7 2 }}|{{ mod 7 2 }}|{{ max 1 5 3 }}|{{ min 4 2 }}",
            "6|3|6|3|1|5|2",
        ),
        (
            "{{ until 3 }}|{{ untilStep 0 6 2 }}|{{ seq 3 }}",
            "[0 1 2]|[0 2 4]|1 2 3",
        ),
        (
            "{{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) }}|{{ dig \"a\" \"b\" \"d\" (dict \"a\" (dict \"b\" 9)) }}",
            "[1]|9",
        ),
        (
            "{{ kindIs \"slice\" (list) }}|{{ typeIs \"string\" \"x\" }}|{{ deepEqual (list 1) (list 1) }}",
            "true|true|true",
        ),
        (
            "{{ semverCompare \">=1.19-0\" \"v1.31.0\" }}|{{ (semver \"2.8.1\").Minor }}",
            "true|8",
        ),
    ];
    for (template, expected) in &cases[1..] {
        assert_eq!(render(template, ""), *expected, "{template:?}");
    }
    // A list piped into append is its last argument, not its first.
    assert!(render_with(cases[0].0, "", "").is_err());
}

#[test]
fn to_yaml_and_json_round_trip_values() {
    let values = "svc:\n  ports: [80, 443]\n  name: web\n  labels: {app: x}\n";
    assert_eq!(
        render("{{ toYaml .Values.svc }}", values),
        "labels:\n  app: x\nname: web\nports:\n- 80\n- 443"
    );
    assert_eq!(
        render(
            "spec:\n  {{- toYaml .Values.svc.labels | nindent 2 }}",
            values
        ),
        "spec:\n  app: x"
    );
    assert_eq!(render("{{ toJson .Values.svc.ports }}", values), "[80,443]");
    assert_eq!(
        render(
            "{{ (fromYaml \"a: 1\").a }}|{{ (fromJson \"{\\\"a\\\": [1]}\").a }}",
            ""
        ),
        "1|[1]"
    );
    assert_eq!(
        render("{{ (fromYaml \"[\").Error | contains \"YAML\" }}", ""),
        "true"
    );
}

#[test]
fn include_template_tpl_and_block() {
    let helpers = r#"{{- define "x.name" -}}{{ .Values.name | default "app" }}{{- end -}}
{{- define "x.labels" -}}
app: {{ include "x.name" . }}
{{- end -}}"#;
    let values = "name: web\nrendered: \"{{ .Values.name }}-x\"\n";
    let out = render_with(
        "a: {{ include \"x.name\" . | quote }}\n{{ template \"x.labels\" . }}\nb: {{ tpl .Values.rendered . }}\n{{ block \"y\" . }}dflt{{ end }}",
        helpers,
        values,
    )
    .unwrap();
    assert_eq!(out.text, "a: \"web\"\napp: web\nb: web-x\ndflt");
}

#[test]
fn required_fail_and_unsupported_are_errors_at_the_action() {
    let template = "x: {{ required \"name is required\" .Values.name }}";
    let e = error(template, "");
    assert_eq!(e.kind, TemplateErrorKind::Required);
    assert_eq!(e.message, "name is required");
    assert_eq!(
        (e.at.file, e.at.start, e.at.end),
        (TEMPLATE, 3, template.len() as u32)
    );
    assert_eq!(error("{{ fail \"no\" }}", "").kind, TemplateErrorKind::Fail);
    let e = error("{{ nosuchfunction 1 }}", "");
    assert_eq!(
        e.kind,
        TemplateErrorKind::Unsupported("nosuchfunction".to_string())
    );
    let e = error("{{ include \"missing\" . }}", "");
    assert_eq!(
        e.message,
        "no template \"missing\" associated with template"
    );
    assert_eq!(
        error("{{ now.Bogus }}", "").message,
        "can't evaluate field Bogus in type time.Time"
    );
    // A string has no methods, only the value `now` gives.
    assert_eq!(
        error("{{ $x := \"a\" }}{{ $x.Unix }}", "").message,
        "can't evaluate field Unix in type string"
    );
}

#[test]
fn capabilities_and_files_methods() {
    assert_eq!(
        render(
            "{{ .Capabilities.APIVersions.Has \"batch/v1\" }}|{{ .Capabilities.APIVersions.Has \"x/v9\" }}",
            ""
        ),
        "true|false"
    );
    let mut files = Files::new();
    files.insert("conf/a.ini", b"k=v\n".to_vec(), Some(FileId(9)));
    files.insert("conf/b.txt", b"x".to_vec(), None);
    files.insert("other.txt", b"y".to_vec(), None);
    let dot = Value::map_from([("Files", Value::files(files))]);
    let mut set = TemplateSet::new(Limits::default());
    set.add(
        "t",
        TEMPLATE,
        "{{ .Files.Get \"conf/a.ini\" }}|{{ len (.Files.Glob \"conf/*\") }}|{{ (.Files.Glob \"conf/*.txt\").AsConfig }}|{{ .Files.Lines \"conf/a.ini\" }}|{{ .Files.AsSecrets | len }}",
    )
    .unwrap();
    let out = set.render("t", &dot).unwrap();
    assert_eq!(out.text, "k=v\n|2|b.txt: x|[k=v]|43");
    // A glob is a map: false when it matches nothing, ranged over by path (bitnami's
    // mariadb-galera: `if and (.Files.Glob "files/*.sql.gz") …`, `range $path, $bytes := …`).
    set.add(
        "g",
        TEMPLATE,
        "{{ if .Files.Glob \"none/*\" }}t{{ else }}f{{ end }}|{{ range $path, $bytes := .Files.Glob \"conf/*\" }}{{ $path }}={{ $bytes }};{{ end }}",
    )
    .unwrap();
    assert_eq!(
        set.render("g", &dot).unwrap().text,
        "f|conf/a.ini=k=v\n;conf/b.txt=x;"
    );
}

/// The pieces of an output as (output text, `at` file and text, verbatim, value text).
fn pieces_of(
    out: &Output,
    sources: &[(FileId, &str)],
) -> Vec<(String, String, bool, Option<String>)> {
    let text_at = |span: Span| -> String {
        let source = sources
            .iter()
            .find(|(f, _)| *f == span.file)
            .map_or("", |(_, s)| *s);
        source.get(span.range()).unwrap_or("?").to_string()
    };
    out.pieces
        .iter()
        .map(|p| {
            (
                out.text[p.out.start as usize..p.out.end as usize].to_string(),
                text_at(p.at),
                p.verbatim,
                p.value.map(text_at),
            )
        })
        .collect()
}

fn assert_pieces_cover(out: &Output) {
    let mut at = 0;
    for piece in &out.pieces {
        assert_eq!(piece.out.start, at, "{:?}", out.pieces);
        assert!(piece.out.end > piece.out.start);
        at = piece.out.end;
    }
    assert_eq!(at as usize, out.text.len());
}

#[test]
fn pieces_map_output_to_template_actions_and_values() {
    let values = "image:\n  tag: v1.2\n";
    let template = "image: app:{{ .Values.image.tag }}\n";
    let out = render_with(template, "", values).unwrap();
    assert_pieces_cover(&out);
    assert_eq!(
        pieces_of(&out, &[(TEMPLATE, template), (VALUES, values)]),
        [
            ("image: app:".into(), "image: app:".into(), true, None),
            (
                "v1.2".into(),
                "{{ .Values.image.tag }}".into(),
                false,
                Some("v1.2".into())
            ),
            ("\n".into(), "\n".into(), true, None),
        ]
    );
}

#[test]
fn removing_no_value_leaves_no_empty_piece() {
    // Found by the helm_template fuzz target (the reproducer, then its shapes): adjacent and
    // leading or trailing `<no value>`.
    let crash = include_bytes!("../../../fuzz/regressions/helm-template-adjacent-no-value");
    let crash = std::str::from_utf8(crash).unwrap();
    for template in [
        crash,
        "a<no value><no value>b",
        "<no value>a",
        "a<no value>",
        "<no value><no value>",
    ] {
        let out = render_with(template, "", "").unwrap();
        assert_eq!(out.text, template.replace("<no value>", ""), "{template:?}");
        assert_pieces_cover(&out);
        assert!(
            out.pieces
                .iter()
                .all(|p| p.verbatim && p.at.file == TEMPLATE)
        );
    }
}

#[test]
fn pieces_follow_include_through_quote_and_nindent() {
    let helpers = "{{- define \"x.image\" -}}\nrepo:{{ .Values.tag }}\n{{- end -}}";
    let values = "tag: v2\n";
    let template =
        "a: {{ include \"x.image\" . | quote }}\nb:{{ include \"x.image\" . | nindent 2 }}";
    let out = render_with(template, helpers, values).unwrap();
    assert_eq!(out.text, "a: \"repo:v2\"\nb:\n  repo:v2");
    assert_pieces_cover(&out);
    let pieces = pieces_of(
        &out,
        &[(TEMPLATE, template), (VALUES, values), (HELPERS, helpers)],
    );
    let quote_action = "{{ include \"x.image\" . | quote }}".to_string();
    assert_eq!(
        pieces[..5],
        [
            ("a: ".into(), "a: ".into(), true, None),
            ("\"".into(), quote_action.clone(), false, None),
            ("repo:".into(), "repo:".into(), true, None),
            (
                "v2".into(),
                "{{ .Values.tag }}".into(),
                false,
                Some("v2".into())
            ),
            ("\"".into(), quote_action, false, None),
        ]
    );
    // Through nindent too: the value still maps to the helper's action and the values node.
    assert!(pieces.iter().filter(|p| p.0 == "v2").count() == 2);
    // Every piece's `top` is in the rendered template.
    assert!(out.pieces.iter().all(|p| p.top.file == TEMPLATE));
}

#[test]
fn pieces_of_template_calls_point_into_helpers() {
    let helpers = "{{- define \"x.l\" -}}\nk: {{ .Values.v }}\n{{- end -}}";
    let template = "{{ template \"x.l\" . }}";
    let values = "v: 1\n";
    let out = render_with(template, helpers, values).unwrap();
    assert_eq!(out.text, "k: 1");
    let pieces = pieces_of(
        &out,
        &[(TEMPLATE, template), (VALUES, values), (HELPERS, helpers)],
    );
    assert_eq!(pieces[0], ("k: ".into(), "k: ".into(), true, None));
    assert_eq!(pieces[1].1, "{{ .Values.v }}");
    assert_eq!(pieces[1].3.as_deref(), Some("1"));
    assert!(
        out.pieces
            .iter()
            .all(|p| p.top == Span::new(TEMPLATE, 0, template.len()))
    );
}

#[test]
fn tpl_of_a_values_string_points_into_the_values_file() {
    let values =
        "name: web\nhost: \"{{ .Values.name }}.example.com\"\nplain: x-{{ .Values.name }}\n";
    let template = "{{ tpl .Values.plain . }}";
    let out = render_with(template, "", values).unwrap();
    assert_eq!(out.text, "x-web");
    let pieces = pieces_of(&out, &[(TEMPLATE, template), (VALUES, values)]);
    assert_eq!(pieces[0], ("x-".into(), "x-".into(), true, None));
    assert_eq!(pieces[1].1, "{{ .Values.name }}");
    assert_eq!(pieces[1].3.as_deref(), Some("web"));
}

#[test]
fn budgets_stop_bombs_with_limit_errors() {
    let limits = Limits {
        max_output: 1 << 20,
        max_depth: 32,
        max_steps: 100_000,
    };
    let cases: [(&str, &str, &str, Budget); 5] = [
        (
            "{{ include \"self\" . }}",
            "{{ define \"self\" }}{{ include \"self\" . }}{{ end }}",
            "",
            Budget::Depth,
        ),
        (
            "{{ tpl .Values.t . }}",
            "",
            "t: \"{{ tpl .Values.t . }}\"\n",
            Budget::Depth,
        ),
        (
            "{{ range until 1000000000 }}x{{ end }}",
            "",
            "",
            Budget::Steps,
        ),
        (
            "{{ range $i := until 90000 }}{{ range until 90000 }}{{ end }}{{ end }}",
            "",
            "",
            Budget::Steps,
        ),
        (
            "{{ include \"w\" . }}",
            "{{ define \"w\" }}{{ $s := \"xxxxxxxxxxxxxxxx\" }}{{ range until 20 }}{{ $s = print $s $s }}{{ end }}{{ $s }}{{ end }}",
            "",
            Budget::Output,
        ),
    ];
    for (template, helpers, values, budget) in cases {
        let mut set = TemplateSet::new(limits);
        set.add("h", HELPERS, helpers).unwrap();
        set.add("t", TEMPLATE, template).unwrap();
        let e = set.render("t", &dot(values)).expect_err(template);
        assert_eq!(
            e.kind,
            TemplateErrorKind::Limit(budget),
            "{template:?}: {e}"
        );
        assert!(e.message.contains("limit max_"), "{}", e.message);
    }
}

#[test]
fn an_alias_bomb_in_values_is_bounded_by_the_output_budget() {
    let mut values = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        values.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let mut set = TemplateSet::new(Limits {
        max_output: 1 << 20,
        ..Limits::default()
    });
    set.add("t", TEMPLATE, "{{ toYaml .Values }}").unwrap();
    let e = set.render("t", &dot(&values)).unwrap_err();
    assert_eq!(e.kind, TemplateErrorKind::Limit(Budget::Output));
}

#[test]
fn parse_errors_have_spans() {
    let mut set = TemplateSet::new(Limits::default());
    let e = set.add("t", TEMPLATE, "ok\n{{ if .x }}").unwrap_err();
    assert_eq!(e.kind, TemplateErrorKind::Parse);
    assert_eq!((e.at.start, e.at.end), (3, 14));
}

#[test]
fn fields_of_a_template_call_without_argument_are_empty() {
    let helpers = "{{- define \"port\" -}}{{ default \"8080\" .Values.nginx.port }}{{- end -}}";
    let out = render_with("listen {{ template \"port\" }};", helpers, "").unwrap();
    assert_eq!(out.text, "listen 8080;");
}

#[test]
fn nil_fields_may_be_tolerated_for_charts_missing_subcharts() {
    let mut set = set_with("[{{ .Values.sub.service.port }}]", "");
    assert!(set.render("c/templates/t.yaml", &dot("sub: {}\n")).is_err());
    set.tolerate_nil_fields(true);
    assert_eq!(
        set.render("c/templates/t.yaml", &dot("sub: {}\n"))
            .unwrap()
            .text,
        "[]"
    );
}

#[test]
fn deep_nesting_through_recursion_ends_in_a_limit_not_a_stack_overflow() {
    // Each level of include recursion nests 50 blocks and 12 parentheses: the frame bound
    // stops it long before the default include depth would.
    let ifs = "{{ if true }}".repeat(50);
    let ends = "{{ end }}".repeat(50);
    let parens = format!("{}1{}", "(".repeat(12), ")".repeat(12));
    let helpers = format!(
        "{{{{ define \"d\" }}}}{ifs}{{{{ print {parens} }}}}{{{{ include \"d\" . }}}}{ends}{{{{ end }}}}"
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut set = TemplateSet::new(Limits::default());
            set.add("h", HELPERS, &helpers).unwrap();
            set.add("t", TEMPLATE, "{{ include \"d\" . }}").unwrap();
            set.render("t", &Value::nil()).unwrap_err()
        })
        .unwrap();
    let error = handle.join().expect("no stack overflow");
    assert_eq!(
        error.kind,
        TemplateErrorKind::Limit(Budget::Depth),
        "{error}"
    );
}

#[test]
fn printing_comparing_and_appending_big_values_spend_the_budgets() {
    // Two alias bombs of the same shape (10^12 leaves each), equal but sharing nothing.
    let mut values = String::new();
    for bomb in ["a", "b"] {
        values.push_str(&format!(
            "{bomb}0: &{bomb}0 [x, x, x, x, x, x, x, x, x, x]\n"
        ));
        for i in 1..12 {
            let p = format!("*{bomb}{}", i - 1);
            values.push_str(&format!(
                "{bomb}{i}: &{bomb}{i} [{}]\n",
                [p.as_str(); 10].join(", ")
            ));
        }
    }
    let limits = Limits {
        max_output: 1 << 20,
        max_depth: 32,
        max_steps: 200_000,
    };
    for (template, budget) in [
        ("{{ $x := print .Values.a11 }}", Budget::Steps),
        ("{{ $x := printf \"%v\" .Values }}", Budget::Steps),
        ("{{ deepEqual .Values.a11 .Values.b11 }}", Budget::Steps),
        ("{{ has .Values.a11 (list .Values.b11) }}", Budget::Steps),
        (
            "{{ $l := list }}{{ range until 5000 }}{{ $l = append $l . }}{{ end }}",
            Budget::Steps,
        ),
        (
            "{{ range until 100 }}{{ $x := printf \"%100000d\" 1 }}{{ end }}",
            Budget::Output,
        ),
    ] {
        let mut set = TemplateSet::new(limits);
        set.add("t", TEMPLATE, template).unwrap();
        let e = set.render("t", &dot(&values)).expect_err(template);
        assert_eq!(e.kind, TemplateErrorKind::Limit(budget), "{template}: {e}");
    }
}

#[test]
fn template_sets_and_values_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<TemplateSet>();
    shareable::<Value>();
    shareable::<Output>();
    shareable::<TemplateError>();
}

#[test]
fn url_parse_and_url_join_follow_sprig() {
    assert_eq!(
        render(
            r#"{{ $u := urlParse .Values.url }}{{ $u.scheme }}|{{ $u.hostname }}|{{ $u.host }}|{{ $u.path }}|{{ $u.userinfo }}|{{ urlJoin $u }}"#,
            "url: http://elastic:secret@es:9200/logs?x=1"
        ),
        "http|es|es:9200|/logs|elastic:secret|http://elastic:secret@es:9200/logs?x=1"
    );
    assert_eq!(
        render(
            r#"{{ urlJoin (dict "scheme" "https" "host" "db" "path" "a b" "query" "ssl=1") }}"#,
            ""
        ),
        "https://db/a%20b?ssl=1"
    );
    assert_eq!(
        error(r#"{{ urlJoin (dict "host" 3) }}"#, "").message,
        "error calling urlJoin: unable to parse host key, must be of type string, but int found"
    );
}

#[test]
fn maps_change_in_place_through_every_path_to_them() {
    // gitea's helpers: an included template fills `.Values.gitea.config`, the caller reads it.
    let helpers = r#"{{- define "init" -}}
{{- if not (hasKey .Values.cfg "database") -}}{{- $_ := set .Values.cfg "database" dict -}}{{- end -}}
{{- $_ := set .Values.cfg.database "HOST" "db:5432" -}}
{{- end -}}
{{- define "fill" -}}{{- $_ := set . "filled" true -}}{{- end -}}"#;
    let template = r#"{{- include "init" . -}}
{{ .Values.cfg.database.HOST }}|{{ hasKey .Values.cfg "database" }}|{{ index .Values "cfg" "database" "HOST" }}
{{ $_ := set .Values "top" 5 }}{{ .Values.top }}|{{ $.Values.top }}
{{ $d := dict "a" 1 }}{{ $outer := dict "inner" $d }}{{ include "fill" $d }}{{ $d.filled }}|{{ $outer.inner.filled }}
{{ toJson .Values.cfg }}|{{ dig "cfg" "database" "HOST" "none" .Values }}
{{ range $k, $v := .Values.cfg }}{{ $k }}={{ $v.HOST }}{{ end }}
{{ $copy := deepCopy .Values.cfg }}{{ $_ := set .Values.cfg.database "HOST" "other" }}{{ $copy.database.HOST }}|{{ .Values.cfg.database.HOST }}"#;
    let out = render_with(template, helpers, "cfg: {}").unwrap().text;
    assert_eq!(
        out,
        "db:5432|true|db:5432\n5|5\ntrue|true\n{\"database\":{\"HOST\":\"db:5432\"}}|db:5432\ndatabase=db:5432\ndb:5432|other"
    );
}
