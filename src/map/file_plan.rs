//! How one file is read, decided once: its call, the mapping's rule, encoding, delimiter,
//! header source, `skip` and messageId digest, from the key, the options and the mapping parsed
//! once ([`FilePlan::resolve`]); the run, the splitter and the hosts' calls all start from it.

use crate::map::file_name::{FileNameError, FileSpec};
use crate::map::mapping::{rule_for, BadMapping, Rule, Skip};
use crate::options::Options;
use crate::read::decode::Encoding;
use crate::read::records::{Record, RecordReader};
use crate::read::xlsx::SheetChoice;

/// How a file is read, resolved once from its key and the options (their mapping parsed once).
#[derive(Clone, Debug)]
pub(crate) struct FilePlan {
    /// What the name (and the rule's `call`) says; its delimiter is the one read with: the
    /// given one, or the name's (`,`) until the guess from the header replaces it.
    pub spec: FileSpec,
    /// The mapping's rule for the file, when one matched: what its columns become
    /// ([`Rule::layout`]) and its index for the report. Its dialect is read from the fields
    /// below, not from the rule.
    pub rule: Option<Rule>,
    pub encoding: Encoding,
    pub delimiter: Delimiter,
    pub header: HeaderSource,
    /// Records left unread before the header row and after it.
    pub skip: Skip,
    /// The digest of the rule that applies: it takes part in the messageIds.
    pub digest: Option<[u8; 20]>,
    /// For a workbook, the mapping's `sheet`: the first sheet when `None`.
    pub sheet: Option<SheetChoice>,
}

/// Where a file's delimiter comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delimiter {
    /// The mapping's `delimiter`, or a tab for a `.tsv` name.
    Given(u8),
    /// Guessed from the header record (see [`crate::read::dialect`]): the mapping says `auto`,
    /// or no rule applies, and the name is not `.tsv`.
    Guessed,
}

/// Where the names of a file's columns come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderSource {
    /// The file's header record (after `skip.before` records).
    File,
    /// The mapping's `header`: the file has no header row, its first record is a row.
    Mapping(Vec<String>),
}

/// Why a file cannot be read at all: its mapping, or its name.
#[derive(Debug)]
pub(crate) enum PlanError {
    Mapping(BadMapping),
    FileName(FileNameError),
}

impl From<BadMapping> for PlanError {
    fn from(e: BadMapping) -> PlanError {
        PlanError::Mapping(e)
    }
}

impl From<FileNameError> for PlanError {
    fn from(e: FileNameError) -> PlanError {
        PlanError::FileName(e)
    }
}

impl FilePlan {
    /// The plan of the file at `key`, through the mapping in `options` when there is one.
    ///
    /// Fails when the mapping is not valid, or the name (with the rule's call) makes no call.
    pub(crate) fn resolve(key: &str, options: &Options) -> Result<FilePlan, PlanError> {
        let rule = rule_for(key, options)?;
        let mut spec = FileSpec::with_call(key, rule.as_ref().and_then(|r| r.call.as_ref()))?;
        let delimiter = match rule.as_ref().and_then(|r| r.delimiter) {
            Some(d) => Delimiter::Given(d),
            None if spec.delimiter == b'\t' => Delimiter::Given(b'\t'),
            None => Delimiter::Guessed,
        };
        if let Delimiter::Given(d) = delimiter {
            spec.delimiter = d;
        }
        let header = match rule.as_ref().and_then(|r| r.header.clone()) {
            Some(names) => HeaderSource::Mapping(names),
            None => HeaderSource::File,
        };
        Ok(FilePlan {
            spec,
            encoding: rule.as_ref().map_or(Encoding::Utf8, |r| r.encoding),
            delimiter,
            header,
            skip: rule.as_ref().map(|r| r.skip).unwrap_or_default(),
            digest: rule.as_ref().map(|r| r.digest),
            sheet: rule.as_ref().and_then(|r| r.sheet.clone()),
            rule,
        })
    }

    /// Whether the engine's offsets are the file's: not for an encoding it transcodes (a
    /// UTF-16 byte order mark aside, which only the bytes tell).
    pub(crate) fn offsets_are_the_files(&self) -> bool {
        self.encoding == Encoding::Utf8
    }

