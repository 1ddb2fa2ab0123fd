//! GIF's LZW compression, written for the frames `record` makes. weezl (the `gif` crate's
//! compressor) spent 1.3 of the 2.2 s of CPU of 100 frames at 120x40 walking its tree
//! one byte at a time, and those frames are mostly long runs of the transparent index.
//! Here a byte costs one lookup in a small hash table that stays in the L1 cache, and
//! a run of one byte jumps to the longest run string in the table at once. The codes
//! are weezl's (a clear code first, the code size growing as the table fills, a clear
//! code and a fresh table when it is full), byte for byte wherever weezl's table keeps
//! every entry it numbers; where it leaves one out (a string's 17th successor) this
//! table keeps it, so the output is a few bytes smaller. Tests check both and read
//! every stream back with the `gif` crate's decoder.

/// Codes are at most 12 bits: 4096 table entries.
const MAX_CODES: u32 = 1 << 12;
/// Hash slots (a power of two): at most half full.
const SLOTS: usize = 1 << 13;

/// Replaces a frame's indices with their compressed form for
/// `gif::Encoder::write_lzw_pre_encoded_frame` (the minimum code size, then the codes),
/// as `gif::Frame::make_lzw_pre_encoded` does.
pub fn make_lzw_pre_encoded(frame: &mut gif::Frame<'_>) {
    let mut out = Vec::with_capacity(frame.buffer.len() / 8 + 16);
    encode(&frame.buffer, &mut out);
    frame.buffer = std::borrow::Cow::Owned(out);
}

