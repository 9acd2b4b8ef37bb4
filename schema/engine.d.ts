// Generated from the engine's Rust types (see src/values.rs) by tests/generated.rs: do not edit.

/**
 * A request body as a host is handed it: where it goes, the body, where to stamp `sentAt`, and
 * which lines it holds.
 */
export interface Batch {
  /** The JSON body; for /v1/batch, write the ISO send time over the 24 bytes at sentAtOffset. */
  body: Uint8Array;
  /** Which API it is for. */
  endpoint: "batch" | "set";
  /** How many events (or objects) it holds. */
  events: number;
  /** The line of its first row. */
  firstLine: number;
  /** The line of its last row. */
  lastLine: number;
  /** The request path. */
  path: "/v1/batch" | "/v1/set";
  /** Where `sentAt`'s placeholder starts, for /v1/batch bodies; null for /v1/set. */
  sentAtOffset: number | null;
}

/** A range of a workbook's bytes the engine asks for: from `start` up to, not including, `end`. */
export interface ByteRange {
  /** The byte after the last. */
  end: number;
  /** The first byte. */
  start: number;
  /**
   * A part read as it comes (the shared strings, the sheet): write it in chunks (of any
   * size, in order) rather than holding it whole. Otherwise a small range, read at once.
   */
  stream: boolean;
}

/** How a column's cells are typed: its ColumnType, or for a column that names none, "auto" (numbers and true/false typed, other text a string) or "flag" (true/false as booleans, other text a string; integrations.*). */
export type CellType = ColumnType | "auto" | "flag";

/**
 * A column of the drafted file and one of its values, for an editor to show next to the
 * column's target (and to read with its date format).
 */
export interface ColumnExample {
  /** The column's name (as in the rule's `columns`). */
  column: string;
  /** Its first non-empty value in the sampled rows, trimmed; null when all were empty. */
  value: string | null;
}

/** How a column of the file is used, for the report and the preview. */
export interface ColumnInfo {
  /** The mapping leaves the column out of the payload (absent when it does not). */
  dropped?: true;
  /** The 1-based position. */
  index: number;
  /** The header as written. */
  name: string;
  /** Where its value goes in the payload, like `context.device.id`; null when the column has a problem. */
  target: string | null;
  /** How its cells are typed; null when the column has a problem. */
  type: CellType | null;
}

/** The whole file's report from its pieces', and the rejects CSV. */
export interface Combined {
  /** The rejected rows of all pieces (up to maxRejections), with their reasons; undefined if none. */
  rejectsCsv: Uint8Array | undefined;
  /** The whole file's report. */
  report: Report;
}

/** A mapping rule drafted from a file's first 65536 bytes (DRAFT_SAMPLE_BYTES), and the notes on it. */
export interface Draft {
  /** Every column of the file, in file order, with its first non-empty sampled value. */
  examples: ColumnExample[];
  /**
   * The file's first records as the draft read them (its delimiter and encoding), none
   * skipped: the rows the rule's `skip` passes over, the header row and the first rows of
   * values, so an editor can show which rows `skip` leaves unread. At least
   * `sniff.FIRST_ROWS` when the sample has them.
   */
  firstRows: string[][];
  /** Guesses, ambiguities, blanks and dropped columns, in the order of the rule. */
  notes: DraftNote[];
  /** One entry of a mapping's `files`, keys in reading order. */
  rule: MappingRule;
}

/** One thing a person should look at in a draft. */
export interface DraftNote {
  /** The column it is about, if one. */
  column: string | null;
  /** What kind of note. */
  kind: DraftNoteKind;
  /** The note, in plain words. */
  message: string;
  /** Where in the rule, like `columns["Signup Date"].format`; "" for the rule as a whole. */
  path: string;
}

/**
 * What a note on a draft is: a guess, an ambiguous date order, a blank to fill, a dropped
 * column, damaged values.
 */
export type DraftNoteKind = "guess" | "ambiguous" | "blank" | "dropped" | "damaged";

/** What a file name says about its contents. */
export interface FileInfo {
  /** The Objects API collection, for `object_` files. */
  collection: string | null;
  /**
   * The field delimiter: a tab for `.tsv`, a comma otherwise; the mapping's, or guessed from
   * the header (after the header is read).
   */
  delimiter: string;
  /** The name ends in `.gz`: decompress before writing to the engine. */
  gzip: boolean;
  /** The call each row becomes. */
  kind: CallKind;
  /** The file name without its folders. */
  name: string;
}

