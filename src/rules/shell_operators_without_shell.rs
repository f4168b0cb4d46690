//! shell-operators-without-shell: a Compose `command` / `entrypoint` string with `&&`, `||`,
//! `;`, `|` or `>`, which Compose splits into words and passes as arguments: there is no shell.

use super::helpers::who;
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::command;
use crate::model::project::{ContainerRef, Project};

pub const RULE: Rule = Rule {
    id: "shell-operators-without-shell",
    severity: Severity::Warning,
    summary: "a Compose command string uses `&&`, `|`, `;` or `>`, which Compose passes as arguments because no shell runs it",
    doc: include_str!("../../rules/shell-operators-without-shell.md"),
    check: Check::Project(check),
    fix: FixAvailability::Sometimes,
};

/// A Compose command string with a shell operator but no shell to run it.
struct ShellOperatorsWithoutShell {
    /// The service.
    service: String,
    /// `command` or `entrypoint`.
    key: String,
    /// The operator found (`&&`, `>`, …).
    operator: String,
    /// The program Compose runs.
    program: String,
    /// The exec-form replacement that runs the string with a shell.
    replacement: String,
}

impl Violation for ShellOperatorsWithoutShell {
    fn message(&self) -> String {
        format!(
            "{} `{}` uses `{}`, but Compose splits the string into words without a shell, so `{}` gets `{}` as an argument",
            self.service, self.key, self.operator, self.program, self.operator
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("`{}` is not a shell operator here", self.operator))
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "run it through a shell: `{}: {}` (or split the steps into separate services)",
            self.key, self.replacement
        ))
    }

    fn fix_title(&self) -> Option<String> {
        Some("Run the string with `/bin/sh -c`".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![
            self.key.clone(),
            self.operator.clone(),
            self.program.clone(),
        ]
    }
}

/// The first word of `text` that a shell would read as an operator or a redirection, when it
/// is not quoted: `&&`, `||`, `|`, `;` (also at the end of a word followed by more words),
/// `>`, `>>`, `<`, `2>&1`, `>file`.
fn shell_operator(text: &str) -> Option<String> {
    let words = command::lexer::plain_words(text);
    for (
        index,
        command::lexer::Word {
            text: word, quoted, ..
        },
    ) in words.iter().enumerate()
    {
        if *quoted {
            continue;
        }
        let operator = matches!(
            word.as_str(),
            "&&" | "||" | "|" | "|&" | ";" | ";;" | "&" | "<" | "<<"
        ) || word.starts_with('>')
            || word.starts_with("2>")
            || word.starts_with("1>")
            || word.starts_with("&>");
        if operator {
            return Some(word.clone());
        }
        if word.len() > 1 && word.ends_with(';') && index + 1 < words.len() {
            return Some(";".into());
        }
    }
    None
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        let Some(compose) = &workload.compose else {
            continue;
        };
        let at = ContainerRef {
            workload: index,
            container: 0,
        };
        for string in &compose.command_strings {
            let Some(operator) = shell_operator(&string.text) else {
                continue;
            };
            let script = serde_json::to_string(&string.text).unwrap_or_default();
            let violation = ShellOperatorsWithoutShell {
                service: who(project, at),
                key: string.key.to_string(),
                operator,
                program: command::split_words(&string.text)
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
                replacement: format!("[\"/bin/sh\", \"-c\", {script}]"),
            };
            let reported = sink
                .report(&violation, string.span)
                .object(workload, workload.containers.first());
            // A block scalar's span starts after its `|` / `>` header: no edit can replace it.
            if !string.block {
                reported.fix(
                    Applicability::Unsafe,
                    vec![Edit {
                        span: string.span,
                        content: violation.replacement.clone(),
                    }],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shell_operator;

    #[test]
    fn operators_outside_quotes() {
        let cases = [
            ("kong migrations up && kong migrations finish", Some("&&")),
            ("a || b", Some("||")),
            ("cat x | grep y", Some("|")),
            ("echo hi; ls", Some(";")),
            ("echo hi ; ls", Some(";")),
            ("run > /tmp/log", Some(">")),
            ("run >/tmp/log", Some(">/tmp/log")),
            ("run 2>&1", Some("2>&1")),
            ("sh -c \"a && b\"", None),
            ("bash -c 'x; y'", None),
            ("psql -c \"ALTER SYSTEM SET a = on;\"", None),
            ("sql --insecure -e 'CREATE DATABASE x;'", None),
            ("echo '&&'", None),
            ("echo \\&\\&", None),
            ("--dsn=a;b=c", None),
            ("serve --port 80", None),
        ];
        for (text, expected) in cases {
            assert_eq!(shell_operator(text).as_deref(), expected, "{text}");
        }
    }
}
