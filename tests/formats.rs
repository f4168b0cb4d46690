//! The machine formats, checked with real parsers and the official schema, not by eye:
//! golden snapshots of every format for fixtures/formats (two files, a related location, and
//! non-ASCII text before flagged nodes); SARIF of every fixture validated against the OASIS
//! 2.1.0 schema; SARIF regions cross-checked in UTF-16 units and bytes; XML parsed; stable
//! fingerprints; byte-identical output for the same input, whatever the thread count.

mod common;

use std::path::{Path, PathBuf};

use adminlint::render::Format;
use adminlint::report::Report;
use adminlint::{CheckOptions, check};
use serde_json::Value;

const FORMATS: &[Format] = &[
    Format::Full,
    Format::Concise,
    Format::Json,
    Format::Sarif,
    Format::Github,
    Format::Gitlab,
    Format::Junit,
    Format::Checkstyle,
];

/// The multi-file case every format is snapshotted on.
const CASE: &str = "fixtures/formats";

fn report(paths: &[&str]) -> Report {
    check(&CheckOptions {
        paths: paths.iter().map(PathBuf::from).collect(),
        ..CheckOptions::default()
    })
}

fn rendered(format: Format, report: &Report) -> String {
    common::rendered(format, report)
}

fn sarif(report: &Report) -> Value {
    serde_json::from_str(&rendered(Format::Sarif, report)).unwrap()
}

/// The SARIF schema as shipped in the serde-sarif crate (see tests/schemas/README.md).
fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/schemas/sarif-schema-2.1.0.json").unwrap();
    // One known defect of the official file: the `language` pattern ends in a stray `]`
    // (oasis-tcs/sarif-spec#562, fixed in the errata), which this validator rejects when it
    // checks the schema itself. Corrected here in memory; we never emit `language`.
    let defect = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(defect).count(), 2, "the known defect moved");
    let text = text.replace(defect, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Each folder under fixtures/, plus all of fixtures/ at once.
fn fixture_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = common::fixture_dirs()
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    dirs.push("fixtures".into());
    dirs
}

/// The SARIF log with each rule's doc text (full description, help) cut to a marker: the
/// docs have their own tests, and editing one should not churn this snapshot.
fn sarif_without_doc_texts(text: &str) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let doc_text = (trimmed.starts_with("\"text\": ")
            && matches!(previous.trim(), "\"fullDescription\": {" | "\"help\": {"))
            || trimmed.starts_with("\"markdown\": ");
        if doc_text {
            let key = &trimmed[..trimmed.find(':').unwrap()];
            let comma = if trimmed.ends_with(',') { "," } else { "" };
            out.push(format!("{indent}{key}: \"<from rules/*.md>\"{comma}"));
        } else {
            out.push(line.to_string());
        }
        previous = line;
    }
    out.join("\n") + "\n"
}

#[test]
fn every_format_on_the_multi_file_case() {
    let report = report(&[CASE]);
    assert_eq!(report.files.len(), 2);
    assert!(report.diagnostics.iter().any(|d| !d.related.is_empty()));
    for &format in FORMATS {
        let text = rendered(format, &report);
        let text = if format == Format::Sarif {
            sarif_without_doc_texts(&text)
        } else {
            text
        };
        insta::assert_snapshot!(format!("formats_{}", format.name()), text);
    }
}

#[test]
fn sarif_of_every_fixture_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    let mut checked = 0;
    for dir in fixture_dirs() {
        let value = sarif(&report(&[&dir]));
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        checked += value["runs"][0]["results"].as_array().unwrap().len();
    }
    assert!(checked > 50, "only {checked} results checked");
    // A run with a path that cannot be read (a tool execution notification), and stdin.
    let mut with_error = report(&["fixtures/demo", "fixtures/does-not-exist.yaml"]);
    assert_eq!(with_error.errors.len(), 1);
    assert!(schema_errors(&validator, &sarif(&with_error)).is_empty());
    with_error = check(&CheckOptions {
        stdin: Some(("<stdin>".into(), b"kind: Job\n".to_vec())),
        ..CheckOptions::default()
    });
    assert!(schema_errors(&validator, &sarif(&with_error)).is_empty());
}

