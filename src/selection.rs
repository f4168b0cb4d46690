//! Which rules run, chosen on the command line (`--select`, `--extend-select`, `--ignore`) by
//! rule id, group or `all`, and folded into the configuration's rule levels.

use std::collections::BTreeMap;

use crate::config::RuleLevel;
use crate::rules::RULES;

/// Rule groups: name, what they are about, their rule ids. Every rule is in exactly one.
pub const GROUPS: &[(&str, &str, &[&str])] = &[
    (
        "release",
        "which image and tag the admin runs",
        &[
            "admin-outside-release",
            "image-invalid",
            "image-mismatch",
            "image-unpinned",
            "release-drift",
        ],
    ),
    (
        "config",
        "the ConfigMaps, Secrets and env files the admin reads",
        &["config-divergent", "config-missing"],
    ),
    (
        "command",
        "what the admin's command runs and how",
        &[
            "adhoc-install",
            "shell-operators-without-shell",
            "versioned-path",
            "wrapper-missing",
        ],
    ),
    (
        "ordering",
        "when and how the admin runs: hook phases, retries, names, waiting",
        &[
            "admin-not-awaited",
            "hook-phase",
            "immutable-job",
            "job-name-mismatch",
            "job-retries",
        ],
    ),
    (
        "manifest",
        "files that cannot be read as written",
        &[
            "syntax-error",
            "template-error",
            "unresolved-reference",
            "yaml-boolean-value",
        ],
    ),
    (
        "suppression",
        "suppressions and directives themselves",
        &[
            "invalid-directive",
            "suppression-without-reason",
            "unused-suppression",
        ],
    ),
];

/// A name on the command line that is no rule id, group or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a rule or group (groups: {groups}, all; `adminlint rules` lists the rule ids)",
    groups = GROUPS.iter().map(|g| g.0).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownSelector(pub String);

/// The rules the command line selects; empty selects nothing new and ignores nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `--select`: only these rules run (None: every rule the configuration leaves on).
    select: Option<Vec<&'static str>>,
    /// `--extend-select`: these run too.
    extend: Vec<&'static str>,
    /// `--ignore`: these never run.
    ignore: Vec<&'static str>,
}

/// The rule ids a name stands for: a rule id, a group, or `all`.
fn expand(name: &str) -> Result<Vec<&'static str>, UnknownSelector> {
    let name = name.trim();
    if name == "all" {
        return Ok(RULES.iter().map(|rule| rule.id).collect());
    }
    if let Some(rule) = RULES.iter().find(|rule| rule.id == name) {
        return Ok(vec![rule.id]);
    }
    if let Some((_, _, ids)) = GROUPS.iter().find(|group| group.0 == name) {
        return Ok(ids.to_vec());
    }
    Err(UnknownSelector(name.to_string()))
}

/// Every id the names stand for (each name may itself be a comma-separated list).
fn expand_all(names: &[String]) -> Result<Vec<&'static str>, UnknownSelector> {
    let mut out = Vec::new();
    for name in names.iter().flat_map(|n| n.split(',')) {
        if !name.trim().is_empty() {
            out.extend(expand(name)?);
        }
    }
    Ok(out)
}

impl Selection {
    /// Read the three options; `select` empty means the option was not given.
    pub fn parse(
        select: &[String],
        extend: &[String],
        ignore: &[String],
    ) -> Result<Selection, UnknownSelector> {
        Ok(Selection {
            select: if select.is_empty() {
                None
            } else {
                Some(expand_all(select)?)
            },
            extend: expand_all(extend)?,
            ignore: expand_all(ignore)?,
        })
    }

    /// Fold the selection into the configuration's levels: a rule not selected, or ignored,
    /// is `off`; a rule the command line names (by id or group) runs even where the
    /// configuration turned it off, at its default level. `--ignore` wins over both selects.
    pub fn apply(&self, levels: &mut BTreeMap<String, RuleLevel>) {
        let named =
            |id: &str| self.select.iter().flatten().any(|s| *s == id) || self.extend.contains(&id);
        for rule in RULES {
            let selected = self.select.is_none() || named(rule.id);
            if !selected || self.ignore.contains(&rule.id) {
                levels.insert(rule.id.to_string(), RuleLevel::Off);
            } else if named(rule.id) && levels.get(rule.id) == Some(&RuleLevel::Off) {
                levels.remove(rule.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// The rules left on after applying a selection to `levels`.
    fn running(selection: &Selection, mut levels: BTreeMap<String, RuleLevel>) -> Vec<&str> {
        selection.apply(&mut levels);
        RULES
            .iter()
            .map(|rule| rule.id)
            .filter(|id| levels.get(*id) != Some(&RuleLevel::Off))
            .collect()
    }

    #[test]
    fn every_rule_is_in_exactly_one_group() {
        for rule in RULES {
            let groups: Vec<&str> = GROUPS
                .iter()
                .filter(|g| g.2.contains(&rule.id))
                .map(|g| g.0)
                .collect();
            assert_eq!(groups.len(), 1, "{} is in groups {groups:?}", rule.id);
        }
        for (_, _, ids) in GROUPS {
            for id in *ids {
                assert!(crate::rules::find(id).is_some(), "group names {id}");
            }
        }
    }

    #[test]
    fn select_extend_and_ignore_by_id_group_and_all() {
        let none = Selection::default();
        assert_eq!(running(&none, BTreeMap::new()).len(), RULES.len());
        let select = Selection::parse(&strings(&["config,image-mismatch"]), &[], &[]).unwrap();
        assert_eq!(
            running(&select, BTreeMap::new()),
            ["config-divergent", "config-missing", "image-mismatch"]
        );
        let extended = Selection::parse(
            &strings(&["config"]),
            &strings(&["manifest"]),
            &strings(&["config-divergent", "yaml-boolean-value"]),
        )
        .unwrap();
        assert_eq!(
            running(&extended, BTreeMap::new()),
            [
                "config-missing",
                "syntax-error",
                "template-error",
                "unresolved-reference"
            ]
        );
        let all_but =
            Selection::parse(&strings(&["all"]), &[], &strings(&["suppression"])).unwrap();
        assert_eq!(running(&all_but, BTreeMap::new()).len(), RULES.len() - 3);
    }

    #[test]
    fn the_command_line_turns_on_what_it_names_and_the_configuration_keeps_the_rest() {
        let mut levels = BTreeMap::new();
        levels.insert("image-unpinned".to_string(), RuleLevel::Off);
        levels.insert("config-missing".to_string(), RuleLevel::Off);
        let extend = Selection::parse(&[], &strings(&["image-unpinned"]), &[]).unwrap();
        let on = running(&extend, levels.clone());
        assert!(on.contains(&"image-unpinned"));
        assert!(!on.contains(&"config-missing"));
        let mut applied = levels;
        Selection::parse(&[], &[], &strings(&["image-mismatch"]))
            .unwrap()
            .apply(&mut applied);
        assert_eq!(applied["image-mismatch"], RuleLevel::Off);
    }

    #[test]
    fn an_unknown_name_is_an_error_that_lists_the_groups() {
        let error = Selection::parse(&strings(&["image-missmatch"]), &[], &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`image-missmatch` is not a rule or group (groups: release, config, command, ordering, manifest, suppression, all; `adminlint rules` lists the rule ids)"
        );
    }
}
