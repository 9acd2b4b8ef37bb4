//! Reads the call, the Objects collection and the CSV dialect from an object key such as `exports/track_2024-05.csv.gz`.

use std::fmt;

use serde::Serialize;

/// The Segment call that every row of a file becomes, chosen by the file name's prefix.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    /// `identify_…`: who the user is (`traits`).
    Identify,
    /// `track_…`: what the user did (`event`, `properties`).
    Track,
    /// `page_…`: a page view (`name`, `category`, `properties`).
    Page,
    /// `screen_…`: a mobile screen view (`name`, `properties`).
    Screen,
    /// `group_…`: the user's account or company (`groupId`, `traits`).
    Group,
    /// `alias_…`: two identities of one user (`previousId`, `userId`).
    Alias,
    /// `object_<collection>_…`: rows of an Objects API collection.
    Object,
}

impl CallKind {
    /// Every call, in the order messages list them.
    pub const ALL: [CallKind; 7] = [
        CallKind::Identify,
        CallKind::Track,
        CallKind::Page,
        CallKind::Screen,
        CallKind::Group,
        CallKind::Alias,
        CallKind::Object,
    ];

    /// The name Segment uses in a message's `type`, and in the file name's prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Identify => "identify",
            CallKind::Track => "track",
            CallKind::Page => "page",
            CallKind::Screen => "screen",
            CallKind::Group => "group",
            CallKind::Alias => "alias",
            CallKind::Object => "object",
        }
    }

    /// The call named `name` (`track`), as a mapping names it.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn from_name(name: &str) -> Option<CallKind> {
        PREFIXES
            .iter()
            .find(|(p, _)| p.strip_suffix('_') == Some(name))
            .map(|&(_, k)| k)
    }
}

/// The prefixes a file name may start with, and the call each picks: the one list of them.
const PREFIXES: [(&str, CallKind); 7] = [
    ("identify_", CallKind::Identify),
    ("track_", CallKind::Track),
    ("page_", CallKind::Page),
    ("screen_", CallKind::Screen),
    ("group_", CallKind::Group),
    ("alias_", CallKind::Alias),
    ("object_", CallKind::Object),
];

/// The prefixes a file name may start with, as told to a user whose file has none, written
/// from [`PREFIXES`]: `identify_, track_, page_, screen_, group_, alias_ or object_<collection>_`.
///
/// ```
/// assert_eq!(
///     csv2segment::ACCEPTED_PREFIXES.to_string(),
///     "identify_, track_, page_, screen_, group_, alias_ or object_<collection>_"
/// );
/// ```
pub const ACCEPTED_PREFIXES: AcceptedPrefixes = AcceptedPrefixes;

/// The list of accepted prefixes, displayed; see [`ACCEPTED_PREFIXES`].
#[derive(Clone, Copy, Debug)]
pub struct AcceptedPrefixes;

impl fmt::Display for AcceptedPrefixes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = PREFIXES.len() - 1;
        for (i, (prefix, kind)) in PREFIXES.iter().enumerate() {
            let sep = match i {
                0 => "",
                _ if i == last => " or ",
                _ => ", ",
            };
            let collection = if *kind == CallKind::Object {
                "<collection>_"
            } else {
                ""
            };
            write!(f, "{sep}{prefix}{collection}")?;
        }
        Ok(())
    }
}

/// What is wrong with a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileNameProblem {
    /// The name starts with none of the accepted prefixes.
    UnknownPrefix,
    /// The name ends in none of the accepted extensions.
    UnknownExtension,
    /// The `object_` collection breaks Segment's naming rule.
    BadCollection {
        /// The collection read from the name.
        collection: String,
        /// Which part of the rule it breaks.
        why: &'static str,
    },
}

impl fmt::Display for FileNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileNameProblem::UnknownPrefix => write!(
                f,
                "the file name does not say which call to make; start it with \
                 {ACCEPTED_PREFIXES} (for example track_2024-05.csv)"
            ),
            FileNameProblem::UnknownExtension => f.write_str(
                "the file name must end in .csv, .tsv or .txt, optionally followed by .gz, or in .xlsx",
            ),
            FileNameProblem::BadCollection { collection, why } => write!(
                f,
                "the collection '{collection}' cannot be used: {why}; rename the file like \
                 object_rooms_1.csv"
            ),
        }
    }
}

