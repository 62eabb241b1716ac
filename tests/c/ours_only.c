/* Cases where librsync 2.3.2 hangs, aborts, crashes or overflows a buffer,
 * so tests/capi.rs runs this program against our library only. Each case
 * checks the behaviour DEVIATIONS.md (and bad-inputs.md section 9)
 * promises instead:
 *   F1  copy callback answers RS_DONE with 0 bytes -> RS_INPUT_ENDED
 *   F3  copy callback answers more than asked      -> clamped, warning
 *   M1  rs_delta_begin without rs_build_hash_table -> index built, same delta
 *   M5  block length negative as an int            -> RS_PARAM_ERROR / RS_MEM_ERROR
 *   R3  signature with block_len 2^31-1, whole-file delta works
 *       negative rs_inbuflen / rs_outbuflen        -> RS_MEM_ERROR
 *       rs_job_iter after a failure                -> the same error again
 *       NULL handles and buffers                   -> RS_PARAM_ERROR, no crash
 *       rs_format_stats into a buffer too small for its first part -> cut
 *       rs_sig_args: an MD4 minimum strong length over 16 -> RS_PARAM_ERROR
 *       rs_sig_args: a size within 2^24 of 2^63          -> an answer */
#include "common.h"

#include <unistd.h>

#define BASIS_LEN 1000
static unsigned char basis[BASIS_LEN];


/* COPY(10, 500), LITERAL "xyz", END. */
static const unsigned char delta[] = {
    'r', 's', 0x02, 0x36, 0x46, 0x0a, 0x01, 0xf4, 0x03, 'x', 'y', 'z', 0x00,
};

typedef struct {
    int mode; /* 0: zero bytes at pos 100; 1: len + 5 in the given buffer;
                 2: len + 5 in its own buffer */
    unsigned char own[600];
    long calls;
} bad_cb_t;

static rs_result bad_cb(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    bad_cb_t *st = (bad_cb_t *)opaque;
    size_t n = *len;
    st->calls++;
    CHECK(pos >= 0 && (size_t)pos + n <= BASIS_LEN);
    switch (st->mode) {
    case 0:
        if (pos >= 100) {
            *len = 0;
            return RS_DONE;
        }
        if (pos + n > 100)
            n = 100 - (size_t)pos;
        memcpy(*buf, basis + pos, n);
        *len = n;
        return RS_DONE;
    case 1:
        memcpy(*buf, basis + pos, n);
        *len = n + 5;
        return RS_DONE;
    default:
        memcpy(st->own, basis + pos, n);
        memset(st->own + n, 0xee, 5);
        *buf = st->own;
        *len = n + 5;
        return RS_DONE;
    }
}

static rs_result patch_with(bad_cb_t *st, size_t out_chunk, mb_t *out)
{
    stream_opts o;
    rs_job_t *job = rs_patch_begin(bad_cb, st);
    rs_result r;
    memset(&o, 0, sizeof o);
    o.in_chunk = sizeof delta;
    o.out_chunk = out_chunk;
    r = run_stream(job, delta, sizeof delta, &o, out);
    rs_job_free(job);
    return r;
}

static void test_copy_callbacks(void)
{
    static const size_t outs[] = {1, 7, 65536};
    size_t i;
    printf("== F1: copy callback returns RS_DONE with 0 bytes\n");
    for (i = 0; i < 3; i++) {
        bad_cb_t st;
        mb_t out = {0, 0, 0};
        rs_result r;
        memset(&st, 0, sizeof st);
        st.mode = 0;
        r = patch_with(&st, outs[i], &out);
        printf("out=%zu: %d after %zu bytes\n", outs[i], (int)r, out.len);
        CHECK_EQ(r, RS_INPUT_ENDED);
        CHECK_EQ(out.len, 90);
        CHECK(memcmp(out.p, basis + 10, 90) == 0);
        CHECK(log_contains("basis returned no data at position 100"));
        CHECK(log_contains("patch job failed: unexpected end of input"));
        log_print();
        mb_free(&out);
    }
    printf("== F3: copy callback reports more than asked\n");
    for (i = 0; i < 6; i++) {
        bad_cb_t st;
        mb_t out = {0, 0, 0};
        rs_result r;
        memset(&st, 0, sizeof st);
        st.mode = 1 + (int)(i / 3);
        r = patch_with(&st, outs[i % 3], &out);
        printf("%s buffer, out=%zu: %d, %zu bytes\n", st.mode == 1 ? "given" : "own",
               outs[i % 3], (int)r, out.len);
        CHECK_EQ(r, RS_DONE);
        CHECK_EQ(out.len, 503);
        CHECK(memcmp(out.p, basis + 10, 500) == 0);
        CHECK(memcmp(out.p + 500, "xyz", 3) == 0);
        CHECK(log_contains("Warning: (rs_patch_s_copying) copy_cb() returned more than the requested length"));
        log_reset();
        mb_free(&out);
    }
}

