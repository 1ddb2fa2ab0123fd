//! Helpers shared by the input tests: files crafted byte by byte.
// Each test crate that includes this module uses only some of its helpers.
#![allow(dead_code)]

/// A PNG chunk: length, type, data and the CRC-32 of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in &body {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend(body);
    out.extend((!crc).to_be_bytes());
    out
}

/// A tiny PNG with a valid header claiming `w` x `h` 8-bit RGB pixels and almost no
/// data (an empty zlib stream).
pub fn hostile_png(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

/// A zlib stream of `data` in one stored (uncompressed) deflate block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend_from_slice(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

/// A palette PNG (colour type 3, 8-bit indices): `rows` of indices into `palette`.
pub fn palette_png(palette: &[[u8; 3]], rows: &[&[u8]]) -> Vec<u8> {
    let (w, h) = (rows[0].len() as u32, rows.len() as u32);
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 3, 0, 0, 0]);
    let plte: Vec<u8> = palette.iter().flatten().copied().collect();
    let mut raw = Vec::new();
    for row in rows {
        raw.push(0); // filter type None
        raw.extend_from_slice(row);
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"PLTE", &plte));
    png.extend(png_chunk(b"IDAT", &zlib_stored(&raw)));
    png.extend(png_chunk(b"IEND", &[]));
    png
}
