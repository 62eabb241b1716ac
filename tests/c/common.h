/* Shared helpers of the C test programs of librsync-rs (tests/capi.rs).
 *
 * Every program is built twice, against our header and library and against
 * Debian's librsync 2.3.2, and run as separate processes; their stdout must
 * be identical. So everything printed here is deterministic: no pointers,
 * no times, no temporary file names. A failed check prints the place to
 * stderr and exits with status 1.
 *
 * Nothing here calls the library except through the functions under test,
 * and the hex and hash helpers are our own so that a bug in rs_hexify or
 * rs_mdfour cannot hide itself. */
#ifndef CAPI_TEST_COMMON_H
#define CAPI_TEST_COMMON_H

#include <librsync.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Each program uses only some of the helpers. */
#define HELPER static __attribute__((unused))

/* ------------------------------------------------------------------ checks */

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fflush(stdout);                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);       \
        if (check_a_ != check_b_) {                                           \
            fflush(stdout);                                                   \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
                    __FILE__, __LINE__, #a, check_a_, #b, check_b_);          \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *check_a_ = (a), *check_b_ = (b);                          \
        if (strcmp(check_a_, check_b_) != 0) {                                \
            fflush(stdout);                                                   \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  %s = \"%s\"\n  %s = \"%s\"\n", \
                    __FILE__, __LINE__, #a, check_a_, #b, check_b_);          \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

HELPER void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    CHECK(p != NULL);
    return p;
}

/* ------------------------------------------------------ growable byte buffer */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} mb_t;

