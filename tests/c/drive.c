/* rs_job_drive with input and output callbacks over memory, for all four
 * kinds of job and several buffer sizes; errors returned by either callback
 * or by the job; the contract around the callbacks (buffers zeroed first,
 * no input callback after eof, one output callback after the end). */
#include "common.h"

#define BASIS_LEN 20000
static unsigned char basis[BASIS_LEN];
static mb_t newf;

/* Input side: a memory source offered `chunk` bytes at a time through a
 * buffer of that size; input the job left is moved to the front. */
typedef struct {
    const unsigned char *data;
    size_t len, pos, chunk;
    char *buf;
    long calls, calls_after_eof;
    int saw_zeroed;  /* the first call saw a zeroed rs_buffers_t */
    long fail_at;    /* return fail_code on this call (0: never) */
    rs_result fail_code;
} source_t;

static rs_result source_cb(rs_job_t *job, rs_buffers_t *buf, void *opaque)
{
    source_t *s = (source_t *)opaque;
    size_t keep, n;
    CHECK(job != NULL);
    s->calls++;
    if (s->calls == 1)
        s->saw_zeroed = buf->next_in == NULL && buf->avail_in == 0 &&
                        buf->eof_in == 0 && buf->next_out == NULL &&
                        buf->avail_out == 0;
    if (buf->eof_in)
        s->calls_after_eof++;
    if (s->fail_at && s->calls == s->fail_at)
        return s->fail_code;
    keep = buf->avail_in;
    if (keep > 0) {
        CHECK(buf->next_in >= s->buf && buf->next_in + keep <= s->buf + s->chunk);
        memmove(s->buf, buf->next_in, keep);
    }
    n = s->len - s->pos;
    if (n > s->chunk - keep)
        n = s->chunk - keep;
    memcpy(s->buf + keep, s->data + s->pos, n);
    s->pos += n;
    buf->next_in = s->buf;
    buf->avail_in = keep + n;
    buf->eof_in = s->pos == s->len;
    return RS_DONE;
}

/* Output side: drains what the job wrote into a buffer of `size` bytes. */
typedef struct {
    mb_t out;
    size_t size;
    char *buf;
    long calls;
    long fail_at;
    rs_result fail_code;
} sink_t;

static rs_result sink_cb(rs_job_t *job, rs_buffers_t *buf, void *opaque)
{
    sink_t *k = (sink_t *)opaque;
    CHECK(job != NULL);
    k->calls++;
    if (k->fail_at && k->calls == k->fail_at)
        return k->fail_code;
    if (buf->next_out != NULL) {
        size_t n = (size_t)(buf->next_out - k->buf);
        CHECK(n <= k->size);
        CHECK_EQ(n + buf->avail_out, k->size);
        mb_put(&k->out, k->buf, n);
    }
    buf->next_out = k->buf;
    buf->avail_out = k->size;
    return RS_DONE;
}

static void source_init(source_t *s, const void *data, size_t len, size_t chunk)
{
    memset(s, 0, sizeof *s);
    s->data = (const unsigned char *)data;
    s->len = len;
    s->chunk = chunk;
    s->buf = (char *)xmalloc(chunk);
}

static void sink_init(sink_t *k, size_t size)
{
    memset(k, 0, sizeof *k);
    k->size = size;
    k->buf = (char *)xmalloc(size);
}

/* Drives `job` over `in` and returns the result; output in `*out`. */
static rs_result drive(rs_job_t *job, const void *in, size_t len, size_t chunk,
                       size_t out_size, int with_sink, mb_t *out)
{
    source_t s;
    sink_t k;
    rs_buffers_t buf;
    rs_result r;
    source_init(&s, in, len, chunk);
    sink_init(&k, out_size);
    memset(&buf, 0x5a, sizeof buf); /* rs_job_drive zeroes it */
    r = rs_job_drive(job, &buf, source_cb, &s, with_sink ? sink_cb : NULL, &k);
    CHECK(s.saw_zeroed);
    CHECK_EQ(s.calls_after_eof, 0);
    if (r == RS_DONE) {
        CHECK_EQ(s.pos, len);
        CHECK(buf.eof_in);
        if (with_sink) /* drained after the end */
            CHECK(buf.next_out == k.buf && buf.avail_out == out_size);
    }
    mb_put(out, k.out.p, k.out.len);
    mb_free(&k.out);
    free(s.buf);
    free(k.buf);
    return r;
}

