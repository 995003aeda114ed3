//! Issue 15: hostile and careless inputs on a copy of a small synthetic study (not the demo).
mod privacy_support;

use privacy_support::*;

#[test]
fn one_future_date_keeps_the_reference_date_and_is_quarantined() {
    let c = copy();
    c.set("brp.csv", 7, "datum_vestiging", "2099-01-01");
    let o = c.validate(&["--json", "--out", c.out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = c.out_file("summary.json");
    assert!(s.contains("2024-01-01"), "reference date moved: {s}");
    assert!(s.contains("\"future_date\": 1"), "{s}");
}

#[test]
fn a_header_less_file_is_named_without_its_first_line() {
    let c = copy();
    let brp = c.read("brp.csv");
    let first_data = brp.lines().nth(1).unwrap().to_string();
    c.write(
        "brp.csv",
        &brp.lines().skip(1).collect::<Vec<_>>().join("\n"),
    );
    let o = c.validate(&[]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("looks like data, not a header"), "{t}");
    for value in first_data.split(',').filter(|v| v.len() >= 4) {
        assert!(!t.contains(value), "{value} echoed in: {t}");
    }
}

#[test]
fn bsns_with_separators_and_formulas_do_not_reach_quarantine() {
    let c = copy();
    let b = valid_bsn(17);
    let dotted = format!("{}.{}.{}", &b[..4], &b[4..6], &b[6..]);
    let dashed = format!("{}-{}-{}", &b[..3], &b[3..6], &b[6..]);
    c.set("brp.csv", 3, "postcode", &dotted);
    c.set("brp.csv", 4, "herkomst", &dashed);
    c.set("brp.csv", 5, "geslacht", "=1+1");
    let o = c.validate(&["--out", c.out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let q = c.out_file("quarantine/brp.csv");
    assert!(
        !q.contains(&b[..7]) && !q.contains(&dotted) && !q.contains(&dashed),
        "{q}"
    );
    assert!(
        !q.lines().any(|l| l.split(',').any(|f| f.starts_with('='))),
        "{q}"
    );
    assert!(q.contains("'=1+1"), "{q}");
}

#[test]
fn a_wrong_pseudonym_key_fails_validate_and_names_the_key() {
    let c = copy();
    c.write("pseudonym.key", "not the key of the trusted third party");
    let o = c.validate(&[]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("pseudonym key"), "{}", text(&o));
}

#[test]
fn the_untouched_study_is_usable() {
    let c = copy();
    let o = c.validate(&[]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Every file under `dir` with its bytes, relative paths sorted.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The id of a process that has exited (for leftovers "of a killed run").
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Names in the folder that holds the study and OUT, other than those two.
fn beside_out(c: &Copy) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(c.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "study" && n != "out")
        .collect();
    names.sort();
    names
}

#[test]
fn case7_the_output_set_is_swapped_in_whole_and_leaves_nothing_behind() {
    let c = copy();
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let first = tree(&c.out);
    // A user's own files in OUT, and what a killed run left: a staging folder, a previous
    // folder and a temporary file of processes that are gone.
    std::fs::write(c.out.join("notes.txt"), "mine").unwrap();
    std::fs::write(c.out.join("models/last-year.json"), "{}").unwrap();
    let dead = dead_pid();
    let staging = c.dir.path().join(format!(".out.staging-{dead}"));
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("summary.json"), "half").unwrap();
    std::fs::create_dir_all(c.dir.path().join(format!(".out.previous-{dead}"))).unwrap();
    std::fs::write(c.out.join(format!(".report.html.{dead}.tmp")), "half").unwrap();

    let o = c.run(&["-q", "--export-residents"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        beside_out(&c).is_empty(),
        "left beside OUT: {:?}",
        beside_out(&c)
    );
    let second = tree(&c.out);
    for (name, _) in &second {
        assert!(
            !name.ends_with(".tmp") && !name.contains(".staging-"),
            "{name} left in OUT"
        );
    }
    assert_eq!(c.out_file("notes.txt"), "mine", "a user's file is kept");
    assert_eq!(c.out_file("models/last-year.json"), "{}");
    // The same input and seed: the same bytes, plus residents.csv and the user's files.
    let ours: Vec<_> = second
        .iter()
        .filter(|(n, _)| {
            !["notes.txt", "models/last-year.json", "residents.csv"].contains(&n.as_str())
        })
        .cloned()
        .collect();
    assert_eq!(
        ours, first,
        "outputs differ between two runs on the same input"
    );
    assert!(c.out.join("residents.csv").exists());

    // Without --export-residents the resident-level file goes; the user's files stay.
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!c.out.join("residents.csv").exists());
    assert!(c.out.join("notes.txt").exists());
}

#[test]
fn case7_a_killed_run_leaves_the_previous_set_complete() {
    let c = copy();
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let before = tree(&c.out);
    // Kill a run with another seed (other outputs) while it writes its set; try a few times in
    // case a run finishes between two looks.
    let mut killed = false;
    for attempt in 0..6 {
        let mut child = std::process::Command::new(BIN)
            .args([
                "run",
                c.study.to_str().unwrap(),
                "--out",
                c.out.to_str().unwrap(),
            ])
            .args(["-q", "--seed", &(77 + attempt).to_string()])
            .env_remove("LONELINESS_PSEUDONYM_KEY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let marker = format!(".out.staging-{}", child.id());
        loop {
            if c.dir.path().join(&marker).exists() {
                child.kill().unwrap();
                child.wait().unwrap();
                killed = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        if killed {
            // Killed halfway: OUT is the previous set, byte for byte (nothing new, nothing mixed).
            assert_eq!(tree(&c.out), before, "a killed run changed OUT");
            break;
        }
        // The run finished first: that set is now the previous one.
        let o = c.run(&["-q"]);
        assert!(o.status.success());
        assert_eq!(tree(&c.out), before);
    }
    assert!(killed, "no run could be caught while writing");
    // The next run cleans what the killed one left and writes a complete set.
    assert!(
        !beside_out(&c).is_empty(),
        "the killed run's staging folder is there"
    );
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(beside_out(&c).is_empty(), "{:?}", beside_out(&c));
    assert_eq!(tree(&c.out), before);
}

#[test]
fn case7_a_failing_command_leaves_the_previous_set_untouched() {
    let c = copy();
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let before = tree(&c.out);
    // validate --out on a broken study, and run on a study whose survey became unusable (it
    // fails after ingest and linkage): OUT stays as it was.
    let survey = c.read("gezondheidsmonitor.csv");
    c.write(
        "gezondheidsmonitor.csv",
        &format!("{}\n", survey.lines().next().unwrap()),
    );
    let o = c.run(&["-q"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(tree(&c.out), before);
    std::fs::remove_file(c.path("brp.csv")).unwrap();
    let o = c.validate(&["--out", c.out.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(tree(&c.out), before);
    assert!(beside_out(&c).is_empty(), "{:?}", beside_out(&c));
}

#[test]
fn case8_a_bsn_or_1e300_as_weight_is_quarantined_and_not_used() {
    let c = copy();
    let bsn = valid_bsn(23);
    c.set("gezondheidsmonitor.csv", 5, "weegfactor", &bsn);
    c.set("gezondheidsmonitor.csv", 9, "weegfactor", "1e300");
    // A plausible-looking number, but 250 times the median weight (about 1).
    c.set("gezondheidsmonitor.csv", 12, "weegfactor", "250");
    // The same study without those three respondents.
    let clean = copy();
    let survey = clean.read("gezondheidsmonitor.csv");
    let kept: Vec<&str> = survey
        .lines()
        .enumerate()
        .filter(|(i, _)| ![5, 9, 12].contains(i))
        .map(|(_, l)| l)
        .collect();
    clean.write("gezondheidsmonitor.csv", &(kept.join("\n") + "\n"));

    let started = std::time::Instant::now();
    let o = c.validate(&["--out", c.out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed().as_secs() < 20,
        "validate took {:?}",
        started.elapsed()
    );
    let q = c.out_file("quarantine/gezondheidsmonitor.csv");
    let rows: Vec<&str> = q.lines().filter(|l| l.contains("absurd_weight")).collect();
    assert_eq!(rows.len(), 3, "{q}");
    // Row, line and column named; the BSN masked like any other.
    assert!(rows[0].starts_with("5,6,weegfactor,*******"), "{}", rows[0]);
    assert!(rows[1].starts_with("9,10,weegfactor,1e300,"), "{}", rows[1]);
    assert!(rows[2].starts_with("12,13,weegfactor,250,"), "{}", rows[2]);
    assert!(rows[2].contains("median"), "{}", rows[2]);
    assert!(!q.contains(&bsn[..7]), "{q}");

    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_str(&c.out_file("summary.json")).unwrap();
    assert_eq!(
        s["sources"]["gezondheidsmonitor"]["quarantine_reasons"]["absurd_weight"], 3,
        "{s}"
    );
    let o = clean.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    // The model, its cross-validated AUC and every wijk's figures are those of the study
    // without the three rows: the absurd weights are not used anywhere.
    for name in ["risk_report.json", "districts.csv", "personas.json"] {
        assert!(
            c.out_file(name) == clean.out_file(name),
            "{name} differs from the study without the three respondents"
        );
    }
}

/// No cell of a published CSV may start a formula (OWASP): `=`, `+`, `@`, tab, CR, or `-` that
/// is not a number.
fn formula_cells(dir: &std::path::Path) -> Vec<String> {
    let mut bad = Vec::new();
    for p in files_under(dir) {
        if p.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&p)
            .unwrap();
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.trim().parse::<f64>().is_err());
                if risky {
                    bad.push(format!("{}: {cell}", p.display()));
                }
            }
        }
    }
    bad
}

#[test]
fn case5_formulas_in_names_ids_and_values_never_start_a_published_cell() {
    let c = copy();
    // Every buurt of the first wijk gets a formula as wijknaam (a quoted CSV field).
    c.rename_wijken(|first, old| {
        if first {
            Some("\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"".to_string())
        } else if old == "Wijk 01" {
            Some("@SUM(A1)".to_string())
        } else {
            None
        }
    });
    c.set("sociale_kaart.csv", 1, "aanbod_id", "=2+5");
    c.set("sociale_kaart.csv", 3, "aanbod_id", "-cmd");
    c.set("brp.csv", 5, "geslacht", "=1+1");
    c.set("brp.csv", 6, "herkomst", "+31(0)6");
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let bad = formula_cells(&c.out);
    assert!(bad.is_empty(), "cells that start a formula: {bad:?}");
    // The values are there, neutralised (not dropped).
    let all: String = files_under(&c.out)
        .iter()
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("csv"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for shown in ["'=HYPERLINK", "'@SUM(A1)", "'=1+1", "'=2+5"] {
        assert!(all.contains(shown), "{shown} not in the published CSVs");
    }
    // The report escapes them: no raw quote of the formula, no markup from a name.
    let html = c.out_file("report.html");
    assert!(html.contains("HYPERLINK"), "the wijk name is shown");
    assert!(
        !html.contains("HYPERLINK(\"http"),
        "unescaped quotes in the report"
    );
}

#[test]
fn case11_run_names_each_absent_optional_source_once() {
    let c = copy();
    std::fs::remove_file(c.path("veiligheid.csv")).unwrap();
    std::fs::remove_file(c.path("huisbezoeken.csv")).unwrap();
    let o = c.run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("Not present (optional): huisbezoeken, veiligheid"),
        "{stdout}"
    );
    for name in ["veiligheid", "huisbezoeken"] {
        assert_eq!(stdout.matches(name).count(), 1, "{name} in: {stdout}");
    }
    let s: serde_json::Value = serde_json::from_str(&c.out_file("summary.json")).unwrap();
    assert_eq!(
        s["absent_sources"],
        serde_json::json!(["huisbezoeken", "veiligheid"]),
        "{s}"
    );
    // The quarantine files of the sources read last time are not kept for absent ones.
    assert!(!c.out.join("quarantine/veiligheid.csv").exists());
}

#[test]
fn case2_a_2030_date_moves_nothing_and_peildatum_sets_the_date() {
    let c = copy();
    c.set("brp.csv", 8, "datum_vestiging", "2030-01-01");
    let o = c.validate(&["--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["reference_date"], "2024-01-01", "{s}");
    assert_eq!(s["sources"]["brp"]["quarantine_reasons"]["future_date"], 1);
    // --peildatum wins over the derived date and says so.
    let o = c.validate(&["--json", "--peildatum", "2024-06-30"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["reference_date"], "2024-06-30", "{s}");
    assert_eq!(s["reference_date_rule"], "--peildatum", "{s}");
    let o = c.validate(&["--peildatum", "30-06-2024x"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn case11_escape_sequences_in_names_reach_no_terminal_report_or_csv() {
    let c = copy();
    c.rename_wijken(|first, _| first.then(|| "Wijk\u{1b}[2J\u{1b}]0;x\u{7} 00".to_string()));
    let o = c.run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(!t.contains('\u{1b}') && !t.contains('\u{7}'), "{t:?}");
    for p in files_under(&c.out) {
        let bytes = std::fs::read(&p).unwrap();
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07),
            "{} holds a control character",
            p.display()
        );
    }
    assert!(c.out_file("districts.csv").contains("Wijk[2J]0;x 00"));
}

#[test]
fn case11_a_model_file_with_an_absurd_number_is_refused() {
    let c = copy();
    let o = c.run(&["-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let model = c.out_file("models/risk.json");
    // The first decimal number of the model (after a `:`) becomes 1e300.
    let (at, end) = model
        .match_indices(':')
        .map(|(i, _)| i + 1 + (model[i + 1..].len() - model[i + 1..].trim_start().len()))
        .find_map(|at| {
            let len = model[at..].find([',', '\n', ']', '}'])?;
            let v = &model[at..at + len];
            (v.contains('.') && v.parse::<f64>().is_ok()).then_some((at, at + len))
        })
        .unwrap();
    let tampered = format!("{}1e300{}", &model[..at], &model[end..]);
    let path = c.dir.path().join("risk-tampered.json");
    std::fs::write(&path, tampered).unwrap();
    let out2 = c.dir.path().join("out2");
    let started = std::time::Instant::now();
    let o = cli(&[
        "score",
        c.study.to_str().unwrap(),
        "--model",
        path.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        started.elapsed().as_secs() < 10,
        "refused only after {:?}",
        started.elapsed()
    );
    let t = text(&o);
    assert!(t.contains("risk-tampered.json"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert!(!out2.exists(), "nothing written");
}

/// Case 11, last part: the report said "risicomodel niet beschikbaar" for every suppressed wijk,
/// although the model ran. With a threshold above the smallest wijk, that wijk is suppressed and
/// the report says why: too few residents to show, not a missing model.
#[test]
fn case11_a_suppressed_wijk_is_too_small_to_show_not_a_missing_model() {
    let c = copy();
    let o = c.run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    let mut per_wijk: Vec<usize> = csv::Reader::from_path(c.out.join("districts.csv"))
        .unwrap()
        .deserialize::<std::collections::HashMap<String, String>>()
        .filter_map(|r| r.unwrap()["residents"].parse().ok())
        .collect();
    per_wijk.sort_unstable();
    let (smallest, largest) = (per_wijk[0], per_wijk[per_wijk.len() - 1]);
    assert!(smallest < largest, "{per_wijk:?}");
    let old = std::fs::read_to_string(c.path("study.toml")).unwrap_or_default();
    let kept: Vec<&str> = old
        .lines()
        .filter(|l| !l.starts_with("suppression_threshold"))
        .collect();
    c.write(
        "study.toml",
        &format!(
            "suppression_threshold = {}\n{}\n",
            smallest + 1,
            kept.join("\n")
        ),
    );
    let o = c.run(&[]);
    assert!(o.status.success(), "{}", text(&o));
    let html = std::fs::read_to_string(c.out.join("report.html")).unwrap();
    assert!(
        html.contains("te weinig inwoners om te tonen"),
        "no suppressed wijk shown as such"
    );
    assert!(!html.contains("niet beschikbaar"));
    assert!(!html.contains("risicomodel niet berekend"));
}
