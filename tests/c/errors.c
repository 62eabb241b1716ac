/* The error matrix of bad-inputs.md section 5: signature loading (S1-S15)
 * and delta application (P1-P20), each run streaming with 1-byte buffers,
 * streaming in one call, and through the whole-file functions
 * (rs_loadsig_file, rs_patch_file with rs_file_copy_cb); signature jobs
 * with bad parameters (M4); rs_free_sumset after a failed load (M6). */
#include "common.h"

#define BASIS_LEN 1000
static unsigned char basis[BASIS_LEN];
static FILE *basis_file;

/* Parses hex (spaces ignored) into `out`; returns the length. */
static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    while (*hex) {
        unsigned v;
        if (*hex == ' ') {
            hex++;
            continue;
        }
        CHECK(sscanf(hex, "%2x", &v) == 1);
        out[n++] = (unsigned char)v;
        hex += 2;
    }
    return n;
}

static FILE *file_with(const void *data, size_t len)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (len)
        CHECK_EQ(fwrite(data, 1, len, f), len);
    rewind(f);
    return f;
}

/* ------------------------------------------------------ signature loading */

typedef struct {
    const char *id;
    const char *hex;
    int expect;
} sig_case_t;

/* A block record of 4 + n bytes. */
#define W "0102030405060708090a0b0c0d0e0f10"
#define BLOCK16 "abcdef01" W
#define BLOCK32 "abcdef01" W W

static const sig_case_t sig_cases[] = {
    {"S1 empty", "", RS_INPUT_ENDED},
    {"S2 1 byte", "72", RS_INPUT_ENDED},
    {"S2 magic only", "72730147", RS_INPUT_ENDED},
    {"S2 8 bytes", "72730147 00000100", RS_INPUT_ENDED},
    {"S2 11 bytes", "72730147 00000100 000000", RS_INPUT_ENDED},
    {"S3 unknown magic", "deadbeef 00000800 00000020", RS_BAD_MAGIC},
    {"S4 unknown magic, truncated", "deadbeef 000008", RS_INPUT_ENDED},
    {"S5 delta magic", "72730236 00000800 00000020", RS_BAD_MAGIC},
    {"S6 magic 0", "00000000 00000100 00000020 " BLOCK32, RS_DONE},
    {"S7 block_len 0", "72730147 00000000 00000020", RS_CORRUPT},
    {"S7 block_len 2^31", "72730147 80000000 00000020", RS_CORRUPT},
    {"S7 block_len -1", "72730147 ffffffff 00000020", RS_CORRUPT},
    {"S8 block_len 2^31-1", "72730147 7fffffff 00000020 " BLOCK32, RS_DONE},
    {"S9 strong_len 0 (blake2)", "72730147 00000100 00000000 " BLOCK32, RS_DONE},
    {"S9 strong_len 0 (md4)", "72730136 00000100 00000000 " BLOCK16, RS_DONE},
    {"S10 strong_len 33", "72730147 00000100 00000021", RS_CORRUPT},
    {"S10 strong_len -1", "72730147 00000100 ffffffff", RS_CORRUPT},
    {"S11 md4 strong_len 17", "72730136 00000100 00000011", RS_PARAM_ERROR},
    {"S11 rk-md4 strong_len 32", "72730146 00000100 00000020", RS_PARAM_ERROR},
    {"S12 header only", "72730147 00000100 00000020", RS_DONE},
    {"S13 1 stray byte", "72730146 00000100 00000010 " BLOCK16 " 99", RS_DONE},
    {"S13 3 stray bytes", "72730146 00000100 00000010 " BLOCK16 " 999999", RS_DONE},
    {"S14 truncated strong sum", "72730146 00000100 00000010 " BLOCK16 " 11223344 5566", RS_INPUT_ENDED},
    {"S14 weak sum only", "72730137 00000100 00000004 aabbccdd", RS_INPUT_ENDED},
    {"S15 identical blocks", "72730137 00000010 00000004 aabbccdd 01020304 aabbccdd 01020304 aabbccdd 01020304", RS_DONE},
    {"rollsum blocks", "72730136 00000010 00000002 00000000 0102 ffffffff 0304 12345678 0506", RS_DONE},
    {"strong_len 1", "72730147 00000400 00000001 00000001 aa", RS_DONE},
};

