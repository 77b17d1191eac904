#!/usr/bin/env bash
# Validate the manifest in DIR (no network, no credentials).
#
#   validate.sh [DIR]
#
# FLEXPLAN_ENV  the environment of `environments:` to check (default: every one)
# On GitHub Actions the problems become annotations on the pull request's files.
set -euo pipefail
dir="${1:-${FLEXPLAN_DIR:-.}}"
format=text
if [ -n "${GITHUB_ACTIONS:-}" ]; then format=github; fi
args=(validate "$dir" --format "$format")
if [ -n "${FLEXPLAN_ENV:-}" ]; then args+=(--env "$FLEXPLAN_ENV"); fi
exec "${FLEXPLAN:-flexplan}" "${args[@]}"
