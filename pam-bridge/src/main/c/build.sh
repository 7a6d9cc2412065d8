#!/usr/bin/env bash
# Builds the PAM module pam_otp_appliance.so from pam_otp_appliance.c.
#
#   pam-bridge/src/main/c/build.sh [OUTPUT_DIR]      (default: pam-bridge/target)
#
# Maven runs it in the compile phase of pam-bridge. Needs gcc (or $CC) and the PAM headers
# (Debian: apt-get install gcc libpam0g-dev). Without them it warns and exits 0 so the Java parts
# still build, unless CI is set: then it fails.
set -euo pipefail

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${1:-$src_dir/../../../target}"
cc="${CC:-gcc}"

missing=""
if ! command -v "$cc" >/dev/null 2>&1; then
  missing="the C compiler '$cc'"
elif ! printf '#include <security/pam_modules.h>\n#include <security/pam_ext.h>\n' \
       | "$cc" -E -x c - -o /dev/null >/dev/null 2>&1; then
  missing="the PAM headers (security/pam_modules.h, security/pam_ext.h)"
fi
if [[ -n "$missing" ]]; then
  if [[ -n "${CI:-}" ]]; then
    echo "ERROR: cannot build the PAM module: $missing not found; install gcc and libpam0g-dev (CI is set, so this fails the build)" >&2
    exit 1
  fi
  echo "WARNING: skipping the PAM module: install gcc and libpam0g-dev ($missing not found)" >&2
  exit 0
fi

mkdir -p "$out_dir"
out="$out_dir/pam_otp_appliance.so"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$cc" -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror -Wformat-security \
  -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
  -Wl,-z,relro,-z,now -Wl,--no-undefined \
  -o "$tmp" "$src_dir/pam_otp_appliance.c" -lpam
mv -f "$tmp" "$out"
echo "built $(cd "$out_dir" && pwd)/pam_otp_appliance.so"
