#!/usr/bin/env bash
# Device check of calib's CUDA flavour (bench/README.md, "Device check"). It builds the flavour
# (-p:CalibGpu=true), calibrates the sample (README's command) and the ResNet-18-sized bench model on
# --device cpu and on --device cuda with that one build, compares the two records' ranges
# (scripts/compare_ranges.py, tolerance stated there), times both, runs the deploy model made on the
# GPU through ONNX Runtime's CPU provider, and prints a table of figures.
#
#   scripts/gpu-check.sh              on a machine with an NVIDIA GPU, CUDA 13 and cuDNN 9
#   scripts/gpu-check.sh --cpu-only   anywhere: every step, with --device cpu in place of cuda, plus
#                                     the check that --device cuda stops with one error line naming
#                                     the missing CUDA library and writes nothing (when CUDA is absent)
#
# Environment: GPU_CHECK_DEVICE (default cuda; e.g. cuda:1), GPU_CHECK_REPEAT (timed calibrations
# per model and device, median reported; default 3), GPU_CHECK_RESNET_BATCHES (batches of 32 images
# for ResNet-18, at most 8; default 8), CALIB_GPU_DLL (a calib.dll of the CUDA flavour built
# elsewhere: the build step is skipped). The ResNet-18 model is artifacts/bench/resnet18.onnx,
# made with Debian's python3-torch when missing (or copied there beforehand).
set -euo pipefail
cd "$(dirname "$0")/.."

cpu_only=false
case "${1:-}" in
  --cpu-only) cpu_only=true ;;
  "") ;;
  *) echo "usage: scripts/gpu-check.sh [--cpu-only]" >&2; exit 2 ;;
