/* Logging and statistics text: rs_trace_to, rs_trace_set_level,
 * rs_trace_stderr (the default sink, checked by capturing fd 2),
 * rs_log_stats, rs_format_stats (including buffers too small for the
 * text), and rs_sig_args with the messages it logs. */
#include "common.h"

#include <unistd.h>

/* Logs one message at each level the library has without a job:
 * ERROR (bad magic), WARNING (short strong sum) and INFO (statistics). */
static void log_one_of_each(void)
{
    rs_magic_number magic = (rs_magic_number)0x1234;
    size_t block_len = 0, strong_len = 0;
    rs_stats_t st;

    CHECK_EQ(rs_sig_args(100, &magic, &block_len, &strong_len), RS_BAD_MAGIC);
    magic = RS_BLAKE2_SIG_MAGIC;
    strong_len = 2;
    CHECK_EQ(rs_sig_args(1000000, &magic, &block_len, &strong_len), RS_DONE);
    memset(&st, 0, sizeof st);
    st.op = "signature";
    st.sig_blocks = 1;
    st.block_len = 10;
    CHECK_EQ(rs_log_stats(&st), 0);
}

/* Runs `fn` with fd 2 redirected to a temporary file; returns what was
 * written (static buffer). */
static const char *capture_stderr(void (*fn)(void))
{
    static char text[4096];
    FILE *tmp = tmpfile();
    int saved;
    size_t n;
    CHECK(tmp != NULL);
    fflush(stderr);
    saved = dup(2);
    CHECK(saved >= 0);
    CHECK(dup2(fileno(tmp), 2) == 2);
    fn();
    fflush(stderr);
    CHECK(dup2(saved, 2) == 2);
    close(saved);
    rewind(tmp);
    n = fread(text, 1, sizeof text - 1, tmp);
    text[n] = 0;
    fclose(tmp);
    return text;
}

static void direct_stderr(void)
{
    rs_trace_stderr(RS_LOG_ERR, "direct line one\n");
    /* The level is ignored. */
    rs_trace_stderr(RS_LOG_DEBUG, "direct line two\n");
}

