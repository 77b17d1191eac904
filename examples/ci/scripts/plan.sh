#!/usr/bin/env bash
# Plan the manifest in DIR against the account the credentials reach.
#
#   plan.sh [DIR]
#
# Writes into $FLEXPLAN_OUT (default: flexplan-out):
#   plan.md     the plan as markdown (for the pull request comment)
#   plan.json   the saved plan, for `apply.sh` (no secrets in it)
#   exitcode    0 no changes, 2 changes, 1 error
# and exits with that code (as `terraform plan -detailed-exitcode`). The plan is
# also appended to $GITHUB_STEP_SUMMARY by flexplan, and `exitcode=N` to
# $GITHUB_OUTPUT when they are set.
#
# FLEXPLAN_ENV   the environment of `environments:` to plan
# FLEXPLAN_ARGS  extra arguments for `flexplan plan` (e.g. --parallelism 4)
# Credentials: TWILIO_ACCOUNT_SID with TWILIO_API_KEY + TWILIO_API_SECRET (or TWILIO_AUTH_TOKEN).
set -euo pipefail
dir="${1:-${FLEXPLAN_DIR:-.}}"
out="${FLEXPLAN_OUT:-flexplan-out}"
mkdir -p "$out"
args=(plan "$dir" --format markdown --out "$out/plan.json" --detailed-exitcode)
if [ -n "${FLEXPLAN_ENV:-}" ]; then args+=(--env "$FLEXPLAN_ENV"); fi
# shellcheck disable=SC2206  # FLEXPLAN_ARGS is split into words on purpose
if [ -n "${FLEXPLAN_ARGS:-}" ]; then args+=($FLEXPLAN_ARGS); fi

code=0
"${FLEXPLAN:-flexplan}" "${args[@]}" >"$out/plan.md" 2>"$out/plan.err" || code=$?
cat "$out/plan.err" >&2
if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
  code=1
  {
    echo "**flexplan plan failed**${FLEXPLAN_ENV:+ for environment \`$FLEXPLAN_ENV\`}"
    echo
    echo '```'
    cat "$out/plan.err"
    echo '```'
  } >"$out/plan.md"
fi
echo "$code" >"$out/exitcode"
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "exitcode=$code" >>"$GITHUB_OUTPUT"; fi
cat "$out/plan.md"
exit "$code"
