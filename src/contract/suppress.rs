//! The one suppression rule of every published output (`INPUTS.md`: "counts below the
//! suppression threshold are written as empty cells, never as the small number"): a count of
//! people or rows between 1 and the threshold minus one is never published. Zero is published (it
//! discloses nothing about a person). Every stage that writes a count uses these functions.

/// The count as it may be published: `None` when `1 <= n < threshold`.
pub fn publish(n: u64, threshold: u32) -> Option<u64> {
    (n == 0 || n >= u64::from(threshold)).then_some(n)
}

/// Re-applies [`publish`] to a count that should already have passed it, so a view model filled
/// by hand can still not leak a small count.
pub fn recheck(n: Option<u64>, threshold: u32) -> Option<u64> {
    n.and_then(|n| publish(n, threshold))
}

/// A share `part / whole` that may be published: both counts must pass [`publish`] and the
/// whole must be positive.
pub fn share(part: u64, whole: u64, threshold: u32) -> Option<f64> {
    (whole > 0 && publish(part, threshold).is_some() && publish(whole, threshold).is_some())
        .then(|| part as f64 / whole as f64)
}

/// The parts of a total, as they may be published, with secondary suppression when the total is
/// shown ([`suppress_parts`]: no lone suppressed part, and the suppressed parts never sum to
/// 1..threshold-1, since that sum is the total minus the published parts). A total that is itself
/// suppressed reveals nothing, so then only the small parts go.
pub fn publish_parts(parts: &[u64], total_shown: bool, threshold: u32) -> Vec<Option<u64>> {
    if !total_shown {
        return parts.iter().map(|&n| publish(n, threshold)).collect();
    }
    let mut hide = suppress_parts(parts, threshold);
    // `suppress_parts` decides on the sum of the parts; a caller that shows a total also checks it.
    if publish(parts.iter().sum(), threshold).is_none() {
        hide = parts
            .iter()
            .map(|&n| publish(n, threshold).is_none())
            .collect();
    }
    parts
        .iter()
        .zip(hide)
        .map(|(&n, h)| (!h).then_some(n))
        .collect()
}

/// Which counts of a one-way table may be published when its total is published too: primary
/// suppression of every part `1 <= n < threshold`, then secondary suppression until the suppressed
/// parts together are 0 or at least the threshold (so neither a lone part nor the sum of the
/// suppressed parts, which is the total minus the published parts, is a count 1-9). Secondary
/// cells are the smallest non-zero published parts (ties: the first). Returns `true` for every
/// part that must be left empty. The decision depends only on `parts` (zeros included or not).
pub fn suppress_parts(parts: &[u64], threshold: u32) -> Vec<bool> {
    let t = u64::from(threshold);
    let mut hide: Vec<bool> = parts
        .iter()
        .map(|&n| publish(n, threshold).is_none())
        .collect();
    let total: u64 = parts.iter().sum();
    if publish(total, threshold).is_none() {
        // A hidden total reveals nothing by subtraction; the parts are still primary-suppressed.
        return hide;
    }
    loop {
        let hidden: u64 = (0..parts.len())
            .filter(|&i| hide[i])
            .map(|i| parts[i])
            .sum();
        if hidden == 0 || hidden >= t {
            return hide;
        }
        let next = (0..parts.len())
            .filter(|&i| !hide[i] && parts[i] > 0)
            .min_by_key(|&i| (parts[i], i));
        match next {
            Some(i) => hide[i] = true,
            None => return hide,
        }
    }
}

/// The suppression pattern of a two-way table of counts published with its margins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMask {
    /// `cells[r][c]`: the cell must be left empty.
    pub cells: Vec<Vec<bool>>,
    /// Row totals to leave empty (exactly [`suppress_parts`] of the row totals).
    pub rows: Vec<bool>,
    /// Column totals to leave empty (exactly [`suppress_parts`] of the column totals).
    pub cols: Vec<bool>,
    /// The grand total must be left empty (only when it is itself 1..threshold-1).
    pub total: bool,
}

impl TableMask {
    pub fn cell_shown(&self, r: usize, c: usize) -> bool {
        !self.cells[r][c]
    }
    pub fn row_shown(&self, r: usize) -> bool {
        !self.rows[r]
    }
    pub fn col_shown(&self, c: usize) -> bool {
        !self.cols[c]
    }
}

