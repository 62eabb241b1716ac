/* CPU time of the librsync C ABI over memory buffers: signature, loadsig,
 * delta and patch jobs driven through rs_job_iter, as rdiff drives them.
 *
 * benches/capi_speed.sh builds this file twice, against Debian's librsync
 * 2.3.2 and against ours (include/librsync.h, target/release/librsync.so),
 * runs the two builds alternately and compares them; see there. The program
 * itself never knows which library it runs on.
 *
 *   capi_speed generate DIR MIB   write the inputs (no library call):
 *                                 DIR/base      MIB MiB of random bytes
 *                                 DIR/edited    base with ~1000 edits
 *                                 DIR/identical a copy of base
 *                                 DIR/unrelated other random bytes
 *   capi_speed run DIR [REPS]     run every case once, print one line each
 *
 * `run` also uses DIR/django-5.1.3.tar and DIR/django-5.1.4.tar when both
 * exist. Every case prints
 *
 *   case NAME UNIT AMOUNT SECONDS FNV OUTLEN
 *
 * where UNIT is MB/s (AMOUNT bytes processed in SECONDS of CPU time), ms
 * (AMOUNT is 1) or us/job (AMOUNT jobs), FNV the 64-bit FNV-1a of the
 * output and OUTLEN its length. The time is CPU time of the process
 * (clock_gettime(CLOCK_PROCESS_CPUTIME_ID)) summed over the rs_job_iter
 * calls only: inputs are read into memory before, each call is offered the
 * next 256 KiB of input in place, and the output lands in one reused,
 * pre-touched 256 KiB buffer that is checksummed between calls, untimed.
 * The per-job rows (1 KiB file, REPS jobs each, default 20000) time whole
 * loops of begin, iter and free instead. Block length 2048 throughout.
 *
 * A patch whose output differs from the new file, or any job that fails,
 * stops the program with status 1. */
#define _POSIX_C_SOURCE 200809L

#include <librsync.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK_LEN 2048
#define PIECE (256 * 1024)   /* input offered per rs_job_iter call */
#define OUT_LEN (256 * 1024) /* the reused output buffer */
#define EDITS 1000

static void die(const char *fmt, const char *arg)
{
    fflush(stdout);
    fprintf(stderr, "capi_speed: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory%s", "");
    return p;
}

/* ------------------------------------------------------------- helpers */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} buf_t;

