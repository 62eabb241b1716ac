//! Turning the buffers a C caller lends into Rust slices without aliasing.
//!
//! A `&[u8]` over the input and a `&mut [u8]` over the output may only exist
//! together if the two do not overlap; C callers are allowed to pass
//! overlapping buffers (and get garbage, not a crash, from C). So the overlap
//! is decided on the raw addresses before any slice is made, and an
//! overlapping input is read from a private copy.

use std::borrow::Cow;

/// Whether `a_len` bytes at `a` and `b_len` bytes at `b` share an address.
pub(crate) fn overlaps(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len > 0 && b_len > 0 && a < b.wrapping_add(b_len) && b < a.wrapping_add(a_len)
}

/// The `len` input bytes at `input`, borrowed when they do not overlap the
/// `out_len` output bytes at `output`, copied when they do (or when `len` is
/// 0, as an empty slice, whatever `input` is).
///
/// # Safety
/// `input` must be valid for `len` reads for `'a`, and no `&mut` reference
/// over those bytes may exist while the result is borrowed, except one over
/// the `out_len` bytes at `output`.
pub(crate) unsafe fn lent_input<'a>(
    input: *const u8,
    len: usize,
    output: *const u8,
    out_len: usize,
) -> Cow<'a, [u8]> {
    if len == 0 {
        return Cow::Borrowed(&[]);
    }
    if overlaps(input, len, output, out_len) {
        let mut owned = vec![0u8; len];
        // SAFETY: `input` is readable for `len` bytes (caller's promise);
        // the copy reads through the raw pointer, so no reference to the
        // shared bytes is made, and `owned` is a fresh allocation.
        unsafe { std::ptr::copy_nonoverlapping(input, owned.as_mut_ptr(), len) };
        Cow::Owned(owned)
    } else {
        // SAFETY: readable for `len` bytes for `'a`, and not overlapping the
        // one `&mut` the caller may make (checked above).
        Cow::Borrowed(unsafe { std::slice::from_raw_parts(input, len) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_decided_on_addresses() {
        let buf = [0u8; 16];
        let p = buf.as_ptr();
        assert!(overlaps(p, 4, p.wrapping_add(3), 4));
        assert!(!overlaps(p, 4, p.wrapping_add(4), 4));
        assert!(!overlaps(p.wrapping_add(4), 4, p, 4));
        assert!(!overlaps(p, 0, p, 4));
        assert!(overlaps(p.wrapping_add(2), 1, p, 16));
    }

    #[test]
    fn overlapping_input_is_copied() {
        let buf = *b"abcdefgh";
        let p = buf.as_ptr();
        // SAFETY: both windows lie inside `buf`, and no `&mut` exists.
        let (shared, apart) = unsafe {
            (
                lent_input(p, 4, p.wrapping_add(2), 4),
                lent_input(p, 4, p.wrapping_add(4), 4),
            )
        };
        assert!(matches!(shared, Cow::Owned(_)));
        assert!(matches!(apart, Cow::Borrowed(_)));
        assert_eq!(&*shared, b"abcd");
        assert_eq!(&*apart, b"abcd");
    }
}
