/* Header-only checks: type sizes, field offsets (spec 1.3), enum values and
 * macros, checked at compile time, and the addresses of all 40 exported
 * symbols taken at link time. It uses nothing outside the common subset of
 * C99 and C++11, so that tests/capi.rs can also compile it with
 * `-std=c99` and `-x c++ -std=c++11`, `-Wall -Wextra -Werror -pedantic`. */
#include <librsync.h>

#include <stddef.h>
#include <stdio.h>

#if defined(__cplusplus)
#define STATIC_CHECK(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define STATIC_CHECK(cond, msg) _Static_assert(cond, msg)
#else
/* C99 has no static assertion: a negative array size fails to compile. */
#define STATIC_CHECK_JOIN2(a, b) a##b
#define STATIC_CHECK_JOIN(a, b) STATIC_CHECK_JOIN2(a, b)
#define STATIC_CHECK(cond, msg) \
    typedef char STATIC_CHECK_JOIN(static_check_line_, __LINE__)[(cond) ? 1 : -1]
#endif

/* Plain types. */
STATIC_CHECK(sizeof(rs_byte_t) == 1, "rs_byte_t");
STATIC_CHECK(sizeof(rs_long_t) == 8, "rs_long_t");
STATIC_CHECK(sizeof(rs_weak_sum_t) == 4, "rs_weak_sum_t");
STATIC_CHECK(sizeof(rs_strong_sum_t) == 32, "rs_strong_sum_t");
STATIC_CHECK(sizeof(rs_result) == 4, "rs_result");
STATIC_CHECK(sizeof(rs_magic_number) == 4, "rs_magic_number");
STATIC_CHECK(sizeof(rs_loglevel) == 4, "rs_loglevel");

/* rs_stats_t: 128 bytes. */
STATIC_CHECK(sizeof(rs_stats_t) == 128, "sizeof rs_stats_t");
STATIC_CHECK(sizeof(struct rs_stats) == 128, "sizeof struct rs_stats");
STATIC_CHECK(offsetof(rs_stats_t, op) == 0, "op");
STATIC_CHECK(offsetof(rs_stats_t, lit_cmds) == 8, "lit_cmds");
STATIC_CHECK(offsetof(rs_stats_t, lit_bytes) == 16, "lit_bytes");
STATIC_CHECK(offsetof(rs_stats_t, lit_cmdbytes) == 24, "lit_cmdbytes");
STATIC_CHECK(offsetof(rs_stats_t, copy_cmds) == 32, "copy_cmds");
STATIC_CHECK(offsetof(rs_stats_t, copy_bytes) == 40, "copy_bytes");
STATIC_CHECK(offsetof(rs_stats_t, copy_cmdbytes) == 48, "copy_cmdbytes");
STATIC_CHECK(offsetof(rs_stats_t, sig_cmds) == 56, "sig_cmds");
STATIC_CHECK(offsetof(rs_stats_t, sig_bytes) == 64, "sig_bytes");
STATIC_CHECK(offsetof(rs_stats_t, false_matches) == 72, "false_matches");
STATIC_CHECK(offsetof(rs_stats_t, sig_blocks) == 80, "sig_blocks");
STATIC_CHECK(offsetof(rs_stats_t, block_len) == 88, "block_len");
STATIC_CHECK(offsetof(rs_stats_t, in_bytes) == 96, "in_bytes");
STATIC_CHECK(offsetof(rs_stats_t, out_bytes) == 104, "out_bytes");
STATIC_CHECK(offsetof(rs_stats_t, start) == 112, "start");
STATIC_CHECK(offsetof(rs_stats_t, end) == 120, "end");
STATIC_CHECK(sizeof(((rs_stats_t *)0)->lit_cmds) == 4, "lit_cmds is int");
STATIC_CHECK(sizeof(((rs_stats_t *)0)->false_matches) == 4, "false_matches is int");
STATIC_CHECK(sizeof(((rs_stats_t *)0)->block_len) == sizeof(size_t), "block_len is size_t");
STATIC_CHECK(sizeof(((rs_stats_t *)0)->start) == sizeof(time_t), "start is time_t");