/// A file name that does not say how to read the file; it becomes an [`crate::Error`] of kind
/// [`crate::ErrorKind::FileName`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileNameError {
    /// The file name, without folders.
    pub name: String,
    /// What is wrong with it.
    pub problem: FileNameProblem,
}

impl fmt::Display for FileNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.problem)
    }
}

impl std::error::Error for FileNameError {}

/// Segment's limit on a collection name (it becomes a warehouse table).
const MAX_COLLECTION_LEN: usize = 100;

/// What a file name says about its contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
// Its TypeScript name, as the binding has always called it.
#[schemars(rename = "FileInfo")]
pub struct FileSpec {
    /// The file name without its folders.
    pub name: String,
    /// The call each row becomes.
    pub kind: CallKind,
    /// The Objects API collection, for `object_` files.
    pub collection: Option<String>,
    /// The field delimiter: a tab for `.tsv`, a comma otherwise; the mapping's, or guessed from
    /// the header (after the header is read).
    #[serde(serialize_with = "serialize_delimiter")]
    #[schemars(with = "String")]
    pub delimiter: u8,
    /// The name ends in `.gz`: decompress before writing to the engine.
    pub gzip: bool,
}

fn serialize_delimiter<S: serde::Serializer>(d: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(char::from(*d).encode_utf8(&mut [0; 4]))
}

impl FileSpec {
    /// Reads a key such as `uploads/object_product_variants__2024.csv.gz`.
    ///
    /// ```
    /// use csv2segment::{CallKind, FileSpec};
    /// let spec = FileSpec::from_key("uploads/object_product_variants__2024.csv.gz").unwrap();
    /// assert_eq!(spec.kind, CallKind::Object);
    /// assert_eq!(spec.collection.as_deref(), Some("product_variants"));
    /// assert!(spec.gzip);
    /// ```
    pub fn from_key(key: &str) -> Result<FileSpec, FileNameError> {
        FileSpec::with_call(key, None)
    }

    /// Reads a key as [`FileSpec::from_key`] does, but with the call (and collection) a
    /// mapping gives, when it gives one: then the name may be anything with an accepted extension.
    pub(crate) fn with_call(
        key: &str,
        call: Option<&(CallKind, Option<String>)>,
    ) -> Result<FileSpec, FileNameError> {
        let name = key.rsplit(['/', '\\']).next().unwrap_or(key);
        let fail = |problem| FileNameError {
            name: name.to_string(),
            problem,
        };

        let by_prefix = PREFIXES.iter().find_map(|&(prefix, kind)| {
            let head = name.get(..prefix.len())?;
            head.eq_ignore_ascii_case(prefix)
                .then(|| (kind, &name[prefix.len()..]))
        });
        let (kind, rest) = match (call, by_prefix) {
            (Some((kind, _)), _) => (*kind, name),
            (None, Some(found)) => found,
            (None, None) => return Err(fail(FileNameProblem::UnknownPrefix)),
        };

        let lower = name.to_ascii_lowercase();
        let (gzip, without_gz) = match lower.strip_suffix(".gz") {
            Some(stem) => (true, stem),
            None => (false, lower.as_str()),
        };
        let workbook = !gzip && (lower.ends_with(".xlsx") || lower.ends_with(".xlsm"));
        let delimiter = if without_gz.ends_with(".tsv") {
            b'\t'
        } else if without_gz.ends_with(".csv") || without_gz.ends_with(".txt") || workbook {
            b','
        } else {
            return Err(fail(FileNameProblem::UnknownExtension));
        };

        let collection = if let Some((_, given)) = call {
            // The mapping's collection was checked with the mapping.
            given.clone()
        } else if kind == CallKind::Object {
            // The extensions are ASCII, so their length is the same in `rest`'s original case.
            let ext = if workbook {
                ".xlsx".len()
            } else {
                ".csv".len()
            };
            let ext_len = name.len() - without_gz.len() + ext;
            let stem = rest.get(..rest.len().saturating_sub(ext_len)).unwrap_or("");
            let collection = match stem.find("__") {
                Some(end) => &stem[..end],
                None => stem.split('_').next().unwrap_or(""),
            };
            check_collection(collection).map_err(|why| {
                fail(FileNameProblem::BadCollection {
                    collection: collection.to_string(),
                    why,
                })
            })?;
            Some(collection.to_string())
        } else {
            None
        };

        Ok(FileSpec {
            name: name.to_string(),
            kind,
            collection,
            delimiter,
            gzip,
        })
    }
}

