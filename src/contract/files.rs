//! The files of a study folder: names, required and optional columns, and how each one links.

/// How the rows of a source reach a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKey {
    /// Carries a raw `bsn`, pseudonymised at ingest.
    Bsn,
    /// Carries a `pseudo_id` made by a trusted third party with the same key.
    PseudoId,
    /// Only name, birth date and address: needs probabilistic linkage.
    NameDateAddress,
    /// One row per buurt, keyed by `buurtcode`.
    Buurt,
    /// Not about residents (the sociale kaart).
    None,
}

/// Every file a study folder may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Gebieden,
    Brp,
    Gezondheidsmonitor,
    Inkomen,
    Wmo,
    Opvoedondersteuning,
    Schuldhulp,
    Huisbezoeken,
    Veiligheid,
    SocialeKaart,
}

/// The contract for one file.
#[derive(Debug, Clone, Copy)]
pub struct SourceSpec {
    pub kind: SourceKind,
    /// Short name used in summaries and `links.csv` (`brp`, `schuldhulp`...).
    pub name: &'static str,
    pub file_name: &'static str,
    pub required: bool,
    pub link_key: LinkKey,
    /// Columns that must be present in the header.
    pub required_columns: &'static [&'static str],
    /// Columns the spec names that may be absent (read when present).
    pub optional_columns: &'static [&'static str],
}

const DJG: [&str; 11] = [
    "djg01", "djg02", "djg03", "djg04", "djg05", "djg06", "djg07", "djg08", "djg09", "djg10",
    "djg11",
];

/// The columns of `gezondheidsmonitor.csv` in spec order.
pub const GEZONDHEIDSMONITOR_COLUMNS: &[&str] = &[
    "pseudo_id",
    "weegfactor",
    DJG[0],
    DJG[1],
    DJG[2],
    DJG[3],
    DJG[4],
    DJG[5],
    DJG[6],
    DJG[7],
    DJG[8],
    DJG[9],
    DJG[10],
    "ervaren_gezondheid",
    "beperking_bewegen",
    "mantelzorger",
    "vrijwilligerswerk",
    "moeite_rondkomen",
];

pub const SOURCES: &[SourceSpec] = &[
    SourceSpec {
        kind: SourceKind::Gebieden,
        name: "gebieden",
        file_name: "gebieden.csv",
        required: true,
        link_key: LinkKey::Buurt,
        required_columns: &["buurtcode", "buurtnaam", "wijkcode", "wijknaam"],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Brp,
        name: "brp",
        file_name: "brp.csv",
        required: true,
        link_key: LinkKey::Bsn,
        required_columns: &[
            "bsn",
            "geslachtsnaam",
            "voorvoegsel",
            "voornamen",
            "geboortedatum",
            "geslacht",
            "postcode",
            "huisnummer",
            "huisnummertoevoeging",
            "buurtcode",
            "burgerlijke_staat",
            "datum_burgerlijke_staat",
            "huishouden_id",
            "aantal_personen_huishouden",
            "datum_vestiging",
            "herkomst",
        ],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Gezondheidsmonitor,
        name: "gezondheidsmonitor",
        file_name: "gezondheidsmonitor.csv",
        required: true,
        link_key: LinkKey::PseudoId,
        required_columns: &["pseudo_id", "weegfactor"],
        optional_columns: &[
            DJG[0],
            DJG[1],
            DJG[2],
            DJG[3],
            DJG[4],
            DJG[5],
            DJG[6],
            DJG[7],
            DJG[8],
            DJG[9],
            DJG[10],
            "ervaren_gezondheid",
            "beperking_bewegen",
            "mantelzorger",
            "vrijwilligerswerk",
            "moeite_rondkomen",
        ],
    },
    SourceSpec {
        kind: SourceKind::Inkomen,
        name: "inkomen",
        file_name: "inkomen.csv",
        required: false,
        link_key: LinkKey::Bsn,
        required_columns: &[
            "bsn",
            "huishoudinkomen_percentiel",
            "inkomensbron",
            "minimaregeling",
        ],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Wmo,
        name: "wmo",
        file_name: "wmo.csv",
        required: false,
        link_key: LinkKey::Bsn,
        required_columns: &["bsn", "voorziening", "startdatum", "einddatum"],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Opvoedondersteuning,
        name: "opvoedondersteuning",
        file_name: "opvoedondersteuning.csv",
        required: false,
        link_key: LinkKey::Bsn,
        required_columns: &["bsn", "startdatum", "einddatum"],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Schuldhulp,
        name: "schuldhulp",
        file_name: "schuldhulp.csv",
        required: false,
        link_key: LinkKey::NameDateAddress,
        required_columns: &[
            "geslachtsnaam",
            "voornamen",
            "geboortedatum",
            "postcode",
            "huisnummer",
            "aanmelddatum",
            "status",
        ],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Huisbezoeken,
        name: "huisbezoeken",
        file_name: "huisbezoeken.csv",
        required: false,
        link_key: LinkKey::NameDateAddress,
        required_columns: &[
            "naam",
            "geboortedatum",
            "postcode",
            "huisnummer",
            "bezoekdatum",
            "signaal_eenzaamheid",
            "mantelzorger",
        ],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::Veiligheid,
        name: "veiligheid",
        file_name: "veiligheid.csv",
        required: false,
        link_key: LinkKey::Buurt,
        required_columns: &["buurtcode", "veiligheidsindex", "overlast"],
        optional_columns: &[],
    },
    SourceSpec {
        kind: SourceKind::SocialeKaart,
        name: "sociale_kaart",
        file_name: "sociale_kaart.csv",
        required: false,
        link_key: LinkKey::None,
        required_columns: &[
            "aanbod_id",
            "naam",
            "organisatie",
            "omschrijving",
            "elementen",
            "doelgroepen",
            "leeftijd_min",
            "leeftijd_max",
            "talen",
            "kosten",
            "rolstoeltoegankelijk",
            "vervoer",
            "vorm",
            "gebied",
            "capaciteit_per_week",
            "status",
        ],
        optional_columns: &[],
    },
];

impl SourceKind {
    pub fn spec(self) -> &'static SourceSpec {
        SOURCES
            .iter()
            .find(|s| s.kind == self)
            .expect("every kind has a spec")
    }
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// The file `loneliness synth` writes into every study folder it generates: its presence marks
/// the study as synthetic (the report then says so in its header and on paper). The engine reads
/// no other meaning into it; a real study never has it.
pub const SYNTHETIC_MARKER: &str = "SYNTHETISCH.txt";

/// The text of [`SYNTHETIC_MARKER`].
pub const SYNTHETIC_MARKER_TEXT: &str = "Deze studiemap is gemaakt door `loneliness synth`: synthetische gegevens, geen echte inwoners.\n";

/// Whether the study folder was generated by `loneliness synth` (it holds [`SYNTHETIC_MARKER`]).
pub fn is_synthetic(study_dir: &std::path::Path) -> bool {
    study_dir.join(SYNTHETIC_MARKER).is_file()
}
