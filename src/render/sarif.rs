//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning and other SARIF viewers read it.
//!
//! Choices a consumer can rely on:
//! - one run; `tool.driver.rules` lists every rule in registry order, and each result's
//!   `ruleIndex` points into it;
//! - `run.columnKind` is `utf16CodeUnits` (what GitHub assumes): columns are 1-based UTF-16
//!   code units, `endColumn` is exclusive; regions also carry `byteOffset` / `byteLength`;
//! - artifact URIs are relative to `%SRCROOT%`, the working directory of the run (paths
//!   outside it are absolute `file://` URIs), percent-encoded;
//! - the app side of a finding is a `relatedLocations` entry, linked from the message;
//! - `partialFingerprints` hold a hash of the finding's identity (see `fingerprint.rs`);
//! - no timestamps, no absolute paths of the machine: same input, same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::fingerprint::fingerprints;
use crate::diagnostic::{Diagnostic, Fix, ObjectRef, Severity};
use crate::report::{Report, RunError};
use crate::rules::{RULES, Rule};
use crate::span::Span;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// Where the tool and its rule docs live: the `repository` of Cargo.toml.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// Key of our fingerprint in `partialFingerprints` (versioned with the hashing scheme).
const FINGERPRINT_KEY: &str = "adminlintFindingHash/v2";

// Field order below is the output's key order (serde writes declaration order).

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: String,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [NotificationLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

/// SARIF consumers may apply any fix in `fixes`: a display-only fix is described here instead.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    display_only_fix: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: InsertedContent<'a>,
}

#[derive(Serialize)]
struct InsertedContent<'a> {
    text: &'a str,
}

/// Write `report` as a pretty-printed SARIF log followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(&log(report))?;
    bytes.push(b'\n');
    out.write_all(&bytes)
}

fn log(report: &Report) -> Log<'_> {
    let prints = fingerprints(report);
    let results = report
        .diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| result(report, d, print))
        .collect();
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "adminlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: REPOSITORY.to_string(),
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report.errors.iter().map(notification).collect(),
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: Text {
                        text: "The working directory adminlint ran in; artifact paths are relative to it.".into(),
                    },
                },
            )]),
            column_kind: "utf16CodeUnits",
            results,
        }],
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's SARIF description, taken from its doc (`rules/<id>.md`).
fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let doc = RuleDoc::parse(rule.doc);
    ReportingDescriptor {
        id: rule.id,
        name: pascal_case(rule.id),
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: Text {
            text: doc
                .first_paragraph
                .unwrap_or_else(|| rule.summary.to_string()),
        },
        help: Help {
            text: doc.prose.to_string(),
            markdown: doc.body.to_string(),
        },
        help_uri: format!("{REPOSITORY}/blob/main/rules/{}.md", rule.id),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties { tags: doc.tags },
    }
}

/// `image-mismatch` -> `ImageMismatch`, the conventional shape of a SARIF rule `name`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The parts of a rule doc SARIF wants: YAML front matter tags, the body after the front
/// matter (help as markdown), its prose before the first example (help as text), and the
/// first paragraph after the title (the full description).
struct RuleDoc<'a> {
    tags: Vec<String>,
    body: &'a str,
    prose: &'a str,
    first_paragraph: Option<String>,
}

