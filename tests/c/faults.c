/* I/O faults on every read and write path of the C ABI (bad-inputs.md F2,
 * F6-F8), run against both libraries by tests/c_abi/faults.rs, which
 * compares stdout and stderr byte for byte:
 *
 *  - rs_sig_file, rs_delta_file, rs_patch_file writing to an unbuffered
 *    stream (fopencookie) that takes N bytes and then fails with ENOSPC,
 *    for N over a range: the result, the bytes taken (a prefix of the right
 *    output) and that no write is attempted after the failing one;
 *  - the same three writing to /dev/full (buffered, as rdiff does);
 *  - rs_sig_file, rs_loadsig_file, rs_delta_file, rs_patch_file reading
 *    from a stream that gives N bytes and then fails with EIO (the new
 *    file, the signature, the delta, and the basis through
 *    rs_file_copy_cb), and from a stream opened for writing only;
 *  - rs_delta_file against signatures of 1-, 3- and 16-byte blocks, reading
 *    a new file that fails: every command complete before the failing read
 *    is written, as C writes it;
 *  - rs_job_drive, for all four jobs, with an input or output callback
 *    that fails on its k-th call: its code comes back and the output
 *    callback is not called again.
 *
 * Log lines go to stderr (librsync's default sink) after a line naming
 * the case, so the stderr of the two builds shows which messages each
 * fault gives. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <unistd.h>

#define BASIS_LEN 150000
static unsigned char basis[BASIS_LEN];
static mb_t newf;
static mb_t good_sig, good_delta;

/* Names the case on both streams. */
static void announce(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
    fprintf(stderr, "-- %s\n", line);
}

/* ------------------------------------------------------ failing streams */

/* A cookie stream over memory: reads give `data` up to `fail_at`, then
 * fail with `err`; writes take bytes up to `fail_at`, then fail. */
typedef struct {
    const unsigned char *data;
    size_t len, pos, fail_at;
    int err;
    mb_t out;
    long failed_calls;  /* calls that failed */
    long calls_after;   /* calls made after the first failure */
} cookie_t;

/* fopencookie read: the data up to fail_at, then EIO (0 at the end). */
static ssize_t cookie_read(void *c_, char *buf, size_t n)
{
    cookie_t *c = (cookie_t *)c_;
    size_t end = c->len < c->fail_at ? c->len : c->fail_at;
    if (c->failed_calls)
        c->calls_after++;
    if (c->pos >= end && c->pos < c->len) {
        c->failed_calls++;
        errno = c->err;
        return -1;
    }
    if (c->pos >= end)
        return 0;
    if (n > end - c->pos)
        n = end - c->pos;
    memcpy(buf, c->data + c->pos, n);
    c->pos += n;
    return (ssize_t)n;
}

/* fopencookie write: takes bytes up to fail_at, then fails. */
static ssize_t cookie_write(void *c_, const char *buf, size_t n)
{
    cookie_t *c = (cookie_t *)c_;
    if (c->failed_calls)
        c->calls_after++;
    if (c->out.len >= c->fail_at) {
        /* fopencookie(3): 0, not -1, is a failed write. */
        c->failed_calls++;
        errno = c->err;
        return 0;
    }
    if (n > c->fail_at - c->out.len)
        n = c->fail_at - c->out.len;
    mb_put(&c->out, buf, n);
    return (ssize_t)n;
}

/* fopencookie seek, for a basis read by rs_file_copy_cb. */
static int cookie_seek(void *c_, off64_t *pos, int whence)
{
    cookie_t *c = (cookie_t *)c_;
    off64_t at = *pos;
    if (whence == SEEK_CUR)
        at += (off64_t)c->pos;
    else if (whence == SEEK_END)
        at += (off64_t)c->len;
    if (at < 0) {
        errno = EINVAL;
        return -1;
    }
    c->pos = (size_t)at;
    *pos = at;
    return 0;
}

/* A stream reading `data`, failing with EIO after `fail_at` bytes. */
static FILE *reader(cookie_t *c, const void *data, size_t len, size_t fail_at)
{
    cookie_io_functions_t io = {cookie_read, NULL, cookie_seek, NULL};
    FILE *f;
    memset(c, 0, sizeof *c);
    c->data = (const unsigned char *)data;
    c->len = len;
    c->fail_at = fail_at;
    c->err = EIO;
    f = fopencookie(c, "rb", io);
    CHECK(f != NULL);
    return f;
}

