/* The whole-file API on FILE*: rs_file_open (including "-" and the
 * exit(100) cases, run in child processes), rs_file_close, rs_file_size,
 * rs_file_copy_cb called directly, and rs_sig_file, rs_loadsig_file,
 * rs_delta_file, rs_patch_file with rs_inbuflen / rs_outbuflen set to
 * small values; pipes as input and as a (non-seekable) basis. */
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASIS_LEN 20000
static unsigned char basis[BASIS_LEN];
static mb_t newf;

static void write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(name, "wb");
    CHECK(f != NULL);
    if (len)
        CHECK_EQ(fwrite(data, 1, len, f), len);
    CHECK_EQ(fclose(f), 0);
}

static void read_file(const char *name, mb_t *out)
{
    unsigned char buf[4096];
    size_t n;
    FILE *f = fopen(name, "rb");
    CHECK(f != NULL);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mb_put(out, buf, n);
    CHECK_EQ(fclose(f), 0);
}

/* A FILE* reading from a pipe that holds `data` (less than the pipe
 * buffer) and is then closed: rs_file_size says -1, seeking fails. */
static FILE *pipe_with(const void *data, size_t len)
{
    int fds[2];
    FILE *f;
    CHECK(pipe(fds) == 0);
    if (len)
        CHECK_EQ(write(fds[1], data, len), (ssize_t)len);
    close(fds[1]);
    f = fdopen(fds[0], "rb");
    CHECK(f != NULL);
    return f;
}

/* Runs rs_file_open(name, mode, force) in a child process whose stderr
 * goes to a file; prints how it ended and what it logged. */
