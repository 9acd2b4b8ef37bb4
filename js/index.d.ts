import type * as Engine from '../pkg/csv2segment.js';

export type {
  Batch,
  ByteRange,
  CallKind,
  CellType,
  ColumnExample,
  ColumnInfo,
  ColumnType,
  Combined,
  Draft,
  DraftNote,
  DraftNoteKind,
  FileInfo,
  GroupNotes,
  Gunzip,
  HeaderError,
  Ingest,
  IngestOptions,
  MappedColumn,
  Mapping,
  MappingRule,
  MappingUsed,
  Part,
  Position,
  Progress,
  Rejection,
  Report,
  Shard,
  SkipAround,
  Split,
  SplitSoFar,
  Splitter,
  Validation,
  Vocabulary,
  WorkbookDraft,
  WorkbookIngest,
} from '../pkg/csv2segment.js';

/** The engine's module, initialised once per process. */
export function loadEngine(): Promise<typeof Engine>;

/** Writes the send time into a /v1/batch body's sentAt placeholder, in place. */
export function stampSentAt(batch: Engine.Batch, now?: Date): Engine.Batch;
