//! The parts of a workbook read before its sheet: which part is which sheet, the date system,
//! each cell style's number format, and the shared strings (the one part held whole).

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::base::limits::MAX_WORKBOOK_PART_BYTES;
use crate::read::xlsx::date::{self, Format};
use crate::read::xlsx::error::{xml_error, XlsxError};
use crate::read::xlsx::text::{cdata_bytes, text_bytes, TextSink};
use crate::read::xlsx::zip::{buffered, Archive};

/// A sheet as the workbook lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SheetRef {
    /// Its name, as the tab shows it.
    pub name: String,
    /// The path of its part in the archive.
    pub part: String,
}

/// What the workbook part says.
pub(crate) struct WorkbookInfo {
    pub sheets: Vec<SheetRef>,
    pub date1904: bool,
    /// Paths of the shared strings and styles parts, when it has them.
    pub shared_strings: Option<String>,
    pub styles: Option<String>,
}

/// The value of attribute `name` (its local name) of `e`, unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// The parser over a small part, whole.
fn small_part<'a>(
    archive: &'a Archive<'a>,
    path: &str,
) -> Result<Option<Reader<impl BufRead + 'a>>, XlsxError> {
    let Some(entry) = archive.entry(path) else {
        return Ok(None);
    };
    let part = archive.open_entry(entry, MAX_WORKBOOK_PART_BYTES as u64)?;
    Ok(Some(Reader::from_reader(buffered(part))))
}

/// `target` of a relationship of the part at `from`, as a path in the archive.
fn resolve(from: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The relationships of the part at `path`: (id, type's last word, target path).
fn relationships(
    archive: &Archive<'_>,
    path: &str,
) -> Result<Vec<(String, String, String)>, XlsxError> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let rels = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let Some(mut xml) = small_part(archive, &rels)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&rels, e))?
        {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if attr(&e, "TargetMode").as_deref() == Some("External") {
                    continue;
                }
                let (Some(id), Some(ty), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                else {
                    continue;
                };
                let kind = ty.rsplit('/').next().unwrap_or("").to_string();
                out.push((id, kind, resolve(path, &target)));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Reads the package's relationships and the workbook part.
pub(crate) fn workbook(archive: &Archive<'_>) -> Result<WorkbookInfo, XlsxError> {
    let main = relationships(archive, "")?
        .into_iter()
        .find(|(_, kind, _)| kind == "officeDocument")
        .map(|(_, _, target)| target)
        .unwrap_or_else(|| "xl/workbook.xml".to_string());
    let rels = relationships(archive, &main)?;
    let Some(mut xml) = small_part(archive, &main)? else {
        return Err(XlsxError::NotWorkbook(format!(
            "it has no workbook part ({main})"
        )));
    };
    let mut info = WorkbookInfo {
        sheets: Vec::new(),
        date1904: false,
        shared_strings: rels
            .iter()
            .find(|r| r.1 == "sharedStrings")
            .map(|r| r.2.clone()),
        styles: rels.iter().find(|r| r.1 == "styles").map(|r| r.2.clone()),
    };
    let mut buf = Vec::new();
    loop {
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(&main, e))?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "workbookPr" => {
                    if let Some(v) = attr(&e, "date1904") {
                        info.date1904 = v == "1" || v.eq_ignore_ascii_case("true");
                    }
                }
                "sheet" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let id = attr(&e, "id");
                    let part =
                        id.and_then(|id| rels.iter().find(|r| r.0 == id).map(|r| r.2.clone()));
                    if let Some(part) = part {
                        info.sheets.push(SheetRef { name, part });
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(info)
}

/// Each cell style's number format, by the style's index (`s="3"`).
pub(crate) fn styles(archive: &Archive<'_>, path: Option<&str>) -> Result<Vec<Format>, XlsxError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let Some(mut xml) = small_part(archive, path)? else {
        return Ok(Vec::new());
    };
    let mut custom: Vec<(u32, Format)> = Vec::new();
    let mut ids: Vec<u32> = Vec::new();
    let mut in_xfs = false;
    let mut buf = Vec::new();
    loop {
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(path, e))?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmt" => {
                    let id = attr(&e, "numFmtId").and_then(|v| v.parse().ok());
                    if let (Some(id), Some(code)) = (id, attr(&e, "formatCode")) {
                        custom.push((id, date::custom(&code)));
                    }
                }
                "cellXfs" => in_xfs = true,
                "xf" if in_xfs => {
                    ids.push(
                        attr(&e, "numFmtId")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                    );
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_xfs = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            custom
                .iter()
                .find(|(c, _)| *c == id)
                .map_or_else(|| date::builtin(id), |(_, f)| *f)
        })
        .collect())
}

/// The shared strings: their text in one buffer, and where each ends.
#[derive(Default)]
pub(crate) struct SharedStrings {
    text: Vec<u8>,
    ends: Vec<u32>,
}

impl SharedStrings {
    /// String `i`, or `None` past the last.
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        self.text.get(start..end)
    }

    /// Reads the part at `path`, refusing past `max` bytes held.
    pub(crate) fn read(
        archive: &Archive<'_>,
        path: Option<&str>,
        max: usize,
    ) -> Result<SharedStrings, XlsxError> {
        let mut out = SharedStrings::default();
        let Some(path) = path else {
            return Ok(out);
        };
        let Some(entry) = archive.entry(path) else {
            return Ok(out);
        };
        let part = archive.open_entry(entry, u64::MAX)?;
        let mut xml = Reader::from_reader(buffered(part));
        let mut buf = Vec::new();
        let mut sink = TextSink::default();
        let too_many = || XlsxError::SharedStringsTooLarge { max };
        loop {
            match xml
                .read_event_into(&mut buf)
                .map_err(|e| xml_error(path, e))?
            {
                Event::Start(e) => match e.local_name().as_ref() {
                    "si" => sink.begin(&mut out.text),
                    other => sink.start(other),
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "si" => {
                        sink.finish(&mut out.text);
                        let end = u32::try_from(out.text.len()).map_err(|_| too_many())?;
                        out.ends.push(end);
                    }
                    other => sink.end(other),
                },
                Event::Empty(e) if e.local_name().as_ref() == "si" => {
                    let end = u32::try_from(out.text.len()).map_err(|_| too_many())?;
                    out.ends.push(end);
                }
                Event::Text(t) => sink.text(text_bytes(&t), &mut out.text),
                Event::CData(t) => sink.text(cdata_bytes(&t), &mut out.text),
                Event::GeneralRef(r) => sink.reference(&r, &mut out.text),
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
            if out.text.len() + 4 * out.ends.len() > max {
                return Err(too_many());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn relationship_targets() {
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "/xl/worksheets/s.xml"),
            "xl/worksheets/s.xml"
        );
        assert_eq!(resolve("xl/workbook.xml", "../x/s.xml"), "x/s.xml");
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }
}
