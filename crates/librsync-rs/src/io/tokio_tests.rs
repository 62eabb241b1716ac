//! The async adapters on a real runtime: the same bytes as the sync
//! adapters over files, sockets and slices, errors, progress, and at most
//! one run of the job per poll.

use std::future::poll_fn;
use std::io::{self, Read};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use librsync_rs_scenarios::Rng;

// Not `super::*`, whose `tokio` module would shadow the crate in
// `#[tokio::test]`'s expansion.
use super::tokio as a;
use super::{load_signature_of, DeltaReader, PatchReader, SignatureReader};
use crate::error::{Error, ErrorKind};
use crate::magic::SigMagic;
use crate::whole::SignatureOptions;

use super::tests::{MAGICS, SIZES};

/// Reads all of `r` with reads of at most `step` bytes.
async fn read_all(mut r: impl AsyncRead + Unpin, step: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; step];
    loop {
        match r.read(&mut buf).await? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `data` to `w` in pieces of at most `step` bytes.
async fn write_in(w: &mut (impl AsyncWrite + Unpin), data: &[u8], step: usize) -> io::Result<()> {
    for piece in data.chunks(step) {
        w.write_all(piece).await?;
    }
    Ok(())
}

/// `basis` with a few insertions, deletions and changes.
fn edited(rng: &mut Rng, basis: &[u8]) -> Vec<u8> {
    let mut new = basis.to_vec();
    for _ in 0..8 {
        let at = rng.below(new.len().max(1));
        match rng.below(3) {
            0 => {
                let n = rng.below(300);
                let bytes = rng.bytes(n);
                new.splice(at..at, bytes);
            }
            1 => {
                let end = (at + rng.below(300)).min(new.len());
                new.drain(at..end);
            }
            _ => {
                if at < new.len() {
                    new[at] ^= 0x5a;
                }
            }
        }
    }
    new
}

/// The sync adapters' bytes: signature, delta, patch.
fn sync_bytes(basis: &[u8], new: &[u8], opts: &SignatureOptions) -> (Vec<u8>, Vec<u8>) {
    let mut sig = Vec::new();
    SignatureReader::new(basis, opts)
        .unwrap()
        .read_to_end(&mut sig)
        .unwrap();
    let loaded = load_signature_of(&sig).unwrap();
    let mut delta = Vec::new();
    DeltaReader::new(&loaded, new)
        .unwrap()
        .read_to_end(&mut delta)
        .unwrap();
    let mut out = Vec::new();
    PatchReader::new(basis, &delta[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, new);
    (sig, delta)
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("librsync-rs-async-{}-{name}", std::process::id()))
}

fn options(magic: SigMagic) -> SignatureOptions {
    SignatureOptions::new().magic(magic).block_len(512)
}

#[::tokio::test(flavor = "multi_thread")]
async fn files_give_the_sync_bytes() {
    let mut rng = Rng::new(41);
    for (i, magic) in MAGICS.into_iter().enumerate() {
        let basis = rng.bytes(150_000 + i * 1000);
        let new = edited(&mut rng, &basis);
        let opts = options(magic);
        let (sig, delta) = sync_bytes(&basis, &new, &opts);
        let sig_loaded = load_signature_of(&sig).unwrap();
        let (basis_path, new_path, out_path) = (
            temp_path(&format!("basis-{i}")),
            temp_path(&format!("new-{i}")),
            temp_path(&format!("out-{i}")),
        );
        ::tokio::fs::write(&basis_path, &basis).await.unwrap();
        ::tokio::fs::write(&new_path, &new).await.unwrap();
        for step in SIZES {
            // Pull: files in, output read in pieces of `step`.
            let file = ::tokio::fs::File::open(&basis_path).await.unwrap();
            let mut r = a::SignatureReader::new(file, &opts).unwrap();
            assert_eq!(read_all(&mut r, step).await.unwrap(), sig);
            assert_eq!(r.progress().consumed, basis.len() as u64);
            assert_eq!(r.progress().produced, sig.len() as u64);
            assert_eq!(r.stats().in_bytes, basis.len() as i64);

            let file = ::tokio::fs::File::open(&new_path).await.unwrap();
            let mut r = a::DeltaReader::new(&sig_loaded, file).unwrap();
            assert_eq!(read_all(&mut r, step).await.unwrap(), delta);
            assert_eq!(r.bytes_in(), new.len() as u64);
            assert_eq!(r.bytes_out(), delta.len() as u64);

            let r = a::PatchReader::new(&basis[..], &delta[..]);
            assert_eq!(read_all(r, step).await.unwrap(), new);

            // Push: input written in pieces of `step`, output to a file.
            let file = ::tokio::fs::File::create(&out_path).await.unwrap();
            let mut w = a::SignatureWriter::new(file, &opts).unwrap();
            write_in(&mut w, &basis, step).await.unwrap();
            w.try_finish().await.unwrap();
            assert_eq!(w.progress().consumed, basis.len() as u64);
            assert_eq!(w.progress().produced, sig.len() as u64);
            drop(w.into_inner());
            assert_eq!(::tokio::fs::read(&out_path).await.unwrap(), sig);

            let file = ::tokio::fs::File::create(&out_path).await.unwrap();
            let mut w = a::DeltaWriter::new(&sig_loaded, file).unwrap();
            write_in(&mut w, &new, step).await.unwrap();
            drop(w.finish().await.unwrap());
            assert_eq!(::tokio::fs::read(&out_path).await.unwrap(), delta);

            let file = ::tokio::fs::File::create(&out_path).await.unwrap();
            let mut w = a::PatchWriter::new(&basis[..], file);
            write_in(&mut w, &delta, step).await.unwrap();
            w.shutdown().await.unwrap();
            assert_eq!(w.stats().out_bytes, new.len() as i64);
            drop(w);
            assert_eq!(::tokio::fs::read(&out_path).await.unwrap(), new);
        }
        for path in [basis_path, new_path, out_path] {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(unix)]
#[::tokio::test(flavor = "multi_thread")]
async fn sockets_give_the_sync_bytes() {
    use ::tokio::net::UnixStream;

    let mut rng = Rng::new(43);
    for (i, magic) in MAGICS.into_iter().enumerate() {
        let basis = rng.text(300_000 + i * 77);
        let new = edited(&mut rng, &basis);
        let opts = options(magic);
        let (sig, delta) = sync_bytes(&basis, &new, &opts);
        let sig_loaded = load_signature_of(&sig).unwrap();
        for step in SIZES {
            // One task writes the input into a socket, this one reads the
            // output of a pull adapter over the other end.
            let (mut tx, rx) = UnixStream::pair().unwrap();
            let input = new.clone();
            let feeder = ::tokio::spawn(async move {
                write_in(&mut tx, &input, step).await.unwrap();
                tx.shutdown().await.unwrap();
            });
            let r = a::DeltaReader::new(&sig_loaded, rx).unwrap();
            assert_eq!(read_all(r, step).await.unwrap(), delta);
            feeder.await.unwrap();

            let (mut tx, rx) = UnixStream::pair().unwrap();
            let input = delta.clone();
            let feeder = ::tokio::spawn(async move {
                write_in(&mut tx, &input, step).await.unwrap();
                tx.shutdown().await.unwrap();
            });
            let r = a::PatchReader::new(&basis[..], rx);
            assert_eq!(read_all(r, step).await.unwrap(), new);
            feeder.await.unwrap();

            // This task writes into a push adapter over a socket, another
            // reads the output from the other end.
            let (tx, rx) = UnixStream::pair().unwrap();
            let reader = ::tokio::spawn(read_all(rx, step));
            let mut w = a::SignatureWriter::new(tx, &opts).unwrap();
            write_in(&mut w, &basis, step).await.unwrap();
            w.shutdown().await.unwrap();
            drop(w);
            assert_eq!(reader.await.unwrap().unwrap(), sig);

            let (tx, rx) = UnixStream::pair().unwrap();
            let reader = ::tokio::spawn(read_all(rx, step));
            let mut w = a::DeltaWriter::new(&sig_loaded, tx).unwrap();
            write_in(&mut w, &new, step).await.unwrap();
            let mut tx = w.finish().await.unwrap();
            tx.shutdown().await.unwrap();
            drop(tx);
            assert_eq!(reader.await.unwrap().unwrap(), delta);
        }
    }
}

#[::tokio::test(flavor = "multi_thread")]
async fn empty_and_unblocked_inputs() {
    let mut rng = Rng::new(47);
    let basis = rng.bytes(70_000);
    let opts = options(SigMagic::Blake2);
    for new in [Vec::new(), rng.bytes(200_000)] {
        let (sig, delta) = sync_bytes(&[], &new, &opts);
        let r = a::SignatureReader::new(&[][..], &opts).unwrap();
        assert_eq!(read_all(r, 4096).await.unwrap(), sig);
        let loaded = load_signature_of(&sig).unwrap();
        // Against an empty signature, the commands follow the input buffers.
        let r = a::DeltaReader::new(&loaded, &new[..]).unwrap();
        assert_eq!(read_all(r, 4096).await.unwrap(), delta);
        let mut w = a::DeltaWriter::new(&loaded, Vec::new()).unwrap();
        write_in(&mut w, &new, 1000).await.unwrap();
        assert_eq!(w.finish().await.unwrap(), delta);
    }
    let r = a::PatchReader::new(&basis[..], &b"rs\x026\0"[..]);
    assert_eq!(read_all(r, 7).await.unwrap(), b"");
}

/// `PatchReader` over a corrupt delta fails with `InvalidData` carrying
/// the librsync error, and keeps failing; `PatchWriter` fails at `finish`
/// or before.
#[::tokio::test(flavor = "multi_thread")]
async fn corrupt_deltas_fail() {
    let basis = b"hello world".to_vec();
    for (bad, want) in [
        (&b"not a delta"[..], Error::new(ErrorKind::BadMagic)),
        // A reserved command byte.
        (&b"rs\x026\x55"[..], Error::new(ErrorKind::Corrupt)),
    ] {
        let mut r = a::PatchReader::new(&basis[..], bad);
        let err = quietly(read_all(&mut r, 4096)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            *err.into_inner().unwrap().downcast::<Error>().unwrap(),
            want
        );
        let again = r.read(&mut [0u8; 16]).await.unwrap_err();
        assert_eq!(Error::from_io(again), want);

        let mut w = a::PatchWriter::new(&basis[..], Vec::new());
        let result = async {
            w.write_all(bad).await.map_err(Error::from_io)?;
            w.try_finish().await
        };
        assert_eq!(quietly(result).await, Err(want.clone()));
        assert!(w.write_all(b"more").await.is_err());
    }
    // A delta cut short: the input ended.
    let mut r = a::PatchReader::new(&basis[..], &[0x72, 0x73, 0x02, 0x36, 0x45, 0][..]);
    let err = quietly(read_all(&mut r, 1)).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    // The limit.
    let delta = [0x72, 0x73, 0x02, 0x36, 0x45, 6, 5, 0x01, b'!', 0];
    let r = a::PatchReader::with_limit(&basis[..], &delta[..], 5);
    let err = quietly(read_all(r, 4096)).await.unwrap_err();
    assert_eq!(Error::from_io(err), Error::new(ErrorKind::Corrupt));
    let mut w = a::PatchWriter::with_limit(&basis[..], Vec::new(), 6);
    w.write_all(&delta).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), b"world!");
    // The delta adapters' limit: against an empty signature, the delta of
    // 20 000 bytes is longer than them.
    let sig = crate::io::load_signature_of(
        &crate::io::signature_of(b"", &SignatureOptions::default()).unwrap(),
    )
    .unwrap();
    let new = vec![3u8; 20_000];
    let full = crate::io::delta_of(&sig, &new).unwrap();
    let limit = full.len() as u64;
    let r = a::DeltaReader::with_limit(&sig, &new[..], limit - 1).unwrap();
    let err = quietly(read_all(r, 4096)).await.unwrap_err();
    assert_eq!(Error::from_io(err).kind(), ErrorKind::Corrupt);
    let r = a::DeltaReader::with_limit(&sig, &new[..], limit).unwrap();
    assert_eq!(read_all(r, 4096).await.unwrap(), full);
    let mut w = a::DeltaWriter::with_limit(&sig, Vec::new(), limit - 1).unwrap();
    let result = async {
        w.write_all(&new).await.map_err(Error::from_io)?;
        w.try_finish().await
    };
    assert_eq!(
        quietly(result).await.unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    let mut w = a::DeltaWriter::with_limit(&sig, Vec::new(), limit).unwrap();
    w.write_all(&new).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), full);
}

