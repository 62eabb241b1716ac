use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use librsync_rs_scenarios::chunked::{
    read_all, write_in_steps as write_in, Chunked, ChunkedSink, STEPS,
};
use librsync_rs_scenarios::Rng;

use super::*;
use crate::magic::SigMagic;
use crate::{delta, load_signature, patch, signature, ErrorKind, StrongLen};

/// The read and write sizes every adapter test uses.
pub(super) const SIZES: [usize; 4] = STEPS;
/// The four signature formats.
pub(super) const MAGICS: [SigMagic; 4] = SigMagic::ALL;

fn whole_sig(basis: &[u8], opts: &SignatureOptions) -> Vec<u8> {
    let mut out = Vec::new();
    signature(basis, &mut out, opts).unwrap();
    out
}

fn whole_delta(sig: &Signature, new: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    delta(sig, new, &mut out, BufferSizes::default()).unwrap();
    out
}

fn whole_patch(basis: &[u8], d: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    patch(basis, d, &mut out, BufferSizes::default()).unwrap();
    out
}

/// Every adapter, with every read and write size, gives the whole-stream
/// helper's bytes for `basis`, `new` and `opts`.
fn check_all(basis: &[u8], new: &[u8], opts: &SignatureOptions) {
    let sig_bytes = whole_sig(basis, opts);
    let (sig, _) = load_signature(&sig_bytes[..], None).unwrap();
    let d = whole_delta(&sig, new);
    let rebuilt = whole_patch(basis, &d);
    assert_eq!(rebuilt, new);
    for step in SIZES {
        let ctx = format!("{:?} step {step}", opts.magic);
        // Pull.
        let r = SignatureReader::new(Chunked { data: basis, step }, opts).unwrap();
        assert_eq!(read_all(r, step).unwrap(), sig_bytes, "{ctx}");
        let r = DeltaReader::new(&sig, Chunked { data: new, step }).unwrap();
        assert_eq!(read_all(r, step).unwrap(), d, "{ctx}");
        let r = PatchReader::new(basis, Chunked { data: &d, step });
        assert_eq!(read_all(r, step).unwrap(), new, "{ctx}");
        // Push.
        let sink = || ChunkedSink {
            out: Vec::new(),
            step,
        };
        let mut w = SignatureWriter::new(sink(), opts).unwrap();
        write_in(&mut w, basis, step).unwrap();
        w.flush().unwrap();
        assert_eq!(w.finish().unwrap().out, sig_bytes, "{ctx}");
        let mut w = DeltaWriter::new(&sig, sink()).unwrap();
        write_in(&mut w, new, step).unwrap();
        assert_eq!(w.finish().unwrap().out, d, "{ctx}");
        let mut w = PatchWriter::new(basis, sink());
        write_in(&mut w, &d, step).unwrap();
        assert_eq!(w.finish().unwrap().out, new, "{ctx}");
    }
    // One-shots (the slice's length as the basis size).
    let sized = SignatureOptions {
        basis_size: Some(basis.len() as u64),
        ..*opts
    };
    let sized_sig = whole_sig(basis, &sized);
    assert_eq!(signature_of(basis, opts).unwrap(), sized_sig);
    let loaded = load_signature_of(&sized_sig).unwrap();
    assert!(loaded.has_index());
    let (sized_loaded, _) = load_signature(&sized_sig[..], None).unwrap();
    let d2 = whole_delta(&sized_loaded, new);
    assert_eq!(delta_of(&loaded, new).unwrap(), d2);
    assert_eq!(patch_of(basis, &d2).unwrap(), new);
    assert_eq!(patch_of(basis, &d).unwrap(), new);
}

#[test]
fn adapters_match_the_whole_stream_helpers() {
    let mut rng = Rng::new(9);
    let basis = rng.text(150_000);
    let new = rng.mutate(&basis, 20);
    for magic in MAGICS {
        let opts = SignatureOptions {
            magic,
            block_len: Some(700),
            strong_len: StrongLen::Exact(12),
            ..Default::default()
        };
        check_all(&basis, &new, &opts);
    }
    // Random bytes with the recommended lengths for the size.
    let basis = rng.bytes(100_000);
    let new = rng.mutate(&basis, 5);
    let opts = SignatureOptions {
        basis_size: Some(basis.len() as u64),
        ..Default::default()
    };
    check_all(&basis, &new, &opts);
}

