#!/usr/bin/env bash
# Rebuild the seed corpus (fuzz/corpus/<target>/seed-*) from the repository's own fixtures:
# whole fixture files for the YAML, Kubernetes and pipeline targets, the `image:` values for the
# image target, and the exec-form commands (words joined by NUL) for the command target.
# The result is small (about 60 KB per YAML target) and committed; libFuzzer's own additions
# are not (see fuzz/.gitignore).
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures

for target in yaml k8s pipeline image command; do
  mkdir -p "corpus/$target"
  rm -f "corpus/$target"/seed-*
done

find "$fixtures" -name '*.yaml' -o -name '*.yml' | LC_ALL=C sort | while read -r file; do
  name="seed-$(echo "${file#"$fixtures"/}" | tr '/' '_')"
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

for target in yaml k8s pipeline image command; do
  echo "$target: $(find "corpus/$target" -name 'seed-*' | wc -l) seeds"
done
