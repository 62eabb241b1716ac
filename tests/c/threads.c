/* Many jobs on many threads at once through the C ABI, run by
 * tests/c_abi/threads.rs against both libraries: usage `threads [T [M]]`
 * (default 8 threads, 50 jobs each).
 *
 * A list of tasks of all four kinds (signatures of every magic, loading
 * signatures, deltas, patches, and a few patches of corrupt deltas that
 * fail), half through rs_job_iter over memory and half through the
 * whole-file functions over tmpfile() streams, is first run on one thread;
 * then T threads run M tasks each, all at once, while another thread keeps
 * changing the library's global state: rs_trace_set_level, rs_trace_to
 * (two counting sinks), rs_inbuflen and rs_outbuflen (to sizes that do not
 * change these outputs, except what a failing whole-file patch had written
 * when it failed). Every concurrent result, and every output but those,
 * must equal the single-threaded one. Only the single-threaded results are printed,
 * so that the two builds print the same.
 *
 * As in C, the global state itself is shared by all threads: a change of
 * log level or sink applies to jobs already running, and writing
 * rs_inbuflen / rs_outbuflen while another thread runs a whole-file
 * function is a data race in C's terms (here each value written is one
 * under which the outputs do not change). */
#include "common.h"

#include <pthread.h>
#include <unistd.h>

#define NDATA 4
#define DATA_LEN 64000

static unsigned char bases[NDATA][DATA_LEN];
static mb_t news[NDATA];

enum kind { SIG, LOADSIG, DELTA, PATCH, BAD_PATCH };
static const char *const kind_names[] = {"sig", "loadsig", "delta", "patch", "bad-patch"};

typedef struct {
    enum kind kind;
    int data;          /* which basis/new pair */
    rs_magic_number magic;
    size_t block_len, strong_len;
    int whole;         /* through the whole-file functions */
    /* Inputs made once, before any thread starts. */
    mb_t sig, delta;
    /* The single-threaded outcome. */
    rs_result result;
    size_t out_len;
    uint64_t out_hash;
} task_t;

#define NTASKS 40
static task_t tasks[NTASKS];

static const rs_magic_number magics[] = {RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC,
                                         RS_RK_MD4_SIG_MAGIC, RS_RK_BLAKE2_SIG_MAGIC};

/* Runs `job` over `in` with rs_job_iter, 4000 bytes in and 3000 out per
 * call, appending the output to `out`. */
static rs_result iterate(rs_job_t *job, const unsigned char *in, size_t len, mb_t *out)
{
    char ob[3000];
    size_t pos = 0;
    rs_result r;
    do {
        rs_buffers_t b;
        size_t n = len - pos < 4000 ? len - pos : 4000;
        b.next_in = (char *)in + pos;
        b.avail_in = n;
        b.eof_in = pos + n == len;
        b.next_out = ob;
        b.avail_out = sizeof ob;
        r = rs_job_iter(job, &b);
        pos += n - b.avail_in;
        mb_put(out, ob, sizeof ob - b.avail_out);
    } while (r == RS_BLOCKED);
    return r;
}

/* A temporary file holding `data`, at its start. */
static FILE *stream_of(const void *data, size_t len)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (len)
        CHECK_EQ(fwrite(data, 1, len, f), len);
    rewind(f);
    return f;
}