static void open_in_child(const char *name, const char *mode, int force)
{
    pid_t pid;
    int status;
    mb_t err = {0, 0, 0};
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd = open("child.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        FILE *f;
        if (fd < 0 || dup2(fd, 2) != 2)
            _exit(2);
        close(fd);
        rs_trace_to(rs_trace_stderr);
        f = rs_file_open(name, mode, force);
        /* Only reached if the file could be opened. */
        rs_file_close(f);
        _exit(0);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    read_file("child.err", &err);
    mb_put(&err, "", 1);
    printf("rs_file_open(\"%s\", \"%s\", %d) in a child: %s %d, stderr: %s",
           name ? name : "(null)", mode, force,
           WIFEXITED(status) ? "exit" : "signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
           err.len > 1 ? (const char *)err.p : "(nothing)\n");
    mb_free(&err);
    unlink("child.err");
}

static void test_file_helpers(void)
{
    FILE *f;
    mb_t content = {0, 0, 0};
    printf("== rs_file_open / rs_file_close / rs_file_size\n");

    /* The exit(100) cases first, before this process holds much. */
    write_file("exists", "keep me", 7);
    open_in_child("exists", "wb", 0);
    read_file("exists", &content);
    CHECK(mb_eq(&content, "keep me", 7));
    mb_free(&content);
    open_in_child("missing", "rb", 0);
    open_in_child("missing", "r", 1);
    open_in_child("", "rb", 0);
    open_in_child("no-such-dir/out", "wb", 1);
    {
        /* Messages are cut at 999 characters, as C's vsnprintf buffer. */
        char longname[1300];
        size_t i;
        for (i = 0; i + 2 < 1200; i += 2)
            memcpy(longname + i, "./", 2);
        strcpy(longname + i, "exists");
        open_in_child(longname, "wb", 0);
        strcpy(longname + i, "missing");
        open_in_child(longname, "rb", 0);
    }
    open_in_child("exists", "w", 1);
    read_file("exists", &content);
    printf("after forced open: %zu bytes\n", content.len);
    CHECK_EQ(content.len, 0);
    mb_free(&content);

    CHECK(rs_file_open(NULL, "rb", 0) == stdin);
    CHECK(rs_file_open("-", "rb", 0) == stdin);
    CHECK(rs_file_open(NULL, "wb", 0) == stdout);
    CHECK(rs_file_open("-", "w", 0) == stdout);
    CHECK(rs_file_open("-", "r+", 0) == stdin); /* only 'w' first means write */
    CHECK_EQ(rs_file_close(stdin), 0);
    CHECK_EQ(rs_file_close(stdout), 0);
    CHECK(fcntl(0, F_GETFD) != -1);
    CHECK(fcntl(1, F_GETFD) != -1);
    printf("\"-\" and NULL are stdin/stdout, which rs_file_close leaves open\n");

    f = rs_file_open("fresh", "wb", 0);
    CHECK(f != NULL);
    CHECK_EQ(fwrite("0123456789", 1, 10, f), 10);
    CHECK_EQ(fflush(f), 0);
    printf("rs_file_size(10-byte file being written) = %lld\n", (long long)rs_file_size(f));
    CHECK_EQ(rs_file_size(f), 10);
    CHECK_EQ(rs_file_close(f), 0);
    f = rs_file_open("fresh", "rb", 0);
    CHECK_EQ(rs_file_size(f), 10);
    CHECK_EQ(rs_file_close(f), 0);
    write_file("empty", "", 0);
    f = rs_file_open("empty", "rb", 0);
    printf("rs_file_size(empty file) = %lld\n", (long long)rs_file_size(f));
    CHECK_EQ(rs_file_size(f), 0);
    rs_file_close(f);
    f = pipe_with("abc", 3);
    printf("rs_file_size(pipe) = %lld\n", (long long)rs_file_size(f));
    CHECK_EQ(rs_file_size(f), -1);
    fclose(f);
    f = fopen("/dev/null", "rb");
    printf("rs_file_size(/dev/null) = %lld\n", (long long)rs_file_size(f));
    CHECK_EQ(rs_file_size(f), -1);
    fclose(f);
    f = fopen(".", "r");
    if (f) {
        printf("rs_file_size(directory) = %lld\n", (long long)rs_file_size(f));
        CHECK_EQ(rs_file_size(f), -1);
        fclose(f);
    }
    unlink("fresh");
    unlink("empty");
    unlink("exists");
}

static void copy_cb_call(FILE *f, rs_long_t pos, size_t len)
{
    unsigned char *buf = (unsigned char *)xmalloc(len);
    void *p = buf;
    size_t n = len;
    rs_result r = rs_file_copy_cb(f, pos, &n, &p);
    printf("rs_file_copy_cb(pos=%lld, len=%zu) = %d, len=%zu%s\n", (long long)pos,
           len, (int)r, n, p == buf ? "" : ", pointer changed");
    CHECK(p == buf);
    if (r == RS_DONE) {
        CHECK(n > 0 && n <= len);
        CHECK(memcmp(buf, basis + pos, n) == 0);
    }
    free(buf);
    log_print();
}

static void test_copy_cb(void)
{
    FILE *f;
    printf("== rs_file_copy_cb\n");
    f = rs_file_open("basis", "rb", 0);
    copy_cb_call(f, 0, 100);
    copy_cb_call(f, 12345, 1);
    copy_cb_call(f, BASIS_LEN - 10, 50);
    copy_cb_call(f, BASIS_LEN, 10);
    copy_cb_call(f, BASIS_LEN + 5000, 10);
    copy_cb_call(f, 100, 100000);
    copy_cb_call(f, -1, 10);
    copy_cb_call(f, 7, 10); /* works again after the failures */
    rs_file_close(f);
    f = pipe_with(basis, 100);
    copy_cb_call(f, 0, 10);
    copy_cb_call(f, 50, 10);
    fclose(f);
}

/* One signature / loadsig / delta / patch round with the current
 * rs_inbuflen and rs_outbuflen. */
static void round_files(rs_magic_number magic, size_t block_len,
                        size_t strong_len, mb_t *sig_out, mb_t *delta_out,
                        int verbose)
{
    FILE *b, *s, *n, *d, *o;
    rs_signature_t *sig = NULL;
    rs_stats_t st;
    mb_t out = {0, 0, 0};
    rs_result r;

    b = rs_file_open("basis", "rb", 0);
    s = rs_file_open("sig", "wb", 1);
    r = rs_sig_file(b, s, block_len, strong_len, magic, &st);
    CHECK_EQ(r, RS_DONE);
    if (verbose) {
        print_stats("  rs_sig_file", &st);
        rs_log_stats(&st);
    }
    CHECK_EQ(st.in_bytes, BASIS_LEN);
    rs_file_close(b);
    rs_file_close(s);
    read_file("sig", sig_out);

    s = rs_file_open("sig", "rb", 0);
    r = rs_loadsig_file(s, &sig, &st);
    CHECK_EQ(r, RS_DONE);
    if (verbose) {
        print_stats("  rs_loadsig_file", &st);
        rs_log_stats(&st);
    }
    CHECK_EQ(st.in_bytes, (rs_long_t)sig_out->len);
    rs_file_close(s);
    CHECK_EQ(rs_build_hash_table(sig), RS_DONE);

    n = rs_file_open("new", "rb", 0);
    d = rs_file_open("delta", "wb", 1);
    r = rs_delta_file(sig, n, d, &st);
    CHECK_EQ(r, RS_DONE);
    if (verbose) {
        print_stats("  rs_delta_file", &st);
        rs_log_stats(&st);
        rs_signature_log_stats(sig);
    }
    CHECK_EQ(st.in_bytes, (rs_long_t)newf.len);
    rs_file_close(n);
    rs_file_close(d);
    read_file("delta", delta_out);
    rs_free_sumset(sig);

    b = rs_file_open("basis", "rb", 0);
    d = rs_file_open("delta", "rb", 0);
    o = rs_file_open("out", "wb", 1);
    r = rs_patch_file(b, d, o, &st);
    CHECK_EQ(r, RS_DONE);
    if (verbose) {
        print_stats("  rs_patch_file", &st);
        rs_log_stats(&st);
    }
    CHECK_EQ(st.in_bytes, (rs_long_t)delta_out->len);
    CHECK_EQ(st.out_bytes, (rs_long_t)newf.len);
    rs_file_close(b);
    rs_file_close(d);
    rs_file_close(o);
    read_file("out", &out);
    CHECK(mb_eq(&out, newf.p, newf.len));
    mb_free(&out);
    log_print();
}

static void test_whole_files(void)
{
    static const int sizes[][2] = {
        {0, 0}, {1, 1}, {2, 2}, {3, 3}, {7, 7}, {15, 15}, {100, 100},
        {10000, 10000}, {200000, 200000}, {1, 10000}, {10000, 1}, {0, 1}, {1, 0},
    };
    static const rs_magic_number magics[] = {
        RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC,
        RS_RK_BLAKE2_SIG_MAGIC,
    };
    size_t i, m;
    mb_t sig0 = {0, 0, 0}, delta0 = {0, 0, 0};

    printf("== whole-file round trips, defaults\n");
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mb_t sig = {0, 0, 0}, delta = {0, 0, 0};
        rs_inbuflen = sizes[i][0];
        rs_outbuflen = sizes[i][1];
        printf("rs_inbuflen=%d rs_outbuflen=%d\n", rs_inbuflen, rs_outbuflen);
        round_files((rs_magic_number)0, 0, 0, &sig, &delta, i < 3);
        if (i == 0) {
            print_bytes("  signature", sig.p, sig.len);
            print_bytes("  delta", delta.p, delta.len);
            mb_put(&sig0, sig.p, sig.len);
            mb_put(&delta0, delta.p, delta.len);
        } else {
            CHECK(mb_eq(&sig, sig0.p, sig0.len));
            CHECK(mb_eq(&delta, delta0.p, delta0.len));
        }
        mb_free(&sig);
        mb_free(&delta);
    }
    mb_free(&sig0);
    mb_free(&delta0);

    printf("== whole-file round trips, every magic\n");
    for (m = 0; m < 4; m++) {
        for (i = 0; i < 3; i++) {
            mb_t sig = {0, 0, 0}, delta = {0, 0, 0};
            rs_inbuflen = rs_outbuflen = i == 0 ? 0 : i == 1 ? 7 : 1;
            round_files(magics[m], 300, i == 2 ? (size_t)-1 : 8, &sig, &delta, 0);
            if (i == 0) {
                print_bytes("  signature", sig.p, sig.len);
                print_bytes("  delta", delta.p, delta.len);
                mb_put(&sig0, sig.p, sig.len);
                mb_put(&delta0, delta.p, delta.len);
            } else if (i == 1) {
                CHECK(mb_eq(&sig, sig0.p, sig0.len));
                CHECK(mb_eq(&delta, delta0.p, delta0.len));
            } else {
                print_bytes("  minimum strong sum signature", sig.p, sig.len);
            }
            mb_free(&sig);
            mb_free(&delta);
        }
        mb_free(&sig0);
        mb_free(&delta0);
    }
    rs_inbuflen = rs_outbuflen = 0;
}

