/*
 * Unit tests for the frame codec and option parsing of pam_otp_appliance.c, built with
 * AddressSanitizer and UndefinedBehaviorSanitizer by pam_module_test.sh:
 *
 *   gcc -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       -o frame_test frame_test.c -lpam && ./frame_test
 *
 * It includes the module's source to reach its static functions. Checks the encoder against the
 * example bytes in docs/pam-bridge-protocol.md, then throws a few hundred thousand random and
 * mutated answer frames at the decoder: it must never read out of bounds, and whatever it accepts
 * must satisfy the protocol's rules.
 */
#include "../../main/c/pam_otp_appliance.c"

#include <security/pam_appl.h>
#include <stdarg.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    unsigned int b;
    int used;
    while (sscanf(hex, " %2x%n", &b, &used) == 1) {
        out[n++] = (unsigned char)b;
        hex += used;
    }
    return n;
}

static struct otpa_bytes B(const char *s)
{
    return otpa_str(s);
}

static void test_spec_example(void)
{
    unsigned char expected[64], out[OTPA_BUF_SIZE];
    size_t n = unhex("00 00 00 26 01 01 00 04 73 73 68 64 00 05 61 6c 69 63 65"
                     "00 09 31 39 32 2e 30 2e 32 2e 37 00 00 00 06 31 32 33 34 35 36 00 00",
                     expected);
    struct otpa_request r = {B("sshd"), B("alice"), B("192.0.2.7"), B(""), B("123456"), B("")};
    size_t len = 0;
    CHECK(otpa_encode_request(&r, out, &len));
    CHECK(len == n && memcmp(out, expected, n) == 0);

    unsigned char ans[32];
    size_t an = unhex("00 00 00 0e  01 02  00 06 41 43 43 45 50 54  00 00  00 00", ans);
    struct otpa_answer a;
    CHECK(otpa_decode_answer(ans + 4, an - 4, &a));
    CHECK(a.result == OTPA_ACCEPT && a.message[0] == '\0' && a.txid_len == 0);
}

static void test_request_limits(void)
{
    static char big[2048];
    unsigned char out[OTPA_BUF_SIZE];
    size_t len = 0;
    const size_t max[6] = {64, 256, 256, 64, 1024, 64};
    for (int f = 0; f < 6; f++) {
        for (int over = 0; over <= 1; over++) {
            memset(big, 'x', sizeof(big));
            big[max[f] + (size_t)over] = '\0';
            struct otpa_request r = {B("s"), B("u"), B(""), B(""), B("1"), B("")};
            struct otpa_bytes *fields[6] = {&r.service, &r.user, &r.rhost, &r.tty, &r.value, &r.txid};
            *fields[f] = B(big);
            CHECK(otpa_encode_request(&r, out, &len) == (over == 0));
        }
    }
    /* all fields at their maximum: 1742 bytes, within the 8192 limit */
    char s64[65], s256[257], s1024[1025];
    memset(s64, 'a', 64); s64[64] = '\0';
    memset(s256, 'b', 256); s256[256] = '\0';
    memset(s1024, 'c', 1024); s1024[1024] = '\0';
    struct otpa_request r = {B(s64), B(s256), B(s256), B(s64), B(s1024), B(s64)};
    CHECK(otpa_encode_request(&r, out, &len) && len == 4 + 1742);
    /* not UTF-8 */
    struct otpa_request bad = {B("s"), B("u"), B(""), B(""), B("\xff"), B("")};
    CHECK(!otpa_encode_request(&bad, out, &len));
}

