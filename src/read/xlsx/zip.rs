//! The zip container of a workbook: its central directory, read from the end, and each part's
//! bytes inflated as a stream, never more than the size the directory declares.
//!
//! Only what workbooks use: stored and deflated entries, zip64 sizes and offsets. Every number
//! read from the file is checked against the bytes there are before it is used.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;

use crate::read::xlsx::error::XlsxError;

/// The end of central directory record's signature, and its fixed size.
const EOCD: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
/// The zip64 end of central directory locator, and the record it points to.
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
/// A zip comment is at most 65,535 bytes: the end record is within this many of the end.
const MAX_TAIL: usize = EOCD_LEN + 0xffff;
/// The most entries a workbook's directory may list: a real one has tens.
const MAX_ENTRIES: usize = 65_535;

/// A part of the archive, as the central directory lists it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Its path in the archive, such as `xl/worksheets/sheet1.xml`.
    pub name: String,
    method: u16,
    compressed: u64,
    /// Its size once inflated.
    pub size: u64,
    local_offset: u64,
}

/// A workbook's bytes and their directory.
pub(crate) struct Archive<'a> {
    bytes: &'a [u8],
    entries: Vec<Entry>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn broken(what: &str) -> XlsxError {
    XlsxError::Zip(what.to_string())
}

