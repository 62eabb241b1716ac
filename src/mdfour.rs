//! MD4: `rs_mdfour`, `rs_mdfour_begin`, `rs_mdfour_update`,
//! `rs_mdfour_result`, keeping the state in the caller's `rs_mdfour_t`.

use std::ffi::{c_int, c_void};

use super::{guard, rs_mdfour_t};
use crate::lent::lent_input;
use librsync_rs::checksum::{md4, Md4};
use librsync_rs::compat::Md4State;
use librsync_rs::MD4_SUM_LENGTH;

impl rs_mdfour_t {
    fn load(&self) -> Md4 {
        // A corrupted length cannot make us read outside the tail.
        Md4::from(Md4State {
            abcd: [self.a, self.b, self.c, self.d],
            total_n: self.total_n,
            tail_len: (self.tail_len.max(0) as usize).min(self.tail.len() - 1),
            tail: self.tail,
        })
    }

    fn store(&mut self, s: &Md4) {
        let s = Md4State::from(s);
        [self.a, self.b, self.c, self.d] = s.abcd;
        self.total_n = s.total_n;
        self.tail_len = s.tail_len as c_int;
        self.tail = s.tail;
    }
}

/// MD4 of `n` bytes at `input` into the 16 bytes at `out`.
#[no_mangle]
pub unsafe extern "C" fn rs_mdfour(out: *mut u8, input: *const c_void, n: usize) {
    guard((), || {
        if out.is_null() || (input.is_null() && n > 0) {
            return;
        }
        // SAFETY: the caller provides `n` readable bytes and 16 writable ones.
        unsafe {
            let data = if n == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(input as *const u8, n)
            };
            std::ptr::copy_nonoverlapping(md4(data).as_ptr(), out, MD4_SUM_LENGTH);
        }
    })
}

/// Starts an MD4 computation in `md`.
#[no_mangle]
pub unsafe extern "C" fn rs_mdfour_begin(md: *mut rs_mdfour_t) {
    guard((), || {
        // SAFETY: `md` points to an `rs_mdfour_t` (96 bytes) owned by the caller.
        if let Some(md) = unsafe { md.as_mut() } {
            md.tail = [0; 64];
            md.store(&Md4::new());
        }
    })
}

/// Feeds `n` bytes to the MD4 computation in `md`.
#[no_mangle]
pub unsafe extern "C" fn rs_mdfour_update(md: *mut rs_mdfour_t, in_void: *const c_void, n: usize) {
    guard((), || {
        if md.is_null() || (in_void.is_null() && n > 0) {
            return;
        }
        // SAFETY: `md` points to a caller-owned state, `in_void` to `n` bytes;
        // input that overlaps the state is read from a copy.
        unsafe {
            let state_len = std::mem::size_of::<rs_mdfour_t>();
            let data = lent_input(in_void as *const u8, n, md as *const u8, state_len);
            let md = &mut *md;
            let mut state = md.load();
            state.update(&data);
            md.store(&state);
        }
    })
}

/// Pads and writes the 16-byte digest to `out`. As in librsync the state
/// keeps the padding.
#[no_mangle]
pub unsafe extern "C" fn rs_mdfour_result(md: *mut rs_mdfour_t, out: *mut u8) {
    guard((), || {
        // SAFETY: `md` points to a caller-owned state, `out` to 16 bytes.
        unsafe {
            let Some(md) = md.as_mut() else { return };
            let mut state = md.load();
            let digest = state.result();
            md.store(&state);
            if !out.is_null() {
                std::ptr::copy_nonoverlapping(digest.as_ptr(), out, MD4_SUM_LENGTH);
            }
        }
    })
}
