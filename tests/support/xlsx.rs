//! A small writer of workbooks for tests: a zip of the parts a sheet needs, each stored or
//! deflated, and the parts' XML from rows of cells. Hostile cases write parts by hand
//! ([`Zip::raw`]: any method, any declared size).
#![allow(dead_code)]

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

/// A zip being written.
#[derive(Default)]
pub struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    /// Adds `data` at `name`, deflated or stored.
    pub fn add(&mut self, name: &str, data: &[u8], deflate: bool) {
        let mut crc = Crc::new();
        crc.update(data);
        let body = if deflate {
            let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        } else {
            data.to_vec()
        };
        let method = if deflate { 8 } else { 0 };
        self.raw(name, method, &body, data.len() as u32, crc.sum());
    }

    /// Adds a part as given: its method, its compressed bytes, the size it declares.
    pub fn raw(&mut self, name: &str, method: u16, body: &[u8], size: u32, crc: u32) {
        let offset = self.out.len() as u32;
        let mut header = Vec::new();
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&20u16.to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes());
        header.extend_from_slice(&method.to_le_bytes());
        header.extend_from_slice(&[0; 4]);
        header.extend_from_slice(&crc.to_le_bytes());
        header.extend_from_slice(&(body.len() as u32).to_le_bytes());
        header.extend_from_slice(&size.to_le_bytes());
        header.extend_from_slice(&(name.len() as u16).to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(&header);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(body);

        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&method.to_le_bytes());
        c.extend_from_slice(&[0; 4]);
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0; 4]); // extra, comment
        c.extend_from_slice(&[0; 8]); // disk, attributes
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
    }

    /// The zip's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let offset = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0; 4]);
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&offset.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}

/// The package's parts around sheets named `names` (parts `xl/worksheets/sheet<n>.xml`), with
/// shared strings when `shared`: write the sheets' own parts after it.
pub fn package(zip: &mut Zip, names: &[&str], shared: bool) {
    zip.add(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        true,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut sheets = String::new();
    for (i, name) in names.iter().enumerate() {
        let n = i + 1;
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
        sheets.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
    }
    if shared {
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    }
    rels.push_str("</Relationships>");
    zip.add("xl/_rels/workbook.xml.rels", rels.as_bytes(), true);
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    zip.add("xl/workbook.xml", workbook.as_bytes(), true);
}

/// A sheet's XML around `rows`, each row's XML as `row(n)` gives it (`n` from 1).
pub fn sheet(rows: u64, mut row: impl FnMut(u64) -> String) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for n in 1..=rows {
        xml.push_str(&row(n));
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

/// A row of inline strings and numbers: a cell that parses as a number is written as one.
pub fn row(n: u64, cells: &[&str]) -> String {
    let mut xml = format!(r#"<row r="{n}">"#);
    for (i, c) in cells.iter().enumerate() {
        let col = (b'A' + i as u8) as char;
        if c.parse::<f64>().is_ok() {
            xml.push_str(&format!(r#"<c r="{col}{n}"><v>{c}</v></c>"#));
        } else if !c.is_empty() {
            let text = c.replace('&', "&amp;").replace('<', "&lt;");
            xml.push_str(&format!(
                r#"<c r="{col}{n}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
    }
    xml.push_str("</row>");
    xml
}

/// A workbook of one sheet named `name` holding `rows`, deflated.
pub fn one_sheet(name: &str, rows: u64, cells: impl FnMut(u64) -> Vec<String>) -> Vec<u8> {
    sheet_of(name, rows, true, cells)
}

/// A workbook of one sheet named `name` holding `rows`, its sheet deflated or stored.
pub fn sheet_of(
    name: &str,
    rows: u64,
    deflate: bool,
    mut cells: impl FnMut(u64) -> Vec<String>,
) -> Vec<u8> {
    let mut zip = Zip::default();
    package(&mut zip, &[name], false);
    let xml = sheet(rows, |n| {
        let c = cells(n);
        let c: Vec<&str> = c.iter().map(String::as_str).collect();
        row(n, &c)
    });
    zip.add("xl/worksheets/sheet1.xml", &xml, deflate);
    zip.finish()
}
