#!/usr/bin/env bash
# Tests pam_otp_appliance.so through the real PAM stack, against a fake bridge (fake_bridge.py).
#
#   sudo pam-bridge/src/test/c/pam_module_test.sh
#
# Needs root (it writes /etc/pam.d/otpa-c-test-PID, removed on exit), gcc, libpam0g-dev, pamtester
# and python3; valgrind is used when installed. It (re)builds the module with build.sh into
# pam-bridge/target, runs the codec unit tests (frame_test.c, with ASan/UBSan), then drives
# pamtester through every answer the protocol allows and many it does not. If /dev/log does not
# exist it captures syslog there for the run, to check that debug logging never shows a code or a
# transaction id. Exit status 0 when every check passed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_dir="$(cd "$here/../../.." && pwd)"
target="$module_dir/target"
module="$target/pam_otp_appliance.so"

[[ $EUID -eq 0 ]] || { echo "run as root: the test writes /etc/pam.d/otpa-c-test-$$" >&2; exit 2; }
for tool in gcc pamtester python3 timeout; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install -y gcc libpam0g-dev pamtester python3)" >&2; exit 2; }
done

svc="otpa-c-test-$$"
pamfile="/etc/pam.d/$svc"
tmp="$(mktemp -d /tmp/otpa-c-test.XXXXXX)"
chmod 0700 "$tmp"
sock="$tmp/pam.sock"
reqlog="$tmp/requests.jsonl"
syslog="$tmp/syslog.txt"
bridge_pid=""
syslog_pid=""
own_devlog=""

cleanup() {
  [[ -n "$bridge_pid" ]] && kill "$bridge_pid" 2>/dev/null || true
  [[ -n "$syslog_pid" ]] && kill "$syslog_pid" 2>/dev/null || true
  [[ -n "$own_devlog" ]] && rm -f /dev/log
  rm -f "$pamfile"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); printf 'ok    %s\n' "$1"; }
bad() {
  fail=$((fail + 1))
  printf 'FAIL  %s\n' "$1"
  [[ $# -gt 1 ]] && printf '%s\n' "$2" | sed 's/^/      | /'
  return 0
}

# ---- build and unit tests ----

"$module_dir/src/main/c/build.sh" "$target"
[[ -f "$module" ]] || { echo "no $module (build.sh skipped it?)" >&2; exit 1; }
gcc -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
  -o "$tmp/frame_test" "$here/frame_test.c" -lpam
if out=$("$tmp/frame_test" 2>&1); then ok "frame codec unit tests (ASan/UBSan): ${out//$'\n'/; }"; else bad "frame codec unit tests" "$out"; fi

# ---- fixtures ----

if [[ ! -e /dev/log ]]; then
  python3 "$here/fake_bridge.py" --syslog /dev/log --log "$syslog" >/dev/null &
  syslog_pid=$!
  own_devlog=1
  for _ in $(seq 50); do [[ -S /dev/log ]] && break; sleep 0.1; done
fi

start_bridge() { # MODE
  stop_bridge
  rm -f "$sock"
  python3 "$here/fake_bridge.py" --socket "$sock" --mode "$1" --log "$reqlog" >/dev/null &
  bridge_pid=$!
  for _ in $(seq 50); do [[ -S "$sock" ]] && return 0; sleep 0.1; done
  echo "the fake bridge did not start" >&2
  exit 1
}
stop_bridge() {
  if [[ -n "$bridge_pid" ]]; then
    kill "$bridge_pid" 2>/dev/null || true
    wait "$bridge_pid" 2>/dev/null || true
    bridge_pid=""
  fi
}

pam_conf() { # the whole auth section; an account line follows
  printf '%s\n' "$@" >"$pamfile"
  printf 'account required pam_permit.so\n' >>"$pamfile"
}
std_conf() { pam_conf "auth required $module socket=$sock timeout=2 debug $*"; }

requests() { [[ -f "$reqlog" ]] && wc -l <"$reqlog" || echo 0; }
req_field() { # N FIELD: field of the N-th last request
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-int(sys.argv[2])])[sys.argv[3]])' \
    "$reqlog" "$1" "$2"
}

