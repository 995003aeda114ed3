//! The closed vocabularies of the contract, as enums that parse the spelling of the spec.
//!
//! Each enum has `CODES` (the spec spellings, in order), `code()` and `parse()`; parsing is
//! case-insensitive and ignores surrounding spaces, because exports differ in exactly that.

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the spec's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The spec spellings, in the same order as [`Self::ALL`].
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The spec spelling of this value.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a spec spelling, ignoring case and surrounding spaces.
            pub fn parse(raw: &str) -> Option<$name> {
                let s = raw.trim();
                $(if s.eq_ignore_ascii_case($code) { return Some($name::$variant); })+
                None
            }

            /// Position in [`Self::ALL`]; handy as an array index.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

vocabulary!(
    /// `brp.geslacht`.
    Geslacht { Man => "M", Vrouw => "V", Onbekend => "X" }
);

vocabulary!(
    /// `brp.burgerlijke_staat`.
    BurgerlijkeStaat {
        Ongehuwd => "ongehuwd",
        Gehuwd => "gehuwd",
        Partnerschap => "partnerschap",
        Gescheiden => "gescheiden",
        Verweduwd => "verweduwd",
    }
);

vocabulary!(
    /// `brp.herkomst` (migration background).
    Herkomst {
        Nederland => "nederland",
        Westers => "westers",
        Marokko => "marokko",
        Turkije => "turkije",
        Suriname => "suriname",
        Antillen => "antillen",
        OverigNietWesters => "overig_niet_westers",
    }
);

vocabulary!(
    /// `inkomen.inkomensbron`.
    Inkomensbron {
        Loon => "loon",
        Zelfstandig => "zelfstandig",
        Werkloosheid => "werkloosheid",
        Arbeidsongeschiktheid => "arbeidsongeschiktheid",
        Aow => "aow",
        Bijstand => "bijstand",
        Overig => "overig",
        Geen => "geen",
    }
);

vocabulary!(
    /// `wmo.voorziening`.
    Voorziening {
        HuishoudelijkeHulp => "huishoudelijke_hulp",
        Begeleiding => "begeleiding",
        Dagbesteding => "dagbesteding",
        Vervoer => "vervoer",
        Hulpmiddel => "hulpmiddel",
        Woningaanpassing => "woningaanpassing",
    }
);

vocabulary!(
    /// `schuldhulp.status`.
    SchuldStatus {
        Aanmelding => "aanmelding",
        Traject => "traject",
        Afgerond => "afgerond",
        Uitgevallen => "uitgevallen",
    }
);

vocabulary!(
    /// `huisbezoeken.signaal_eenzaamheid`.
    Signaal { Ja => "ja", Nee => "nee", Onbekend => "onbekend" }
);

vocabulary!(
    /// A De Jong Gierveld item answer; `1`/`2`/`3` are accepted as the same three, in this order.
    DjgAnswer { Ja => "ja", MinOfMeer => "min_of_meer", Nee => "nee" }
);

vocabulary!(
    /// The seven effective elements of loneliness interventions (`sociale_kaart.elementen`).
    Element {
        Bezigheden => "bezigheden",
        Ontmoeten => "ontmoeten",
        PraktischOndersteunen => "praktisch_ondersteunen",
        BetekenisvolContact => "betekenisvol_contact",
        SocialeVaardigheden => "sociale_vaardigheden",
        RealistischeVerwachtingen => "realistische_verwachtingen",
        BetekenisvolleRollen => "betekenisvolle_rollen",
    }
);

vocabulary!(
    /// `sociale_kaart.doelgroepen`.
    Doelgroep {
        Iedereen => "iedereen",
        Ouderen => "ouderen",
        Jongeren => "jongeren",
        Alleenwonenden => "alleenwonenden",
        Mantelzorgers => "mantelzorgers",
        Migranten => "migranten",
        MensenMetSchulden => "mensen_met_schulden",
        MensenMetBeperking => "mensen_met_beperking",
        Rouwenden => "rouwenden",
        Ouders => "ouders",
    }
);

vocabulary!(
    /// `sociale_kaart.kosten`.
    Kosten { Gratis => "gratis", Laag => "laag", Regulier => "regulier", Indicatie => "indicatie" }
);

vocabulary!(
    /// `sociale_kaart.vorm`.
    Vorm { Groep => "groep", Individueel => "individueel", Online => "online", Huisbezoek => "huisbezoek" }
);

vocabulary!(
    /// `sociale_kaart.status`.
    AanbodStatus { Actief => "actief", Inactief => "inactief" }
);

impl DjgAnswer {
    /// Parses `ja`/`min_of_meer`/`nee` or the numeric codes `1`/`2`/`3`.
    pub fn parse_any(raw: &str) -> Option<DjgAnswer> {
        match raw.trim() {
            "1" => Some(DjgAnswer::Ja),
            "2" => Some(DjgAnswer::MinOfMeer),
            "3" => Some(DjgAnswer::Nee),
            other => DjgAnswer::parse(other),
        }
    }
}

/// Parses the spec's booleans: `ja`/`nee`, `1`/`0`, `true`/`false` (any case).
pub fn parse_bool(raw: &str) -> Option<bool> {
    let s = raw.trim();
    if s.eq_ignore_ascii_case("ja") || s == "1" || s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("nee") || s == "0" || s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_case_and_space_insensitive() {
        assert_eq!(Herkomst::parse(" Marokko "), Some(Herkomst::Marokko));
        assert_eq!(Geslacht::parse("v"), Some(Geslacht::Vrouw));
        assert_eq!(Herkomst::parse("marokkaans"), None);
        assert_eq!(Element::CODES.len(), 7);
        assert_eq!(Element::ALL[3].code(), "betekenisvol_contact");
    }

    #[test]
    fn djg_and_booleans() {
        assert_eq!(DjgAnswer::parse_any("2"), Some(DjgAnswer::MinOfMeer));
        assert_eq!(DjgAnswer::parse_any("NEE"), Some(DjgAnswer::Nee));
        assert_eq!(DjgAnswer::parse_any("4"), None);
        assert_eq!(parse_bool("Ja"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("misschien"), None);
    }
}