esac
device=${GPU_CHECK_DEVICE:-cuda}
repeat=${GPU_CHECK_REPEAT:-3}
resnet_batches=${GPU_CHECK_RESNET_BATCHES:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

step() { echo; echo "== $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

step "build the CUDA flavour"
if [ -n "${CALIB_GPU_DLL:-}" ]; then
  dll=$CALIB_GPU_DLL
else
  start=$(date +%s)
  dotnet build src/Calib.Cli -c Release -p:CalibGpu=true -v quiet -nologo >"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log"; echo "FAIL: the CUDA flavour does not build"; exit 1; }
  dll=artifacts/gpu/bin/Calib.Cli/release_linux-x64/calib.dll
  echo "built in $(( $(date +%s) - start )) s: $dll"
fi
bin=$(dirname "$dll")
provider="$bin/libonnxruntime_providers_cuda.so"
[ -f "$provider" ] || { echo "FAIL: $provider is missing: $dll is not the CUDA flavour"; exit 1; }
echo "output folder: $(du -sm "$bin" | cut -f1) MB; ONNX Runtime natives: $(cd "$bin" && ls libonnxruntime*.so | tr '\n' ' ')"
if ls "$bin"/*onnxruntime*.dll >/dev/null 2>&1; then fail "Windows ONNX Runtime DLLs were copied into the linux-x64 build"; fi
calib() { dotnet "$dll" "$@"; }

step "the probe covers every CUDA library the provider links"
if command -v readelf >/dev/null; then
  probed=$(grep -o '"lib[A-Za-z]*\.so\.[0-9]*"' src/Calib.Graph/Execution/CudaSupport.cs | tr -d '"' | sort)
  for lib in $(readelf -d "$provider" | sed -n 's/.*NEEDED.*\[\(libcu[^]]*\)\].*/\1/p'); do
    grep -qx "$lib" <<<"$probed" && echo "  $lib: probed" || fail "$lib is linked by the CUDA provider but not probed by CudaSupport"
  done
else
  echo "  readelf not installed (binutils): skipped"
fi

sample_model=(--model models/fmnist_resnet/fmnist_resnet.onnx --calib-set calibration-data/fmnist --mean 0.2860 --std 0.3530)
sample=("${sample_model[@]}" --batch-num 8 --batch-size 32)

step "is $device usable?"
calib run "${sample_model[@]}" --batch-num 1 --batch-size 32 --device "$device" --output "$work/probe" >"$work/probe.out" 2>"$work/probe.err" && probe=0 || probe=$?
if [ "$probe" -eq 0 ]; then
  echo "  yes: calibrated the sample on $device"
  gpu_side=$device
elif $cpu_only; then
  echo "  no (exit $probe): $(cat "$work/probe.err")"
  [ "$probe" -eq 1 ] || fail "--device $device exited $probe, not 1"
  [ "$(wc -l <"$work/probe.err")" -eq 1 ] || fail "--device $device printed $(wc -l <"$work/probe.err") error lines, not 1"
  grep -q '^calib: error: .*lib[a-zA-Z]*\.so\.[0-9]' "$work/probe.err" || fail "the error names no library"
  grep -q 'CUDA 13.x and cuDNN 9.x' "$work/probe.err" || fail "the error does not state the CUDA/cuDNN versions"
  [ ! -e "$work/probe" ] || fail "--device $device wrote $work/probe"
  [ ! -s "$work/probe.out" ] || fail "--device $device printed before it failed: $(head -1 "$work/probe.out")"
  gpu_side=cpu
  echo "  --cpu-only: the 'GPU' side below runs on --device cpu"
else
  echo "  no: $(cat "$work/probe.err")"
  echo "FAIL: --device $device is not usable here; run scripts/gpu-check.sh --cpu-only to check everything else"
  exit 1
fi

resnet=artifacts/bench/resnet18.onnx
if [ ! -f "$resnet" ]; then
  step "make $resnet (python3-torch)"
  mkdir -p "$(dirname "$resnet")"
  /usr/bin/python3 scripts/make_samples.py --resnet18 "$resnet.partial" && mv "$resnet.partial" "$resnet" \
    || { echo "FAIL: cannot make $resnet: make it with scripts/make_samples.py --resnet18 on a machine with python3-torch and copy it here"; exit 1; }
fi
resnet_args=(--model "$resnet" --calib-set calibration-data/fmnist --batch-num "$resnet_batches" --batch-size 32
             --preprocess imagenet --resize 224 --crop 224)

# calibrate NAME SIDE DEVICE ARGS...: GPU_CHECK_REPEAT runs, outputs in $work/NAME-SIDE (SIDE: ref or dev,
# distinct even when --cpu-only runs both on the CPU); prints "<calibration s> <process s>" (medians).
calibrate() {
  local name=$1 side=$2 dev=$3; shift 3
  local out="$work/$name-$side" times="$work/$name-$side.times"
  : >"$times"
  for i in $(seq "$repeat"); do
    rm -rf "$out"
    local start end
    start=$(date +%s.%N)
    calib run "$@" --device "$dev" --output "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
    end=$(date +%s.%N)
    # calib's own figure: "Quantized N layers from M images in X s." (load to outputs, no process start).
    local inside
    inside=$(sed -n 's/.* images in \([0-9.]*\) s\..*/\1/p' "$out.log")
    echo "$inside $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >>"$times"
  done
  echo "$(cut -d' ' -f1 "$times" | median) $(cut -d' ' -f2 "$times" | median)"
}

rows=()
for model in sample resnet18; do
  if [ "$model" = sample ]; then args=("${sample[@]}"); else args=("${resnet_args[@]}"); fi
  step "$model: calibrate on cpu and on $gpu_side ($repeat runs each)"
  read -r cpu_in cpu_wall < <(calibrate "$model" ref cpu "${args[@]}") || { fail "$model: calibration on cpu failed"; continue; }
  read -r gpu_in gpu_wall < <(calibrate "$model" dev "$gpu_side" "${args[@]}") || { fail "$model: calibration on $gpu_side failed"; continue; }
  record=$(basename "${args[1]}" .onnx)_record.json  # args[1]: the --model path
  compare=$(/usr/bin/python3 scripts/compare_ranges.py "$work/$model-ref/$record" "$work/$model-dev/$record") \
    && verdict=same || { verdict=DIFFERENT; fail "$model: ranges on $gpu_side differ from cpu"; }
  echo "$compare"
  diff=$(sed -n 's/.*max relative difference \([^,]*\),.*/\1/p' <<<"$compare" | tail -1)
  speedup=$(awk -v c="$cpu_in" -v g="$gpu_in" 'BEGIN { printf (g > 0 ? "%.1fx" : "-"), c / g }')
  rows+=("$(printf '%-9s %-8s %10s %10s %9s %11s %11s %10s  %s' "$model" "$gpu_side" "$cpu_in" "$gpu_in" "$speedup" \
    "$(printf '%.2f' "$cpu_wall")" "$(printf '%.2f' "$gpu_wall")" "$diff" "$verdict")")
done

step "the models made on $gpu_side run on ONNX Runtime's CPU provider"
if [ -f "$work/sample-dev/fmnist_resnet_deploy.onnx" ]; then
  calib eval --model models/fmnist_resnet/fmnist_resnet.onnx --quantized "$work/sample-dev/fmnist_resnet_deploy.onnx" \
    --eval-set calibration-data/fmnist-eval --mean 0.2860 --std 0.3530 --device cpu >"$work/eval.log" 2>&1 \
    && grep "_deploy.onnx │" "$work/eval.log" || { cat "$work/eval.log"; fail "the deploy model made on $gpu_side does not run on the CPU"; }
fi

step "the comparison catches a difference"
record="$work/sample-ref/fmnist_resnet_record.json"
if [ -f "$record" ]; then
  /usr/bin/python3 - "$record" "$work/perturbed.json" <<'EOF'
import json, sys
record = json.load(open(sys.argv[1]))
first = next(iter(record["layers"].values()))["activation"]
first["clip_max"] *= 1.001  # 1e-3: ten times the tolerance
json.dump(record, open(sys.argv[2], "w"))
EOF
  if /usr/bin/python3 scripts/compare_ranges.py "$record" "$work/perturbed.json" >/dev/null; then
    fail "compare_ranges.py accepted a clip range 1e-3 off"
  else
    echo "  a clip_max 1e-3 off is reported"
  fi
fi

step "figures (calibration s: calib's own 'in X s', median of $repeat; process s: wall clock incl. start-up)"
printf '%-9s %-8s %10s %10s %9s %11s %11s %10s  %s\n' model device "cpu calib" "dev calib" speed-up "cpu proc s" "dev proc s" "max rel" ranges
for row in "${rows[@]}"; do echo "$row"; done
echo
if [ "$failures" -eq 0 ]; then echo "gpu-check: passed ($gpu_side)"; else echo "gpu-check: $failures failure(s)"; fi
[ "$failures" -eq 0 ]