static void test_slack_and_pipes(void)
{
    static const int ins[] = {0, 1, 100, 1000};
    FILE *b, *s, *n, *d, *o;
    rs_signature_t *sig = NULL;
    rs_stats_t st;
    mb_t data = {0, 0, 0};
    size_t i;
    rs_result r;

    printf("== signature of an empty file, slack deltas\n");
    write_file("empty", "", 0);
    b = rs_file_open("empty", "rb", 0);
    s = rs_file_open("sig", "wb", 1);
    CHECK_EQ(rs_sig_file(b, s, 0, 0, (rs_magic_number)0, &st), RS_DONE);
    print_stats("  rs_sig_file", &st);
    rs_file_close(b);
    rs_file_close(s);
    read_file("sig", &data);
    print_bytes("  empty-file signature", data.p, data.len);
    mb_free(&data);
    s = rs_file_open("sig", "rb", 0);
    CHECK_EQ(rs_loadsig_file(s, &sig, NULL), RS_DONE);
    rs_file_close(s);
    CHECK_EQ(rs_build_hash_table(sig), RS_DONE);
    for (i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        rs_inbuflen = ins[i];
        n = rs_file_open("new", "rb", 0);
        d = rs_file_open("delta", "wb", 1);
        CHECK_EQ(rs_delta_file(sig, n, d, &st), RS_DONE);
        rs_file_close(n);
        rs_file_close(d);
        read_file("delta", &data);
        printf("  rs_inbuflen=%d: ", rs_inbuflen);
        print_bytes("slack delta", data.p, data.len);
        print_stats("  rs_delta_file", &st);
        mb_free(&data);
        b = rs_file_open("empty", "rb", 0);
        d = rs_file_open("delta", "rb", 0);
        o = rs_file_open("out", "wb", 1);
        CHECK_EQ(rs_patch_file(b, d, o, NULL), RS_DONE);
        rs_file_close(b);
        rs_file_close(d);
        rs_file_close(o);
        read_file("out", &data);
        CHECK(mb_eq(&data, newf.p, newf.len));
        mb_free(&data);
    }
    rs_inbuflen = 0;
    rs_free_sumset(sig);
    unlink("empty");

    printf("== pipes\n");
    /* A pipe as signature input: size unknown, so 2048 / 32. */
    b = pipe_with(basis, 5000);
    s = rs_file_open("sig", "wb", 1);
    CHECK_EQ(rs_sig_file(b, s, 0, 0, (rs_magic_number)0, &st), RS_DONE);
    print_stats("  rs_sig_file(pipe)", &st);
    fclose(b);
    rs_file_close(s);
    read_file("sig", &data);
    print_bytes("  signature of a pipe", data.p, data.len);
    mb_free(&data);
    /* rs_sig_file with bad arguments writes nothing. */
    b = rs_file_open("basis", "rb", 0);
    s = rs_file_open("sig", "wb", 1);
    r = rs_sig_file(b, s, 0, 0, (rs_magic_number)0x72730999, &st);
    printf("  rs_sig_file(bad magic) = %d\n", (int)r);
    CHECK_EQ(r, RS_BAD_MAGIC);
    r = rs_sig_file(b, s, 0, 33, RS_BLAKE2_SIG_MAGIC, &st);
    printf("  rs_sig_file(strong_len 33) = %d\n", (int)r);
    CHECK_EQ(r, RS_PARAM_ERROR);
    r = rs_sig_file(b, s, 0, 2, RS_BLAKE2_SIG_MAGIC, NULL);
    printf("  rs_sig_file(strong_len 2) = %d\n", (int)r);
    CHECK_EQ(r, RS_DONE);
    rs_file_close(b);
    rs_file_close(s);
    read_file("sig", &data);
    print_bytes("  signature with 2-byte sums", data.p, data.len);
    mb_free(&data);
    log_print();
    /* A delta made from a pipe, then a patch whose basis is a pipe. */
    s = rs_file_open("sig", "rb", 0);
    CHECK_EQ(rs_loadsig_file(s, &sig, &st), RS_DONE);
    rs_file_close(s);
    CHECK_EQ(rs_build_hash_table(sig), RS_DONE);
    n = pipe_with(newf.p, newf.len < 60000 ? newf.len : 60000);
    d = rs_file_open("delta", "wb", 1);
    CHECK_EQ(rs_delta_file(sig, n, d, &st), RS_DONE);
    print_stats("  rs_delta_file(pipe)", &st);
    fclose(n);
    rs_file_close(d);
    rs_free_sumset(sig);
    b = pipe_with(basis, 5000);
    d = rs_file_open("delta", "rb", 0);
    o = rs_file_open("out", "wb", 1);
    r = rs_patch_file(b, d, o, &st);
    printf("  rs_patch_file(pipe basis) = %d\n", (int)r);
    CHECK_EQ(r, RS_IO_ERROR);
    fclose(b);
    rs_file_close(d);
    rs_file_close(o);
    log_print();
    /* The same delta on a file basis works. */
    b = rs_file_open("basis", "rb", 0);
    d = rs_file_open("delta", "rb", 0);
    o = rs_file_open("out", "wb", 1);
    CHECK_EQ(rs_patch_file(b, d, o, &st), RS_DONE);
    print_stats("  rs_patch_file", &st);
    rs_file_close(b);
    rs_file_close(d);
    rs_file_close(o);
    read_file("out", &data);
    CHECK(mb_eq(&data, newf.p, newf.len));
    mb_free(&data);
    log_print();
}

