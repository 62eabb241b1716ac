/* Data objects and small utilities: rs_librsync_version,
 * RS_MD4_SUM_LENGTH, RS_BLAKE2_SUM_LENGTH, rs_inbuflen, rs_outbuflen,
 * rs_strerror, rs_hexify, rs_base64, rs_unbase64, rs_mdfour (one-shot and
 * incremental on a caller-allocated rs_mdfour_t), rs_supports_trace. */
#include "common.h"

/* rs_mdfour_t is incomplete in the header: real users allocate its known
 * size, 96 bytes, 8-aligned. */

typedef union {
    uint64_t align;
    unsigned char bytes[96];
} md4_state_t;

static rs_mdfour_t *md4_state(md4_state_t *s)
{
    return (rs_mdfour_t *)(void *)s;
}

/* Prints the meaningful part of the state: A..D, totalN, tail_len and the
 * tail bytes in use (the rest of the tail is scratch). */
static void print_md4_state(const char *label, const md4_state_t *s)
{
    char hex[2 * 64 + 1];
    uint32_t abcd[4];
    uint64_t total;
    int tail_len;
    memcpy(abcd, s->bytes, 16);
    memcpy(&total, s->bytes + 16, 8);
    memcpy(&tail_len, s->bytes + 24, 4);
    CHECK(tail_len >= 0 && tail_len < 64);
    to_hex(hex, s->bytes + 28, (size_t)tail_len);
    printf("%s: A=%08x B=%08x C=%08x D=%08x totalN=%llu tail_len=%d tail=%s\n",
           label, abcd[0], abcd[1], abcd[2], abcd[3],
           (unsigned long long)total, tail_len, hex);
}

static void md4_hex(char *out, const void *data, size_t n)
{
    unsigned char sum[16];
    rs_mdfour(sum, data, n);
    to_hex(out, sum, 16);
}

static void test_data_objects(void)
{
    printf("== data objects\n");
    printf("version: \"%s\" strlen=%zu\n", rs_librsync_version,
           strlen(rs_librsync_version));
    CHECK_STR(rs_librsync_version, "librsync 2.3.2");
    printf("RS_MD4_SUM_LENGTH=%d RS_BLAKE2_SUM_LENGTH=%d\n", RS_MD4_SUM_LENGTH,
           RS_BLAKE2_SUM_LENGTH);
    CHECK_EQ(RS_MD4_SUM_LENGTH, 16);
    CHECK_EQ(RS_BLAKE2_SUM_LENGTH, 32);
    printf("rs_inbuflen=%d rs_outbuflen=%d\n", rs_inbuflen, rs_outbuflen);
    CHECK_EQ(rs_inbuflen, 0);
    CHECK_EQ(rs_outbuflen, 0);
    /* Writable ints. */
    rs_inbuflen = 12345;
    rs_outbuflen = -7;
    CHECK_EQ(rs_inbuflen, 12345);
    CHECK_EQ(rs_outbuflen, -7);
    rs_inbuflen = 0;
    rs_outbuflen = 0;
    printf("rs_supports_trace()=%d\n", rs_supports_trace());
    CHECK_EQ(rs_supports_trace(), 0);
}

static void test_strerror(void)
{
    static const struct {
        int code;
        const char *text;
    } expect[] = {
        {0, "OK"},
        {1, "blocked waiting for input or output buffers"},
        {2, "still running"},
        {77, "unexplained problem"},
        {100, "IO error"},
        {101, "bad command line syntax"},
        {102, "out of memory"},
        {103, "unexpected end of input"},
        {104, "bad magic number at start of stream"},
        {105, "unimplemented case"},
        {106, "stream corrupt"},
        {107, "library internal error"},
        {108, "unexplained problem"},
        {3, "unexplained problem"},
        {99, "unexplained problem"},
        {109, "unexplained problem"},
        {1000, "unexplained problem"},
        {-1, "unexplained problem"},
    };
    size_t i;
    printf("== rs_strerror\n");
    for (i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *s = rs_strerror((rs_result)expect[i].code);
        CHECK(s != NULL);
        printf("%d: %s\n", expect[i].code, s);
        CHECK_STR(s, expect[i].text);
    }
    CHECK_STR(rs_strerror(RS_DONE), "OK");
    CHECK_STR(rs_strerror(RS_PARAM_ERROR), "unexplained problem");
    CHECK_STR(rs_strerror(RS_CORRUPT), "stream corrupt");
}

