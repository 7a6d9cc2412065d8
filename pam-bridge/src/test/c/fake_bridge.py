#!/usr/bin/env python3
"""A fake PAM bridge: a test fixture for pam_otp_appliance.so, not the real bridge.

Serves docs/pam-bridge-protocol.md (version 1) on a Unix socket with canned answers, so the C
module can be tested through the real PAM stack (pamtester) without the Java bridge or an appliance.

    fake_bridge.py --socket PATH --mode MODE --log FILE
    fake_bridge.py --syslog PATH --log FILE     (captures syslog datagrams, e.g. on /dev/log)

Every request is validated strictly and appended to --log as one JSON line (the fields, or
{"malformed": reason}); a malformed request gets an ERROR answer.

Modes:
  normal     first round (empty transaction id), by the value typed:
               123456 -> ACCEPT
               ""     -> CHALLENGE "a code was sent by SMS to +41*******67; enter it to log in"
               555555 -> CHALLENGE with an empty message
               000000 -> REJECT "the code has expired; ask for a new one"
               000001 -> REJECT with a message full of terminal control characters
               999999 -> ERROR
               other  -> REJECT, no message
             second round (a transaction id this bridge issued, used once):
               654321 -> ACCEPT
               777777 -> CHALLENGE again
               other  -> REJECT
             unknown or reused transaction id -> REJECT
  malformed  the value typed picks a broken answer (see MALFORMED below; "valid" is a good ACCEPT)
  silent     reads the request, never answers, keeps the connection open
  slow       sends a valid ACCEPT one byte every 0.5 s
  close      reads the request and closes without an answer (like a peer not on the allow list)
  noaccept   listens with a backlog of 0 and never accepts
"""
import argparse
import json
import os
import secrets
import socket
import socketserver
import struct
import sys
import threading
import time

VERSION = 1
AUTHENTICATE = 1
ANSWER = 2
REQUEST_FIELDS = [("service", 64), ("user", 256), ("rhost", 256), ("tty", 64), ("value", 1024), ("txid", 64)]

CHALLENGE_MESSAGE = "a code was sent by SMS to +41*******67; enter it to log in"


