//! Provenance end to end: related locations derived from the steps a fact went through
//! (kustomize `images:` entries, YAML anchors, Compose `.env` variables, `include:` entries and
//! override files) and fixes aimed through them.

use std::path::Path;

use adminlint::render::Format;

mod common;

fn rendered(paths: &[&Path], format: Format) -> String {
    common::rendered(format, &common::check_paths(paths))
}

fn json(paths: &[&Path]) -> serde_json::Value {
    serde_json::from_str(&rendered(paths, Format::Json)).unwrap()
}

fn only(value: &serde_json::Value, rule: &str) -> serde_json::Value {
    let found: Vec<&serde_json::Value> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .collect();
    assert_eq!(found.len(), 1, "one {rule} in {value:#}");
    found[0].clone()
}

#[test]
fn kustomize_image_mismatch_points_at_the_overlays_new_tag_and_never_edits_the_shared_base() {
    let value = json(&[Path::new("fixtures/kustomize")]);
    let mismatch = only(&value, "image-mismatch");
    assert!(
        mismatch["message"]
            .as_str()
            .unwrap()
            .contains("Deployment `prod-web` runs `shop/app:2.0`"),
        "{mismatch:#}"
    );
    let related = mismatch["related"].as_array().unwrap();
    assert_eq!(related.len(), 2, "{mismatch:#}");
    assert_eq!(
        related[0]["message"],
        "Deployment `prod-web` runs `shop/app:2.0`"
    );
    let new_tag = &related[1];
    assert_eq!(
        new_tag["message"],
        "`newTag: 2.0` in overlay `fixtures/kustomize/overlays/prod` sets this image"
    );
    let location = &new_tag["location"];
    assert_eq!(
        location["path"],
        "fixtures/kustomize/overlays/prod/kustomization.yaml"
    );
    assert_eq!(location["start"]["line"], 10);
    assert_eq!(location["start"]["column"], 5);
    assert_eq!(location["end"]["line"], 10);
    assert_eq!(location["end"]["column"], 18);
    // The Job's file is rendered by both overlays: editing it would move staging off 1.0.
    let fix = &mismatch["fix"];
    assert_eq!(fix["applicability"], "display-only");
    assert_eq!(
        fix["edits"][0]["location"]["path"],
        "fixtures/kustomize/base/job.yaml"
    );
    // SARIF fixes are applied by tools: a display-only one is not offered.
    let sarif: serde_json::Value =
        serde_json::from_str(&rendered(&[Path::new("fixtures/kustomize")], Format::Sarif)).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "image-mismatch")
        .unwrap();
    assert!(
        result
            .get("fixes")
            .is_none_or(|f| f.as_array().unwrap().is_empty())
    );
}

#[test]
fn kustomize_fix_edits_the_overlay_entry_that_set_the_admin_image() {
    // The overlay retags the Job's image (spelled `shop/app`) but not the app's (spelled with
    // its registry): the fix belongs in the overlay's `newTag`, not in the base.
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: docker.io/shop/app:3.0\n",
    );
    write(
        "base/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: shop/app:1.0\n",
    );
    write(
        "base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n  - job.yaml\n",
    );
    write(
        "prod/kustomization.yaml",
        "resources:\n  - ../base\nimages:\n  - name: shop/app\n    newTag: \"2.0\"\n",
    );
    let value = json(&[dir.path()]);
    let mismatch = only(&value, "image-mismatch");
    assert!(
        mismatch["message"]
            .as_str()
            .unwrap()
            .contains("runs `shop/app:2.0`, but Deployment `web` runs `docker.io/shop/app:3.0`"),
        "{mismatch:#}"
    );
    let fix = &mismatch["fix"];
    assert_eq!(fix["applicability"], "safe", "{mismatch:#}");
    let edits = fix["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let path = edits[0]["location"]["path"].as_str().unwrap();
    assert!(path.ends_with("prod/kustomization.yaml"), "{path}");
    assert_eq!(edits[0]["location"]["start"]["line"], 5);
    assert_eq!(edits[0]["location"]["start"]["column"], 13);
    assert_eq!(edits[0]["content"], "\"3.0\"");
}

