/* Copy callbacks of patch jobs: answers shorter than asked, answers in the
 * callback's own buffer (*buf replaced), the same pointer handed back,
 * zero-copy pointers into the caller's data, errors, RS_BLOCKED (issue
 * #258: RS_INTERNAL_ERROR when nothing else moves), and rs_file_copy_cb
 * used directly by a streaming patch. Output sizes 1, 7 and 64 KiB. */
#include "common.h"

#define BASIS_LEN 1000
static unsigned char basis[BASIS_LEN];
static mb_t expect;

/* COPY(10, 500), LITERAL "xyz", COPY(0, 1000), COPY(999, 1), END. */
static const unsigned char delta[] = {
    'r', 's', 0x02, 0x36,
    0x46, 0x0a, 0x01, 0xf4,
    0x03, 'x', 'y', 'z',
    0x46, 0x00, 0x03, 0xe8,
    0x49, 0x03, 0xe7, 0x01,
    0x00,
};

typedef enum {
    CB_FULL,         /* all that is asked, in the given buffer */
    CB_SHORT7,       /* at most 7 bytes */
    CB_OWN13,        /* at most 13 bytes, in its own buffer */
    CB_ZERO_COPY,    /* all, pointing *buf into the basis itself */
    CB_SAME_PTR,     /* sets *buf to the pointer it was given */
    CB_ONE_OWN,      /* one byte at a time, own buffer */
    CB_IO_ERROR,     /* RS_IO_ERROR on the 3rd call */
    CB_CORRUPT,      /* RS_CORRUPT on the 1st call */
    CB_ENDED_AT_999, /* RS_INPUT_ENDED for position 999 */
    CB_BLOCKED_ONCE, /* RS_BLOCKED on the 2nd call only */
    CB_BLOCKED_AT_0, /* RS_BLOCKED whenever asked for position 0 */
    CB_COUNT
} cb_kind;

static const char *const cb_names[CB_COUNT] = {
    "full", "short7", "own13", "zero-copy", "same-pointer", "one-own",
    "io-error", "corrupt", "ended-at-999", "blocked-once", "blocked-at-0",
};

typedef struct {
    cb_kind kind;
    long calls;
    unsigned char own[64];
    char trace[512]; /* the first requests: pos+asked=answered */
} cb_state_t;

static rs_result test_cb(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    cb_state_t *st = (cb_state_t *)opaque;
    size_t asked = *len, n = asked;
    rs_result r = RS_DONE;
    CHECK(pos >= 0 && pos < BASIS_LEN);
    CHECK(asked > 0);
    st->calls++;
    /* The library offers the caller's output buffer, at next_out. */
    CHECK(g_call_out != NULL);
    CHECK((char *)*buf >= g_call_out && (char *)*buf + asked <= g_call_out + g_call_out_len);
    if (pos + n > BASIS_LEN)
        n = BASIS_LEN - (size_t)pos;
    switch (st->kind) {
    case CB_FULL:
        memcpy(*buf, basis + pos, n);
        break;
    case CB_SHORT7:
        if (n > 7)
            n = 7;
        memcpy(*buf, basis + pos, n);
        break;
    case CB_OWN13:
        if (n > 13)
            n = 13;
        memset(st->own, 0xee, sizeof st->own);
        memcpy(st->own, basis + pos, n);
        *buf = st->own;
        break;
    case CB_ZERO_COPY:
        *buf = (void *)(basis + pos);
        break;
    case CB_SAME_PTR: {
        void *given = *buf;
        memcpy(given, basis + pos, n);
        *buf = given;
        break;
    }
    case CB_ONE_OWN:
        n = 1;
        st->own[0] = basis[pos];
        *buf = st->own;
        break;
    case CB_IO_ERROR:
        if (st->calls == 3)
            r = RS_IO_ERROR;
        else
            memcpy(*buf, basis + pos, n);
        break;
    case CB_CORRUPT:
        r = RS_CORRUPT;
        break;
    case CB_ENDED_AT_999:
        if (pos == 999)
            r = RS_INPUT_ENDED;
        else
            memcpy(*buf, basis + pos, n);
        break;
    case CB_BLOCKED_ONCE:
        if (st->calls == 2)
            r = RS_BLOCKED;
        else
            memcpy(*buf, basis + pos, n);
        break;
    case CB_BLOCKED_AT_0:
        if (pos == 0)
            r = RS_BLOCKED;
        else
            memcpy(*buf, basis + pos, n);
        break;
    default:
        CHECK(0);
    }
    if (r == RS_DONE)
        *len = n;
    if (st->calls <= 6) {
        size_t used = strlen(st->trace);
        snprintf(st->trace + used, sizeof st->trace - used, " %lld+%zu=%s%zu",
                 (long long)pos, asked, r == RS_DONE ? "" : "!", r == RS_DONE ? n : (size_t)r);
    }
    return r;
}

