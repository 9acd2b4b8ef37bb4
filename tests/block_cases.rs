//! Every byte value at every place of a scan's block (src/base/blockscan.rs), in quoted and
//! unquoted cells, through the engine, against the events and rejections worked out here by
//! hand: a byte the record reader or the JSON escaper skips that it must look at gives other
//! cells, an unescaped string or an unchecked byte past ASCII. Run natively (8-byte SWAR
//! blocks) and, included by tests/wasm.rs, in WebAssembly with 16-byte SIMD blocks.

use csv2segment::{Ingest, Options};
use serde_json::{json, Map, Value};

/// Places tried: every place of two blocks of the widest build (16 bytes) and one past.
const PLACES: usize = 33;

const HEADER: &str = "userId,event,properties.x,properties.y\n";

/// What the engine gave, or must give: each event's userId, event and properties, and the
/// lines of the rows it rejected.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub events: Vec<Value>,
    pub rejected: Vec<u64>,
}

/// The events and rejected lines of `data` (a track file) written in `chunk`-byte pieces.
pub fn run(data: &[u8], chunk: usize) -> Outcome {
    run_pieces(&data.chunks(chunk.max(1)).collect::<Vec<_>>())
}

/// The events and rejected lines of a track file written in `pieces`.
pub fn run_pieces(pieces: &[&[u8]]) -> Outcome {
    let mut ing = Ingest::new("track_blocks.csv", "blocks", Options::default()).unwrap();
    let mut out = Outcome::default();
    let take = |ing: &mut Ingest, out: &mut Outcome| {
        while let Some(b) = ing.next_batch() {
            let body: Value = serde_json::from_slice(&b.body).unwrap();
            for e in body["batch"].as_array().unwrap() {
                out.events.push(json!({
                    "userId": e["userId"],
                    "event": e["event"],
                    "properties": e["properties"],
                }));
            }
        }
    };
    for piece in pieces {
        ing.write(piece).unwrap();
        take(&mut ing, &mut out);
    }
    ing.finish().unwrap();
    take(&mut ing, &mut out);
    out.rejected = ing.report().rejections.iter().map(|r| r.line).collect();
    out
}

/// An event as [`run`] gives it: non-empty properties only.
fn event(user: &str, name: &str, props: &[(&str, &[u8])]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        if !v.is_empty() {
            p.insert(k.to_string(), Value::from(std::str::from_utf8(v).unwrap()));
        }
    }
    json!({ "userId": user, "event": name, "properties": p })
}

/// A file of one row per byte value, each with that byte after `place` bytes of text in a
/// quoted (`quoted`) or unquoted cell, and what the engine must give for it: the cell as it is
/// (escaped in the JSON), or the row rejected (a byte past ASCII alone is no UTF-8; an
/// unquoted delimiter or line break gives rows of other widths than the header's).
pub fn cases(place: usize, quoted: bool) -> (Vec<u8>, Outcome) {
    let mut data = HEADER.as_bytes().to_vec();
    let mut want = Outcome::default();
    let mut line = 2;
    let before = vec![b'a'; place];
    for b in 0..=255u8 {
        if !quoted && place == 0 && b == b'"' {
            // A quote first opens a quoted cell: the quoted cases hold it.
            continue;
        }
        let mut cell = before.clone();
        cell.push(b);
        cell.extend_from_slice(b"aaa");
        data.extend_from_slice(b"1,e,");
        if quoted {
            data.push(b'"');
            for &c in &cell {
                data.extend_from_slice(if c == b'"' {
                    b"\"\""
                } else {
                    std::slice::from_ref(&c)
                });
            }
            data.push(b'"');
        } else {
            data.extend_from_slice(&cell);
        }
        data.extend_from_slice(b",z\n");
        if b >= 0x80 {
            // A byte past ASCII alone is no UTF-8.
            want.rejected.push(line);
        } else if quoted {
            want.events
                .push(event("1", "e", &[("x", &cell), ("y", b"z")]));
        } else if b == b',' {
            // Five fields for four columns.
            want.rejected.push(line);
        } else if b == b'\n' || b == b'\r' {
            // Two rows, of three fields and of two; `\r` alone ends a record, not a line.
            want.rejected.extend([line, line + u64::from(b == b'\n')]);
        } else {
            want.events
                .push(event("1", "e", &[("x", &cell), ("y", b"z")]));
        }
        line += 1 + u64::from(b == b'\n');
    }
    (data, want)
}

