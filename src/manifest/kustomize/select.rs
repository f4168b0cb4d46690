//! Which workloads a kustomize patch applies to: its `target:` selector, or (a strategic-merge
//! patch without one) the kind, name and namespace the patch document itself names.

use crate::model::workload::Workload;
use crate::origin::Spanned;

use super::patch::{Target, Value};

/// A workload copy as a patch sees it: its facts, and the names and namespaces it had before
/// the transformers already applied (kustomize matches a patch against any of them).
pub struct Candidate<'a> {
    /// The copy.
    pub workload: &'a Workload,
    /// Every name it had, the current one last.
    pub names: &'a [String],
    /// Every namespace it had ("" for none), the current one last.
    pub namespaces: &'a [String],
}

/// (group, version) of an `apiVersion`: the core group is "".
fn group_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

thread_local! {
    /// Compiled target patterns: a pattern is matched against every copy of every rendering,
    /// and compiling it each time would make a patch with many targets quadratic in cost.
    static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Result<regex_lite::Regex, String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// A regular expression matched against the whole value, as kustomize anchors target names.
pub(super) fn full_match(pattern: &str, value: &str) -> Result<bool, String> {
    // Most targets name one object literally: compared as text, a patch bomb of thousands of
    // targets over thousands of objects costs no regex lookups.
    if !pattern.contains(|c: char| "\\.+*?()|[]{}^$".contains(c)) {
        return Ok(pattern == value);
    }
    COMPILED.with(|compiled| {
        let mut compiled = compiled.borrow_mut();
        let regex = compiled.entry(pattern.to_string()).or_insert_with(|| {
            regex_lite::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                format!("`{pattern}` is not a regular expression adminlint reads ({e})")
            })
        });
        regex
            .as_ref()
            .map(|re| re.is_match(value))
            .map_err(Clone::clone)
    })
}

impl Candidate<'_> {
    /// True when the `target:` selects this workload; Err when the selector cannot be read.
    pub fn selected_by(&self, target: &Target) -> Result<bool, String> {
        let workload = self.workload;
        let (group, version) = group_version(workload.api_version.as_deref().unwrap_or_default());
        let same =
            |wanted: &Option<String>, have: &str| wanted.as_deref().is_none_or(|w| w == have);
        if !same(&target.group, group)
            || !same(&target.version, version)
            || !same(&target.kind, &workload.kind)
        {
            return Ok(false);
        }
        if let Some(pattern) = &target.name {
            let mut any = false;
            for name in self.names {
                any |= full_match(pattern, name)?;
            }
            if !any {
                return Ok(false);
            }
        }
        if let Some(pattern) = &target.namespace {
            let mut any = false;
            for namespace in self.namespaces {
                any |= full_match(pattern, namespace)?;
            }
            if !any {
                return Ok(false);
            }
        }
        for (selector, map) in [
            (&target.label_selector, &workload.labels),
            (&target.annotation_selector, &workload.annotations),
        ] {
            if let Some(selector) = selector
                && !selector_matches(selector, map)?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// True when a strategic-merge patch without `target:` names this workload: same kind and
    /// group, one of its names, one of its namespaces (none in the patch: no namespace).
    pub fn named_by(&self, patch: &Value) -> bool {
        let workload = self.workload;
        let text = |keys: &[&str]| patch.path(keys).and_then(Value::str).unwrap_or_default();
        let (group, _) = group_version(text(&["apiVersion"]));
        let (own_group, _) = group_version(workload.api_version.as_deref().unwrap_or_default());
        let namespace = text(&["metadata", "namespace"]);
        text(&["kind"]) == workload.kind
            && group == own_group
            && self.names.iter().any(|n| n == text(&["metadata", "name"]))
            && self.namespaces.iter().any(|n| n == namespace)
    }
}

/// A Kubernetes label selector (`a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`,
/// `a notin (x)`) against labels or annotations.
fn selector_matches(selector: &str, map: &[(String, Spanned<String>)]) -> Result<bool, String> {
    let value = |key: &str| {
        map.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.value.as_str())
    };
    for requirement in split_requirements(selector) {
        let requirement = requirement.trim();
        if requirement.is_empty() {
            continue;
        }
        let matched = if let Some((key, set)) = requirement.split_once(" notin ") {
            let set = set_of(set)?;
            value(key.trim()).is_none_or(|v| !set.contains(&v))
        } else if let Some((key, set)) = requirement.split_once(" in ") {
            let set = set_of(set)?;
            value(key.trim()).is_some_and(|v| set.contains(&v))
        } else if let Some((key, wanted)) = requirement.split_once("!=") {
            value(key.trim()) != Some(wanted.trim())
        } else if let Some((key, wanted)) = requirement
            .split_once("==")
            .or_else(|| requirement.split_once('='))
        {
            value(key.trim()) == Some(wanted.trim())
        } else if let Some(key) = requirement.strip_prefix('!') {
            value(key.trim()).is_none()
        } else {
            value(requirement).is_some()
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Requirements split at commas outside parentheses.
fn split_requirements(selector: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&selector[start..]);
    out
}

fn set_of(text: &str) -> Result<Vec<&str>, String> {
    let inner = text
        .trim()
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("the selector set `{text}` is not read by adminlint"))?;
    Ok(inner.split(',').map(str::trim).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{FileId, Span};

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, Spanned<String>)> {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Spanned::new(v.to_string(), Span::new(FileId(0), 0, 0)),
                )
            })
            .collect()
    }

    #[test]
    fn label_selectors_read_equality_sets_and_existence() {
        let map = labels(&[("app", "shop"), ("tier", "jobs")]);
        for (selector, expected) in [
            ("app=shop", true),
            ("app==shop,tier=jobs", true),
            ("app!=shop", false),
            ("tier in (jobs, web)", true),
            ("tier notin (jobs)", false),
            ("app", true),
            ("!app", false),
            ("missing!=x", true),
        ] {
            assert_eq!(selector_matches(selector, &map), Ok(expected), "{selector}");
        }
    }

    #[test]
    fn target_names_are_regular_expressions_over_the_whole_name() {
        assert_eq!(full_match("mig", "b-migrate"), Ok(false));
        assert_eq!(full_match("b-mig.*", "b-migrate"), Ok(true));
        assert_eq!(full_match("(web|migrate)", "migrate"), Ok(true));
        assert!(full_match("(", "x").is_err());
    }
}
