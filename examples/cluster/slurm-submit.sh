#!/usr/bin/env bash
# Submits a sharded `backstop sweep` to Slurm: the shards as one job array
# (slurm-shard.sbatch), then the merge (slurm-merge.sbatch) as a job that starts only once
# every array task has succeeded (--dependency=afterok). Prints both job ids.
#
#   RESULTS=/shared/backstop/aave-ttl-beg SHARDS=16 bash examples/cluster/slurm-submit.sh
#
# SHARDS (default: the script's --array, 8) overrides the array; BACKSTOP, SCENARIO, RUNS and
# SEED are passed to the shards (--export=ALL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${RESULTS:?set RESULTS to a directory on a file system every node mounts}"
export RESULTS
array=()
if [ -n "${SHARDS:-}" ]; then
    array=(--array="0-$((SHARDS - 1))")
fi
shards=$(sbatch --parsable --export=ALL "${array[@]}" "$here/slurm-shard.sbatch")
shards=${shards%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$shards" "$here/slurm-merge.sbatch")
echo "shards: job $shards; merge: job ${merge%%;*} (after all shards succeed)"
echo "results: $RESULTS/merged"
