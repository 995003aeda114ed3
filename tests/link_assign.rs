//! The assignment rules: one-to-one and many-to-one.

use loneliness::link::assign::{assign, LinkStatus};

#[test]
fn one_to_one_uses_each_record_once_strongest_first() {
    // left 0 is wanted by right 0 (w 8) and right 1 (w 12); right 1 wins, right 0 falls back
    // to left 1 (w 3). Right 2's only candidate is below the threshold.
    let left = [0, 0, 1, 2];
    let right = [0, 1, 0, 2];
    let weight = [8.0, 12.0, 3.0, -4.0];
    let a = assign(3, 4, &left, &right, &weight, 0.0, true);
    assert_eq!((a[1].status, a[1].pair), (LinkStatus::Linked, Some(1)));
    assert_eq!((a[0].status, a[0].pair), (LinkStatus::Linked, Some(2)));
    assert_eq!(
        (a[2].status, a[2].pair),
        (LinkStatus::BelowThreshold, Some(3))
    );
    assert_eq!((a[3].status, a[3].pair), (LinkStatus::NoCandidate, None));
}

#[test]
fn one_to_one_reports_taken_when_every_candidate_is_used() {
    let a = assign(1, 2, &[0, 0], &[0, 1], &[9.0, 5.0], 0.0, true);
    assert_eq!(a[0].status, LinkStatus::Linked);
    assert_eq!((a[1].status, a[1].pair), (LinkStatus::Taken, Some(1)));
}

#[test]
fn many_to_one_lets_a_left_record_take_several_right_records() {
    let a = assign(2, 2, &[0, 0, 1], &[0, 1, 1], &[9.0, 5.0, 2.0], 0.0, false);
    assert_eq!((a[0].status, a[0].pair), (LinkStatus::Linked, Some(0)));
    // Right 1 links to its best left (0), not to the free left 1.
    assert_eq!((a[1].status, a[1].pair), (LinkStatus::Linked, Some(1)));
}

#[test]
fn ties_are_broken_by_row_not_by_input_order() {
    let a = assign(1, 2, &[0, 0], &[1, 0], &[5.0, 5.0], 0.0, true);
    let b = assign(1, 2, &[0, 0], &[0, 1], &[5.0, 5.0], 0.0, true);
    assert_eq!(a[0].status, LinkStatus::Linked);
    assert_eq!(b[0].status, LinkStatus::Linked);
}