/** What a run noticed about a mapping's groups: how often, and the first few in words. */
export interface GroupNotes {
  /** How many times. */
  count: number;
  /** The first few, like "line 5, column 'Total': '30.00' differs from line 3's '25.00'; line 3's was sent". */
  first: string[];
}

/** A problem of the header, as the report's JSON has it. */
export interface HeaderError {
  /** The column's 1-based position; null for a column that is missing. */
  column: number | null;
  /** What is wrong, with the fix. */
  message: string;
  /** The column's name as written in the header. */
  name: string;
}

/** Settings of an Ingest; every one has a default. */
export interface IngestOptions {
  /** What an empty cell of properties, traits or an object becomes. Default "omit". */
  empty?: "omit" | "null" | "string";
  /**
   * A mapping (the text of a csv2segment.json, see schema/csv2segment.schema.json): how to read
   * files that were not named and headed for csv2segment. Every host passes the same bytes.
   * At most 1048576 bytes (MAX_MAPPING_BYTES, also maxMappingBytes()): a longer one is refused unread.
   */
  mapping?: string;
  /** The version of the mapping read (its eTag), for the report. */
  mappingETag?: string;
  /** Where the mapping was found (a bucket key, a path), for the report and messages. */
  mappingKey?: string;
  /** Largest request body in bytes. Default and ceiling 486400 (MAX_BATCH_BYTES). */
  maxBatchBytes?: number;
  /** Most events in a /v1/batch body. Default and ceiling 2500 (MAX_BATCH_EVENTS). */
  maxBatchEvents?: number;
  /** Most objects in a /v1/set body. Default and ceiling 10 (MAX_OBJECTS_PER_REQUEST). */
  maxObjectsPerRequest?: number;
  /** Largest row in bytes (line ending excluded): a longer one is rejected without being held. Default 1048576 (DEFAULT_MAX_RECORD_BYTES); at most 1 GiB. */
  maxRecordBytes?: number;
  /** Rejected rows kept in full in the report (all are counted). Default 1000 (DEFAULT_MAX_REJECTIONS). */
  maxRejections?: number;
  /** Payloads kept as samples. Default 0 (5 for validate). */
  samplePayloads?: number;
  /** "infer": exact numbers and true/false typed; "strings": every data cell a string. Default "infer". */
  typing?: "infer" | "strings";
}

/** Which mapping a file was read through, and which of its rules applied. */
export interface MappingUsed {
  /** Its version (an object's eTag). */
  eTag: string | null;
  /** Where the host found it (a bucket key, a path). */
  key: string | null;
  /**
   * The index in `files` of the rule that matched the file; null when none did and the
   * file was read by its name and header.
   */
  rule: number | null;
  /** The SHA-256 of its text, in hex: which mapping it was, whatever its key holds now. */
  sha256: string;
}

/**
 * One piece of a file run in several pieces, as the host stores it (`{"start", "end", "last",
 * "report"}`; other keys the host keeps there, like its delivery, are not read).
 */
export interface Part {
  /** Where the next piece goes on (after the piece's last row). */
  end: Position;
  /** This piece read to the end of the file. */
  last: boolean;
  /** The piece's report (`chain` does without it, `combine` needs it). */
  report: Report;
  /** Where the piece's first row starts; a part without it is passed over. */
  start: Position;
}

/**
 * A place where a row starts: bytes before it, and its 1-based line. In an Excel workbook,
 * whose rows have no byte offsets, both are its 1-based sheet row (see
 * `WorkbookIngest.suspend`): a host keeps the one type for either.
 */
export interface Position {
  /** Its 1-based line: one more than the line feeds before it. */
  line: number;
  /** Bytes before it. */
  offset: number;
}

/** Counts so far, cheap enough to ask after every write. */
export interface Progress {
  /** Request bodies made. */
  batches: number;
  /** Rows that became events (or objects). */
  events: number;
  /** Bytes of the file written to the engine. */
  inputBytes: number;
  /** Rows rejected. */
  rejected: number;
  /** Data rows read (the header not counted). */
  rows: number;
}

