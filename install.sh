#!/usr/bin/env bash
# Installs librsync-rs as a drop-in for librsync: lib/librsync.so.VERSION
# with its librsync.so.2 and librsync.so links, librsync.a, the headers,
# lib/pkgconfig/librsync.pc, bin/rdiff, and the manual pages rdiff(1) and
# librsync(3). VERSION (librsync's, e.g. 2.3.2) is the workspace's version
# in Cargo.toml.
#
#   ./install.sh [PREFIX]          # default PREFIX: /usr/local
#
# DESTDIR is honoured (staged installs). LIBDIR overrides PREFIX/lib and
# MANDIR PREFIX/share/man. BUILD_DIR=target/debug installs already-built
# artifacts from that directory instead of running `cargo build --release`.
#
# The installed library and rdiff are stripped as a system library is:
# debug information is dropped from the installed copies (not from
# target/), the .so and rdiff keep only what dynamic linking needs, and the
# .a loses the LLVM bitcode that only rustc's LTO reads.
# STRIP names the strip program (default `strip`); STRIP=: installs the
# files as built.
set -euo pipefail
cd "$(dirname "$0")"

prefix=${1:-/usr/local}
libdir=${LIBDIR:-$prefix/lib}
includedir=$prefix/include
bindir=$prefix/bin
mandir=${MANDIR:-$prefix/share/man}
dest=${DESTDIR:-}
strip=${STRIP:-strip}

# The one version: [workspace.package] version in Cargo.toml.
version=$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" {
        gsub(/[" ]/, "", $3); print $3; exit
    }' Cargo.toml)
case $version in
    [0-9]*.[0-9]*.[0-9]*) ;;
    *) echo "install.sh: no [workspace.package] version in Cargo.toml" >&2; exit 1 ;;
esac
major=${version%%.*}

if [ -z "${BUILD_DIR:-}" ]; then
    cargo build --release --locked
    BUILD_DIR=target/release
fi

if ! command -v "$strip" >/dev/null 2>&1; then
    echo "install.sh: warning: '$strip' not found, installing unstripped files" >&2
    strip=:
fi

install -d "$dest$libdir/pkgconfig" "$dest$includedir" "$dest$bindir" \
    "$dest$mandir/man1" "$dest$mandir/man3"

so="$dest$libdir/librsync.so.$version"
install -m 755 "$BUILD_DIR/librsync.so" "$so"
"$strip" --strip-unneeded "$so"
ln -sf "librsync.so.$version" "$dest$libdir/librsync.so.$major"
ln -sf "librsync.so.$major" "$dest$libdir/librsync.so"

install -m 644 "$BUILD_DIR/librsync.a" "$dest$libdir/librsync.a"
# Rust's standard library objects carry LLVM bitcode (.llvmbc, .llvmcmd) for
# cross-crate LTO, which a C linker never reads: two thirds of the archive.
"$strip" --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
    "$dest$libdir/librsync.a"

install -m 644 include/librsync.h include/librsync_export.h "$dest$includedir/"

installed=("$BUILD_DIR/librsync.so" "$so" "$BUILD_DIR/librsync.a" "$dest$libdir/librsync.a")
if [ -x "$BUILD_DIR/rdiff" ]; then
    install -m 755 "$BUILD_DIR/rdiff" "$dest$bindir/rdiff"
    "$strip" --strip-unneeded "$dest$bindir/rdiff"
    installed+=("$BUILD_DIR/rdiff" "$dest$bindir/rdiff")
fi

install -m 644 man/rdiff.1 "$dest$mandir/man1/rdiff.1"
install -m 644 man/librsync.3 "$dest$mandir/man3/librsync.3"

cat > "$dest$libdir/pkgconfig/librsync.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=$libdir
includedir=$includedir

Name: librsync
Description: Network delta library (librsync-rs, a Rust port of librsync $version)
Version: $version
Libs: -L\${libdir} -lrsync
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
Cflags: -I\${includedir}
PC

echo "installed librsync-rs $version into $dest$prefix"
# Sizes: as built, then as installed.
size() { stat -c %s "$1"; }
human() { numfmt --to=iec --suffix=B "$1" 2>/dev/null || echo "$1 bytes"; }
for ((i = 0; i < ${#installed[@]}; i += 2)); do
    built=${installed[i]} copy=${installed[i + 1]}
    printf '  %-22s %8s built, %8s installed\n' "$(basename "$copy")" \
        "$(human "$(size "$built")")" "$(human "$(size "$copy")")"
done
