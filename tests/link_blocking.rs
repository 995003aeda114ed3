//! Blocking: the candidate pairs equal the union of the rule joins, each pair once, each pair
//! attributed to the first rule that catches it.

use std::collections::{BTreeMap, BTreeSet};

use loneliness::link::blocking::block;
use loneliness::link::{LinkSpec, RecordTable};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_table(rng: &mut ChaCha8Rng, n: usize) -> RecordTable {
    let mut t = RecordTable::new(&["id", "a", "b", "c"]);
    for i in 0..n {
        let cell = |rng: &mut ChaCha8Rng, k: u32| {
            (!rng.random_bool(0.1)).then(|| format!("v{}", rng.random_range(0..k)))
        };
        let (a, b, c) = (cell(rng, 8), cell(rng, 5), cell(rng, 30));
        t.push_row(&[Some(i.to_string()), a, b, c]).unwrap();
    }
    t
}

#[test]
fn pairs_are_the_union_of_rule_joins_each_once() {
    let spec = LinkSpec::from_toml(
        r#"
left_id = "id"
right_id = "id"
[[comparisons]]
column = "a"
kind = "exact"
[[blocking]]
keys = ["a", "b"]
[[blocking]]
keys = ["c"]
[[blocking]]
keys = [{ left_column = "a", right_column = "b" }]
"#,
    )
    .unwrap()
    .check()
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let left = random_table(&mut rng, 300);
    let right = random_table(&mut rng, 200);
    let pairs = block(&spec.blocking, &left, &right, u64::MAX).unwrap();

    // Naive: every left x right pair, first rule whose keys all agree (missing never agrees).
    let cell = |t: &RecordTable, col: &str, row: usize| {
        t.column(t.column_index(col).unwrap())
            .get(row)
            .map(String::from)
    };
    let rules: Vec<Vec<(&str, &str)>> = vec![
        vec![("a", "a"), ("b", "b")],
        vec![("c", "c")],
        vec![("a", "b")],
    ];
    let mut want: BTreeMap<(u32, u32), (u8, u8)> = BTreeMap::new();
    for l in 0..left.len() {
        for r in 0..right.len() {
            let mut mask = 0u8;
            for (i, rule) in rules.iter().enumerate() {
                let agree = rule.iter().all(|(lc, rc)| {
                    let (x, y) = (cell(&left, lc, l), cell(&right, rc, r));
                    x.is_some() && x == y
                });
                if agree {
                    mask |= 1 << i;
                }
            }
            if mask != 0 {
                want.insert((l as u32, r as u32), (mask.trailing_zeros() as u8, mask));
            }
        }
    }
    let got: Vec<((u32, u32), (u8, u8))> = (0..pairs.len())
        .map(|p| {
            (
                (pairs.left[p], pairs.right[p]),
                (pairs.rule[p], pairs.agree[p]),
            )
        })
        .collect();
    let unique: BTreeSet<(u32, u32)> = got.iter().map(|(p, _)| *p).collect();
    assert_eq!(unique.len(), got.len(), "a pair was generated twice");
    let got: BTreeMap<(u32, u32), (u8, u8)> = got.into_iter().collect();
    assert_eq!(got, want);
    assert_eq!(pairs.per_rule.iter().sum::<u64>(), pairs.len() as u64);
    assert!(pairs.per_rule.iter().all(|&n| n > 0));
}

#[test]
fn a_rule_that_explodes_is_refused() {
    let spec = LinkSpec::from_toml(
        "left_id = \"id\"\nright_id = \"id\"\n[[comparisons]]\ncolumn = \"a\"\nkind = \"exact\"\n[[blocking]]\nkeys = [\"b\"]\n",
    )
    .unwrap()
    .check()
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let (left, right) = (random_table(&mut rng, 200), random_table(&mut rng, 200));
    let err = block(&spec.blocking, &left, &right, 1000)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("blocking rule 1 (b)") && err.contains("max_candidate_pairs"),
        "{err}"
    );
}
