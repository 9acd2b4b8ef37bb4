//! The parts of a workbook read before its sheet: which part is which sheet, the date system,
//! each cell style's number format, and the shared strings (the one part held whole).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::read::xlsx::date::{self, Format};
use crate::read::xlsx::error::{xml_error, XlsxError};
use crate::read::xlsx::text::{cdata_bytes, text_bytes, TextSink};

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

/// The parser over a small part's bytes, whole.
fn small_part(bytes: &[u8]) -> Reader<&[u8]> {
    Reader::from_reader(bytes)
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

/// The path of the relationships part of the part at `path` (`""`: the package's).
pub(crate) fn rels_path(path: &str) -> String {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    }
}

/// A relationship: its id, its type's last word (`officeDocument`, `worksheet`), its target's
/// path in the archive.
pub(crate) type Relationship = (String, String, String);

/// The relationships in `bytes`, the relationships part of the part at `path`.
pub(crate) fn relationships(bytes: &[u8], path: &str) -> Result<Vec<Relationship>, XlsxError> {
    let rels = rels_path(path);
    let mut xml = small_part(bytes);
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

/// The workbook part's path, from the package's relationships.
pub(crate) fn main_part(package_rels: &[Relationship]) -> String {
    package_rels
        .iter()
        .find(|(_, kind, _)| kind == "officeDocument")
        .map(|(_, _, target)| target.clone())
        .unwrap_or_else(|| "xl/workbook.xml".to_string())
}

/// Reads the workbook part (`bytes`, at `main`), with its relationships `rels`.
pub(crate) fn workbook(
    bytes: &[u8],
    main: &str,
    rels: &[Relationship],
) -> Result<WorkbookInfo, XlsxError> {
    let mut xml = small_part(bytes);
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
            .map_err(|e| xml_error(main, e))?
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

/// Each cell style's number format, by the style's index (`s="3"`), from the styles part
/// (`bytes`, at `path`).
pub(crate) fn styles(bytes: &[u8], path: &str) -> Result<Vec<Format>, XlsxError> {
    let mut xml = small_part(bytes);
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
}

/// The shared strings part read from its XML events as they come, held up to a limit.
pub(crate) struct StringsReader {
    strings: SharedStrings,
    sink: TextSink,
    max: usize,
}

impl StringsReader {
    /// A reader that refuses to hold more than `max` bytes, of a part that inflates to `size`:
    /// its text (never more than the part) gets its room at once, so that it never doubles
    /// past the limit.
    pub(crate) fn new(max: usize, size: u64) -> StringsReader {
        let room = usize::try_from(size).unwrap_or(usize::MAX).min(max);
        StringsReader {
            strings: SharedStrings {
                text: Vec::with_capacity(room),
                ends: Vec::new(),
            },
            sink: TextSink::default(),
            max,
        }
    }

    /// The strings read.
    pub(crate) fn into_strings(self) -> SharedStrings {
        self.strings
    }

    fn end_item(&mut self) -> Result<(), XlsxError> {
        let end = u32::try_from(self.strings.text.len())
            .map_err(|_| XlsxError::SharedStringsTooLarge { max: self.max })?;
        self.strings.ends.push(end);
        Ok(())
    }

    /// Reads one event of the part.
    pub(crate) fn event(&mut self, ev: Event<'_>) -> Result<(), XlsxError> {
        let out = &mut self.strings.text;
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => self.sink.begin(out),
                other => self.sink.start(other),
            },
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    self.sink.finish(out);
                    self.end_item()?;
                }
                other => self.sink.end(other),
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => self.end_item()?,
            Event::Text(t) => self.sink.text(text_bytes(&t), out),
            Event::CData(t) => self.sink.text(cdata_bytes(&t), out),
            Event::GeneralRef(r) => self.sink.reference(&r, out),
            _ => {}
        }
        if self.strings.text.len() + 4 * self.strings.ends.len() > self.max {
            return Err(XlsxError::SharedStringsTooLarge { max: self.max });
        }
        Ok(())
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