impl<'a> RuleDoc<'a> {
    fn parse(doc: &'a str) -> Self {
        let (front, body) = doc
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .unwrap_or(("", doc));
        let body = body.trim_start_matches('\n');
        let tags = front
            .lines()
            .find_map(|line| line.strip_prefix("tags:"))
            .map(|tags| {
                tags.split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut paragraph = Vec::new();
        for line in body
            .lines()
            .skip_while(|line| !line.starts_with("## "))
            .skip(1)
            .skip_while(|line| line.trim().is_empty())
        {
            if line.trim().is_empty() {
                break;
            }
            paragraph.push(line.trim());
        }
        let prose = body
            .find("\n**Incorrect")
            .map_or(body, |end| &body[..end])
            .trim_end();
        RuleDoc {
            tags,
            body,
            prose,
            first_paragraph: (!paragraph.is_empty()).then(|| paragraph.join(" ")),
        }
    }
}

fn result<'a>(report: &'a Report, diagnostic: &'a Diagnostic, print: String) -> SarifResult<'a> {
    let related_locations: Vec<RelatedLocation> = diagnostic
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| RelatedLocation {
            id: index + 1,
            physical_location: physical(report, related.span),
            message: Text {
                text: related.message.clone(),
            },
        })
        .collect();
    SarifResult {
        rule_id: diagnostic.rule,
        rule_index: RULES.iter().position(|r| r.id == diagnostic.rule),
        level: level(diagnostic.severity),
        message: Text {
            text: message_text(report, diagnostic),
        },
        locations: [Location {
            physical_location: physical(report, diagnostic.span),
            logical_locations: diagnostic.object.iter().map(logical).collect(),
        }],
        related_locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, print)]),
        // A SARIF fix is applied by tools: a display-only one is not offered.
        fixes: diagnostic
            .fix
            .iter()
            .filter(|fix| fix.applicability.is_applicable())
            .map(|fix| sarif_fix(report, fix))
            .collect(),
        properties: diagnostic
            .fix
            .as_ref()
            .filter(|fix| !fix.applicability.is_applicable())
            .map(|fix| ResultProperties {
                display_only_fix: &fix.message,
            }),
    }
}

/// The message, then one embedded link per related location (`[web.yaml:20](1)`), which is
/// how GitHub shows related locations. SARIF asks for literal brackets to be escaped in a
/// message with links.
fn message_text(report: &Report, diagnostic: &Diagnostic) -> String {
    if diagnostic.related.is_empty() {
        return diagnostic.message.clone();
    }
    let escape = |text: &str| {
        text.replace('\\', "\\\\")
            .replace('[', "\\[")
            .replace(']', "\\]")
    };
    let links: Vec<String> = diagnostic
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| {
            let file = report.file(related.span.file);
            let line = file.position(related.span.start as usize).line;
            format!("[{}:{line}]({})", escape(&file.display), index + 1)
        })
        .collect();
    format!(
        "{} (app side: {})",
        escape(&diagnostic.message),
        links.join(", ")
    )
}

fn physical(report: &Report, span: Span) -> PhysicalLocation {
    let file = report.file(span.file);
    PhysicalLocation {
        artifact_location: artifact(&file.display),
        region: Some(region(report, span)),
    }
}

/// Lines 1-based; columns 1-based UTF-16 code units with `endColumn` one past the last unit.
fn region(report: &Report, span: Span) -> Region {
    let file = report.file(span.file);
    let start = file.position(span.start as usize);
    let end = file.position(span.end as usize);
    Region {
        start_line: start.line,
        start_column: start.utf16_column + 1,
        end_line: end.line,
        end_column: end.utf16_column + 1,
        byte_offset: start.offset,
        byte_length: end.offset - start.offset,
    }
}

fn artifact(display: &str) -> ArtifactLocation {
    if let Some(absolute) = absolute_file_uri(display) {
        return ArtifactLocation {
            uri: absolute,
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: percent_encode(display),
        uri_base_id: Some(SRCROOT),
    }
}

/// `file:///…` for a display path outside the working directory (absolute, or a Windows
/// drive path); None for a relative path.
fn absolute_file_uri(display: &str) -> Option<String> {
    let bytes = display.as_bytes();
    if display.starts_with('/') {
        Some(format!("file://{}", percent_encode(display)))
    } else if bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        Some(format!(
            "file:///{}:{}",
            &display[..1],
            percent_encode(&display[2..])
        ))
    } else {
        None
    }
}

