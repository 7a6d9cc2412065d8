/*
 * pam_otp_appliance.so: a PAM authentication module that asks the OTP Appliance, through the local
 * PAM bridge's Unix-domain socket, whether the one-time code a user typed is right.
 *
 * The wire protocol (version 1) is docs/pam-bridge-protocol.md: one length-prefixed frame each way
 * per connection, one connection per round, at most two rounds (the second answers a CHALLENGE).
 * No HTTP, TLS or keys in here: the bridge behind the socket owns all of that.
 *
 * Module arguments (the PAM configuration line):
 *
 *   socket=PATH      absolute path of the bridge's socket; default /run/otp-appliance/pam.sock.
 *   prompt=TEXT      the first prompt; default "One-time code: ". PAM splits arguments on blanks, so
 *                    a prompt with spaces is written in brackets, either way round:
 *                        prompt=[One-time code: ]     (this module joins the split words again:
 *                                                      every run of blanks becomes one space)
 *                        [prompt=One-time code: ]     (libpam's own bracket syntax, kept verbatim;
 *                                                      write "\]" for a "]" inside it)
 *   use_first_pass   send PAM_AUTHTOK (what an earlier module collected) and never prompt for the
 *                    first value; no PAM_AUTHTOK -> PAM_AUTH_ERR.
 *   try_first_pass   send PAM_AUTHTOK if an earlier module set one, else prompt. Unlike pam_unix, a
 *                    refused PAM_AUTHTOK is final (no second prompt): every attempt the appliance
 *                    sees counts against the user's fail counter.
 *                    (With either option, the answer to a CHALLENGE is still prompted for: it is a
 *                    code the user has only just received.)
 *   timeout=SECONDS  time allowed per round for connect + send + receive (1..600; default 10). The
 *                    time the user spends typing is not counted.
 *   nullok           a user with no token (the bridge answers NOT_ENROLLED) passes with PAM_IGNORE;
 *                    without nullok such a user fails (PAM_AUTH_ERR). The bridge answers NOT_ENROLLED
 *                    only when the appliance allows it (otp.appliance.pam.nullok=true); otherwise it
 *                    answers REJECT (no user enumeration) and nullok has no effect.
 *   fail_open        bridge unreachable, timed out, malformed answer or ERROR -> PAM_IGNORE instead of
 *                    PAM_AUTHINFO_UNAVAIL (off by default: fail closed).
 *   debug            log steps and results to syslog at LOG_DEBUG. Never logs the value typed, the
 *                    password or the transaction id.
 *
 * Unknown arguments are logged (LOG_ERR) and ignored; a bad value for a known one (timeout=abc, a
 * relative or over-long socket path, an unclosed prompt bracket) makes the module return
 * PAM_SERVICE_ERR whatever fail_open says, because that is a broken configuration, not an outage.
 *
 * Conversation: the first prompt is PAM_PROMPT_ECHO_OFF with the configured prompt. An empty answer
 * is sent as is (protocol: an empty value asks for a challenge). On CHALLENGE, the bridge's message
 * becomes the second prompt itself (echo off), with ": " appended unless it already ends in ':' -
 * not a separate PAM_TEXT_INFO followed by the fixed prompt, since some SSH keyboard-interactive
 * clients hide the instruction text and the user would see only a bare prompt. An empty challenge
 * message falls back to the configured prompt.
 *
 * Results: ACCEPT -> PAM_SUCCESS; REJECT -> PAM_ERROR_MSG with the message (if any, and unless
 * PAM_SILENT), then PAM_AUTH_ERR; NOT_ENROLLED -> PAM_IGNORE with nullok, else PAM_AUTH_ERR;
 * a second CHALLENGE -> PAM_AUTH_ERR; ERROR, no answer, a malformed
 * answer, cannot connect, timeout -> PAM_AUTHINFO_UNAVAIL (PAM_IGNORE with fail_open). A request
 * field longer than the protocol allows, or not valid UTF-8 -> PAM_AUTH_ERR, nothing sent.
 *
 * Only authentication is implemented: pam_sm_setcred returns PAM_SUCCESS (this module grants no
 * credentials, and failing there would break stacks that call it after a successful auth);
 * account, session and password hooks return PAM_SERVICE_ERR, so a configuration that lists this
 * module in those stacks fails visibly instead of silently passing.
 *
 * Secrets (the value typed, the transaction id, and every frame carrying them) are wiped with
 * explicit_bzero as soon as they are no longer needed. The module keeps no global state.
 */