/* Unbuffered, so that every drain of the library reaches the cookie. */
static FILE *writer(cookie_t *c, size_t fail_at)
{
    cookie_io_functions_t io = {NULL, cookie_write, NULL, NULL};
    FILE *f;
    memset(c, 0, sizeof *c);
    c->fail_at = fail_at;
    c->err = ENOSPC;
    f = fopencookie(c, "wb", io);
    CHECK(f != NULL);
    CHECK(setvbuf(f, NULL, _IONBF, 0) == 0);
    return f;
}

/* A temporary file holding `data`, at its start. */
static FILE *memfile(const void *data, size_t len)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (len)
        CHECK_EQ(fwrite(data, 1, len, f), len);
    rewind(f);
    return f;
}

/* The good signature, loaded, with its hash table built. */
static rs_signature_t *loaded_sig(void)
{
    rs_signature_t *sig = NULL;
    FILE *f = memfile(good_sig.p, good_sig.len);
    CHECK_EQ(rs_loadsig_file(f, &sig, NULL), RS_DONE);
    CHECK_EQ(rs_build_hash_table(sig), RS_DONE);
    fclose(f);
    return sig;
}

/* --------------------------------------------------------- the outputs */

enum op { SIG, DELTA, PATCH };
static const char *const op_names[] = {"rs_sig_file", "rs_delta_file", "rs_patch_file"};

/* Runs `op` on the good inputs, writing to `out`. */
static rs_result run_op(enum op op, FILE *out)
{
    rs_stats_t st;
    rs_result r;
    FILE *in;
    if (op == SIG) {
        in = memfile(basis, BASIS_LEN);
        r = rs_sig_file(in, out, 256, 32, RS_RK_BLAKE2_SIG_MAGIC, &st);
    } else if (op == DELTA) {
        rs_signature_t *sig = loaded_sig();
        in = memfile(newf.p, newf.len);
        r = rs_delta_file(sig, in, out, &st);
        rs_free_sumset(sig);
    } else {
        FILE *b = memfile(basis, BASIS_LEN);
        in = memfile(good_delta.p, good_delta.len);
        r = rs_patch_file(b, in, out, &st);
        fclose(b);
    }
    fclose(in);
    return r;
}

/* The right output of `op`. */
static const mb_t *expected_output(enum op op)
{
    return op == SIG ? &good_sig : op == DELTA ? &good_delta : &newf;
}

static void test_failing_writer(void)
{
    int op;
    for (op = SIG; op <= PATCH; op++) {
        const mb_t *want = expected_output((enum op)op);
        size_t limits[] = {0, 1, 3, 4, 12, 13, 100, 4095, 4096, 4097, 65535,
                           65536, 65537, 100000, want->len - 1, want->len,
                           want->len + 1};
        size_t i;
        for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
            cookie_t c;
            FILE *out;
            rs_result r;
            if (limits[i] > want->len + 1)
                continue;
            announce("%s to a stream failing after %zu of %zu bytes",
                     op_names[op], limits[i], want->len);
            out = writer(&c, limits[i]);
            r = run_op((enum op)op, out);
            /* How the bytes are split into writes is not compared: our
               library drains its output in other pieces than C's. */
            printf("  result %d, %zu bytes taken, calls after the failure %ld\n",
                   (int)r, c.out.len, c.calls_after);
            /* What was taken is the start of the right output. */
            CHECK(c.out.len <= want->len);
            CHECK(c.out.len == 0 || memcmp(c.out.p, want->p, c.out.len) == 0);
            if (limits[i] < want->len) {
                CHECK_EQ(r, RS_IO_ERROR);
                CHECK_EQ(c.out.len, limits[i]);
                /* A short write ends it too, without a failing call. */
                CHECK(c.failed_calls <= 1);
                CHECK_EQ(c.calls_after, 0);
            } else {
                CHECK_EQ(r, RS_DONE);
                CHECK_EQ(c.out.len, want->len);
                CHECK_EQ(c.failed_calls, 0);
            }
            fclose(out);
            mb_free(&c.out);
        }
    }
}

static void test_dev_full(void)
{
    int op;
    for (op = SIG; op <= PATCH; op++) {
        FILE *out = fopen("/dev/full", "wb");
        rs_result r;
        if (out == NULL) {
            printf("no /dev/full\n");
            return;
        }
        announce("%s to /dev/full (%zu bytes of output)", op_names[op],
                 expected_output((enum op)op)->len);
        r = run_op((enum op)op, out);
        printf("  result %d\n", (int)r);
        CHECK_EQ(r, RS_IO_ERROR);
        fclose(out);
    }
}

/* ---------------------------------------------------------- the inputs */

