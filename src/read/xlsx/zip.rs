//! The zip container of a workbook, read in ranges: the end of central directory record from
//! the file's tail, the central directory it points to, each part's local header, and each
//! part's bytes inflated as they are pushed, never past the size the directory declares.
//!
//! Only what workbooks use: stored and deflated entries, zip64 sizes and offsets. Every number
//! read from the file is checked against the bytes there are before it is used.

use flate2::{Decompress, FlushDecompress};

use crate::base::limits::{MAX_INFLATE_RATIO, MAX_WORKBOOK_DIRECTORY_BYTES};
use crate::read::xlsx::error::XlsxError;

/// The end of central directory record's signature, and its fixed size.
const EOCD: u32 = 0x0605_4b50;
const EOCD_LEN: u64 = 22;
/// The zip64 end of central directory locator, and the record it points to.
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
/// The zip64 end record's fixed part.
pub(crate) const ZIP64_EOCD_LEN: u64 = 56;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;
/// A local header's fixed part: its name and extra field follow.
pub(crate) const LOCAL_LEN: u64 = 30;
/// A zip comment is at most 65,535 bytes: the end record is within this many of the end.
pub(crate) const MAX_TAIL: u64 = EOCD_LEN + 0xffff;
/// The most entries a workbook's directory may list: a real one has tens.
const MAX_ENTRIES: u64 = 65_535;
/// What a part may inflate to beyond [`MAX_INFLATE_RATIO`] times its compressed size: a small
/// part of repeated markup (a styles part of ten thousand identical formats) is not a bomb.
const INFLATE_ALLOWANCE: u64 = 1 << 20;

/// A part of the archive, as the central directory lists it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Its path in the archive, such as `xl/worksheets/sheet1.xml`.
    pub name: String,
    method: u16,
    /// Its size in the file.
    pub compressed: u64,
    /// Its size once inflated.
    pub size: u64,
    /// Where its local header starts in the file.
    pub local_offset: u64,
    /// The lengths of its name and extra field in the central directory: the local header's
    /// are usually the same, so its data is likely within this many bytes after the header.
    pub header_guess: u64,
}

/// Where the central directory is, from the end record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Directory {
    pub offset: u64,
    pub size: u64,
    pub count: u64,
}

/// What the file's tail says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// The directory's place.
    Directory(Directory),
    /// A zip64 archive: its end record, [`ZIP64_EOCD_LEN`] bytes, is at this offset.
    Zip64(u64),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn broken(what: &str) -> XlsxError {
    XlsxError::Zip(what.to_string())
}

/// The range of a file of `size` bytes that holds its end record: its last [`MAX_TAIL`].
pub(crate) fn tail(size: u64) -> (u64, u64) {
    (size.saturating_sub(MAX_TAIL), size)
}

/// Reads the end record in `tail`, the last bytes of a file of `size` bytes.
pub(crate) fn end(tail: &[u8], size: u64) -> Result<End, XlsxError> {
    let last = tail.len().saturating_sub(EOCD_LEN as usize);
    if tail.len() < EOCD_LEN as usize {
        return Err(broken("it is too short to be a zip"));
    }
    let eocd = (0..=last)
        .rev()
        .find(|&at| u32_at(tail, at) == Some(EOCD))
        .ok_or_else(|| broken("its end of central directory record is missing"))?;
    let bad_end = || broken("its end of central directory record is cut short");
    let count = u64::from(u16_at(tail, eocd + 10).ok_or_else(bad_end)?);
    let dir_size = u64::from(u32_at(tail, eocd + 12).ok_or_else(bad_end)?);
    let offset = u64::from(u32_at(tail, eocd + 16).ok_or_else(bad_end)?);
    let zip64 = count == 0xffff || dir_size == 0xffff_ffff || offset == 0xffff_ffff;
    if zip64 && eocd >= 20 && u32_at(tail, eocd - 20) == Some(ZIP64_LOCATOR) {
        let at = u64_at(tail, eocd - 12).ok_or_else(bad_end)?;
        if at.saturating_add(ZIP64_EOCD_LEN) > size {
            return Err(broken(
                "its zip64 end of central directory record is outside the file",
            ));
        }
        return Ok(End::Zip64(at));
    }
    Ok(End::Directory(Directory {
        offset,
        size: dir_size,
        count,
    }))
}

/// Reads the zip64 end record.
pub(crate) fn zip64_end(record: &[u8]) -> Result<Directory, XlsxError> {
    let bad = || broken("its zip64 end of central directory record is missing");
    if u32_at(record, 0) != Some(ZIP64_EOCD) {
        return Err(bad());
    }
    Ok(Directory {
        count: u64_at(record, 32).ok_or_else(bad)?,
        size: u64_at(record, 40).ok_or_else(bad)?,
        offset: u64_at(record, 48).ok_or_else(bad)?,
    })
}

