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
