//! The shipped RIVM extract (`datasets/reference/rivm2020_wijken.csv`) is exactly what
//! `datasets/reference/extract_rivm2020.py` makes from the open data in `../shared/data`: this test
//! re-derives it independently in Rust when the shared folder is present.

use std::path::Path;

#[test]
fn the_shipped_extract_matches_the_open_data() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/rivm-gezondheid-2012-2016-2020/RIVM_gezondheid2020_18plus.csv");
    if !source.is_file() {
        eprintln!(
            "{} not present: nothing to compare against",
            source.display()
        );
        return;
    }
    let mut reader = csv::Reader::from_path(&source).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (soort, code, naam, lonely, severe) = (
        col("SoortRegio_2"),
        col("Codering_3"),
        col("Gemeentenaam_1"),
        col("Eenzaam_28"),
        col("ErnstigZeerErnstigEenzaam_29"),
    );
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record([
        "gemeentecode",
        "gemeentenaam",
        "niveau",
        "code",
        "eenzaam_pct",
        "ernstig_eenzaam_pct",
    ])
    .unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let level = r[soort].trim();
        if level != "Gemeente" && level != "Wijk" {
            continue;
        }
        let c = r[code].trim();
        out.write_record([
            format!("GM{}", &c[2..6]).as_str(),
            r[naam].trim(),
            level.to_lowercase().as_str(),
            c,
            r[lonely].trim(),
            r[severe].trim(),
        ])
        .unwrap();
    }
    let derived = String::from_utf8(out.into_inner().unwrap()).unwrap();
    let shipped = loneliness::report::reference::RIVM2020_CSV;
    assert!(
        shipped.len() < 1_000_000,
        "the shipped extract grew past 1 MB"
    );
    assert_eq!(
        derived.lines().count(),
        shipped.lines().count(),
        "row count differs"
    );
    for (i, (a, b)) in derived.lines().zip(shipped.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs", i + 1);
    }
}