impl Directory {
    /// Checks the directory against the file's size and the limits: its range in the file.
    pub(crate) fn range(&self, size: u64) -> Result<(u64, u64), XlsxError> {
        if self.count > MAX_ENTRIES {
            return Err(broken(&format!(
                "its directory lists {} parts, more than the {MAX_ENTRIES} a workbook could have",
                self.count
            )));
        }
        if self.size > MAX_WORKBOOK_DIRECTORY_BYTES as u64 {
            return Err(broken(&format!(
                "its central directory is {} bytes, more than the {} a workbook's may be",
                self.size, MAX_WORKBOOK_DIRECTORY_BYTES
            )));
        }
        let end = self.offset.saturating_add(self.size);
        if end > size {
            return Err(broken("its central directory is outside the file"));
        }
        Ok((self.offset, end))
    }
}

/// Reads the central directory `dir` of `count` entries.
pub(crate) fn entries(dir: &[u8], count: u64) -> Result<Vec<Entry>, XlsxError> {
    let mut entries = Vec::with_capacity(count.min(MAX_ENTRIES) as usize);
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
            header_guess: (name_len + extra_len) as u64,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

/// The entry at `path` in `entries` (its case ignored, as Excel does).
pub(crate) fn find<'e>(entries: &'e [Entry], path: &str) -> Option<&'e Entry> {
    let path = path.trim_start_matches('/');
    entries.iter().find(|e| e.name.eq_ignore_ascii_case(path))
}

impl Entry {
    /// Where the entry's data starts and ends in a file of `size` bytes, from its local header
    /// (the first [`LOCAL_LEN`] bytes at `local_offset`).
    pub(crate) fn data_range(&self, header: &[u8], size: u64) -> Result<(u64, u64), XlsxError> {
        let name = &self.name;
        let bad = || {
            broken(&format!(
                "the part {name} is not where its directory says, or is damaged"
            ))
        };
        if u32_at(header, 0) != Some(LOCAL) {
            return Err(bad());
        }
        let name_len = u64::from(u16_at(header, 26).ok_or_else(bad)?);
        let extra_len = u64::from(u16_at(header, 28).ok_or_else(bad)?);
        let start = self.local_offset + LOCAL_LEN + name_len + extra_len;
        let end = start.checked_add(self.compressed).ok_or_else(bad)?;
        if end > size {
            return Err(broken(&format!(
                "the part {name} runs past the end of the file"
            )));
        }
        Ok((start, end))
    }

    /// An inflater of the entry's data; its inflated size may be at most `max`.
    pub(crate) fn inflater(&self, max: u64) -> Result<Inflater, XlsxError> {
        let name = &self.name;
        if self.size > max {
            return Err(XlsxError::TooLarge {
                part: name.clone(),
                size: self.size,
                max,
            });
        }
        let ratio_cap = self
            .compressed
            .saturating_mul(MAX_INFLATE_RATIO as u64)
            .saturating_add(INFLATE_ALLOWANCE);
        if self.size > ratio_cap {
            return Err(XlsxError::Bomb {
                part: name.clone(),
                size: self.size,
                compressed: self.compressed,
            });
        }
        let inflate = match self.method {
            0 => None,
            8 => Some(Box::new(Decompress::new(false))),
            m => {
                return Err(broken(&format!(
                    "the part {name} is compressed by method {m}, which workbooks do not use"
                )))
            }
        };
        Ok(Inflater {
            inflate,
            left: self.size,
            name: name.clone(),
        })
    }
}

/// A part's bytes, inflated as they are pushed.
pub(crate) struct Inflater {
    /// `None` for a stored part.
    inflate: Option<Box<Decompress>>,
    /// What the directory says is still to come.
    left: u64,
    name: String,
}

impl Inflater {
    /// Inflates from `input` into the spare room of `out` (at most `room` bytes more); returns
    /// the input bytes used. Past the size the directory declares, an error.
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        room: usize,
    ) -> Result<usize, XlsxError> {
        let before = out.len();
        let used = match &mut self.inflate {
            None => {
                let n = input.len().min(room);
                out.extend_from_slice(&input[..n]);
                n
            }
            Some(d) => {
                let (i0, o0) = (d.total_in(), d.total_out());
                out.resize(before + room, 0);
                let result = d.decompress(input, &mut out[before..], FlushDecompress::None);
                let made = (d.total_out() - o0) as usize;
                out.truncate(before + made);
                result.map_err(|e| {
                    XlsxError::Zip(format!("the part {} does not inflate ({e})", self.name))
                })?;
                (d.total_in() - i0) as usize
            }
        };
        let made = (out.len() - before) as u64;
        if made > self.left {
            return Err(XlsxError::Zip(format!(
                "the part {} inflates past the size its directory entry gives",
                self.name
            )));
        }
        self.left -= made;
        Ok(used)
    }

    /// The part's bytes are all in: checks that they made the size declared.
    pub(crate) fn finish(&self) -> Result<(), XlsxError> {
        if self.left > 0 {
            return Err(XlsxError::Zip(format!(
                "the part {} is shorter than its directory entry says",
                self.name
            )));
        }
        Ok(())
    }
}
