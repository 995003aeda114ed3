//! Name pools per migration background, as data.
//!
//! Surnames are listed roughly from most to least common and drawn with Zipf-like weights
//! (`1 / rank^0.9`), so a few names are very common (de Jong, Jansen, Yilmaz, El Idrissi...) and
//! most are rare: record linkage weighs agreement on a rare surname more than on a common one, and
//! needs that skew to be tested. Every name is in the Windows-1252 repertoire (Turkish letters
//! such as s-cedilla are transliterated, as Dutch registers often do) because one export is written
//! in that encoding. Dutch surnames carry their voorvoegsel separately, as the BRP does.

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::Rng;

use crate::contract::vocab::{Geslacht, Herkomst};

/// `(voorvoegsel, geslachtsnaam)`; the voorvoegsel is empty for most names.
pub type Surname = (&'static str, &'static str);

const DUTCH_SURNAMES: &[Surname] = &[
    ("de", "Jong"),
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    ("", "Bakker"),
    ("", "Janssen"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("", "Smits"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("de", "Bruin"),
    ("van der", "Heijden"),
    ("", "Schouten"),
    ("van", "Beek"),
    ("", "Willems"),
    ("van", "Vliet"),
    ("van de", "Ven"),
    ("", "Hoekstra"),
    ("", "Maas"),
    ("", "Verhoeven"),
    ("", "Koster"),
    ("van", "Dam"),
    ("van der", "Wal"),
    ("", "Prins"),
    ("", "Blom"),
    ("", "Huisman"),
    ("", "Peeters"),
    ("de", "Jonge"),
    ("", "Kuipers"),
    ("van", "Veen"),
    ("", "Post"),
    ("", "Kuiper"),
    ("", "Veenstra"),
    ("", "Kramer"),
    ("van den", "Brink"),
    ("", "Scholten"),
    ("van", "Wijk"),
    ("", "Postma"),
    ("", "Martens"),
    ("", "Vink"),
    ("de", "Ruiter"),
    ("", "Timmermans"),
    ("", "Groen"),
    ("", "Gerritsen"),
    ("", "Jonker"),
    ("van", "Loon"),
    ("", "Boer"),
    ("van der", "Velde"),
    ("", "Willemsen"),
    ("", "Smeets"),
    ("de", "Lange"),
    ("de", "Vos"),
    ("", "Bosch"),
    ("van", "Dongen"),
    ("", "Schipper"),
    ("de", "Koning"),
    ("van der", "Laan"),
    ("", "Koning"),
    ("van der", "Velden"),
    ("", "Driessen"),
    ("van", "Doorn"),
    ("", "Hermans"),
    ("", "Evers"),
    ("van den", "Bosch"),
    ("van der", "Meulen"),
    ("", "Hofman"),
    ("", "Bosman"),
    ("", "Wolters"),
    ("", "Sanders"),
    ("van der", "Horst"),
    ("", "Mol"),
    ("", "Kuijpers"),
    ("", "Molenaar"),
    ("van de", "Pol"),
    ("de", "Leeuw"),
    ("", "Verbeek"),
    ("ter", "Horst"),
    ("ter", "Haar"),
    ("van 't", "Hof"),
    ("", "Verschoor"),
    ("", "Wouters"),
    ("", "Claassen"),
    ("", "Hoogendoorn"),
    ("", "Zwart"),
    ("van", "Rijn"),
    ("", "Verhagen"),
    ("", "Lammers"),
    ("den", "Hartog"),
    ("van", "Es"),
    ("", "Heemskerk"),
    ("van", "Zanten"),
    ("", "Kerkhof"),
    ("", "Brinkman"),
    ("", "Nijhuis"),
    ("van", "Gelder"),
    ("", "Oosterhuis"),
    ("", "Wessels"),
    ("van", "Houten"),
    ("", "Rutten"),
    ("van", "Os"),
    ("", "Kroon"),
    ("", "Bouwman"),
    ("", "Baars"),
    ("op de", "Beek"),
    ("in 't", "Veld"),
    ("", "Haverkamp"),
    ("", "Boersma"),
    ("", "Terpstra"),
    ("", "Zijlstra"),
    ("", "Wijnands"),
    ("", "Frölich"),
    ("", "Hoefnagels"),
    ("", "Ploeg"),
    ("van der", "Ploeg"),
    ("", "Slootweg"),
    ("", "Spaans"),
    ("", "Roodenburg"),
    ("van", "Kampen"),
    ("", "Moerman"),
];

const TURKISH_SURNAMES: &[Surname] = &[
    ("", "Yilmaz"),
    ("", "Kaya"),
    ("", "Demir"),
    ("", "Sahin"),
    ("", "Çelik"),
    ("", "Yildiz"),
    ("", "Yildirim"),
    ("", "Öztürk"),
    ("", "Aydin"),
    ("", "Özdemir"),
    ("", "Arslan"),
    ("", "Dogan"),
    ("", "Kiliç"),
    ("", "Aslan"),
    ("", "Çetin"),
    ("", "Kara"),
    ("", "Koç"),
    ("", "Kurt"),
    ("", "Özkan"),
    ("", "Simsek"),
    ("", "Polat"),
    ("", "Korkmaz"),
    ("", "Karatas"),
    ("", "Erdogan"),
    ("", "Güler"),
    ("", "Tekin"),
    ("", "Yavuz"),
    ("", "Bulut"),
    ("", "Ünal"),
    ("", "Acar"),
    ("", "Keskin"),
    ("", "Aksoy"),
    ("", "Kaplan"),
    ("", "Avci"),
    ("", "Tas"),
    ("", "Bozkurt"),
    ("", "Sari"),
    ("", "Aktas"),
    ("", "Bayram"),
    ("", "Uysal"),
    ("", "Köse"),
    ("", "Çakir"),
    ("", "Günes"),
    ("", "Özer"),
    ("", "Gül"),
];

const MOROCCAN_SURNAMES: &[Surname] = &[
    ("", "El Idrissi"),
    ("", "El Amrani"),
    ("", "Bouzid"),
    ("", "Benali"),
    ("", "El Ouali"),
    ("", "Aziz"),
    ("", "El Hamdaoui"),
    ("", "Boukhari"),
    ("", "Amrani"),
    ("", "El Khatib"),
    ("", "Ait Ahmed"),
    ("", "Bakkali"),
    ("", "El Bakkali"),
    ("", "Tahiri"),
    ("", "Azzouzi"),
    ("", "Chaouch"),
    ("", "El Haddouchi"),
    ("", "Benaissa"),
    ("", "Mansouri"),
    ("", "Ouahabi"),
    ("", "Hamdi"),
    ("", "Belhaj"),
    ("", "Zaari"),
    ("", "El Fassi"),
    ("", "Akhiat"),
    ("", "Boujdi"),
    ("", "Essafi"),
    ("", "Lamrabet"),
    ("", "Ziani"),
    ("", "Ouchan"),
    ("", "El Morabit"),
    ("", "Bouchtaoui"),
    ("", "Kaddouri"),
    ("", "Rahmouni"),
    ("", "Bennani"),
    ("", "Chakor"),
    ("", "Haddou"),
    ("", "Ettaouil"),
];

const SURINAMESE_SURNAMES: &[Surname] = &[
    ("", "Ramdin"),
    ("", "Sewdien"),
    ("", "Jagesar"),
    ("", "Ramcharan"),
    ("", "Soekhlal"),
    ("", "Mahabier"),
    ("", "Ramlal"),
    ("", "Baldewsingh"),
    ("", "Jadnanansing"),
    ("", "Bhola"),
    ("", "Kalloe"),
    ("", "Mohan"),
    ("", "Ramautar"),
    ("", "Lachman"),
    ("", "Autar"),
    ("", "Pinas"),
    ("", "Sabajo"),
    ("", "Kartodikromo"),
    ("", "Wongsodikromo"),
    ("", "Kromodimedjo"),
    ("", "Doelwijt"),
    ("", "Amatmoekrim"),
    ("", "Ganga"),
    ("", "Biharie"),
    ("", "Redjosentono"),
    ("", "Eersel"),
    ("", "Emanuels"),
    ("", "Lieveld"),
    ("", "Tjin-A-Tsoi"),
    ("", "Zeeuw"),
    ("", "Sitaldin"),
    ("", "Ramsaran"),
    ("", "Hoost"),
    ("", "Vroom"),
];

const ANTILLEAN_SURNAMES: &[Surname] = &[
    ("", "Martina"),
    ("", "Rosaria"),
    ("", "Cijntje"),
    ("", "Maduro"),
    ("", "Statia"),
    ("", "Isenia"),
    ("", "Winklaar"),
    ("", "Pieternella"),
    ("", "Koeiman"),
    ("", "Richardson"),
    ("", "Rojer"),
    ("", "Wijngaarde"),
    ("", "Elisabeth"),
    ("", "Leito"),
    ("", "Janga"),
    ("", "Trinidad"),
    ("", "Francisca"),
    ("", "Girigorie"),
    ("", "Mercelina"),
    ("", "Obispo"),
];

const WESTERN_SURNAMES: &[Surname] = &[
    ("", "Müller"),
    ("", "Schmidt"),
    ("", "Kowalski"),
    ("", "Nowak"),
    ("", "Wisniewski"),
    ("", "Smith"),
    ("", "Janssens"),
    ("", "Maes"),
    ("", "Schneider"),
    ("", "Fischer"),
    ("", "Weber"),
    ("", "Novak"),
    ("", "Horváth"),
    ("", "Kovács"),
    ("", "Rossi"),
    ("", "García"),
    ("", "Fernández"),
    ("", "Silva"),
    ("", "Santos"),
    ("", "Dupont"),
    ("", "Lefèvre"),
    ("", "Lindqvist"),
    ("", "Andersson"),
    ("", "Wojcik"),
    ("", "Popescu"),
    ("", "Ionescu"),
    ("", "Ivanov"),
    ("", "Petrov"),
    ("", "Brown"),
    ("", "Jones"),
    ("", "Becker"),
    ("", "Hoffmann"),
    ("", "Wagner"),
    ("", "Kaminski"),
    ("", "Lewandowski"),
    ("", "Nielsen"),
];

const OTHER_SURNAMES: &[Surname] = &[
    ("", "Mohamed"),
    ("", "Ahmadi"),
    ("", "Hosseini"),
    ("", "Rahimi"),
    ("", "Hassan"),
    ("", "Ali"),
    ("", "Abdi"),
    ("", "Yusuf"),
    ("", "Nguyen"),
    ("", "Tran"),
    ("", "Le"),
    ("", "Wang"),
    ("", "Li"),
    ("", "Zhang"),
    ("", "Chen"),
    ("", "Liu"),
    ("", "Tesfay"),
    ("", "Haile"),
    ("", "Gebremedhin"),
    ("", "Kebede"),
    ("", "Al-Hassan"),
    ("", "Khalil"),
    ("", "Haddad"),
    ("", "Nasser"),
    ("", "Sultani"),
    ("", "Karimi"),
    ("", "Wijaya"),
    ("", "Santoso"),
    ("", "Pereira"),
    ("", "Dos Santos"),
    ("", "Singh"),
    ("", "Kumar"),
    ("", "Sharma"),
    ("", "Osman"),
    ("", "Farah"),
    ("", "Noori"),
];

const DUTCH_MEN: &[&str] = &[
    "Jan",
    "Johannes",
    "Pieter",
    "Hendrik",
    "Cornelis",
    "Willem",
    "Gerrit",
    "Dirk",
    "Kees",
    "Henk",
    "Peter",
    "Marco",
    "Mark",
    "Dennis",
    "Sander",
    "Bas",
    "Thijs",
    "Daan",
    "Sem",
    "Lucas",
    "Finn",
    "Jesse",
    "Ruben",
    "Stijn",
    "Bram",
    "Tim",
    "Lars",
    "Niels",
    "Koen",
    "Joost",
    "Maarten",
    "René",
    "André",
    "Jacobus",
    "Adrianus",
    "Theodorus",
    "Gijs",
    "Wouter",
];
const DUTCH_WOMEN: &[&str] = &[
    "Maria",
    "Johanna",
    "Anna",
    "Cornelia",
    "Wilhelmina",
    "Elisabeth",
    "Hendrika",
    "Geertruida",
    "Ans",
    "Els",
    "Marja",
    "Ingrid",
    "Monique",
    "Sandra",
    "Linda",
    "Anouk",
    "Lotte",
    "Sanne",
    "Fleur",
    "Emma",
    "Julia",
    "Sophie",
    "Zoë",
    "Eva",
    "Lisa",
    "Noor",
    "Iris",
    "Anne",
    "Renée",
    "Inge",
    "Chloë",
    "Daniëlle",
    "Esmée",
    "Petronella",
    "Margaretha",
    "Jacoba",
];
const TURKISH_MEN: &[&str] = &[
    "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "Ibrahim", "Ismail", "Osman", "Yusuf",
    "Murat", "Emre", "Burak", "Kemal", "Orhan", "Erdal", "Serkan", "Ömer",
];
const TURKISH_WOMEN: &[&str] = &[
    "Fatma", "Ayse", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Sevgi", "Hülya", "Özlem",
    "Derya", "Esra", "Büsra", "Gül", "Songül", "Dilek",
];
const MOROCCAN_MEN: &[&str] = &[
    "Mohamed",
    "Ahmed",
    "Mustapha",
    "Abdelkader",
    "Hassan",
    "Rachid",
    "Said",
    "Karim",
    "Youssef",
    "Hamid",
    "Khalid",
    "Abdel",
    "Driss",
    "Bilal",
    "Anouar",
    "Ilias",
    "Soufiane",
];
const MOROCCAN_WOMEN: &[&str] = &[
    "Fatima", "Khadija", "Aicha", "Malika", "Naima", "Rachida", "Samira", "Zahra", "Nadia",
    "Hafida", "Latifa", "Houda", "Imane", "Salma", "Yasmina", "Souad",
];
const SURINAMESE_MEN: &[&str] = &[
    "Radjesh", "Ravi", "Anil", "Sunil", "Ricardo", "Romano", "Errol", "Glenn", "Orlando", "Ramon",
    "Dinesh", "Mitchell", "Roy", "Clyde", "Frank",
];
const SURINAMESE_WOMEN: &[&str] = &[
    "Sharmila", "Anita", "Sunita", "Priya", "Shanti", "Joyce", "Gracia", "Melissa", "Natasha",
    "Ilse", "Roshni", "Kavita", "Naomi", "Sandra",
];
const ANTILLEAN_MEN: &[&str] = &[
    "Ronald", "Edsel", "Giovanni", "Jurgen", "Shurandy", "Rignald", "Eugene", "Luis", "Jair",
    "Ryan",
];
const ANTILLEAN_WOMEN: &[&str] = &[
    "Maria", "Migdalia", "Sharline", "Jeanette", "Yolanda", "Chanella", "Gisela", "Ruthline",
    "Denise",
];
const WESTERN_MEN: &[&str] = &[
    "Thomas",
    "Michael",
    "Stefan",
    "Piotr",
    "Tomasz",
    "Andreas",
    "James",
    "David",
    "Luca",
    "Marco",
    "Jean",
    "François",
    "Lukas",
    "Krzysztof",
    "José",
];
const WESTERN_WOMEN: &[&str] = &[
    "Anna",
    "Katarzyna",
    "Magdalena",
    "Sarah",
    "Laura",
    "Julia",
    "Maria",
    "Sophie",
    "Élodie",
    "Agnieszka",
    "Claire",
    "Hannah",
    "Ewa",
    "Inês",
];
const OTHER_MEN: &[&str] = &[
    "Mohammed",
    "Ahmad",
    "Ali",
    "Omar",
    "Abdullahi",
    "Hamza",
    "Samir",
    "Wei",
    "Minh",
    "Raj",
    "Tesfaye",
    "Daniel",
    "Samuel",
    "Yonas",
    "Reza",
];
const OTHER_WOMEN: &[&str] = &[
    "Fatima", "Amina", "Maryam", "Leila", "Hodan", "Mei", "Linh", "Priya", "Selam", "Hiwet",
    "Sara", "Noor", "Zainab", "Farah", "Layla",
];

/// Zipf-weighted samplers for every pool, built once per generation.
pub struct NamePools {
    surnames: Vec<(&'static [Surname], WeightedIndex<f64>)>,
    given: Vec<[(&'static [&'static str], WeightedIndex<f64>); 2]>,
}

fn zipf(n: usize, exponent: f64) -> WeightedIndex<f64> {
    WeightedIndex::new((1..=n).map(|r| 1.0 / (r as f64).powf(exponent))).expect("non-empty pool")
}

fn pools_of(
    h: Herkomst,
) -> (
    &'static [Surname],
    &'static [&'static str],
    &'static [&'static str],
) {
    match h {
        Herkomst::Nederland => (DUTCH_SURNAMES, DUTCH_MEN, DUTCH_WOMEN),
        Herkomst::Turkije => (TURKISH_SURNAMES, TURKISH_MEN, TURKISH_WOMEN),
        Herkomst::Marokko => (MOROCCAN_SURNAMES, MOROCCAN_MEN, MOROCCAN_WOMEN),
        Herkomst::Suriname => (SURINAMESE_SURNAMES, SURINAMESE_MEN, SURINAMESE_WOMEN),
        Herkomst::Antillen => (ANTILLEAN_SURNAMES, ANTILLEAN_MEN, ANTILLEAN_WOMEN),
        Herkomst::Westers => (WESTERN_SURNAMES, WESTERN_MEN, WESTERN_WOMEN),
        Herkomst::OverigNietWesters => (OTHER_SURNAMES, OTHER_MEN, OTHER_WOMEN),
    }
}