static void after_load(const char *how, rs_result r, rs_signature_t *s,
                       int expect)
{
    printf("  %s: %d\n", how, (int)r);
    CHECK_EQ(r, expect);
    CHECK(s != NULL);
    if (r == RS_DONE) {
        CHECK_EQ(rs_build_hash_table(s), RS_DONE);
        rs_sumset_dump(s);
    }
    /* The signature is the caller's, also after a failure (M6). */
    rs_free_sumset(s);
    log_print();
}

static void test_loadsig(void)
{
    size_t i;
    printf("== signature loading\n");
    for (i = 0; i < sizeof sig_cases / sizeof sig_cases[0]; i++) {
        unsigned char data[512];
        size_t len = unhex(sig_cases[i].hex, data);
        int chunking;
        rs_signature_t *s;
        rs_stats_t stats;
        FILE *f;
        rs_result r;

        printf("%s (%zu bytes)\n", sig_cases[i].id, len);
        for (chunking = 0; chunking < 3; chunking++) {
            stream_opts o;
            mb_t out = {0, 0, 0};
            rs_job_t *job;
            s = NULL;
            job = rs_loadsig_begin(&s);
            memset(&o, 0, sizeof o);
            o.in_chunk = chunking == 0 ? 1 : 4096;
            o.late_eof = chunking == 2;
            r = run_stream(job, data, len, &o, &out);
            CHECK_EQ(out.len, 0);
            if (chunking == 0)
                print_stats("  stats", rs_job_statistics(job));
            rs_job_free(job);
            after_load(chunking == 0 ? "streaming 1 byte" :
                       chunking == 1 ? "streaming at once" : "streaming, late eof",
                       r, s, sig_cases[i].expect);
        }
        f = file_with(data, len);
        s = NULL;
        memset(&stats, 0, sizeof stats);
        r = rs_loadsig_file(f, &s, &stats);
        print_stats("  rs_loadsig_file stats", &stats);
        after_load("rs_loadsig_file", r, s, sig_cases[i].expect);
        fclose(f);
    }
}

/* ------------------------------------------------------- delta application */

typedef struct {
    const char *id;
    const char *hex; /* after the magic unless it starts with "!" */
    int expect;
    int expect_file; /* with rs_file_copy_cb, if different (-1: same) */
} patch_case_t;

