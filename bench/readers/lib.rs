//! The two record readers of `npm run bench`, records only, as plain wasm exports: the host
//! copies the file into memory at `alloc(len)`, then times `ours` and `csv_core` on it. Each
//! returns the records read; `fields` the fields of the last run.

use std::cell::Cell;

thread_local! {
    static FIELDS: Cell<u64> = const { Cell::new(0) };
}

/// A buffer of `len` bytes for the host to fill; it lives as long as the instance.
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    Box::leak(vec![0u8; len].into_boxed_slice()).as_mut_ptr()
}

fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: the host passes a buffer from `alloc` of at least `len` bytes.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Fields counted by the last run.
#[no_mangle]
pub extern "C" fn fields() -> f64 {
    FIELDS.with(|f| f.get() as f64)
}

/// csv2segment's reader (src/read/records.rs) over the buffer.
#[no_mangle]
pub extern "C" fn ours(ptr: *const u8, len: usize) -> f64 {
    let (records, fields) = csv2segment::count_records(input(ptr, len), b',');
    FIELDS.with(|f| f.set(fields));
    records as f64
}

/// csv-core's reader over the buffer, in the same 64 KiB chunks, its output buffers reused.
#[no_mangle]
pub extern "C" fn csv_core(ptr: *const u8, len: usize) -> f64 {
    use csv_core::ReadRecordResult::*;
    let data = input(ptr, len);
    let mut reader = csv_core::Reader::new();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 64];
    let (mut out_at, mut ends_at) = (0, 0);
    let (mut records, mut fields) = (0u64, 0u64);
    let mut chunks = data.chunks(64 * 1024);
    let mut chunk: &[u8] = &[];
    loop {
        // An empty input tells csv-core the data has ended: only once the chunks have.
        if chunk.is_empty() {
            chunk = chunks.next().unwrap_or(&[]);
        }
        let (result, read, written, ended) =
            reader.read_record(chunk, &mut out[out_at..], &mut ends[ends_at..]);
        chunk = &chunk[read..];
        out_at += written;
        ends_at += ended;
        match result {
            InputEmpty => {}
            OutputFull => out.resize(out.len() * 2, 0),
            OutputEndsFull => ends.resize(ends.len() * 2, 0),
            Record => {
                records += 1;
                fields += ends_at as u64;
                out_at = 0;
                ends_at = 0;
            }
            End => break,
        }
    }
    FIELDS.with(|f| f.set(fields));
    records as f64
}
