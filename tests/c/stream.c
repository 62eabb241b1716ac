/* Streaming with rs_job_iter: signature, loadsig, delta and patch jobs fed
 * 1-byte input and 1-byte output buffers (and other sizes), including eof
 * given later in a call with avail_in == 0; rs_job_statistics,
 * rs_build_hash_table, rs_sumset_dump, rs_signature_log_stats,
 * rs_free_sumset; the rs_job_iter contract after RS_DONE (M2) and without
 * eof (M3); slack deltas. */
#include "common.h"

#define BASIS_LEN 9000
static unsigned char basis[BASIS_LEN];
static mb_t newf;


typedef struct {
    size_t in, out;
    int late;
} shape_t;

/* Buffer shapes every job runs with; the first one is the reference. */
static const shape_t shapes[] = {
    {(size_t)1 << 20, 1 << 16, 0}, {1, 1, 0}, {1, 1, 1}, {7, 3, 1},
    {4096, 1, 0}, {1, 4096, 1},
};
#define ALL_SHAPES (sizeof shapes / sizeof shapes[0])
/* How many of the shapes the current round trip uses (all of them for the
 * first ones; the reference and the 1-byte ones later, to keep the run
 * short under valgrind). */
static size_t NSHAPES = ALL_SHAPES;

/* Whether run_shape prints the job's statistics halfway (set for one
 * 1-byte run of each job kind). */
static int g_probe;

static rs_result run_shape(rs_job_t *job, const void *in, size_t len,
                           const shape_t *sh, mb_t *out, long *iters)
{
    stream_opts o;
    rs_result r;
    const rs_stats_t *before = rs_job_statistics(job);
    memset(&o, 0, sizeof o);
    o.in_chunk = sh->in;
    o.out_chunk = sh->out;
    o.late_eof = sh->late;
    if (g_probe && sh->in == 1 && sh->out == 1 && !sh->late)
        o.probe_at = len / 2;
    r = run_stream(job, in, len, &o, out);
    /* The statistics stay where they were: callers keep the pointer. */
    CHECK(rs_job_statistics(job) == before);
    CHECK_EQ(o.consumed, len);
    if (iters)
        *iters = o.iters;
    return r;
}

static void job_stats(const char *label, rs_job_t *job)
{
    const rs_stats_t *st = rs_job_statistics(job);
    CHECK(st != NULL);
    print_stats(label, st);
    CHECK(st->end >= st->start);
}

/* The signature of `data` in every shape: all equal. */
static void make_sig(const void *data, size_t len, rs_magic_number magic,
                     size_t block_len, size_t strong_len, mb_t *sig)
{
    size_t i;
    for (i = 0; i < NSHAPES; i++) {
        mb_t out = {0, 0, 0};
        long iters;
        rs_job_t *job = rs_sig_begin(block_len, strong_len, magic);
        CHECK(job != NULL);
        CHECK_EQ(run_shape(job, data, len, &shapes[i], &out, &iters), RS_DONE);
        if (i == 0) {
            mb_put(sig, out.p, out.len);
            job_stats("  signature stats", job);
        } else {
            CHECK(mb_eq(&out, sig->p, sig->len));
        }
        if (shapes[i].in == 1 && shapes[i].out == 1 && !shapes[i].late)
            printf("  signature 1/1 calls: %ld\n", iters);
        CHECK_EQ(rs_job_free(job), RS_DONE);
        mb_free(&out);
    }
}

/* Loads `sig` in every shape; returns the one loaded with 1-byte input. */
static rs_signature_t *load_sig(const mb_t *sig)
{
    rs_signature_t *keep = NULL;
    size_t i;
    for (i = 0; i < NSHAPES; i++) {
        rs_signature_t *s = NULL;
        mb_t out = {0, 0, 0};
        shape_t sh = shapes[i];
        long iters;
        rs_job_t *job = rs_loadsig_begin(&s);
        CHECK(job != NULL);
        CHECK(s != NULL);
        sh.out = 0; /* loadsig has no output */
        CHECK_EQ(run_shape(job, sig->p, sig->len, &sh, &out, &iters), RS_DONE);
        CHECK_EQ(out.len, 0);
        if (sh.in == 1 && !sh.late) {
            printf("  loadsig 1-byte calls: %ld\n", iters);
            job_stats("  loadsig stats", job);
        }
        CHECK_EQ(rs_job_free(job), RS_DONE);
        if (sh.in == 1 && !sh.late && keep == NULL)
            keep = s;
        else
            rs_free_sumset(s);
    }
    CHECK(keep != NULL);
    return keep;
}

/* The delta of `data` against `sig` in every shape: all equal (matching
 * mode does not depend on chunking). */