#[test]
fn empty_inputs() {
    let mut rng = Rng::new(3);
    let data = rng.bytes(5000);
    for magic in MAGICS {
        let opts = SignatureOptions {
            magic,
            ..Default::default()
        };
        check_all(b"", b"", &opts);
        check_all(b"", &data, &opts);
        check_all(&data, b"", &opts);
    }
}

/// Against a signature without blocks the delta has one LITERAL command
/// per input buffer: the adapters fill theirs as the helpers do.
#[test]
fn slack_deltas_follow_the_helpers_buffers() {
    let mut rng = Rng::new(5);
    let new = rng.bytes(20_000);
    for block_len in [1, 100, 2048] {
        let opts = SignatureOptions::new().block_len(block_len);
        let (sig, _) = load_signature(&whole_sig(b"", &opts)[..], None).unwrap();
        let d = whole_delta(&sig, &new);
        for step in SIZES {
            let r = DeltaReader::new(&sig, Chunked { data: &new, step }).unwrap();
            assert_eq!(read_all(r, step).unwrap(), d, "{block_len} {step}");
            let mut w = DeltaWriter::new(&sig, Vec::new()).unwrap();
            write_in(&mut w, &new, step).unwrap();
            assert_eq!(w.finish().unwrap(), d, "{block_len} {step}");
        }
        let sizes = BufferSizes {
            input: 3000,
            output: 0,
        };
        let mut sized = Vec::new();
        delta(&sig, &new[..], &mut sized, sizes).unwrap();
        let r = DeltaReader::with_buffer_sizes(
            &sig,
            Chunked {
                data: &new,
                step: 7,
            },
            sizes,
        );
        assert_eq!(read_all(r.unwrap(), 7).unwrap(), sized);
    }
}

/// Runs `f` with the library's log silenced.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let _guard = crate::trace::TEST_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    crate::trace::set_sink(crate::trace::Sink::Silent);
    let t = f();
    crate::trace::set_sink(crate::trace::Sink::Stderr);
    t
}

fn unpack(err: io::Error) -> Error {
    *err.into_inner().unwrap().downcast::<Error>().unwrap()
}

#[test]
fn errors_map_to_io_kinds_and_back() {
    let basis = b"hello world".to_vec();
    let cases: [(&[u8], io::ErrorKind, Error); 4] = [
        (
            b"nope",
            io::ErrorKind::InvalidData,
            Error::new(ErrorKind::BadMagic),
        ),
        (
            b"rs\x026\x55",
            io::ErrorKind::InvalidData,
            Error::new(ErrorKind::Corrupt),
        ),
        (
            b"rs\x026\x45\x00",
            io::ErrorKind::UnexpectedEof,
            Error::new(ErrorKind::InputEnded),
        ),
        (
            b"rs\x026\x45\x20\x05\x00",
            io::ErrorKind::UnexpectedEof,
            Error::new(ErrorKind::InputEnded),
        ),
    ];
    quietly(|| {
        for (d, kind, code) in cases {
            let mut r = PatchReader::new(&basis[..], d);
            let err = r.read_to_end(&mut Vec::new()).unwrap_err();
            assert_eq!(err.kind(), kind, "{d:?}");
            assert_eq!(unpack(err), code);
            // A failed adapter stays failed.
            let err = r.read(&mut [0; 8]).unwrap_err();
            assert_eq!(Error::from_io(err), code);
            let mut w = PatchWriter::new(&basis[..], Vec::new());
            w.write_all(d).unwrap();
            assert_eq!(w.finish().unwrap_err(), code);
            assert_eq!(patch_of(&basis, d).unwrap_err(), code);
        }
        // A bad signature magic fails when the adapter is made.
        let opts = SignatureOptions {
            magic: SigMagic::Md4,
            strong_len: StrongLen::Exact(17),
            ..Default::default()
        };
        assert_eq!(
            SignatureReader::new(&b""[..], &opts).unwrap_err(),
            Error::new(ErrorKind::Param)
        );
        assert_eq!(
            load_signature_of(b"rs\x01\x00\0\0\x08\0\0\0\0\x08").unwrap_err(),
            Error::new(ErrorKind::BadMagic)
        );
    });
    // The inner reader's and writer's errors come back as they were.
    #[derive(Debug)]
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::PermissionDenied.into())
        }
    }
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::PermissionDenied.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut r = SignatureReader::new(Failing, &SignatureOptions::default()).unwrap();
    let err = r.read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    let w = SignatureWriter::new(Failing, &SignatureOptions::default()).unwrap();
    let e = w.finish().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(
        e.io_error().map(io::Error::kind),
        Some(io::ErrorKind::PermissionDenied)
    );
}

