//! Provenance end to end: related locations derived from the steps a fact went through
//! (kustomize `images:` entries, YAML anchors) and fixes aimed through them.

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
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "image-mismatch");
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