    /// The header record of a file's `head` (what [`crate::Ingest::header`] gives): the head
    /// itself, or, when `skip` passes over records before the header, the record after them.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn header_record(&self, head: &[u8], delimiter: u8) -> Vec<u8> {
        if self.skip.before == 0 {
            return head.to_vec();
        }
        let mut reader = RecordReader::new(delimiter, 0, head.len().max(1));
        reader.skip_records(self.skip.before, 0);
        let mut found = None;
        let mut first = |rec: Record<'_>| {
            found.get_or_insert_with(|| rec.raw.to_vec());
            Ok::<bool, ()>(true)
        };
        let _ = reader.push(head, &mut first);
        let _ = reader.finish(&mut first);
        found.unwrap_or_else(|| head.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::{Delimiter, FilePlan, HeaderSource};
    use crate::options::Options;
    use crate::read::decode::Encoding;

    fn mapping(rules: &str) -> Options {
        Options {
            mapping: Some(format!(r#"{{"files": [{rules}]}}"#)),
            ..Options::default()
        }
    }

    #[test]
    fn the_header_record_of_a_head_is_the_one_after_the_preamble() {
        let options = |skip: u32| {
            mapping(&format!(
                r#"{{"match": "*.csv", "call": "track", "skip": {skip}}}"#
            ))
        };
        let plan = |o: &Options| FilePlan::resolve("r.csv", o).unwrap();
        let head = b"# Events, all\n\n# Account: x\r\n\"a\nb\",c";
        assert_eq!(plan(&options(2)).header_record(head, b','), b"\"a\nb\",c");
        assert_eq!(plan(&options(0)).header_record(b"a,b", b','), b"a,b");
        assert_eq!(
            FilePlan::resolve("track_r.csv", &Options::default())
                .unwrap()
                .header_record(b"a,b", b','),
            b"a,b"
        );
    }

    #[test]
    fn a_plan_says_where_each_part_of_the_dialect_comes_from() {
        let none = FilePlan::resolve("dir/track_a.csv", &Options::default()).unwrap();
        assert_eq!(none.spec.name, "track_a.csv");
        assert_eq!(
            (none.delimiter, none.spec.delimiter, &none.header),
            (Delimiter::Guessed, b',', &HeaderSource::File)
        );
        assert_eq!(
            (none.encoding, none.digest, none.rule.is_none()),
            (Encoding::Utf8, None, true)
        );

        let tsv = FilePlan::resolve("track_a.tsv", &Options::default()).unwrap();
        assert_eq!(
            (tsv.delimiter, tsv.spec.delimiter),
            (Delimiter::Given(b'\t'), b'\t')
        );

        let o = mapping(
            r#"{"match": "*.txt", "call": "identify", "delimiter": ";", "encoding": "windows-1252",
                "header": ["id", "mail"], "columns": {"id": "userId", "mail": "traits.email"}}"#,
        );
        let p = FilePlan::resolve("export.txt", &o).unwrap();
        assert_eq!(
            (p.delimiter, p.spec.delimiter),
            (Delimiter::Given(b';'), b';')
        );
        assert_eq!(p.encoding, Encoding::Windows1252);
        assert!(!p.offsets_are_the_files());
        assert_eq!(
            p.header,
            HeaderSource::Mapping(vec!["id".into(), "mail".into()])
        );
        assert_eq!(p.digest, p.rule.as_ref().map(|r| r.digest));
        assert!(p.digest.is_some_and(|d| d != [0; 20]));

        // `auto` in a `.tsv`'s rule: the name's tab.
        let auto = mapping(r#"{"match": "x.*", "call": "track", "delimiter": "auto"}"#);
        let p = FilePlan::resolve("x.tsv", &auto).unwrap();
        assert_eq!(p.delimiter, Delimiter::Given(b'\t'));
        let p = FilePlan::resolve("x.csv", &auto).unwrap();
        assert_eq!(p.delimiter, Delimiter::Guessed);
    }

    #[test]
    fn a_plan_fails_on_its_mapping_before_its_name() {
        let bad = mapping(r#"{"match": 3}"#);
        assert!(matches!(
            FilePlan::resolve("nothing.csv", &bad),
            Err(super::PlanError::Mapping(_))
        ));
        assert!(matches!(
            FilePlan::resolve("nothing.csv", &Options::default()),
            Err(super::PlanError::FileName(_))
        ));
    }
}