#[test]
fn limits() {
    let basis = vec![9u8; 10_000];
    // COPY(0, 10000) eight times, then END.
    let mut d = b"rs\x026".to_vec();
    for _ in 0..8 {
        d.extend_from_slice(&[0x46, 0, 0x27, 0x10]);
    }
    d.push(0);
    assert_eq!(patch_of_limited(&basis, &d, 80_000).unwrap().len(), 80_000);
    quietly(|| {
        assert_eq!(
            patch_of_limited(&basis, &d, 79_999),
            Err(Error::new(ErrorKind::Corrupt))
        );
        let mut r = PatchReader::with_limit(&basis[..], &d[..], 50_000);
        let err = read_all(&mut r, 4096).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(r.bytes_out() <= 50_000);
        let mut w = PatchWriter::with_limit(&basis[..], Vec::new(), 1);
        w.write_all(&d).unwrap();
        assert_eq!(w.finish().unwrap_err(), Error::new(ErrorKind::Corrupt));
    });
    let sig = load_signature_of(&signature_of(b"", &SignatureOptions::default()).unwrap()).unwrap();
    let new = Rng::new(1).bytes(50_000);
    let full = delta_of(&sig, &new).unwrap();
    assert_eq!(delta_of_limited(&sig, &new, full.len()).unwrap(), full);
    quietly(|| {
        let err = delta_of_limited(&sig, &new, full.len() - 1).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Corrupt);
        let limit = full.len() as u64 - 1;
        assert_eq!(
            err.message(),
            Some(format!("output would exceed the limit of {limit} bytes").as_str())
        );
        // The delta adapters: nothing past the limit is handed out, in
        // reads or writes of any size; at the limit, the whole delta.
        for step in STEPS {
            let mut r = DeltaReader::with_limit(&sig, &new[..], limit).unwrap();
            let err = read_all(&mut r, step).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(r.bytes_out() <= limit);
            let mut w = DeltaWriter::with_limit(&sig, Vec::new(), limit).unwrap();
            let written = write_in(&mut w, &new, step).and_then(|_| w.flush());
            let err = match written {
                Ok(()) => w.finish().unwrap_err(),
                Err(e) => Error::from_io(e),
            };
            assert_eq!(err.kind(), ErrorKind::Corrupt);
        }
    });
    let mut r = DeltaReader::with_limit(&sig, &new[..], full.len() as u64).unwrap();
    assert_eq!(read_all(&mut r, 4096).unwrap(), full);
    let mut w = DeltaWriter::with_limit(&sig, Vec::new(), full.len() as u64).unwrap();
    w.write_all(&new).unwrap();
    assert_eq!(w.finish().unwrap(), full);
}

#[test]
fn progress_adds_up_to_the_totals() {
    let mut rng = Rng::new(11);
    let basis = rng.bytes(600_000);
    let new = rng.mutate(&basis, 10);
    let opts = SignatureOptions::default();
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let log = seen.clone();
    let mut r = SignatureReader::new(&basis[..], &opts)
        .unwrap()
        .with_progress(move |p| log.lock().unwrap().push(p));
    let sig_bytes = read_all(&mut r, 100).unwrap();
    let totals = Progress {
        consumed: basis.len() as u64,
        produced: sig_bytes.len() as u64,
    };
    assert_eq!(r.progress(), totals);
    assert_eq!(
        (r.stats().in_bytes, r.stats().out_bytes),
        (totals.consumed as i64, totals.produced as i64)
    );
    let mut whole_stats = Vec::new();
    let stats = signature(&basis[..], &mut whole_stats, &opts).unwrap();
    assert_eq!(
        (stats.in_bytes, stats.out_bytes),
        (r.stats().in_bytes, r.stats().out_bytes)
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.last(), Some(&totals));
        assert!(seen.windows(2).all(|w| w[0].consumed <= w[1].consumed));
        // At most about one call per 64 KiB buffer.
        assert!(
            seen.len() <= 2 * (basis.len() / (64 << 10) + 2),
            "{}",
            seen.len()
        );
    }

    let (sig, _) = load_signature(&sig_bytes[..], None).unwrap();
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let mut w = DeltaWriter::new(&sig, Vec::new())
        .unwrap()
        .with_progress(move |_| *counter.lock().unwrap() += 1);
    write_in(&mut w, &new, 1000).unwrap();
    let (bytes_in, bytes_out) = (w.bytes_in(), w.bytes_out());
    assert_eq!(bytes_in, new.len() as u64);
    let stats = w.stats().clone();
    let d = w.finish().unwrap();
    assert!(bytes_out <= d.len() as u64);
    assert_eq!(stats.in_bytes, new.len() as i64);
    assert!(*calls.lock().unwrap() >= 1);

    let mut r = PatchReader::new(&basis[..], &d[..]);
    let out = read_all(&mut r, 4096).unwrap();
    assert_eq!(out, new);
    assert_eq!(r.progress().consumed, d.len() as u64);
    assert_eq!(r.progress().produced, new.len() as u64);
    assert_eq!(r.stats().out_bytes, new.len() as i64);
}

