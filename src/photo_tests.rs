//! Metadata stripping, per format, on images built segment by segment.

use super::*;
use img_parts::png::PngChunk;

/// A JPEG segment with a length: `FF marker len contents`.
fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let len = u16::try_from(contents.len() + 2).expect("short segment");
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(contents);
    s
}

const GPS_EXIF: &[u8] = b"Exif\0\0MM\0\x2a\0\0\0\x08GPSLatitude 37.5665 N";
const SCAN_DATA: &[u8] = &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56];

/// A baseline 1×1 JPEG's structure with `header` segments after JFIF and `between` after
/// the first scan, then EOI and `trailer`.
fn jpeg(header: &[Vec<u8>], between: &[Vec<u8>], trailer: &[u8]) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    for h in header {
        j.extend(h);
    }
    j.extend(segment(0xDB, &[0u8; 65]));
    j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    j.extend(segment(0xC4, &[0u8; 17]));
    j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    j.extend_from_slice(SCAN_DATA);
    for b in between {
        j.extend(b);
    }
    j.extend([0xFF, 0xD9]);
    j.extend_from_slice(trailer);
    j
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn clean(raw: Vec<u8>) -> Result<CleanPhoto, PhotoError> {
    CleanPhoto::from_upload(Bytes::from(raw))
}

#[test]
fn jpeg_loses_exif_xmp_comments_and_trailers_and_keeps_its_picture() {
    let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01profile");
    let adobe = segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
    let raw = jpeg(
        &[
            segment(0xE1, GPS_EXIF),
            segment(
                0xE1,
                b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Alice</x:xmpmeta>",
            ),
            segment(0xE2, b"MPF\0secondary image offsets"),
            segment(0xED, b"Photoshop 3.0\0IPTC by Alice"),
            segment(0xFE, b"taken at home"),
            icc.clone(),
            adobe.clone(),
        ],
        &[
            segment(0xFE, b"comment between scans"),
            segment(0xE1, b"Exif\0\0GPS between scans"),
            segment(0xC4, &[1u8; 17]),
            segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]),
            vec![0x78, 0x9A],
        ],
        &jpeg(
            &[segment(0xE1, b"Exif\0\0GPS of the second image")],
            &[],
            &[],
        ),
    );
    let photo = clean(raw).expect("a JPEG");
    assert_eq!(photo.kind, PhotoKind::Jpeg);
    let b = &photo.bytes;
    for gone in [
        &b"GPS"[..],
        b"Exif",
        b"xmpmeta",
        b"MPF",
        b"IPTC",
        b"taken at home",
        b"between scans",
    ] {
        assert!(
            !contains(b, gone),
            "{} left in",
            String::from_utf8_lossy(gone)
        );
    }
    assert!(contains(b, &icc) && contains(b, &adobe), "colour kept");
    assert!(contains(b, SCAN_DATA), "scan data kept byte for byte");
    assert!(contains(b, &segment(0xC4, &[1u8; 17])), "later tables kept");
    assert!(b.starts_with(&[0xFF, 0xD8]) && b.ends_with(&[0x78, 0x9A, 0xFF, 0xD9]));
    // Nothing after the end of the (first) image.
    assert_eq!(b.windows(2).filter(|w| *w == [0xFF, 0xD9]).count(), 1);
}

#[test]
fn a_clean_jpeg_stays_as_it_was() {
    let raw = jpeg(&[], &[], &[]);
    assert_eq!(clean(raw.clone()).expect("a JPEG").bytes, raw);
}

#[test]
fn types_are_known_by_their_bytes() {
    assert_eq!(
        clean(b"just some text, named photo.jpg".to_vec()),
        Err(PhotoError::UnknownType)
    );
    assert_eq!(clean(Vec::new()), Err(PhotoError::UnknownType));
    assert_eq!(
        clean(b"GIF89a\x01\0\x01\0".to_vec()),
        Err(PhotoError::UnknownType)
    );
    // The right signature, then nonsense or nothing.
    assert_eq!(
        clean(vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1]),
        Err(PhotoError::Unreadable("JPEG"))
    );
    assert_eq!(
        clean(b"\x89PNG\r\n\x1a\n".to_vec()),
        Err(PhotoError::Unreadable("PNG"))
    );
    assert_eq!(
        clean(b"RIFF\x04\0\0\0WEBP".to_vec()),
        Err(PhotoError::Unreadable("WebP"))
    );
    // A segment whose length runs past the end.
    let mut cut = jpeg(&[], &[], &[]);
    cut.truncate(30);
    assert_eq!(clean(cut), Err(PhotoError::Unreadable("JPEG")));
}

fn png_chunk(kind: &[u8; 4], contents: &[u8]) -> Vec<u8> {
    PngChunk::new(*kind, Bytes::copy_from_slice(contents))
        .encoder()
        .bytes()
        .to_vec()
}

#[test]
fn png_loses_text_exif_and_time_chunks() {
    let mut raw = b"\x89PNG\r\n\x1a\n".to_vec();
    raw.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    raw.extend(png_chunk(b"tEXt", b"Author\0Alice"));
    raw.extend(png_chunk(
        b"iTXt",
        b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>",
    ));
    raw.extend(png_chunk(b"eXIf", &GPS_EXIF[6..]));
    raw.extend(png_chunk(b"tIME", &[7, 234, 11, 30, 10, 0, 0]));
    raw.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
    raw.extend(png_chunk(b"IDAT", b"pixels"));
    raw.extend(png_chunk(b"IEND", b""));
    let photo = clean(raw).expect("a PNG");
    assert_eq!(photo.kind, PhotoKind::Png);
    for gone in [&b"tEXt"[..], b"Alice", b"iTXt", b"eXIf", b"GPS", b"tIME"] {
        assert!(!contains(&photo.bytes, gone));
    }
    for kept in [&b"IHDR"[..], b"gAMA", b"IDAT", b"pixels", b"IEND"] {
        assert!(contains(&photo.bytes, kept));
    }
}

#[test]
fn webp_loses_exif_and_xmp_and_its_header_stops_announcing_them() {
    let data =
        |id: &[u8; 4], b: &[u8]| RiffChunk::new(*id, RiffContent::Data(Bytes::copy_from_slice(b)));
    let flags = 0b0010_0000 | VP8X_METADATA_FLAGS; // ICC + EXIF + XMP
    let riff = RiffChunk::new(
        *b"RIFF",
        RiffContent::List {
            kind: Some(*b"WEBP"),
            subchunks: vec![
                data(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                data(b"ICCP", b"profile"),
                data(b"VP8L", &[0x2F, 0, 0, 0, 0, 1, 2]),
                data(b"EXIF", &GPS_EXIF[6..]),
                data(b"XMP ", b"<x:xmpmeta>Alice</x:xmpmeta>"),
            ],
        },
    );
    let photo = clean(riff.encoder().bytes().to_vec()).expect("a WebP");
    assert_eq!(photo.kind, PhotoKind::WebP);
    for gone in [&b"EXIF"[..], b"GPS", b"XMP ", b"Alice"] {
        assert!(!contains(&photo.bytes, gone));
    }
    let webp = WebP::from_bytes(Bytes::from(photo.bytes)).expect("still a WebP");
    let vp8x = webp
        .chunk_by_id(CHUNK_VP8X)
        .and_then(|c| c.content().data().cloned());
    assert_eq!(
        vp8x.map(|d| d[0]),
        Some(0b0010_0000),
        "only the ICC flag is left"
    );
    assert!(webp.chunk_by_id(*b"ICCP").is_some());
}