static void print_block(const char *label, const char *text)
{
    const char *p = text;
    printf("%s:\n", label);
    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        printf("  | %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
}

static void test_default_sink(void)
{
    const char *text;
    printf("== default sink: stderr\n");
    text = capture_stderr(log_one_of_each);
    print_block("default stderr", text);
    CHECK(strstr(text, "librsync: ERROR: (rs_sig_args) invalid magic 0x1234\n") != NULL);
    CHECK(strstr(text, "librsync: Warning: (rs_sig_args) strong_len=2 smaller") != NULL);
    CHECK(strstr(text, "librsync: signature statistics: signature[1 blocks, 10 bytes per block] speed[") != NULL);
    text = capture_stderr(direct_stderr);
    print_block("rs_trace_stderr", text);
    CHECK_STR(text, "direct line one\ndirect line two\n");
    /* rs_trace_stderr can be installed explicitly, too. */
    rs_trace_to(rs_trace_stderr);
    text = capture_stderr(log_one_of_each);
    CHECK(strstr(text, "invalid magic 0x1234") != NULL);
    printf("explicit rs_trace_stderr: %d bytes\n", (int)strlen(text));
}

static void test_levels(void)
{
    int level;
    printf("== rs_trace_set_level\n");
    rs_trace_to(capture_trace);
    for (level = RS_LOG_EMERG; level <= RS_LOG_DEBUG; level++) {
        int err, warn, info;
        rs_trace_set_level((rs_loglevel)level);
        log_reset();
        log_one_of_each();
        err = log_contains("ERROR: ");
        warn = log_contains("Warning: ");
        info = log_contains("statistics:");
        printf("level %d: %d lines (error %d, warning %d, info %d)\n", level,
               g_log_lines, err, warn, info);
        CHECK_EQ(err, level >= RS_LOG_ERR);
        CHECK_EQ(warn, level >= RS_LOG_WARNING);
        CHECK_EQ(info, level >= RS_LOG_INFO);
        CHECK_EQ(g_log_lines, err + warn + info);
    }
    rs_trace_set_level(RS_LOG_INFO);
    log_reset();
    log_one_of_each();
    g_mask_speed = 0;
    log_print();
    g_mask_speed = 1;

    printf("== rs_trace_to(NULL)\n");
    rs_trace_to(NULL);
    {
        const char *text = capture_stderr(log_one_of_each);
        CHECK_STR(text, "");
    }
    CHECK_EQ(g_log_lines, 0);
    rs_trace_to(capture_trace);
    log_one_of_each();
    CHECK_EQ(g_log_lines, 3);
    log_reset();
    printf("silenced, then restored\n");
}

static rs_stats_t base_stats(const char *op)
{
    rs_stats_t s;
    memset(&s, 0, sizeof s);
    s.op = op;
    s.start = 1000;
    s.end = 1000;
    return s;
}

/* rs_format_stats into every buffer size from `from` up to the full length
 * plus one: each result is the full text cut to size - 1 characters, and
 * nothing beyond the buffer is written. (Sizes that cut an earlier part
 * than the final " speed[...]" part overflow in librsync 2.3.2, whose
 * snprintf chain computes a wrapped remaining size; they are tested on
 * our library only, in ours_only.c.) */
static void format_sizes(const rs_stats_t *s, size_t from)
{
    char full[1000];
    size_t len, size;
    CHECK(rs_format_stats(s, full, sizeof full) == full);
    len = strlen(full);
    printf("full: \"%s\"\n", full);
    for (size = from; size <= len + 1; size++) {
        char buf[1100];
        char *ret;
        memset(buf, '#', sizeof buf);
        ret = rs_format_stats(s, buf, size);
        CHECK(ret == buf);
        CHECK_EQ(strlen(buf), size - 1);
        CHECK(strncmp(buf, full, size - 1) == 0);
        CHECK_EQ(buf[size], '#');
    }
    printf("cut at sizes %zu..%zu: ok\n", from, len + 1);
}

static void test_format_stats(void)
{
    rs_stats_t s;
    char buf[1000];

    printf("== rs_format_stats / rs_log_stats\n");
    g_mask_speed = 0;

    s = base_stats("signature");
    s.sig_blocks = 3;
    s.block_len = 2048;
    CHECK_STR(rs_format_stats(&s, buf, sizeof buf),
              "signature statistics: signature[3 blocks, 2048 bytes per block]"
              " speed[0.0 MB (0.0 MB/s) in, 0.0 MB (0.0 MB/s) out, 1 sec]");
    printf("%s\n", buf);
    format_sizes(&s, strlen("signature statistics: signature[3 blocks, 2048 bytes per block]"));

    s = base_stats(NULL);
    CHECK_STR(rs_format_stats(&s, buf, sizeof buf),
              "noop statistics:  speed[0.0 MB (0.0 MB/s) in, 0.0 MB (0.0 MB/s) out, 1 sec]");
    printf("%s\n", buf);
    format_sizes(&s, strlen("noop statistics: "));

    s = base_stats("delta");
    s.lit_cmds = 1;
    s.lit_bytes = 3;
    s.lit_cmdbytes = 1;
    s.copy_cmds = 1;
    s.copy_bytes = 5000;
    s.copy_cmdbytes = 4;
    s.in_bytes = 5003;
    s.out_bytes = 12;
    s.end = 1005;
    CHECK_STR(rs_format_stats(&s, buf, sizeof buf),
              "delta statistics: literal[1 cmds, 3 bytes, 1 cmdbytes] copy[1 cmds,"
              " 5000 bytes, 4 cmdbytes, 0 false] speed[0.0 MB (0.0 MB/s) in,"
              " 0.0 MB (0.0 MB/s) out, 5 sec]");
    printf("%s\n", buf);
    format_sizes(&s, strlen("delta statistics: literal[1 cmds, 3 bytes, 1 cmdbytes] copy[1 cmds,"
                            " 5000 bytes, 4 cmdbytes, 0 false]"));

    /* Every part at once, megabytes and a 2-second run. */
    s = base_stats("patch");
    s.lit_cmds = 70000;
    s.lit_bytes = 123456789012LL;
    s.lit_cmdbytes = 210000;
    s.sig_cmds = 5;
    s.sig_bytes = 6;
    s.copy_cmds = 7;
    s.copy_bytes = 8;
    s.copy_cmdbytes = 9;
    s.false_matches = 2;
    s.sig_blocks = 11;
    s.block_len = 12;
    s.in_bytes = 2500000;
    s.out_bytes = 7654321;
    s.end = 1002;
    printf("%s\n", rs_format_stats(&s, buf, sizeof buf));
    CHECK(strstr(buf, "in-place-signature[5 cmds, 6 bytes] ") != NULL);
    CHECK(strstr(buf, "speed[2.5 MB (1.2 MB/s) in, 7.7 MB (3.8 MB/s) out, 2 sec]") != NULL);
    CHECK_EQ(rs_log_stats(&s), 0);

    /* Only false matches still print the copy part. */
    s = base_stats("delta");
    s.false_matches = 4;
    printf("%s\n", rs_format_stats(&s, buf, sizeof buf));
    CHECK(strstr(buf, "copy[0 cmds, 0 bytes, 0 cmdbytes, 4 false]") != NULL);

    /* A clock that went backwards. */
    s = base_stats("loadsig");
    s.in_bytes = 3000000;
    s.end = 998;
    printf("%s\n", rs_format_stats(&s, buf, sizeof buf));
    CHECK_EQ(rs_log_stats(&s), 0);

    /* An operation name of the caller's own. */
    s = base_stats("custom-op");
    s.sig_blocks = 1;
    s.block_len = 1;
    printf("%s\n", rs_format_stats(&s, buf, sizeof buf));
    CHECK_EQ(rs_log_stats(&s), 0);
    log_print();
    g_mask_speed = 1;
}

static void sig_args_case(rs_long_t fsize, unsigned magic, size_t block_len,
                          size_t strong_len)
{
    rs_magic_number m = (rs_magic_number)magic;
    size_t b = block_len, s = strong_len;
    rs_result r = rs_sig_args(fsize, &m, &b, &s);
    printf("sig_args(%lld, %#x, %zd, %zd) = %d -> magic=%#x block_len=%zu strong_len=%zu\n",
           (long long)fsize, magic, (ssize_t)block_len, (ssize_t)strong_len, (int)r,
           (unsigned)m, b, s);
    log_print();
}

static void test_sig_args(void)
{
    static const rs_long_t sizes[] = {
        -1, 0, 1, 256, 65536, 65537, 1000000, 1048576, 26532, 1000000000LL,
        1LL << 40, 1LL << 50, (1LL << 62) + 12345,
    };
    static const unsigned magics[] = {
        0, RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC,
        RS_RK_BLAKE2_SIG_MAGIC,
    };
    size_t i, j;
    rs_magic_number m;
    size_t b, s;

    printf("== rs_sig_args\n");
    rs_trace_to(capture_trace);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (j = 0; j < sizeof magics / sizeof magics[0]; j++) {
            sig_args_case(sizes[i], magics[j], 0, 0);
            sig_args_case(sizes[i], magics[j], 0, (size_t)-1);
        }
    /* Spot checks from the specification. */
    m = 0, b = 0, s = 0;
    CHECK_EQ(rs_sig_args(-1, &m, &b, &s), RS_DONE);
    CHECK(m == RS_RK_BLAKE2_SIG_MAGIC && b == 2048 && s == 32);
    m = RS_MD4_SIG_MAGIC, b = 0, s = 0;
    CHECK_EQ(rs_sig_args(1000000, &m, &b, &s), RS_DONE);
    CHECK(b == 896 && s == 16);
    m = 0, b = 0, s = (size_t)-1;
    CHECK_EQ(rs_sig_args(-1, &m, &b, &s), RS_DONE);
    CHECK_EQ(s, 12);
    m = RS_RK_MD4_SIG_MAGIC, b = 0, s = (size_t)-1;
    CHECK_EQ(rs_sig_args(0, &m, &b, &s), RS_DONE);
    CHECK(b == 256 && s == 5);
    m = RS_BLAKE2_SIG_MAGIC, b = 0, s = (size_t)-1;
    CHECK_EQ(rs_sig_args(1000000, &m, &b, &s), RS_DONE);
    CHECK_EQ(s, 7);
    m = 0, b = 0, s = (size_t)-1;
    CHECK_EQ(rs_sig_args(1000000000LL, &m, &b, &s), RS_DONE);
    CHECK(b == 31616 && s == 8);
    log_reset();

    /* Fixed arguments are kept; bad ones rejected. */
    sig_args_case(12345, RS_BLAKE2_SIG_MAGIC, 1000, 20);
    sig_args_case(-1, RS_RK_MD4_SIG_MAGIC, 7, 3);
    sig_args_case(1000000, RS_BLAKE2_SIG_MAGIC, 0, 1);   /* warns */
    sig_args_case(1000000, RS_RK_MD4_SIG_MAGIC, 100, 4); /* warns */
    sig_args_case(-1, RS_BLAKE2_SIG_MAGIC, 0, 1);        /* no warning */
    sig_args_case(100, 1, 0, 0);                         /* bad magic */
    sig_args_case(100, RS_DELTA_MAGIC, 0, 0);            /* bad magic */
    sig_args_case(-1, 0x72730148, 0, 0);                 /* bad magic */
    sig_args_case(100, RS_BLAKE2_SIG_MAGIC, 0, 33);
    sig_args_case(-1, RS_RK_BLAKE2_SIG_MAGIC, 0, 33);
    sig_args_case(100, RS_MD4_SIG_MAGIC, 0, 17);
    sig_args_case(-1, RS_RK_MD4_SIG_MAGIC, 500, 17);
    sig_args_case(100, RS_RK_BLAKE2_SIG_MAGIC, 0, (size_t)-2);
    sig_args_case(1000, RS_RK_BLAKE2_SIG_MAGIC, (size_t)-5, 0);
    sig_args_case(1000, RS_RK_BLAKE2_SIG_MAGIC, 1, 0);

    m = (rs_magic_number)1, b = 77, s = 5;
    CHECK_EQ(rs_sig_args(100, &m, &b, &s), RS_BAD_MAGIC);
    CHECK(m == (rs_magic_number)1 && b == 77 && s == 5);
    m = RS_BLAKE2_SIG_MAGIC, b = 0, s = 33;
    CHECK_EQ(rs_sig_args(100, &m, &b, &s), RS_PARAM_ERROR);
    m = RS_MD4_SIG_MAGIC, b = 0, s = 17;
    CHECK_EQ(rs_sig_args(100, &m, &b, &s), RS_PARAM_ERROR);
    log_reset();
}

/* The default sink is rs_trace_stderr, which writes with fputs to C's
 * stderr stream: the program's own buffering and redirection of `stderr`
 * (glibc documents stdin/stdout/stderr as assignable variables) apply.
 * Must run before any rs_trace_to call. */
static void test_default_sink_is_c_stderr(void)
{
    FILE *saved = stderr;
    FILE *f = tmpfile();
    char text[512];
    size_t n;
    rs_magic_number m = (rs_magic_number)0x4321;
    size_t b = 0, sl = 0;
    CHECK(f != NULL);
    stderr = f;
    fputs("before\n", stderr);
    CHECK_EQ(rs_sig_args(0, &m, &b, &sl), RS_BAD_MAGIC);
    fputs("after\n", stderr);
    stderr = saved;
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    print_block("default sink with stderr reassigned", text);
    CHECK_STR(text, "before\nlibrsync: ERROR: (rs_sig_args) invalid magic 0x4321\nafter\n");
}

int main(void)
{
    test_default_sink_is_c_stderr();
    test_default_sink();
    test_levels();
    test_format_stats();
    test_sig_args();
    printf("trace: ok\n");
    return 0;
}