#define _GNU_SOURCE /* explicit_bzero, SOCK_CLOEXEC, MSG_NOSIGNAL */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#define PAM_SM_PASSWORD
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

/* ---- protocol constants (docs/pam-bridge-protocol.md) ---- */

#define OTPA_VERSION 1u
#define OTPA_TYPE_AUTHENTICATE 1u
#define OTPA_TYPE_ANSWER 2u
#define OTPA_FRAME_MIN 2u    /* N: bytes after the 4-byte length prefix */
#define OTPA_FRAME_MAX 8192u
#define OTPA_BUF_SIZE (4u + OTPA_FRAME_MAX)

#define OTPA_MAX_SERVICE 64u
#define OTPA_MAX_USER 256u
#define OTPA_MAX_RHOST 256u
#define OTPA_MAX_TTY 64u
#define OTPA_MAX_VALUE 1024u
#define OTPA_MAX_TXID 64u
#define OTPA_MAX_RESULT 16u
#define OTPA_MAX_MESSAGE 512u

#define OTPA_MAX_ROUNDS 2

/* ---- module defaults ---- */

#define OTPA_DEFAULT_SOCKET "/run/otp-appliance/pam.sock"
#define OTPA_DEFAULT_PROMPT "One-time code: "
#define OTPA_DEFAULT_TIMEOUT 10
#define OTPA_MAX_TIMEOUT 600
#define OTPA_MAX_PROMPT 512u

#define OTPA_SUN_PATH_SIZE sizeof(((struct sockaddr_un *)0)->sun_path)

struct otpa_options {
    char socket_path[OTPA_SUN_PATH_SIZE];
    char prompt[OTPA_MAX_PROMPT + 1];
    int timeout_s;
    bool use_first_pass;
    bool try_first_pass;
    bool nullok;
    bool fail_open;
    bool debug;
};

/* A byte string that need not be NUL-terminated. */
struct otpa_bytes {
    const char *p;
    size_t n;
};

struct otpa_request {
    struct otpa_bytes service, user, rhost, tty, value, txid;
};

enum otpa_result { OTPA_ACCEPT, OTPA_REJECT, OTPA_CHALLENGE, OTPA_ERROR, OTPA_NOT_ENROLLED };

struct otpa_answer {
    enum otpa_result result;
    char message[OTPA_MAX_MESSAGE + 1]; /* sanitized for display, NUL-terminated */
    char txid[OTPA_MAX_TXID];           /* opaque bytes, exactly txid_len of them */
    size_t txid_len;
};

static const char *otpa_result_name(enum otpa_result r)
{
    switch (r) {
    case OTPA_ACCEPT: return "ACCEPT";
    case OTPA_REJECT: return "REJECT";
    case OTPA_CHALLENGE: return "CHALLENGE";
    case OTPA_ERROR: return "ERROR";
    case OTPA_NOT_ENROLLED: return "NOT_ENROLLED";
    }
    return "?";
}

/* ---- UTF-8 ---- */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool otpa_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80u) {
            i++;
            continue;
        } else if (c >= 0xC2u && c <= 0xDFu) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0u && c <= 0xEFu) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0u && c <= 0xF4u) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            unsigned char cc = s[i + k];
            if ((cc & 0xC0u) != 0x80u)
                return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800u) || (len == 4 && cp < 0x10000u) || cp > 0x10FFFFu ||
            (cp >= 0xD800u && cp <= 0xDFFFu))
            return false;
        i += len;
    }
    return true;
}

/*
 * Copies valid UTF-8 text for display: C0 controls, DEL and C1 controls (U+0080..U+009F) become
 * '?', so a message cannot move the cursor or send terminal escape sequences. out has room for
 * n + 1 bytes.
 */