/// Percent-encode a `/`-separated path for a URI: everything but unreserved characters and
/// `/` is encoded (UTF-8 bytes), so spaces, `%`, `#`, `?`, `:` and non-ASCII names are safe.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn logical(object: &ObjectRef) -> LogicalLocation {
    let name = object.name.as_deref().unwrap_or("");
    let mut qualified = vec![
        object.namespace.as_deref().unwrap_or(""),
        &object.kind,
        name,
    ];
    let leaf = match &object.container {
        Some(container) => {
            qualified.push(container);
            container.as_str()
        }
        None => name,
    };
    LogicalLocation {
        name: leaf.to_string(),
        fully_qualified_name: qualified.join("/"),
        // A Kubernetes object (narrowed to a container when there is one): SARIF's "resource".
        kind: "resource",
    }
}

/// A fix: its edits grouped by file, in edit order.
fn sarif_fix<'a>(report: &'a Report, fix: &'a Fix) -> SarifFix<'a> {
    let mut changes: Vec<ArtifactChange> = Vec::new();
    let mut change_files = Vec::new();
    for edit in &fix.edits {
        let replacement = Replacement {
            deleted_region: region(report, edit.span),
            inserted_content: InsertedContent {
                text: &edit.content,
            },
        };
        match change_files.iter().position(|&f| f == edit.span.file) {
            Some(index) => changes[index].replacements.push(replacement),
            None => {
                change_files.push(edit.span.file);
                changes.push(ArtifactChange {
                    artifact_location: artifact(&report.file(edit.span.file).display),
                    replacements: vec![replacement],
                });
            }
        }
    }
    SarifFix {
        description: Text {
            text: fix.message.clone(),
        },
        artifact_changes: changes,
    }
}

