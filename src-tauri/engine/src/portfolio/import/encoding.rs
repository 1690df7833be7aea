//! A file's bytes as text, before any CSV is read: UTF-8 with or without
//! its byte-order mark, UTF-16 with its mark (Excel's "Unicode text"), and
//! otherwise Windows-1252 — what a file that is not UTF-8 almost always is
//! (Coinbase writes `€` as the byte 0x80 in some reports). Every byte
//! means something in Windows-1252, so decoding never fails: a wrong guess
//! shows as odd characters in a note, never as a refused file.

use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` as text.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Cow::Owned(utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Cow::Owned(utf16(rest, u16::from_be_bytes));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks(2).map(|c| match c {
        [a, b] => unit([*a, *b]),
        // An odd last byte is half a character.
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Windows-1252 where it differs from Latin-1: 0x80–0x9F. The five bytes
/// it leaves undefined keep their Latin-1 control character, as browsers
/// decode them.
const HIGH_CONTROLS: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn windows_1252(b: u8) -> char {
    match b {
        0x80..=0x9F => HIGH_CONTROLS[usize::from(b - 0x80)],
        // ASCII and 0xA0–0xFF are Latin-1: the byte is the code point.
        _ => char::from(b),
    }
}