static const patch_case_t patch_cases[] = {
    {"P1 empty", "!", RS_INPUT_ENDED, -1},
    {"P2 1 byte of magic", "!72", RS_INPUT_ENDED, -1},
    {"P2 3 bytes of magic", "!727302", RS_INPUT_ENDED, -1},
    {"P3 signature magic", "!72730136 00", RS_BAD_MAGIC, -1},
    {"P3 garbage magic", "!00000000 00", RS_BAD_MAGIC, -1},
    {"P4 magic only", "", RS_INPUT_ENDED, -1},
    {"P5 END", "00", RS_DONE, -1},
    {"P6 END and trailing bytes", "00 41 09 09", RS_DONE, -1},
    {"P7 truncated literal", "05 68656c", RS_INPUT_ENDED, -1},
    {"P8 no END", "05 68656c6c6f 45 00 0a", RS_INPUT_ENDED, -1},
    {"P9 LITERAL_N1 0", "41 00", RS_CORRUPT, -1},
    {"P9 LITERAL_N2 0", "42 0000", RS_CORRUPT, -1},
    {"P9 LITERAL_N4 0", "43 00000000", RS_CORRUPT, -1},
    {"P9 LITERAL_N8 0", "44 0000000000000000", RS_CORRUPT, -1},
    {"P10 LITERAL_N8 2^63", "44 8000000000000000", RS_CORRUPT, -1},
    {"P11 huge literal", "44 7fffffffffffffff 616263", RS_INPUT_ENDED, -1},
    {"P11 literal 2^32+1", "44 0000000100000001 616263", RS_INPUT_ENDED, -1},
    {"P12 LITERAL_N1 without length", "41", RS_INPUT_ENDED, -1},
    {"P12 LITERAL_N4 short length", "43 0001", RS_INPUT_ENDED, -1},
    {"P12 COPY short params", "4f 00000000", RS_INPUT_ENDED, -1},
    {"P13 COPY len 0", "45 00 00", RS_CORRUPT, -1},
    {"P14 COPY pos < 0", "51 ffffffffffffffff 0a", RS_CORRUPT, -1},
    {"P14 COPY len < 0", "48 00 ffffffffffffffff", RS_CORRUPT, -1},
    {"P15 COPY beyond the basis", "49 1388 0a 00", RS_INPUT_ENDED, -1},
    {"P16 COPY at the end of the basis", "49 03e8 01 00", RS_INPUT_ENDED, -1},
    {"P17 COPY across the end", "4a 03de 0064 00", RS_INPUT_ENDED, -1},
    {"P18 COPY longer than the basis", "4f 00000000 000f4240 00", RS_INPUT_ENDED, -1},
    {"P19 COPY near 2^63", "54 4000000000000000 4000000000000005 00", RS_INPUT_ENDED, RS_IO_ERROR},
    {"P20 opcode 0x55", "55", RS_CORRUPT, -1},
    {"P20 opcode 0x80 after data", "02 6869 80 00", RS_CORRUPT, -1},
    {"P20 opcode 0xff", "ff 00", RS_CORRUPT, -1},
    {"valid: literals", "05 68656c6c6f 41 06 20776f726c64 42 0001 0a 00", RS_DONE, -1},
    {"valid: LITERAL_64", "40 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 00", RS_DONE, -1},
    {"valid: copies of every width", "45 00 0a 46 0a 0005 47 0f 00000001 48 10 0000000000000002 49 0012 01 4d 00000013 01 51 0000000000000014 01 54 00000000000003e0 0000000000000008 00", RS_DONE, -1},
    {"valid: whole basis twice", "4a 0000 03e8 4a 0000 03e8 00", RS_DONE, -1},
};

static void print_patch_output(const char *how, rs_result r, const mb_t *out,
                               int show_partial)
{
    printf("  %s: %d", how, (int)r);
    if (r == RS_DONE || show_partial)
        print_bytes(", output", out->p, out->len);
    else
        printf("\n");
}

