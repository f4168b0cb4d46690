//! A cheap guess at whether a file the walk skipped holds Kubernetes or Compose documents,
//! from its first bytes and without parsing: `apiVersion:` and `kind:` keys at the top level,
//! or a top-level `services:` mapping; in JSON, `"apiVersion"` and `"kind"`.

/// How much of a file is looked at.
pub const SNIFF_BYTES: u64 = 16 * 1024;

/// True when `text` (the start of a file) looks like a Kubernetes object or a Compose file.
pub fn looks_like_manifest(text: &str) -> bool {
    let top_level = |key: &str| {
        text.lines().any(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
        })
    };
    if top_level("apiVersion") && top_level("kind") {
        return true;
    }
    if text.contains("\"apiVersion\"") && text.contains("\"kind\"") {
        return true;
    }
    compose_services(text)
}

/// A top-level `services:` whose first entry is an indented `name:` key: a Compose service
/// map, not GitLab CI's `services:` list of images.
fn compose_services(text: &str) -> bool {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_end() != "services:" {
            continue;
        }
        let next = lines
            .by_ref()
            .map(str::trim_end)
            .find(|l| !l.trim_start().is_empty() && !l.trim_start().starts_with('#'));
        return next.is_some_and(|entry| {
            let key = entry.trim_start();
            entry.len() > key.len() && !key.starts_with('-') && key.ends_with(':')
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_compose_and_json_manifests_are_told_from_other_yaml() {
        assert!(looks_like_manifest(
            "{{- if .Values.job }}\napiVersion: batch/v1\nkind: Job\n"
        ));
        assert!(looks_like_manifest(
            "# c\nservices:\n\n  # the app\n  web:\n    image: shop\n"
        ));
        assert!(looks_like_manifest(
            "{\n  \"kind\": \"Template\",\n  \"apiVersion\": \"template.openshift.io/v1\"\n}"
        ));
        // Nested keys, GitLab CI's service list, a workflow: not manifests.
        assert!(!looks_like_manifest("spec:\n  apiVersion: v1\n  kind: X\n"));
        assert!(!looks_like_manifest("services:\n  - postgres:15\n"));
        assert!(!looks_like_manifest(
            "on: push\njobs:\n  test:\n    services:\n      db:\n        image: x\n"
        ));
        assert!(!looks_like_manifest("apiVersionX: 1\nkind: Job\n"));
    }
}