static void otpa_sanitize_text(const unsigned char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x20u || c == 0x7Fu) {
            out[o++] = '?';
        } else if (c == 0xC2u && i + 1 < n && s[i + 1] >= 0x80u && s[i + 1] <= 0x9Fu) {
            out[o++] = '?';
            i++;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

/* ---- encoding and decoding ---- */

static bool otpa_field_ok(struct otpa_bytes f, size_t max)
{
    return f.n <= max && (f.n == 0 || f.p != NULL) && otpa_utf8_valid((const unsigned char *)f.p, f.n);
}

static void otpa_put_u16(unsigned char *out, size_t v)
{
    out[0] = (unsigned char)((v >> 8) & 0xFFu);
    out[1] = (unsigned char)(v & 0xFFu);
}

static void otpa_put_field(unsigned char *out, size_t *pos, struct otpa_bytes f)
{
    otpa_put_u16(out + *pos, f.n);
    *pos += 2;
    if (f.n > 0)
        memcpy(out + *pos, f.p, f.n);
    *pos += f.n;
}

/*
 * Encodes an AUTHENTICATE frame into out (OTPA_BUF_SIZE bytes). Returns false, writing nothing,
 * when a field is longer than the protocol allows or is not UTF-8.
 */
static bool otpa_encode_request(const struct otpa_request *r, unsigned char *out, size_t *out_len)
{
    if (!otpa_field_ok(r->service, OTPA_MAX_SERVICE) || !otpa_field_ok(r->user, OTPA_MAX_USER) ||
        !otpa_field_ok(r->rhost, OTPA_MAX_RHOST) || !otpa_field_ok(r->tty, OTPA_MAX_TTY) ||
        !otpa_field_ok(r->value, OTPA_MAX_VALUE) || !otpa_field_ok(r->txid, OTPA_MAX_TXID))
        return false;
    /* At most 2 + 6 * 2 + 1728 = 1742 bytes: always within OTPA_FRAME_MAX. */
    size_t pos = 4;
    out[pos++] = (unsigned char)OTPA_VERSION;
    out[pos++] = (unsigned char)OTPA_TYPE_AUTHENTICATE;
    otpa_put_field(out, &pos, r->service);
    otpa_put_field(out, &pos, r->user);
    otpa_put_field(out, &pos, r->rhost);
    otpa_put_field(out, &pos, r->tty);
    otpa_put_field(out, &pos, r->value);
    otpa_put_field(out, &pos, r->txid);
    size_t n = pos - 4;
    out[0] = (unsigned char)((n >> 24) & 0xFFu);
    out[1] = (unsigned char)((n >> 16) & 0xFFu);
    out[2] = (unsigned char)((n >> 8) & 0xFFu);
    out[3] = (unsigned char)(n & 0xFFu);
    *out_len = pos;
    return true;
}

/* Reads one field at *pos of body[0..n); false if it is cut off, too long or not UTF-8. */
static bool otpa_get_field(const unsigned char *body, size_t n, size_t *pos, size_t max,
                           const unsigned char **field, size_t *field_len)
{
    if (n - *pos < 2)
        return false;
    size_t len = ((size_t)body[*pos] << 8) | (size_t)body[*pos + 1];
    *pos += 2;
    if (len > max || n - *pos < len)
        return false;
    if (!otpa_utf8_valid(body + *pos, len))
        return false;
    *field = body + *pos;
    *field_len = len;
    *pos += len;
    return true;
}

static bool otpa_bytes_equal(const unsigned char *p, size_t n, const char *s)
{
    size_t sl = strlen(s);
    return n == sl && memcmp(p, s, n) == 0;
}

/*
 * Decodes an answer frame body (the N bytes after the length prefix, starting with the version).
 * Returns false for anything that is not exactly a version-1 answer with three valid fields, a
 * known result, and a transaction id present for CHALLENGE and absent otherwise.
 */
static bool otpa_decode_answer(const unsigned char *body, size_t n, struct otpa_answer *a)
{
    const unsigned char *result, *message, *txid;
    size_t result_len, message_len, txid_len;
    size_t pos = 0;

    if (n < OTPA_FRAME_MIN || n > OTPA_FRAME_MAX)
        return false;
    if (body[0] != OTPA_VERSION || body[1] != OTPA_TYPE_ANSWER)
        return false;
    pos = 2;
    if (!otpa_get_field(body, n, &pos, OTPA_MAX_RESULT, &result, &result_len) ||
        !otpa_get_field(body, n, &pos, OTPA_MAX_MESSAGE, &message, &message_len) ||
        !otpa_get_field(body, n, &pos, OTPA_MAX_TXID, &txid, &txid_len))
        return false;
    if (pos != n)
        return false; /* trailing bytes */

    if (otpa_bytes_equal(result, result_len, "ACCEPT"))
        a->result = OTPA_ACCEPT;
    else if (otpa_bytes_equal(result, result_len, "REJECT"))
        a->result = OTPA_REJECT;
    else if (otpa_bytes_equal(result, result_len, "CHALLENGE"))
        a->result = OTPA_CHALLENGE;
    else if (otpa_bytes_equal(result, result_len, "ERROR"))
        a->result = OTPA_ERROR;
    else if (otpa_bytes_equal(result, result_len, "NOT_ENROLLED"))
        a->result = OTPA_NOT_ENROLLED;
    else
        return false;

    if ((a->result == OTPA_CHALLENGE) != (txid_len > 0))
        return false;

    otpa_sanitize_text(message, message_len, a->message);
    if (txid_len > 0)
        memcpy(a->txid, txid, txid_len);
    a->txid_len = txid_len;
    return true;
}

/* ---- options ---- */

/* Appends s to buf (capacity cap, NUL-terminated); false if it does not fit. */
static bool otpa_append(char *buf, size_t cap, const char *s, size_t n)
{
    size_t used = strlen(buf);
    if (n >= cap - used)
        return false;
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
    return true;
}

static int otpa_parse_options(pam_handle_t *pamh, int argc, const char **argv, struct otpa_options *o)
{
    memset(o, 0, sizeof(*o));
    memcpy(o->socket_path, OTPA_DEFAULT_SOCKET, sizeof(OTPA_DEFAULT_SOCKET));
    memcpy(o->prompt, OTPA_DEFAULT_PROMPT, sizeof(OTPA_DEFAULT_PROMPT));
    o->timeout_s = OTPA_DEFAULT_TIMEOUT;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg == NULL)
            continue;
        if (strcmp(arg, "debug") == 0) {
            o->debug = true;
        } else if (strcmp(arg, "use_first_pass") == 0) {
            o->use_first_pass = true;
        } else if (strcmp(arg, "try_first_pass") == 0) {
            o->try_first_pass = true;
        } else if (strcmp(arg, "nullok") == 0) {
            o->nullok = true;
        } else if (strcmp(arg, "fail_open") == 0) {
            o->fail_open = true;
        } else if (strncmp(arg, "socket=", 7) == 0) {
            const char *path = arg + 7;
            size_t len = strlen(path);
            if (path[0] != '/' || len >= sizeof(o->socket_path)) {
                pam_syslog(pamh, LOG_ERR, "socket= needs an absolute path shorter than %zu bytes",
                           sizeof(o->socket_path));
                return PAM_SERVICE_ERR;
            }
            memcpy(o->socket_path, path, len + 1);
        } else if (strncmp(arg, "timeout=", 8) == 0) {
            const char *v = arg + 8;
            char *end = NULL;
            errno = 0;
            long t = strtol(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || t < 1 || t > OTPA_MAX_TIMEOUT) {
                pam_syslog(pamh, LOG_ERR, "timeout= needs whole seconds from 1 to %d",
                           OTPA_MAX_TIMEOUT);
                return PAM_SERVICE_ERR;
            }
            o->timeout_s = (int)t;
        } else if (strncmp(arg, "prompt=", 7) == 0) {
            const char *v = arg + 7;
            size_t len = strlen(v);
            o->prompt[0] = '\0';
            if (v[0] != '[') {
                /* plain, or libpam's "[prompt=...]" form, which reaches us already unbracketed */
                if (!otpa_append(o->prompt, sizeof(o->prompt), v, len)) {
                    pam_syslog(pamh, LOG_ERR, "prompt= is longer than %u bytes", OTPA_MAX_PROMPT);
                    return PAM_SERVICE_ERR;
                }
                continue;
            }
            /* prompt=[words ...]: libpam split it on blanks; join the words with single spaces. */
            const char *word = v + 1;
            for (;;) {
                size_t wl = strlen(word);
                bool last = wl > 0 && word[wl - 1] == ']';
                if (!otpa_append(o->prompt, sizeof(o->prompt), word, last ? wl - 1 : wl)) {
                    pam_syslog(pamh, LOG_ERR, "prompt= is longer than %u bytes", OTPA_MAX_PROMPT);
                    return PAM_SERVICE_ERR;
                }
                if (last)
                    break;
                if (i + 1 >= argc || argv[i + 1] == NULL) {
                    pam_syslog(pamh, LOG_ERR, "prompt=[ has no closing ]");
                    return PAM_SERVICE_ERR;
                }
                if (!otpa_append(o->prompt, sizeof(o->prompt), " ", 1)) {
                    pam_syslog(pamh, LOG_ERR, "prompt= is longer than %u bytes", OTPA_MAX_PROMPT);
                    return PAM_SERVICE_ERR;
                }
                word = argv[++i];
            }
        } else {
            pam_syslog(pamh, LOG_ERR, "unknown option ignored: %s", arg);
        }
    }
    return PAM_SUCCESS;
}