/// Segment's rule for a collection: lowercase letters and `_`, at most 100, no `_` at either end.
pub(crate) fn check_collection(c: &str) -> Result<(), &'static str> {
    if c.is_empty() {
        return Err("it is empty");
    }
    if c.len() > MAX_COLLECTION_LEN {
        return Err("it is longer than 100 characters");
    }
    if !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err("it may hold only lowercase letters a-z and _");
    }
    if c.starts_with('_') || c.ends_with('_') {
        return Err("it may not start or end with _");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str) -> FileSpec {
        FileSpec::from_key(key).unwrap()
    }

    fn err(key: &str) -> String {
        FileSpec::from_key(key).unwrap_err().to_string()
    }

    #[test]
    fn prefixes_pick_the_call() {
        assert_eq!(spec("identify_1.csv").kind, CallKind::Identify);
        assert_eq!(spec("track_1.csv").kind, CallKind::Track);
        assert_eq!(spec("page_x.csv").kind, CallKind::Page);
        assert_eq!(spec("screen_x.csv").kind, CallKind::Screen);
        assert_eq!(spec("group_x.csv").kind, CallKind::Group);
        assert_eq!(spec("alias_x.csv").kind, CallKind::Alias);
        assert_eq!(spec("TRACK_Upper.CSV").kind, CallKind::Track);
        assert_eq!(spec("a/b/c/Identify_x.csv").name, "Identify_x.csv");
    }

    #[test]
    fn extensions_pick_delimiter_and_gzip() {
        let s = spec("track_1.tsv.gz");
        assert_eq!((s.delimiter, s.gzip), (b'\t', true));
        let s = spec("track_1.txt");
        assert_eq!((s.delimiter, s.gzip), (b',', false));
        let s = spec("track_1.CSV.GZ");
        assert_eq!((s.delimiter, s.gzip), (b',', true));
    }

    #[test]
    fn collections() {
        assert_eq!(
            spec("object_rooms_1.csv").collection.as_deref(),
            Some("rooms")
        );
        assert_eq!(
            spec("object_rooms.csv").collection.as_deref(),
            Some("rooms")
        );
        assert_eq!(
            spec("x/object_product_variants__2024.csv")
                .collection
                .as_deref(),
            Some("product_variants")
        );
        assert_eq!(
            spec("OBJECT_rooms_2.tsv.gz").collection.as_deref(),
            Some("rooms")
        );
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        assert_eq!(
            err("uploads/users.csv"),
            "users.csv: the file name does not say which call to make; start it with \
             identify_, track_, page_, screen_, group_, alias_ or object_<collection>_ \
             (for example track_2024-05.csv)"
        );
        assert_eq!(
            err("track_1.xls"),
            "track_1.xls: the file name must end in .csv, .tsv or .txt, optionally followed by \
             .gz, or in .xlsx"
        );
        // A workbook: read by crate::workbook, its rows as a CSV's.
        assert_eq!(spec("identify_users.xlsx").kind, CallKind::Identify);
        assert_eq!(
            spec("object_rooms_1.XLSM").collection.as_deref(),
            Some("rooms")
        );
        assert_eq!(
            err("track_1.xlsx.gz"),
            "track_1.xlsx.gz: the file name must end in .csv, \
             .tsv or .txt, optionally followed by .gz, or in .xlsx"
        );
        assert_eq!(
            err("object_Rooms_1.csv"),
            "object_Rooms_1.csv: the collection 'Rooms' cannot be used: it may hold only \
             lowercase letters a-z and _; rename the file like object_rooms_1.csv"
        );
        assert_eq!(
            err("object__x.csv"),
            "object__x.csv: the collection '' cannot be used: it is empty; rename the file \
             like object_rooms_1.csv"
        );
        assert_eq!(
            err("object__rooms__x.csv"),
            "object__rooms__x.csv: the collection '_rooms' cannot be used: it may not start \
             or end with _; rename the file like object_rooms_1.csv"
        );
    }
}