#[test]
fn the_schema_check_has_teeth() {
    let validator = sarif_validator();
    let good = sarif(&report(&[CASE]));
    assert!(schema_errors(&validator, &good).is_empty());
    type Breakage = (&'static str, fn(&mut Value));
    let broken: [Breakage; 5] = [
        ("column 0", |v| {
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
                0.into()
        }),
        ("no message", |v| {
            v["runs"][0]["results"][0]
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
        ("bad level", |v| {
            v["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("unknown key", |v| {
            v["runs"][0]["columnkind"] = "utf16CodeUnits".into()
        }),
        ("a relative informationUri", |v| {
            v["runs"][0]["tool"]["driver"]["informationUri"] = "adminlint docs".into()
        }),
    ];
    for (what, break_it) in broken {
        let mut value = good.clone();
        break_it(&mut value);
        assert!(
            !schema_errors(&validator, &value).is_empty(),
            "the schema accepted SARIF with {what}"
        );
    }
}

/// Byte offset in `line` of the UTF-16 column `column` (0-based units).
fn byte_of_utf16_column(line: &str, column: usize) -> usize {
    let mut units = 0;
    for (byte, c) in line.char_indices() {
        if units >= column {
            return byte;
        }
        units += c.len_utf16();
    }
    assert_eq!(units, column, "column past the end of {line:?}");
    line.len()
}

/// Byte offset in `text` of a SARIF (line, UTF-16 column), both 1-based.
fn byte_of(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let rest = &text[start..];
    let this_line = rest.split('\n').next().unwrap();
    start + byte_of_utf16_column(this_line, column as usize - 1)
}

/// The file an artifact URI names: `%SRCROOT%`-relative or `file://`, percent-decoded.
fn path_of_uri(uri: &str) -> PathBuf {
    let encoded = uri.strip_prefix("file://").unwrap_or(uri);
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(&tail[..2]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    PathBuf::from(String::from_utf8(bytes).unwrap())
}

/// Check every region of a SARIF log two ways: its (line, UTF-16 column) pairs, turned into
/// byte offsets on the file's text, must land exactly on byteOffset and byteOffset +
/// byteLength. Returns how many regions were checked.
fn check_regions(value: &Value) -> usize {
    assert_eq!(value["runs"][0]["columnKind"], "utf16CodeUnits");
    let mut regions = 0;
    for result in value["runs"][0]["results"].as_array().unwrap() {
        let mut locations = vec![&result["locations"][0]["physicalLocation"]];
        if let Some(related) = result["relatedLocations"].as_array() {
            locations.extend(related.iter().map(|r| &r["physicalLocation"]));
        }
        for location in locations {
            let path = path_of_uri(location["artifactLocation"]["uri"].as_str().unwrap());
            let text = std::fs::read_to_string(&path).unwrap();
            let region = &location["region"];
            let number = |key: &str| region[key].as_u64().unwrap();
            let start = byte_of(&text, number("startLine"), number("startColumn"));
            let end = byte_of(&text, number("endLine"), number("endColumn"));
            let at = path.display();
            assert_eq!(start as u64, number("byteOffset"), "{at} {region}");
            assert_eq!((end - start) as u64, number("byteLength"), "{at} {region}");
            regions += 1;
        }
    }
    regions
}

#[test]
fn sarif_regions_are_utf16_columns_with_an_exclusive_end() {
    let regions: usize = fixture_dirs()
        .iter()
        .map(|dir| check_regions(&sarif(&report(&[dir]))))
        .sum();
    assert!(regions > 80, "only {regions} regions checked");
}

#[test]
fn sarif_of_the_real_world_corpus_is_valid() {
    let Some(corpus) = common::corpus("corpus SARIF test") else {
        return;
    };
    // The whole corpus as one run: real paths, real text, hundreds of findings.
    let report = report(&[corpus.to_str().unwrap()]);
    let value = sarif(&report);
    let errors = schema_errors(&sarif_validator(), &value);
    assert!(errors.is_empty(), "{:#?}", &errors[..errors.len().min(10)]);
    let regions = check_regions(&value);
    assert!(regions >= report.diagnostics.len());
}

#[test]
fn non_ascii_before_the_node_gives_three_different_columns() {
    // Line 12 of migrate.yaml has `é ☃ 🚀` before the image: é is 2 bytes, ☃ 3, 🚀 4 bytes and
    // two UTF-16 units. So characters, UTF-16 units and bytes all disagree, and each format
    // must use its own unit: JSON / concise / GitHub characters, SARIF UTF-16 units.
    let report = report(&[CASE]);
    let text = std::fs::read_to_string("fixtures/formats/migrate.yaml").unwrap();
    let line = text.lines().nth(11).unwrap();
    let image = "registry.example.com/shop/app:v2.4.0";
    let before = &line[..line.find(image).unwrap()];
    let (chars, units, bytes) = (
        before.chars().count(),
        before.encode_utf16().count(),
        before.len(),
    );
    assert_eq!(units, chars + 1);
    assert_eq!(bytes, chars + 6);

    let json: Value = serde_json::from_str(&rendered(Format::Json, &report)).unwrap();
    let mismatch = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "image-mismatch")
        .unwrap();
    assert_eq!(mismatch["location"]["start"]["column"], chars + 1);

    let sarif = sarif(&report);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "image-mismatch")
        .unwrap();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 12);
    assert_eq!(region["startColumn"], units + 1);
    assert_eq!(region["endColumn"], units + 1 + image.len());

    let github = rendered(Format::Github, &report);
    assert!(
        github.contains(&format!(
            "line=12,endLine=12,col={},endColumn={},title=adminlint (image-mismatch)",
            chars + 1,
            chars + 1 + image.len()
        )),
        "{github}"
    );
}

#[test]
fn sarif_links_the_app_side_and_points_into_the_rules() {
    let value = sarif(&report(&[CASE]));
    let run = &value["runs"][0];
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"],
        "The working directory adminlint ran in; artifact paths are relative to it."
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), adminlint::rules::RULES.len());
    for rule in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(!rule[key]["text"].as_str().unwrap().is_empty());
        }
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .starts_with("## ")
        );
        assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        let related = result["relatedLocations"].as_array().unwrap();
        assert_eq!(
            related[0]["physicalLocation"]["artifactLocation"]["uri"],
            "fixtures/formats/web.yaml"
        );
        // GitHub shows a related location when the message links to it by id.
        let message = result["message"]["text"].as_str().unwrap();
        assert!(
            message.contains(" (app side: [fixtures/formats/web.yaml:")
                && message.ends_with("](1))"),
            "{message}"
        );
    }
}