/* rs_outbuflen is honoured (the program writes its own copy of the
 * variable, a copy relocation): the output a failing rs_patch_file leaves
 * behind is what was drained before the error, one buffer at a time. */
static void test_outbuflen_drains(void)
{
    static const unsigned char delta[] = {
        'r', 's', 0x02, 0x36, 0x05, 'h', 'e', 'l', 'l', 'o',
        0x49, 0x4e, 0x20, 0x05, 0x00, /* COPY(20000, 5): past the end */
    };
    static const int sizes[] = {0, 1, 2, 3, 4, 5, 6, 7, 100};
    size_t i;
    printf("== rs_outbuflen: output drained before a failure\n");
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        FILE *b = rs_file_open("basis", "rb", 0);
        FILE *d = tmpfile(), *o = tmpfile();
        rs_result r;
        CHECK(d && o);
        CHECK_EQ(fwrite(delta, 1, sizeof delta, d), sizeof delta);
        rewind(d);
        rs_outbuflen = sizes[i];
        r = rs_patch_file(b, d, o, NULL);
        fflush(o);
        printf("rs_outbuflen=%d: %d, %ld bytes written\n", sizes[i], (int)r, ftell(o));
        CHECK_EQ(r, RS_INPUT_ENDED);
        rs_file_close(b);
        fclose(d);
        fclose(o);
    }
    rs_outbuflen = 0;
    log_reset();
}