/* ---- the socket ---- */

static int64_t otpa_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (>= 0), or -1 if the clock failed. */
static int otpa_remaining_ms(int64_t deadline)
{
    int64_t now = otpa_now_ms();
    if (now < 0)
        return -1;
    if (now >= deadline)
        return 0;
    int64_t left = deadline - now;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* Waits until fd is ready for events or the deadline passes. Returns 0 ready, -1 timeout or error. */
static int otpa_wait(int fd, short events, int64_t deadline)
{
    for (;;) {
        int left = otpa_remaining_ms(deadline);
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
        int r = poll(&pfd, 1, left);
        if (r > 0)
            return 0; /* ready, or POLLHUP/POLLERR: the next send/recv reports it */
        if (r == 0)
            return -1;
        if (errno != EINTR)
            return -1;
    }
}

static int otpa_connect(pam_handle_t *pamh, const struct otpa_options *o, int64_t deadline)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, o->socket_path, strlen(o->socket_path) + 1);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        pam_syslog(pamh, LOG_ERR, "cannot create a socket: %m");
        return -1;
    }
    for (;;) {
        if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) == 0)
            return fd;
        int err = errno;
        if (err == EINTR)
            continue;
        if (err == EAGAIN) {
            /* AF_UNIX: the listener's backlog is full. Retry until the deadline. */
            int left = otpa_remaining_ms(deadline);
            if (left <= 0)
                break;
            if (poll(NULL, 0, left < 20 ? left : 20) < 0 && errno != EINTR)
                break;
            continue;
        }
        if (err == EINPROGRESS) {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (otpa_wait(fd, POLLOUT, deadline) == 0 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                return fd;
            errno = soerr != 0 ? soerr : ETIMEDOUT;
            err = errno;
        }
        errno = err;
        pam_syslog(pamh, LOG_ERR, "cannot connect to the PAM bridge at %s: %m", o->socket_path);
        close(fd);
        return -1;
    }
    pam_syslog(pamh, LOG_ERR, "timed out connecting to the PAM bridge at %s", o->socket_path);
    close(fd);
    return -1;
}

