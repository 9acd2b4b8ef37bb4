//! The bench's files through the engine give exactly the bytes they gave before the per-row work
//! was made faster (issue 26): every body, its event count and lines, and the report (counts and
//! rejections), hashed and compared with the hashes recorded from the engine before that work.
//!
//! The files are made by a port of bench/generate.mjs (checked against the hash of that script's
//! output), as bench/bench.mjs makes them: the plain track file, its export copy read through a
//! mapping (renamed columns, `set` event, German dates with a zone), that copy in Windows-1252,
//! and the plain file with rows a track call refuses (no userId, a bad timestamp), so that
//! rejections are covered too. Each is written in three chunkings; all must agree.
//!
//! tests/wasm.rs runs the same checks in WebAssembly, where the engine's scans use SIMD.

use csv2segment::{Ingest, Options};
use sha2::{Digest, Sha256};

/// Rows per file: enough for several full bodies, few enough for a debug build.
const ROWS: u32 = 20_000;
const SEED: u32 = 20_190_511;

const FIRST: [&str; 20] = [
    "Tyler", "Jacob", "Ally", "Jasmin", "Olivia", "Liam", "Emma", "Noah", "Ava", "Mia", "Lucas",
    "Sofia", "Ethan", "Chloé", "Mateo", "Zoë", "Amelia", "Oscar", "Hana", "Ravi",
];
const LAST: [&str; 20] = [
    "Ortiz",
    "Johnson",
    "Sweeney",
    "Christian",
    "Smith",
    "Nguyen",
    "García",
    "Müller",
    "Rossi",
    "Kowalski",
    "Brown",
    "O'Neil",
    "Tanaka",
    "Silva",
    "Dubois",
    "Hansen",
    "Patel",
    "Kim",
    "Novak",
    "Schmidt",
];
const NICK: [&str; 8] = ["Ty", "Jake", "Al", "Jazz", "Liv", "Bud", "Ace", "Sunny"];
const EVENTS: [&str; 6] = [
    "test event",
    "Order Completed",
    "Product Viewed",
    "Signed Up",
    "Cart Viewed",
    "Checkout Started",
];
const PLANS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];
const ACCOUNTS: [&str; 6] = [
    "Facebook",
    "Twitter",
    "Instagram",
    "Pinterest",
    "LinkedIn",
    "Google",
];
const HEADER: &str = "userId,name,event,properties.plan,properties.accountType,properties.amount,properties.quantity,context.ip,context.device.id,timestamp\n";
/// `Date.parse('2019-05-11T20:32:27.940Z')`.
const BASE_MS: u64 = 1_557_606_747_940;

const MAPPED_HEADER: &str =
    "User ID,Name,Event Type,Plan,Account Type,Amount,Quantity,IP Address,Device ID,Created";
const PLAIN_NAME: &str = "track_bench.csv";
const MAPPED_NAME: &str = "export_bench.csv";
const MAPPED_1252_NAME: &str = "export_bench_1252.csv";

/// bench/bench.mjs's mapping, as it writes it.
fn mapping() -> String {
    let rule = r#""call":"track","columns":{"User ID":"userId","Name":"properties.name","Event Type":null,"Plan":"properties.plan","Account Type":"properties.accountType","Amount":"properties.amount","Quantity":"properties.quantity","IP Address":"context.ip","Device ID":"context.device.id","Created":{"to":"timestamp","format":"%d.%m.%Y %H:%M:%S","timezone":"+02:00"}},"set":{"event":"Order Completed"}"#;
    format!(
        r#"{{"files":[{{"match":"{MAPPED_NAME}",{rule}}},{{"match":"{MAPPED_1252_NAME}",{rule},"encoding":"windows-1252"}}]}}"#
    )
}

/// bench/generate.mjs's LCG (Numerical Recipes constants), taking the high bits.
struct Lcg(u32);

impl Lcg {
    fn int(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.int(from.len() as u32) as usize]
    }
}

