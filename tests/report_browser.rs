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
//!
//! Layout: a test copy of the report (its CSP dropped so a probe script may run) is shown in an
//! iframe 390 px (a phone) and 1400 px (a projector) wide, and once more at the width of an A4
//! page's printable area with the print stylesheet applied; the probe reports the document's
//! scroll width and every element that reaches past the right edge. A control page that does
//! overflow proves the probe sees it. The report is also printed to PDF (A4) and its pages
//! counted; screenshots at both widths and the PDF are saved under `target/tmp/report_browser/`.

mod report_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The printable width of an A4 page under the report's `@page` margins (210 - 2 x 11 mm), in CSS
/// pixels (96 per inch).
const A4_PRINTABLE_PX: u32 = 710;

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

/// Runs chromium headless with `args` on `url` and returns its stdout (with a safety timeout).
fn run_chromium(browser: &Path, work: &Path, args: &[String], url: &str) -> String {
    let profile = work.join("profile-layout");
    let _ = std::fs::remove_dir_all(&profile);
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
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut { stdout }, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// What the probe measured in a frame of a given width.
#[derive(Debug)]
struct Overflow {
    scroll_width: u32,
    client_width: u32,
    /// Elements reaching past the right edge, as `TAG.class:right`.
    past_edge: Vec<String>,
}

/// Shows `page` in an iframe `width` px wide (print rules applied when `print`) and measures.
fn overflow(browser: &Path, page: &str, width: u32, print: bool, work: &Path) -> Overflow {
    let mut copy = page.to_string();
    // The test copy only: drop the CSP so the probe may run, and apply the print rules on screen.
    if let Some(i) = copy.find("<meta http-equiv=\"Content-Security-Policy\"") {
        let j = i + copy[i..].find('>').unwrap() + 1;
        copy.replace_range(i..j, "");
    }
    if print {
        copy = copy.replace("@media print", "@media all");
    }
    let probe = "<script>addEventListener('load',()=>{const W=document.documentElement.clientWidth;\
        const bad=[];document.querySelectorAll('body *').forEach(e=>{const r=e.getBoundingClientRect();\
        if(r.width>0&&r.right>W+1)bad.push(e.tagName+'.'+e.className+':'+Math.round(r.right));});\
        parent.postMessage('PROBE '+document.documentElement.scrollWidth+' '+W+' '+bad.join(' '),'*');});</script></body>";
    copy = copy.replace("</body>", probe);
    let tag = format!("{width}{}", if print { "-print" } else { "" });
    let inner = work.join(format!("probe-{tag}.html"));
    std::fs::write(&inner, copy).unwrap();
    let outer = work.join(format!("frame-{tag}.html"));
    std::fs::write(
        &outer,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"probe-{tag}.html\" \
             style=\"width:{width}px;height:2400px;border:0\"></iframe><pre id=\"probe\">none</pre>\
             <script>addEventListener('message',e=>{{document.getElementById('probe').textContent=e.data;}});</script></body></html>"
        ),
    )
    .unwrap();
    let url = format!("file://{}", outer.canonicalize().unwrap().display());
    let dom = run_chromium(
        browser,
        work,
        &[
            "--window-size=1500,2400".to_string(),
            "--virtual-time-budget=10000".to_string(),
            "--dump-dom".to_string(),
        ],
        &url,
    );
    let at = dom
        .find("PROBE ")
        .unwrap_or_else(|| panic!("the probe did not report at {tag} px"));
    let line = &dom[at + 6..at + dom[at..].find('<').unwrap()];
    let mut parts = line.split_whitespace();
    let scroll_width = parts.next().unwrap().parse().unwrap();
    let client_width = parts.next().unwrap().parse().unwrap();
    Overflow {
        scroll_width,
        client_width,
        past_edge: parts.map(str::to_string).collect(),
    }
}

/// A screenshot of `page` in a frame `width` px wide (the page itself when the window can be that wide).
fn screenshot(browser: &Path, page: &Path, width: u32, out: &Path, work: &Path) {
    let _ = std::fs::remove_file(out);
    let frame = work.join(format!("shot-{width}.html"));
    std::fs::write(
        &frame,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"{}\" \
             style=\"width:{width}px;height:2400px;border:0\"></iframe></body></html>",
            page.canonicalize().unwrap().display()
        ),
    )
    .unwrap();
    let url = format!("file://{}", frame.canonicalize().unwrap().display());
    run_chromium(
        browser,
        work,
        &[
            format!("--window-size={},2400", width.max(500)),
            format!("--screenshot={}", out.display()),
        ],
        &url,
    );
    assert!(out.is_file(), "no screenshot at {width} px");
}

/// Pages of a PDF as Chromium writes it (one `/Type /Page` object per page).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && !w[needle.len()].is_ascii_alphanumeric())
        .count()
}

#[test]
fn the_report_holds_at_390_and_1400_px_and_prints_on_a4_without_clipping() {
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
    assert_eq!(
        pdf_pages(b"<</Type /Pages /Kids [1 0 R 2 0 R]>> <</Type /Page>> <</Type /Page/P>>"),
        2
    );

    // Control: a page that overflows must be seen to overflow.
    let wide = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head>\
                <body><table class=\"x\"><tr><td style=\"min-width:900px\">breed</td></tr></table></body></html>";
    let control = overflow(&browser, wide, 390, false, &work);
    assert!(
        control.scroll_width > 390 && !control.past_edge.is_empty(),
        "the overflow probe missed a 900 px table in a 390 px frame: {control:?}"
    );

    let report = report_file();
    let page = std::fs::read_to_string(&report).unwrap();
    for (width, print) in [(390, false), (1400, false), (A4_PRINTABLE_PX, true)] {
        let o = overflow(&browser, &page, width, print, &work);
        eprintln!(
            "{width} px{}: {o:?}",
            if print { " (print rules)" } else { "" }
        );
        assert_eq!(o.client_width, width, "the frame is not {width} px wide");
        assert!(
            o.scroll_width <= width && o.past_edge.is_empty(),
            "horizontal overflow at {width} px{}: scroll width {}, past the edge: {:?}",
            if print {
                " with the print rules (a clipped table on paper)"
            } else {
                ""
            },
            o.scroll_width,
            &o.past_edge[..o.past_edge.len().min(10)]
        );
    }
    for width in [390, 1400] {
        let shot = work.join(format!("report-{width}px.png"));
        screenshot(&browser, &report, width, &shot, &work);
        let png = std::fs::read(&shot).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        eprintln!("screenshot: {}", shot.display());
    }

    let pdf = work.join("report.pdf");
    let _ = std::fs::remove_file(&pdf);
    run_chromium(
        &browser,
        &work,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
        &format!("file://{}", report.canonicalize().unwrap().display()),
    );
    let bytes = std::fs::read(&pdf).expect("chromium printed the report to PDF");
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let pages = pdf_pages(&bytes);
    // One page per persona card plus the rest; the demo has 8 personas.
    let personas = report_common::demo_report().personas.len();
    eprintln!(
        "PDF: {} ({pages} A4 pages, {personas} persona cards)",
        pdf.display()
    );
    assert!(
        pages > personas && pages <= personas + 14,
        "{pages} printed pages for {personas} personas"
    );
}
