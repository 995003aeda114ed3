//! Every comparison level: one pair per level, asserting the level index.

use loneliness::link::compare::PreparedComparison;
use loneliness::link::{LinkSpec, RecordTable};

/// The level of `a` vs `b` under a single comparison written as TOML.
fn level(comparison_toml: &str, a: (&str, Option<&str>), b: (&str, Option<&str>)) -> (u8, String) {
    let toml = format!(
        "left_id = \"id\"\nright_id = \"id\"\n[[comparisons]]\n{comparison_toml}\n[[blocking]]\nkeys = [\"v\"]\n"
    );
    let spec = LinkSpec::from_toml(&toml).unwrap().check().unwrap();
    let table = |(v, h): (&str, Option<&str>)| {
        let mut t = RecordTable::new(&["id", "v", "h"]);
        t.push_row(&[Some("1"), Some(v), h]).unwrap();
        t
    };
    let (left, right) = (table(a), table(b));
    let c = &spec.comparisons[0];
    let prepared = PreparedComparison::prepare(c, &left, &right).unwrap();
    let l = prepared.level(0, 0);
    (l, c.levels[l as usize].clone())
}

fn plain(v: &str) -> (&str, Option<&str>) {
    (v, None)
}

#[test]
fn exact_levels() {
    let c = "column = \"v\"\nkind = \"exact\"";
    assert_eq!(level(c, plain("abc"), plain(" ABC ")), (1, "exact".into()));
    assert_eq!(level(c, plain("abc"), plain("abd")), (2, "else".into()));
    assert_eq!(level(c, plain(""), plain("abd")), (0, "null".into()));
}

#[test]
fn jaro_winkler_levels() {
    let c = "column = \"v\"\nkind = \"jaro_winkler\"\nthresholds = [0.92, 0.88, 0.7]";
    assert_eq!(level(c, plain("martha"), plain("martha")).0, 1);
    // jw(martha, marhta) = 0.961
    assert_eq!(level(c, plain("martha"), plain("marhta")).0, 2);
    // jw(dwayne, duane) = 0.84
    assert_eq!(level(c, plain("dwayne"), plain("duane")).0, 4);
    // jw(jones, johnson) = 0.832 -> >= 0.7
    assert_eq!(level(c, plain("jones"), plain("johnson")).0, 4);
    assert_eq!(level(c, plain("jellyfish"), plain("smellyfish")).0, 3); // 0.896
    assert_eq!(level(c, plain("xyz"), plain("abc")).0, 5);
    assert_eq!(level(c, plain(""), plain("abc")).0, 0);
}

#[test]
fn edit_distance_levels() {
    let c = "column = \"v\"\nkind = \"levenshtein\"\nthresholds = [1, 2]";
    assert_eq!(level(c, plain("1234567"), plain("1234567")).0, 1);
    assert_eq!(level(c, plain("1234567"), plain("1234568")).0, 2);
    assert_eq!(level(c, plain("1234567"), plain("2134567")).0, 3); // swap = 2 edits
    assert_eq!(level(c, plain("1234567"), plain("7654321")).0, 4);
    let d = "column = \"v\"\nkind = \"damerau_levenshtein\"\nthresholds = [1, 2]";
    assert_eq!(level(d, plain("1234567"), plain("2134567")).0, 2); // swap = 1 edit
    assert_eq!(level(d, plain("1234567"), plain("2134568")).0, 3);
    assert_eq!(level(d, plain("1234567"), plain("12")).0, 4);
}

#[test]
fn surname_levels() {
    let c = "column = \"v\"\nkind = \"surname\"\nthresholds = [0.92, 0.88]";
    assert_eq!(
        level(c, plain("van der Berg"), plain("Berg, van der")),
        (1, "exact".into())
    );
    assert_eq!(level(c, plain("van der Berg"), plain("Vanderberg")).0, 1);
    assert_eq!(level(c, plain("de Vries"), plain("Vries")).0, 1);
    assert_eq!(level(c, plain("Çelik"), plain("Celik")).0, 1);
    assert_eq!(level(c, plain("Jansen"), plain("Janssen")).0, 2); // 0.975
    assert_eq!(level(c, plain("Mulder"), plain("Molder")).0, 3); // 0.900
    assert_eq!(level(c, plain("Dijkstra"), plain("Dijkman")).0, 4); // 0.868
    assert_eq!(level(c, plain("Jansen"), plain("Yilmaz")).0, 4);
    // "El" is part of the surname, never stripped: El Idrissi is not Idrissi exactly.
    assert_ne!(level(c, plain("El Idrissi"), plain("Idrissi")).0, 1);
}