/// **The disclosure rule** for a table of counts of people `cells[r][c]` that is published with its
/// row totals, column totals and grand total (in any file: the report, a CSV, a JSON). No count
/// 1..threshold-1 can be read or derived from what is left:
///
/// 1. the margins first, each on its own ([`suppress_parts`] of the row totals and of the column
///    totals, the grand total being published), so a writer that only publishes a margin (e.g.
///    `districts.csv`'s residents per wijk) gets the same pattern from the margin alone;
/// 2. primary suppression of every cell `1 <= n < threshold`;
/// 3. secondary suppression of cells until (a) in every row and column whose total is published the
///    suppressed cells sum to 0 or at least the threshold, and (b) no suppressed count (cell or
///    margin) is determined by the published ones: seen as a graph (rows and columns, the total
///    row and column included, are nodes; suppressed counts are edges) a suppressed count can be
///    solved from the row and column equations exactly when its edge is a bridge, so cells are
///    added until no edge is one. Added cells are the smallest non-zero ones (zeros only when
///    nothing else closes the gap); ties go to the first in row-major order.
///
/// Rows and columns with a zero total are never used for secondary cells, so listing or leaving
/// them out gives the same pattern. Callers must present rows and columns in a canonical order
/// (wijkcode, persona id) so that every file gets the same pattern from the same counts.
pub fn suppress_table(cells: &[Vec<u64>], threshold: u32) -> TableMask {
    let t = u64::from(threshold);
    let nr = cells.len();
    let nc = cells.first().map_or(0, Vec::len);
    let row_tot: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
    let col_tot: Vec<u64> = (0..nc).map(|c| cells.iter().map(|r| r[c]).sum()).collect();
    let grand: u64 = row_tot.iter().sum();
    let rows = suppress_parts(&row_tot, threshold);
    let cols = suppress_parts(&col_tot, threshold);
    let total = publish(grand, threshold).is_none();
    let mut hide: Vec<Vec<bool>> = cells
        .iter()
        .map(|r| r.iter().map(|&n| publish(n, threshold).is_none()).collect())
        .collect();
    let usable = |r: usize, c: usize| row_tot[r] > 0 && col_tot[c] > 0;
    // Cheapest published cell among `candidates`: non-zero before zero, then smallest, then first.
    let pick = |hide: &Vec<Vec<bool>>, candidates: &mut dyn Iterator<Item = (usize, usize)>| {
        candidates
            .filter(|&(r, c)| !hide[r][c] && usable(r, c))
            .min_by_key(|&(r, c)| (cells[r][c] == 0, cells[r][c], r, c))
    };
    loop {
        let mut added = false;
        // (a) and the lone suppressed count of a row or column.
        for r in 0..nr {
            let n_hidden = (0..nc).filter(|&c| hide[r][c]).count() + usize::from(rows[r]);
            let sum: u64 = (0..nc).filter(|&c| hide[r][c]).map(|c| cells[r][c]).sum();
            let bad = n_hidden == 1 || (!rows[r] && sum > 0 && sum < t);
            if bad {
                if let Some((r, c)) = pick(&hide, &mut (0..nc).map(|c| (r, c))) {
                    hide[r][c] = true;
                    added = true;
                }
            }
        }
        for c in 0..nc {
            let n_hidden = (0..nr).filter(|&r| hide[r][c]).count() + usize::from(cols[c]);
            let sum: u64 = (0..nr).filter(|&r| hide[r][c]).map(|r| cells[r][c]).sum();
            let bad = n_hidden == 1 || (!cols[c] && sum > 0 && sum < t);
            if bad {
                if let Some((r, c)) = pick(&hide, &mut (0..nr).map(|r| (r, c))) {
                    hide[r][c] = true;
                    added = true;
                }
            }
        }
        if added {
            continue;
        }
        // (b) no bridge among the suppressed counts.
        let graph = SuppressionGraph::new(&hide, &rows, &cols, total);
        let Some(side) = graph.first_bridge_sides() else {
            break;
        };
        // Join the two sides of the bridge with another cell: it closes a cycle through it. When
        // no published cell does, grow the far side towards any other node and look again.
        let all = || (0..nr).flat_map(|r| (0..nc).map(move |c| (r, c)));
        let joins = |r: usize, c: usize| {
            let (a, b) = (side[r], side[nr + 1 + c]);
            (a == Some(true) && b == Some(false)) || (a == Some(false) && b == Some(true))
        };
        let grows =
            |r: usize, c: usize| (side[r] == Some(true)) != (side[nr + 1 + c] == Some(true));
        let next = pick(&hide, &mut all().filter(|&(r, c)| joins(r, c)))
            .or_else(|| pick(&hide, &mut all().filter(|&(r, c)| grows(r, c))));
        match next {
            Some((r, c)) => hide[r][c] = true,
            None => break,
        }
    }
    TableMask {
        cells: hide,
        rows,
        cols,
        total,
    }
}