static void make_delta(rs_signature_t *sig, const void *data, size_t len,
                       mb_t *delta)
{
    size_t i;
    for (i = 0; i < NSHAPES; i++) {
        mb_t out = {0, 0, 0};
        long iters;
        rs_job_t *job = rs_delta_begin(sig);
        CHECK(job != NULL);
        CHECK_EQ(run_shape(job, data, len, &shapes[i], &out, &iters), RS_DONE);
        if (i == 0) {
            mb_put(delta, out.p, out.len);
            job_stats("  delta stats", job);
        } else {
            CHECK(mb_eq(&out, delta->p, delta->len));
        }
        CHECK_EQ(rs_job_free(job), RS_DONE);
        mb_free(&out);
    }
}

/* Applies `delta` to `base` in every shape; each result must be `expect`. */
static void apply_delta(const void *base, size_t base_len, const mb_t *delta,
                        const void *expect, size_t expect_len)
{
    size_t i;
    for (i = 0; i < NSHAPES; i++) {
        mb_t out = {0, 0, 0};
        long iters;
        membasis_t mb;
        rs_job_t *job;
        mb.data = (const unsigned char *)base;
        mb.len = base_len;
        mb.calls = 0;
        job = rs_patch_begin(membasis_cb, &mb);
        CHECK(job != NULL);
        CHECK_EQ(run_shape(job, delta->p, delta->len, &shapes[i], &out, &iters),
                 RS_DONE);
        CHECK(mb_eq(&out, expect, expect_len));
        if (i == 0)
            job_stats("  patch stats", job);
        if (shapes[i].in == 1 && shapes[i].out == 1 && !shapes[i].late)
            printf("  patch 1/1 calls: %ld, copy_cb calls: %ld\n", iters, mb.calls);
        CHECK_EQ(rs_job_free(job), RS_DONE);
        mb_free(&out);
    }
}

static void round_trip(const unsigned char *base, size_t base_len,
                       const mb_t *target, rs_magic_number magic,
                       size_t block_len, size_t strong_len)
{
    mb_t sig = {0, 0, 0}, delta = {0, 0, 0};
    rs_signature_t *s;

    printf("== round trip of %zu bytes, magic=%#x block_len=%zu strong_len=%zu\n",
           base_len, (unsigned)magic, block_len, strong_len);
    g_probe = NSHAPES == ALL_SHAPES;
    make_sig(base, base_len, magic, block_len, strong_len, &sig);
    print_bytes("  signature", sig.p, sig.len);
    s = load_sig(&sig);
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    /* Before any delta: 0 searches, and 0/0 percentages. */
    rs_signature_log_stats(s);
    log_print();
    make_delta(s, target->p, target->len, &delta);
    print_bytes("  delta", delta.p, delta.len);
    rs_signature_log_stats(s);
    log_print();
    apply_delta(base, base_len, &delta, target->p, target->len);
    g_probe = 0;

    /* Delta of the basis against its own signature. */
    mb_free(&delta);
    make_delta(s, base, base_len, &delta);
    print_bytes("  self delta", delta.p, delta.len);
    apply_delta(base, base_len, &delta, base, base_len);
    rs_signature_log_stats(s);
    log_print();

    rs_free_sumset(s);
    mb_free(&sig);
    mb_free(&delta);
}

static void dump_small(rs_magic_number magic)
{
    mb_t sig = {0, 0, 0};
    rs_signature_t *s;
    printf("== rs_sumset_dump magic=%#x\n", (unsigned)magic);
    make_sig(basis, 600, magic, 256, 8, &sig);
    s = load_sig(&sig);
    rs_sumset_dump(s);
    log_print();
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    rs_sumset_dump(s);
    log_print();
    rs_free_sumset(s);
    mb_free(&sig);
}

static void empty_and_slack(void)
{
    mb_t sig = {0, 0, 0}, delta = {0, 0, 0};
    rs_signature_t *s;
    size_t i;
    static const size_t chunks[] = {1, 7, 100, 4096, 1 << 20};

    printf("== empty input\n");
    make_sig("", 0, (rs_magic_number)0, 0, 0, &sig);
    print_bytes("  empty signature", sig.p, sig.len);
    CHECK_EQ(sig.len, 12);
    s = load_sig(&sig);
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    make_delta(s, "", 0, &delta);
    print_bytes("  empty delta", delta.p, delta.len);
    CHECK(mb_eq(&delta, "rs\x02\x36\x00", 5));
    apply_delta("", 0, &delta, "", 0);
    apply_delta(basis, BASIS_LEN, &delta, "", 0);
    mb_free(&delta);

    /* Slack deltas (no blocks, or no signature): one literal per input
     * chunk, so the output depends on the chunking. */
    printf("== slack deltas\n");
    for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        int with_sig;
        for (with_sig = 0; with_sig < 2; with_sig++) {
            mb_t out = {0, 0, 0};
            shape_t sh;
            rs_job_t *job = rs_delta_begin(with_sig ? s : NULL);
            sh.in = chunks[i];
            sh.out = 1 << 16;
            sh.late = 0;
            CHECK_EQ(run_shape(job, basis, 3000, &sh, &out, NULL), RS_DONE);
            printf("  chunk %zu %s: ", chunks[i], with_sig ? "empty sig" : "NULL sig");
            print_bytes("delta", out.p, out.len);
            if (chunks[i] >= 3000)
                job_stats("  slack stats", job);
            apply_delta("", 0, &out, basis, 3000);
            rs_job_free(job);
            mb_free(&out);
        }
    }
    rs_free_sumset(s);
    mb_free(&sig);
}