static int otpa_send_all(int fd, const unsigned char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += (size_t)w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (otpa_wait(fd, POLLOUT, deadline) != 0) {
                errno = ETIMEDOUT;
                return -1;
            }
        } else {
            return -1;
        }
    }
    return 0;
}

/* Reads exactly n bytes. Returns 0, or -1 on error, end of stream or deadline. */
static int otpa_recv_all(int fd, unsigned char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r > 0) {
            p += (size_t)r;
            n -= (size_t)r;
        } else if (r == 0) {
            errno = ECONNRESET;
            return -1;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (otpa_wait(fd, POLLIN, deadline) != 0) {
                errno = ETIMEDOUT;
                return -1;
            }
        } else {
            return -1;
        }
    }
    return 0;
}

/*
 * One round: connect, send the request frame, read and decode the answer frame, all within
 * timeout_s. Returns true with *a filled in, or false (logged) when there was no usable answer.
 */
static bool otpa_round(pam_handle_t *pamh, const struct otpa_options *o, const unsigned char *req,
                       size_t req_len, struct otpa_answer *a)
{
    unsigned char buf[OTPA_BUF_SIZE];
    bool ok = false;
    int64_t start = otpa_now_ms();
    if (start < 0) {
        pam_syslog(pamh, LOG_ERR, "clock_gettime failed: %m");
        return false;
    }
    int64_t deadline = start + (int64_t)o->timeout_s * 1000;

    int fd = otpa_connect(pamh, o, deadline);
    if (fd < 0)
        return false;

    if (otpa_send_all(fd, req, req_len, deadline) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot send to the PAM bridge: %m");
        goto out;
    }
    if (otpa_recv_all(fd, buf, 4, deadline) != 0) {
        pam_syslog(pamh, LOG_ERR, "no answer from the PAM bridge: %m");
        goto out;
    }
    uint32_t n = ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) |
                 (uint32_t)buf[3];
    if (n < OTPA_FRAME_MIN || n > OTPA_FRAME_MAX) {
        pam_syslog(pamh, LOG_ERR, "malformed answer from the PAM bridge: length %u", n);
        goto out;
    }
    if (otpa_recv_all(fd, buf + 4, n, deadline) != 0) {
        pam_syslog(pamh, LOG_ERR, "incomplete answer from the PAM bridge: %m");
        goto out;
    }
    if (!otpa_decode_answer(buf + 4, n, a)) {
        pam_syslog(pamh, LOG_ERR, "malformed answer from the PAM bridge");
        goto out;
    }
    ok = true;
    if (o->debug)
        pam_syslog(pamh, LOG_DEBUG, "bridge answered %s in %lld ms (message: %zu bytes)",
                   otpa_result_name(a->result), (long long)(otpa_now_ms() - start),
                   strlen(a->message));
