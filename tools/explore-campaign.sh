#!/usr/bin/env bash
# An exploration campaign over every correct (driver, shadow strategy) pair: each pair explored as
# SHARDS concurrent `explore --shard I/SHARDS` processes (as a CI matrix would spread it), then the
# shards merged with `explore-merge`; at the end one line of totals.
#
#   tools/explore-campaign.sh [TIME-PER-SHARD] [STEPS] [SHARDS]     # defaults: 40s 200 2
#
# Correct pairs: the strategy is iova-tree (QEMU since 2018 with the 2023 fixes); the driver is an era
# preset with a flush policy that is not one of the faulty ones (linux, strict-psi, always-dsi, global),
# in strict and, where the era has one under caching mode (4.10, 5.10), lazy DMA mode. linux-4.10 never
# flushes IOMMU-API maps, so it is explored through the DMA API only (--apis dma).
# Environment: VTDSIM_JAR (default harness/target/vtdsim.jar), OUT (default target/explore-campaign).
set -euo pipefail

time_per_shard="${1:-40s}"
steps="${2:-200}"
shards="${3:-2}"
jar="${VTDSIM_JAR:-harness/target/vtdsim.jar}"
out="${OUT:-target/explore-campaign}"
mkdir -p "$out"

drivers=(
  "linux-4.10 strict dma" "linux-4.10 lazy dma"
  "linux-5.10 strict iommu,dma" "linux-5.10 lazy iommu,dma"
  "linux-5.18 strict iommu,dma" "linux-6.1 strict iommu,dma" "linux-6.12 strict iommu,dma"
)
flushes=(linux strict-psi always-dsi global)

total_steps=0
total_scenarios=0
total_findings=0
start=$(date +%s)
for d in "${drivers[@]}"; do
  read -r preset mode apis <<<"$d"
  for flush in "${flushes[@]}"; do
    name="$preset-$mode-$flush"
    pids=()
    for ((i = 0; i < shards; i++)); do
      java -jar "$jar" explore --time "$time_per_shard" --steps "$steps" --apis "$apis" --shard "$i/$shards" \
        --set machine.shadow-sync=iova-tree --set "driver.preset=$preset" --set "driver.dma-mode=$mode" \
        --set "driver.flush=$flush" --continue --json-lines "$out/$name.shard$i.jsonl" \
        >"$out/$name.shard$i.out" 2>"$out/$name.shard$i.err" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || true; done
    merged=$(java -jar "$jar" explore-merge "$out/$name".shard*.jsonl | head -n 1) || true
    echo "$name: $merged"
    read -r scenarios steps_run findings < <(sed -E 's/.*: ([0-9]+) scenarios, ([0-9]+) steps, [0-9]+ failing, ([0-9]+) distinct.*/\1 \2 \3/' <<<"$merged")
    total_scenarios=$((total_scenarios + scenarios))
    total_steps=$((total_steps + steps_run))
    total_findings=$((total_findings + findings))
  done
done
wall=$(($(date +%s) - start))
echo "total: ${#drivers[@]} drivers x ${#flushes[@]} flush policies under iova-tree: $total_scenarios scenarios, $total_steps steps, $total_findings distinct findings in ${wall}s ($((total_steps / (wall > 0 ? wall : 1))) steps/s)"