/* Read and write errors of the stdio layer (bad-inputs F6, F7). */
static void test_io_errors(void)
{
    FILE *b, *s, *d, *o, *w;
    rs_signature_t *sig = NULL;
    rs_stats_t st;
    rs_result r;

    printf("== I/O errors\n");
    /* Reading a stream opened for writing fails. */
    w = fopen("writeonly", "wb");
    CHECK(w != NULL);
    copy_cb_call(w, 0, 10);
    s = rs_file_open("sig", "wb", 1);
    r = rs_sig_file(w, s, 0, 0, (rs_magic_number)0, &st);
    printf("rs_sig_file(unreadable input) = %d\n", (int)r);
    CHECK_EQ(r, RS_IO_ERROR);
    rs_file_close(s);
    r = rs_loadsig_file(w, &sig, NULL);
    printf("rs_loadsig_file(unreadable input) = %d\n", (int)r);
    CHECK_EQ(r, RS_IO_ERROR);
    rs_free_sumset(sig);
    fclose(w);
    log_print();

    /* Writing to a stream opened for reading fails. */
    b = rs_file_open("basis", "rb", 0);
    s = rs_file_open("new", "rb", 0);
    r = rs_sig_file(b, s, 0, 0, (rs_magic_number)0, &st);
    printf("rs_sig_file(unwritable output) = %d\n", (int)r);
    CHECK_EQ(r, RS_IO_ERROR);
    rs_file_close(b);
    rs_file_close(s);
    log_print();

    /* A full device: the whole output is written at the end, and fails. */
    o = fopen("/dev/full", "wb");
    if (o != NULL) {
        static const char delta[] = "rs\x02\x36\x4a\x00\x00\x4e\x20\x00";
        b = rs_file_open("basis", "rb", 0);
        d = fopen("delta-full", "wb+");
        CHECK(d != NULL);
        CHECK_EQ(fwrite(delta, 1, 10, d), 10);
        rewind(d);
        r = rs_patch_file(b, d, o, &st);
        printf("rs_patch_file(to /dev/full) = %d\n", (int)r);
        CHECK_EQ(r, RS_IO_ERROR);
        rs_file_close(b);
        fclose(d);
        fclose(o);
        unlink("delta-full");
        log_print();
    }
    unlink("writeonly");
}

int main(void)
{
    char dir[] = "/tmp/capi-whole-XXXXXX";
    rs_trace_to(capture_trace);
    CHECK(mkdtemp(dir) != NULL);
    CHECK(chdir(dir) == 0);
    test_file_helpers();

    rng_seed(4242);
    fill_text(basis, BASIS_LEN);
    make_edited(basis, BASIS_LEN, &newf);
    write_file("basis", basis, BASIS_LEN);
    write_file("new", newf.p, newf.len);
    test_copy_cb();
    test_whole_files();
    test_slack_and_pipes();
    test_outbuflen_drains();
    test_io_errors();

    unlink("basis");
    unlink("new");
    unlink("sig");
    unlink("delta");
    unlink("out");
    CHECK(chdir("/") == 0);
    CHECK(rmdir(dir) == 0);
    mb_free(&newf);
    printf("whole: ok\n");
    return 0;
}