static void test_round_trips(void)
{
    static const size_t chunks[] = {1, 3, 100, 4096, 65536};
    static const size_t outs[] = {1, 5, 64, 65536};
    static const rs_magic_number magics[] = {
        RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC,
        RS_RK_BLAKE2_SIG_MAGIC,
    };
    size_t m, i;

    for (m = 0; m < 4; m++) {
        mb_t sig = {0, 0, 0}, delta = {0, 0, 0};
        rs_signature_t *sigs = NULL;
        printf("== rs_job_drive magic=%#x\n", (unsigned)magics[m]);
        for (i = 0; i < 5; i++) {
            mb_t out = {0, 0, 0};
            rs_job_t *job = rs_sig_begin(512, 0, magics[m]);
            CHECK_EQ(drive(job, basis, BASIS_LEN, chunks[i], outs[i % 4], 1, &out),
                     RS_DONE);
            if (i == 0) {
                mb_put(&sig, out.p, out.len);
                print_bytes("  signature", sig.p, sig.len);
                print_stats("  signature stats", rs_job_statistics(job));
            } else {
                CHECK(mb_eq(&out, sig.p, sig.len));
            }
            rs_job_free(job);
            mb_free(&out);
        }
        for (i = 0; i < 5; i++) {
            mb_t out = {0, 0, 0};
            rs_signature_t *s = NULL;
            rs_job_t *job = rs_loadsig_begin(&s);
            /* loadsig makes no output: no output callback, as rs_loadsig_file. */
            CHECK_EQ(drive(job, sig.p, sig.len, chunks[i], 1, 0, &out), RS_DONE);
            CHECK_EQ(out.len, 0);
            if (i == 0)
                print_stats("  loadsig stats", rs_job_statistics(job));
            rs_job_free(job);
            if (i == 1)
                sigs = s;
            else
                rs_free_sumset(s);
        }
        CHECK_EQ(rs_build_hash_table(sigs), RS_DONE);
        for (i = 0; i < 5; i++) {
            mb_t out = {0, 0, 0};
            rs_job_t *job = rs_delta_begin(sigs);
            CHECK_EQ(drive(job, newf.p, newf.len, chunks[i], outs[(i + 1) % 4], 1, &out),
                     RS_DONE);
            if (i == 0) {
                mb_put(&delta, out.p, out.len);
                print_bytes("  delta", delta.p, delta.len);
                print_stats("  delta stats", rs_job_statistics(job));
            } else {
                CHECK(mb_eq(&out, delta.p, delta.len));
            }
            rs_job_free(job);
            mb_free(&out);
        }
        rs_signature_log_stats(sigs);
        log_print();
        for (i = 0; i < 5; i++) {
            mb_t out = {0, 0, 0};
            membasis_t mb = {basis, BASIS_LEN, 0};
            rs_job_t *job = rs_patch_begin(membasis_cb, &mb);
            CHECK_EQ(drive(job, delta.p, delta.len, chunks[i], outs[(i + 2) % 4], 1, &out),
                     RS_DONE);
            CHECK(mb_eq(&out, newf.p, newf.len));
            if (i == 0)
                print_stats("  patch stats", rs_job_statistics(job));
            rs_job_free(job);
            mb_free(&out);
        }
        printf("  patched == new\n");
        rs_free_sumset(sigs);
        mb_free(&sig);
        mb_free(&delta);
    }
}

/* Literal runs longer than 32768 bytes are cut into 32768-byte commands;
 * copies are never cut. */
static void test_long_literals(void)
{
    static const size_t chunks[] = {65536, 4096, 100};
    static const size_t outs[] = {65536, 64, 5};
    unsigned char *fresh = (unsigned char *)xmalloc(70000);
    mb_t target = {0, 0, 0}, sig = {0, 0, 0}, first = {0, 0, 0};
    rs_signature_t *s = NULL;
    rs_job_t *job;
    size_t i;

    printf("== long literal runs\n");
    rng_seed(7);
    fill_random(fresh, 70000);
    mb_put(&target, fresh, 40000);
    mb_put(&target, basis, BASIS_LEN);
    mb_put(&target, fresh + 40000, 30000);
    job = rs_sig_begin(1024, 12, RS_BLAKE2_SIG_MAGIC);
    CHECK_EQ(drive(job, basis, BASIS_LEN, 4096, 4096, 1, &sig), RS_DONE);
    rs_job_free(job);
    job = rs_loadsig_begin(&s);
    CHECK_EQ(drive(job, sig.p, sig.len, 4096, 1, 0, &first), RS_DONE);
    rs_job_free(job);
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    for (i = 0; i < 3; i++) {
        mb_t out = {0, 0, 0}, back = {0, 0, 0};
        membasis_t mb = {basis, BASIS_LEN, 0};
        job = rs_delta_begin(s);
        CHECK_EQ(drive(job, target.p, target.len, chunks[i], outs[i], 1, &out), RS_DONE);
        if (i == 0) {
            print_bytes("  delta", out.p, out.len);
            print_stats("  delta stats", rs_job_statistics(job));
            /* The first command: LITERAL_N2 of 32768 bytes. */
            CHECK(out.len > 7 && memcmp(out.p + 4, "\x42\x80\x00", 3) == 0);
            mb_free(&first);
            mb_put(&first, out.p, out.len);
        } else {
            CHECK(mb_eq(&out, first.p, first.len));
        }
        rs_job_free(job);
        job = rs_patch_begin(membasis_cb, &mb);
        CHECK_EQ(drive(job, out.p, out.len, chunks[i], outs[(i + 1) % 3], 1, &back), RS_DONE);
        CHECK(mb_eq(&back, target.p, target.len));
        rs_job_free(job);
        mb_free(&out);
        mb_free(&back);
    }
    rs_signature_log_stats(s);
    log_print();
    rs_free_sumset(s);
    mb_free(&sig);
    mb_free(&first);
    mb_free(&target);
    free(fresh);
}