static rs_signature_t *load(const mb_t *sig)
{
    rs_signature_t *s = NULL;
    stream_opts o;
    mb_t out = {0, 0, 0};
    rs_job_t *job = rs_loadsig_begin(&s);
    memset(&o, 0, sizeof o);
    o.in_chunk = 4096;
    CHECK_EQ(run_stream(job, sig->p, sig->len, &o, &out), RS_DONE);
    rs_job_free(job);
    return s;
}

static void make(rs_job_t *job, const void *in, size_t len, mb_t *out,
                 rs_result expect)
{
    stream_opts o;
    memset(&o, 0, sizeof o);
    o.in_chunk = 100;
    o.out_chunk = 100;
    CHECK_EQ(run_stream(job, in, len, &o, out), expect);
    rs_job_free(job);
}

static void test_no_hash_table(void)
{
    mb_t sig = {0, 0, 0}, d1 = {0, 0, 0}, d2 = {0, 0, 0};
    unsigned char newer[1200];
    rs_signature_t *s1, *s2;

    printf("== M1: rs_delta_begin without rs_build_hash_table\n");
    memcpy(newer, basis + 500, 500);
    memcpy(newer + 500, "inserted", 8);
    memcpy(newer + 508, basis, 692);
    make(rs_sig_begin(100, 8, RS_RK_BLAKE2_SIG_MAGIC), basis, BASIS_LEN, &sig, RS_DONE);
    s1 = load(&sig);
    s2 = load(&sig);
    CHECK_EQ(rs_build_hash_table(s1), RS_DONE);
    make(rs_delta_begin(s1), newer, sizeof newer, &d1, RS_DONE);
    make(rs_delta_begin(s2), newer, sizeof newer, &d2, RS_DONE); /* no table */
    print_bytes("with table", d1.p, d1.len);
    print_bytes("without  ", d2.p, d2.len);
    CHECK(d1.len == d2.len && memcmp(d1.p, d2.p, d1.len) == 0);
    /* The same match statistics, too. */
    rs_signature_log_stats(s1);
    {
        char first[512];
        CHECK(g_log_len < sizeof first);
        memcpy(first, g_log, g_log_len + 1);
        log_reset();
        rs_signature_log_stats(s2);
        CHECK_STR(g_log, first);
    }
    log_print();
    /* Building it afterwards is harmless. */
    CHECK_EQ(rs_build_hash_table(s2), RS_DONE);
    rs_free_sumset(s1);
    rs_free_sumset(s2);
    mb_free(&sig);
    mb_free(&d1);
    mb_free(&d2);
}