static void test_hexify(void)
{
    unsigned char all[256];
    char out[2 * 256 + 2];
    char mine[2 * 256 + 1];
    int i;
    printf("== rs_hexify\n");
    for (i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    memset(out, 'x', sizeof out);
    rs_hexify(out, all, 256);
    to_hex(mine, all, 256);
    CHECK_STR(out, mine);
    CHECK_EQ(out[513], 'x');
    printf("0..255: len=%zu fnv=%016llx\n", strlen(out),
           (unsigned long long)fnv64(out, strlen(out)));
    memset(out, 'x', sizeof out);
    rs_hexify(out, "\x01\xab\xff", 3);
    printf("01abff: %s\n", out);
    CHECK_STR(out, "01abff");
    CHECK_EQ(out[7], 'x');
    memset(out, 'x', sizeof out);
    rs_hexify(out, all, 0);
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[1], 'x');
    memset(out, 'x', sizeof out);
    rs_hexify(out, all, -3);
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[1], 'x');
    printf("n<=0: empty string\n");
    /* Valid C: nothing is read. */
    memset(out, 'x', sizeof out);
    rs_hexify(out, NULL, 0);
    CHECK_EQ(out[0], 0);
    printf("rs_hexify(out, NULL, 0): empty string\n");
}

static void test_base64(void)
{
    static const struct {
        const char *in;
        int n;
        const char *out;
    } cases[] = {
        {"", 0, ""},         {"a", 1, "YQ"},       {"ab", 2, "YWI"},
        {"abc", 3, "YWJj"},  {"abcd", 4, "YWJjZA"}, {"\xff", 1, "/w"},
        {"\xfb\xff", 2, "+/8"}, {"hello world", 11, "aGVsbG8gd29ybGQ"},
    };
    unsigned char all[256];
    char out[400];
    size_t i;
    int n;
    printf("== rs_base64\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 'x', sizeof out);
        rs_base64((const unsigned char *)cases[i].in, cases[i].n, out);
        printf("\"%s\" -> \"%s\"\n", cases[i].out, out);
        CHECK_STR(out, cases[i].out);
        CHECK_EQ(out[strlen(out) + 1], 'x');
    }
    /* A negative length writes just the NUL. */
    memset(out, 'x', sizeof out);
    rs_base64((const unsigned char *)"abc", -1, out);
    CHECK_EQ(out[0], 0);
    CHECK_EQ(out[1], 'x');
    rs_base64((const unsigned char *)"abc", -7, out);
    CHECK_EQ(out[0], 0);
    printf("n<0: empty string\n");
    /* Valid C: nothing is read. */
    memset(out, 'x', sizeof out);
    rs_base64(NULL, 0, out);
    CHECK_EQ(out[0], 0);
    printf("rs_base64(NULL, 0, out): empty string\n");
    for (i = 0; i < 256; i++)
        all[i] = (unsigned char)(255 - i);
    memset(out, 'x', sizeof out);
    rs_base64(all, 256, out);
    printf("255..0: len=%zu %s\n", strlen(out), out);
    CHECK_EQ(strlen(out), (256 * 8 + 5) / 6);
    /* Every length from 0 to 40: ceil(8n/6) characters, decodes back. */
    printf("== rs_base64 / rs_unbase64 round trips\n");
    for (n = 0; n <= 40; n++) {
        unsigned char data[40];
        char enc[64];
        size_t got;
        rng_seed((uint32_t)(1000 + n));
        fill_random(data, (size_t)n);
        memset(enc, 'x', sizeof enc);
        rs_base64(data, n, enc);
        CHECK_EQ(strlen(enc), (8 * n + 5) / 6);
        got = rs_unbase64(enc);
        /* ceil(6k/8) for k = ceil(8n/6) characters. */
        CHECK_EQ(got, (6 * ((8 * n + 5) / 6) + 7) / 8);
        CHECK(got >= (size_t)n);
        CHECK(memcmp(enc, data, (size_t)n) == 0);
        if (got > (size_t)n)
            CHECK_EQ((unsigned char)enc[n], 0); /* the leftover bits */
        printf("n=%d chars=%d unbase64=%zu\n", n, (8 * n + 5) / 6, got);
    }
}

static void test_unbase64(void)
{
    static const char *const cases[] = {
        "QQ==", "YWJj", "YQ", "Y", "", "YWJjZA", "/w", "+/8", "YW*Jj",
        "=YWJj", "aGVsbG8gd29ybGQ", "aGVsbG8gd29ybGQ=", "ab cd", "AAAA",
        "////",
    };
    size_t i;
    printf("== rs_unbase64\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        char hex[2 * 64 + 1];
        size_t n;
        strcpy(buf, cases[i]);
        n = rs_unbase64(buf);
        CHECK(n <= strlen(cases[i]));
        to_hex(hex, buf, n);
        printf("\"%s\" -> %zu %s\n", cases[i], n, hex);
    }
    {
        char qq[] = "QQ==";
        CHECK_EQ(rs_unbase64(qq), 2);
        CHECK_EQ(qq[0], 'A');
        CHECK_EQ(qq[1], 0);
    }
    {
        char abc[] = "YWJj";
        CHECK_EQ(rs_unbase64(abc), 3);
        CHECK(memcmp(abc, "abc", 3) == 0);
    }
}

