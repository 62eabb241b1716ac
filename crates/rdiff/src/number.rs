//! Integer option values as popt reads them: C's `strtoll(s, &end, 0)` (base
//! from the prefix: `0x` hex, `0` octal), the whole word used, then checked
//! against the range of a C `int`.

/// Why a value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number, or text after it (`POPT_ERROR_BADNUMBER`).
    Invalid,
    /// Outside the range of `int` (`POPT_ERROR_OVERFLOW`).
    Range,
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The value of digit `c` in `base`, if it is one.
fn digit(c: u8, base: u32) -> Option<u32> {
    (c as char).to_digit(base)
}

/// `strtoll(s, &end, 0)`: the value (saturated as glibc does on overflow)
/// and how many bytes were used (0 when there is no number at all).
pub fn strtoll(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let base = if s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(|&c| digit(c, 16).is_some())
    {
        i += 2;
        16
    } else if s.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    let start = i;
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&c| digit(c, base)) {
        match magnitude
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    let value = if negative {
        if overflow || magnitude > 1 << 63 {
            i64::MIN
        } else {
            (magnitude as i64).wrapping_neg()
        }
    } else if overflow || magnitude > i64::MAX as u64 {
        i64::MAX
    } else {
        magnitude as i64
    };
    (value, i)
}

/// A `POPT_ARG_INT` value: all of `s` must be a number (an empty word is 0,
/// as `strtoll` leaves `end` at the terminating NUL), within `int` range.
pub fn parse_c_int(s: &[u8]) -> Result<i32, NumberError> {
    let (value, used) = strtoll(s);
    if used != s.len() {
        return Err(NumberError::Invalid);
    }
    i32::try_from(value).map_err(|_| NumberError::Range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_strtoll_base_0() {
        assert_eq!(parse_c_int(b"1024"), Ok(1024));
        assert_eq!(parse_c_int(b"0x400"), Ok(1024));
        assert_eq!(parse_c_int(b"0X1f"), Ok(31));
        assert_eq!(parse_c_int(b"010"), Ok(8));
        assert_eq!(parse_c_int(b"-1"), Ok(-1));
        assert_eq!(parse_c_int(b"+7"), Ok(7));
        assert_eq!(parse_c_int(b" \t12"), Ok(12));
        assert_eq!(parse_c_int(b"-0x10"), Ok(-16));
        assert_eq!(parse_c_int(b""), Ok(0));
        assert_eq!(parse_c_int(b"0"), Ok(0));
        assert_eq!(parse_c_int(b"-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_c_int(b"2147483647"), Ok(i32::MAX));
    }

    #[test]
    fn refusals() {
        for bad in [
            &b"12 "[..],
            b"0x",
            b"08",
            b"x",
            b" ",
            b"-",
            b"+",
            b"1e3",
            b"0x1g",
        ] {
            assert_eq!(parse_c_int(bad), Err(NumberError::Invalid), "{bad:?}");
        }
        for big in [
            &b"2147483648"[..],
            b"-2147483649",
            b"99999999999999999999999",
            b"-0x8000000000000001",
        ] {
            assert_eq!(parse_c_int(big), Err(NumberError::Range), "{big:?}");
        }
    }

    #[test]
    fn saturates() {
        assert_eq!(strtoll(b"99999999999999999999"), (i64::MAX, 20));
        assert_eq!(strtoll(b"-9223372036854775808"), (i64::MIN, 20));
        assert_eq!(strtoll(b"0x"), (0, 1));
    }
}
