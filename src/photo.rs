//! Uploaded images (photos on done entries, profile pictures): recognised by their bytes
//! (never by the name or type the client declared) and stripped of metadata before they
//! are stored. Neutral ground: the todo service and the identity server both use it, and
//! it names neither.
//!
//! A phone's photo carries where and when it was taken (EXIF GPS), the device, often the
//! owner's name (XMP, IPTC, comments). A public course shows its photos to anyone, and a
//! profile picture goes to every app the person signs in to, so only what is needed to
//! draw the picture is kept:
//!
//! | format | kept | dropped |
//! |---|---|---|
//! | JPEG | SOI, frame/scan headers, tables (DQT, DHT, DRI, DAC), JFIF (APP0), ICC profile (APP2 `ICC_PROFILE`), Adobe colour transform (APP14), the scans | EXIF and XMP (APP1), MPF and FlashPix (other APP2), IPTC (APP13), every other APPn, comments (COM), anything after the end-of-image marker (e.g. the extra images of a multi-picture file, with their own EXIF) |
//! | PNG | critical chunks (IHDR, PLTE, IDAT, IEND) and the ones that change how it looks (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, bKGD, pHYs) and APNG frames | text (tEXt, zTXt, iTXt), eXIf, tIME, and every other ancillary chunk |
//! | WebP | VP8, VP8L, VP8X (flags fixed), ALPH, ANIM, ANMF, ICCP | EXIF, XMP and every other chunk |
//!
//! The containers are read and written with `img-parts`: pure Rust, still released (0.3.1 to
//! 0.3.3 from late 2024 to early 2025, 0.4 since) and widely used; it parses JPEG segments,
//! PNG chunks and RIFF chunks without decoding pixels, so stripping costs a copy, not a
//! decode and re-encode (as the `image` crate would), and it has no C image library under it. It reads a JPEG only up to its first scan
//! and keeps the rest as one opaque tail, so [`clean_jpeg_tail`] walks that tail for the
//! segments a progressive JPEG may carry between scans and the data after its end.

use bytes::Bytes;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{CHUNK_VP8X, WebP};

/// The image types a photo may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
    WebP,
}

impl PhotoKind {
    /// What the bytes say they are, by their signature.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoKind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PhotoKind::WebP)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
            PhotoKind::WebP => "image/webp",
        }
    }
}

/// Why an upload is not a photo we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("photo: must be a JPEG, PNG or WebP image")]
    UnknownType,
    #[error("photo: is not a readable {0} image")]
    Unreadable(&'static str),
}

/// A photo recognised by its bytes and stripped of its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub kind: PhotoKind,
    pub bytes: Vec<u8>,
}

impl CleanPhoto {
    /// Recognises `raw` and removes its metadata (see the module's table).
    pub fn from_upload(raw: Bytes) -> Result<CleanPhoto, PhotoError> {
        let kind = PhotoKind::sniff(&raw).ok_or(PhotoError::UnknownType)?;
        let unreadable = || PhotoError::Unreadable(kind.name());
        let bytes = match kind {
            PhotoKind::Jpeg => strip_jpeg(raw).ok_or_else(unreadable)?,
            PhotoKind::Png => strip_png(raw).ok_or_else(unreadable)?,
            PhotoKind::WebP => strip_webp(raw).ok_or_else(unreadable)?,
        };
        Ok(CleanPhoto { kind, bytes })
    }
}

impl PhotoKind {
    fn name(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "JPEG",
            PhotoKind::Png => "PNG",
            PhotoKind::WebP => "WebP",
        }
    }
}

const ICC_PREFIX: &[u8] = b"ICC_PROFILE\0";

/// Whether a JPEG segment is kept: everything a decoder needs (frame and scan headers,
/// tables, restart interval) and the three APPn segments that change how the picture
/// looks; no other APPn segment, and no comment.
fn jpeg_keeps(marker: u8, contents: &[u8]) -> bool {
    match marker {
        markers::APP0 | markers::APP14 => true,
        markers::APP2 => contents.starts_with(ICC_PREFIX),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    }
}

