#!/usr/bin/env bash
# Installs librsync-rs as a drop-in for librsync 2.3.2: lib/librsync.so.2.3.2
# with its librsync.so.2 and librsync.so links, librsync.a, the headers,
# lib/pkgconfig/librsync.pc, and bin/rdiff.
#
#   ./install.sh [PREFIX]          # default PREFIX: /usr/local
#
# DESTDIR is honoured (staged installs). LIBDIR overrides PREFIX/lib.
# BUILD_DIR=target/debug installs already-built artifacts from that
# directory instead of running `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")"

prefix=${1:-/usr/local}
libdir=${LIBDIR:-$prefix/lib}
includedir=$prefix/include
bindir=$prefix/bin
dest=${DESTDIR:-}

if [ -z "${BUILD_DIR:-}" ]; then
    cargo build --release --locked
    BUILD_DIR=target/release
fi

install -d "$dest$libdir/pkgconfig" "$dest$includedir" "$dest$bindir"
install -m 755 "$BUILD_DIR/librsync.so" "$dest$libdir/librsync.so.2.3.2"
ln -sf librsync.so.2.3.2 "$dest$libdir/librsync.so.2"
ln -sf librsync.so.2 "$dest$libdir/librsync.so"
install -m 644 "$BUILD_DIR/librsync.a" "$dest$libdir/librsync.a"
install -m 644 include/librsync.h include/librsync_export.h "$dest$includedir/"
if [ -x "$BUILD_DIR/rdiff" ]; then
    install -m 755 "$BUILD_DIR/rdiff" "$dest$bindir/rdiff"
fi
cat > "$dest$libdir/pkgconfig/librsync.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=$libdir
includedir=$includedir

Name: librsync
Description: Network delta library (librsync-rs, a Rust port of librsync 2.3.2)
Version: 2.3.2
Libs: -L\${libdir} -lrsync
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
Cflags: -I\${includedir}
PC
echo "installed librsync-rs into $dest$prefix"