/// 64 MiB of zeros through a signature reader, read 7 bytes at a time:
/// the buffers never exceed their sizes.
#[test]
fn memory_stays_bounded() {
    let total = 64u64 << 20;
    let input = io::repeat(0).take(total);
    let opts = SignatureOptions {
        block_len: Some(2048),
        ..Default::default()
    };
    let mut r = SignatureReader::new(input, &opts).unwrap();
    let mut buf = [0u8; 7];
    let mut out_len = 0u64;
    let mut max_pending = 0;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out_len += n as u64;
        max_pending = max_pending.max(r.engine.pending().len());
    }
    assert_eq!(r.bytes_in(), total);
    assert_eq!(out_len, 12 + (total / 2048) * (4 + 32));
    assert!(r.engine.inbuf.capacity() <= r.engine.in_limit);
    assert!(r.engine.in_limit <= 256 << 10);
    assert!(r.engine.outbuf.capacity() <= engine::DEFAULT_OUT);
    assert!(max_pending <= engine::DEFAULT_OUT);

    // A patch that copies 64 MiB out of a small delta, written to a sink.
    let basis = vec![0u8; 1 << 20];
    let mut d = b"rs\x026".to_vec();
    for _ in 0..64 {
        d.extend_from_slice(&[0x47, 0, 0, 0x10, 0, 0]); // COPY(0, 1 MiB)
    }
    d.push(0);
    let mut w = PatchWriter::new(&basis[..], io::sink());
    w.write_all(&d).unwrap();
    assert!(w.engine.inbuf.capacity() <= PATCH_BUFFER);
    assert!(w.engine.outbuf.capacity() <= engine::DEFAULT_OUT);
    let produced_before_finish = w.bytes_out();
    assert_eq!(produced_before_finish, 0);
    w.finish().unwrap();
}

/// Dropping a writer without `finish` leaves the output without its tail.
#[test]
fn flush_does_not_end_the_stream() {
    let mut w = SignatureWriter::new(Vec::new(), &SignatureOptions::default()).unwrap();
    w.write_all(b"hello world").unwrap();
    w.flush().unwrap();
    assert!(w.get_ref().is_empty());
    w.write_all(b"!").unwrap();
    let sig = w.finish().unwrap();
    assert_eq!(
        sig,
        whole_sig(b"hello world!", &SignatureOptions::default())
    );
}

/// A reader or writer that fails with `WouldBlock` (or `Interrupted`) on
/// every other call, and passes at most `step` bytes.
struct Flaky<T> {
    inner: T,
    calls: usize,
    step: usize,
}

fn flaky<T>(inner: T, step: usize) -> Flaky<T> {
    Flaky {
        inner,
        calls: 0,
        step,
    }
}

impl<T> Flaky<T> {
    fn hiccup(&mut self) -> io::Result<()> {
        self.calls += 1;
        match self.calls % 4 {
            1 => Err(io::ErrorKind::WouldBlock.into()),
            3 => Err(io::ErrorKind::Interrupted.into()),
            _ => Ok(()),
        }
    }
}

impl<T: Read> Read for Flaky<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.hiccup()?;
        let n = buf.len().min(self.step);
        self.inner.read(&mut buf[..n])
    }
}

impl<T: Write> Write for Flaky<T> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hiccup()?;
        let n = data.len().min(self.step);
        self.inner.write(&data[..n])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.hiccup()?;
        self.inner.flush()
    }
}

