//! The De Jong Gierveld loneliness scale (11 items) scored the way the GGD health monitor does.
//!
//! Items 2, 3, 5, 6, 9 and 10 are the negatively worded *emotional* items: they score 1 on `ja`
//! and `min_of_meer`. Items 1, 4, 7, 8 and 11 are the positively worded *social* items: they score
//! 1 on `nee` and `min_of_meer` (De Jong Gierveld & Van Tilburg). Total 0-11 (lonely >= 3,
//! severely lonely >= 9), emotional 0-6 and social 0-5 (lonely on a subscale >= 2).
//!
//! **Missing items.** A respondent with more than [`MAX_MISSING`] unanswered items is not scored
//! (left out of training and of the direct survey estimate, and counted). With one or two missing
//! items, each missing item is imputed with the respondent's mean score on the *answered items of
//! the same subscale* (pro-rating per subscale), and each subscale sum is rounded half up to a
//! whole number; the total is the sum of the two rounded subscales. This keeps the emotional and
//! social parts consistent with the total and never moves a respondent whose answered items
//! already decide the class.

use crate::contract::vocab::DjgAnswer;

/// The most unanswered items a respondent may have and still be scored.
pub const MAX_MISSING: usize = 2;

/// `true` for the emotional, negatively worded items 2, 3, 5, 6, 9, 10 (index 0 is item 1).
pub const EMOTIONAL: [bool; 11] = [
    false, true, true, false, true, true, false, false, true, true, false,
];

/// A scored respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DjgScore {
    /// 0-11.
    pub total: u8,
    /// 0-6.
    pub emotional: u8,
    /// 0-5.
    pub social: u8,
    /// Items that were imputed (0..=MAX_MISSING).
    pub imputed: u8,
}

impl DjgScore {
    pub fn lonely(&self) -> bool {
        self.total >= 3
    }
    pub fn severely_lonely(&self) -> bool {
        self.total >= 9
    }
    pub fn emotionally_lonely(&self) -> bool {
        self.emotional >= 2
    }
    pub fn socially_lonely(&self) -> bool {
        self.social >= 2
    }
}

/// 1 when the answer to item `item` (0-based) signals loneliness.
pub fn item_score(item: usize, answer: DjgAnswer) -> u8 {
    match (EMOTIONAL[item], answer) {
        (true, DjgAnswer::Ja | DjgAnswer::MinOfMeer) => 1,
        (false, DjgAnswer::Nee | DjgAnswer::MinOfMeer) => 1,
        _ => 0,
    }
}

/// Scores eleven answers; `None` when more than [`MAX_MISSING`] are missing.
pub fn score(answers: &[Option<DjgAnswer>; 11]) -> Option<DjgScore> {
    let missing = answers.iter().filter(|a| a.is_none()).count();
    if missing > MAX_MISSING {
        return None;
    }
    let subscale = |emotional: bool| -> u8 {
        let (mut sum, mut answered, mut items) = (0u32, 0u32, 0u32);
        for (i, a) in answers.iter().enumerate() {
            if EMOTIONAL[i] != emotional {
                continue;
            }
            items += 1;
            if let Some(a) = a {
                sum += u32::from(item_score(i, *a));
                answered += 1;
            }
        }
        // Pro-rated sum = sum * items / answered, rounded half up, in integers.
        // (answered >= items - 2 >= 3, so never zero.)
        ((2 * sum * items + answered) / (2 * answered)) as u8
    };
    let emotional = subscale(true);
    let social = subscale(false);
    Some(DjgScore {
        total: emotional + social,
        emotional,
        social,
        imputed: missing as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use DjgAnswer::{Ja, MinOfMeer as M, Nee};

    fn all(a: DjgAnswer) -> [Option<DjgAnswer>; 11] {
        [Some(a); 11]
    }

    #[test]
    fn hand_scored_patterns() {
        // All "ja": the six emotional items score, the social ones do not.
        let s = score(&all(Ja)).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (6, 6, 0));
        assert!(
            s.lonely() && !s.severely_lonely() && s.emotionally_lonely() && !s.socially_lonely()
        );
        // All "nee": only the five social items score.
        let s = score(&all(Nee)).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (5, 0, 5));
        assert!(s.socially_lonely() && !s.emotionally_lonely());
        // All "min of meer": every item scores.
        let s = score(&all(M)).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (11, 6, 5));
        assert!(s.severely_lonely());
        // Not lonely at all: "ja" on social items, "nee" on emotional ones.
        let none: [Option<DjgAnswer>; 11] =
            std::array::from_fn(|i| Some(if EMOTIONAL[i] { Nee } else { Ja }));
        let s = score(&none).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (0, 0, 0));
        assert!(!s.lonely());
        // Items 1 (social, nee) and 2 (emotional, min of meer) and 4 (social, min of meer): 3.
        let mut p = none;
        p[0] = Some(Nee);
        p[1] = Some(M);
        p[3] = Some(M);
        let s = score(&p).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (3, 1, 2));
        assert!(s.lonely() && s.socially_lonely() && !s.emotionally_lonely());
        // Two short of lonely: 2 is not lonely, the boundary is at 3.
        p[3] = Some(Ja);
        assert!(!score(&p).unwrap().lonely());
        // Exactly 9: severely lonely.
        let mut q = all(M);
        q[0] = Some(Ja);
        q[1] = Some(Nee);
        let s = score(&q).unwrap();
        assert_eq!((s.total, s.emotional, s.social), (9, 5, 4));
        assert!(s.severely_lonely());
    }

    #[test]
    fn missing_items_are_prorated_within_their_subscale() {
        // Emotional items all scoring, one emotional item missing: 5 of 5 answered -> 6.
        let mut p = all(Ja);
        p[1] = None;
        let s = score(&p).unwrap();
        assert_eq!((s.total, s.emotional, s.social, s.imputed), (6, 6, 0, 1));
        // Social: 2 of 4 answered score, one missing -> 2 * 5 / 4 = 2.5 -> 3 (half up).
        let mut q: [Option<DjgAnswer>; 11] =
            std::array::from_fn(|i| Some(if EMOTIONAL[i] { Nee } else { Ja }));
        q[0] = Some(Nee);
        q[3] = Some(Nee);
        q[6] = None;
        let s = score(&q).unwrap();
        assert_eq!((s.emotional, s.social, s.total), (0, 3, 3));
        // Social 1 of 4 answered -> 1.25 -> 1.
        q[3] = Some(Ja);
        assert_eq!(score(&q).unwrap().social, 1);
        // Two missing is still scored, three is not.
        let mut r = all(Nee);
        r[0] = None;
        r[1] = None;
        assert_eq!(score(&r).unwrap().imputed, 2);
        r[2] = None;
        assert_eq!(score(&r), None);
    }

    #[test]
    fn agrees_with_the_generator_on_complete_answers() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for k in 0..2000 {
            let (lonely, severe) = (k % 3 != 0, k % 7 == 0);
            let (answers, latent) =
                crate::synth::outcome::djg_answers(lonely, lonely && severe, 0.0, &mut rng);
            assert_eq!(u32::from(score(&answers).unwrap().total), latent);
        }
    }
}