static void test_callback_errors(void)
{
    static const rs_result codes[] = {RS_IO_ERROR, RS_CORRUPT, RS_BLOCKED,
                                      RS_UNIMPLEMENTED};
    size_t i;
    printf("== callback errors\n");
    for (i = 0; i < 4; i++) {
        source_t s;
        sink_t k;
        rs_buffers_t buf;
        rs_result r;
        rs_job_t *job = rs_sig_begin(256, 8, RS_RK_BLAKE2_SIG_MAGIC);
        source_init(&s, basis, 5000, 1000);
        sink_init(&k, 64);
        s.fail_at = 3;
        s.fail_code = codes[i];
        r = rs_job_drive(job, &buf, source_cb, &s, sink_cb, &k);
        printf("  input callback fails with %d on call 3: drive=%d, in calls=%ld, "
               "out calls=%ld, drained=%zu\n",
               (int)codes[i], (int)r, s.calls, k.calls, k.out.len);
        CHECK_EQ(r, codes[i]);
        CHECK_EQ(s.calls, 3);
        rs_job_free(job);
        mb_free(&k.out);
        free(s.buf);
        free(k.buf);

        job = rs_sig_begin(256, 8, RS_RK_BLAKE2_SIG_MAGIC);
        source_init(&s, basis, 5000, 1000);
        sink_init(&k, 64);
        k.fail_at = 4;
        k.fail_code = codes[i];
        r = rs_job_drive(job, &buf, source_cb, &s, sink_cb, &k);
        printf("  output callback fails with %d on call 4: drive=%d, in calls=%ld, "
               "out calls=%ld, drained=%zu\n",
               (int)codes[i], (int)r, s.calls, k.calls, k.out.len);
        CHECK_EQ(r, codes[i]);
        CHECK_EQ(k.calls, 4);
        rs_job_free(job);
        mb_free(&k.out);
        free(s.buf);
        free(k.buf);
    }
    log_print();
}

static void test_job_errors(void)
{
    static const struct {
        const char *name;
        const char *delta;
        size_t len;
    } cases[] = {
        {"bad magic", "rs\x01\x36\x00", 5},
        {"truncated literal", "rs\x02\x36\x05hel", 8},
        {"reserved command", "rs\x02\x36\x02hi\x55", 8},
        {"copy past the end", "rs\x02\x36\x02hi\x49\x4e\x20\x10\x00", 12},
        {"no END", "rs\x02\x36\x03" "abc", 8},
    };
    size_t i, out_size;
    printf("== job errors\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (out_size = 1; out_size <= 4096; out_size *= 64) {
            source_t s;
            sink_t k;
            rs_buffers_t buf;
            rs_result r;
            membasis_t mb = {basis, BASIS_LEN, 0};
            rs_job_t *job = rs_patch_begin(membasis_cb, &mb);
            source_init(&s, cases[i].delta, cases[i].len, 3);
            sink_init(&k, out_size);
            r = rs_job_drive(job, &buf, source_cb, &s, sink_cb, &k);
            /* The output left in the buffer on error is not drained. */
            printf("  %s (out %zu): drive=%d, drained %zu bytes, in buffer %zu\n",
                   cases[i].name, out_size, (int)r, k.out.len,
                   buf.next_out ? (size_t)(buf.next_out - k.buf) : (size_t)0);
            print_stats("  stats", rs_job_statistics(job));
            rs_job_free(job);
            mb_free(&k.out);
            free(s.buf);
            free(k.buf);
            log_print();
        }
}

int main(void)
{
    rs_trace_to(capture_trace);
    rng_seed(99);
    fill_random(basis, BASIS_LEN);
    make_edited(basis, BASIS_LEN, &newf);
    test_round_trips();
    test_long_literals();
    test_callback_errors();
    test_job_errors();
    mb_free(&newf);
    printf("drive: ok\n");
    return 0;
}
