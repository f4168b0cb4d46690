//! `--format json`: the stable, versioned JSON contract of DESIGN.md ("Output contract").

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Edit, Fix, ObjectRef, Related};
use crate::report::{Report, RunError};
use crate::span::Span;

/// Version of the JSON contract; bump it on any incompatible change.
const VERSION: u32 = 1;

// The structs below *are* the contract: serde writes fields in declaration order, so the key
// order of the output is fixed here and does not depend on the library's internal types.

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: JsonSummary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    documents: usize,
    workloads: usize,
    diagnostics: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    location: JsonLocation<'a>,
    related: Vec<JsonRelated<'a>>,
    object: Option<JsonObject<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    start: JsonPosition,
    end: JsonPosition,
}

#[derive(Serialize)]
struct JsonPosition {
    /// 1-based.
    line: usize,
    /// 1-based, in Unicode scalar values.
    column: usize,
    /// 0-based, in bytes.
    offset: usize,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    location: JsonLocation<'a>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: &'a str,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
    container: Option<&'a str>,
    /// Only present for findings in a kustomize overlay's rendering.
    #[serde(skip_serializing_if = "Option::is_none")]
    overlay: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    applicability: &'static str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    location: JsonLocation<'a>,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
    /// 1-based line and column, for errors with a place (configuration errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<JsonErrorPosition>,
}

#[derive(Serialize)]
struct JsonErrorPosition {
    line: usize,
    column: usize,
}

/// Write `report` as pretty-printed JSON (2-space indent) followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(&json_report(report))?;
    bytes.push(b'\n');
    out.write_all(&bytes)
}

fn json_report(report: &Report) -> JsonReport<'_> {
    let summary = report.summary;
    JsonReport {
        version: VERSION,
        summary: JsonSummary {
            files: summary.files,
            documents: summary.documents,
            workloads: summary.workloads,
            diagnostics: summary.diagnostics,
            suppressed: summary.suppressed,
        },
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| json_diagnostic(report, d))
            .collect(),
        errors: report.errors.iter().map(json_error).collect(),
    }
}

fn json_diagnostic<'a>(report: &'a Report, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        rule: diagnostic.rule,
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        help: diagnostic.help.as_deref(),
        location: location(report, diagnostic.span),
        related: diagnostic
            .related
            .iter()
            .map(|r| json_related(report, r))
            .collect(),
        object: diagnostic.object.as_ref().map(json_object),
        fix: diagnostic.fix.as_ref().map(|f| json_fix(report, f)),
    }
}

fn location(report: &Report, span: Span) -> JsonLocation<'_> {
    let file = report.file(span.file);
    let position = |offset: usize| {
        let p = file.position(offset);
        JsonPosition {
            line: p.line,
            column: p.column,
            offset: p.offset,
        }
    };
    JsonLocation {
        path: &file.display,
        start: position(span.start as usize),
        end: position(span.end as usize),
    }
}

fn json_related<'a>(report: &'a Report, related: &'a Related) -> JsonRelated<'a> {
    JsonRelated {
        message: &related.message,
        location: location(report, related.span),
    }
}

fn json_object(object: &ObjectRef) -> JsonObject<'_> {
    JsonObject {
        kind: &object.kind,
        name: object.name.as_deref(),
        namespace: object.namespace.as_deref(),
        container: object.container.as_deref(),
        overlay: object.overlay.as_deref(),
    }
}

fn json_fix<'a>(report: &'a Report, fix: &'a Fix) -> JsonFix<'a> {
    JsonFix {
        message: &fix.message,
        applicability: fix.applicability.as_str(),
        edits: fix.edits.iter().map(|e| json_edit(report, e)).collect(),
    }
}

fn json_edit<'a>(report: &'a Report, edit: &'a Edit) -> JsonEdit<'a> {
    JsonEdit {
        location: location(report, edit.span),
        content: &edit.content,
    }
}

fn json_error(error: &RunError) -> JsonError<'_> {
    JsonError {
        path: &error.path,
        message: &error.message,
        position: error
            .position
            .map(|(line, column)| JsonErrorPosition { line, column }),
    }
}