static void test_failing_readers(void)
{
    static const size_t at[] = {0, 1, 4, 11, 12, 13, 255, 256, 257, 4096,
                                8191, 8192, 8193, 65536, 100000};
    size_t i;
    for (i = 0; i < sizeof at / sizeof at[0]; i++) {
        cookie_t c, sink;
        FILE *in, *out, *b;
        rs_signature_t *sig = NULL;
        rs_stats_t st;
        rs_result r;

        announce("rs_sig_file reading a basis failing after %zu bytes", at[i]);
        in = reader(&c, basis, BASIS_LEN, at[i]);
        out = writer(&sink, (size_t)-1);
        r = rs_sig_file(in, out, 256, 32, RS_RK_BLAKE2_SIG_MAGIC, &st);
        printf("  result %d, read %zu, %zu bytes written\n", (int)r, c.pos, sink.out.len);
        CHECK_EQ(r, RS_IO_ERROR);
        CHECK_EQ(c.pos, at[i]);
        /* The whole blocks read before the error (and the header). */
        CHECK(sink.out.len <= 12 + (at[i] / 256) * 36);
        CHECK(memcmp(sink.out.p, good_sig.p, sink.out.len) == 0);
        fclose(in);
        fclose(out);
        mb_free(&sink.out);

        if (at[i] < good_sig.len) {
            announce("rs_loadsig_file reading a signature failing after %zu bytes", at[i]);
            in = reader(&c, good_sig.p, good_sig.len, at[i]);
            r = rs_loadsig_file(in, &sig, &st);
            printf("  result %d, read %zu\n", (int)r, c.pos);
            CHECK_EQ(r, RS_IO_ERROR);
            if (sig)
                rs_free_sumset(sig);
            sig = NULL;
            fclose(in);
        }

        announce("rs_delta_file reading a new file failing after %zu bytes", at[i]);
        sig = loaded_sig();
        in = reader(&c, newf.p, newf.len, at[i]);
        out = writer(&sink, (size_t)-1);
        r = rs_delta_file(sig, in, out, &st);
        printf("  result %d, read %zu, %zu bytes written\n", (int)r, c.pos, sink.out.len);
        CHECK_EQ(r, RS_IO_ERROR);
        CHECK(memcmp(sink.out.p, good_delta.p, sink.out.len) == 0);
        rs_free_sumset(sig);
        fclose(in);
        fclose(out);
        mb_free(&sink.out);

        if (at[i] < good_delta.len) {
            announce("rs_patch_file reading a delta failing after %zu bytes", at[i]);
            b = memfile(basis, BASIS_LEN);
            in = reader(&c, good_delta.p, good_delta.len, at[i]);
            out = writer(&sink, (size_t)-1);
            r = rs_patch_file(b, in, out, &st);
            printf("  result %d, read %zu, %zu bytes written\n", (int)r, c.pos,
                   sink.out.len);
            CHECK_EQ(r, RS_IO_ERROR);
            CHECK(memcmp(sink.out.p, newf.p, sink.out.len) == 0);
            fclose(b);
            fclose(in);
            fclose(out);
            mb_free(&sink.out);
        }

        announce("rs_patch_file with a basis failing after %zu bytes", at[i]);
        b = reader(&c, basis, BASIS_LEN, at[i]);
        in = memfile(good_delta.p, good_delta.len);
        out = writer(&sink, (size_t)-1);
        r = rs_patch_file(b, in, out, &st);
        printf("  result %d, %zu bytes written\n", (int)r, sink.out.len);
        CHECK_EQ(r, RS_IO_ERROR);
        CHECK(memcmp(sink.out.p, newf.p, sink.out.len) == 0);
        fclose(b);
        fclose(in);
        fclose(out);
        mb_free(&sink.out);
    }
}

/* rs_delta_file against signatures of tiny blocks, reading a new file that
 * fails: one block's commands can take more than C's one-block output
 * buffer holds for a batched input buffer, and what was written before the
 * failing read must still be every command complete by then, as C writes
 * it reading one block at a time. */
