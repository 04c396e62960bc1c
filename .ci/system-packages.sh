#!/usr/bin/env bash
# Install the system packages the test suite needs: Chromium (browser journeys), PostgreSQL (the
# production database), CJK fonts (screenshots), make (the lint step), Node.js and npm (bpmnlint on
# workflows/*.bpmn). Idempotent; skipped when everything is present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v make >/dev/null 2>&1 || need+=(make)  # make lint (ruff + mypy) runs in .ci/test-all
command -v node >/dev/null 2>&1 || need+=(nodejs)  # bpmnlint (npm ci, npx) in .ci/test-all
command -v npm >/dev/null 2>&1 || need+=(npm)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "缺少系统软件包: ${need[*]} — 请以 root 运行 apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
