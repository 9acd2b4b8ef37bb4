//! The draft (`csv2segment::draft`) on the export fixtures and on the files that test its edges.

use csv2segment::{draft, Draft};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/exports/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn show(d: &Draft) -> String {
    let mut s = d.rule.clone();
    for n in &d.notes {
        s.push_str(&format!("\n{:?} {} | {}", n.kind, n.path, n.message));
    }
    s
}

#[test]
fn print_all() {
    for name in [
        "hubspot-crm-exports-all-contacts-2024-03-05.csv",
        "unified_payments.csv",
        "orders_export_1.csv",
        "newsletter_contacts_export.csv",
        "Q1 Signups.csv",
        "Bestellungen_Maerz.csv",
        "pageviews_20240305.txt",
        "amplitude_events_2024-03-05.tsv",
    ] {
        let d = draft(name, &fixture(name), true).unwrap();
        println!("=== {name}\n{}", show(&d));
    }
}