impl Default for NamePools {
    fn default() -> Self {
        Self::new()
    }
}

impl NamePools {
    pub fn new() -> NamePools {
        let mut surnames = Vec::new();
        let mut given = Vec::new();
        for &h in Herkomst::ALL {
            let (s, m, w) = pools_of(h);
            surnames.push((s, zipf(s.len(), 0.9)));
            given.push([(m, zipf(m.len(), 0.6)), (w, zipf(w.len(), 0.6))]);
        }
        NamePools { surnames, given }
    }

    pub fn surname<R: Rng>(&self, h: Herkomst, rng: &mut R) -> Surname {
        let (pool, dist) = &self.surnames[h.index()];
        pool[dist.sample(rng)]
    }

    /// One to three given names (the BRP lists all of them), distinct.
    pub fn given_names<R: Rng>(&self, h: Herkomst, sex: Geslacht, rng: &mut R) -> String {
        let (pool, dist) = &self.given[h.index()][usize::from(sex == Geslacht::Vrouw)];
        let count = match rng.random::<f64>() {
            x if x < 0.40 => 1,
            x if x < 0.85 => 2,
            _ => 3,
        };
        let mut names: Vec<&str> = Vec::with_capacity(count);
        for _ in 0..count * 4 {
            let n = pool[dist.sample(rng)];
            if !names.contains(&n) {
                names.push(n);
            }
            if names.len() == count {
                break;
            }
        }
        names.join(" ")
    }

    /// Every name in every pool (for the encoding test).
    pub fn all_names() -> Vec<&'static str> {
        let mut out = Vec::new();
        for &h in Herkomst::ALL {
            let (s, m, w) = pools_of(h);
            out.extend(s.iter().flat_map(|(v, n)| [*v, *n]));
            out.extend(m.iter().chain(w.iter()).copied());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_encodes_in_windows_1252() {
        for n in NamePools::all_names() {
            let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(n);
            assert!(!unmappable, "{n} is not in Windows-1252");
        }
    }

    #[test]
    fn pools_are_large_and_skewed() {
        let surnames: usize = Herkomst::ALL.iter().map(|&h| pools_of(h).0.len()).sum();
        assert!(surnames >= 300, "only {surnames} surnames");
        let pools = NamePools::new();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        let n = 20_000;
        let top = (0..n)
            .filter(|_| pools.surname(Herkomst::Nederland, &mut rng) == ("de", "Jong"))
            .count();
        // The most common name is far more common than the uniform 1/len.
        assert!(top as f64 / n as f64 > 3.0 / DUTCH_SURNAMES.len() as f64);
    }
}