out:
    explicit_bzero(buf, sizeof(buf));
    if (close(fd) != 0 && o->debug)
        pam_syslog(pamh, LOG_DEBUG, "close: %m");
    return ok;
}

/* ---- PAM glue ---- */

static int otpa_unavailable(pam_handle_t *pamh, const struct otpa_options *o)
{
    if (o->fail_open) {
        pam_syslog(pamh, LOG_NOTICE, "PAM bridge unavailable; fail_open: returning PAM_IGNORE");
        return PAM_IGNORE;
    }
    return PAM_AUTHINFO_UNAVAIL;
}

static struct otpa_bytes otpa_str(const char *s)
{
    struct otpa_bytes b = {s != NULL ? s : "", s != NULL ? strlen(s) : 0};
    return b;
}

static int otpa_get_string_item(pam_handle_t *pamh, int item, const char **out)
{
    const void *v = NULL;
    int rc = pam_get_item(pamh, item, &v);
    *out = rc == PAM_SUCCESS ? (const char *)v : NULL;
    return rc;
}

/* Prompts with echo off. On success *resp is a malloc'd string the caller wipes and frees. */
static int otpa_prompt(pam_handle_t *pamh, const struct otpa_options *o, const char *text, char **resp)
{
    *resp = NULL;
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, resp, "%s", text);
    if (rc != PAM_SUCCESS || *resp == NULL) {
        if (o->debug)
            pam_syslog(pamh, LOG_DEBUG, "conversation failed: %s", pam_strerror(pamh, rc));
        if (*resp != NULL) {
            explicit_bzero(*resp, strlen(*resp));
            free(*resp);
            *resp = NULL;
        }
        return rc == PAM_SUCCESS || rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc;
    }
    return PAM_SUCCESS;
}