# run INPUT [pamtester options] [-- OPERATION]: sets out, rc, ms, sent (requests made)
run() {
  local input=$1 op=authenticate
  shift
  local args=()
  while [[ $# -gt 0 ]]; do
    if [[ $1 == -- ]]; then op=$2; break; fi
    args+=("$1")
    shift
  done
  local before t0
  before=$(requests)
  t0=$(date +%s%N)
  out=$(printf '%b' "$input" | timeout 30 pamtester "${args[@]}" "$svc" alice "$op" 2>&1) && rc=0 || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  sent=$(($(requests) - before))
}

# expect NAME RC TEXT SENT INPUT [pamtester options] [-- OPERATION]
# RC: pamtester's exit status; TEXT: must appear in its output; SENT: requests the bridge got (- = any)
expect() {
  local name=$1 want_rc=$2 want_text=$3 want_sent=$4
  shift 4
  run "$@"
  if [[ $rc -ne $want_rc ]]; then
    bad "$name: exit $rc, wanted $want_rc" "$out"
  elif [[ $out != *"$want_text"* ]]; then
    bad "$name: output lacks '$want_text'" "$out"
  elif [[ $want_sent != - && $sent -ne $want_sent ]]; then
    bad "$name: $sent request(s) reached the bridge, wanted $want_sent" "$out"
  else
    ok "$name"
  fi
}

SUCCESS="pamtester: successfully authenticated"
AUTH_ERR="pamtester: Authentication failure"
UNAVAIL="pamtester: Authentication service cannot retrieve authentication info"
SERVICE_ERR="pamtester: Error in service module"
CONV_ERR="pamtester: Conversation error"
PERM_DENIED="pamtester: Permission denied"
CHALLENGE_PROMPT="a code was sent by SMS to +41*******67; enter it to log in: "

# ---- the answers of the protocol ----

start_bridge normal
std_conf

expect "right code -> PAM_SUCCESS" 0 "$SUCCESS" 1 '123456\n'
if [[ $(req_field 1 service) == "$svc" && $(req_field 1 user) == alice && $(req_field 1 value) == 123456 &&
      $(req_field 1 txid) == "" && $(req_field 1 rhost) == "" && $(req_field 1 tty) == "" &&
      $(req_field 1 canonical) == True ]]; then
  ok "request fields: service, user, value; empty rhost, tty, transaction id; canonical encoding"
else
  bad "request fields" "$(tail -n1 "$reqlog")"
fi
expect "prompt is the default 'One-time code: '" 0 "One-time code: " 1 '123456\n'
expect "wrong code -> PAM_AUTH_ERR" 1 "$AUTH_ERR" 1 '111111\n'
expect "REJECT message shown" 1 "the code has expired; ask for a new one" 1 '000000\n'
expect "REJECT message hidden with PAM_SILENT" 1 "$AUTH_ERR" 1 '000000\n' -- 'authenticate(PAM_SILENT)'
[[ $out != *"has expired"* ]] && ok "  ... and the message was not shown" || bad "PAM_SILENT showed the message" "$out"
expect "REJECT message with control characters" 1 "bad?[2J???news?!" 1 '000001\n'
[[ $out != *$'\e'* && $out != *$'\a'* ]] && ok "  ... shown without ESC/BEL bytes" || bad "control characters reached the terminal" "$out"
expect "ERROR -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 1 '999999\n'
expect "rhost and tty sent" 0 "$SUCCESS" 1 '123456\n' -I rhost=192.0.2.7 -I tty=pts/3
[[ $(req_field 1 rhost) == 192.0.2.7 && $(req_field 1 tty) == pts/3 ]] && ok "  ... rhost=192.0.2.7 tty=pts/3" || bad "rhost/tty" "$(tail -n1 "$reqlog")"
expect "UTF-8 value with spaces sent verbatim" 1 "$AUTH_ERR" 1 'çode 1 2\n'
[[ $(req_field 1 value) == "çode 1 2" ]] && ok "  ... value arrived intact" || bad "value" "$(tail -n1 "$reqlog")"

# ---- the challenge flow ----

expect "CHALLENGE then right code -> PAM_SUCCESS (two prompts)" 0 "$SUCCESS" 2 '\n654321\n'
[[ $out == *"One-time code: $CHALLENGE_PROMPT"* ]] && ok "  ... second prompt is the challenge message + ': '" || bad "challenge prompt" "$out"
tx=$(req_field 1 txid)
if [[ $(req_field 2 value) == "" && $(req_field 2 txid) == "" && $(req_field 1 value) == 654321 && $tx == tx-* ]]; then
  ok "  ... round 1: empty value, no transaction id; round 2: the code and the transaction id"
else
  bad "challenge requests" "$(tail -n2 "$reqlog")"
fi
expect "CHALLENGE then wrong code -> PAM_AUTH_ERR" 1 "$AUTH_ERR" 2 '\n111111\n'
expect "CHALLENGE with an empty message -> the configured prompt again" 0 "One-time code: One-time code: " 2 '555555\n654321\n'
expect "a second CHALLENGE -> PAM_AUTH_ERR, no third round" 1 "$AUTH_ERR" 2 '\n777777\n'
expect "CHALLENGE, then no input -> PAM_CONV_ERR" 1 "$CONV_ERR" 1 '\n'

# ---- limits and input ----

expect "no input at all -> PAM_CONV_ERR, nothing sent" 1 "$CONV_ERR" 0 ''
expect "value of 1024 bytes is sent" 1 "$AUTH_ERR" 1 "$(printf '%01024d' 7)\n"
expect "value of 1025 bytes -> PAM_AUTH_ERR, nothing sent" 1 "$AUTH_ERR" 0 "$(printf '%01025d' 7)\n"
expect "value not UTF-8 -> PAM_AUTH_ERR, nothing sent" 1 "$AUTH_ERR" 0 '\xff\xfe\n'
expect "rhost of 257 bytes -> PAM_AUTH_ERR, nothing sent" 1 "$AUTH_ERR" 0 '123456\n' -I "rhost=$(printf 'h%.0s' {1..257})"
[[ $out != *"One-time code"* ]] && ok "  ... and no prompt" || bad "prompted although the request could not be sent" "$out"
expect "tty of 64 bytes is sent" 0 "$SUCCESS" 1 '123456\n' -I "tty=$(printf 't%.0s' {1..64})"
expect "tty of 65 bytes -> PAM_AUTH_ERR, nothing sent" 1 "$AUTH_ERR" 0 '123456\n' -I "tty=$(printf 't%.0s' {1..65})"

# ---- options ----

std_conf 'prompt=[Your   code please: ]'
expect "prompt=[Your   code please: ] (words joined by one space)" 0 "Your code please: " 1 '123456\n'
std_conf '[prompt=Code  please: ]'
expect "[prompt=Code  please: ] (libpam brackets, verbatim)" 0 "Code  please: " 1 '123456\n'
std_conf 'prompt=Token:'
expect "prompt=Token:" 0 "Token:" 1 '123456\n'
std_conf 'prompt=[Unclosed'
expect "prompt=[ without ] -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '123456\n'
std_conf 'timeout=abc'
expect "timeout=abc -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '123456\n'
pam_conf "auth required $module socket=relative.sock"
expect "socket=relative -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '123456\n'
std_conf 'no_such_option'
expect "unknown option is ignored" 0 "$SUCCESS" 1 '123456\n'
std_conf 'nullok'
expect "nullok accepted; right code passes" 0 "$SUCCESS" 1 '123456\n'
expect "nullok has no effect on REJECT (protocol v1)" 1 "$AUTH_ERR" 1 '111111\n'

pam_conf "auth optional pam_unix.so nodelay" "auth required $module socket=$sock timeout=2 debug use_first_pass"
expect "use_first_pass takes PAM_AUTHTOK, no prompt of its own" 0 "$SUCCESS" 1 '123456\n'
[[ $out == *"Password: "* && $out != *"One-time code"* ]] && ok "  ... one prompt (pam_unix's)" || bad "prompts" "$out"
expect "use_first_pass, then CHALLENGE is still prompted for" 0 "$CHALLENGE_PROMPT" 2 '\n654321\n'
pam_conf "auth required $module socket=$sock timeout=2 debug use_first_pass"
expect "use_first_pass with no PAM_AUTHTOK -> PAM_AUTH_ERR, no prompt" 1 "$AUTH_ERR" 0 '123456\n'
[[ $out != *"One-time code"* ]] && ok "  ... and no prompt" || bad "use_first_pass prompted" "$out"
pam_conf "auth optional pam_unix.so nodelay" "auth required $module socket=$sock timeout=2 debug try_first_pass"
expect "try_first_pass with PAM_AUTHTOK uses it" 0 "$SUCCESS" 1 '123456\n'
[[ $out != *"One-time code"* ]] && ok "  ... no prompt of its own" || bad "try_first_pass prompted" "$out"
expect "try_first_pass: a refused PAM_AUTHTOK is final" 1 "$AUTH_ERR" 1 '111111\n123456\n'
pam_conf "auth required $module socket=$sock timeout=2 debug try_first_pass"
expect "try_first_pass with no PAM_AUTHTOK prompts" 0 "One-time code: " 1 '123456\n'

# ---- the other hooks ----

printf 'auth required pam_permit.so\naccount required %s\nsession required %s\npassword required %s\n' \
  "$module" "$module" "$module" >"$pamfile"
expect "pam_sm_acct_mgmt -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '' -- acct_mgmt
expect "pam_sm_open_session -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '' -- open_session
expect "pam_sm_close_session -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '' -- close_session
expect "pam_sm_chauthtok -> PAM_SERVICE_ERR" 1 "$SERVICE_ERR" 0 '' -- chauthtok

# ---- fail_open: a stack where only PAM_IGNORE can succeed ----
# [success=die ignore=ignore default=die]: PAM_SUCCESS and every failure end the stack with a
# failure; only PAM_IGNORE goes on to pam_permit. So "successfully authenticated" means PAM_IGNORE.

ignore_conf() { pam_conf "auth [success=die ignore=ignore default=die] $module socket=$sock timeout=2 debug $*" "auth required pam_permit.so"; }
ignore_conf fail_open
expect "fail_open stack: ACCEPT does not pass it (control)" 1 "$PERM_DENIED" 1 '123456\n'
expect "fail_open: REJECT is still PAM_AUTH_ERR" 1 "$AUTH_ERR" 1 '111111\n'
expect "fail_open: ERROR -> PAM_IGNORE" 0 "$SUCCESS" 1 '999999\n'
ignore_conf
expect "same stack without fail_open: ERROR -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 1 '999999\n'

# ---- the bridge misbehaving or absent ----

stop_bridge
ignore_conf fail_open
expect "fail_open: bridge down -> PAM_IGNORE" 0 "$SUCCESS" 0 '123456\n'
std_conf
expect "bridge down (no socket) -> PAM_AUTHINFO_UNAVAIL (fail closed)" 1 "$UNAVAIL" 0 '123456\n'
[[ $ms -lt 1500 ]] && ok "  ... at once (${ms} ms)" || bad "bridge down took ${ms} ms"
rm -f "$sock"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
expect "stale socket file, nobody listening -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 0 '123456\n'

start_bridge malformed
std_conf
expect "malformed mode, a valid ACCEPT (control)" 0 "$SUCCESS" 1 'valid\n'
expect "malformed mode, two frames: the first ACCEPT counts" 0 "$SUCCESS" 1 'two-answers\n'
for variant in len0 len1 len-huge len-8193 short-header truncated version2 version0 type1 result-unknown \
  result-lower result-prefix result-17 result-nul msg-513 txid-65 txid-on-accept challenge-no-txid \
  trailing missing-field no-fields field-overrun half-length bad-utf8 overlong-utf8 surrogate-utf8 \
  cut-utf8 garbage no-such-variant; do
  expect "malformed answer '$variant' -> PAM_AUTHINFO_UNAVAIL, no crash" 1 "$UNAVAIL" 1 "$variant\n"
done

start_bridge close
expect "bridge closes without answering -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 1 '123456\n'

timed() { # NAME: the last run took the 2 s timeout, give or take
  if [[ $ms -ge 1900 && $ms -lt 3500 ]]; then ok "  ... after the timeout (${ms} ms)"; else bad "$1 took ${ms} ms, wanted about 2000"; fi
}
start_bridge silent
expect "bridge never answers -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 1 '123456\n'
timed "silent bridge"
ignore_conf fail_open
expect "fail_open: bridge never answers -> PAM_IGNORE" 0 "$SUCCESS" 1 '123456\n'
std_conf
start_bridge slow
expect "bridge drips a valid ACCEPT, 1 byte / 0.5 s -> PAM_AUTHINFO_UNAVAIL" 1 "$UNAVAIL" 1 '123456\n'
timed "dripping bridge"
start_bridge noaccept
expect "bridge never accepts (1st connection fills the backlog)" 1 "$UNAVAIL" 0 '123456\n'
timed "backlog"
expect "bridge never accepts (2nd connect waits on a full backlog)" 1 "$UNAVAIL" 0 '123456\n'
timed "full backlog"
stop_bridge

# ---- memory: valgrind ----

if command -v valgrind >/dev/null; then
  start_bridge normal
  vg_case() { # NAME INPUT [conf options]
    local name=$1 input=$2
    shift 2
    std_conf "$@"
    local vout vrc
    vout=$(printf '%b' "$input" | timeout 60 valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect --error-exitcode=99 pamtester "$svc" alice authenticate 2>&1) && vrc=0 || vrc=$?
    if [[ $vrc -eq 99 || $vout == *"Invalid "* || $vout == *"uninitialised"* ]]; then bad "valgrind: $name" "$vout"; else ok "valgrind clean: $name"; fi
  }
  vg_case "ACCEPT" '123456\n'
  vg_case "REJECT with message" '000000\n'
  vg_case "CHALLENGE, two rounds" '\n654321\n'
  vg_case "second CHALLENGE" '\n777777\n'
  vg_case "conversation error after CHALLENGE" '\n'
  vg_case "value too long" "$(printf '%01025d' 7)\n"
  vg_case "bad option" '123456\n' 'prompt=[x'
  start_bridge malformed
  vg_case "malformed answer" 'bad-utf8\n'
  vg_case "oversized length" 'len-huge\n'
  stop_bridge
  vg_case "bridge down" '123456\n'
else
  echo "skip  valgrind not installed"
fi

# ---- what debug logging wrote ----

if [[ -n "$own_devlog" ]]; then
  sleep 0.2
  logtext=$(sed "s/$svc/SERVICE/g" "$syslog")
  if [[ $logtext == *"round 2: asking the bridge"* && $logtext == *"returning PAM_SUCCESS"* &&
        $logtext == *"timed out connecting to the PAM bridge"* && $logtext == *"malformed answer from the PAM bridge"* ]]; then
    ok "debug log shows the steps and results ($(wc -l <"$syslog") lines)"
  else
    bad "debug log lacks expected lines" "$(tail -n 20 "$syslog")"
  fi
  leaked=""
  for secret in 123456 654321 111111 000000 999999 777777 555555 "tx-" "çode"; do
    [[ $logtext == *"$secret"* ]] && leaked+=" $secret"
  done
  [[ -z $leaked ]] && ok "debug log never contains a code or a transaction id" || bad "debug log contains:$leaked" "$(grep -F -- "${leaked# }" "$syslog" | head -5)"
else
  echo "skip  syslog checks (/dev/log exists: a real syslog daemon receives the debug lines)"
fi

echo
echo "pam_module_test: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