/// Runs `f` with librsync's error messages silenced. The lock (the sync
/// tests' too) is held across `f`'s awaits: only this test's own future
/// runs under it, and no task it waits for takes it.
#[allow(clippy::await_holding_lock)]
async fn quietly<T>(f: impl std::future::Future<Output = T>) -> T {
    let _guard = crate::trace::TEST_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    crate::trace::set_sink(crate::trace::Sink::Silent);
    let t = f.await;
    crate::trace::set_sink(crate::trace::Sink::Stderr);
    t
}

/// Counts the job's runs (through the progress callback) in each poll of
/// a pull adapter over an input that is always ready, read 1 MiB at a
/// time: never more than one per poll, and the adapter yields.
#[::tokio::test(flavor = "multi_thread")]
async fn one_step_per_poll() {
    let mut rng = Rng::new(53);
    let basis = rng.bytes(4 << 20);
    let opts = SignatureOptions::new()
        .magic(SigMagic::Blake2)
        .block_len(1024);
    let (sig, delta) = sync_bytes(&basis, &basis, &opts);
    let loaded = load_signature_of(&sig).unwrap();

    let steps = Arc::new(AtomicU64::new(0));
    let counter = steps.clone();
    // The delta of a file against itself: runs that make no output, which
    // a poll would otherwise chain.
    let mut r = a::DeltaReader::new(&loaded, &basis[..])
        .unwrap()
        .with_progress(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut polls, mut yields) = (0u64, 0u64);
    loop {
        let before = steps.load(Ordering::Relaxed);
        let n = poll_fn(|cx| {
            polls += 1;
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut r).poll_read(cx, &mut rb) {
                Poll::Ready(res) => Poll::Ready(res.map(|()| rb.filled().len())),
                Poll::Pending => {
                    assert!(steps.load(Ordering::Relaxed) - before <= 1);
                    yields += 1;
                    Poll::Ready(Ok(usize::MAX))
                }
            }
        })
        .await
        .unwrap();
        assert!(
            steps.load(Ordering::Relaxed) - before <= 1,
            "more than one step in a poll"
        );
        match n {
            0 => break,
            usize::MAX => ::tokio::task::yield_now().await,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
    assert_eq!(out, delta);
    assert!(yields > 2, "{yields} yields in {polls} polls");
    assert_eq!(r.progress().consumed, basis.len() as u64);

    // A push adapter given 4 MiB at once takes one buffer per poll and
    // runs the job at most once.
    let steps = Arc::new(AtomicU64::new(0));
    let counter = steps.clone();
    let mut w = a::DeltaWriter::new(&loaded, Vec::new())
        .unwrap()
        .with_progress(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
    let mut data = &basis[..];
    while !data.is_empty() {
        let before = steps.load(Ordering::Relaxed);
        let res = poll_fn(|cx| match Pin::new(&mut w).poll_write(cx, data) {
            Poll::Pending => Poll::Ready(None),
            Poll::Ready(res) => Poll::Ready(Some(res)),
        })
        .await;
        assert!(
            steps.load(Ordering::Relaxed) - before <= 1,
            "more than one step in a poll"
        );
        match res {
            None => ::tokio::task::yield_now().await,
            Some(res) => data = &data[res.unwrap()..],
        }
    }
    assert_eq!(w.finish().await.unwrap(), delta);
}

/// The adapters are `Send`: each side of a signature → delta → patch runs
/// in its own spawned task, passing bytes through `tokio::io::duplex`.
#[::tokio::test(flavor = "multi_thread")]
async fn adapters_run_in_spawned_tasks() {
    let mut rng = Rng::new(77);
    let basis = rng.bytes(300_000);
    let new = edited(&mut rng, &basis);
    let opts = options(SigMagic::RkBlake2);
    let (want_sig, want_delta) = sync_bytes(&basis, &new, &opts);

    let input = std::io::Cursor::new(basis.clone());
    let sig = ::tokio::spawn(async move {
        let reader = a::SignatureReader::new(input, &opts).unwrap();
        read_all(reader, 4096).await.unwrap()
    })
    .await
    .unwrap();
    assert_eq!(sig, want_sig);

    let loaded: &'static crate::Signature = Box::leak(Box::new(load_signature_of(&sig).unwrap()));
    let (to_delta, from_delta) = ::tokio::io::duplex(64 * 1024);
    let new_bytes = new.clone();
    let writer = ::tokio::spawn(async move {
        let mut w = a::DeltaWriter::new(loaded, to_delta).unwrap();
        write_in(&mut w, &new_bytes, 7000).await.unwrap();
        w.finish().await.unwrap().shutdown().await.unwrap();
    });
    let delta = read_all(from_delta, 4096).await.unwrap();
    writer.await.unwrap();
    assert_eq!(delta, want_delta);

    let patched = ::tokio::spawn(async move {
        let reader = a::PatchReader::new(basis, std::io::Cursor::new(delta));
        read_all(reader, 1 << 20).await.unwrap()
    })
    .await
    .unwrap();
    assert_eq!(patched, new);
}