#[test]
fn compose_values_through_an_alias_still_show_the_anchor_and_are_not_edited() {
    let value = json(&[Path::new("fixtures/compose/anchors")]);
    let mismatches: Vec<&serde_json::Value> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "image-mismatch")
        .collect();
    assert_eq!(mismatches.len(), 2);
    let migrate = mismatches[0];
    assert_eq!(migrate["location"]["start"]["line"], 24);
    let anchor = migrate["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["message"] == "the value comes from the anchor `&old-image`")
        .expect("the anchor is related");
    assert_eq!(anchor["location"]["start"]["line"], 3);
    // The anchored node: the scalar after `&old-image`.
    assert_eq!(anchor["location"]["start"]["column"], 25);
    // The fix is shown where the value is written (the anchored scalar), never applied.
    assert_eq!(migrate["fix"]["applicability"], "display-only");
    assert_eq!(migrate["fix"]["edits"][0]["location"]["start"]["line"], 3);
    assert_eq!(
        migrate["fix"]["edits"][0]["location"]["start"]["column"],
        25
    );
}

#[test]
fn kustomize_concise() {
    insta::assert_snapshot!(rendered(
        &[Path::new("fixtures/kustomize")],
        Format::Concise
    ));
}

#[test]
fn kustomize_full() {
    insta::assert_snapshot!(rendered(&[Path::new("fixtures/kustomize")], Format::Full));
}

#[test]
fn compose_anchors_full() {
    insta::assert_snapshot!(rendered(
        &[Path::new("fixtures/compose/anchors")],
        Format::Full
    ));
}

/// A temporary directory with these files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    common::temp_tree(files)
}

