//! Byte searches eight bytes at a time (SWAR over `u64` words), for the scan of a whole
//! `Cookie` header. Wasm has no SIMD in the build the package ships, and `core`'s and
//! `memchr`'s portable searches read `usize` words (four bytes on wasm32): measured on a
//! repeated session decision in the npm package, this halved the header's scan
//! (docs/decisions/sessions.md, "Repeats and cost"). Tried on the JSON reader's string and
//! bracket scans too: 2% fewer instructions natively, nothing measurable in Wasm (its
//! strings are short), so the reader keeps its plain loops.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero exactly when some byte of `x` is below `n` (`n` ≤ 128; 1: a zero byte). Set
/// bits above the lowest true one may be false: callers find the byte itself in the word.
#[inline(always)]
fn has_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// Index of the first word of `bytes` for which `hit` is true (its offset, a multiple of
/// 8), or the offset of the tail shorter than a word.
#[inline(always)]
fn first_word(bytes: &[u8], hit: impl Fn(u64) -> bool) -> usize {
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if hit(u64::from_le_bytes(word)) {
            break;
        }
        at += 8;
    }
    at
}

/// The position of the first byte of `bytes` that is one of `set` (each below 0x80).
#[inline]
pub(crate) fn first_of<const N: usize>(bytes: &[u8], set: [u8; N]) -> Option<usize> {
    let at = first_word(bytes, |word| {
        set.iter().fold(0, |hits, &b| {
            hits | has_below(word ^ (ONES * u64::from(b)), 1)
        }) != 0
    });
    let tail = bytes.get(at..)?;
    tail.iter().position(|b| set.contains(b)).map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_byte_of_the_set_at_every_offset_and_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..text.len() {
            for at in 0..len {
                for special in [b';', b',', b'%'] {
                    let mut bytes = text[..len].to_vec();
                    bytes[at] = special;
                    if at + 3 < len {
                        bytes[at + 3] = b';';
                    }
                    assert_eq!(first_of(&bytes, [b';', b',', b'%']), Some(at), "{len} {at}");
                }
            }
            assert_eq!(first_of(&text[..len], [b';', b',', b'%']), None);
        }
        // High bytes (UTF-8) are never one of the set.
        assert_eq!(first_of("é€;".as_bytes(), [b';']), Some(5));
    }
}
