/* Source compatibility: C written against Debian's librsync.h (2.3.2) must
 * compile unchanged against ours. tests/capi.rs compiles this file (-c)
 * against both headers with -Wall -Wextra -Werror -pedantic, as C99 and
 * C11, with and without RSYNC_NO_STDIO_INTERFACE and LIBRSYNC_STATIC_DEFINE.
 *
 * It redeclares every function and object with the exact spelling of the
 * system header (a conflicting type is a compile error), uses the struct
 * and enum tags, the callback function types and the macros as existing
 * programs do (rdiff, rdiff-backup's _librsync.c, duplicity). */
#include <librsync.h>
#include <librsync_export.h>

#include <stdio.h>
#include <string.h>

#if !defined(_RSYNC_H)
#error "_RSYNC_H"
#endif

/* The declarations of the system header, spelled as it spells them. */
LIBRSYNC_EXPORT extern char const rs_librsync_version[];
LIBRSYNC_EXPORT void rs_trace_set_level(rs_loglevel level);
LIBRSYNC_EXPORT void rs_trace_to(rs_trace_fn_t *);
LIBRSYNC_EXPORT void rs_trace_stderr(rs_loglevel level, char const *msg);
LIBRSYNC_EXPORT int rs_supports_trace(void);
LIBRSYNC_EXPORT void rs_hexify(char *to_buf, void const *from_buf, int from_len);
LIBRSYNC_EXPORT size_t rs_unbase64(char *s);
LIBRSYNC_EXPORT void rs_base64(unsigned char const *buf, int n, char *out);
LIBRSYNC_EXPORT char const *rs_strerror(rs_result r);
LIBRSYNC_EXPORT extern const int RS_MD4_SUM_LENGTH, RS_BLAKE2_SUM_LENGTH;
LIBRSYNC_EXPORT void rs_mdfour(unsigned char *out, void const *in, size_t);
LIBRSYNC_EXPORT void rs_mdfour_begin(rs_mdfour_t *md);
LIBRSYNC_EXPORT void rs_mdfour_update(rs_mdfour_t *md, void const *in_void, size_t n);
LIBRSYNC_EXPORT void rs_mdfour_result(rs_mdfour_t *md, unsigned char *out);
LIBRSYNC_EXPORT char *rs_format_stats(rs_stats_t const *stats, char *buf, size_t size);
LIBRSYNC_EXPORT int rs_log_stats(rs_stats_t const *stats);
LIBRSYNC_EXPORT void rs_signature_log_stats(rs_signature_t const *sig);
LIBRSYNC_EXPORT void rs_free_sumset(rs_signature_t *);
LIBRSYNC_EXPORT void rs_sumset_dump(rs_signature_t const *);
LIBRSYNC_EXPORT rs_result rs_job_iter(rs_job_t *job, rs_buffers_t *buffers);
LIBRSYNC_EXPORT rs_result rs_job_drive(rs_job_t *job, rs_buffers_t *buf,
                                       rs_driven_cb in_cb, void *in_opaque,
                                       rs_driven_cb out_cb, void *out_opaque);
LIBRSYNC_EXPORT const rs_stats_t *rs_job_statistics(rs_job_t *job);
LIBRSYNC_EXPORT rs_result rs_job_free(rs_job_t *);
LIBRSYNC_EXPORT rs_result rs_sig_args(rs_long_t old_fsize, rs_magic_number *magic,
                                      size_t *block_len, size_t *strong_len);
LIBRSYNC_EXPORT rs_job_t *rs_sig_begin(size_t block_len, size_t strong_len,
                                       rs_magic_number sig_magic);
LIBRSYNC_EXPORT rs_job_t *rs_delta_begin(rs_signature_t *);
LIBRSYNC_EXPORT rs_job_t *rs_loadsig_begin(rs_signature_t **);
LIBRSYNC_EXPORT rs_result rs_build_hash_table(rs_signature_t *sums);
LIBRSYNC_EXPORT rs_job_t *rs_patch_begin(rs_copy_cb *copy_cb, void *copy_arg);

