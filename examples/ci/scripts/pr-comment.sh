#!/usr/bin/env bash
# Build one pull request comment from the plans of every environment, and post it
# (or update the one posted before) when running on a pull request.
#
#   pr-comment.sh OUT_DIR...     (each holds plan.md and exitcode from plan.sh;
#                                 the directory name, minus "plan-", names the environment)
#
# Needs flexplan installed (`flexplan comment` builds the comment; no credentials).
#
# Writes $FLEXPLAN_COMMENT (default: flexplan-comment.md). Posts it with the gh CLI
# when GH_TOKEN (or GITHUB_TOKEN), GITHUB_REPOSITORY and PR_NUMBER are set;
# otherwise only writes the file.
set -euo pipefail
marker="<!-- flexplan plan -->"
comment="${FLEXPLAN_COMMENT:-flexplan-comment.md}"

# Every environment gets its share of GitHub's 65,536-character limit, cut between
# resources with a notice (never mid-block, never dropping an environment). The
# commit, the CI run and the next step come from FLEXPLAN_COMMIT, FLEXPLAN_RUN_URL
# and FLEXPLAN_NEXT, or from GitHub Actions' own variables (docs/ci.md).
"${FLEXPLAN:-flexplan}" comment "$@" --out "$comment"

token="${GH_TOKEN:-${GITHUB_TOKEN:-}}"
if [ -z "$token" ] || [ -z "${GITHUB_REPOSITORY:-}" ] || [ -z "${PR_NUMBER:-}" ]; then
  echo "Wrote $comment (not posted: no GH_TOKEN / GITHUB_REPOSITORY / PR_NUMBER)."
  exit 0
fi
export GH_TOKEN="$token"
api="repos/$GITHUB_REPOSITORY/issues"
id="$(gh api "$api/$PR_NUMBER/comments" --paginate \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)"
if [ -n "$id" ]; then
  gh api --method PATCH "$api/comments/$id" -F "body=@$comment" >/dev/null
  echo "Updated the plan comment on pull request #$PR_NUMBER."
else
  gh api --method POST "$api/$PR_NUMBER/comments" -F "body=@$comment" >/dev/null
  echo "Posted the plan on pull request #$PR_NUMBER."
fi
