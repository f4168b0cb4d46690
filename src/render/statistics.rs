//! `--statistics`: how many findings each rule has, most first, instead of the findings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::report::Report;
use crate::rules;

/// One line per rule with findings: count, rule id, the severity its findings have (`mixed`
/// when they differ), `[*]` when some carry a safe fix (what `--fix` applies), and the rule's
/// summary.
/// Then the summary line, unless `quiet`.
pub fn render(report: &Report, quiet: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut per_rule: BTreeMap<&str, (usize, Option<&str>, bool)> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        let entry = per_rule.entry(diagnostic.rule).or_insert((0, None, false));
        entry.0 += 1;
        let severity = diagnostic.severity.as_str();
        entry.1 = match entry.1 {
            None => Some(severity),
            Some(seen) if seen == severity => Some(seen),
            Some(_) => Some("mixed"),
        };
        entry.2 |= diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == crate::diagnostic::Applicability::Safe);
    }
    let mut rows: Vec<_> = per_rule.into_iter().collect();
    // Most findings first; ties in rule id order (the map's order, kept by a stable sort).
    rows.sort_by_key(|(_, (count, _, _))| std::cmp::Reverse(*count));
    let count_width = rows
        .iter()
        .map(|(_, (count, _, _))| count.to_string().len())
        .max()
        .unwrap_or(1);
    let id_width = rows.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    for (id, (count, severity, fixable)) in &rows {
        let summary = rules::find(id).map_or("", |rule| rule.summary);
        let fixable = if *fixable { "[*]" } else { "   " };
        writeln!(
            out,
            "{count:>count_width$}  {id:id_width$}  {:7}  {fixable} {summary}",
            severity.unwrap_or("")
        )?;
    }
    if !quiet {
        writeln!(out, "{}", super::concise::summary_line(report))?;
    }
    Ok(())
}