#ifndef RSYNC_NO_STDIO_INTERFACE
LIBRSYNC_EXPORT FILE *rs_file_open(char const *filename, char const *mode, int force);
LIBRSYNC_EXPORT int rs_file_close(FILE *file);
LIBRSYNC_EXPORT rs_long_t rs_file_size(FILE *file);
LIBRSYNC_EXPORT rs_result rs_file_copy_cb(void *arg, rs_long_t pos, size_t *len, void **buf);
LIBRSYNC_EXPORT extern int rs_inbuflen, rs_outbuflen;
LIBRSYNC_EXPORT rs_result rs_sig_file(FILE *old_file, FILE *sig_file,
                                      size_t block_len, size_t strong_len,
                                      rs_magic_number sig_magic, rs_stats_t *stats);
LIBRSYNC_EXPORT rs_result rs_loadsig_file(FILE *sig_file, rs_signature_t **sumset,
                                          rs_stats_t *stats);
LIBRSYNC_EXPORT rs_result rs_delta_file(rs_signature_t *, FILE *new_file,
                                        FILE *delta_file, rs_stats_t *);
LIBRSYNC_EXPORT rs_result rs_patch_file(FILE *basis_file, FILE *delta_file,
                                        FILE *new_file, rs_stats_t *);
#else
/* Without the stdio interface these names are free for the program: a
 * static definition would conflict with a declaration from the header. */
static int rs_file_open(void) { return 1; }
static int rs_sig_file(void) { return 2; }
static int rs_patch_file(void) { return 3; }
static int rs_inbuflen = 4;
#endif

/* Typical program code. */
struct my_io {
    struct rs_buffers_s buffers;
    struct rs_stats stats;
    enum rs_result last;
    rs_strong_sum_t strong;
    rs_weak_sum_t weak;
    rs_byte_t byte;
    rs_long_t pos;
};

static rs_trace_fn_t my_trace;
static rs_copy_cb my_copy;
static rs_driven_cb my_fill;

static void my_trace(rs_loglevel level, char const *msg)
{
    if (level <= RS_LOG_ERR)
        fputs(msg, stderr);
}

static rs_result my_copy(void *opaque, rs_long_t pos, size_t *len, void **buf)
{
    struct my_io *io = (struct my_io *)opaque;
    io->pos = pos;
    memset(*buf, 0, *len);
    return RS_DONE;
}

static rs_result my_fill(rs_job_t *job, rs_buffers_t *buf, void *opaque)
{
    (void)job;
    (void)opaque;
    buf->eof_in = 1;
    return RS_DONE;
}

int compat_entry(struct my_io *io);

int compat_entry(struct my_io *io)
{
    rs_signature_t *sig = NULL;
    rs_job_t *job;
    enum rs_result r;
    rs_magic_number magic = RS_RK_BLAKE2_SIG_MAGIC;
    size_t block_len = RS_DEFAULT_BLOCK_LEN, strong_len = RS_DEFAULT_MIN_STRONG_LEN;
    char text[256];
    unsigned char sum[RS_MAX_STRONG_SUM_LENGTH];

    rs_trace_to(my_trace);
    rs_trace_set_level(RS_LOG_WARNING);
    r = rs_sig_args(-1, &magic, &block_len, &strong_len);
    job = rs_loadsig_begin(&sig);
    r = rs_job_drive(job, &io->buffers, my_fill, NULL, NULL, NULL);
    rs_job_free(job);
    rs_build_hash_table(sig);
    job = rs_delta_begin(sig);
    io->last = rs_job_iter(job, &io->buffers);
    io->stats = *rs_job_statistics(job);
    rs_job_free(job);
    rs_free_sumset(sig);
    job = rs_patch_begin(my_copy, io);
    rs_job_free(job);
    job = rs_sig_begin(block_len, strong_len, RS_BLAKE2_SIG_MAGIC);
    rs_job_free(job);
    rs_format_stats(&io->stats, text, sizeof text);
    rs_mdfour(sum, text, strlen(text));
    rs_hexify(text, sum, RS_MD4_SUM_LENGTH);
#ifndef RSYNC_NO_STDIO_INTERFACE
    rs_inbuflen = 0;
    io->pos = rs_file_size(stdin);
    (void)rs_file_copy_cb;
#else
    io->pos = rs_file_open() + rs_sig_file() + rs_patch_file() + rs_inbuflen;
#endif
    return (int)r + (int)sizeof(rs_librsync_version[0]) + RS_BLAKE2_SUM_LENGTH;
}