#[test]
fn xml_formats_parse_and_keep_the_text() {
    let report = report(&[CASE]);
    let junit = rendered(Format::Junit, &report);
    let document = roxmltree::Document::parse(&junit).expect("JUnit XML is well formed");
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // One test case per finding, plus one passing case for the clean file.
    assert_eq!(cases.len(), report.diagnostics.len() + 1);
    let mut keys: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            (
                c.attribute("classname").unwrap().to_string(),
                c.attribute("name").unwrap().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), cases.len(), "classname + name must be unique");
    let failures: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), report.diagnostics.len());
    let divergent = failures
        .iter()
        .find(|f| f.attribute("type") == Some("config-divergent"))
        .unwrap();
    // Markup in the message survives escaping, in the attribute and in the text GitLab shows.
    let literal = "postgres://db/shop?app=<migrate>&pool=5,100%";
    assert!(divergent.attribute("message").unwrap().contains(literal));
    assert!(divergent.text().unwrap().contains(literal));
    assert!(
        divergent
            .text()
            .unwrap()
            .contains("\napp side: fixtures/formats/web.yaml:21:15: ")
    );

    let checkstyle = rendered(Format::Checkstyle, &report);
    let document = roxmltree::Document::parse(&checkstyle).expect("Checkstyle XML is well formed");
    let files: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("file"))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(
        files,
        ["fixtures/formats/migrate.yaml", "fixtures/formats/web.yaml"]
    );
    let errors = document
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .count();
    assert_eq!(errors, report.diagnostics.len());
}

#[test]
fn github_commands_escape_data_and_properties() {
    let text = rendered(Format::Github, &report(&[CASE]));
    let divergent = text
        .lines()
        .find(|l| l.contains("(config-divergent)"))
        .unwrap();
    // `%` becomes %25 in data; `,` and `:` stay (they only need escaping in properties).
    assert!(
        divergent.contains("::Job `db-migrate` sets `DATABASE_URL` from the literal `postgres://db/shop?app=<migrate>&pool=5,100%25`"),
        "{divergent}"
    );
    assert!(!divergent.contains('\n'));
    assert_eq!(
        text.lines().last().unwrap(),
        "Found 3 findings (1 error, 2 warnings) in 2 files."
    );
}

