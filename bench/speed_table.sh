#!/bin/bash
# Deploy/float latency of calib's deploy model, --optimize-for accuracy (the default) against speed, per net, batch and
# thread count (issue 17; results in bench/README.md). Each cell is one `calib run`: its own paired timing of the
# written deploy model against the float model on the calibration batch shape (<model>_speed.json), after the
# speed placement (when asked for) has timed its candidates on that same shape and thread count.
# usage: bench/speed_table.sh [NETS="fmnist_resnet lenet mobilenet convtranspose resnet18"] [THREADS="1 2"]
# Needs a built CLI (dotnet build src/Calib.Cli), ../shared/data, and the bench nets (made by the bench's
# --placement-study, or scripts/make_bench_nets.py and scripts/make_samples.py --resnet18 into artifacts/bench/).
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/calib-speed-table}; mkdir -p "$OUT"
C="dotnet src/Calib.Cli/bin/Debug/net10.0/linux-x64/calib.dll"
S=../shared/data
FM="--calib-set calibration-data/fmnist --mean 0.2860 --std 0.3530"
declare -A M B
M[fmnist_resnet]="--model models/fmnist_resnet/fmnist_resnet.onnx $FM";  B[fmnist_resnet]="1 32"
M[lenet]="--model $S/onnx/fmnist_lenet.onnx $FM";                        B[lenet]="1 32"
M[mobilenet]="--model artifacts/bench/mobilenet.onnx $FM";               B[mobilenet]="1 32"
M[convtranspose]="--model artifacts/bench/convtranspose.onnx $FM";       B[convtranspose]="1 32"
M[resnet18]="--model artifacts/bench/resnet18.onnx --calib-set calibration-data/fmnist --resize 224 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"
B[resnet18]="1 8"
printf "%-14s %5s %7s   %-9s %-9s %s\n" net batch threads accuracy speed "speed placement: layers kept float"
for net in ${NETS:-fmnist_resnet lenet mobilenet convtranspose resnet18}; do
  for t in ${THREADS:-1 2}; do
    for b in ${B[$net]}; do
      line=$(printf "%-14s %5s %7s  " $net $b $t)
      for goal in accuracy speed; do
        o=$OUT/$net-b$b-t$t-$goal; rm -rf $o
        # 32 images at least, so that the range choice and fidelity check have samples at batch 1 too.
        n=$(( b >= 8 ? 4 : 32 ))
        if ! $C run ${M[$net]} --batch-size $b --batch-num $n --threads $t --optimize-for $goal -o $o > $o.log 2>&1; then
          line="$line FAILED($goal: $(tail -1 $o.log))"; continue
        fi
        line="$line $(/usr/bin/python3 - "$o" "$goal" <<'PY'
import csv, glob, json, sys
o, goal = sys.argv[1:]
speed = json.load(open(glob.glob(o + "/*_speed.json")[0]))
ratio = speed["deploy_ms"] / speed["float_ms"]
rows = list(csv.DictReader(open(glob.glob(o + "/*_calibration.csv")[0])))
kept = [r["layer"] for r in rows if r["placement"] == "float"]
quantized = sum(r["status"] == "quantized" for r in rows)
note = "" if goal == "accuracy" else f"  {len(kept)} float / {quantized} int8" + (" (all float: int8 does not pay)" if kept and quantized == 0 else "")
print(f"{ratio:9.2f}{note}")
PY
)"
      done
      echo "$line"
    done
  done
done