/* M2: rs_job_iter after RS_DONE. M3: no eof. Output blocking. */
static void iter_contract(void)
{
    rs_job_t *job;
    rs_buffers_t b;
    char in[64], out[64];
    rs_result r;
    static const char delta[] = "rs\x02\x36\x05hello\x00";
    membasis_t mb = {basis, BASIS_LEN, 0};

    printf("== rs_job_iter contract\n");
    /* A complete delta in one call, with trailing bytes after END. */
    job = rs_patch_begin(membasis_cb, &mb);
    memcpy(in, delta, 11);
    memcpy(in + 11, "tail", 4);
    b.next_in = in;
    b.avail_in = 15;
    b.eof_in = 0;
    b.next_out = out;
    b.avail_out = sizeof out;
    r = rs_job_iter(job, &b);
    printf("  patch in one call: %d, avail_in=%zu, out=%zu\n", (int)r,
           b.avail_in, sizeof out - b.avail_out);
    CHECK_EQ(r, RS_DONE);
    CHECK_EQ(b.avail_in, 4);
    CHECK(memcmp(out, "hello", 5) == 0);
    /* Again, with input and output space: no progress is an error. */
    r = rs_job_iter(job, &b);
    printf("  again with input and output: %d\n", (int)r);
    CHECK_EQ(r, RS_INTERNAL_ERROR);
    log_print();
    /* Without input it is simply done. */
    b.avail_in = 0;
    r = rs_job_iter(job, &b);
    printf("  again without input: %d\n", (int)r);
    CHECK_EQ(r, RS_DONE);
    /* Without output space, too. */
    b.avail_in = 4;
    b.avail_out = 0;
    r = rs_job_iter(job, &b);
    printf("  again without output space: %d\n", (int)r);
    CHECK_EQ(r, RS_DONE);
    log_print();
    rs_job_free(job);

    /* M3: a signature job never ends without eof_in. */
    job = rs_sig_begin(256, 8, RS_BLAKE2_SIG_MAGIC);
    memset(&b, 0, sizeof b);
    b.next_out = out;
    b.avail_out = 0;
    r = rs_job_iter(job, &b);
    printf("  sig, no input, no output space: %d\n", (int)r);
    CHECK_EQ(r, RS_BLOCKED);
    b.avail_out = sizeof out;
    r = rs_job_iter(job, &b);
    printf("  sig, no input: %d, out=%zu\n", (int)r, sizeof out - b.avail_out);
    CHECK_EQ(r, RS_BLOCKED);
    print_bytes("  header", out, sizeof out - b.avail_out);
    b.next_out = out;
    b.avail_out = sizeof out;
    r = rs_job_iter(job, &b);
    printf("  sig, no input again: %d, out=%zu\n", (int)r, sizeof out - b.avail_out);
    CHECK_EQ(r, RS_BLOCKED);
    /* 100 bytes without eof: blocks of 256 cannot be summed yet. */
    b.next_in = (char *)basis;
    b.avail_in = 100;
    r = rs_job_iter(job, &b);
    printf("  sig, 100 bytes: %d, avail_in=%zu, out=%zu\n", (int)r, b.avail_in,
           sizeof out - b.avail_out);
    CHECK_EQ(r, RS_BLOCKED);
    b.avail_in = 0;
    b.eof_in = 1;
    r = rs_job_iter(job, &b);
    printf("  sig, eof: %d, out=%zu\n", (int)r, sizeof out - b.avail_out);
    CHECK_EQ(r, RS_DONE);
    print_bytes("  short block sum", out, sizeof out - b.avail_out);
    job_stats("  sig stats", job);
    rs_job_free(job);

    /* A patch blocked on output keeps its place. */
    job = rs_patch_begin(membasis_cb, &mb);
    memcpy(in, "rs\x02\x36\x45\x10\x20\x00", 8);
    b.next_in = in;
    b.avail_in = 8;
    b.eof_in = 1;
    b.next_out = out;
    b.avail_out = 0;
    r = rs_job_iter(job, &b);
    printf("  patch, no output space: %d, avail_in=%zu\n", (int)r, b.avail_in);
    CHECK_EQ(r, RS_BLOCKED);
    b.avail_out = 5;
    r = rs_job_iter(job, &b);
    printf("  patch, 5 bytes of space: %d, avail_in=%zu, out=%zu\n", (int)r,
           b.avail_in, 5 - b.avail_out);
    CHECK_EQ(r, RS_BLOCKED);
    b.avail_out = 64;
    r = rs_job_iter(job, &b);
    printf("  patch, more space: %d, avail_in=%zu, out=%zu\n", (int)r,
           b.avail_in, (size_t)(b.next_out - out));
    CHECK_EQ(r, RS_DONE);
    CHECK_EQ(b.next_out - out, 32);
    CHECK(memcmp(out, basis + 16, 32) == 0);
    job_stats("  patch stats", job);
    rs_job_free(job);
    log_print();
}

