#!/bin/bash
# Output cosine vs float per model and activation algorithm (docs/FIDELITY.md).
# usage: bench/fidelity_table.sh ifmr hfmg minmax percentile mse entropy default bc nobc eq pt pteq   [MODELS="fsrcnn det1 …"]
# default: range choice, bias correction when it gains 1 dB; bc: always corrected; nobc: never;
# eq: the default with --equalize (cross-layer equalization); pt: --per-tensor-weights; pteq: both.
# Needs a built CLI (dotnet build src/Calib.Cli) and ../shared/data; prints one line per model and algorithm.
cd "$(dirname "$0")/.."
mkdir -p "${OUT:-/tmp/calib-fidelity-table}"
C="dotnet src/Calib.Cli/bin/Debug/net10.0/linux-x64/calib.dll"
S=../shared/data
F="--fidelity-set $S/fmnist/test --fidelity-samples 64"
declare -A M
M[fsrcnn]="--model $S/caffe/fsrcnn/fsrcnn_deploy_32x32.prototxt --weights $S/caffe/fsrcnn/snapshot_iter_2546000.caffemodel --calib-set $S/fmnist/calib --batch-num 64 --batch-size 1 --resize 32 --scale 0.0039215686"
M[ultraface]="--model $S/caffe/ultraface-slim-320/slim-320.prototxt --weights $S/caffe/ultraface-slim-320/slim-320.caffemodel --calib-set $S/fmnist/calib --batch-num 64 --batch-size 1 --resize 240x320 --mean 0.49609 --std 0.5"
M[det1]="--model $S/caffe/mtcnn/det1.prototxt --weights $S/caffe/mtcnn/det1.caffemodel --calib-set $S/fmnist/calib --batch-num 64 --batch-size 1 --resize 12 --mean 0.5 --std 0.50196"
M[det2]="--model $S/caffe/mtcnn/det2.prototxt --weights $S/caffe/mtcnn/det2.caffemodel --calib-set $S/fmnist/calib --batch-num 64 --batch-size 1 --resize 24 --mean 0.5 --std 0.50196"
M[det3]="--model $S/caffe/mtcnn/det3.prototxt --weights $S/caffe/mtcnn/det3.caffemodel --calib-set $S/fmnist/calib --batch-num 64 --batch-size 1 --resize 48 --mean 0.5 --std 0.50196"
M[fmnist_resnet]="--model models/fmnist_resnet/fmnist_resnet.onnx --calib-set calibration-data/fmnist --batch-num 8 --batch-size 32 --mean 0.2860 --std 0.3530"
M[fmnist_lenet]="--model $S/onnx/fmnist_lenet.onnx --calib-set $S/fmnist/calib --batch-num 8 --batch-size 32 --mean 0.2860 --std 0.3530"
for m in ${MODELS:-fsrcnn ultraface det1 det2 det3 fmnist_resnet fmnist_lenet}; do
  for a in $@; do
    o=${OUT:-/tmp/calib-fidelity-table}/$m-$a; rm -rf $o
    case $a in
      default) algo="" ;; bc) algo="--bias-correction" ;; nobc) algo="--no-bias-correction" ;;
      eq) algo="--equalize" ;; pt) algo="--per-tensor-weights" ;; pteq) algo="--per-tensor-weights --equalize" ;;
      *) algo="--act-algo $a" ;;
    esac
    start=$(date +%s.%N)
    $C run ${M[$m]} $algo $F -o $o > $o.log 2>&1 || { echo "$m $a FAILED $(tail -1 $o.log)"; continue; }
    end=$(date +%s.%N)
    python3 - "$o" "$m" "$a" "$start" "$end" <<'PY'
import json,sys,glob
o,m,a,s,e=sys.argv[1:]
j=json.load(open(glob.glob(o+"/*_fidelity.json")[0]))
fq=min(x["fake_quant"]["cosine"] for x in j["outputs"]); dp=min(x["deploy"]["cosine"] for x in j["outputs"])
fqs=min(x["fake_quant"]["sqnr_db"] for x in j["outputs"]); dps=min(x["deploy"]["sqnr_db"] for x in j["outputs"])
per=" ".join(f'{x["output"]}={x["fake_quant"]["cosine"]:.5f}' for x in j["outputs"])
print(f"{m:14s} {a:10s} fq {fq:.5f} deploy {dp:.5f} sqnr {fqs:.2f} / {dps:.2f} dB wall {float(e)-float(s):6.1f}s  [{per}]")
PY
  done
done
