#!/usr/bin/env bash
# Rebuild the seed corpus (fuzz/corpus/<target>/seed-*) from the repository's own fixtures:
# whole fixture files for the YAML, Kubernetes and pipeline targets, the `image:` values for the
# image target, the exec-form commands (words joined by NUL) for the command target, and Compose
# projects (files joined by NUL, see fuzz_targets/compose.rs) for the compose target, and the
# scripts, Makefiles, Procfiles and CI files (after a byte naming the scanner) for the script target.
# The result is small (about 60 KB per YAML target) and committed; libFuzzer's own additions
# are not (see fuzz/.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures

# A seed's name: `seed-` and the fixture's path with `/` as `_`, then `.seed`, so that no seed
# is named like a manifest, script or Makefile: adminlint run on this repository must not read
# the fuzz corpus as part of the project.
seed_name() { echo "seed-$(echo "${1#"$fixtures"/}" | tr '/' '_').seed"; }

for target in yaml k8s pipeline image command compose kustomize helm_template script; do
  mkdir -p "corpus/$target"
  rm -f "corpus/$target"/seed-*
done

find "$fixtures" -name '*.yaml' -o -name '*.yml' | LC_ALL=C sort | while read -r file; do
  name=$(seed_name "$file")
  for target in yaml k8s pipeline; do
    cp "$file" "corpus/$target/$name"
  done
done

n=0
grep -rhoE 'image: *[^ #]+' "$fixtures" | sed -E 's/image: *//' | LC_ALL=C sort -u |
  while read -r image; do
    n=$((n + 1))
    printf '%s' "$image" > "corpus/image/seed-$n"
  done

n=0
grep -rhE '^[[:space:]-]*(command|args): *\[.*\]' "$fixtures" | sed -E 's/^[^[]*\[(.*)\][^]]*$/\1/' |
  LC_ALL=C sort -u | while read -r list; do
    n=$((n + 1))
    # `"a", "b c"` -> a NUL b c: split on `", "` between quoted words.
    printf '%s' "$list" | sed -E 's/^ *"//; s/" *$//; s/" *, *"/\x00/g' > "corpus/command/seed-$n"
  done

# compose: the input is up to five files joined by NUL, in the order of FILES in
# fuzz_targets/compose.rs: compose.yaml, its override, .env, ../shared/app.yaml (an `extends`
# file) and tools/compose.yaml (an include). A fixture directory with a default Compose file
# gives one seed with whichever of the others it has (an absent one in the middle is empty);
# every Compose file also gives a seed of its own, as compose.yaml.
first() { # the first of the files that exists, or nothing
  for file in "$@"; do
    if [ -f "$file" ]; then
      echo "$file"
      break
    fi
  done
}
compose_seed() { # out file... ('' for a file the project lacks)
  local out=$1 parts=("${@:2}") index
  while [ "${#parts[@]}" -gt 1 ] && [ -z "${parts[-1]}" ]; do unset 'parts[-1]'; done
  : >"$out"
  for index in "${!parts[@]}"; do
    if [ "$index" -gt 0 ]; then printf '\0' >>"$out"; fi
    if [ -n "${parts[$index]}" ]; then cat "${parts[$index]}" >>"$out"; fi
  done
}
{ grep -rlE '^services:' "$fixtures"; find "$fixtures" -name 'compose*.y*ml' -o -name 'docker-compose*.y*ml'; } |
  LC_ALL=C sort -u | while read -r file; do
    compose_seed "corpus/compose/$(seed_name "$file")" "$file"
  done
find "$fixtures" -type d | LC_ALL=C sort | while read -r dir; do
  base=$(first "$dir"/compose.yaml "$dir"/compose.yml "$dir"/docker-compose.yml "$dir"/docker-compose.yaml)
  [ -n "$base" ] || continue
  override=$(first "$dir"/compose.override.yml "$dir"/compose.override.yaml \
    "$dir"/docker-compose.override.yml "$dir"/docker-compose.override.yaml)
  dotenv=$(first "$dir/.env")
  extended=$(first "$dir/../shared/app.yaml")
  included=$(first "$dir/tools/compose.yaml")
  [ -n "$override$dotenv$extended$included" ] || continue
  compose_seed "corpus/compose/seed-project-$(echo "${dir#"$fixtures"/}" | tr '/' '_').seed" \
    "$base" "$override" "$dotenv" "$extended" "$included"
done
# One project with every part: extends, !reset / !override in the override, .env, include.
compose_seed corpus/compose/seed-project-all.seed "$fixtures/compose/extends/app/compose.yaml" \
  "$fixtures/compose/reset/compose.override.yaml" "$fixtures/compose/dotenv/.env" \
  "$fixtures/compose/extends/shared/app.yaml" "$fixtures/compose/include/tools/compose.yaml"

# kustomize: the input is up to five files joined by NUL, in the order of FILES in
# fuzz_targets/kustomize.rs: an overlay's kustomization, one other file of the overlay (its
# patch), the base's kustomization with its resources listed as app.yaml, the base's objects in
# one file, and a component's kustomization (none in the fixtures: absent).
for overlay in "$fixtures"/kustomize*/overlays/*/; do
  overlay=${overlay%/}
  base="$(dirname "$(dirname "$overlay")")/base"
  [ -f "$overlay/kustomization.yaml" ] && [ -f "$base/kustomization.yaml" ] || continue
  patch=$(find "$overlay" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | LC_ALL=C sort | head -1)
  base_kustomization=$(mktemp)
  base_objects=$(mktemp)
  # The base's own resources become `app.yaml`; its other fields stay.
  { echo 'resources:'; echo '  - app.yaml'
    awk '/^resources:/ {skip = 1; next} skip && /^ *- / {next} {skip = 0; print}' "$base/kustomization.yaml"
  } >"$base_kustomization"
  find "$base" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml | LC_ALL=C sort |
    while read -r file; do cat "$file"; echo '---'; done >"$base_objects"
  compose_seed "corpus/kustomize/$(seed_name "$overlay")" \
    "$overlay/kustomization.yaml" "$patch" "$base_kustomization" "$base_objects"
  rm -f "$base_kustomization" "$base_objects"
done

# helm_template: template NUL values NUL helpers (see fuzz_targets/helm_template.rs), written
# here: a few small charts' worth of the template language.
helm_seed() { printf '%s\0%s\0%s' "$2" "$3" "$4" > "corpus/helm_template/seed-$1"; }
helm_seed job 'apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "app.fullname" . }}-migrate
  annotations:
    "helm.sh/hook": pre-install,pre-upgrade
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
        {{- with .Values.env }}
        env:
          {{- toYaml . | nindent 10 }}
        {{- end }}' 'image:
  repository: registry.example.com/app
  tag: v1.2.3
env:
- name: A
  value: "1"' '{{- define "app.fullname" -}}
{{- printf "%s-%s" .Release.Name "app" | trunc 63 | trimSuffix "-" -}}
{{- end -}}'
helm_seed control '{{ range $k, $v := .Values.m }}{{ $k }}={{ $v | quote }}
{{ else }}none{{ end }}{{ if and .Values.a (not .Values.b) }}x{{ else if .Values.c }}y{{ end }}
{{ $d := dict "a" 1 }}{{ $_ := set $d "b" (list 1 2 3) }}{{ toJson $d }}{{ tpl .Values.t . }}
{{ block "b" . }}{{ printf "%05d|%q|%v" 42 "s" .Values.m }}{{ end }}' 'm: {b: 2, a: [1, 2]}
a: yes
t: "{{ .Values.a }}"' '{{ define "b" }}{{ semverCompare ">=1.2-0" "v1.3.0" }}{{ end }}'

# script: one byte naming the source (see SOURCES in fuzz_targets/script.rs), then the file.
script_source() { # the source byte for a fixture path, or nothing
  case "$1" in
    */.github/workflows/*.yml | */.github/workflows/*.yaml) echo 3 ;;
    */.gitlab-ci.yml) echo 4 ;;
    */.circleci/config.yml) echo 8 ;;
    */heroku.yml) echo 9 ;;
    */app.json) echo 5 ;;
    */Taskfile.yml | */Taskfile.yaml) echo 7 ;;
    */justfile | */Justfile | */.justfile | *.just) echo 6 ;;
    */Makefile | */GNUmakefile | *.mk) echo 1 ;;
    */Procfile | */Procfile.*) echo 2 ;;
    *.sh | *.bash) echo 0 ;;
    *) if head -c 2 "$1" | grep -q '^#!' && head -1 "$1" | grep -qE '(ba)?sh'; then echo 0; fi ;;
  esac
}
find "$fixtures" -type f | LC_ALL=C sort | while read -r file; do
  source=$(script_source "$file")
  [ -n "$source" ] || continue
  { printf '%s' "$source"; cat "$file"; } >"corpus/script/$(seed_name "$file")"
done

for target in yaml k8s pipeline image command compose kustomize helm_template script; do
  echo "$target: $(find "corpus/$target" -name 'seed-*' | wc -l) seeds"
done