fn strip_jpeg(raw: Bytes) -> Option<Vec<u8>> {
    let mut jpeg = Jpeg::from_bytes(raw).ok()?;
    jpeg.segments_mut()
        .retain(|s| jpeg_keeps(s.marker(), s.contents()));
    // A frame header and a scan, or it is no picture.
    let has_frame = jpeg
        .segments()
        .iter()
        .any(|s| matches!(s.marker(), 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF));
    if !has_frame || !jpeg.segments().iter().any(JpegSegment::has_entropy) {
        return None;
    }
    let encoded = jpeg.encoder().bytes();
    clean_jpeg_tail(&encoded)
}

/// Copies a JPEG up to its end-of-image marker, leaving out the APPn and COM segments
/// that follow the first scan (a progressive JPEG may put them between scans). Entropy-
/// coded data never holds a bare `FF`: it is stuffed as `FF 00`, or is a restart marker
/// `FF D0`–`FF D7`, so every other `FF xx` there is a marker. `None` if a segment is cut.
fn clean_jpeg_tail(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(jpeg.len());
    let mut i = 0;
    while i < jpeg.len() {
        let byte = jpeg[i];
        if byte != 0xFF || i + 1 >= jpeg.len() {
            out.push(byte);
            i += 1;
            continue;
        }
        let marker = jpeg[i + 1];
        match marker {
            // Stuffed data, restart markers, fill bytes, start of image, TEM: markers
            // without a length, copied as they are.
            0x00 | 0x01 | 0xD0..=0xD7 | 0xFF | markers::SOI => {
                out.push(byte);
                i += 1;
            }
            markers::EOI => {
                out.extend_from_slice(&[0xFF, markers::EOI]);
                return Some(out);
            }
            _ => {
                let len_bytes = jpeg.get(i + 2..i + 4)?;
                let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
                let end = i.checked_add(2)?.checked_add(len)?;
                if len < 2 || end > jpeg.len() {
                    return None;
                }
                if jpeg_keeps(marker, &jpeg[i + 4..end]) {
                    out.extend_from_slice(&jpeg[i..end]);
                }
                i = end;
            }
        }
    }
    // No end-of-image marker: a truncated file, kept as far as it goes (decoders show it).
    Some(out)
}

/// PNG chunks kept: the critical ones and those that change how the picture looks.
const PNG_KEEP: [&[u8; 4]; 15] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(raw: Bytes) -> Option<Vec<u8>> {
    let mut png = Png::from_bytes(raw).ok()?;
    png.chunks_mut().retain(|c| PNG_KEEP.contains(&&c.kind()));
    if png.chunks().first().map(|c| c.kind()) != Some(*b"IHDR") {
        return None;
    }
    Some(png.encoder().bytes().to_vec())
}

/// WebP chunks kept: the image data, animation and the colour profile.
const WEBP_KEEP: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// The VP8X flags that announce EXIF (bit 3) and XMP (bit 2) chunks.
const VP8X_METADATA_FLAGS: u8 = 0b0000_1000 | 0b0000_0100;

fn strip_webp(raw: Bytes) -> Option<Vec<u8>> {
    let mut webp = WebP::from_bytes(raw).ok()?;
    webp.chunks_mut().retain(|c| WEBP_KEEP.contains(&&c.id()));
    if !webp
        .chunks()
        .iter()
        .any(|c| matches!(&c.id(), b"VP8 " | b"VP8L" | b"ANMF"))
    {
        return None;
    }
    // The extended header still announces the chunks just removed: clear those flags.
    for chunk in webp.chunks_mut().iter_mut() {
        if chunk.id() != CHUNK_VP8X {
            continue;
        }
        if let Some(data) = chunk.content().data().filter(|d| !d.is_empty()) {
            let mut flags = data.to_vec();
            flags[0] &= !VP8X_METADATA_FLAGS;
            *chunk = RiffChunk::new(CHUNK_VP8X, RiffContent::Data(Bytes::from(flags)));
        }
    }
    Some(webp.encoder().bytes().to_vec())
}

#[cfg(test)]
#[path = "photo_tests.rs"]
mod tests;