#[test]
fn given_names_levels() {
    let c = "column = \"v\"\nkind = \"given_names\"\nthresholds = [0.92, 0.88]";
    assert_eq!(
        level(c, plain("Johannes Adrianus"), plain("johannes  adrianus")),
        (1, "exact".into())
    );
    assert_eq!(
        level(c, plain("Johannes Adrianus"), plain("Johannes Adriaan")).0,
        2
    );
    assert_eq!(level(c, plain("Zoë"), plain("Zoe")).0, 1);
    assert_eq!(level(c, plain("Willem"), plain("Willy")).0, 3); // 0.893
    assert_eq!(
        level(c, plain("Willem"), plain("Willem Frederik Hendrik")),
        (4, "same_first_name".into())
    );
    assert_eq!(
        level(c, plain("J.A."), plain("Johannes Adrianus")),
        (5, "initials_compatible".into())
    );
    assert_eq!(level(c, plain("J."), plain("Jan Willem")).0, 5);
    assert_eq!(level(c, plain("P."), plain("Johannes")), (6, "else".into()));
    assert_eq!(level(c, plain("Maria"), plain("Fatma")).0, 6);
}

#[test]
fn date_levels() {
    let c = "column = \"v\"\nkind = \"date\"";
    assert_eq!(
        level(c, plain("1980-03-04"), plain("04-03-1980")),
        (1, "exact".into())
    );
    assert_eq!(
        level(c, plain("1980-03-04"), plain("1980-04-03")),
        (2, "day_month_swapped".into())
    );
    assert_eq!(
        level(c, plain("1980-03-04"), plain("1980-03-07")),
        (3, "one_digit_off".into())
    );
    assert_eq!(
        level(c, plain("1980-03-04"), plain("1980-11-25")),
        (4, "same_year".into())
    );
    assert_eq!(
        level(c, plain("1980-03-04"), plain("1975-11-25")),
        (5, "else".into())
    );
    assert_eq!(level(c, plain("not a date"), plain("1975-11-25")).0, 0);
}

#[test]
fn address_levels() {
    let c = "column = \"v\"\nkind = \"address\"\nhouse_number_column = \"h\"\narea_length = 4";
    assert_eq!(
        level(c, ("2711 AB", Some("12")), ("2711ab", Some("12"))),
        (1, "postcode_house_number".into())
    );
    assert_eq!(
        level(c, ("2711AB", Some("12")), ("2711AB", Some("14"))),
        (2, "postcode".into())
    );
    assert_eq!(level(c, ("2711AB", Some("12")), ("2711AB", None)).0, 2);
    // The addition (huisnummertoevoeging) does not count: 12a is number 12.
    assert_eq!(
        level(c, ("2711AB", Some("12a")), ("2711AB", Some("12"))).0,
        1
    );
    assert_eq!(
        level(c, ("2711AB", Some("12")), ("2711XY", Some("12"))),
        (3, "same_area".into())
    );
    assert_eq!(
        level(c, ("2711AB", Some("12")), ("3500XY", Some("12"))),
        (4, "else".into())
    );
    assert_eq!(level(c, ("", Some("12")), ("3500XY", Some("12"))).0, 0);
    let without = "column = \"v\"\nkind = \"address\"";
    assert_eq!(
        level(without, plain("2711AB"), plain("2711AB")),
        (1, "postcode".into())
    );
    assert_eq!(
        level(without, plain("2711AB"), plain("2711ZZ")),
        (2, "same_area".into())
    );
}

#[test]
fn bad_configs_are_refused_with_a_reason() {
    let base = "left_id = \"id\"\nright_id = \"id\"\n[[blocking]]\nkeys = [\"v\"]\n";
    let err = |comparison: &str| {
        let toml = format!("{base}[[comparisons]]\n{comparison}\n");
        match LinkSpec::from_toml(&toml).and_then(|s| s.check()) {
            Ok(_) => panic!("accepted: {comparison}"),
            Err(e) => e.to_string(),
        }
    };
    assert!(err("column = \"v\"\nkind = \"soundex\"").contains("unknown kind 'soundex'"));
    assert!(
        err("column = \"v\"\nkind = \"jaro_winkler\"\nthresholds = [0.8, 0.9]")
            .contains("descending")
    );
    assert!(
        err("column = \"v\"\nkind = \"levenshtein\"\nthresholds = [1.5]").contains("whole numbers")
    );
    assert!(err("kind = \"exact\"").contains("column"));
}