/* rs_buffers_t: 40 bytes. */
STATIC_CHECK(sizeof(rs_buffers_t) == 40, "sizeof rs_buffers_t");
STATIC_CHECK(sizeof(struct rs_buffers_s) == 40, "sizeof struct rs_buffers_s");
STATIC_CHECK(offsetof(rs_buffers_t, next_in) == 0, "next_in");
STATIC_CHECK(offsetof(rs_buffers_t, avail_in) == 8, "avail_in");
STATIC_CHECK(offsetof(rs_buffers_t, eof_in) == 16, "eof_in");
STATIC_CHECK(offsetof(rs_buffers_t, next_out) == 24, "next_out");
STATIC_CHECK(offsetof(rs_buffers_t, avail_out) == 32, "avail_out");
STATIC_CHECK(sizeof(((rs_buffers_t *)0)->eof_in) == 4, "eof_in is int");

/* Enumerations. */
STATIC_CHECK(RS_DELTA_MAGIC == 0x72730236, "RS_DELTA_MAGIC");
STATIC_CHECK(RS_MD4_SIG_MAGIC == 0x72730136, "RS_MD4_SIG_MAGIC");
STATIC_CHECK(RS_BLAKE2_SIG_MAGIC == 0x72730137, "RS_BLAKE2_SIG_MAGIC");
STATIC_CHECK(RS_RK_MD4_SIG_MAGIC == 0x72730146, "RS_RK_MD4_SIG_MAGIC");
STATIC_CHECK(RS_RK_BLAKE2_SIG_MAGIC == 0x72730147, "RS_RK_BLAKE2_SIG_MAGIC");
STATIC_CHECK(RS_LOG_EMERG == 0 && RS_LOG_ALERT == 1 && RS_LOG_CRIT == 2 &&
             RS_LOG_ERR == 3 && RS_LOG_WARNING == 4 && RS_LOG_NOTICE == 5 &&
             RS_LOG_INFO == 6 && RS_LOG_DEBUG == 7, "rs_loglevel");
STATIC_CHECK(RS_DONE == 0 && RS_BLOCKED == 1 && RS_RUNNING == 2 &&
             RS_TEST_SKIPPED == 77, "rs_result 0..77");
STATIC_CHECK(RS_IO_ERROR == 100 && RS_SYNTAX_ERROR == 101 &&
             RS_MEM_ERROR == 102 && RS_INPUT_ENDED == 103 &&
             RS_BAD_MAGIC == 104 && RS_UNIMPLEMENTED == 105 &&
             RS_CORRUPT == 106 && RS_INTERNAL_ERROR == 107 &&
             RS_PARAM_ERROR == 108, "rs_result 100..108");

/* Macros. */
STATIC_CHECK(RS_DEFAULT_BLOCK_LEN == 2048, "RS_DEFAULT_BLOCK_LEN");
STATIC_CHECK(RS_DEFAULT_MIN_STRONG_LEN == 12, "RS_DEFAULT_MIN_STRONG_LEN");
STATIC_CHECK(RS_MAX_STRONG_SUM_LENGTH == 32, "RS_MAX_STRONG_SUM_LENGTH");
#ifndef _RSYNC_H
#error "include guard _RSYNC_H not defined"
#endif
#ifndef LIBRSYNC_EXPORT
#error "LIBRSYNC_EXPORT not defined"
#endif

/* The callback typedefs are function types, as in librsync. */
static void my_trace(rs_loglevel level, char const *msg)
{
    (void)level;
    (void)msg;
}

static rs_result my_driven(rs_job_t *job, rs_buffers_t *buf, void *opaque)
{
    (void)job;
    (void)buf;
    (void)opaque;
    return RS_DONE;
}

static rs_result my_copy(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    (void)opaque;
    (void)pos;
    (void)len;
    (void)buf;
    return RS_DONE;
}

typedef void (*any_fn)(void);
#define FN(f) ((any_fn)(f))

