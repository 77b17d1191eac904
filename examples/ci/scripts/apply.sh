#!/usr/bin/env bash
# Apply the plan that `plan.sh` saved, without asking (CI).
#
#   apply.sh [PLAN_FILE]      (default: $FLEXPLAN_OUT/plan.json)
#
# Does nothing when the plan had no changes ($FLEXPLAN_OUT/exitcode is 0).
# flexplan refuses a plan that is stale (the account changed since) or was made
# for another account: plan again, then apply.
#
# Apply holds the account lock (docs/locking.md): another apply to the same
# account, from any pipeline or laptop, makes this one wait up to
# FLEXPLAN_LOCK_TIMEOUT (default 10m) and then fail, naming the holder.
set -euo pipefail
out="${FLEXPLAN_OUT:-flexplan-out}"
plan="${1:-$out/plan.json}"
if [ -f "$out/exitcode" ] && [ "$(cat "$out/exitcode")" = "0" ]; then
  echo "No changes to apply${FLEXPLAN_ENV:+ to environment $FLEXPLAN_ENV}."
  exit 0
fi
args=(apply "$plan" --auto-approve --lock-timeout "${FLEXPLAN_LOCK_TIMEOUT:-10m}")
if [ -n "${FLEXPLAN_MESSAGE:-}" ]; then args+=(--message "$FLEXPLAN_MESSAGE"); fi
exec "${FLEXPLAN:-flexplan}" "${args[@]}"