#[test]
fn the_same_input_gives_the_same_bytes_in_every_format() {
    let forward = report(&["fixtures/formats/migrate.yaml", "fixtures/formats/web.yaml"]);
    let backward = report(&["fixtures/formats/web.yaml", "fixtures/formats/migrate.yaml"]);
    let directory = report(&[CASE]);
    for &format in FORMATS {
        let first = rendered(format, &forward);
        assert_eq!(first, rendered(format, &forward), "{}", format.name());
        assert_eq!(first, rendered(format, &backward), "{}", format.name());
        assert_eq!(first, rendered(format, &directory), "{}", format.name());
    }
}

#[test]
fn the_output_does_not_depend_on_the_thread_count() {
    // Files are read and parsed in parallel: the whole process, on every fixture and (where it
    // is present) the real-world corpus, must write the same bytes on 1, 2 and 5 threads.
    let mut paths = vec![PathBuf::from("fixtures")];
    paths.extend(common::corpus("thread-count determinism on the corpus"));
    let out = tempfile::tempdir().unwrap();
    let outputs: Vec<(String, String)> = [1, 2, 5]
        .iter()
        .map(|threads| {
            let json = out.path().join(format!("{threads}.json"));
            let sarif = out.path().join(format!("{threads}.sarif"));
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_adminlint"))
                .args(["check", "--no-cache", "--format", "json", "-o"])
                .arg(&json)
                .args(["--format", "sarif", "-o"])
                .arg(&sarif)
                .args(&paths)
                .env("RAYON_NUM_THREADS", threads.to_string())
                .status()
                .unwrap();
            // Exit 1: the fixtures have findings; 2 would be an error.
            assert_eq!(status.code(), Some(1), "{threads} threads");
            let read = |path: &Path| std::fs::read_to_string(path).unwrap();
            (read(&json), read(&sarif))
        })
        .collect();
    let findings = serde_json::from_str::<Value>(&outputs[0].0).unwrap()["diagnostics"]
        .as_array()
        .unwrap()
        .len();
    assert!(findings > 100, "{findings} findings");
    let (json, sarif) = &outputs[0];
    for (threads, other) in [2, 5].iter().zip(&outputs[1..]) {
        assert!(*json == other.0, "JSON differs on {threads} threads");
        assert!(*sarif == other.1, "SARIF differs on {threads} threads");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// GitLab issues for a copy of the case outside the working directory (absolute paths, the
/// same in both runs).
fn gitlab_issues(dir: &Path) -> Vec<Value> {
    let text = rendered(Format::Gitlab, &report(&[dir.to_str().unwrap()]));
    let value: Value = serde_json::from_str(&text).unwrap();
    value.as_array().unwrap().clone()
}

#[test]
fn fingerprints_survive_moved_lines_and_tell_findings_apart() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_dir(Path::new(CASE), &app);
    let before = gitlab_issues(&app);
    assert_eq!(before.len(), 3);

    // Three lines added above every finding: lines move, fingerprints do not.
    let job = dir.path().join("app/migrate.yaml");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, format!("# one\n# two\n# three\n{text}")).unwrap();
    let after = gitlab_issues(&app);
    let prints = |issues: &[Value]| -> Vec<String> {
        issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&before), prints(&after));
    assert_eq!(
        after[0]["location"]["lines"]["begin"].as_u64().unwrap(),
        before[0]["location"]["lines"]["begin"].as_u64().unwrap() + 3
    );

    // Across every fixture, no two findings share a fingerprint (GitLab would merge them).
    let all = report(&["fixtures"]);
    let value: Value = serde_json::from_str(&rendered(Format::Gitlab, &all)).unwrap();
    let mut prints = prints(value.as_array().unwrap());
    let count = prints.len();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), count);
    // And SARIF carries the same identity.
    let sarif = sarif(&all);
    let first = &sarif["runs"][0]["results"][0]["partialFingerprints"]["adminlintFindingHash/v2"];
    assert_eq!(first, &value[0]["fingerprint"]);
}