/// A hand-built report shared by the tests of all renderers.
#[cfg(test)]
pub(super) mod fixture {
    use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, ObjectRef, Severity};
    use crate::report::{Report, Summary};
    use crate::source::{SourceFile, Text};
    use crate::span::{FileId, Span};

    /// The admin side: a Job whose image line has non-ASCII text before the image on the same
    /// line (and a non-ASCII comment above), so bytes, characters and columns all differ.
    pub const MIGRATE: &str = "\
# Migración de la base de datos
apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  namespace: prod
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: migrate, env: [{name: NOTE, value: \"café\"}], image: myapp:v1.2.0,
           command: [\"sh\", \"-c\", \"pip install -r requirements.txt && ./manage.py migrate\"]}
";

    /// The app side.
    pub const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      containers:
        - name: web
          image: myapp:v1.2.3
";

    /// Span of the first occurrence of `needle` in `text`.
    pub fn span_of(file: u32, text: &str, needle: &str) -> Span {
        let start = text.find(needle).expect("needle in fixture");
        Span::new(FileId(file), start, start + needle.len())
    }

    /// Two files, an image-mismatch error with everything set and an adhoc-install warning
    /// with nothing but help.
    pub fn sample_report() -> Report {
        let files = vec![
            SourceFile::new(
                FileId(0),
                None,
                "k8s/migrate.yaml".into(),
                Text::new(MIGRATE.into()),
            ),
            SourceFile::new(
                FileId(1),
                None,
                "k8s/web.yaml".into(),
                Text::new(WEB.into()),
            ),
        ];
        let admin_image = span_of(0, MIGRATE, "myapp:v1.2.0");
        let app_image = span_of(1, WEB, "myapp:v1.2.3");
        let mismatch = Diagnostic::new(
            "image-mismatch",
            Severity::Error,
            "Job `db-migrate` runs myapp:v1.2.0 but the app runs myapp:v1.2.3".into(),
            admin_image,
        )
        .with_help("run the admin process from the app's release: use image `myapp:v1.2.3`")
        .with_label("admin image")
        .with_related("Deployment `web` runs myapp:v1.2.3", app_image)
        .with_object(Some(ObjectRef {
            kind: "Job".into(),
            name: Some("db-migrate".into()),
            namespace: Some("prod".into()),
            container: Some("migrate".into()),
            overlay: None,
        }))
        .with_fix(Fix {
            message: "Use `myapp:v1.2.3`".into(),
            applicability: Applicability::Unsafe,
            edits: vec![Edit {
                span: admin_image,
                content: "myapp:v1.2.3".into(),
            }],
        });
        let mut install = Diagnostic::new(
            "adhoc-install",
            Severity::Warning,
            "Job `db-migrate` installs packages at run time with `pip install`".into(),
            span_of(0, MIGRATE, "pip install -r requirements.txt"),
        )
        .with_help("install dependencies in the image build, as the app does");
        install.identity = "pip".into();
        let mut mismatch = mismatch;
        mismatch.identity = "myapp:v1.2.0\u{1f}myapp:v1.2.3".into();
        Report {
            files,
            diagnostics: vec![mismatch, install],
            errors: Vec::new(),
            notes: Vec::new(),
            gaps: Vec::new(),
            fail_level: None,
            explanation: None,
            links: Vec::new(),
            summary: Summary {
                files: 2,
                documents: 2,
                workloads: 2,
                diagnostics: 2,
                suppressed: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::sample_report;
    use super::*;
    use crate::report::RunError;

    fn render_to_string(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_to_string(&sample_report()));
    }

    #[test]
    fn positions_are_one_based_characters_and_zero_based_bytes() {
        let value: serde_json::Value =
            serde_json::from_str(&render_to_string(&sample_report())).unwrap();
        let location = &value["diagnostics"][0]["location"];
        assert_eq!(location["path"], "k8s/migrate.yaml");
        // Line 1 is "# Migración de la base de datos\n": 31 characters + newline, 33 bytes (ó
        // is 2). Lines 2-11 are ASCII: 21+10+10+19+18+6+12+10+27+18 = 151 bytes, so line 12
        // starts at byte 184. Before the image on line 12,
        // `        - {name: migrate, env: [{name: NOTE, value: "café"}], image: ` is 69
        // characters, 70 bytes (é). So the image starts at column 70, byte 184 + 70 = 254, and
        // ends 12 characters / bytes later (the end is exclusive).
        assert_eq!(
            location["start"],
            serde_json::json!({"line": 12, "column": 70, "offset": 254})
        );
        assert_eq!(
            location["end"],
            serde_json::json!({"line": 12, "column": 82, "offset": 266})
        );
        // The app side: lines 1-10 of web.yaml are 20+17+10+12+18+6+12+10+18+20 = 143 bytes,
        // and `          image: ` is 17 characters.
        let related = &value["diagnostics"][0]["related"][0]["location"];
        assert_eq!(related["path"], "k8s/web.yaml");
        assert_eq!(
            related["start"],
            serde_json::json!({"line": 11, "column": 18, "offset": 160})
        );
        let edit = &value["diagnostics"][0]["fix"]["edits"][0];
        assert_eq!(edit["location"]["start"]["offset"], 254);
        assert_eq!(edit["content"], "myapp:v1.2.3");
    }

    #[test]
    fn keys_keep_the_contract_order() {
        let mut report = sample_report();
        report.errors.push(RunError::new(
            "k8s/missing.yaml".into(),
            "No such file or directory (os error 2)".into(),
        ));
        let text = render_to_string(&report);
        let at = |key: &str| text.find(&format!("\n  \"{key}\": ")).unwrap();
        assert!(text.starts_with("{\n  \"version\": 1,\n"));
        assert!(at("version") < at("summary"));
        assert!(at("summary") < at("diagnostics"));
        assert!(at("diagnostics") < at("errors"));
        assert!(text.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["errors"],
            serde_json::json!([{"path": "k8s/missing.yaml",
                                "message": "No such file or directory (os error 2)"}])
        );
        let second = &value["diagnostics"][1];
        assert_eq!(second["severity"], "warning");
        assert_eq!(second["related"], serde_json::json!([]));
        assert!(second["object"].is_null());
        assert!(second["fix"].is_null());
    }

    #[test]
    fn a_display_only_fix_is_shown_with_its_applicability() {
        let mut report = sample_report();
        let fix = report.diagnostics[0].fix.as_mut().unwrap();
        fix.applicability = crate::diagnostic::Applicability::DisplayOnly;
        let value: serde_json::Value = serde_json::from_str(&render_to_string(&report)).unwrap();
        let fix = &value["diagnostics"][0]["fix"];
        assert_eq!(fix["applicability"], "display-only");
        assert_eq!(fix["message"], "Use `myapp:v1.2.3`");
        assert_eq!(fix["edits"][0]["content"], "myapp:v1.2.3");
    }

    #[test]
    fn empty_report() {
        let text = render_to_string(&Report::default());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["diagnostics"], serde_json::json!([]));
        assert_eq!(value["errors"], serde_json::json!([]));
        assert_eq!(value["summary"]["files"], 0);
    }
}
