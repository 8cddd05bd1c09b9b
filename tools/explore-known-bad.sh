#!/usr/bin/env bash
# Every known-bad (driver, shadow strategy) pair explored with --continue; for each, the mechanism its
# cause predicts must be among the distinct findings, shrunk to at most 6 steps. One line per pair:
#   ok|MISSED <pair>: <expected mechanism> <shrunk steps> (<all distinct findings>)
#
#   tools/explore-known-bad.sh [RUNS] [STEPS]          # defaults: 20 30
# Environment: VTDSIM_JAR (default harness/target/vtdsim.jar), OUT (default target/explore-known-bad).
set -euo pipefail

runs="${1:-20}"
steps="${2:-30}"
jar="${VTDSIM_JAR:-harness/target/vtdsim.jar}"
out="${OUT:-target/explore-known-bad}"
mkdir -p "$out"

# name | expected mechanism key | explore arguments
pairs=(
  "psi-only-mamv4|missing-mapping@map|--set machine.shadow-sync=psi-only --set machine.mamv=4"
  "psi-only-detach|stale-mapping@detach|--set machine.shadow-sync=psi-only"
  "psi-only-5.10-lazy|stale-mapping@advance+lazy|--set machine.shadow-sync=psi-only --set driver.preset=linux-5.10 --set driver.dma-mode=lazy"
  "no-map-flush|missing-mapping@map|--set driver.flush=no-map-flush"
  "linux-4.10-iommu-api|missing-mapping@map|--set driver.preset=linux-4.10 --apis iommu"
  "unaligned-undershoot|missing-mapping@map|--set driver.flush=unaligned-undershoot"
  "duplicate-psi-unmap-all-replay|host-error@map|--set driver.flush=duplicate-psi --set machine.shadow-sync=unmap-all-replay"
  "unmap-all-replay-2M-unmap|stale-mapping@unmap|--set machine.shadow-sync=unmap-all-replay --apis iommu"
)

missed=0
for p in "${pairs[@]}"; do
  IFS='|' read -r name expect args <<<"$p"
  # shellcheck disable=SC2086
  java -jar "$jar" explore --runs "$runs" --steps "$steps" --continue --jobs 2 $args \
    --json-lines "$out/$name.jsonl" >"$out/$name.out" 2>"$out/$name.err" || true
  keys=$(grep -o '"type":"finding","key":"[^"]*"' "$out/$name.jsonl" | sed 's/.*"key":"//; s/"$//' | paste -sd, -)
  shrunk=$(grep -F "\"key\":\"$expect\"" "$out/$name.jsonl" | grep -o '"shrunkSteps":[0-9]*' | cut -d: -f2 || true)
  if [ -n "$shrunk" ] && [ "$shrunk" -le 6 ]; then
    echo "ok     $name: $expect in $shrunk steps ($keys)"
  else
    echo "MISSED $name: $expect ${shrunk:-not found} ($keys)"
    missed=$((missed + 1))
  fi
done
exit $((missed > 0))