/// The related location with this message: (path, start line, start column, end line, end
/// column).
fn related_at(diagnostic: &serde_json::Value, message: &str) -> (String, u64, u64, u64, u64) {
    let related = diagnostic["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["message"] == message)
        .unwrap_or_else(|| panic!("no related `{message}` in {diagnostic:#}"));
    let location = &related["location"];
    (
        location["path"].as_str().unwrap().to_string(),
        location["start"]["line"].as_u64().unwrap(),
        location["start"]["column"].as_u64().unwrap(),
        location["end"]["line"].as_u64().unwrap(),
        location["end"]["column"].as_u64().unwrap(),
    )
}

/// The fix's applicability and its one edit: (path, line, column, content).
fn the_edit(diagnostic: &serde_json::Value) -> (String, (String, u64, u64, String)) {
    let fix = &diagnostic["fix"];
    let edits = fix["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{diagnostic:#}");
    let location = &edits[0]["location"];
    (
        fix["applicability"].as_str().unwrap().to_string(),
        (
            location["path"].as_str().unwrap().to_string(),
            location["start"]["line"].as_u64().unwrap(),
            location["start"]["column"].as_u64().unwrap(),
            edits[0]["content"].as_str().unwrap().to_string(),
        ),
    )
}

const MIGRATE_ON_A_VARIABLE: &str = "services:\n  web:\n    image: ghcr.io/acme/shop:1.4.2\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    image: ghcr.io/acme/shop:${MIGRATE_TAG}\n    command: [rails, db:migrate]\n";

#[test]
fn an_interpolated_image_shows_its_env_line_and_is_fixed_in_env_when_only_the_admin_uses_it() {
    let dir = project(&[
        ("compose.yaml", MIGRATE_ON_A_VARIABLE),
        (
            ".env",
            "# the release the migration runs\nMIGRATE_TAG=1.4.0 # bumped by hand\n",
        ),
    ]);
    let value = json(&[dir.path()]);
    // `.env` is read for values, not checked: one file checked.
    assert_eq!(value["summary"]["files"], 1, "{value:#}");
    let mismatch = only(&value, "image-mismatch");
    assert_eq!(mismatch["location"]["start"]["line"], 6);
    assert_eq!(mismatch["location"]["start"]["column"], 12);
    let env = adminlint::discover::display_path(&dir.path().join(".env"));
    assert_eq!(
        related_at(
            &mismatch,
            &format!("`MIGRATE_TAG=1.4.0` in `{env}` sets `${{MIGRATE_TAG}}`")
        ),
        (env.clone(), 2, 1, 2, 18)
    );
    assert_eq!(
        the_edit(&mismatch),
        (
            "safe".to_string(),
            (env.clone(), 2, 13, "1.4.2".to_string())
        )
    );
    // Applied, the fix leaves the admin on the app's release.
    let offset = mismatch["fix"]["edits"][0]["location"]["start"]["offset"]
        .as_u64()
        .unwrap() as usize;
    let path = dir.path().join(".env");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.replace_range(offset..offset + "1.4.0".len(), "1.4.2");
    std::fs::write(&path, text).unwrap();
    let after = json(&[dir.path()]);
    assert_eq!(after["diagnostics"], serde_json::json!([]), "{after:#}");
}

#[test]
fn an_env_edit_keeps_the_values_quotes() {
    let dir = project(&[
        ("compose.yaml", MIGRATE_ON_A_VARIABLE),
        (".env", "export MIGRATE_TAG='1.4.0'\n"),
    ]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    let env = adminlint::discover::display_path(&dir.path().join(".env"));
    assert_eq!(
        related_at(
            &mismatch,
            &format!("`MIGRATE_TAG=1.4.0` in `{env}` sets `${{MIGRATE_TAG}}`")
        ),
        (env.clone(), 1, 8, 1, 27)
    );
    assert_eq!(
        the_edit(&mismatch),
        ("safe".to_string(), (env, 1, 20, "'1.4.2'".to_string()))
    );
}

#[test]
fn an_interpolated_image_is_not_fixed_when_the_app_uses_the_variable_too() {
    // The app reads MIGRATE_TAG (its environment): a new value in `.env` would change the
    // app as well, and a literal in place would drop a reference the deployment may set.
    let awaits = "    depends_on: {migrate: {condition: service_completed_successfully}}\n";
    let compose = MIGRATE_ON_A_VARIABLE.replace(
        awaits,
        &format!("{awaits}    environment:\n      MIGRATE_TAG: ${{MIGRATE_TAG}}\n"),
    );
    let dir = project(&[("compose.yaml", &compose), (".env", "MIGRATE_TAG=1.4.0\n")]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    let env = adminlint::discover::display_path(&dir.path().join(".env"));
    assert_eq!(
        related_at(
            &mismatch,
            &format!("`MIGRATE_TAG=1.4.0` in `{env}` sets `${{MIGRATE_TAG}}`")
        ),
        (env, 1, 1, 1, 18)
    );
    let compose = adminlint::discover::display_path(&dir.path().join("compose.yaml"));
    assert_eq!(
        the_edit(&mismatch),
        (
            "display-only".to_string(),
            (compose, 8, 12, "ghcr.io/acme/shop:1.4.2".to_string())
        )
    );
}

#[test]
fn a_variable_from_its_default_has_no_env_location_and_its_fix_is_display_only() {
    let compose = MIGRATE_ON_A_VARIABLE.replace("${MIGRATE_TAG}", "${MIGRATE_TAG:-1.4.0}");
    let dir = project(&[("compose.yaml", &compose), (".env", "OTHER=1\n")]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    assert_eq!(
        mismatch["related"].as_array().unwrap().len(),
        1,
        "only the app's image: {mismatch:#}"
    );
    assert_eq!(the_edit(&mismatch).0, "display-only");
}

#[test]
fn dotenv_fixture_shows_the_variables_that_differ_and_keeps_the_apps_interpolated_text_in_place() {
    let value = json(&[Path::new("fixtures/compose/dotenv")]);
    let migrate = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "image-mismatch" && d["location"]["start"]["line"] == 11)
        .unwrap()
        .clone();
    let env = "fixtures/compose/dotenv/.env";
    assert_eq!(
        related_at(
            &migrate,
            "`OLD_TAG=1.4.0` in `fixtures/compose/dotenv/.env` sets `${OLD_TAG}`"
        ),
        (env.to_string(), 4, 1, 4, 14)
    );
    // The app's side reads its own `TAG`; both read `REGISTRY`, where they agree: not shown.
    assert_eq!(
        related_at(
            &migrate,
            "`TAG=1.4.2` in `fixtures/compose/dotenv/.env` sets `${TAG}`"
        ),
        (env.to_string(), 2, 1, 2, 10)
    );
    let related: Vec<&str> = migrate["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert!(
        !related.iter().any(|m| m.contains("REGISTRY=")),
        "{related:?}"
    );
    // The app's own text is interpolated the same way in place: it stays there, and safe.
    assert_eq!(
        the_edit(&migrate),
        (
            "safe".to_string(),
            (
                "fixtures/compose/dotenv/compose.yaml".to_string(),
                11,
                12,
                "${REGISTRY}/shop:${TAG}".to_string()
            )
        )
    );
    assert_eq!(value["summary"]["files"], 1);
}

#[test]
fn an_included_service_points_at_the_include_entry_and_is_fixed_in_place() {
    let mismatch = only(
        &json(&[Path::new("fixtures/compose/include")]),
        "image-mismatch",
    );
    assert_eq!(
        mismatch["location"]["path"],
        "fixtures/compose/include/tools/compose.yaml"
    );
    assert_eq!(
        related_at(
            &mismatch,
            "included by `include:` in `fixtures/compose/include/compose.yaml`"
        ),
        (
            "fixtures/compose/include/compose.yaml".to_string(),
            4,
            5,
            4,
            23
        )
    );
    assert_eq!(
        the_edit(&mismatch),
        (
            "safe".to_string(),
            (
                "fixtures/compose/include/tools/compose.yaml".to_string(),
                6,
                12,
                "metabase/metabase:v0.50.1".to_string()
            )
        )
    );
}

#[test]
fn a_file_two_projects_include_is_shown_with_both_entries_and_never_edited() {
    let tools = "services:\n  metabase:\n    image: metabase/metabase:v0.50.1\n    restart: always\n  metabase-migrate:\n    image: metabase/metabase:v0.49.0\n    command: [migrate, up]\n";
    let including = "include:\n  - ../tools/compose.yaml\nservices:\n  web:\n    image: ghcr.io/acme/shop:1.4.2\n    restart: always\n";
    let dir = project(&[
        ("tools/compose.yaml", tools),
        ("a/compose.yaml", including),
        ("b/compose.yaml", including),
    ]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    for by in ["a", "b"] {
        let file = adminlint::discover::display_path(&dir.path().join(by).join("compose.yaml"));
        assert_eq!(
            related_at(&mismatch, &format!("included by `include:` in `{file}`")),
            (file, 2, 5, 2, 26)
        );
    }
    // Editing the shared file changes both projects: shown, never applied.
    assert_eq!(the_edit(&mismatch).0, "display-only");
}

#[test]
fn an_override_points_at_the_base_value_it_replaces_and_is_fixed_in_the_override() {
    let mismatch = only(
        &json(&[Path::new("fixtures/compose/override")]),
        "image-mismatch",
    );
    assert_eq!(
        mismatch["location"]["path"],
        "fixtures/compose/override/compose.override.yaml"
    );
    assert_eq!(
        related_at(
            &mismatch,
            "overrides `image:` of `fixtures/compose/override/compose.yaml`"
        ),
        (
            "fixtures/compose/override/compose.yaml".to_string(),
            11,
            12,
            11,
            35
        )
    );
    assert_eq!(
        the_edit(&mismatch),
        (
            "safe".to_string(),
            (
                "fixtures/compose/override/compose.override.yaml".to_string(),
                4,
                12,
                "ghcr.io/acme/shop:1.4.2".to_string()
            )
        )
    );
}

#[test]
fn compose_provenance_full() {
    insta::assert_snapshot!(rendered(
        &[
            Path::new("fixtures/compose/dotenv"),
            Path::new("fixtures/compose/include"),
            Path::new("fixtures/compose/override"),
        ],
        Format::Full
    ));
}

const PATCH_BASE: &[(&str, &str)] = &[
    (
        "base/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: shop:1.0.0\n",
    ),
    (
        "base/migrate.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: shop:1.0.0\n          args: [migrate]\n",
    ),
    (
        "base/kustomization.yaml",
        "resources: [web.yaml, migrate.yaml]\n",
    ),
];

const OLD_JOB_PATCH: &str = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: shop:0.9.0\n";

#[test]
fn a_patched_image_sits_on_the_patch_line_with_the_base_line_related_and_is_fixed_there() {
    let value = json(&[Path::new("fixtures/kustomize-patches")]);
    let canary: Vec<&serde_json::Value> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["object"]["overlay"] == "fixtures/kustomize-patches/overlays/canary")
        .collect();
    assert_eq!(canary.len(), 1, "{value:#}");
    let mismatch = canary[0];
    assert_eq!(mismatch["rule"], "image-mismatch");
    let patch_file = "fixtures/kustomize-patches/overlays/canary/migrate-patch.yaml";
    assert_eq!(mismatch["location"]["path"], patch_file);
    assert_eq!(mismatch["location"]["start"]["line"], 11);
    let base = mismatch["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["message"]
                == format!(
                    "patch `{patch_file}` in overlay `fixtures/kustomize-patches/overlays/canary` \
                     replaces this `image:`"
                )
        })
        .expect("the patched base line is related");
    assert_eq!(
        base["location"]["path"],
        "fixtures/kustomize-patches/base/migrate.yaml"
    );
    assert_eq!(base["location"]["start"]["line"], 12);
    // The patch is the overlay's own file: the fix edits it, and nothing else.
    let fix = &mismatch["fix"];
    assert_eq!(fix["applicability"], "safe", "{mismatch:#}");
    assert_eq!(fix["edits"][0]["location"]["path"], patch_file);
    assert_eq!(fix["edits"][0]["location"]["start"]["line"], 11);
    assert_eq!(fix["edits"][0]["content"], "shop:1.0.0");
}

#[test]
fn a_patch_file_two_overlays_list_is_shown_but_never_edited() {
    let mut files = PATCH_BASE.to_vec();
    files.extend([
        ("shared/migrate-patch.yaml", OLD_JOB_PATCH),
        (
            "canary/kustomization.yaml",
            "resources: [../base]\npatches:\n  - path: ../shared/migrate-patch.yaml\n",
        ),
        (
            "preview/kustomization.yaml",
            "resources: [../base]\nnamePrefix: preview-\npatches:\n  - path: ../shared/migrate-patch.yaml\n",
        ),
    ]);
    let dir = project(&files);
    let value = json(&[dir.path()]);
    let mismatches: Vec<&serde_json::Value> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "image-mismatch")
        .collect();
    assert!(!mismatches.is_empty(), "{value:#}");
    for mismatch in mismatches {
        let path = mismatch["location"]["path"].as_str().unwrap();
        assert!(path.ends_with("shared/migrate-patch.yaml"), "{path}");
        assert_eq!(mismatch["fix"]["applicability"], "display-only");
    }
}

#[test]
fn an_inline_patch_in_a_quoted_string_has_no_exact_place_and_is_not_edited() {
    let mut files = PATCH_BASE.to_vec();
    files.push((
        "canary/kustomization.yaml",
        "resources: [../base]\npatches:\n  - target: {kind: Job, name: migrate}\n    patch: '[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\": \"shop:0.9.0\"}]'\n",
    ));
    let dir = project(&files);
    let value = json(&[dir.path()]);
    let mismatch = only(&value, "image-mismatch");
    assert!(
        mismatch["message"]
            .as_str()
            .unwrap()
            .contains("runs `shop:0.9.0`"),
        "{mismatch:#}"
    );
    assert_eq!(mismatch["fix"]["applicability"], "display-only");
}

#[test]
fn kustomize_patches_full() {
    insta::assert_snapshot!(rendered(
        &[Path::new("fixtures/kustomize-patches")],
        Format::Full
    ));
}

#[test]
fn a_json_patch_file_outside_the_yaml_files_is_read_and_its_line_is_the_finding() {
    let mut files = PATCH_BASE.to_vec();
    files.extend([
        (
            "canary/kustomization.yaml",
            "resources: [../base]\npatches:\n  - path: image.json\n    target: {kind: Job}\n",
        ),
        (
            "canary/image.json",
            "[\n  {\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\",\n   \"value\": \"shop:0.9.0\"}\n]\n",
        ),
    ]);
    let dir = project(&files);
    let value = json(&[dir.path()]);
    let mismatch = only(&value, "image-mismatch");
    let location = &mismatch["location"];
    assert!(
        location["path"]
            .as_str()
            .unwrap()
            .ends_with("canary/image.json"),
        "{mismatch:#}"
    );
    assert_eq!(location["start"]["line"], 3);
    assert_eq!(mismatch["fix"]["applicability"], "safe");
    assert_eq!(mismatch["fix"]["edits"][0]["content"], "\"shop:1.0.0\"");
}

#[test]
fn a_template_parameter_shows_its_value_line_and_the_apps_parameter_text_is_kept_in_place() {
    let value = json(&[Path::new("fixtures/openshift-template")]);
    let mismatch = only(&value, "image-mismatch");
    let template = "fixtures/openshift-template/shop-template.yaml";
    assert_eq!(mismatch["location"]["path"], template);
    assert_eq!(mismatch["location"]["start"]["line"], 48);
    assert_eq!(mismatch["location"]["start"]["column"], 22);
    assert_eq!(
        related_at(
            &mismatch,
            "template parameter `MIGRATE_TAG` (`value: 1.4.0`) sets `${MIGRATE_TAG}`"
        ),
        (template.to_string(), 13, 5, 13, 19)
    );
    assert_eq!(
        related_at(
            &mismatch,
            "template parameter `APP_TAG` (`value: 1.4.2`) sets `${APP_TAG}`"
        ),
        (template.to_string(), 10, 5, 10, 19)
    );
    // The app's own text: `oc process` substitutes it in the Job as in the app, whatever
    // `APP_TAG` is given at deploy time.
    assert_eq!(
        the_edit(&mismatch),
        (
            "safe".to_string(),
            (
                template.to_string(),
                48,
                22,
                "quay.io/acme/shop:${APP_TAG}".to_string()
            )
        )
    );
}

/// A template whose app image is literal and whose migration Job reads `MIGRATE_TAG`, with
/// `extra` objects appended.
fn template_with_literal_app(extra: &str) -> String {
    format!(
        "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: shop\n\
         parameters:\n  - name: MIGRATE_TAG\n    value: '1.4.0'\nobjects:\n\
         \x20 - apiVersion: apps.openshift.io/v1\n    kind: DeploymentConfig\n    metadata:\n      name: web\n\
         \x20   spec:\n      template:\n        spec:\n          containers:\n\
         \x20           - name: web\n              image: ghcr.io/acme/shop:1.4.2\n\
         \x20 - apiVersion: batch/v1\n    kind: Job\n    metadata:\n      name: migrate\n\
         \x20   spec:\n      template:\n        spec:\n          restartPolicy: Never\n\
         \x20         containers:\n            - name: migrate\n\
         \x20             image: ghcr.io/acme/shop:${{MIGRATE_TAG}}\n{extra}"
    )
}

#[test]
fn a_literal_fix_goes_to_the_parameters_value_when_the_image_is_its_only_use() {
    let dir = project(&[("template.yaml", &template_with_literal_app(""))]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    let path = adminlint::discover::display_path(&dir.path().join("template.yaml"));
    assert_eq!(
        the_edit(&mismatch),
        ("safe".to_string(), (path, 7, 12, "'1.4.2'".to_string()))
    );
    // Applied, the fix leaves the migration on the app's release.
    let offset = mismatch["fix"]["edits"][0]["location"]["start"]["offset"]
        .as_u64()
        .unwrap() as usize;
    let file = dir.path().join("template.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.replace_range(offset..offset + "'1.4.0'".len(), "'1.4.2'");
    std::fs::write(&file, text).unwrap();
    let after = json(&[dir.path()]);
    assert_eq!(after["diagnostics"], serde_json::json!([]), "{after:#}");
}

#[test]
fn a_parameter_used_twice_is_not_edited_for_one_of_its_uses() {
    // A seed Job on a tool image reads the parameter too: a new default would change it.
    let seed = "  - apiVersion: batch/v1\n    kind: Job\n    metadata:\n      name: seed\n\
                \x20     labels:\n        release: ${MIGRATE_TAG}\n    spec:\n      template:\n\
                \x20       spec:\n          restartPolicy: Never\n          containers:\n\
                \x20           - name: seed\n              image: busybox:1.36\n";
    let dir = project(&[("template.yaml", &template_with_literal_app(seed))]);
    let mismatch = only(&json(&[dir.path()]), "image-mismatch");
    let path = adminlint::discover::display_path(&dir.path().join("template.yaml"));
    assert_eq!(
        the_edit(&mismatch),
        (
            "display-only".to_string(),
            (path, 29, 22, "ghcr.io/acme/shop:1.4.2".to_string())
        )
    );
}