static void test_failing_reader_tiny_blocks(void)
{
    static const size_t block_lens[] = {1, 3, 16};
    static const size_t at[] = {100, 2500, 20000};
    size_t i, j;
    for (i = 0; i < sizeof block_lens / sizeof block_lens[0]; i++) {
        cookie_t c, sink;
        FILE *b = memfile(basis, 20000), *s, *in, *out;
        rs_signature_t *sig = NULL;
        rs_result r;
        s = writer(&sink, (size_t)-1);
        CHECK_EQ(rs_sig_file(b, s, block_lens[i], 8, RS_MD4_SIG_MAGIC, NULL), RS_DONE);
        fclose(b);
        fclose(s);
        b = memfile(sink.out.p, sink.out.len);
        CHECK_EQ(rs_loadsig_file(b, &sig, NULL), RS_DONE);
        CHECK_EQ(rs_build_hash_table(sig), RS_DONE);
        fclose(b);
        mb_free(&sink.out);
        for (j = 0; j < sizeof at / sizeof at[0]; j++) {
            announce("rs_delta_file, blocks of %zu, reading a new file failing after %zu bytes",
                     block_lens[i], at[j]);
            in = reader(&c, newf.p, newf.len, at[j]);
            out = writer(&sink, (size_t)-1);
            r = rs_delta_file(sig, in, out, NULL);
            printf("  result %d, read %zu, %zu bytes written\n", (int)r, c.pos, sink.out.len);
            print_bytes("  written", sink.out.p, sink.out.len);
            CHECK_EQ(r, RS_IO_ERROR);
            fclose(in);
            fclose(out);
            mb_free(&sink.out);
        }
        rs_free_sumset(sig);
    }
}

static void test_write_only_inputs(void)
{
    FILE *w = fopen("faults-writeonly", "wb");
    rs_signature_t *sig = NULL;
    cookie_t sink;
    FILE *out, *b;
    rs_result r;
    CHECK(w != NULL);
    announce("rs_sig_file reading a write-only stream");
    out = writer(&sink, (size_t)-1);
    r = rs_sig_file(w, out, 0, 0, RS_BLAKE2_SIG_MAGIC, NULL);
    printf("  result %d, %zu bytes written\n", (int)r, sink.out.len);
    CHECK_EQ(r, RS_IO_ERROR);
    fclose(out);
    mb_free(&sink.out);

    announce("rs_loadsig_file reading a write-only stream");
    r = rs_loadsig_file(w, &sig, NULL);
    printf("  result %d\n", (int)r);
    CHECK_EQ(r, RS_IO_ERROR);
    if (sig)
        rs_free_sumset(sig);

    announce("rs_delta_file reading a write-only stream");
    sig = loaded_sig();
    out = writer(&sink, (size_t)-1);
    r = rs_delta_file(sig, w, out, NULL);
    printf("  result %d, %zu bytes written\n", (int)r, sink.out.len);
    CHECK_EQ(r, RS_IO_ERROR);
    rs_free_sumset(sig);
    fclose(out);
    mb_free(&sink.out);

    announce("rs_patch_file reading a write-only delta");
    b = memfile(basis, BASIS_LEN);
    out = writer(&sink, (size_t)-1);
    r = rs_patch_file(b, w, out, NULL);
    printf("  result %d, %zu bytes written\n", (int)r, sink.out.len);
    CHECK_EQ(r, RS_IO_ERROR);
    fclose(b);
    fclose(out);
    mb_free(&sink.out);

    announce("rs_patch_file with a write-only basis");
    b = memfile(good_delta.p, good_delta.len);
    out = writer(&sink, (size_t)-1);
    r = rs_patch_file(w, b, out, NULL);
    printf("  result %d, %zu bytes written\n", (int)r, sink.out.len);
    CHECK_EQ(r, RS_IO_ERROR);
    fclose(b);
    fclose(out);
    mb_free(&sink.out);
    fclose(w);
    unlink("faults-writeonly");
}

/* ------------------------------------------------ rs_job_drive callbacks */

typedef struct {
    const unsigned char *data;
    size_t len, pos;
    char buf[1000];
    long calls, fail_at;
} src_t;

typedef struct {
    mb_t out;
    char buf[700];
    long calls, fail_at, calls_after_fail;
} snk_t;

/* rs_job_drive input callback over memory; fails on call fail_at. */
static rs_result src_cb(rs_job_t *job, rs_buffers_t *b, void *opaque)
{
    src_t *s = (src_t *)opaque;
    size_t keep = b->avail_in, n;
    (void)job;
    if (++s->calls == s->fail_at)
        return RS_IO_ERROR;
    if (keep)
        memmove(s->buf, b->next_in, keep);
    n = s->len - s->pos;
    if (n > sizeof s->buf - keep)
        n = sizeof s->buf - keep;
    memcpy(s->buf + keep, s->data + s->pos, n);
    s->pos += n;
    b->next_in = s->buf;
    b->avail_in = keep + n;
    b->eof_in = s->pos == s->len;
    return RS_DONE;
}

/* rs_job_drive output callback; fails on call fail_at and counts calls
 * after it. */