static void test_utf8(void)
{
    struct { const char *s; bool ok; } cases[] = {
        {"", true}, {"abc", true}, {"\xc3\xa9", true}, {"\xe2\x82\xac", true},
        {"\xf0\x9f\x98\x80", true}, {"\xf4\x8f\xbf\xbf", true},
        {"\xc0\x80", false}, {"\xc1\xbf", false}, {"\xe0\x80\x80", false}, {"\xed\xa0\x80", false},
        {"\xf0\x80\x80\x80", false}, {"\xf4\x90\x80\x80", false}, {"\xf5\x80\x80\x80", false},
        {"\x80", false}, {"\xe2\x82", false}, {"\xc3\x28", false}, {"\xff", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK(otpa_utf8_valid((const unsigned char *)cases[i].s, strlen(cases[i].s)) == cases[i].ok);
}

static size_t put_answer(unsigned char *out, const char *result, const char *message, const char *txid)
{
    struct otpa_bytes f[3] = {B(result), B(message), B(txid)};
    size_t pos = 2;
    out[0] = 1;
    out[1] = 2;
    for (int i = 0; i < 3; i++)
        otpa_put_field(out, &pos, f[i]);
    return pos;
}

static void test_answers(void)
{
    unsigned char body[OTPA_BUF_SIZE];
    struct otpa_answer a;
    size_t n;

    n = put_answer(body, "CHALLENGE", "a code was sent", "tx-1");
    CHECK(otpa_decode_answer(body, n, &a) && a.result == OTPA_CHALLENGE && a.txid_len == 4 &&
          memcmp(a.txid, "tx-1", 4) == 0 && strcmp(a.message, "a code was sent") == 0);
    n = put_answer(body, "REJECT", "no\x1b[1m\n\xc2\x85ok", "");
    CHECK(otpa_decode_answer(body, n, &a) && a.result == OTPA_REJECT && strcmp(a.message, "no?[1m??ok") == 0);
    n = put_answer(body, "ERROR", "", "");
    CHECK(otpa_decode_answer(body, n, &a) && a.result == OTPA_ERROR);

    n = put_answer(body, "CHALLENGE", "x", "");
    CHECK(!otpa_decode_answer(body, n, &a));
    n = put_answer(body, "ACCEPT", "", "tx");
    CHECK(!otpa_decode_answer(body, n, &a));
    n = put_answer(body, "Accept", "", "");
    CHECK(!otpa_decode_answer(body, n, &a));
    n = put_answer(body, "ACCEPT", "", "");
    CHECK(!otpa_decode_answer(body, n - 1, &a)); /* cut */
    body[n] = 0;
    CHECK(!otpa_decode_answer(body, n + 1, &a)); /* trailing */
    body[0] = 2;
    CHECK(!otpa_decode_answer(body, n, &a)); /* version */
    body[0] = 1;
    body[1] = 1;
    CHECK(!otpa_decode_answer(body, n, &a)); /* type */

    char msg[514];
    memset(msg, 'm', 513);
    msg[513] = '\0';
    n = put_answer(body, "REJECT", msg, "");
    CHECK(!otpa_decode_answer(body, n, &a));
    msg[512] = '\0';
    n = put_answer(body, "REJECT", msg, "");
    CHECK(otpa_decode_answer(body, n, &a) && strlen(a.message) == 512);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void test_fuzz(void)
{
    const char *results[] = {"ACCEPT", "REJECT", "CHALLENGE", "ERROR"};
    long accepted = 0;
    for (int iter = 0; iter < 300000; iter++) {
        /* Exactly-sized heap buffer, so ASan catches any read past the frame. */
        size_t cap = 1 + rnd() % 700;
        unsigned char *body = malloc(cap);
        if (body == NULL)
            abort();
        size_t n;
        if (iter % 3 == 0) {
            for (size_t i = 0; i < cap; i++)
                body[i] = (unsigned char)rnd();
            n = cap;
        } else {
            unsigned char tmp[OTPA_BUF_SIZE];
            char msg[40], tx[40];
            size_t ml = rnd() % 40, tl = rnd() % 40;
            for (size_t i = 0; i < ml; i++) msg[i] = (char)(32 + rnd() % 95);
            for (size_t i = 0; i < tl; i++) tx[i] = (char)(32 + rnd() % 95);
            msg[ml == 40 ? 39 : ml] = '\0';
            tx[tl == 40 ? 39 : tl] = '\0';
            size_t tn = put_answer(tmp, results[rnd() % 4], msg, tx);
            for (int m = (int)(rnd() % 4); m > 0; m--)
                tmp[rnd() % tn] = (unsigned char)rnd(); /* flip a few bytes */
            n = tn < cap ? tn : cap;
            if (rnd() % 4 == 0 && n > 1)
                n = rnd() % n; /* cut short */
            memcpy(body, tmp, n);
        }
        struct otpa_answer a;
        memset(&a, 0xAA, sizeof(a));
        if (otpa_decode_answer(body, n, &a)) {
            accepted++;
            CHECK(body[0] == 1 && body[1] == 2);
            CHECK(a.result == OTPA_ACCEPT || a.result == OTPA_REJECT || a.result == OTPA_CHALLENGE ||
                  a.result == OTPA_ERROR);
            CHECK((a.result == OTPA_CHALLENGE) == (a.txid_len > 0) && a.txid_len <= OTPA_MAX_TXID);
            CHECK(strlen(a.message) <= OTPA_MAX_MESSAGE);
            for (const char *c = a.message; *c; c++)
                CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
        }
        free(body);
    }
    printf("fuzz: 300000 frames, %ld decoded as valid answers\n", accepted);
    CHECK(accepted > 1000);
}

static int null_conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
    (void)n; (void)m; (void)r; (void)d;
    return PAM_CONV_ERR;
}

static int parse(pam_handle_t *pamh, struct otpa_options *o, int argc, ...)
{
    const char *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, const char *);
    va_end(ap);
    return otpa_parse_options(pamh, argc, argv, o);
}

static void test_options(void)
{
    struct pam_conv conv = {null_conv, NULL};
    pam_handle_t *pamh = NULL;
    struct otpa_options o;
    if (pam_start("otpa-frame-test", "alice", &conv, &pamh) != PAM_SUCCESS) {
        fprintf(stderr, "pam_start failed\n");
        failures++;
        return;
    }
    CHECK(parse(pamh, &o, 0) == PAM_SUCCESS);
    CHECK(strcmp(o.socket_path, "/run/otp-appliance/pam.sock") == 0);
    CHECK(strcmp(o.prompt, "One-time code: ") == 0 && o.timeout_s == 10);
    CHECK(!o.debug && !o.fail_open && !o.nullok && !o.use_first_pass && !o.try_first_pass);

    CHECK(parse(pamh, &o, 7, "debug", "fail_open", "nullok", "use_first_pass", "try_first_pass",
                "socket=/tmp/x.sock", "timeout=3") == PAM_SUCCESS);
    CHECK(o.debug && o.fail_open && o.nullok && o.use_first_pass && o.try_first_pass);
    CHECK(strcmp(o.socket_path, "/tmp/x.sock") == 0 && o.timeout_s == 3);

    CHECK(parse(pamh, &o, 4, "prompt=[Your", "code", "please:", "]") == PAM_SUCCESS);
    CHECK(strcmp(o.prompt, "Your code please: ") == 0);
    CHECK(parse(pamh, &o, 2, "prompt=[Code:]", "debug") == PAM_SUCCESS);
    CHECK(strcmp(o.prompt, "Code:") == 0 && o.debug);
    CHECK(parse(pamh, &o, 1, "prompt=Token:") == PAM_SUCCESS && strcmp(o.prompt, "Token:") == 0);
    CHECK(parse(pamh, &o, 1, "prompt=Code  with spaces: ") == PAM_SUCCESS); /* libpam's [prompt=...] */
    CHECK(strcmp(o.prompt, "Code  with spaces: ") == 0);
    CHECK(parse(pamh, &o, 2, "prompt=[Code", "debug") == PAM_SERVICE_ERR);

    CHECK(parse(pamh, &o, 1, "timeout=0") == PAM_SERVICE_ERR);
    CHECK(parse(pamh, &o, 1, "timeout=601") == PAM_SERVICE_ERR);
    CHECK(parse(pamh, &o, 1, "timeout=5s") == PAM_SERVICE_ERR);
    CHECK(parse(pamh, &o, 1, "timeout=") == PAM_SERVICE_ERR);
    CHECK(parse(pamh, &o, 1, "socket=relative.sock") == PAM_SERVICE_ERR);
    char longpath[200] = "socket=/";
    memset(longpath + 8, 'p', 150);
    longpath[158] = '\0';
    CHECK(parse(pamh, &o, 1, longpath) == PAM_SERVICE_ERR);
    CHECK(parse(pamh, &o, 1, "no_such_option") == PAM_SUCCESS);

    char p[OTPA_MAX_MESSAGE + 3];
    CHECK(parse(pamh, &o, 0) == PAM_SUCCESS);
    otpa_challenge_prompt(&o, "enter the code", p, sizeof(p));
    CHECK(strcmp(p, "enter the code: ") == 0);
    otpa_challenge_prompt(&o, "Code:  ", p, sizeof(p));
    CHECK(strcmp(p, "Code: ") == 0);
    otpa_challenge_prompt(&o, "", p, sizeof(p));
    CHECK(strcmp(p, "One-time code: ") == 0);

    /* the hooks that only return codes */
    CHECK(pam_sm_setcred(pamh, 0, 0, NULL) == PAM_SUCCESS);
    CHECK(pam_sm_acct_mgmt(pamh, 0, 0, NULL) == PAM_SERVICE_ERR);
    CHECK(pam_sm_open_session(pamh, 0, 0, NULL) == PAM_SERVICE_ERR);
    CHECK(pam_sm_close_session(pamh, 0, 0, NULL) == PAM_SERVICE_ERR);
    CHECK(pam_sm_chauthtok(pamh, 0, 0, NULL) == PAM_SERVICE_ERR);
    pam_end(pamh, PAM_SUCCESS);
}

int main(void)
{
    test_spec_example();
    test_request_limits();
    test_utf8();
    test_answers();
    test_options();
    test_fuzz();
    if (failures != 0) {
        fprintf(stderr, "frame_test: %d check(s) failed\n", failures);
        return 1;
    }
    printf("frame_test: all checks passed\n");
    return 0;
}
