// Generated from src/map/mapping/shape.rs and vocabulary.rs by tests/generated.rs: do not edit.

/**
 * How csv2segment reads files as they come (any name, delimiter, encoding and column names): a list of rules; the first whose match fits the file's base name applies. See docs/files-and-mappings.md, "Files as they come".
 * A mapping's text is at most 1048576 bytes (1 MiB, MAX_MAPPING_BYTES).
 */
export interface Mapping {
  /** The schema the file follows, for editors. */
  $schema?: string;
  /** The rules, in order. A file no rule matches is read by its name and header. */
  files: MappingRule[];
}

/** The Segment call that every row of a file becomes, chosen by the file name's prefix. */
export type CallKind = "identify" | "track" | "page" | "screen" | "group" | "alias" | "object";

/** The `:type` suffix of a column. Serialises as its name (`"number"`). */
export type ColumnType = "string" | "number" | "integer" | "boolean" | "timestamp" | "json";

/** A column's target with its type and the date format its values are read with. */
export interface MappedColumn {
  /** A chrono strftime pattern for dates, like %d.%m.%Y %H:%M. */
  format?: string;
  /** A fixed offset for dates that carry no zone, like +01:00; default UTC. */
  timezone?: string;
  /** Where the column goes, like properties.amount. */
  to: string;
  /** The type its cells are sent as. */
  type?: ColumnType;
  /** What becomes of a cell the values table does not list: sent as the column sends it, as written (keep, the default), or its row rejected with a message naming the value and the table (reject). */
  unlisted?: "keep" | "reject";
  /**
   * The column's values and the string to send for each, like {"view": "Product Viewed"}: a cell the table lists (matched as written, with the spaces around it trimmed) is sent as its string; any other as the column sends it, or its row is rejected with "unlisted": "reject". For a column sent as text (no type, or string) and without a format;
   * at most 1000 entries (MAX_VALUES), each string at most 32768 bytes as JSON (MAX_CONSTANT_BYTES).
   */
  values?: Record<string, string>;
  /**
   * Other columns whose cells complete this column's date, like a time and a time zone kept in columns of their own: each row's cells are joined with single spaces (this column's first, then these in order) and read with the format, which covers them all. The columns named here are not sent on their own unless the rule's columns map them.
   * At most 3 (MAX_WITH_COLUMNS).
   */
  with?: string[];
}

/** One rule of a mapping: the first whose match fits the file's base name applies. */
export interface MappingRule {
  /** The call every row becomes; without it, the file name's prefix decides. */
  call?: CallKind;
  /** The Objects API collection (with call object): lowercase letters and _, at most 100, no _ at either end. */
  collection?: string;
  /**
   * The file's column name: a target in header syntax, an object, or null to drop the column.
   * At most 32768 (MAX_MAPPING_COLUMNS), the most columns a 64 KB header can have.
   */
  columns?: Record<string, null | string | MappedColumn>;
  /** The decimal mark of numbers: with , the thousands separator . is read (1.234,50 is 1234.5). */
  decimal?: "." | ",";
  /** One ASCII character other than a quote or a line break, or auto (the default): guessed from the header among , ; tab |. */
  delimiter?: string;
  /** The file's encoding; a byte order mark wins over it. */
  encoding?: "utf-8" | "utf-16" | "utf-16be" | "windows-1252" | "macintosh" | "iso-8859-1";
  /**
   * A line-item export (one row per item of an order): consecutive rows with the same cell in this column are one event. The event's fields are read from the group's first row; each column whose target has [] (like properties.products[].sku) is read from every row of the group, in row order, into that list.
   * At most 1000 rows a group (MAX_GROUP_ROWS); a larger group is rejected.
   */
  group?: string;
  /**
   * The file has no header row: these are its columns, in order. As a header record (the names with a delimiter between each two)
   * at most 65536 bytes (MAX_HEADER_BYTES), so at most 32768 names.
   */
  header?: string[];
  /** A glob on the file's base name: * any run of characters, ? one; case-insensitive. */
  match: string;
  /**
   * Values every row gets, by path in header syntax (no :type):
   * at most 32768 (MAX_MAPPING_COLUMNS), each at most 32768 bytes as JSON (MAX_CONSTANT_BYTES).
   * Each is checked as a cell of its field, for the rule's call or else the call the file's name makes: a date (a path ending in timestamp or createdAt) is a string the date rules read (like 2019-05-11T20:32:27.940Z, 2019-05-11 or Unix seconds), sent as ISO-8601 UTC; the call's own fields (userId, anonymousId, previousId, groupId, event, name, category) take strings; integrations.<Destination> takes true or false, or an object of the destination's settings; an object call's properties take a string, a number or true/false. Elsewhere the value's JSON type is sent as it is.
   */
  set?: Record<string, string | number | boolean | object | unknown[]>;
  /** For an Excel workbook (.xlsx, .xlsm): the sheet whose rows are read, by its name as its tab shows it (case ignored) or by its position from 1; the first sheet by default. A workbook without that sheet is not read, and the error lists its sheets. */
  sheet?: string | number;
  /**
   * Rows not read (as a CSV reader counts them: blank lines are not counted, and a quoted line break is one row): a number of rows before the header row (a report title, # comments, a Key,Value block), or {"before": n, "after": m} to also pass over more header rows after it (Qualtrics writes labels and import ids under its names).
   * At most 1000 each (MAX_SKIP). Line numbers in reports stay the file's.
   */
  skip?: number | SkipAround;
  /** Columns not named in columns: kept by the header rules (the default), or dropped. */
  unmapped?: "keep" | "drop";
}

/** Rows not read before the header row and after it. */
export interface SkipAround {
  /** Rows after the header row: more header rows, not data. */
  after?: number;
  /** Rows before the header row. */
  before?: number;
}

/** What a mapping may say, and the engine's sizes around it. */
export interface Vocabulary {
  /** The start of a value the draft leaves to fill in; a mapping with one is refused. */
  blankPrefix: string;
  /** The calls, as `call` takes them. */
  calls: string[];
  /** The decimal marks; the first is the default. */
  decimals: string[];
  /** The delimiters a run guesses among when `delimiter` is `auto` (any other ASCII one may be named). */
  delimiters: string[];
  /** How much of a file the draft reads (DRAFT_SAMPLE_BYTES). */
  draftSampleBytes: number;
  /** The encodings, as `encoding` takes them; the first is the default. */
  encodings: string[];
  /**
   * The list a line-item export's item columns go into, as the draft writes their targets'
   * start (`properties.products[]`, the e-commerce spec's products).
   */
  itemsList: string;
  /** The largest set value as JSON (MAX_CONSTANT_BYTES). */
  maxConstantBytes: number;
  /** The most rows a rule's group makes one event (MAX_GROUP_ROWS). */
  maxGroupRows: number;
  /** The largest header record, and so a rule's header list (MAX_HEADER_BYTES). */
  maxHeaderBytes: number;
  /** The largest mapping text (MAX_MAPPING_BYTES). */
  maxMappingBytes: number;
  /** The most entries of a rule's columns or set (MAX_MAPPING_COLUMNS). */
  maxMappingColumns: number;
  /** The most rows `skip` passes over before the header row, and after it (MAX_SKIP). */
  maxSkip: number;
  /** The most entries of a column's values table (MAX_VALUES). */
  maxValues: number;
  /** The column types, as `type` and a target's `:type` take them. */
  types: string[];
  /** What a column's `unlisted` takes; the first is the default. */
  unlisted: string[];
  /** What `unmapped` takes; the first is the default. */
  unmapped: string[];
}