/// Nodes: rows `0..nr`, the total row `nr`, columns `nr+1..nr+1+nc`, the total column last.
struct SuppressionGraph {
    adj: Vec<Vec<(usize, usize)>>,
}

impl SuppressionGraph {
    fn new(hide: &[Vec<bool>], rows: &[bool], cols: &[bool], total: bool) -> Self {
        let nr = hide.len();
        let nc = cols.len();
        let n = nr + nc + 2;
        let col = |c: usize| nr + 1 + c;
        let mut adj = vec![Vec::new(); n];
        let mut edges = 0;
        let mut add = |a: usize, b: usize, adj: &mut Vec<Vec<(usize, usize)>>| {
            adj[a].push((b, edges));
            adj[b].push((a, edges));
            edges += 1;
        };
        for (r, row) in hide.iter().enumerate() {
            for (c, &h) in row.iter().enumerate() {
                if h {
                    add(r, col(c), &mut adj);
                }
            }
            if rows[r] {
                add(r, col(nc), &mut adj);
            }
        }
        for (c, &h) in cols.iter().enumerate() {
            if h {
                add(nr, col(c), &mut adj);
            }
        }
        if total {
            add(nr, col(nc), &mut adj);
        }
        SuppressionGraph { adj }
    }

    /// For the first bridge found (depth-first from node 0 upwards): the nodes on the bridge's
    /// far side (`Some(true)`), on its near side (`Some(false)`) and elsewhere (`None`).
    fn first_bridge_sides(&self) -> Option<Vec<Option<bool>>> {
        let n = self.adj.len();
        let mut disc = vec![usize::MAX; n];
        let mut low = vec![0usize; n];
        let mut timer = 0;
        for start in 0..n {
            if disc[start] != usize::MAX || self.adj[start].is_empty() {
                continue;
            }
            // Iterative DFS: (node, edge from its parent, next neighbour index).
            let mut stack = vec![(start, usize::MAX, 0usize)];
            disc[start] = timer;
            low[start] = timer;
            timer += 1;
            while let Some(top) = stack.last_mut() {
                let (v, pe) = (top.0, top.1);
                if top.2 < self.adj[v].len() {
                    let (w, e) = self.adj[v][top.2];
                    top.2 += 1;
                    if e == pe {
                        continue;
                    }
                    if disc[w] == usize::MAX {
                        disc[w] = timer;
                        low[w] = timer;
                        timer += 1;
                        stack.push((w, e, 0));
                    } else {
                        low[v] = low[v].min(disc[w]);
                    }
                } else {
                    stack.pop();
                    if let Some(&(p, _, _)) = stack.last() {
                        low[p] = low[p].min(low[v]);
                        if low[v] > disc[p] {
                            let mut side = vec![None; n];
                            self.flood(v, pe, true, &mut side);
                            self.flood(p, pe, false, &mut side);
                            return Some(side);
                        }
                    }
                }
            }
        }
        None
    }