static void buf_put(buf_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = (unsigned char *)realloc(b->p, cap);
        if (!b->p)
            die("out of memory%s", "");
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t fnv_add(uint64_t h, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        die("clock_gettime: %s", strerror(errno));
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: deterministic inputs, so that reruns see the same data. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void fill_random(unsigned char *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rng_next();
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next();
        memcpy(p, &v, n);
    }
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die("cannot write %s", path);
}

/* Reads DIR/NAME into memory; NULL if it does not exist and may be missing. */
static unsigned char *read_file(const char *dir, const char *name, size_t *len,
                                int optional)
{
    char path[4096];
    FILE *f;
    buf_t b = {0, 0, 0};
    unsigned char chunk[1 << 16];
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f) {
        if (optional && errno == ENOENT)
            return NULL;
        die("cannot open %s", path);
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_put(&b, chunk, n);
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
    *len = b.len;
    return b.p ? b.p : (unsigned char *)xmalloc(1);
}

/* ------------------------------------------------------------ generate */

static int generate(const char *dir, long mib)
{
    size_t len = (size_t)mib * 1024 * 1024, seg, i;
    unsigned char *base, *other;
    buf_t edited = {0, 0, 0};
    unsigned char junk[512];

    if (mib < 1)
        die("size must be at least 1 MiB%s", "");
    base = (unsigned char *)xmalloc(len);
    rng_state = 1;
    fill_random(base, len);
    write_file(dir, "base", base, len);
    write_file(dir, "identical", base, len);

    /* EDITS edits, one in each of EDITS equal stretches of the base at a
     * random place in it: an insert, a delete or an overwrite of 3 to 300
     * bytes. */
    rng_state = 3;
    seg = len / EDITS;
    for (i = 0; i < EDITS; i++) {
        size_t start = i * seg, end = i + 1 == EDITS ? len : start + seg;
        size_t at = start + (size_t)(rng_next() % (seg - 400));
        size_t n = 3 + (size_t)(rng_next() % 298);
        unsigned kind = (unsigned)(rng_next() % 3);
        fill_random(junk, n);
        buf_put(&edited, base + start, at - start);
        if (kind == 0) { /* insert */
            buf_put(&edited, junk, n);
            buf_put(&edited, base + at, end - at);
        } else if (kind == 1) { /* delete */
            buf_put(&edited, base + at + n, end - at - n);
        } else { /* overwrite */
            buf_put(&edited, junk, n);
            buf_put(&edited, base + at + n, end - at - n);
        }
    }
    write_file(dir, "edited", edited.p, edited.len);

    other = base; /* reuse the memory */
    rng_state = 2;
    fill_random(other, len);
    write_file(dir, "unrelated", other, len);
    free(base);
    free(edited.p);
    return 0;
}

/* ------------------------------------------------------------- running */

static unsigned char *g_out; /* the reused output buffer */

/* Where output goes between calls: a checksum, optionally a copy, and
 * optionally a comparison with the expected bytes. */
typedef struct {
    uint64_t fnv;
    size_t len;
    buf_t *keep;
    const unsigned char *expect;
    size_t expect_len;
} sink_t;

static void sink_init(sink_t *s)
{
    memset(s, 0, sizeof *s);
    s->fnv = FNV_INIT;
}

static void sink_put(sink_t *s, const unsigned char *p, size_t n, const char *name)
{
    s->fnv = fnv_add(s->fnv, p, n);
    if (s->keep)
        buf_put(s->keep, p, n);
    if (s->expect &&
        (s->len + n > s->expect_len || memcmp(s->expect + s->len, p, n) != 0))
        die("%s: the output differs from the expected bytes", name);
    s->len += n;
}

/* Runs `job` over `in` to the end and frees it. With `timed`, returns the
 * CPU time of its rs_job_iter calls (else 0). Output goes to `s`, if any;
 * `*out_len`, if not NULL, gets its length. */
static int64_t run_job(const char *name, rs_job_t *job, const unsigned char *in,
                       size_t len, sink_t *s, int timed, size_t *out_len)
{
    size_t pos = 0, total = 0;
    int64_t spent = 0;
    rs_result r;
    for (;;) {
        rs_buffers_t b;
        size_t n = len - pos, produced;
        if (n > PIECE)
            n = PIECE;
        b.next_in = (char *)in + pos;
        b.avail_in = n;
        b.eof_in = pos + n == len;
        b.next_out = (char *)g_out;
        b.avail_out = OUT_LEN;
        if (timed) {
            int64_t t0 = cpu_ns();
            r = rs_job_iter(job, &b);
            spent += cpu_ns() - t0;
        } else {
            r = rs_job_iter(job, &b);
        }
        pos += n - b.avail_in;
        produced = OUT_LEN - b.avail_out;
        total += produced;
        if (s)
            sink_put(s, g_out, produced, name);
        if (r == RS_DONE)
            break;
        if (r != RS_BLOCKED)
            die("%s: rs_job_iter failed", name);
    }
    if (pos != len)
        die("%s: the job did not take all its input", name);
    if (rs_job_free(job) != RS_DONE)
        die("%s: rs_job_free failed", name);
    if (s && s->expect && s->len != s->expect_len)
        die("%s: the output is shorter than expected", name);
    if (out_len)
        *out_len = total;
    return spent;
}

static void report(const char *name, const char *unit, double amount,
                   int64_t ns, const sink_t *s)
{
    printf("case %s %s %.0f %.9f %016llx %zu\n", name, unit, amount,
           (double)ns * 1e-9, (unsigned long long)s->fnv, s->len);
    fflush(stdout);
}

/* A signature of `in`, appended to `sig`; timed and reported if `name`. */
static void sig_case(const char *name, const unsigned char *in, size_t len,
                     size_t strong_len, rs_magic_number magic, buf_t *sig)
{
    sink_t s;
    int64_t ns;
    sink_init(&s);
    s.keep = sig;
    ns = run_job(name ? name : "signature", rs_sig_begin(BLOCK_LEN, strong_len, magic),
                 in, len, &s, name != NULL, NULL);
    if (name)
        report(name, "MB/s", (double)len, ns, &s);
}

/* Loads a signature and builds its hash table; returns the CPU time of all
 * of it (begin, rs_job_iter calls, free, rs_build_hash_table). */
static int64_t load(const char *name, const buf_t *sig, rs_signature_t **out)
{
    rs_signature_t *sumset = NULL;
    int64_t t0 = cpu_ns();
    run_job(name, rs_loadsig_begin(&sumset), sig->p, sig->len, NULL, 0, NULL);
    if (rs_build_hash_table(sumset) != RS_DONE)
        die("%s: rs_build_hash_table failed", name);
    *out = sumset;
    return cpu_ns() - t0;
}

static void delta_case(const char *name, rs_signature_t *sig,
                       const unsigned char *in, size_t len, buf_t *keep)
{
    sink_t s;
    int64_t ns;
    sink_init(&s);
    s.keep = keep;
    ns = run_job(name, rs_delta_begin(sig), in, len, &s, 1, NULL);
    report(name, "MB/s", (double)len, ns, &s);
}

typedef struct {
    const unsigned char *data;
    size_t len;
} membasis_t;

/* rs_copy_cb over a basis held in memory: copies into the library's buffer,
 * as rs_file_copy_cb reads into it. */
static rs_result membasis_cb(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    const membasis_t *m = (const membasis_t *)opaque;
    size_t n = *len;
    if (pos < 0 || (uint64_t)pos >= m->len)
        return RS_INPUT_ENDED;
    if (n > m->len - (size_t)pos)
        n = m->len - (size_t)pos;
    memcpy(*buf, m->data + pos, n);
    *len = n;
    return RS_DONE;
}

/* --------------------------------------------------- per-job overhead */

#define SMALL 1024

typedef enum { JOB_SIG, JOB_LOADSIG_DELTA, JOB_PATCH } small_kind;

typedef struct {
    unsigned char old[SMALL], new_[SMALL];
    buf_t sig, delta;
    membasis_t basis;
} small_t;

/* One small job of `kind` (loadsig + delta counts as one); returns the
 * length of its output, which also goes to `s` if not NULL. */
static size_t small_job(small_kind kind, small_t *sm, sink_t *s)
{
    const char *name = "per-job";
    size_t n = 0;
    rs_signature_t *sumset = NULL;
    switch (kind) {
    case JOB_SIG:
        run_job(name, rs_sig_begin(BLOCK_LEN, 32, RS_RK_BLAKE2_SIG_MAGIC), sm->old,
                SMALL, s, 0, &n);
        break;
    case JOB_LOADSIG_DELTA:
        run_job(name, rs_loadsig_begin(&sumset), sm->sig.p, sm->sig.len, NULL, 0, NULL);
        if (rs_build_hash_table(sumset) != RS_DONE)
            die("%s: rs_build_hash_table failed", name);
        run_job(name, rs_delta_begin(sumset), sm->new_, SMALL, s, 0, &n);
        rs_free_sumset(sumset);
        break;
    case JOB_PATCH:
        run_job(name, rs_patch_begin(membasis_cb, &sm->basis), sm->delta.p,
                sm->delta.len, s, 0, &n);
        break;
    }
    return n;
}

/* Times `reps` small jobs of `kind` in one loop; the checksum is that of
 * one job's output, and every job must give as many bytes. */
static void small_case(const char *name, small_kind kind, small_t *sm, long reps)
{
    sink_t s;
    size_t n;
    int64_t t0;
    long i;
    sink_init(&s);
    n = small_job(kind, sm, &s);
    t0 = cpu_ns();
    for (i = 0; i < reps; i++)
        if (small_job(kind, sm, NULL) != n)
            die("%s: jobs gave different outputs", name);
    report(name, "us/job", (double)reps, cpu_ns() - t0, &s);
}

static int run_all(const char *dir, long reps)
{
    size_t base_len, edited_len, identical_len, unrelated_len, dj_old_len = 0,
           dj_new_len = 0;
    unsigned char *base = read_file(dir, "base", &base_len, 0);
    unsigned char *edited = read_file(dir, "edited", &edited_len, 0);
    unsigned char *identical = read_file(dir, "identical", &identical_len, 0);
    unsigned char *unrelated = read_file(dir, "unrelated", &unrelated_len, 0);
    unsigned char *dj_old = read_file(dir, "django-5.1.3.tar", &dj_old_len, 1);
    unsigned char *dj_new = read_file(dir, "django-5.1.4.tar", &dj_new_len, 1);
    buf_t sig_md4 = {0, 0, 0}, sig_b2 = {0, 0, 0}, delta_edited = {0, 0, 0};
    rs_signature_t *sums_md4, *sums_b2;
    small_t *sm;
    sink_t s;
    int64_t ns;
    size_t i;

    if (reps < 1)
        die("REPS must be at least 1%s", "");
    if (base_len < SMALL || edited_len < SMALL)
        die("inputs under 1 KiB in %s", dir);
    g_out = (unsigned char *)xmalloc(OUT_LEN);
    memset(g_out, 0x5a, OUT_LEN); /* pre-touched */
    printf("library %s\n", rs_librsync_version);

    sig_case("signature-md4-s8", base, base_len, 8, RS_MD4_SIG_MAGIC, &sig_md4);
    sig_case("signature-blake2-s32", base, base_len, 32, RS_RK_BLAKE2_SIG_MAGIC,
             &sig_b2);

    sink_init(&s); /* the "output" of loadsig: the signature it read */
    sink_put(&s, sig_md4.p, sig_md4.len, "loadsig");
    ns = load("loadsig-md4-s8", &sig_md4, &sums_md4);
    report("loadsig-md4-s8", "ms", 1, ns, &s);
    load("loadsig-blake2-s32", &sig_b2, &sums_b2); /* untimed */

    delta_case("delta-identical-md4", sums_md4, identical, identical_len, NULL);
    delta_case("delta-edited-md4", sums_md4, edited, edited_len, NULL);
    delta_case("delta-unrelated-md4", sums_md4, unrelated, unrelated_len, NULL);
    delta_case("delta-identical-blake2", sums_b2, identical, identical_len, NULL);
    delta_case("delta-edited-blake2", sums_b2, edited, edited_len, &delta_edited);
    delta_case("delta-unrelated-blake2", sums_b2, unrelated, unrelated_len, NULL);
    rs_free_sumset(sums_md4);
    rs_free_sumset(sums_b2);

    if (dj_old && dj_new) {
        buf_t dsig_md4 = {0, 0, 0}, dsig_b2 = {0, 0, 0};
        sig_case(NULL, dj_old, dj_old_len, 8, RS_MD4_SIG_MAGIC, &dsig_md4);
        sig_case(NULL, dj_old, dj_old_len, 32, RS_RK_BLAKE2_SIG_MAGIC, &dsig_b2);
        load("django-loadsig-md4", &dsig_md4, &sums_md4);
        load("django-loadsig-blake2", &dsig_b2, &sums_b2);
        delta_case("delta-django-md4", sums_md4, dj_new, dj_new_len, NULL);
        delta_case("delta-django-blake2", sums_b2, dj_new, dj_new_len, NULL);
        rs_free_sumset(sums_md4);
        rs_free_sumset(sums_b2);
        free(dsig_md4.p);
        free(dsig_b2.p);
    }

    {
        membasis_t m;
        m.data = base;
        m.len = base_len;
        sink_init(&s);
        s.expect = edited; /* stops the program if the output differs */
        s.expect_len = edited_len;
        ns = run_job("patch-edited", rs_patch_begin(membasis_cb, &m),
                     delta_edited.p, delta_edited.len, &s, 1, NULL);
        report("patch-edited", "MB/s", (double)edited_len, ns, &s);
    }

    /* A 1 KiB basis (the start of the base) and a new file with 16 bytes
     * changed in its middle; RabinKarp + BLAKE2, strong length 32. */
    sm = (small_t *)xmalloc(sizeof *sm);
    memset(sm, 0, sizeof *sm);
    memcpy(sm->old, base, SMALL);
    memcpy(sm->new_, base, SMALL);
    for (i = 500; i < 516; i++)
        sm->new_[i] ^= 0xff;
    sm->basis.data = sm->old;
    sm->basis.len = SMALL;
    sig_case(NULL, sm->old, SMALL, 32, RS_RK_BLAKE2_SIG_MAGIC, &sm->sig);
    {
        rs_signature_t *sumset;
        load("per-job", &sm->sig, &sumset);
        sink_init(&s);
        s.keep = &sm->delta;
        run_job("per-job", rs_delta_begin(sumset), sm->new_, SMALL, &s, 0, NULL);
        rs_free_sumset(sumset);
    }
    small_case("per-job-signature", JOB_SIG, sm, reps);
    small_case("per-job-loadsig-delta", JOB_LOADSIG_DELTA, sm, reps);
    small_case("per-job-patch", JOB_PATCH, sm, reps);

    free(sm->sig.p);
    free(sm->delta.p);
    free(sm);
    free(sig_md4.p);
    free(sig_b2.p);
    free(delta_edited.p);
    free(base);
    free(edited);
    free(identical);
    free(unrelated);
    free(dj_old);
    free(dj_new);
    free(g_out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "generate") == 0)
        return generate(argv[2], atol(argv[3]));
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "run") == 0)
        return run_all(argv[2], argc == 4 ? atol(argv[3]) : 20000);
    fprintf(stderr, "usage: %s generate DIR MIB | run DIR [REPS]\n", argv[0]);
    return 2;
}