/// Reads all of `r`, retrying on `WouldBlock`.
fn read_retrying(mut r: impl Read, step: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; step];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// Writes all of `data` to `w`, retrying on `WouldBlock`.
fn write_retrying(w: &mut impl Write, mut data: &[u8], step: usize) {
    while !data.is_empty() {
        let n = data.len().min(step);
        match w.write(&data[..n]) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// Inner readers and writers that would block: the adapters go on where
/// they stopped, and the bytes are the same.
#[test]
fn would_block_is_resumable() {
    let mut rng = Rng::new(21);
    let basis = rng.text(200_000);
    let new = rng.mutate(&basis, 8);
    let opts = SignatureOptions::default();
    let sig_bytes = whole_sig(&basis, &opts);
    let (sig, _) = load_signature(&sig_bytes[..], None).unwrap();
    let (empty_sig, _) = load_signature(&whole_sig(b"", &opts)[..], None).unwrap();
    let d = whole_delta(&sig, &new);
    let slack = whole_delta(&empty_sig, &new);
    for step in [7, 5000] {
        let r = SignatureReader::new(flaky(&basis[..], step), &opts).unwrap();
        assert_eq!(read_retrying(r, step), sig_bytes);
        let r = DeltaReader::new(&empty_sig, flaky(&new[..], step)).unwrap();
        assert_eq!(read_retrying(r, step), slack);
        let r = PatchReader::new(&basis[..], flaky(&d[..], step));
        assert_eq!(read_retrying(r, step), new);

        let mut w = DeltaWriter::new(&sig, flaky(Vec::new(), step)).unwrap();
        write_retrying(&mut w, &new, step);
        while let Err(e) = w.try_finish() {
            assert_eq!(
                e.io_error().map(io::Error::kind),
                Some(io::ErrorKind::WouldBlock)
            );
        }
        assert!(w.write(b"x").is_err());
        assert_eq!(w.into_inner().inner, d);
        let mut w = PatchWriter::new(&basis[..], flaky(Vec::new(), step));
        write_retrying(&mut w, &d, step);
        while w.try_finish().is_err() {}
        assert_eq!(w.into_inner().inner, new);
    }
}

/// A push adapter's `write` reports the job's failure as an `io::Error`
/// that downcasts back.
#[test]
fn write_errors_downcast() {
    let mut d = b"rs\x026".to_vec();
    d.push(0x55);
    d.resize(200_000, 0);
    quietly(|| {
        let mut w = PatchWriter::new(&b""[..], Vec::new());
        let err = w.write_all(&d).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(unpack(err), Error::new(ErrorKind::Corrupt));
        assert_eq!(
            Error::from_io(w.write(b"x").unwrap_err()),
            Error::new(ErrorKind::Corrupt)
        );
        assert_eq!(w.finish().unwrap_err(), Error::new(ErrorKind::Corrupt));
    });
}

/// Over 4 GiB through a pull and a push adapter, in flat memory (run with
/// `--ignored`).
#[test]
#[ignore]
fn over_4_gib_in_flat_memory() {
    let total = (4u64 << 30) + 12345;
    let opts = SignatureOptions {
        magic: SigMagic::RkMd4,
        basis_size: Some(total),
        ..Default::default()
    };
    let mut r = SignatureReader::new(io::repeat(1).take(total), &opts).unwrap();
    let mut w = SignatureWriter::new(io::sink(), &opts).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut out = 0u64;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out += n as u64;
        w.write_all(&buf[..n]).unwrap();
    }
    assert_eq!(r.bytes_in(), total);
    assert_eq!(r.bytes_out(), out);
    assert!(r.engine.inbuf.capacity() <= r.engine.in_limit);
    assert!(r.engine.outbuf.capacity() <= engine::DEFAULT_OUT);
    assert!(w.engine.inbuf.capacity() <= w.engine.in_limit);
    assert_eq!(w.bytes_in(), out);
    w.finish().unwrap();
}

/// Jobs and adapters can move to other threads (bases, signatures and
/// progress callbacks are `Send`/`Sync`), so a program can hand them to a
/// thread pool or an async runtime.
#[test]
fn jobs_and_adapters_are_send() {
    fn send<T: Send>() {}
    send::<crate::Job<'static>>();
    send::<SignatureReader<std::fs::File>>();
    send::<DeltaReader<'static, std::fs::File>>();
    send::<PatchReader<'static, std::fs::File>>();
    send::<SignatureWriter<std::fs::File>>();
    send::<DeltaWriter<'static, std::fs::File>>();
    send::<PatchWriter<'static, std::fs::File>>();
    fn sync<T: Sync>() {}
    sync::<crate::Signature>();
}