/* Two delta jobs on one signature, interleaved call by call: the same
 * deltas, and match statistics that add up (also read halfway). */
static void interleaved_deltas(void)
{
    mb_t sig = {0, 0, 0}, out[2] = {{0, 0, 0}, {0, 0, 0}}, single = {0, 0, 0};
    rs_signature_t *s;
    rs_job_t *jobs[2];
    size_t pos[2] = {0, 0};
    long calls = 0;
    int k, done = 0;

    printf("== interleaved delta jobs on one signature\n");
    NSHAPES = 2;
    make_sig(basis, BASIS_LEN, RS_MD4_SIG_MAGIC, 128, 8, &sig);
    s = load_sig(&sig);
    NSHAPES = ALL_SHAPES;
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    jobs[0] = rs_delta_begin(s);
    jobs[1] = rs_delta_begin(s);
    while (done < 2) {
        done = 0;
        for (k = 0; k < 2; k++) {
            rs_buffers_t b;
            char ob[3];
            size_t n = newf.len - pos[k];
            rs_result r;
            if (n > (size_t)(5 + k))
                n = (size_t)(5 + k);
            b.next_in = (char *)newf.p + pos[k];
            b.avail_in = n;
            b.eof_in = pos[k] + n == newf.len;
            b.next_out = ob;
            b.avail_out = sizeof ob;
            r = rs_job_iter(jobs[k], &b);
            pos[k] += n - b.avail_in;
            mb_put(&out[k], ob, sizeof ob - b.avail_out);
            if (r == RS_DONE)
                done++;
            else
                CHECK_EQ(r, RS_BLOCKED);
        }
        if (++calls == 1000) {
            printf("  after 1000 rounds:\n");
            rs_signature_log_stats(s);
            log_print();
        }
    }
    make_delta(s, newf.p, newf.len, &single);
    CHECK(mb_eq(&out[0], single.p, single.len));
    CHECK(mb_eq(&out[1], single.p, single.len));
    print_bytes("  delta", single.p, single.len);
    rs_signature_log_stats(s);
    rs_job_free(jobs[0]);
    rs_job_free(jobs[1]);
    rs_signature_log_stats(s);
    log_print();
    rs_free_sumset(s);
    mb_free(&sig);
    mb_free(&out[0]);
    mb_free(&out[1]);
    mb_free(&single);
}

int main(void)
{
    static const rs_magic_number magics[] = {
        RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC,
        RS_RK_BLAKE2_SIG_MAGIC,
    };
    size_t i;

    rs_trace_to(capture_trace);
    rng_seed(2024);
    fill_text(basis, BASIS_LEN);
    make_edited(basis, BASIS_LEN, &newf);
    print_bytes("basis", basis, BASIS_LEN);
    print_bytes("new", newf.p, newf.len);

    for (i = 0; i < 4; i++) {
        round_trip(basis, BASIS_LEN, &newf, magics[i], 256, 0);
        NSHAPES = 3;
    }
    round_trip(basis, BASIS_LEN, &newf, RS_RK_BLAKE2_SIG_MAGIC, 300, 8);
    round_trip(basis, BASIS_LEN, &newf, RS_MD4_SIG_MAGIC, 1000, (size_t)-1);
    round_trip(basis, BASIS_LEN, &newf, (rs_magic_number)0, 0, 0);
    /* 1-byte blocks: a signature 7 times the size of the data. */
    {
        mb_t small_new = {0, 0, 0};
        make_edited(basis, 1500, &small_new);
        round_trip(basis, 1500, &small_new, RS_RK_MD4_SIG_MAGIC, 1, 3);
        round_trip(basis, 1500, &small_new, RS_BLAKE2_SIG_MAGIC, 7, 2);
        mb_free(&small_new);
    }
    NSHAPES = ALL_SHAPES;
    for (i = 0; i < 4; i++)
        dump_small(magics[i]);
    empty_and_slack();
    interleaved_deltas();
    iter_contract();
    mb_free(&newf);
    CHECK_EQ(g_log_len, 0);
    printf("stream: ok\n");
    return 0;
}
