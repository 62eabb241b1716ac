/* librsync_export.h -- symbol visibility for librsync.h.
 *
 * This file is part of librsync-rs, a Rust implementation of librsync.
 *
 * Copyright (C) 2026 the librsync-rs authors.
 *
 * This library is free software; you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 2.1 of the License, or (at
 * your option) any later version. See the file LICENSE. */

#ifndef LIBRSYNC_EXPORT_H
#define LIBRSYNC_EXPORT_H

/* LIBRSYNC_STATIC_DEFINE: the program links librsync.a, no attribute.
 * rsync_EXPORTS: building the DLL itself (Windows).
 * Otherwise: symbols come from the shared library. */
#if defined(LIBRSYNC_STATIC_DEFINE)
#  define LIBRSYNC_EXPORT
#elif defined(_WIN32)
#  if defined(rsync_EXPORTS)
#    define LIBRSYNC_EXPORT __declspec(dllexport)
#  else
#    define LIBRSYNC_EXPORT __declspec(dllimport)
#  endif
#else
#  define LIBRSYNC_EXPORT __attribute__((visibility("default")))
#endif

#endif /* LIBRSYNC_EXPORT_H */