/// `new Date(ms).toISOString()` for times after 1970.
fn iso(ms: u64) -> String {
    let days = (ms / 86_400_000) as i64;
    let in_day = ms % 86_400_000;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The lines of bench/generate.mjs's track file, header first, each ending in `\n`.
fn track_lines(rows: u32) -> Vec<String> {
    let mut r = Lcg(SEED);
    let mut ms = BASE_MS;
    let mut lines = vec![HEADER.to_string()];
    for _ in 0..rows {
        let user_id = 1 + r.int(50_000);
        let first = r.pick(&FIRST);
        let last = r.pick(&LAST);
        let style = r.int(10);
        let name = if style < 6 {
            format!("{first} {last}")
        } else if style < 9 {
            format!("\"{last}, {first}\"")
        } else {
            format!("\"{first} \"\"{}\"\" {last}\"", r.pick(&NICK))
        };
        let amount = format!("{}.{:02}", 1 + r.int(500), r.int(100));
        let quantity = 1 + r.int(12);
        let ip = if r.int(10) == 0 {
            String::new()
        } else {
            format!(
                "{}.{}.{}.{}",
                1 + r.int(223),
                r.int(256),
                r.int(256),
                1 + r.int(254)
            )
        };
        let device: String = (0..12)
            .map(|_| char::from(b"0123456789abcdef"[r.int(16) as usize]))
            .collect();
        ms += u64::from(1 + r.int(60_000));
        let event = r.pick(&EVENTS);
        let plan = r.pick(&PLANS);
        let account = r.pick(&ACCOUNTS);
        lines.push(format!(
            "{user_id},{name},{event},{plan},{account},{amount},{quantity},{ip},{device},{}\n",
            iso(ms)
        ));
    }
    lines
}

/// bench/bench.mjs's export copy: its header, and `2019-05-11T20:32:59.144Z` as `11.05.2019 20:32:59`.
fn export_copy(lines: &[String]) -> String {
    let mut out = format!("{MAPPED_HEADER}\n");
    for line in &lines[1..] {
        let (head, ts) = line.trim_end().rsplit_once(',').unwrap();
        let (y, m, d, hms) = (&ts[0..4], &ts[5..7], &ts[8..10], &ts[11..19]);
        out.push_str(&format!("{head},{d}.{m}.{y} {hms}\n"));
    }
    out
}

/// The plain file with rows a track call refuses: every 37th without its userId, every 101st
/// with a timestamp that is no date.
fn with_rejects(lines: &[String]) -> String {
    let mut out = lines[0].clone();
    for (i, line) in lines.iter().enumerate().skip(1) {
        if i % 37 == 0 {
            out.push_str(&line[line.find(',').unwrap()..]);
        } else if i % 101 == 0 {
            let (head, _) = line.trim_end().rsplit_once(',').unwrap();
            out.push_str(&format!("{head},31.02.2019 25:00\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

fn hex(d: impl AsRef<[u8]>) -> String {
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of everything the engine gives for `data` written in `chunk`-byte pieces (each
/// body with its endpoint, events and lines, then the report as JSON), and the report's rows,
/// events and rejected rows.
fn output_hash(name: &str, data: &[u8], chunk: usize) -> (String, [u64; 3]) {
    let options = Options {
        // As the bench runs them: the plain file without a mapping.
        mapping: (name != PLAIN_NAME).then(mapping),
        max_rejections: 1000,
        ..Options::default()
    };
    let mut ing = Ingest::new(name, &format!("bench://{name}"), options).unwrap();
    let mut h = Sha256::new();
    let mut take = |ing: &mut Ingest| {
        while let Some(b) = ing.next_batch() {
            h.update(format!(
                "{:?} {} {} {} {}\n",
                b.endpoint,
                b.events,
                b.first_line,
                b.last_line,
                b.body.len()
            ));
            h.update(&b.body);
        }
    };
    for piece in data.chunks(chunk) {
        ing.write(piece).unwrap();
        take(&mut ing);
    }
    ing.finish().unwrap();
    take(&mut ing);
    let report = ing.report();
    h.update(serde_json::to_vec(&report).unwrap());
    (
        hex(h.finalize()),
        [report.rows, report.events, report.rejected],
    )
}

/// The hash of `data`'s output and its counts, the same in every chunking.
fn hash_all_chunkings(name: &str, data: &[u8]) -> (String, [u64; 3]) {
    let whole = output_hash(name, data, data.len().max(1));
    for chunk in [64 * 1024, 4093] {
        assert_eq!(
            output_hash(name, data, chunk),
            whole,
            "{name} in {chunk}-byte chunks"
        );
    }
    whole
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
pub fn the_generator_is_the_benchs() {
    // `node bench/generate.mjs 20000 f.csv && sha256sum f.csv`
    let file: String = track_lines(ROWS).concat();
    assert_eq!(
        hex(Sha256::digest(file.as_bytes())),
        "b45a14dd8734443f001e3bd2096a929fd27491ccda7c91bb9e3a5ed683daa0fd",
        "the port of bench/generate.mjs no longer makes its file"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
pub fn plain_output_is_unchanged() {
    let file: String = track_lines(ROWS).concat();
    let (hash, counts) = hash_all_chunkings(PLAIN_NAME, file.as_bytes());
    assert_eq!(counts, [20_000, 20_000, 0]);
    assert_eq!(
        hash,
        "b6a25267a4e6fa2bd0e6373ee8c26b51383c36060ebf78207034c7d0ba8c27a1"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
pub fn mapped_output_is_unchanged() {
    let copy = export_copy(&track_lines(ROWS));
    let (hash, counts) = hash_all_chunkings(MAPPED_NAME, copy.as_bytes());
    assert_eq!(counts, [20_000, 20_000, 0]);
    assert_eq!(
        hash,
        "9e5ef76a90237468ede85f7ca5d9494981bea74f9731b7e6b231e0111d592f22"
    );
    // The same text in Windows-1252 (its names are all Latin-1).
    let latin: Vec<u8> = copy
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    let (hash, counts) = hash_all_chunkings(MAPPED_1252_NAME, &latin);
    assert_eq!(counts, [20_000, 20_000, 0]);
    assert_eq!(
        hash,
        "3387d492397b1dc46f02ed4d3151e1fe5f7a0d793c1617682f00cd841c199e96"
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
pub fn rejections_are_unchanged() {
    let file = with_rejects(&track_lines(ROWS));
    let (hash, counts) = hash_all_chunkings(PLAIN_NAME, file.as_bytes());
    assert_eq!(counts, [20_000, 20_000 - 540 - 193, 540 + 193]);
    assert_eq!(
        hash,
        "c3191dc86ce25cd28b42b4c9c1626b9c3458f538be00f9cc1fe74d9503918b05"
    );
}
