//! Opens the report in headless Chromium (Debian's `chromium` package; `.ci/run` installs it):
//! no console message, no network request other than the file itself, and a screenshot saved to
//! `target/tmp/report-screenshot.png`.
//!
//! Console messages come from `--enable-logging=stderr` (Chromium logs every console message as a
//! `CONSOLE` line; the report has no script, so any such line is a CSP violation or another error).
//! Requests come from `--log-net-log`: every URL request the page started (its network isolation
//! key is the `file://` site) is listed; Chromium's own background traffic is not the page's.
//! Two control pages (one loading an image from another host, one blocked by the CSP) prove both
//! detectors see what they should. Set `LONELINESS_SKIP_BROWSER=1` to skip on a machine without
//! Chromium; without that variable a missing browser fails the test.

mod report_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The report under test: what the main job wrote for the demo study.
fn report_file() -> PathBuf {
    report_common::demo_report_file()
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// What one headless page load showed.
struct Load {
    console: Vec<String>,
    requests: Vec<String>,
}

fn load(browser: &Path, page: &Path, screenshot: &Path, work: &Path) -> Load {
    let net_log = work.join("net-log.json");
    let profile = work.join("profile");
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_file(&net_log);
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1600,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // A safety net, not a timing assertion: a hung browser must not hang the test suite.
    let start = Instant::now();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut { stderr }, &mut s).ok();
        s
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish loading {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = reader.join().unwrap();
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Load {
        console,
        requests: page_requests(&net_log),
    }
}

/// URLs of the requests the page (a `file://` document) started, from a Chromium net log.
fn page_requests(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).expect("chromium wrote its net log");
    let log: serde_json::Value = serde_json::from_str(&text).expect("the net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the net log names URL_REQUEST_START_JOB");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| {
            let p = &e["params"];
            let from_file = |k: &str| p[k].as_str().is_some_and(|v| v.contains("file://"));
            from_file("network_isolation_key") || from_file("site_for_cookies")
        })
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

#[test]
fn the_report_opens_in_chromium_without_errors_or_requests() {
    if std::env::var("LONELINESS_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("LONELINESS_SKIP_BROWSER=1: browser test skipped");
        return;
    }
    let browser = chromium().expect(
        "chromium is not on PATH: this test needs Debian's chromium package, which .ci/run installs \
         (apt-get install -y chromium); set LONELINESS_SKIP_BROWSER=1 to skip it deliberately",
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&work).unwrap();

    // Controls: the detectors must see a request to another host and a CSP violation.
    let leak = work.join("control-leak.html");
    std::fs::write(
        &leak,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .unwrap();
    let control = load(&browser, &leak, &work.join("control-leak.png"), &work);
    assert!(
        control.requests.iter().any(|u| u.contains("127.0.0.1:9")),
        "the net-log detector missed a request: {:?}",
        control.requests
    );
    let blocked = work.join("control-csp.html");
    std::fs::write(
        &blocked,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head>\
         <body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .unwrap();
    let control = load(&browser, &blocked, &work.join("control-csp.png"), &work);
    assert!(
        !control.console.is_empty(),
        "the console detector missed a CSP violation"
    );

    let report = report_file();
    let screenshot = work.join("report-screenshot.png");
    let _ = std::fs::remove_file(&screenshot);
    let seen = load(&browser, &report, &screenshot, &work);
    assert!(
        seen.console.is_empty(),
        "console messages: {:#?}",
        seen.console
    );
    assert!(
        seen.requests.is_empty(),
        "the report made network requests: {:?}",
        seen.requests
    );
    let png = std::fs::read(&screenshot).expect("chromium saved a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1600, 2400));
    // A blank page of this size compresses to a few kilobytes; the report's charts do not.
    assert!(
        png.len() > 60_000,
        "the screenshot is nearly empty ({} bytes)",
        png.len()
    );
    eprintln!("screenshot: {}", screenshot.display());
}