/// Every byte at every place of a block, quoted and unquoted, read whole and in 7-byte chunks.
pub fn every_byte_at_every_place_reads_as_written_by_hand() {
    for quoted in [false, true] {
        for place in 0..PLACES {
            let (data, want) = cases(place, quoted);
            for chunk in [data.len(), 7] {
                let got = run(&data, chunk);
                if got != want {
                    let at = got
                        .events
                        .iter()
                        .zip(&want.events)
                        .position(|(g, w)| g != w);
                    panic!(
                        "quoted {quoted}, place {place}, chunks of {chunk}: first differing event {at:?}: {:?} vs {:?}; rejected {:?} vs {:?}",
                        at.map(|i| &got.events[i]),
                        at.map(|i| &want.events[i]),
                        got.rejected,
                        want.rejected
                    );
                }
            }
        }
    }
}

/// Every byte as the last of the input (no line ending after it), after `place` + 1 bytes of
/// an unquoted cell (text, never a number), read whole and in 5-byte chunks: the last bytes of
/// a buffer, fewer than a block, are walked one at a time, and a delimiter or line break there
/// still counts.
pub fn every_byte_last_in_the_input_reads_as_written_by_hand() {
    for place in 0..PLACES {
        for b in 0..=255u8 {
            let mut cell = vec![b'a'; place + 1];
            let mut data = HEADER.as_bytes().to_vec();
            data.extend_from_slice(b"1,e,z,");
            data.extend_from_slice(&cell);
            data.push(b);
            let mut want = Outcome::default();
            if b >= 0x80 || b == b',' {
                // No UTF-8; or five fields for four columns.
                want.rejected.push(2);
            } else {
                if b != b'\n' && b != b'\r' {
                    cell.push(b);
                }
                want.events
                    .push(event("1", "e", &[("x", b"z"), ("y", &cell)]));
            }
            for chunk in [data.len(), 5] {
                assert_eq!(
                    run(&data, chunk),
                    want,
                    "byte {b}, place {place}, chunks of {chunk}"
                );
            }
        }
    }
}

/// A file with every kind of byte a scan stops at reads the same cut anywhere in two.
pub fn cut_anywhere_reads_the_same() {
    let data = "userId,event,properties.x,properties.y\n\
                1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,\"q\"\"uote\\d \t tab, \r\n new line\",é\r\n\
                2,b,x\ty\\z\"q,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\r\
                3,c,Zoë Müller,\"\"\n"
        .as_bytes();
    let whole = run(data, data.len());
    assert_eq!(whole.events.len(), 3);
    assert_eq!(
        whole.events[0]["properties"]["x"],
        "q\"uote\\d \t tab, \r\n new line"
    );
    assert_eq!(whole.events[1]["properties"]["x"], "x\ty\\z\"q");
    assert_eq!(whole.events[2]["properties"]["x"], "Zoë Müller");
    for cut in 1..data.len() {
        let got = run_pieces(&[&data[..cut], &data[cut..]]);
        assert_eq!(got, whole, "cut at {cut}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_byte_at_every_place() {
    every_byte_at_every_place_reads_as_written_by_hand();
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_byte_last_in_the_input() {
    every_byte_last_in_the_input_reads_as_written_by_hand();
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn cut_anywhere() {
    cut_anywhere_reads_the_same();
}