impl<'a> Archive<'a> {
    /// Reads the directory at the end of `bytes`, a whole zip file.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Archive<'a>, XlsxError> {
        let tail_start = bytes.len().saturating_sub(MAX_TAIL);
        let eocd = (tail_start..=bytes.len().saturating_sub(EOCD_LEN))
            .rev()
            .find(|&at| u32_at(bytes, at) == Some(EOCD))
            .ok_or_else(|| broken("its end of central directory record is missing"))?;
        let bad_end = || broken("its end of central directory record is cut short");
        let mut count = u64::from(u16_at(bytes, eocd + 10).ok_or_else(bad_end)?);
        let mut size = u64::from(u32_at(bytes, eocd + 12).ok_or_else(bad_end)?);
        let mut offset = u64::from(u32_at(bytes, eocd + 16).ok_or_else(bad_end)?);
        let zip64 = count == 0xffff || size == 0xffff_ffff || offset == 0xffff_ffff;
        if zip64 && eocd >= 20 && u32_at(bytes, eocd - 20) == Some(ZIP64_LOCATOR) {
            let at = u64_at(bytes, eocd - 12).ok_or_else(bad_end)?;
            let at = usize::try_from(at).map_err(|_| bad_end())?;
            if u32_at(bytes, at) != Some(ZIP64_EOCD) {
                return Err(broken(
                    "its zip64 end of central directory record is missing",
                ));
            }
            count = u64_at(bytes, at + 32).ok_or_else(bad_end)?;
            size = u64_at(bytes, at + 40).ok_or_else(bad_end)?;
            offset = u64_at(bytes, at + 48).ok_or_else(bad_end)?;
        }
        let start = usize::try_from(offset).map_err(|_| bad_end())?;
        let end = usize::try_from(offset.saturating_add(size)).map_err(|_| bad_end())?;
        let dir = bytes
            .get(start..end)
            .ok_or_else(|| broken("its central directory is outside the file"))?;
        if count > MAX_ENTRIES as u64 {
            return Err(broken(&format!(
                "its directory lists {count} parts, more than the {MAX_ENTRIES} a workbook could have"
            )));
        }
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0usize;
        let bad_dir = || broken("its central directory is cut short");
        for _ in 0..count {
            if u32_at(dir, at) != Some(CENTRAL) {
                return Err(broken("an entry of its central directory is damaged"));
            }
            let method = u16_at(dir, at + 10).ok_or_else(bad_dir)?;
            let mut compressed = u64::from(u32_at(dir, at + 20).ok_or_else(bad_dir)?);
            let mut size = u64::from(u32_at(dir, at + 24).ok_or_else(bad_dir)?);
            let name_len = usize::from(u16_at(dir, at + 28).ok_or_else(bad_dir)?);
            let extra_len = usize::from(u16_at(dir, at + 30).ok_or_else(bad_dir)?);
            let comment_len = usize::from(u16_at(dir, at + 32).ok_or_else(bad_dir)?);
            let mut local_offset = u64::from(u32_at(dir, at + 42).ok_or_else(bad_dir)?);
            let name = dir.get(at + 46..at + 46 + name_len).ok_or_else(bad_dir)?;
            let extra = dir
                .get(at + 46 + name_len..at + 46 + name_len + extra_len)
                .ok_or_else(bad_dir)?;
            // Zip64: the sizes and offset that are all ones are in the extra field, in order.
            let mut e = 0;
            while e + 4 <= extra.len() {
                let id = u16_at(extra, e).unwrap_or(0);
                let len = usize::from(u16_at(extra, e + 2).unwrap_or(0));
                let data = extra.get(e + 4..e + 4 + len).unwrap_or_default();
                if id == 1 {
                    let mut k = 0;
                    for field in [&mut size, &mut compressed, &mut local_offset] {
                        if *field == 0xffff_ffff {
                            *field = u64_at(data, k).ok_or_else(bad_dir)?;
                            k += 8;
                        }
                    }
                }
                e += 4 + len;
            }
            entries.push(Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                method,
                compressed,
                size,
                local_offset,
            });
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(Archive { bytes, entries })
    }

    /// The entry at `path` (its case ignored, as Excel does).
    pub(crate) fn entry(&self, path: &str) -> Option<&Entry> {
        let path = path.trim_start_matches('/');
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(path))
    }

    /// The entry's content as a stream, inflated as it is read; reading past the size the
    /// directory declares, or past `max`, is an error (a zip bomb stops there).
    pub(crate) fn open_entry(&self, entry: &Entry, max: u64) -> Result<Part<'a>, XlsxError> {
        let name = &entry.name;
        if entry.size > max {
            return Err(XlsxError::TooLarge {
                part: name.clone(),
                size: entry.size,
                max,
            });
        }
        let bad = || broken(&format!("the part {name} is outside the file or damaged"));
        let at = usize::try_from(entry.local_offset).map_err(|_| bad())?;
        if u32_at(self.bytes, at) != Some(LOCAL) {
            return Err(bad());
        }
        let name_len = usize::from(u16_at(self.bytes, at + 26).ok_or_else(bad)?);
        let extra_len = usize::from(u16_at(self.bytes, at + 28).ok_or_else(bad)?);
        let start = at + 30 + name_len + extra_len;
        let end = usize::try_from(entry.compressed)
            .ok()
            .and_then(|n| start.checked_add(n))
            .ok_or_else(bad)?;
        let data = self.bytes.get(start..end).ok_or_else(bad)?;
        let inner = match entry.method {
            0 => Inner::Stored(data),
            8 => Inner::Deflated(Box::new(DeflateDecoder::new(data))),
            m => {
                return Err(broken(&format!(
                    "the part {name} is compressed by method {m}, which workbooks do not use"
                )))
            }
        };
        Ok(Part {
            inner,
            left: entry.size,
            name: name.clone(),
        })
    }
}

enum Inner<'a> {
    Stored(&'a [u8]),
    Deflated(Box<DeflateDecoder<&'a [u8]>>),
}

/// A part's bytes, inflated as they are read.
pub(crate) struct Part<'a> {
    inner: Inner<'a>,
    /// What the directory says is still to come.
    left: u64,
    name: String,
}

impl Read for Part<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // One byte more than declared is asked for, so a part longer than it says is caught.
        let want = buf.len().min(
            usize::try_from(self.left)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        );
        let n = match &mut self.inner {
            Inner::Stored(data) => data.read(&mut buf[..want])?,
            Inner::Deflated(d) => d.read(&mut buf[..want])?,
        };
        if n as u64 > self.left {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the part {} inflates past the size its directory entry gives",
                    self.name
                ),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A part as a buffered stream, for the XML parser.
pub(crate) fn buffered(part: Part<'_>) -> impl BufRead + '_ {
    io::BufReader::with_capacity(64 * 1024, part)
}