/// The minimum code size byte and the LZW codes of `data`, appended to `out`.
pub fn encode(data: &[u8], out: &mut Vec<u8>) {
    // The minimum code size the gif crate picks: enough bits for the largest index, at
    // least 2 (its scan stops at the first index above 127, which needs 8 anyway).
    let largest = data
        .iter()
        .copied()
        .find(|&b| b > 127)
        .unwrap_or_else(|| data.iter().copied().max().unwrap_or(0));
    let min_size = (u32::from(largest) + 1)
        .max(4)
        .next_power_of_two()
        .trailing_zeros();
    out.push(min_size as u8);
    let clear = 1u32 << min_size;
    let first_free = clear + 2;
    let mut bits = Bits::new(out);
    let mut size = min_size + 1;
    let mut next = first_free;
    let mut table = vec![0u32; SLOTS];
    bits.put(clear, size);
    let Some(&first) = data.first() else {
        bits.put(clear + 1, size);
        bits.finish();
        return;
    };
    // Runs of one byte (most of a frame: the transparent index) skip the table: the
    // strings b, bb, bbb, ... in the table are always a prefix of that list (bbb is
    // added only once bb is there), so `runs[b]` holds their codes in order and a run
    // jumps to the longest one it reaches, exactly where byte-by-byte lookups would
    // have gone. `run_of[code]` is (b, k) for the code of b repeated k times, else k 0.
    let mut runs: Vec<Vec<u16>> = vec![Vec::new(); 256];
    let mut run_of = vec![(0u8, 0u16); MAX_CODES as usize + 1];
    let reset_runs = |runs: &mut Vec<Vec<u16>>, run_of: &mut Vec<(u8, u16)>| {
        runs.iter_mut().for_each(Vec::clear);
        run_of.fill((0, 0));
        for b in 0..clear.min(256) {
            runs[b as usize].push(b as u16);
            run_of[b as usize] = (b as u8, 1);
        }
    };
    reset_runs(&mut runs, &mut run_of);
    let mut current = u32::from(first);
    let mut at = 1;
    while at < data.len() {
        let byte = data[at];
        let (run_byte, k) = run_of[current as usize];
        if k > 0 && run_byte == byte {
            let codes = &runs[usize::from(byte)];
            // Only as far as the longest run in the table reaches.
            let room = codes.len() - usize::from(k);
            let same = run_length(&data[at..(at + room).min(data.len())], byte);
            let reach = usize::from(k) + same;
            current = u32::from(codes[reach - 1]);
            at += reach - usize::from(k);
            if reach < codes.len() || at == data.len() || data[at] != byte {
                continue;
            }
        }
        let byte = data[at];
        at += 1;
        let key = (current << 8) | u32::from(byte);
        let mut slot = (key.wrapping_mul(0x9E37_79B1) >> (32 - 13)) as usize;
        loop {
            let entry = table[slot];
            if entry == 0 {
                // Not in the table: emit the string so far, add it with this byte.
                table[slot] = (key << 12) | next;
                let (run_byte, k) = run_of[current as usize];
                if k > 0 && run_byte == byte && next < MAX_CODES {
                    runs[usize::from(byte)].push(next as u16);
                    run_of[next as usize] = (byte, k + 1);
                }
                next += 1;
                bits.put(current, size);
                if next > 1 << size && size < 12 {
                    size += 1;
                }
                if next > MAX_CODES {
                    bits.put(clear, size);
                    table.fill(0);
                    reset_runs(&mut runs, &mut run_of);
                    next = first_free;
                    size = min_size + 1;
                }
                current = u32::from(byte);
                break;
            }
            if entry >> 12 == key {
                current = entry & 0xfff;
                break;
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
    }
    bits.put(current, size);
    // Reading that code, a decoder adds one more entry and may widen its codes first.
    if next >= 1 << size && size < 12 {
        size += 1;
    }
    bits.put(clear + 1, size);
    bits.finish();
}

/// How many of the first bytes of `data` equal `byte`, eight at a time.
fn run_length(data: &[u8], byte: u8) -> usize {
    let pattern = u64::from_ne_bytes([byte; 8]);
    let mut n = 0;
    let mut words = data.chunks_exact(8);
    for word in words.by_ref() {
        let diff = u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ pattern;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + words.remainder().iter().take_while(|&&b| b == byte).count()
}

/// Codes packed least significant bit first.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    count: u32,
}

impl<'a> Bits<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Bits {
            out,
            acc: 0,
            count: 0,
        }
    }

    #[inline(always)]
    fn put(&mut self, code: u32, size: u32) {
        self.acc |= u64::from(code) << self.count;
        self.count += size;
        if self.count >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.count -= 32;
        }
    }

    fn finish(self) {
        let bytes = self.count.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gif crate's own compression of `data` (weezl's), as a pre-encoded frame.
    fn reference(data: &[u8]) -> Vec<u8> {
        let mut frame = gif::Frame {
            buffer: std::borrow::Cow::Owned(data.to_vec()),
            ..Default::default()
        };
        frame.make_lzw_pre_encoded();
        frame.buffer.into_owned()
    }

    fn ours(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode(data, &mut out);
        out
    }

    /// A deterministic pseudo-random sequence (xorshift) of `len` values below `below`.
    fn noise(len: usize, below: u32, seed: u64) -> Vec<u8> {
        let mut s = seed | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % u64::from(below)) as u8
            })
            .collect()
    }

    /// `data` compressed by `encode` and read back by the gif crate's decoder, as the
    /// one frame of a GIF.
    fn round_trip(data: &[u8]) -> Vec<u8> {
        let (w, h) = if data.len() > 60_000 {
            (data.len() / 10, 10)
        } else {
            (data.len(), 1)
        };
        assert_eq!(w * h, data.len());
        let mut bytes = Vec::new();
        {
            let palette = vec![0u8; 256 * 3];
            let mut encoder = gif::Encoder::new(&mut bytes, w as u16, h as u16, &palette).unwrap();
            let frame = gif::Frame {
                width: w as u16,
                height: h as u16,
                buffer: std::borrow::Cow::Owned(ours(data)),
                ..Default::default()
            };
            encoder.write_lzw_pre_encoded_frame(&frame).unwrap();
        }
        let mut decoder = gif::DecodeOptions::new().read_info(&bytes[..]).unwrap();
        decoder.read_next_frame().unwrap().unwrap().buffer.to_vec()
    }

    fn cases(alphabets: &[u32]) -> Vec<Vec<u8>> {
        let mut cases = Vec::new();
        // Random (the table fills and clears many times) and in runs (long strings),
        // across sizes around 4096 codes.
        for &below in alphabets {
            for len in [1, 2, 3, 50, 4093, 4094, 4095, 4096, 4097, 9000, 70_000] {
                cases.push(noise(len, below, len as u64 + u64::from(below)));
            }
            let mut runs: Vec<u8> = noise(3000, below, 99)
                .into_iter()
                .zip(noise(3000, 40, 7))
                .flat_map(|(v, n)| std::iter::repeat_n(v, usize::from(n) + 1))
                .collect();
            runs.truncate(runs.len() / 10 * 10);
            cases.push(runs);
        }
        cases
    }

    #[test]
    fn up_to_sixteen_symbols_the_bytes_are_the_gif_crates_own() {
        // With at most 16 different bytes no string has more than 16 successors, the
        // most weezl's table lists before it turns a node into a full one (and then
        // leaves out the entry that made it full: a code it never uses again). Below
        // that the two compressors agree code for code.
        let mut all = cases(&[2, 3, 4, 5, 16]);
        all.extend([
            vec![],
            vec![0],
            vec![7],
            vec![3, 3],
            vec![15; 5],
            vec![0; 100_000],
        ]);
        for data in all {
            assert_eq!(
                ours(&data),
                reference(&data),
                "{} bytes, largest {:?}",
                data.len(),
                data.iter().max()
            );
        }
    }

    #[test]
    fn every_alphabet_reads_back_and_is_no_larger_than_the_gif_crates() {
        let mut all = cases(&[2, 17, 100, 128, 129, 256]);
        all.extend([vec![255; 5], (0..=255).collect()]);
        let (mut ours_total, mut theirs_total) = (0, 0);
        for data in all {
            assert_eq!(round_trip(&data), data, "{} bytes", data.len());
            ours_total += ours(&data).len();
            theirs_total += reference(&data).len();
        }
        assert!(
            ours_total <= theirs_total,
            "{ours_total} bytes against the gif crate's {theirs_total}"
        );
    }
}