static void test_mdfour(void)
{
    static const struct {
        const char *in;
        const char *md4;
    } rfc1320[] = {
        {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
        {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
        {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
        {"message digest", "d9130a8164549fe818874806e1c7014b"},
        {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "043f8582f241db351ce627e153e7f0e4"},
        {"1234567890123456789012345678901234567890123456789012345678901234"
         "5678901234567890",
         "e33b4ddc9c38f2199c3e7b164fcc0536"},
    };
    unsigned char all[256];
    unsigned char big[5000];
    char hex[33];
    size_t i;
    static const size_t splits[] = {1, 3, 55, 56, 63, 64, 65, 127, 128, 1000};
    md4_state_t st;

    printf("== rs_mdfour\n");
    for (i = 0; i < sizeof rfc1320 / sizeof rfc1320[0]; i++) {
        md4_hex(hex, rfc1320[i].in, strlen(rfc1320[i].in));
        printf("md4(\"%s\") = %s\n", rfc1320[i].in, hex);
        CHECK_STR(hex, rfc1320[i].md4);
    }
    for (i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    md4_hex(hex, all, 256);
    printf("md4(0..255) = %s\n", hex);
    CHECK_STR(hex, "298a05bc506e1ecd5a47fd41f874f1d2");
    {
        unsigned char sum[16];
        rs_mdfour(sum, NULL, 0);
        to_hex(hex, sum, 16);
        CHECK_STR(hex, "31d6cfe0d16ae931b73c59d7e0c089c0");
        printf("md4(NULL, 0) = %s\n", hex);
    }

    printf("== rs_mdfour_begin/update/result\n");
    rng_seed(77);
    fill_random(big, sizeof big);
    md4_hex(hex, big, sizeof big);
    printf("md4(big) = %s\n", hex);
    for (i = 0; i < sizeof splits / sizeof splits[0]; i++) {
        unsigned char sum[16];
        char inc[33];
        size_t pos = 0;
        memset(&st, 0xa5, sizeof st);
        rs_mdfour_begin(md4_state(&st));
        while (pos < sizeof big) {
            size_t n = sizeof big - pos;
            if (n > splits[i])
                n = splits[i];
            rs_mdfour_update(md4_state(&st), big + pos, n);
            pos += n;
        }
        /* Zero-length updates change nothing, even from NULL. */
        rs_mdfour_update(md4_state(&st), big, 0);
        rs_mdfour_update(md4_state(&st), NULL, 0);
        rs_mdfour_result(md4_state(&st), sum);
        to_hex(inc, sum, 16);
        printf("split %zu: %s\n", splits[i], inc);
        CHECK_STR(inc, hex);
    }

    /* The state as the real struct lays it out (spec 1.3). */
    memset(&st, 0xa5, sizeof st);
    rs_mdfour_begin(md4_state(&st));
    print_md4_state("after begin", &st);
    rs_mdfour_update(md4_state(&st), "hello", 5);
    print_md4_state("after 5 bytes", &st);
    rs_mdfour_update(md4_state(&st), big, 64);
    print_md4_state("after 69 bytes", &st);
    rs_mdfour_update(md4_state(&st), big, 59);
    print_md4_state("after 128 bytes", &st);
    {
        unsigned char sum[16];
        char h1[33], h2[33];
        rs_mdfour_result(md4_state(&st), sum);
        to_hex(h1, sum, 16);
        print_md4_state("after result", &st);
        /* result does not reset: a second result pads again. */
        rs_mdfour_result(md4_state(&st), sum);
        to_hex(h2, sum, 16);
        printf("result: %s, again: %s\n", h1, h2);
        CHECK(strcmp(h1, h2) != 0);
    }
    /* Heap-allocated state, as a user would do with malloc. */
    {
        rs_mdfour_t *md = (rs_mdfour_t *)xmalloc(96);
        unsigned char sum[16];
        rs_mdfour_begin(md);
        rs_mdfour_update(md, "abc", 3);
        rs_mdfour_result(md, sum);
        to_hex(hex, sum, 16);
        CHECK_STR(hex, "a448017aaf21d8525fc10ae87aa6729d");
        free(md);
        printf("heap state: ok\n");
    }
}

int main(void)
{
    test_data_objects();
    test_strerror();
    test_hexify();
    test_base64();
    test_unbase64();
    test_mdfour();
    printf("utils: ok\n");
    return 0;
}