/** A rejected row, as the report's JSON has it. */
export interface Rejection {
  /** The 1-based column at fault, if one is. */
  column: number | null;
  /** That column's header. */
  field: string | null;
  /**
   * For a row of a group (a line-item export's order), the line of its first row: a rejects
   * file lists a group's rows all together or not at all.
   */
  group?: number | null;
  /** The 1-based line where the row starts (the header is line 1). */
  line: number;
  /** The line, the column and the reason: "line 5, column 8 (timestamp): " and the reason. */
  message: string;
  /** The row's byte offset in the file. */
  offset: number;
  /** Why, with the fix. */
  reason: string;
  /** The row as it stands in the file. */
  row: string;
}

/** The report of one file. Serialises to the camelCase JSON the hosts write out. */
export interface Report {
  /**
   * Cells of the rows sent that were read without the apostrophe Excel writes before a
   * number kept as text (`'02134` sent as `02134`, Mailchimp's `'-6` as `-6`).
   */
  apostrophesRemoved: number;
  /** Request bodies made. */
  batches: number;
  /** How each column is used. */
  columns: ColumnInfo[];
  /** The error that stopped the file, if one did. */
  error: string | null;
  /**
   * Rows that became events (or objects); with a mapping's `group`, the events sent, one
   * per group.
   */
  events: number;
  /** What the file name says; null when the name is not accepted. */
  file: FileInfo | null;
  /** Whether the whole file was read. */
  finished: boolean;
  /**
   * With a mapping's `group`: later rows of a group whose order-level cell differs from the
   * group's first row's (whose value was sent). Absent when none.
   */
  groupConflicts?: GroupNotes;
  /**
   * With a mapping's `group`: the rows sent inside the event of their group's first row (an
   * order's later lines), so that rows = events + rejected + groupedRows. Absent when 0.
   */
  groupedRows?: number;
  /** The header's problems, if it had any. */
  headerErrors: HeaderError[];
  /** Bytes of the file written to the engine. */
  inputBytes: number;
  /** The mapping the file was read through, when one was given. */
  mapping: MappingUsed | null;
  /** Bytes of the events, without batch framing. */
  payloadBytes: number;
  /** Rows rejected. */
  rejected: number;
  /** The first rejected rows (up to the `maxRejections` option). */
  rejections: Rejection[];
  /** Data rows read (the header not counted). */
  rows: number;
  /**
   * With a mapping's `group`: groups whose cell came back after other rows, each part sent
   * as an event of its own (a group is consecutive rows). Found among the last
   * 1024 groups of a piece (RECENT_GROUPS). Absent when none.
   */
  splitGroups?: GroupNotes;
  /**
   * With a mapping's `group`: rejected groups left out of `rejections` (and so of the rejects
   * file) because all their rows did not fit in what the report keeps (`maxRejections`): a
   * group is listed whole or not at all, so a rejects file sent again never sends part of an
   * order. Absent when none.
   */
  unlistedGroups?: GroupNotes;
}

/** Rows starting in [start.offset, end) of a file. */
export interface Shard {
  /** The offset of the next shard's start, or the file's size. */
  end: number;
  /** Where its first record starts (or the line endings before it). */
  start: Position;
}

/** How a file splits into shards at row boundaries. */
export interface Split {
  /**
   * The header record as it stands in the file, without its line ending. With records to
   * skip before it (a mapping's `skip`), the file's head: from the start of its text to the
   * end of the header record, the preamble included (what `Ingest.header` gives).
   */
  header: string;
  /** The shards, in file order; they cover every byte after the header. */
  shards: Shard[];
  /** The file's size in bytes (after `Splitter.suspend`, the end of the last shard). */
  size: number;
}

/**
 * A split made so far, by a pass that stopped early: the shards complete so far, and where a
 * pass that resumes goes on.
 */
export interface SplitSoFar {
  /** Where the next pass goes on (resume there). */
  next: Position;
  /** The shards complete so far. */
  split: Split;
}

/** The outcome of `validate`: the report and the first payloads, nothing sent. */
export interface Validation {
  /** The first payloads, as they would be sent. */
  payloads: unknown[];
  /** The report, with `error` set when the file could not be read at all. */
  report: Report;
}