/// A path that could not be checked, as a tool execution notification.
fn notification(error: &RunError) -> Notification {
    Notification {
        level: "error",
        message: Text {
            text: format!("{}: {}", error.path, error.message),
        },
        locations: [NotificationLocation {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&error.path),
                region: None,
            },
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;
    use serde_json::{Value, json};

    fn sarif(report: &Report) -> Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn snapshot() {
        // The rule descriptors come from the docs and have their own test; they are cut here,
        // so editing a doc does not churn this snapshot.
        let mut out = Vec::new();
        render(&sample_report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let open = "          \"rules\": [\n";
        let start = text.find(open).unwrap() + open.len();
        let end = start + text[start..].find("\n          ]").unwrap();
        let cut = format!("{}            \"…\"{}", &text[..start], &text[end..]);
        insta::assert_snapshot!(cut);
    }

    #[test]
    fn regions_count_utf16_units_with_an_exclusive_end() {
        let value = sarif(&sample_report());
        let run = &value["runs"][0];
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        let region = &run["results"][0]["locations"][0]["physicalLocation"]["region"];
        // Before the image on line 12 of the fixture: 69 characters, all in the BMP (é), so 69
        // UTF-16 units; 70 bytes. 1-based start column 70, end 12 units later (exclusive).
        assert_eq!(
            *region,
            json!({"startLine": 12, "startColumn": 70, "endLine": 12, "endColumn": 82,
                   "byteOffset": 254, "byteLength": 12})
        );
    }

    #[test]
    fn results_point_into_the_rules_and_link_the_app_side() {
        let value = sarif(&sample_report());
        let run = &value["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
        let first = &run["results"][0];
        assert_eq!(first["level"], "error");
        assert_eq!(
            first["locations"][0]["physicalLocation"]["artifactLocation"],
            json!({"uri": "k8s/migrate.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(first["relatedLocations"][0]["id"], 1);
        assert_eq!(
            first["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "k8s/web.yaml"
        );
        assert!(
            first["message"]["text"]
                .as_str()
                .unwrap()
                .ends_with("(app side: [k8s/web.yaml:11](1))")
        );
        assert_eq!(
            first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "prod/Job/db-migrate/migrate"
        );
        assert_eq!(run["results"][1]["level"], "warning");
        assert!(run["results"][1].get("relatedLocations").is_none());
    }

    #[test]
    fn rule_descriptors_come_from_the_docs() {
        let value = sarif(&Report::default());
        let rules = value["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let mismatch = rules.iter().find(|r| r["id"] == "image-mismatch").unwrap();
        assert_eq!(mismatch["name"], "ImageMismatch");
        assert_eq!(mismatch["defaultConfiguration"]["level"], "error");
        assert!(
            mismatch["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .starts_with("This rule flags an admin process")
        );
        let markdown = mismatch["help"]["markdown"].as_str().unwrap();
        assert!(markdown.starts_with("## Run Admin Processes on the App's Image Release"));
        assert!(!markdown.contains("impactDescription"));
        assert!(markdown.contains("**Incorrect") && markdown.contains("```yaml"));
        let text = mismatch["help"]["text"].as_str().unwrap();
        assert!(markdown.starts_with(text) && !text.contains("**Incorrect"));
        assert!(
            text.contains("in `.adminlint.yaml` turns the rule off.")
                && text.ends_with("never applied by `--fix`."),
            "{text}"
        );
        assert!(
            mismatch["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("admin"))
        );
        assert!(
            mismatch["helpUri"]
                .as_str()
                .unwrap()
                .ends_with("/rules/image-mismatch.md")
        );
    }

    #[test]
    fn uris_are_encoded_and_absolute_paths_are_file_uris() {
        assert_eq!(
            percent_encode("k8s/my job#1 ☃.yaml"),
            "k8s/my%20job%231%20%E2%98%83.yaml"
        );
        assert_eq!(artifact("/tmp/a b.yaml").uri, "file:///tmp/a%20b.yaml");
        assert!(artifact("/tmp/a.yaml").uri_base_id.is_none());
        assert_eq!(artifact("C:/x/a.yaml").uri, "file:///C:/x/a.yaml");
        assert_eq!(artifact("a:b.yaml").uri, "a%3Ab.yaml");
    }

    #[test]
    fn brackets_in_messages_are_escaped_when_links_are_embedded() {
        let mut report = sample_report();
        report.diagnostics[0].message = "runs [x]".into();
        let value = sarif(&report);
        assert_eq!(
            value["runs"][0]["results"][0]["message"]["text"],
            "runs \\[x\\] (app side: [k8s/web.yaml:11](1))"
        );
        // Without links, text is left alone.
        report.diagnostics[1].message = "pip [extras]".into();
        let value = sarif(&report);
        assert_eq!(
            value["runs"][0]["results"][1]["message"]["text"],
            "pip [extras]"
        );
    }

    #[test]
    fn a_display_only_fix_is_described_but_not_offered_as_a_fix() {
        let mut report = sample_report();
        let value = sarif(&report);
        assert_eq!(
            value["runs"][0]["results"][0]["fixes"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(value["runs"][0]["results"][0]["properties"].is_null());
        let fix = report.diagnostics[0].fix.as_mut().unwrap();
        fix.applicability = crate::diagnostic::Applicability::DisplayOnly;
        let value = sarif(&report);
        let result = &value["runs"][0]["results"][0];
        assert!(result["fixes"].is_null(), "{result}");
        assert_eq!(
            result["properties"],
            json!({"displayOnlyFix": "Use `myapp:v1.2.3`"})
        );
    }

    #[test]
    fn unreadable_paths_are_execution_notifications() {
        let mut report = sample_report();
        report.errors.push(RunError::new(
            "k8s/missing.yaml".into(),
            "No such file or directory (os error 2)".into(),
        ));
        let value = sarif(&report);
        let invocation = &value["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"][0]["message"]["text"],
            "k8s/missing.yaml: No such file or directory (os error 2)"
        );
        let clean = sarif(&sample_report());
        assert_eq!(
            clean["runs"][0]["invocations"][0],
            json!({"executionSuccessful": true})
        );
    }
}
