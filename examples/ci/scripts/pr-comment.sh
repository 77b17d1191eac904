#!/usr/bin/env bash
# Build one pull request comment from the plans of every environment, and post it
# (or update the one posted before) when running on a pull request.
#
#   pr-comment.sh OUT_DIR...     (each holds plan.md and exitcode from plan.sh;
#                                 the directory name, minus "plan-", names the environment)
#
# Writes $FLEXPLAN_COMMENT (default: flexplan-comment.md). Posts it with the gh CLI
# when GH_TOKEN (or GITHUB_TOKEN), GITHUB_REPOSITORY and PR_NUMBER are set;
# otherwise only writes the file.
set -euo pipefail
marker="<!-- flexplan plan -->"
comment="${FLEXPLAN_COMMENT:-flexplan-comment.md}"
limit=65000 # GitHub refuses comments over 65,536 characters

{
  echo "$marker"
  echo "## flexplan plan"
  for dir in "$@"; do
    name="$(basename "$dir")"
    name="${name#plan-}"
    case "$(cat "$dir/exitcode" 2>/dev/null || echo 1)" in
      0) status="no changes" ;;
      2) status="changes" ;;
      *) status="**error**" ;;
    esac
    echo
    echo "### \`$name\`: $status"
    echo
    cat "$dir/plan.md" 2>/dev/null || echo "_no plan was produced_"
  done
} >"$comment"
if [ "$(wc -c <"$comment")" -gt "$limit" ]; then
  head -c "$limit" "$comment" >"$comment.cut"
  printf '\n\n_…cut: the full plans are in the job summaries and the plan artifacts._\n' >>"$comment.cut"
  mv "$comment.cut" "$comment"
fi

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
