#!/usr/bin/env bash
# GPU figures in one unattended run, on a machine with a Java runtime and the built jars (cli/target/cohort.jar and
# cli/target/lib/; swap in the CUDA native library as docs/GPU.md says). Builds nothing and downloads nothing.
#
#   bench/gpu/run.sh [--out DIR] [--device gpu:0] [--peak-flops 312e12] [--precisions "fp32 fp16-mixed"] [--quick]
#
# It runs `cohort doctor` on the device, the step benchmark (`cohort bench step`) at the reference shape of
# docs/PERFORMANCE.md and at a ~500M-parameter MoE in every precision, and 50 training steps of the demo model;
# then writes DIR/figures.json (step ms, tokens/s, MFU against --peak-flops, device memory) and each part's output
# in DIR/logs/. --quick shrinks every shape and step count (CI runs it with --device cpu --quick).
# COHORT_CLASSPATH replaces the jars' class path (the tests run it on their own); COHORT_JAVA_OPTS adds JVM flags.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/runs/bench-gpu"
device="gpu:0"
peak="312e12" # an A100's dense float16/bfloat16 tensor-core peak; pass your GPU's
precisions="fp32 fp16-mixed"
quick=0

fail() {
  echo "bench/gpu/run.sh: $*" >&2
  exit 1
}

while (( $# > 0 )); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --device) device="$2"; shift 2 ;;
    --peak-flops) peak="$2"; shift 2 ;;
    --precisions) precisions="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

if [[ -z "${COHORT_CLASSPATH:-}" ]]; then
  [[ -f "$root/cli/target/cohort.jar" && -d "$root/cli/target/lib" ]] \
    || fail "no built jars in $root/cli/target (cohort.jar, lib/): build them where Maven is (mvn -B -DskipTests package) and copy the checkout here"
fi
classpath="${COHORT_CLASSPATH:-$root/cli/target/cohort.jar:$root/cli/target/lib/*}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
command -v "$java_bin" > /dev/null || fail "no Java runtime ($java_bin): install Java 17 or set JAVA_HOME"

mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
cd "$root"

# cohort NAME ARGS...: the CLI on the jars, offline; stdout to logs/NAME.out, stderr to logs/NAME.log.
cohort() {
  local name="$1"
  shift
  # shellcheck disable=SC2086  # COHORT_JAVA_OPTS is a list of JVM flags
  "$java_bin" ${COHORT_JAVA_OPTS:-} -Dai.djl.offline=true -cp "$classpath" dev.cohort.cli.Main "$@" \
    > "$out/logs/$name.out" 2> "$out/logs/$name.log"
}

# The last line of a part's output that is a JSON object (the engine may log to stdout before it).
json_of() {
  grep '^{' "$out/logs/$1.out" | tail -n 1
}

echo "doctor on $device ..." >&2
cohort doctor doctor --json --device "$device" \
  || fail "the device does not work: see $out/logs/doctor.out (selected.error) and $out/logs/doctor.log"
doctor="$(json_of doctor)"

if (( quick )); then
  shapes=("reference:--vocab 512 --d 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --experts 4 --topk 2 --batch 2 --seq 32"
          "moe-500m:--vocab 1024 --d 128 --layers 2 --heads 4 --kv-heads 4 --ffn 256 --experts 4 --topk 2 --batch 2 --seq 32")
  timing=(--steps 2 --warmup 1)
  train_steps=2
  train_model=(--config conf/model/tiny.conf --set model.vocab-size=50257 --set data.seq-len=16
               --set train.micro-batch-size=1)
else
  shapes=("reference:--vocab 8192 --d 256 --layers 4 --heads 4 --kv-heads 2 --ffn 512 --experts 8 --topk 2 --batch 8 --seq 256"
          "moe-500m:--vocab 32768 --d 1024 --layers 8 --heads 16 --kv-heads 16 --ffn 2048 --experts 8 --topk 2 --batch 8 --seq 1024")
  timing=(--steps 20 --warmup 3)
  train_steps=50
  train_model=()
fi

steps_json=""
for shape in "${shapes[@]}"; do
  name="${shape%%:*}"
  read -r -a dims <<< "${shape#*:}"
  for precision in $precisions; do
    # fp32 is the step benchmark's default: the option is passed only for the other precisions.
    precision_args=()
    [[ "$precision" == "fp32" ]] || precision_args=(--precision "$precision")
    echo "bench step $name $precision ..." >&2
    cohort "step-$name-$precision" bench step "${dims[@]}" "${timing[@]}" "${precision_args[@]}" \
      --device "$device" --peak-flops "$peak" \
      || fail "bench step $name $precision failed: see $out/logs/step-$name-$precision.log"
    step="$(json_of "step-$name-$precision")"
    steps_json+="${steps_json:+,}{\"shape\":\"$name\",\"precision\":\"$precision\",${step#\{}"
  done
done

echo "train $train_steps steps ..." >&2
rm -rf "$out/runs/train"
cohort train train --no-progress "${train_model[@]}" --set train.steps="$train_steps" \
  --set train.device="\"$device\"" --set train.eval-every=0 --set metrics.enabled=false \
  --set metrics.peak-flops-per-worker="$peak" --set run.dir="\"$out/runs\"" --set run.name=train \
  --set data.prepared="\"$root/runs/data/brown-gpt2\"" \
  || fail "training failed: see $out/logs/train.log"
metrics="$out/runs/train/metrics.jsonl"

# Values of one numeric field over the steps after the first (which compiles and allocates), one per line; none
# when the steps do not have it (device memory on the CPU).
field() {
  tail -n +2 "$metrics" | { grep -o "\"$1\":[-0-9.eE+]*" || true; } | cut -d: -f2
}
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "null"; else if (NR % 2) print v[(NR + 1) / 2];
    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maximum() {
  sort -g | awk 'END { print (NR == 0 ? "null" : $1) }'
}
train_json="{\"model\":\"$( (( quick )) && echo tiny || echo demo)\",\"steps\":$train_steps"
train_json+=",\"step_ms\":$(field step_ms | median),\"tokens_per_s\":$(field tokens_per_s | median)"
train_json+=",\"mfu\":$(field mfu | median),\"device_memory_used_bytes_max\":$(field device_memory_used_bytes | maximum)"
train_json+=",\"final_loss\":$(tail -n 1 "$metrics" | grep -o '"loss":[-0-9.eE+]*' | cut -d: -f2)}"

cat > "$out/figures.json" <<JSON
{"date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","host":"$(hostname)","device":"$device","peak_flops":$peak,"quick":$( (( quick )) && echo true || echo false),
"doctor":$doctor,
"step":[$steps_json],
"train":$train_json}
JSON
echo "$out/figures.json"