static void test_patch(void)
{
    size_t i;
    printf("== delta application (basis of %d bytes)\n", BASIS_LEN);
    for (i = 0; i < sizeof patch_cases / sizeof patch_cases[0]; i++) {
        unsigned char data[512];
        size_t len = 0;
        const char *hex = patch_cases[i].hex;
        int expect_file = patch_cases[i].expect_file >= 0 ?
            patch_cases[i].expect_file : patch_cases[i].expect;
        int chunking;
        FILE *df, *nf;
        rs_stats_t stats;
        rs_result r;
        mb_t out = {0, 0, 0};
        long size;

        if (*hex == '!') {
            hex++;
        } else {
            memcpy(data, "rs\x02\x36", 4);
            len = 4;
        }
        len += unhex(hex, data + len);
        printf("%s (%zu bytes)\n", patch_cases[i].id, len);
        for (chunking = 0; chunking < 3; chunking++) {
            stream_opts o;
            membasis_t mb = {basis, BASIS_LEN, 0};
            rs_job_t *job = rs_patch_begin(membasis_cb, &mb);
            memset(&o, 0, sizeof o);
            o.in_chunk = chunking == 1 ? 4096 : 1;
            o.out_chunk = chunking == 1 ? 65536 : 1;
            o.late_eof = chunking == 2;
            r = run_stream(job, data, len, &o, &out);
            print_patch_output(chunking == 0 ? "streaming 1/1" :
                               chunking == 1 ? "streaming at once" :
                               "streaming 1/1, late eof", r, &out, 1);
            printf("  consumed %zu of %zu\n", o.consumed, len);
            CHECK_EQ(r, patch_cases[i].expect);
            if (chunking == 0)
                print_stats("  stats", rs_job_statistics(job));
            rs_job_free(job);
            mb_free(&out);
            log_print();
        }
        /* Whole-file, with rs_file_copy_cb on a basis file. */
        df = file_with(data, len);
        nf = tmpfile();
        CHECK(nf != NULL);
        memset(&stats, 0, sizeof stats);
        r = rs_patch_file(basis_file, df, nf, &stats);
        fflush(nf);
        size = ftell(nf);
        rewind(nf);
        out.p = (unsigned char *)xmalloc((size_t)size);
        out.len = out.cap = (size_t)size;
        CHECK_EQ(fread(out.p, 1, (size_t)size, nf), (size_t)size);
        /* Partial output of a failed whole-file patch depends on buffering
           (bad-inputs F8): only shown on success. */
        print_patch_output("rs_patch_file", r, &out, 0);
        CHECK_EQ(r, expect_file);
        if (r == RS_DONE)
            print_stats("  rs_patch_file stats", &stats);
        mb_free(&out);
        fclose(df);
        fclose(nf);
        log_print();
    }
}

/* ---------------------------------------------- signature job parameters */

static void test_sig_params(void)
{
    static const struct {
        size_t block_len, strong_len;
        unsigned magic;
        int expect;
    } cases[] = {
        {256, 33, RS_BLAKE2_SIG_MAGIC, RS_PARAM_ERROR},
        {256, 17, RS_MD4_SIG_MAGIC, RS_PARAM_ERROR},
        {256, 32, RS_RK_MD4_SIG_MAGIC, RS_PARAM_ERROR},
        {256, 8, 0x1234, RS_BAD_MAGIC},
        {256, 8, RS_DELTA_MAGIC, RS_BAD_MAGIC},
        {0, 0, 0, RS_DONE},
        {0, (size_t)-1, RS_MD4_SIG_MAGIC, RS_DONE},
        {1, 1, RS_BLAKE2_SIG_MAGIC, RS_DONE},
    };
    size_t i;
    printf("== signature job parameters\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int chunking;
        for (chunking = 0; chunking < 2; chunking++) {
            stream_opts o;
            mb_t out = {0, 0, 0};
            rs_job_t *job = rs_sig_begin(cases[i].block_len, cases[i].strong_len,
                                         (rs_magic_number)cases[i].magic);
            rs_result r;
            CHECK(job != NULL);
            memset(&o, 0, sizeof o);
            o.in_chunk = chunking ? 4096 : 1;
            o.out_chunk = chunking ? 4096 : 1;
            r = run_stream(job, basis, 100, &o, &out);
            printf("sig_begin(%zd, %zd, %#x) %s: %d, ", (ssize_t)cases[i].block_len,
                   (ssize_t)cases[i].strong_len, cases[i].magic,
                   chunking ? "at once" : "1/1", (int)r);
            print_bytes("output", out.p, out.len);
            CHECK_EQ(r, cases[i].expect);
            if (r != RS_DONE)
                CHECK_EQ(out.len, 0);
            print_stats("  stats", rs_job_statistics(job));
            rs_job_free(job);
            mb_free(&out);
            log_print();
        }
    }
}

int main(void)
{
    rs_trace_to(capture_trace);
    rng_seed(31337);
    fill_random(basis, BASIS_LEN);
    basis_file = file_with(basis, BASIS_LEN);
    test_loadsig();
    test_patch();
    test_sig_params();
    fclose(basis_file);
    printf("errors: ok\n");
    return 0;
}