static void otpa_free_secret(char **s)
{
    if (*s != NULL) {
        explicit_bzero(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

/* The challenge message as a prompt: "message: ", or "message " if it already ends in ':'. */
static void otpa_challenge_prompt(const struct otpa_options *o, const char *message, char *out, size_t cap)
{
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == ' ')
        len--;
    if (len == 0) {
        snprintf(out, cap, "%s", o->prompt);
        return;
    }
    snprintf(out, cap, "%.*s%s", (int)len, message, message[len - 1] == ':' ? " " : ": ");
}

static const char *otpa_rc_name(int rc)
{
    switch (rc) {
    case PAM_SUCCESS: return "PAM_SUCCESS";
    case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
    case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
    case PAM_IGNORE: return "PAM_IGNORE";
    case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
    case PAM_CONV_ERR: return "PAM_CONV_ERR";
    default: return "other";
    }
}

static int otpa_authenticate(pam_handle_t *pamh, int flags, const struct otpa_options *o)
{
    const char *user = NULL, *service = NULL, *rhost = NULL, *tty = NULL;
    int rc = pam_get_user(pamh, &user, NULL);
    if (rc != PAM_SUCCESS) {
        if (o->debug)
            pam_syslog(pamh, LOG_DEBUG, "cannot get the user: %s", pam_strerror(pamh, rc));
        return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
    }
    if (user == NULL || user[0] == '\0')
        return PAM_USER_UNKNOWN;
    if (otpa_get_string_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
        otpa_get_string_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS ||
        otpa_get_string_item(pamh, PAM_TTY, &tty) != PAM_SUCCESS) {
        pam_syslog(pamh, LOG_ERR, "pam_get_item failed");
        return PAM_SERVICE_ERR;
    }

    struct otpa_request req = {
        .service = otpa_str(service),
        .user = otpa_str(user),
        .rhost = otpa_str(rhost),
        .tty = otpa_str(tty),
        .value = otpa_str(NULL),
        .txid = otpa_str(NULL),
    };
    /* Refuse before prompting what can never be sent. */
    if (!otpa_field_ok(req.service, OTPA_MAX_SERVICE) || !otpa_field_ok(req.user, OTPA_MAX_USER) ||
        !otpa_field_ok(req.rhost, OTPA_MAX_RHOST) || !otpa_field_ok(req.tty, OTPA_MAX_TTY)) {
        pam_syslog(pamh, LOG_ERR, "service, user, rhost or tty too long for the protocol or not UTF-8");
        return PAM_AUTH_ERR;
    }
    if (o->debug)
        pam_syslog(pamh, LOG_DEBUG, "user=%s service=%s rhost=%s tty=%s socket=%s timeout=%ds%s",
                   user, req.service.p, req.rhost.p, req.tty.p, o->socket_path, o->timeout_s,
                   o->fail_open ? " fail_open" : "");

    char *typed = NULL; /* what we prompted for, wiped and freed at the end */
    const char *value = NULL;
    if (o->use_first_pass || o->try_first_pass) {
        const char *authtok = NULL;
        if (otpa_get_string_item(pamh, PAM_AUTHTOK, &authtok) != PAM_SUCCESS)
            authtok = NULL;
        if (authtok != NULL) {
            value = authtok;
            if (o->debug)
                pam_syslog(pamh, LOG_DEBUG, "using PAM_AUTHTOK from an earlier module");
        } else if (o->use_first_pass) {
            if (o->debug)
                pam_syslog(pamh, LOG_DEBUG, "use_first_pass: no PAM_AUTHTOK set");
            return PAM_AUTH_ERR;
        }
    }
    if (value == NULL) {
        rc = otpa_prompt(pamh, o, o->prompt, &typed);
        if (rc != PAM_SUCCESS)
            return rc;
        value = typed;
    }

    unsigned char frame[OTPA_BUF_SIZE];
    size_t frame_len = 0;
    struct otpa_answer ans;
    char txid[OTPA_MAX_TXID];
    size_t txid_len = 0;
    char prompt2[OTPA_MAX_MESSAGE + 3];
    memset(&ans, 0, sizeof(ans));

    for (int round = 1;; round++) {
        req.value = otpa_str(value);
        req.txid.p = txid;
        req.txid.n = txid_len;
        if (!otpa_encode_request(&req, frame, &frame_len)) {
            pam_syslog(pamh, LOG_NOTICE, "the value typed is too long for the protocol or not UTF-8");
            rc = PAM_AUTH_ERR;
            break;
        }
        if (o->debug)
            pam_syslog(pamh, LOG_DEBUG, "round %d: asking the bridge", round);
        bool answered = otpa_round(pamh, o, frame, frame_len, &ans);
        explicit_bzero(frame, sizeof(frame));
        otpa_free_secret(&typed);
        value = NULL;
        if (!answered) {
            rc = otpa_unavailable(pamh, o);
            break;
        }
        if (ans.result == OTPA_ACCEPT) {
            rc = PAM_SUCCESS;
            break;
        }
        if (ans.result == OTPA_REJECT) {
            if (ans.message[0] != '\0' && (flags & (int)PAM_SILENT) == 0) {
                int mrc = pam_error(pamh, "%s", ans.message);
                if (mrc != PAM_SUCCESS && o->debug)
                    pam_syslog(pamh, LOG_DEBUG, "cannot show the message: %s", pam_strerror(pamh, mrc));
            }
            rc = PAM_AUTH_ERR;
            break;
        }
        if (ans.result == OTPA_NOT_ENROLLED) {
            if (o->debug)
                pam_syslog(pamh, LOG_DEBUG, "the user has no token: %s", o->nullok ? "PAM_IGNORE (nullok)" : "PAM_AUTH_ERR");
            rc = o->nullok ? PAM_IGNORE : PAM_AUTH_ERR;
            break;
        }
        if (ans.result == OTPA_ERROR) {
            pam_syslog(pamh, LOG_ERR, "the PAM bridge answered ERROR");
            rc = otpa_unavailable(pamh, o);
            break;
        }
        /* CHALLENGE */
        if (round >= OTPA_MAX_ROUNDS) {
            pam_syslog(pamh, LOG_NOTICE, "a second CHALLENGE in a row; refusing");
            rc = PAM_AUTH_ERR;
            break;
        }
        memcpy(txid, ans.txid, ans.txid_len);
        txid_len = ans.txid_len;
        otpa_challenge_prompt(o, ans.message, prompt2, sizeof(prompt2));
        explicit_bzero(&ans, sizeof(ans));
        rc = otpa_prompt(pamh, o, prompt2, &typed);
        if (rc != PAM_SUCCESS)
            break;
        value = typed;
    }

    otpa_free_secret(&typed);
    explicit_bzero(frame, sizeof(frame));
    explicit_bzero(&ans, sizeof(ans));
    explicit_bzero(txid, sizeof(txid));
    if (o->debug)
        pam_syslog(pamh, LOG_DEBUG, "returning %s", otpa_rc_name(rc));
    return rc;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    struct otpa_options o;
    int rc = otpa_parse_options(pamh, argc, argv, &o);
    if (rc != PAM_SUCCESS)
        return rc;
    return otpa_authenticate(pamh, flags, &o);
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh; (void)flags; (void)argc; (void)argv;
    return PAM_SUCCESS;
}

/* Only authentication is implemented; listing this module in another stack is a configuration error. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags; (void)argc; (void)argv;
    pam_syslog(pamh, LOG_ERR, "pam_otp_appliance only implements auth; not an account module");
    return PAM_SERVICE_ERR;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags; (void)argc; (void)argv;
    pam_syslog(pamh, LOG_ERR, "pam_otp_appliance only implements auth; not a session module");
    return PAM_SERVICE_ERR;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags; (void)argc; (void)argv;
    pam_syslog(pamh, LOG_ERR, "pam_otp_appliance only implements auth; not a session module");
    return PAM_SERVICE_ERR;
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)flags; (void)argc; (void)argv;
    pam_syslog(pamh, LOG_ERR, "pam_otp_appliance only implements auth; not a password module");
    return PAM_SERVICE_ERR;
}