static rs_result snk_cb(rs_job_t *job, rs_buffers_t *b, void *opaque)
{
    snk_t *k = (snk_t *)opaque;
    (void)job;
    if (k->fail_at && k->calls >= k->fail_at)
        k->calls_after_fail++;
    if (++k->calls == k->fail_at)
        return RS_IO_ERROR;
    if (b->next_out)
        mb_put(&k->out, k->buf, (size_t)(b->next_out - k->buf));
    b->next_out = k->buf;
    b->avail_out = sizeof k->buf;
    return RS_DONE;
}

static void test_drive_callbacks(void)
{
    static const char *const kinds[] = {"signature", "loadsig", "delta", "patch"};
    static const long fail_at[] = {1, 2, 5, 20};
    int kind;
    size_t i, side;
    for (kind = 0; kind < 4; kind++)
        for (side = 0; side < 2; side++)
            for (i = 0; i < sizeof fail_at / sizeof fail_at[0]; i++) {
                membasis_t mb = {basis, BASIS_LEN, 0};
                rs_signature_t *sig = NULL, *loaded = NULL;
                src_t s;
                snk_t k;
                rs_buffers_t b;
                rs_job_t *job;
                const mb_t *want = NULL;
                rs_result r;
                memset(&s, 0, sizeof s);
                memset(&k, 0, sizeof k);
                if (kind == 0) {
                    job = rs_sig_begin(256, 32, RS_RK_BLAKE2_SIG_MAGIC);
                    s.data = basis;
                    s.len = BASIS_LEN;
                    want = &good_sig;
                } else if (kind == 1) {
                    job = rs_loadsig_begin(&loaded);
                    s.data = good_sig.p;
                    s.len = good_sig.len;
                } else if (kind == 2) {
                    sig = loaded_sig();
                    job = rs_delta_begin(sig);
                    s.data = newf.p;
                    s.len = newf.len;
                    want = &good_delta;
                } else {
                    job = rs_patch_begin(membasis_cb, &mb);
                    s.data = good_delta.p;
                    s.len = good_delta.len;
                    want = &newf;
                }
                if (side == 0)
                    s.fail_at = fail_at[i];
                else
                    k.fail_at = fail_at[i];
                announce("rs_job_drive(%s): %s callback fails on call %ld", kinds[kind],
                         side ? "output" : "input", fail_at[i]);
                r = rs_job_drive(job, &b, src_cb, &s, kind == 1 ? NULL : snk_cb, &k);
                printf("  result %d, in calls %ld, out calls %ld, %zu bytes drained\n",
                       (int)r, s.calls, k.calls, k.out.len);
                if (kind == 1 && side == 1) {
                    CHECK_EQ(r, RS_DONE);
                } else {
                    CHECK_EQ(r, RS_IO_ERROR);
                }
                CHECK_EQ(k.calls_after_fail, 0);
                if (side == 0)
                    CHECK_EQ(s.calls, fail_at[i]);
                if (want)
                    CHECK(memcmp(k.out.p, want->p, k.out.len) == 0);
                rs_job_free(job);
                if (sig)
                    rs_free_sumset(sig);
                if (loaded)
                    rs_free_sumset(loaded);
                mb_free(&k.out);
            }
}

/* ------------------------------------------------------------------ main */

int main(void)
{
    unsigned char extra[60000];
    FILE *f;
    cookie_t c;

    rng_seed(77);
    fill_text(basis, BASIS_LEN);
    make_edited(basis, BASIS_LEN, &newf);
    fill_random(extra, sizeof extra);
    mb_put(&newf, extra, sizeof extra);

    /* The right outputs, made without faults. */
    f = writer(&c, (size_t)-1);
    CHECK_EQ(run_op(SIG, f), RS_DONE);
    fclose(f);
    mb_put(&good_sig, c.out.p, c.out.len);
    mb_free(&c.out);
    f = writer(&c, (size_t)-1);
    CHECK_EQ(run_op(DELTA, f), RS_DONE);
    fclose(f);
    mb_put(&good_delta, c.out.p, c.out.len);
    mb_free(&c.out);
    print_bytes("signature", good_sig.p, good_sig.len);
    print_bytes("delta", good_delta.p, good_delta.len);
    print_bytes("new", newf.p, newf.len);

    test_failing_writer();
    test_dev_full();
    test_failing_readers();
    test_failing_reader_tiny_blocks();
    test_write_only_inputs();
    test_drive_callbacks();

    mb_free(&good_sig);
    mb_free(&good_delta);
    mb_free(&newf);
    printf("faults: ok\n");
    return 0;
}
