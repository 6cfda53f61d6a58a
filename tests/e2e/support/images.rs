//! Small images for the photo tests, built here byte by byte: a JPEG whose EXIF holds a
//! real GPS position (Seoul), a 1×1 PNG any viewer opens, and a WebP with EXIF and XMP.

use bytes::Bytes;
use img_parts::png::PngChunk;
use img_parts::riff::{RiffChunk, RiffContent};

/// A JPEG segment with a length: `FF marker len contents`.
fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let len = u16::try_from(contents.len() + 2).expect("short segment");
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(contents);
    s
}

/// The GPS position in [`GPS_TIFF`]: 37°33'59" N (as three rationals, big-endian).
pub const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 37, 0, 0, 0, 1, 0, 0, 0, 33, 0, 0, 0, 1, 0, 0, 0, 59, 0, 0, 0, 1,
];

/// EXIF data (a big-endian TIFF structure): IFD0 points at a GPS IFD holding latitude
/// 37°33'59" N and longitude 126°58'41" E.
pub fn gps_tiff() -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: one entry, GPSInfo (0x8825, LONG) → the GPS IFD at offset 26.
    t.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD at 26: four entries, then the rationals at 80 and 104.
    t.extend([0, 4]);
    t.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    t.extend([0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80]); // GPSLatitude
    t.extend([0, 3, 0, 2, 0, 0, 0, 2, b'E', 0, 0, 0]); // GPSLongitudeRef "E"
    t.extend([0, 4, 0, 5, 0, 0, 0, 3, 0, 0, 0, 104]); // GPSLongitude
    t.extend([0, 0, 0, 0]);
    assert_eq!(t.len(), 80);
    t.extend(GPS_LATITUDE);
    t.extend([
        0, 0, 0, 126, 0, 0, 0, 1, 0, 0, 0, 58, 0, 0, 0, 1, 0, 0, 0, 41, 0, 0, 0, 1,
    ]);
    t
}

/// The entropy-coded data of the test JPEG's scan: what must survive byte for byte.
pub const SCAN_DATA: &[u8] = &[0x12, 0xFF, 0x00, 0x34, 0x56, 0x78];

/// A baseline 1×1 JPEG's structure, as a camera writes it: JFIF, EXIF with GPS, an XMP
/// packet naming the author, a comment, then the tables, the frame and one scan.
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(gps_tiff());
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    j.extend(segment(0xE1, &exif));
    j.extend(segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Alice Kim</x:xmpmeta>",
    ));
    j.extend(segment(0xFE, b"taken at home"));
    j.extend(segment(0xDB, &[0u8; 65]));
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(segment(0xC4, &[0u8; 17]));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(SCAN_DATA);
    j.extend([0xFF, 0xD9]);
    j
}

fn png_chunk(kind: &[u8; 4], contents: &[u8]) -> Vec<u8> {
    PngChunk::new(*kind, Bytes::copy_from_slice(contents))
        .encoder()
        .bytes()
        .to_vec()
}

/// A real 1×1 PNG (one teal pixel), with a text chunk naming its author; `padding` extra
/// bytes in a private ancillary chunk make it as large as a test needs.
pub fn png(padding: usize) -> Vec<u8> {
    // One scanline: filter 0, then R, G, B; deflate "stored" block; Adler-32.
    let raw = [0u8, 0x12, 0xA5, 0x94];
    let (mut a, mut b) = (1u32, 0u32);
    for byte in raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 0x01, 4, 0, 0xFB, 0xFF];
    zlib.extend(raw);
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
    p.extend(png_chunk(b"tEXt", b"Author\0Alice Kim"));
    if padding > 0 {
        p.extend(png_chunk(b"prVt", &vec![0u8; padding]));
    }
    p.extend(png_chunk(b"IDAT", &zlib));
    p.extend(png_chunk(b"IEND", b""));
    p
}

/// A WebP (lossless, 1×1) with EXIF (GPS) and XMP chunks announced in its VP8X header.
pub fn webp_with_metadata() -> Vec<u8> {
    let data =
        |id: &[u8; 4], b: &[u8]| RiffChunk::new(*id, RiffContent::Data(Bytes::copy_from_slice(b)));
    RiffChunk::new(
        *b"RIFF",
        RiffContent::List {
            kind: Some(*b"WEBP"),
            subchunks: vec![
                data(b"VP8X", &[0b0000_1100, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                data(b"VP8L", &[0x2F, 0, 0, 0, 0, 0x88, 0x88, 0x08]),
                data(b"EXIF", &gps_tiff()),
                data(b"XMP ", b"<x:xmpmeta>Alice Kim</x:xmpmeta>"),
            ],
        },
    )
    .encoder()
    .bytes()
    .to_vec()
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