static void run_case(cb_kind kind, size_t in_chunk, size_t out_chunk)
{
    cb_state_t st;
    stream_opts o;
    mb_t out = {0, 0, 0};
    rs_job_t *job;
    rs_result r;

    memset(&st, 0, sizeof st);
    st.kind = kind;
    memset(&o, 0, sizeof o);
    o.in_chunk = in_chunk;
    o.out_chunk = out_chunk;
    job = rs_patch_begin(test_cb, &st);
    r = run_stream(job, delta, sizeof delta, &o, &out);
    printf("%s in=%zu out=%zu: result %d, %zu bytes%s, consumed %zu, "
           "callback calls %ld:%s\n",
           cb_names[kind], in_chunk, out_chunk, (int)r, out.len,
           mb_eq(&out, expect.p, expect.len) ? " (correct)" : "", o.consumed,
           st.calls, st.trace);
    if (r == RS_DONE)
        CHECK(mb_eq(&out, expect.p, expect.len));
    else
        CHECK(out.len <= expect.len && memcmp(out.p, expect.p, out.len) == 0);
    switch (kind) {
    case CB_IO_ERROR:
        CHECK_EQ(r, RS_IO_ERROR);
        break;
    case CB_CORRUPT:
        CHECK_EQ(r, RS_CORRUPT);
        break;
    case CB_ENDED_AT_999:
        CHECK_EQ(r, RS_INPUT_ENDED);
        /* Position 999 is also the last byte of COPY(0, 1000) when that
           copy is asked for in pieces. */
        CHECK(out.len == expect.len - 1 || out.len == expect.len - 2);
        break;
    case CB_BLOCKED_ONCE:
        /* Fine if the blocked call moved something else, else #258. */
        CHECK(r == RS_DONE || r == RS_INTERNAL_ERROR);
        break;
    case CB_BLOCKED_AT_0:
        /* Blocked, then nothing moves while input and output are there. */
        CHECK_EQ(r, RS_INTERNAL_ERROR);
        break;
    default:
        CHECK_EQ(r, RS_DONE);
    }
    print_stats("  stats", rs_job_statistics(job));
    rs_job_free(job);
    mb_free(&out);
    log_print();
}

static void test_file_copy_cb(void)
{
    static const size_t outs[] = {1, 7, 65536};
    FILE *f = tmpfile();
    size_t i;
    CHECK(f != NULL);
    CHECK_EQ(fwrite(basis, 1, BASIS_LEN, f), BASIS_LEN);
    CHECK_EQ(fflush(f), 0);
    printf("== rs_file_copy_cb as a streaming patch's callback\n");
    for (i = 0; i < 3; i++) {
        stream_opts o;
        mb_t out = {0, 0, 0};
        rs_job_t *job = rs_patch_begin(rs_file_copy_cb, f);
        rs_result r;
        memset(&o, 0, sizeof o);
        o.in_chunk = i == 0 ? 1 : sizeof delta;
        o.out_chunk = outs[i];
        r = run_stream(job, delta, sizeof delta, &o, &out);
        printf("out=%zu: result %d, %zu bytes\n", outs[i], (int)r, out.len);
        CHECK_EQ(r, RS_DONE);
        CHECK(mb_eq(&out, expect.p, expect.len));
        rs_job_free(job);
        mb_free(&out);
    }
    fclose(f);
    log_print();
}

/* The job's statistics read from inside the copy callback: C counts a
 * COPY command (and the bytes it will copy) before calling the callback. */
static rs_job_t *g_stats_job;
static int g_stats_calls;

static rs_result stats_cb(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    const rs_stats_t *st = rs_job_statistics(g_stats_job);
    static const long long expect[3][3] = {
        /* copy_cmds, copy_bytes, lit_cmds */
        {1, 500, 0}, {2, 1500, 1}, {3, 1501, 1},
    };
    (void)opaque;
    printf("  callback at %lld: copy_cmds=%lld copy_bytes=%lld lit_cmds=%d\n",
           (long long)pos, (long long)st->copy_cmds, (long long)st->copy_bytes,
           st->lit_cmds);
    CHECK(g_stats_calls < 3);
    CHECK_EQ(st->copy_cmds, expect[g_stats_calls][0]);
    CHECK_EQ(st->copy_bytes, expect[g_stats_calls][1]);
    CHECK_EQ(st->lit_cmds, expect[g_stats_calls][2]);
    g_stats_calls++;
    memcpy(*buf, basis + pos, *len);
    return RS_DONE;
}

static void test_stats_inside_callback(void)
{
    stream_opts o;
    mb_t out = {0, 0, 0};
    printf("== statistics seen by the copy callback\n");
    memset(&o, 0, sizeof o);
    o.in_chunk = sizeof delta;
    o.out_chunk = 65536;
    g_stats_job = rs_patch_begin(stats_cb, NULL);
    CHECK_EQ(run_stream(g_stats_job, delta, sizeof delta, &o, &out), RS_DONE);
    CHECK(mb_eq(&out, expect.p, expect.len));
    CHECK_EQ(g_stats_calls, 3);
    rs_job_free(g_stats_job);
    mb_free(&out);
}

int main(void)
{
    static const size_t outs[] = {1, 7, 65536};
    int kind;
    size_t i;

    rs_trace_to(capture_trace);
    rng_seed(5);
    fill_random(basis, BASIS_LEN);
    mb_put(&expect, basis + 10, 500);
    mb_put(&expect, "xyz", 3);
    mb_put(&expect, basis, BASIS_LEN);
    mb_put(&expect, basis + 999, 1);

    for (kind = 0; kind < CB_COUNT; kind++) {
        printf("== copy callback: %s\n", cb_names[kind]);
        for (i = 0; i < 3; i++) {
            run_case((cb_kind)kind, sizeof delta, outs[i]);
            run_case((cb_kind)kind, 1, outs[i]);
        }
    }
    test_file_copy_cb();
    test_stats_inside_callback();
    mb_free(&expect);
    printf("copycb: ok\n");
    return 0;
}
