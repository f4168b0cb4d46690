//! Code actions: a finding's own fix as a quick fix, and "suppress with a reason" for each finding.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit, WorkspaceEdit,
};

use super::diagnostics::{Locator, RuleDocs, finding};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::span::FileId;

/// The text a suppression comment starts with; the library's suppressions read the same words.
const SUPPRESSION: &str = "# adminlint: ignore";

/// What the user replaces with the reason.
const REASON_PLACEHOLDER: &str = "reason: …";

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
    // A quick fix is applied by the editor: a display-only fix is not offered.
    let fix = diagnostic
        .fix
        .as_ref()
        .filter(|fix| fix.applicability != Applicability::DisplayOnly)?;
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

/// Insert `# adminlint: ignore[rule] reason: …` on its own line above the flagged line, indented
/// like it, keeping the file's line ending.
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
        "{indent}{SUPPRESSION}[{}] {REASON_PLACEHOLDER}{newline}",
        diagnostic.rule
    );
    let uri = locator.uri(diagnostic.span.file)?;
    let edit = TextEdit::new(Range::new(start, start), comment);
    Some(CodeAction {
        title: format!(
            "Suppress {} on this line (add `{SUPPRESSION}[{}]` with a reason)",
            diagnostic.rule, diagnostic.rule
        ),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp_diagnostic]),
        edit: Some(WorkspaceEdit::new(HashMap::from([(uri, vec![edit])]))),
        is_preferred: Some(false),
        ..CodeAction::default()
    })
}