    fn flood(&self, from: usize, skip_edge: usize, mark: bool, side: &mut [Option<bool>]) {
        let mut todo = vec![from];
        side[from] = Some(mark);
        while let Some(v) = todo.pop() {
            for &(w, e) in &self.adj[v] {
                if e != skip_edge && side[w].is_none() {
                    side[w] = Some(mark);
                    todo.push(w);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_suppressed_zero_and_large_are_not() {
        assert_eq!(publish(0, 10), Some(0));
        for n in 1..10 {
            assert_eq!(publish(n, 10), None, "{n}");
        }
        assert_eq!(publish(10, 10), Some(10));
        assert_eq!(publish(12345, 10), Some(12345));
        assert_eq!(publish(4, 5), None);
        assert_eq!(publish(5, 5), Some(5));
        assert_eq!(recheck(Some(3), 10), None);
        assert_eq!(recheck(Some(30), 10), Some(30));
        assert_eq!(recheck(None, 10), None);
    }

    #[test]
    fn a_lone_suppressed_part_takes_the_smallest_other_with_it() {
        // 120 rows read = 116 accepted + 4 quarantined: 4 would be 120 - 116.
        assert_eq!(publish_parts(&[116, 4], true, 10), vec![None, None]);
        // Reasons of 57 quarantined rows: 3 would be 57 - 40 - 14.
        assert_eq!(
            publish_parts(&[40, 3, 14, 0], true, 10),
            vec![Some(40), None, None, Some(0)]
        );
        // Two suppressed parts reveal their sum (8): the 40 goes too; a hidden total reveals nothing.
        assert_eq!(publish_parts(&[40, 3, 5], true, 10), vec![None, None, None]);
        assert_eq!(
            publish_parts(&[40, 3, 9], true, 10),
            vec![Some(40), None, None]
        );
        assert_eq!(publish_parts(&[4, 3], false, 10), vec![None, None]);
        assert_eq!(
            publish_parts(&[116, 14], true, 10),
            vec![Some(116), Some(14)]
        );
    }

    #[test]
    fn shares_need_publishable_counts() {
        assert_eq!(share(5, 100, 10), None);
        assert_eq!(share(50, 100, 10), Some(0.5));
        assert_eq!(share(0, 0, 10), None);
        assert_eq!(share(0, 100, 10), Some(0.0));
    }

    /// Independent check by linear algebra: which hidden counts of the table with margins are
    /// determined by the published ones (the unit vector lies in the row space of the equations
    /// restricted to the hidden counts).
    pub(crate) fn determined(cells: &[Vec<u64>], m: &TableMask) -> Vec<String> {
        let nr = cells.len();
        let nc = cells[0].len();
        // Unknowns: hidden cells, hidden row totals, hidden column totals, hidden grand total.
        let mut names = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut var = |key: (usize, usize), name: String| {
            index.insert(key, names.len());
            names.push(name);
        };
        for r in 0..nr {
            for c in 0..nc {
                if m.cells[r][c] {
                    var((r, c), format!("cell {r},{c}"));
                }
            }
        }
        for r in 0..nr {
            if m.rows[r] {
                var((r, nc), format!("row {r}"));
            }
        }
        for c in 0..nc {
            if m.cols[c] {
                var((nr, c), format!("col {c}"));
            }
        }
        if m.total {
            var((nr, nc), "total".into());
        }
        let nv = names.len();
        let mut eqs: Vec<Vec<f64>> = Vec::new();
        let mut eq = |members: Vec<((usize, usize), f64)>| {
            let mut row = vec![0.0; nv];
            for (k, s) in members {
                if let Some(&i) = index.get(&k) {
                    row[i] += s;
                }
            }
            eqs.push(row);
        };
        for r in 0..=nr {
            let mut v: Vec<_> = (0..nc).map(|c| ((r, c), 1.0)).collect();
            v.push(((r, nc), -1.0));
            eq(v);
        }
        for c in 0..=nc {
            let mut v: Vec<_> = (0..nr).map(|r| ((r, c), 1.0)).collect();
            v.push(((nr, c), -1.0));
            eq(v);
        }
        let rank = |rows: &[Vec<f64>]| {
            let mut a = rows.to_vec();
            let mut rank = 0;
            for col in 0..nv {
                let Some(p) =
                    (rank..a.len()).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
                else {
                    break;
                };
                if a[p][col].abs() < 1e-9 {
                    continue;
                }
                a.swap(rank, p);
                for i in 0..a.len() {
                    if i != rank {
                        let f = a[i][col] / a[rank][col];
                        if f != 0.0 {
                            for j in 0..nv {
                                a[i][j] -= f * a[rank][j];
                            }
                        }
                    }
                }
                rank += 1;
            }
            rank
        };
        let base = rank(&eqs);
        (0..nv)
            .filter(|&i| {
                let mut with = eqs.clone();
                let mut unit = vec![0.0; nv];
                unit[i] = 1.0;
                with.push(unit);
                rank(&with) == base
            })
            .map(|i| names[i].clone())
            .collect()
    }

    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 33
    }

    #[test]
    fn one_way_parts_leave_no_small_sum() {
        assert_eq!(suppress_parts(&[116, 4], 10), vec![true, true]);
        assert_eq!(
            suppress_parts(&[40, 3, 14, 0], 10),
            vec![false, true, true, false]
        );
        // 3 + 5 = 8 would be the total minus the published parts: the 40 goes too.
        assert_eq!(
            suppress_parts(&[40, 3, 5, 0], 10),
            vec![true, true, true, false]
        );
        assert_eq!(
            suppress_parts(&[40, 3, 2, 11], 10),
            vec![false, true, true, true]
        );
        assert_eq!(suppress_parts(&[40, 0, 11], 10), vec![false, false, false]);
        assert_eq!(suppress_parts(&[4, 3], 10), vec![true, true]);
    }

    #[test]
    fn the_issue_case_persona_by_wijk_with_margins() {
        // A persona of 6 residents in one wijk: its total and the wijk total are published.
        let cells = vec![vec![120, 6, 40], vec![300, 80, 55], vec![210, 90, 12]];
        let m = suppress_table(&cells, 10);
        assert!(m.cells[0][1]);
        assert_eq!(determined(&cells, &m), Vec::<String>::new());
        let hidden_in_row0 = (0..3).filter(|&c| m.cells[0][c]).count();
        let hidden_in_col1 = (0..3).filter(|&r| m.cells[r][1]).count();
        assert!(hidden_in_row0 >= 2 && hidden_in_col1 >= 2);
    }

    #[test]
    fn a_small_wijk_total_is_protected_from_the_grand_total() {
        // A wijk of 3 residents: its total would be the grand total minus the other wijken.
        let cells = vec![vec![2, 1, 0], vec![300, 80, 55], vec![210, 90, 12]];
        let m = suppress_table(&cells, 10);
        assert!(m.rows[0]);
        assert!(m.rows.iter().filter(|&&h| h).count() >= 2);
        assert_eq!(determined(&cells, &m), Vec::<String>::new());
    }

    #[test]
    fn random_tables_leave_nothing_determined_and_no_small_sums() {
        let mut state = 99u64;
        for case in 0..400 {
            let nr = 1 + (lcg(&mut state) % 9) as usize;
            let nc = 2 + (lcg(&mut state) % 8) as usize;
            let scale = [3u64, 12, 40, 400][(lcg(&mut state) % 4) as usize];
            let cells: Vec<Vec<u64>> = (0..nr)
                .map(|_| {
                    (0..nc)
                        .map(|_| match lcg(&mut state) % 6 {
                            0 => 0,
                            1 => 1 + lcg(&mut state) % 9,
                            _ => lcg(&mut state) % scale,
                        })
                        .collect()
                })
                .collect();
            let t = [5u32, 10, 15][(lcg(&mut state) % 3) as usize];
            let m = suppress_table(&cells, t);
            let d = determined(&cells, &m);
            // A determined hidden count is harmless only when it is 0 or not small.
            for name in &d {
                let v = value(&cells, name);
                assert!(
                    v == 0 || v >= u64::from(t),
                    "case {case}: {name} = {v} determined in {cells:?} / {m:?}"
                );
            }
            // Every small non-zero count is hidden; every published margin's hidden parts sum to 0 or >= t.
            let tt = u64::from(t);
            for r in 0..nr {
                for c in 0..nc {
                    if cells[r][c] > 0 && cells[r][c] < tt {
                        assert!(m.cells[r][c]);
                    }
                }
                if !m.rows[r] {
                    let s: u64 = (0..nc)
                        .filter(|&c| m.cells[r][c])
                        .map(|c| cells[r][c])
                        .sum();
                    assert!(s == 0 || s >= tt, "case {case} row {r}");
                }
            }
            for c in 0..nc {
                if !m.cols[c] {
                    let s: u64 = (0..nr)
                        .filter(|&r| m.cells[r][c])
                        .map(|r| cells[r][c])
                        .sum();
                    assert!(s == 0 || s >= tt, "case {case} col {c}");
                }
            }
            // Same counts, same pattern; margins follow from the margins alone.
            assert_eq!(suppress_table(&cells, t), m);
            let rows: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
            assert_eq!(suppress_parts(&rows, t), m.rows);
        }
    }

    fn value(cells: &[Vec<u64>], name: &str) -> u64 {
        let nums: Vec<usize> = name
            .split(|ch: char| !ch.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        match (name.split(' ').next().unwrap(), nums.as_slice()) {
            ("cell", [r, c]) => cells[*r][*c],
            ("row", [r]) => cells[*r].iter().sum(),
            ("col", [c]) => cells.iter().map(|row| row[*c]).sum(),
            _ => cells.iter().flatten().sum(),
        }
    }
}