/* Appends the contents of `f` to `out` and closes it. */
static void read_back(FILE *f, mb_t *out)
{
    char buf[8192];
    size_t n;
    rewind(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mb_put(out, buf, n);
    fclose(f);
}

/* The signature `sig`, loaded through rs_job_iter, its hash table built. */
static rs_signature_t *load(const mb_t *sig)
{
    rs_signature_t *s = NULL;
    rs_job_t *job = rs_loadsig_begin(&s);
    mb_t none = {0, 0, 0};
    CHECK_EQ(iterate(job, sig->p, sig->len, &none), RS_DONE);
    rs_job_free(job);
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    return s;
}

/* Runs one task; its output (for loadsig, a dump of the loaded blocks'
 * count and statistics) goes to `out`. */
static rs_result run_task(task_t *t, mb_t *out)
{
    const unsigned char *basis = bases[t->data];
    const mb_t *newf = &news[t->data];
    rs_result r;
    char stats[256];
    if (t->kind == SIG) {
        if (t->whole) {
            FILE *in = stream_of(basis, DATA_LEN), *o = tmpfile();
            r = rs_sig_file(in, o, t->block_len, t->strong_len, t->magic, NULL);
            fclose(in);
            read_back(o, out);
        } else {
            rs_job_t *job = rs_sig_begin(t->block_len, t->strong_len, t->magic);
            r = iterate(job, basis, DATA_LEN, out);
            rs_job_free(job);
        }
    } else if (t->kind == LOADSIG) {
        rs_signature_t *s = NULL;
        rs_stats_t st;
        if (t->whole) {
            FILE *in = stream_of(t->sig.p, t->sig.len);
            r = rs_loadsig_file(in, &s, &st);
            fclose(in);
        } else {
            rs_job_t *job = rs_loadsig_begin(&s);
            mb_t none = {0, 0, 0};
            r = iterate(job, t->sig.p, t->sig.len, &none);
            st = *rs_job_statistics(job);
            rs_job_free(job);
        }
        CHECK_EQ(rs_build_hash_table(s), RS_DONE);
        snprintf(stats, sizeof stats, "blocks=%lld sig_bytes=%lld",
                 (long long)st.sig_blocks, (long long)st.sig_bytes);
        mb_put(out, stats, strlen(stats));
        rs_free_sumset(s);
    } else if (t->kind == DELTA) {
        rs_signature_t *s = load(&t->sig);
        rs_stats_t st;
        if (t->whole) {
            FILE *in = stream_of(newf->p, newf->len), *o = tmpfile();
            r = rs_delta_file(s, in, o, &st);
            fclose(in);
            read_back(o, out);
        } else {
            rs_job_t *job = rs_delta_begin(s);
            r = iterate(job, newf->p, newf->len, out);
            st = *rs_job_statistics(job);
            rs_job_free(job);
        }
        /* Statistics are per job, whatever runs beside it. */
        snprintf(stats, sizeof stats, " lit=%lld copy=%lld",
                 (long long)st.lit_bytes, (long long)st.copy_bytes);
        mb_put(out, stats, strlen(stats));
        rs_free_sumset(s);
    } else {
        if (t->whole) {
            FILE *b = stream_of(basis, DATA_LEN), *d = stream_of(t->delta.p, t->delta.len);
            FILE *o = tmpfile();
            r = rs_patch_file(b, d, o, NULL);
            fclose(b);
            fclose(d);
            read_back(o, out);
        } else {
            membasis_t mb = {basis, DATA_LEN, 0};
            rs_job_t *job = rs_patch_begin(membasis_cb, &mb);
            r = iterate(job, t->delta.p, t->delta.len, out);
            rs_job_free(job);
        }
    }
    return r;
}

/* ------------------------------------------------------------ the chaos */

static volatile int stop_chaos;
static volatile long sink_a_lines, sink_b_lines;

/* Log sinks that count lines (the chaos thread switches between them). */
static void sink_a(rs_loglevel level, char const *msg)
{
    (void)level;
    (void)msg;
    __atomic_add_fetch(&sink_a_lines, 1, __ATOMIC_RELAXED);
}

static void sink_b(rs_loglevel level, char const *msg)
{
    (void)level;
    CHECK(strncmp(msg, "librsync: ", 10) == 0);
    __atomic_add_fetch(&sink_b_lines, 1, __ATOMIC_RELAXED);
}

/* Changes the global state until told to stop; counts its rounds. */
static void *chaos(void *arg)
{
    static const int sizes[] = {0, 1000, 4096, 65536};
    static const rs_loglevel levels[] = {RS_LOG_ERR, RS_LOG_DEBUG, RS_LOG_EMERG,
                                         RS_LOG_INFO};
    long *rounds = (long *)arg;
    unsigned i = 0;
    while (!__atomic_load_n(&stop_chaos, __ATOMIC_ACQUIRE)) {
        rs_trace_set_level(levels[i % 4]);
        rs_trace_to(i % 2 ? sink_a : sink_b);
        rs_inbuflen = sizes[i % 4];
        rs_outbuflen = sizes[(i / 4) % 4];
        i++;
        if (i % 64 == 0)
            usleep(100);
    }
    *rounds = (long)i;
    return NULL;
}

/* ------------------------------------------------------------- workers */

typedef struct {
    int id, jobs;
    long mismatches;
} worker_t;

/* Runs `jobs` tasks and counts outcomes that differ from the reference. */
static void *worker(void *arg)
{
    worker_t *w = (worker_t *)arg;
    int j;
    for (j = 0; j < w->jobs; j++) {
        task_t *t = &tasks[(w->id * 7 + j * 3) % NTASKS];
        mb_t out = {0, 0, 0};
        rs_result r = run_task(t, &out);
        /* A failing whole-file patch writes what its output buffer had
         * drained, which depends on rs_outbuflen (as in C): only its
         * result is compared. */
        int partial = t->kind == BAD_PATCH && t->whole;
        int same_out = out.len == t->out_len && fnv64(out.p, out.len) == t->out_hash;
        if (r != t->result || (!partial && !same_out)) {
            fprintf(stderr, "thread %d job %d (%s, whole=%d): result %d/%d, %zu/%zu bytes\n",
                    w->id, j, kind_names[t->kind], t->whole, (int)r, (int)t->result,
                    out.len, t->out_len);
            w->mismatches++;
        }
        mb_free(&out);
    }
    return NULL;
}

/* Makes the tasks and their inputs (signatures, deltas). */
static void make_tasks(void)
{
    int i;
    for (i = 0; i < NTASKS; i++) {
        task_t *t = &tasks[i];
        rs_job_t *job;
        mb_t sig = {0, 0, 0};
        rs_signature_t *s;
        t->kind = (enum kind)(i % 5);
        t->data = (i / 5) % NDATA;
        t->magic = magics[i % 4];
        t->block_len = (size_t[]){256, 700, 2048, 1}[(i / 3) % 4];
        if (t->block_len == 1)
            t->block_len = 64;
        t->strong_len = (t->magic == RS_MD4_SIG_MAGIC || t->magic == RS_RK_MD4_SIG_MAGIC)
                            ? (size_t[]){16, 8, 0}[i % 3]
                            : (size_t[]){32, 8, 0}[i % 3];
        t->whole = (i / 2) % 2;
        job = rs_sig_begin(t->block_len, t->strong_len, t->magic);
        CHECK_EQ(iterate(job, bases[t->data], DATA_LEN, &sig), RS_DONE);
        rs_job_free(job);
        mb_put(&t->sig, sig.p, sig.len);
        mb_free(&sig);
        s = load(&t->sig);
        job = rs_delta_begin(s);
        CHECK_EQ(iterate(job, news[t->data].p, news[t->data].len, &t->delta), RS_DONE);
        rs_job_free(job);
        rs_free_sumset(s);
        if (t->kind == BAD_PATCH) {
            /* A reserved command byte instead of END: the job fails
               ("bogus command") at the end, and logs. */
            CHECK_EQ(t->delta.p[t->delta.len - 1], 0);
            t->delta.p[t->delta.len - 1] = 0x55;
        }
    }
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 8;
    int jobs = argc > 2 ? atoi(argv[2]) : 50;
    pthread_t th[64], chaos_th;
    worker_t w[64];
    long rounds = 0, mismatches = 0;
    int i;
    CHECK(nthreads > 0 && nthreads <= 64 && jobs > 0);

    rs_trace_to(sink_b);
    rng_seed(99);
    for (i = 0; i < NDATA; i++) {
        fill_text(bases[i], DATA_LEN);
        make_edited(bases[i], DATA_LEN, &news[i]);
    }
    make_tasks();
    for (i = 0; i < NTASKS; i++) {
        task_t *t = &tasks[i];
        mb_t out = {0, 0, 0};
        t->result = run_task(t, &out);
        t->out_len = out.len;
        t->out_hash = fnv64(out.p, out.len);
        printf("task %2d %-9s data=%d magic=%08x block=%zu strong=%zu whole=%d: "
               "result %d, %zu bytes, fnv %016llx\n",
               i, kind_names[t->kind], t->data, (unsigned)t->magic, t->block_len,
               t->strong_len, t->whole, (int)t->result, t->out_len,
               (unsigned long long)t->out_hash);
        CHECK_EQ(t->result, t->kind == BAD_PATCH ? RS_CORRUPT : RS_DONE);
        mb_free(&out);
    }
    fflush(stdout);

    CHECK(pthread_create(&chaos_th, NULL, chaos, &rounds) == 0);
    for (i = 0; i < nthreads; i++) {
        w[i].id = i;
        w[i].jobs = jobs;
        w[i].mismatches = 0;
        CHECK(pthread_create(&th[i], NULL, worker, &w[i]) == 0);
    }
    for (i = 0; i < nthreads; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        mismatches += w[i].mismatches;
    }
    __atomic_store_n(&stop_chaos, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(chaos_th, NULL) == 0);
    rs_inbuflen = 0;
    rs_outbuflen = 0;
    fprintf(stderr, "%d threads x %d jobs: %ld mismatches; %ld changes of global state, "
            "%ld + %ld log lines\n",
            nthreads, jobs, mismatches, rounds, sink_a_lines, sink_b_lines);
    CHECK_EQ(mismatches, 0);
    CHECK(rounds > 0);
    for (i = 0; i < NTASKS; i++) {
        mb_free(&tasks[i].sig);
        mb_free(&tasks[i].delta);
    }
    for (i = 0; i < NDATA; i++)
        mb_free(&news[i]);
    printf("threads: ok\n");
    return 0;
}