static void test_negative_block_len(void)
{
    static const size_t lens[] = {(size_t)-5, (size_t)0x80000000u, (size_t)-1};
    size_t i;
    printf("== M5: block lengths that are negative as a C int\n");
    for (i = 0; i < 3; i++) {
        mb_t out = {0, 0, 0};
        rs_job_t *job = rs_sig_begin(lens[i], 8, RS_BLAKE2_SIG_MAGIC);
        CHECK(job != NULL);
        make(job, basis, BASIS_LEN, &out, RS_PARAM_ERROR);
        printf("rs_sig_begin(%zd): %d, %zu bytes\n", (ssize_t)lens[i],
               RS_PARAM_ERROR, out.len);
        CHECK_EQ(out.len, 0);
        log_print();
        mb_free(&out);
    }
    {
        FILE *in = tmpfile(), *sig = tmpfile();
        rs_result r;
        CHECK(in && sig);
        CHECK_EQ(fwrite(basis, 1, BASIS_LEN, in), BASIS_LEN);
        rewind(in);
        /* C computes a negative buffer size, malloc fails, it aborts. */
        r = rs_sig_file(in, sig, (size_t)-5, 8, RS_BLAKE2_SIG_MAGIC, NULL);
        printf("rs_sig_file(block_len -5) = %d\n", (int)r);
        CHECK_EQ(r, RS_MEM_ERROR);
        log_print();
        rewind(in);
        rs_inbuflen = 100;
        r = rs_sig_file(in, sig, (size_t)-5, 8, RS_BLAKE2_SIG_MAGIC, NULL);
        printf("rs_sig_file(block_len -5, rs_inbuflen 100) = %d\n", (int)r);
        CHECK(r == RS_PARAM_ERROR || r == RS_MEM_ERROR);
        rs_inbuflen = 0;
        log_print();
        /* Negative global buffer sizes: C's malloc fails and it aborts. */
        rewind(in);
        rs_inbuflen = -1;
        r = rs_sig_file(in, sig, 0, 0, (rs_magic_number)0, NULL);
        printf("rs_sig_file with rs_inbuflen -1 = %d\n", (int)r);
        CHECK_EQ(r, RS_MEM_ERROR);
        rs_inbuflen = 0;
        rs_outbuflen = -100;
        rewind(in);
        r = rs_sig_file(in, sig, 0, 0, (rs_magic_number)0, NULL);
        printf("rs_sig_file with rs_outbuflen -100 = %d\n", (int)r);
        CHECK_EQ(r, RS_MEM_ERROR);
        rs_outbuflen = 0;
        log_print();
        fclose(in);
        fclose(sig);
    }
}

static void test_huge_block_len(void)
{
    static const char hdr[] = "rs\x01\x47\x7f\xff\xff\xff\x00\x00\x00\x20";
    unsigned char sigdata[12 + 36];
    FILE *sf, *nf, *df, *bf, *of;
    rs_signature_t *s = NULL;
    rs_stats_t st;
    mb_t d = {0, 0, 0};
    long size;

    printf("== R3: whole-file delta against a signature with block_len 2^31-1\n");
    memcpy(sigdata, hdr, 12);
    memset(sigdata + 12, 0x42, 36);
    sf = tmpfile();
    nf = tmpfile();
    df = tmpfile();
    bf = tmpfile();
    of = tmpfile();
    CHECK(sf && nf && df && bf && of);
    CHECK_EQ(fwrite(sigdata, 1, sizeof sigdata, sf), sizeof sigdata);
    rewind(sf);
    CHECK_EQ(fwrite(basis, 1, BASIS_LEN, nf), BASIS_LEN);
    rewind(nf);
    CHECK_EQ(rs_loadsig_file(sf, &s, NULL), RS_DONE);
    CHECK_EQ(rs_build_hash_table(s), RS_DONE);
    CHECK_EQ(rs_delta_file(s, nf, df, &st), RS_DONE);
    print_stats("rs_delta_file", &st);
    CHECK_EQ(st.copy_cmds, 0);
    CHECK_EQ(st.lit_bytes, BASIS_LEN);
    fflush(df);
    size = ftell(df);
    printf("delta: %ld bytes\n", size);
    rewind(df);
    CHECK_EQ(rs_patch_file(bf, df, of, NULL), RS_DONE);
    fflush(of);
    size = ftell(of);
    rewind(of);
    d.p = (unsigned char *)xmalloc((size_t)size);
    d.len = d.cap = (size_t)size;
    CHECK_EQ(fread(d.p, 1, d.len, of), d.len);
    CHECK(mb_eq(&d, basis, BASIS_LEN));
    printf("patched back: ok\n");
    mb_free(&d);
    rs_free_sumset(s);
    fclose(sf);
    fclose(nf);
    fclose(df);
    fclose(bf);
    fclose(of);
    log_print();
}

static void test_failed_job_stays_failed(void)
{
    static const char bad[] = "rs\x01\x36\x00";
    rs_buffers_t b;
    char out[16];
    rs_job_t *job;
    int i;
    printf("== rs_job_iter after a failure\n");
    job = rs_patch_begin(rs_file_copy_cb, NULL);
    for (i = 0; i < 3; i++) {
        rs_result r;
        b.next_in = (char *)bad;
        b.avail_in = 5;
        b.eof_in = 1;
        b.next_out = out;
        b.avail_out = sizeof out;
        r = rs_job_iter(job, &b);
        printf("call %d: %d, %d log lines\n", i + 1, (int)r, g_log_lines);
        CHECK_EQ(r, RS_BAD_MAGIC);
        CHECK(log_contains("patch job failed: bad magic number at start of stream"));
        log_print();
    }
    rs_job_free(job);
}

