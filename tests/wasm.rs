//! The WebAssembly binding, run under Node by wasm-bindgen-test: what JavaScript hosts see.
#![cfg(target_arch = "wasm32")]

use csv2segment::bindings::{parse_key, validate, JsIngest};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

#[path = "block_cases.rs"]
mod block_cases;
#[path = "output_hash.rs"]
mod output_hash;

const TRACK: &[u8] = include_bytes!("../samples/track_1.csv");

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn ingest_yields_batches_with_bodies() {
    let mut ing = JsIngest::new("track_1.csv", "s3://bucket/track_1.csv#etag", None).unwrap();
    for chunk in TRACK.chunks(7) {
        ing.write(chunk).unwrap();
    }
    ing.finish().unwrap();
    let batch = ing.next_batch();
    assert_eq!(get(&batch, "endpoint").as_string().unwrap(), "batch");
    assert_eq!(get(&batch, "path").as_string().unwrap(), "/v1/batch");
    assert_eq!(get(&batch, "events").as_f64(), Some(4.0));
    assert_eq!(get(&batch, "sentAtOffset").as_f64(), Some(11.0));
    assert_eq!(
        (
            get(&batch, "firstLine").as_f64(),
            get(&batch, "lastLine").as_f64()
        ),
        (Some(2.0), Some(5.0))
    );
    let body: Uint8Array = get(&batch, "body").dyn_into().unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with(r#"{"sentAt":"1970-01-01T00:00:00.000Z","batch":[{"type":"track","userId":"1","event":"test event""#), "{text}");
    assert!(ing.next_batch().is_undefined());
    let report = ing.report();
    assert_eq!(get(&report, "rows").as_f64(), Some(4.0));
    assert_eq!(get(&report, "error"), JsValue::NULL);
    assert_eq!(
        get(&get(&report, "file"), "kind").as_string().unwrap(),
        "track"
    );
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_a_code() {
    let err = parse_key("exports/users.csv", None).unwrap_err();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_eq!(String::from(err.name()), "Csv2SegmentError");
    assert_eq!(get(&err, "code").as_string().unwrap(), "file_name");
    assert!(String::from(err.message())
        .starts_with("users.csv: the file name does not say which call to make"));

    let mut ing = JsIngest::new("track_x.csv", "x", None).unwrap();
    let err: js_sys::Error = ing
        .write(b"userId,event,traits..a\n")
        .unwrap_err()
        .dyn_into()
        .unwrap();
    assert_eq!(get(&err, "code").as_string().unwrap(), "header");
    assert_eq!(
        String::from(err.message()),
        "track_x.csv: the header has 1 problem, so nothing was sent\n  column 3 (traits..a): the path has an empty part; write it like traits.address.city"
    );
}

#[wasm_bindgen_test]
fn unknown_options_are_refused() {
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"emtpy".into(), &"null".into()).unwrap();
    let err: js_sys::Error = JsIngest::new("track_x.csv", "x", Some(opts))
        .err()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(String::from(err.message()).starts_with("invalid option: unknown option 'emtpy'"));
}

#[wasm_bindgen_test]
fn validate_returns_report_and_payloads() {
    let v = validate(
        b"userId,event,timestamp\n1,Signed Up,2019-05-11\n,x,\n",
        "track_v.csv",
        None,
        None,
    )
    .unwrap();
    let report = get(&v, "report");
    assert_eq!(get(&report, "events").as_f64(), Some(1.0));
    assert_eq!(get(&report, "rejected").as_f64(), Some(1.0));
    let rejection = js_sys::Array::from(&get(&report, "rejections")).get(0);
    assert_eq!(get(&rejection, "line").as_f64(), Some(3.0));
    assert_eq!(get(&rejection, "row").as_string().unwrap(), ",x,");
    let payloads = js_sys::Array::from(&get(&v, "payloads"));
    assert_eq!(payloads.length(), 1);
    assert_eq!(
        get(&payloads.get(0), "timestamp").as_string().unwrap(),
        "2019-05-11T00:00:00.000Z"
    );

    let v = validate(b"a,b\n", "nope.csv", None, None).unwrap();
    let error = get(&get(&v, "report"), "error").as_string().unwrap();
    assert!(error.starts_with("nope.csv: the file name does not say which call to make"));
}

// The engine's scans test 16 bytes at a time with SIMD here (src/base/blockscan.rs), 8 at a time
// natively: the same cases as natively, with the same expected cells and output hashes.

#[wasm_bindgen_test]
fn simd_blocks_every_byte_at_every_place() {
    block_cases::every_byte_at_every_place_reads_as_written_by_hand();
}

#[wasm_bindgen_test]
fn simd_blocks_every_byte_last_in_the_input() {
    block_cases::every_byte_last_in_the_input_reads_as_written_by_hand();
}

#[wasm_bindgen_test]
fn simd_blocks_cut_anywhere() {
    block_cases::cut_anywhere_reads_the_same();
}

#[wasm_bindgen_test]
fn simd_bench_files_give_the_native_bytes() {
    output_hash::the_generator_is_the_benchs();
    output_hash::plain_output_is_unchanged();
    output_hash::mapped_output_is_unchanged();
    output_hash::rejections_are_unchanged();
}
