#!/usr/bin/env bash
# Install the system packages cardpipe needs (Debian/Ubuntu), only those missing.
# Usage: scripts/system-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

langs=(eng deu fra spa por nld ita tur hrv pol ces ron hun swe dan osd)
want=()

command -v python3 >/dev/null 2>&1 || want+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || want+=(python3-venv python3-pip)
command -v tesseract >/dev/null 2>&1 || want+=(tesseract-ocr)
have_langs=$(tesseract --list-langs 2>/dev/null || true)
for l in "${langs[@]}"; do
  grep -qx "$l" <<<"$have_langs" || want+=("tesseract-ocr-$l")
done
if [[ "${1:-}" == "--test" ]]; then
  # LibreOffice converts the exported CSV to a workbook in the export tests.
  command -v soffice >/dev/null 2>&1 || want+=(libreoffice-calc-nogui)
  # The browser tests of `cardpipe serve` drive Debian's Chromium with Playwright.
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  # The PostgreSQL store's tests start a real server of their own (initdb + pg_ctl).
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || want+=(postgresql)
fi

[[ ${#want[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cardpipe needs these system packages: ${want[*]}; install them with your package manager." >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "run as root, or install: ${want[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "Installing system packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
