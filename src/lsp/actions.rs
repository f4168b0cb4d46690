//! Code actions: a finding's own fix as a quick fix, and "suppress with a reason" for each finding.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionDisabled, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit,
    WorkspaceEdit,
};

use super::diagnostics::{Locator, RuleDocs, finding};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::span::FileId;
use crate::suppress;

/// The actions for the findings of `file` whose range touches `requested`.
pub fn actions(
    locator: &Locator<'_>,
    docs: &RuleDocs,
    file: FileId,
    requested: Range,
) -> Vec<CodeActionOrCommand> {
    let mut fixes = Vec::new();
    let mut suppressions = Vec::new();
    let mut suppressed_lines: Vec<(&str, u32)> = Vec::new();
    for diagnostic in locator.report.diagnostics.iter() {
        if diagnostic.span.file != file {
            continue;
        }
        let range = locator.range(diagnostic.span);
        if range.start > requested.end || requested.start > range.end {
            continue;
        }
        let lsp_diagnostic = finding(locator, docs, diagnostic);
        if let Some(action) = fix_action(locator, diagnostic, &lsp_diagnostic) {
            fixes.push(action);
        }
        // A syntax error is fixed, not silenced.
        let key = (diagnostic.rule, range.start.line);
        if diagnostic.rule != "syntax-error" && !suppressed_lines.contains(&key) {
            suppressed_lines.push(key);
            if let Some(action) = suppress_action(locator, diagnostic, lsp_diagnostic) {
                suppressions.push(action);
            }
        }
    }
    fixes
        .into_iter()
        .chain(suppressions)
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

fn fix_action(
    locator: &Locator<'_>,
    diagnostic: &Diagnostic,
    lsp_diagnostic: &lsp_types::Diagnostic,
) -> Option<CodeAction> {
    let fix = diagnostic.fix.as_ref()?;
    if !fix.applicability.is_applicable() {
        // Shown in the menu, greyed out with the reason: the editor never applies it.
        return Some(CodeAction {
            title: fix.message.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![lsp_diagnostic.clone()]),
            disabled: Some(CodeActionDisabled {
                reason: "a suggestion to make by hand: adminlint does not apply it".into(),
            }),
            is_preferred: Some(false),
            ..CodeAction::default()
        });
    }
    let mut changes: HashMap<_, Vec<TextEdit>> = HashMap::new();
    for edit in &fix.edits {
        changes
            .entry(locator.uri(edit.span.file)?)
            .or_default()
            .push(TextEdit::new(
                locator.range(edit.span),
                edit.content.clone(),
            ));
    }
    Some(CodeAction {
        title: fix.message.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp_diagnostic.clone()]),
        edit: Some(WorkspaceEdit::new(changes)),
        is_preferred: Some(fix.applicability == Applicability::Safe),
        ..CodeAction::default()
    })
}

/// Insert the suppression comment with the reason placeholder ([`suppress::format_comment`]) on
/// its own line above the flagged line, indented like it, keeping the file's line ending.
fn suppress_action(
    locator: &Locator<'_>,
    diagnostic: &Diagnostic,
    lsp_diagnostic: lsp_types::Diagnostic,
) -> Option<CodeAction> {
    let file = locator.report.file(diagnostic.span.file);
    let at = file.position(diagnostic.span.start as usize);
    let line = file.line_text(at.line);
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let line_end = file.line_start(at.line) + line.len();
    let newline = if file.text[line_end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let start = Position::new(lsp_diagnostic.range.start.line, 0);
    let comment = format!(
        "{indent}{}{newline}",
        suppress::format_comment(&[diagnostic.rule], None)
    );
    let uri = locator.uri(diagnostic.span.file)?;
    let edit = TextEdit::new(Range::new(start, start), comment);
    Some(CodeAction {
        title: format!(
            "Suppress {} on this line (add `{}` with a reason)",
            diagnostic.rule,
            suppress::format_directive(&[diagnostic.rule])
        ),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp_diagnostic]),
        edit: Some(WorkspaceEdit::new(HashMap::from([(uri, vec![edit])]))),
        is_preferred: Some(false),
        ..CodeAction::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix, Severity};
    use crate::lsp::documents::Documents;
    use crate::lsp::position::Encoding;
    use crate::report::Report;
    use crate::source::{SourceFile, Text};
    use crate::span::Span;

    /// The code actions for one finding on `image: app:1.0` whose fix has `applicability`.
    fn actions_for(applicability: Applicability) -> Vec<CodeAction> {
        let text = "image: app:1.0\n";
        let path = std::env::temp_dir().join("adminlint-actions-test.yaml");
        let image = Span::new(FileId(0), 7, 14);
        let diagnostic = Diagnostic::new(
            "image-mismatch",
            Severity::Error,
            "runs app:1.0".into(),
            image,
        )
        .with_fix(Fix {
            message: "Use `app:2.0`".into(),
            applicability,
            edits: vec![Edit {
                span: image,
                content: "app:2.0".into(),
            }],
        });
        let report = Report {
            files: vec![SourceFile::new(
                FileId(0),
                Some(path),
                "a.yaml".into(),
                Text::new(text.into()),
            )],
            diagnostics: vec![diagnostic],
            ..Report::default()
        };
        let documents = Documents::default();
        let locator = Locator {
            report: &report,
            documents: &documents,
            encoding: Encoding::Utf16,
        };
        let everything = Range::new(Position::new(0, 0), Position::new(1, 0));
        actions(
            &locator,
            &RuleDocs::write_under(None),
            FileId(0),
            everything,
        )
        .into_iter()
        .map(|action| match action {
            CodeActionOrCommand::CodeAction(action) => action,
            CodeActionOrCommand::Command(_) => unreachable!("actions are code actions"),
        })
        .collect()
    }

    #[test]
    fn a_display_only_fix_is_offered_disabled_and_without_an_edit() {
        let applicable = actions_for(Applicability::Safe);
        assert_eq!(applicable[0].title, "Use `app:2.0`");
        assert!(applicable[0].edit.is_some() && applicable[0].disabled.is_none());
        let shown = actions_for(Applicability::DisplayOnly);
        assert_eq!(shown[0].title, "Use `app:2.0`");
        assert!(shown[0].edit.is_none());
        assert!(shown[0].disabled.is_some());
        assert_eq!(shown[0].is_preferred, Some(false));
        // The suppression action is still offered, with the suppress module's text.
        let edit = shown[1].edit.as_ref().unwrap().changes.as_ref().unwrap();
        let inserted: Vec<&str> = edit
            .values()
            .flatten()
            .map(|e| e.new_text.as_str())
            .collect();
        assert_eq!(
            inserted,
            ["# adminlint: ignore[image-mismatch] reason: …\n"]
        );
    }
}