int main(void)
{
    rs_trace_fn_t *trace_fn = my_trace;
    rs_driven_cb *driven_fn = my_driven;
    rs_copy_cb *copy_fn = my_copy;
    rs_strong_sum_t strong;
    rs_weak_sum_t weak = 0;
    rs_byte_t byte = 0;
    /* The 35 functions ... */
    any_fn functions[] = {
        FN(rs_trace_set_level), FN(rs_trace_to), FN(rs_trace_stderr),
        FN(rs_supports_trace), FN(rs_hexify), FN(rs_unbase64), FN(rs_base64),
        FN(rs_strerror), FN(rs_mdfour), FN(rs_mdfour_begin),
        FN(rs_mdfour_update), FN(rs_mdfour_result), FN(rs_format_stats),
        FN(rs_log_stats), FN(rs_signature_log_stats), FN(rs_free_sumset),
        FN(rs_sumset_dump), FN(rs_build_hash_table), FN(rs_sig_args),
        FN(rs_job_iter), FN(rs_job_drive), FN(rs_job_statistics),
        FN(rs_job_free), FN(rs_sig_begin), FN(rs_delta_begin),
        FN(rs_loadsig_begin), FN(rs_patch_begin),
#ifndef RSYNC_NO_STDIO_INTERFACE
        FN(rs_file_open), FN(rs_file_close), FN(rs_file_size),
        FN(rs_file_copy_cb), FN(rs_sig_file), FN(rs_loadsig_file),
        FN(rs_delta_file), FN(rs_patch_file),
#endif
    };
    /* ... and the 5 data objects. */
    const void *objects[] = {
        rs_librsync_version, &RS_MD4_SUM_LENGTH, &RS_BLAKE2_SUM_LENGTH,
#ifndef RSYNC_NO_STDIO_INTERFACE
        &rs_inbuflen, &rs_outbuflen,
#endif
    };
    const int nfunctions = (int)(sizeof functions / sizeof functions[0]);
    const int nobjects = (int)(sizeof objects / sizeof objects[0]);
    int i, found = 0;

    for (i = 0; i < nfunctions; i++)
        found += functions[i] != 0;
    for (i = 0; i < nobjects; i++)
        found += objects[i] != 0;
    (void)trace_fn;
    (void)driven_fn;
    (void)copy_fn;
    strong[0] = byte;
    (void)strong;
    (void)weak;

    printf("sizeof: rs_stats_t=%d rs_buffers_t=%d rs_result=%d rs_magic_number=%d "
           "rs_long_t=%d rs_strong_sum_t=%d\n",
           (int)sizeof(rs_stats_t), (int)sizeof(rs_buffers_t),
           (int)sizeof(rs_result), (int)sizeof(rs_magic_number),
           (int)sizeof(rs_long_t), (int)sizeof(rs_strong_sum_t));
    printf("rs_stats_t offsets: %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
           (int)offsetof(rs_stats_t, op), (int)offsetof(rs_stats_t, lit_cmds),
           (int)offsetof(rs_stats_t, lit_bytes),
           (int)offsetof(rs_stats_t, lit_cmdbytes),
           (int)offsetof(rs_stats_t, copy_cmds),
           (int)offsetof(rs_stats_t, copy_bytes),
           (int)offsetof(rs_stats_t, copy_cmdbytes),
           (int)offsetof(rs_stats_t, sig_cmds),
           (int)offsetof(rs_stats_t, sig_bytes),
           (int)offsetof(rs_stats_t, false_matches),
           (int)offsetof(rs_stats_t, sig_blocks),
           (int)offsetof(rs_stats_t, block_len),
           (int)offsetof(rs_stats_t, in_bytes),
           (int)offsetof(rs_stats_t, out_bytes),
           (int)offsetof(rs_stats_t, start), (int)offsetof(rs_stats_t, end));
    printf("rs_buffers_t offsets: %d %d %d %d %d\n",
           (int)offsetof(rs_buffers_t, next_in),
           (int)offsetof(rs_buffers_t, avail_in),
           (int)offsetof(rs_buffers_t, eof_in),
           (int)offsetof(rs_buffers_t, next_out),
           (int)offsetof(rs_buffers_t, avail_out));
    printf("magics: %#x %#x %#x %#x %#x\n", (unsigned)RS_DELTA_MAGIC,
           (unsigned)RS_MD4_SIG_MAGIC, (unsigned)RS_BLAKE2_SIG_MAGIC,
           (unsigned)RS_RK_MD4_SIG_MAGIC, (unsigned)RS_RK_BLAKE2_SIG_MAGIC);
    printf("macros: %d %d %d\n", RS_DEFAULT_BLOCK_LEN, RS_DEFAULT_MIN_STRONG_LEN,
           RS_MAX_STRONG_SUM_LENGTH);
    printf("symbols resolved: %d of %d\n", found, nfunctions + nobjects);
    if (found != 40)
        return 1;
    printf("layout: ok\n");
    return 0;
}