def field(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b


def frame(msg_type: int, *fields: bytes, version: int = VERSION) -> bytes:
    body = bytes([version, msg_type]) + b"".join(field(f) for f in fields)
    return struct.pack(">I", len(body)) + body


def answer(result: str, message: str = "", txid: str = "") -> bytes:
    return frame(ANSWER, result.encode(), message.encode(), txid.encode())


def raw(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


ACCEPT = answer("ACCEPT")

MALFORMED = {
    "valid": ACCEPT,
    "len0": struct.pack(">I", 0),
    "len1": struct.pack(">I", 1) + b"\x01",
    "len-huge": struct.pack(">I", 0xFFFFFFFF) + ACCEPT[4:],
    "len-8193": struct.pack(">I", 8193) + ACCEPT[4:] + b"\x00" * (8193 - len(ACCEPT) + 4),
    "short-header": b"\x00\x00",
    "truncated": ACCEPT[:10],
    "version2": answer("ACCEPT")[:4] + b"\x02" + ACCEPT[5:],
    "version0": answer("ACCEPT")[:4] + b"\x00" + ACCEPT[5:],
    "type1": ACCEPT[:5] + b"\x01" + ACCEPT[6:],
    "result-unknown": answer("MAYBE"),
    "result-lower": answer("accept"),
    "result-prefix": answer("ACCEPTED"),
    "result-17": frame(ANSWER, b"ACCEPT" + b" " * 11, b"", b""),
    "result-nul": frame(ANSWER, b"ACCEPT\x00", b"", b""),
    "msg-513": frame(ANSWER, b"ACCEPT", b"m" * 513, b""),
    "txid-65": frame(ANSWER, b"CHALLENGE", b"enter it", b"t" * 65),
    "txid-on-accept": answer("ACCEPT", "", "tx"),
    "challenge-no-txid": answer("CHALLENGE", "enter it", ""),
    "trailing": raw(ACCEPT[4:] + b"\x00"),
    "missing-field": raw(bytes([1, 2]) + field(b"ACCEPT") + field(b"")),
    "no-fields": raw(bytes([1, 2])),
    "field-overrun": raw(bytes([1, 2]) + field(b"ACCEPT") + field(b"") + b"\x00\x05ab"),
    "half-length": raw(bytes([1, 2]) + field(b"ACCEPT") + field(b"") + b"\x00"),
    "bad-utf8": frame(ANSWER, b"ACCEPT", b"\xff\xfe", b""),
    "overlong-utf8": frame(ANSWER, b"ACCEPT", b"\xc0\x80", b""),
    "surrogate-utf8": frame(ANSWER, b"ACCEPT", b"\xed\xa0\x80", b""),
    "cut-utf8": frame(ANSWER, b"ACCEPT", b"ok\xe2\x82", b""),
    "garbage": b"\x00\x00\x00\x40" + bytes(range(0x40)),
    "two-answers": ACCEPT + ACCEPT,  # the first one is a valid ACCEPT: must succeed
}


class Decoded(Exception):
    pass


def recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise Decoded("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_request(conn: socket.socket) -> dict:
    header = recv_exact(conn, 4)
    (n,) = struct.unpack(">I", header)
    if not 2 <= n <= 8192:
        raise Decoded("length %d out of range" % n)
    body = recv_exact(conn, n)
    if body[0] != VERSION or body[1] != AUTHENTICATE:
        raise Decoded("version %d type %d" % (body[0], body[1]))
    pos, out = 2, {}
    for name, limit in REQUEST_FIELDS:
        if len(body) - pos < 2:
            raise Decoded("field %s missing" % name)
        (length,) = struct.unpack(">H", body[pos:pos + 2])
        pos += 2
        if length > limit or len(body) - pos < length:
            raise Decoded("field %s length %d" % (name, length))
        try:
            out[name] = body[pos:pos + length].decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Decoded("field %s not UTF-8" % name)
        pos += length
    if pos != len(body):
        raise Decoded("%d trailing bytes" % (len(body) - pos))
    # The encoding is canonical: re-encoding the fields must give the same bytes.
    again = frame(AUTHENTICATE, *(out[name].encode() for name, _ in REQUEST_FIELDS))
    out["canonical"] = again == header + body
    return out


class Bridge:
    def __init__(self, mode: str, log_path: str):
        self.mode = mode
        self.log_path = log_path
        self.lock = threading.Lock()
        self.txids = set()
        self.stop = threading.Event()

    def log(self, entry: dict) -> None:
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def new_txid(self) -> str:
        txid = "tx-" + secrets.token_hex(16)
        with self.lock:
            self.txids.add(txid)
        return txid

    def decide(self, req: dict) -> bytes:
        value, txid = req["value"], req["txid"]
        if txid:
            with self.lock:
                known = txid in self.txids
                self.txids.discard(txid)
            if not known:
                return answer("REJECT")
            if value == "654321":
                return ACCEPT
            if value == "777777":
                return answer("CHALLENGE", "yet another code", self.new_txid())
            return answer("REJECT")
        if value == "123456":
            return ACCEPT
        if value == "":
            return answer("CHALLENGE", CHALLENGE_MESSAGE, self.new_txid())
        if value == "555555":
            return answer("CHALLENGE", "", self.new_txid())
        if value == "000000":
            return answer("REJECT", "the code has expired; ask for a new one")
        if value == "000001":
            return answer("REJECT", "bad\x1b[2J\x07\r\nnews\u0085!")
        if value == "999999":
            return answer("ERROR")
        return answer("REJECT")

    def handle(self, conn: socket.socket) -> None:
        try:
            try:
                req = read_request(conn)
            except Decoded as e:
                self.log({"malformed": str(e)})
                conn.sendall(answer("ERROR"))
                return
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            req["peer_uid"] = struct.unpack("3i", creds)[1]
            self.log(req)
            if self.mode == "normal":
                conn.sendall(self.decide(req))
            elif self.mode == "malformed":
                conn.sendall(MALFORMED.get(req["value"], b"\x00\x00\x00\x00"))
            elif self.mode == "silent":
                self.stop.wait(60)
            elif self.mode == "slow":
                for b in ACCEPT:
                    conn.sendall(bytes([b]))
                    if self.stop.wait(0.5):
                        return
            elif self.mode == "close":
                pass
        except OSError:
            pass
        finally:
            conn.close()


def serve(args) -> None:
    bridge = Bridge(args.mode, args.log)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    os.chmod(args.socket, 0o600)
    srv.listen(0 if args.mode == "noaccept" else 16)
    print("listening on %s (%s)" % (args.socket, args.mode), flush=True)
    if args.mode == "noaccept":
        while True:
            time.sleep(60)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=bridge.handle, args=(conn,), daemon=True).start()


def capture_syslog(args) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(args.syslog)
    print("capturing syslog on %s" % args.syslog, flush=True)
    with open(args.log, "ab", buffering=0) as f:
        while True:
            f.write(s.recv(65536) + b"\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--socket")
    p.add_argument("--mode", default="normal", choices=["normal", "malformed", "silent", "slow", "close", "noaccept"])
    p.add_argument("--syslog")
    p.add_argument("--log", required=True)
    args = p.parse_args()
    if args.syslog:
        capture_syslog(args)
    elif args.socket:
        serve(args)
    else:
        p.error("--socket or --syslog is required")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