HELPER void mb_put(mb_t *b, const void *data, size_t n)
{
    if (n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->p = (unsigned char *)realloc(b->p, cap);
        CHECK(b->p != NULL);
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

HELPER void mb_free(mb_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

HELPER int mb_eq(const mb_t *b, const void *data, size_t n)
{
    return b->len == n && (n == 0 || memcmp(b->p, data, n) == 0);
}

/* -------------------------------------------------------- hex and hashing */

HELPER void to_hex(char *out, const void *data, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* FNV-1a, 64 bits: a short fingerprint of long outputs. */
HELPER uint64_t fnv64(const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Prints "label: len=N hex" for short data, or a fingerprint for long. */
HELPER void print_bytes(const char *label, const void *data, size_t n)
{
    if (n <= 48) {
        char hex[2 * 48 + 1];
        to_hex(hex, data, n);
        printf("%s: len=%zu %s\n", label, n, hex);
    } else {
        char head[2 * 16 + 1];
        to_hex(head, data, 16);
        printf("%s: len=%zu head=%s fnv=%016llx\n", label, n, head,
               (unsigned long long)fnv64(data, n));
    }
}

/* ---------------------------------------------- deterministic test corpus */

HELPER uint32_t rng_state = 1;

HELPER void rng_seed(uint32_t s)
{
    rng_state = s ? s : 1;
}

HELPER uint32_t rng_next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

HELPER void fill_random(unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(rng_next() >> 24);
}

/* Text-like data (words and newlines), so that deltas have structure. */
HELPER void fill_text(unsigned char *p, size_t n)
{
    static const char *const words[] = {
        "rsync ", "delta ", "block ", "signature ", "the ", "rolling ",
        "checksum ", "patch\n", "basis ", "of ", "strong ", "weak ",
        "match ", "literal ", "copy ", "a ",
    };
    size_t i = 0;
    while (i < n) {
        const char *w = words[rng_next() % 16];
        while (*w && i < n)
            p[i++] = (unsigned char)*w++;
    }
}

/* new = basis with an insertion, a deletion, an overwrite and an append. */
HELPER void make_edited(const unsigned char *basis, size_t len, mb_t *out)
{
    size_t a = len / 5, b = len / 2, c = (len * 4) / 5;
    unsigned char junk[300];
    fill_random(junk, sizeof junk);
    mb_put(out, basis, a);
    mb_put(out, junk, 77);                 /* insert 77 bytes */
    mb_put(out, basis + a, b - a);
    mb_put(out, basis + b + 123, c - b - 123); /* delete 123 bytes */
    mb_put(out, junk + 100, 40);           /* overwrite 40 bytes */
    mb_put(out, basis + c + 40, len - c - 40);
    mb_put(out, junk + 200, 5);            /* append 5 bytes */
}

/* ----------------------------------------------------- captured trace log */

HELPER char g_log[1 << 17];
HELPER size_t g_log_len;
HELPER int g_log_lines;
/* Whether log_print masks the " speed[...]" part of statistics lines. */
HELPER int g_mask_speed = 1;

/* An rs_trace_fn_t that keeps the lines for printing. */
HELPER void capture_trace(rs_loglevel level, char const *msg)
{
    size_t n = strlen(msg);
    char head[16];
    int h = snprintf(head, sizeof head, "[%d] ", (int)level);
    if (g_log_len + (size_t)h + n + 1 < sizeof g_log) {
        memcpy(g_log + g_log_len, head, (size_t)h);
        g_log_len += (size_t)h;
        memcpy(g_log + g_log_len, msg, n);
        g_log_len += n;
        g_log[g_log_len] = 0;
    }
    g_log_lines++;
}

HELPER void log_reset(void)
{
    g_log_len = 0;
    g_log[0] = 0;
    g_log_lines = 0;
}

/* Prints and clears the captured log, one "  log: " line per message,
 * with the " speed[...]" part of statistics lines masked (it holds times). */
HELPER void log_print(void)
{
    char *line = g_log;
    while (*line) {
        char *nl = strchr(line, '\n');
        char *speed;
        if (nl)
            *nl = 0;
        speed = g_mask_speed ? strstr(line, " speed[") : NULL;
        if (speed)
            printf("  log: %.*s speed[masked]\n", (int)(speed - line), line);
        else
            printf("  log: %s\n", line);
        if (!nl)
            break;
        line = nl + 1;
    }
    log_reset();
}

HELPER int log_contains(const char *s)
{
    return strstr(g_log, s) != NULL;
}

/* ----------------------------------------------------------- statistics */

HELPER void print_stats(const char *label, const rs_stats_t *s)
{
    printf("%s: op=%s lit=%d/%lld/%lld copy=%lld/%lld/%lld sig=%lld/%lld "
           "false=%d blocks=%lld block_len=%zu in=%lld out=%lld\n",
           label, s->op ? s->op : "(null)", s->lit_cmds,
           (long long)s->lit_bytes, (long long)s->lit_cmdbytes,
           (long long)s->copy_cmds, (long long)s->copy_bytes,
           (long long)s->copy_cmdbytes, (long long)s->sig_cmds,
           (long long)s->sig_bytes, s->false_matches,
           (long long)s->sig_blocks, s->block_len, (long long)s->in_bytes,
           (long long)s->out_bytes);
    /* start and end are times: only their order is deterministic. */
    CHECK(s->start > 0);
    CHECK(s->end == 0 || s->end >= s->start);
}

/* ------------------------------------------------------ streaming runner */

typedef struct {
    size_t in_chunk;   /* bytes offered per call (at most) */
    size_t out_chunk;  /* output space per call */
    int late_eof;      /* offer all input without eof_in, then call twice
                          with avail_in == 0 and eof_in == 0 (must block),
                          and only then set eof_in */
    long iters;        /* out: rs_job_iter calls made */
    size_t consumed;   /* out: input bytes the job took */
    size_t probe_at;   /* if non-zero: print the job's statistics once the
                          job has taken this many input bytes */
} stream_opts;

/* The output buffer of the rs_job_iter call in progress (for callbacks
 * that check where the library asks them to write). */
HELPER char *g_call_out;
HELPER size_t g_call_out_len;

/* Runs `job` over `in` with rs_job_iter, appending its output to `out`.
 * Each call gets freshly allocated buffers of exactly the offered sizes
 * (so that valgrind sees any access outside them or any pointer the
 * library keeps across calls); input the job leaves unconsumed is offered
 * again on the next call. Returns the first result that is not
 * RS_BLOCKED. */
HELPER rs_result run_stream(rs_job_t *job, const void *in_v, size_t in_len,
                            stream_opts *o, mb_t *out)
{
    const unsigned char *in = (const unsigned char *)in_v;
    size_t pos = 0;
    int idle_calls = 0;
    rs_result r;

    o->iters = 0;
    for (;;) {
        size_t n = in_len - pos;
        rs_buffers_t b;
        char *ib, *ob;
        size_t consumed, produced;

        if (n > o->in_chunk)
            n = o->in_chunk;
        ib = (char *)xmalloc(n);
        ob = (char *)xmalloc(o->out_chunk);
        if (n)
            memcpy(ib, in + pos, n);
        b.next_in = ib;
        b.avail_in = n;
        b.eof_in = pos + n == in_len;
        if (o->late_eof && b.eof_in) {
            if (n > 0 || idle_calls < 2)
                b.eof_in = 0;
            if (n == 0)
                idle_calls++;
        }
        b.next_out = ob;
        b.avail_out = o->out_chunk;
        g_call_out = ob;
        g_call_out_len = o->out_chunk;
        r = rs_job_iter(job, &b);
        g_call_out = NULL;
        o->iters++;
        CHECK(b.avail_in <= n);
        CHECK(b.avail_out <= o->out_chunk);
        consumed = n - b.avail_in;
        produced = o->out_chunk - b.avail_out;
        CHECK(b.next_in == ib + consumed);
        CHECK(b.next_out == ob + produced);
        mb_put(out, ob, produced);
        free(ib);
        free(ob);
        if (o->probe_at && pos < o->probe_at && pos + consumed >= o->probe_at) {
            char label[64];
            snprintf(label, sizeof label, "  stats after %zu input bytes", o->probe_at);
            print_stats(label, rs_job_statistics(job));
            printf("  output so far: %zu bytes\n", out->len);
        }
        pos += consumed;
        if (o->late_eof && n == 0 && !b.eof_in && r != RS_DONE) {
            /* All input given, no eof yet: the job can only wait. Output
               may still be pending, so progress is allowed. */
            if (produced == 0)
                CHECK_EQ(r, RS_BLOCKED);
        }
        if (r != RS_BLOCKED)
            break;
        if (o->iters > 20000000L) {
            fprintf(stderr, "run_stream: no end after %ld calls\n", o->iters);
            exit(1);
        }
    }
    o->consumed = pos;
    return r;
}

/* ----------------------------------------------- in-memory copy callback */

typedef struct {
    const unsigned char *data;
    size_t len;
    long calls;
} membasis_t;

/* A well-behaved rs_copy_cb over memory: fills the caller's buffer with
 * what exists at pos, RS_INPUT_ENDED at or beyond the end. */
HELPER rs_result membasis_cb(void *opaque, rs_long_t pos, size_t *len,
                             void **buf)
{
    membasis_t *m = (membasis_t *)opaque;
    size_t n = *len;
    m->calls++;
    if (pos < 0 || (uint64_t)pos >= m->len)
        return RS_INPUT_ENDED;
    if (n > m->len - (size_t)pos)
        n = m->len - (size_t)pos;
    memcpy(*buf, m->data + pos, n);
    *len = n;
    return RS_DONE;
}

#endif /* CAPI_TEST_COMMON_H */