static void test_null_arguments(void)
{
    rs_buffers_t b;
    char buf[64];
    rs_job_t *job;
    rs_signature_t *s = NULL;
    rs_magic_number m = (rs_magic_number)0;
    size_t bl = 0, sl = 0;
    unsigned char sum[16];
    rs_stats_t st;
    FILE *f;

    printf("== NULL handles and buffers\n");
    memset(&b, 0, sizeof b);
    CHECK_EQ(rs_job_iter(NULL, &b), RS_PARAM_ERROR);
    job = rs_sig_begin(0, 0, (rs_magic_number)0);
    CHECK_EQ(rs_job_iter(job, NULL), RS_PARAM_ERROR);
    b.next_in = NULL;
    b.avail_in = 10;
    b.next_out = buf;
    b.avail_out = sizeof buf;
    CHECK_EQ(rs_job_iter(job, &b), RS_PARAM_ERROR);
    b.next_in = buf;
    b.next_out = NULL;
    CHECK_EQ(rs_job_iter(job, &b), RS_PARAM_ERROR);
    CHECK_EQ(rs_job_drive(job, NULL, NULL, NULL, NULL, NULL), RS_PARAM_ERROR);
    CHECK(rs_job_statistics(NULL) == NULL);
    CHECK_EQ(rs_job_free(job), RS_DONE);
    CHECK_EQ(rs_job_free(NULL), RS_DONE);
    CHECK(rs_loadsig_begin(NULL) == NULL);
    CHECK_EQ(rs_build_hash_table(NULL), RS_PARAM_ERROR);
    rs_free_sumset(NULL);
    rs_sumset_dump(NULL);
    rs_signature_log_stats(NULL);
    CHECK_EQ(rs_sig_args(0, NULL, &bl, &sl), RS_PARAM_ERROR);
    CHECK_EQ(rs_sig_args(0, &m, NULL, &sl), RS_PARAM_ERROR);
    CHECK_EQ(rs_sig_args(0, &m, &bl, NULL), RS_PARAM_ERROR);
    rs_mdfour(NULL, "abc", 3);
    rs_mdfour(sum, NULL, 0);
    rs_mdfour_begin(NULL);
    rs_mdfour_update(NULL, "abc", 3);
    rs_mdfour_result(NULL, sum);
    rs_hexify(NULL, "abc", 3);
    rs_base64((const unsigned char *)"abc", 3, NULL);
    /* With a NULL source C would crash; this library writes an empty
       string. */
    strcpy(buf, "xx");
    rs_hexify(buf, NULL, 3);
    CHECK_STR(buf, "");
    strcpy(buf, "xx");
    rs_base64(NULL, 3, buf);
    CHECK_STR(buf, "");
    CHECK_EQ(rs_unbase64(NULL), 0);
    CHECK(rs_format_stats(NULL, buf, sizeof buf) == buf);
    CHECK_EQ(rs_log_stats(NULL), 0);
    rs_trace_stderr(RS_LOG_ERR, NULL);
    CHECK_EQ(rs_file_size(NULL), -1);
    CHECK_EQ(rs_file_close(NULL), 0);
    {
        size_t n = 4;
        void *p = buf;
        CHECK_EQ(rs_file_copy_cb(NULL, 0, &n, &p), RS_PARAM_ERROR);
    }
    f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(rs_sig_file(NULL, f, 0, 0, (rs_magic_number)0, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_sig_file(f, NULL, 0, 0, (rs_magic_number)0, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_loadsig_file(NULL, &s, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_loadsig_file(f, NULL, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_delta_file(NULL, f, f, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_patch_file(NULL, f, f, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_patch_file(f, NULL, f, &st), RS_PARAM_ERROR);
    CHECK_EQ(rs_patch_file(f, f, NULL, &st), RS_PARAM_ERROR);
    fclose(f);
    /* A patch without a copy callback: literals work, a COPY fails. */
    {
        static const char lit[] = "rs\x02\x36\x02hi\x00";
        static const char cpy[] = "rs\x02\x36\x45\x00\x05\x00";
        mb_t out = {0, 0, 0};
        make(rs_patch_begin(NULL, NULL), lit, 8, &out, RS_DONE);
        CHECK(mb_eq(&out, "hi", 2));
        mb_free(&out);
        make(rs_patch_begin(NULL, NULL), cpy, 8, &out, RS_PARAM_ERROR);
        CHECK_EQ(out.len, 0);
    }
    log_print();
    printf("all rejected without a crash\n");
}

static void test_format_stats_small(void)
{
    static const size_t sizes[] = {0, 1, 2, 5, 10, 21, 22, 23, 40};
    rs_stats_t s;
    char full[300];
    size_t i;
    printf("== rs_format_stats into buffers too small for the first part\n");
    memset(&s, 0, sizeof s);
    s.op = "signature";
    s.lit_cmds = 3;
    s.lit_bytes = 4;
    s.sig_blocks = 3;
    s.block_len = 2048;
    s.start = s.end = 1;
    rs_format_stats(&s, full, sizeof full);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char buf[300];
        memset(buf, '#', sizeof buf);
        CHECK(rs_format_stats(&s, buf, sizes[i]) == buf);
        if (sizes[i] == 0) {
            CHECK_EQ(buf[0], '#');
            printf("size 0: untouched\n");
            continue;
        }
        CHECK_EQ(strlen(buf), sizes[i] - 1);
        CHECK(strncmp(buf, full, sizes[i] - 1) == 0);
        CHECK_EQ(buf[sizes[i]], '#');
        printf("size %zu: \"%s\"\n", sizes[i], buf);
    }
}

static void test_sig_args_extremes(void)
{
    /* 2^62 bytes with 1-byte blocks: the minimum strong sum is 18 bytes,
       more than MD4's 16 (C fails an assertion). */
    const rs_long_t huge = (rs_long_t)1 << 62;
    const rs_long_t top = (rs_long_t)(~(uint64_t)0 >> 1); /* 2^63 - 1 */
    rs_magic_number m;
    size_t bl, sl;
    printf("== rs_sig_args where C aborts or loops\n");
    m = RS_MD4_SIG_MAGIC;
    bl = 1;
    sl = (size_t)-1;
    CHECK_EQ(rs_sig_args(huge, &m, &bl, &sl), RS_PARAM_ERROR);
    CHECK_EQ(m, RS_MD4_SIG_MAGIC);
    CHECK_EQ(bl, 1);
    m = RS_MD4_SIG_MAGIC;
    sl = 17; /* below the minimum (a warning in C), above MD4's maximum */
    CHECK_EQ(rs_sig_args(huge, &m, &bl, &sl), RS_PARAM_ERROR);
    CHECK_EQ(sl, 17);
    m = RS_MD4_SIG_MAGIC;
    sl = 16;
    CHECK_EQ(rs_sig_args(huge, &m, &bl, &sl), RS_DONE);
    CHECK_EQ(sl, 16);
    m = 0;
    sl = (size_t)-1;
    CHECK_EQ(rs_sig_args(huge, &m, &bl, &sl), RS_DONE);
    CHECK_EQ(m, RS_RK_BLAKE2_SIG_MAGIC);
    CHECK_EQ(sl, 18);
    /* Sizes within 2^24 of 2^63 (C's old_fsize + 2^24 overflows and its
       rs_long_ln2 loops forever). */
    m = 0;
    bl = 1024;
    sl = (size_t)-1;
    CHECK_EQ(rs_sig_args(top, &m, &bl, &sl), RS_DONE);
    CHECK_EQ(sl, 17);
    sl = 0;
    CHECK_EQ(rs_sig_args(top - 1000, &m, &bl, &sl), RS_DONE);
    CHECK_EQ(sl, 32);
    log_print();
}

int main(void)
{
    rs_trace_to(capture_trace);
    rng_seed(8);
    fill_random(basis, BASIS_LEN);
    test_copy_callbacks();
    test_no_hash_table();
    test_negative_block_len();
    test_huge_block_len();
    test_failed_job_stays_failed();
    test_null_arguments();
    test_format_stats_small();
    test_sig_args_extremes();
    printf("ours_only: ok\n");
    return 0;
}
