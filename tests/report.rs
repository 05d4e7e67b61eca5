//! `pvelog report`: a golden file per format over the pve-oom incident, the JSON read back into
//! the report's own types, the same records cited by every format, redaction, the hostile
//! bundle's payloads kept inert in Markdown and HTML, and the HTML rendered in headless Chromium
//! (skipped, saying so, when Chromium is not installed).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use pvelog::output::report::model::Report;
use support::{corpora, pvelog};

/// Runs `pvelog report` in `dir` (so the provenance names the INPUT as given, not a machine's
/// path) and returns stdout.
fn report_in(dir: &Path, args: &[&str]) -> String {
    let out = pvelog()
        .current_dir(dir)
        .arg("report")
        .args(args)
        .output()
        .expect("run pvelog");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn bundles() -> PathBuf {
    corpora().join("bundles")
}

fn parse(json: &str) -> Report {
    serde_json::from_str(json).expect("the report JSON reads back into its types")
}

#[test]
fn golden_reports_of_the_pve_oom_incident() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(
            "report_markdown@pve-oom",
            report_in(&bundles(), &["pve-oom", "--format", "markdown"])
        );
        insta::assert_snapshot!(
            "report_html@pve-oom",
            report_in(&bundles(), &["pve-oom", "--format", "html"])
        );
        insta::assert_snapshot!(
            "report_json@pve-oom",
            report_in(&bundles(), &["pve-oom", "--format", "json"])
        );
    });
}

#[test]
fn the_format_follows_the_output_files_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, starts) in [
        ("r.md", "# pvelog incident report"),
        ("r.html", "<!DOCTYPE html>"),
        ("r.json", "{"),
    ] {
        let path = dir.path().join(name);
        report_in(
            &bundles(),
            &["pve-oom", "-o", path.to_str().expect("UTF-8 path")],
        );
        let text = std::fs::read_to_string(&path).expect("report written");
        assert!(
            text.starts_with(starts),
            "{name}: {}",
            text.get(..40).unwrap_or(&text)
        );
    }
}

#[test]
fn the_report_renders_the_diagnosis_and_hashes_its_inputs() {
    let r = parse(&report_in(&bundles(), &["pve-oom", "--format", "json"]));
    let diagnosis: serde_json::Value = serde_json::from_slice(
        &pvelog()
            .current_dir(bundles())
            .args(["diagnose", "--format", "json", "pve-oom"])
            .output()
            .expect("diagnose")
            .stdout,
    )
    .expect("JSON");
    assert_eq!(r.verdict.family, diagnosis["verdict"]["family"]);
    assert_eq!(r.verdict.confidence, diagnosis["verdict"]["confidence"]);
    assert_eq!(r.verdict.outcome, diagnosis["verdict"]["outcome"]);
    assert_eq!(
        r.verdict.incident_time.as_deref(),
        diagnosis["verdict"]["incident_time"].as_str()
    );
    assert_eq!(r.incident.vms, vec![101]);
    assert_eq!(r.reconstruction.recovery, "recovered");
    assert_eq!(r.reconstruction.downtime_s, Some(300.0));
    // The evidence is the diagnosis's, record for record.
    let cited: Vec<(String, u64)> = r.findings[0]
        .evidence
        .iter()
        .map(|e| (e.source.clone(), e.offset))
        .collect();
    let expected: Vec<(String, u64)> = diagnosis["findings"][0]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap_or_default().to_string(),
                e["offset"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(cited, expected);
    // Each file of the directory INPUT with its SHA-256, checked against the file.
    let input = &r.provenance.inputs[0];
    assert_eq!(
        (input.input.as_str(), input.kind.as_str()),
        ("pve-oom", "directory")
    );
    let kern = input
        .files
        .iter()
        .find(|f| f.path == "host/pve1/var/log/kern.log")
        .expect("kern.log hashed");
    let bytes = std::fs::read(bundles().join("pve-oom/host/pve1/var/log/kern.log")).expect("read");
    use sha2::Digest as _;
    let want: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(kern.sha256, want);
    assert_eq!(kern.bytes, bytes.len() as u64);
    assert!(r.provenance.pvelog_version.starts_with("pvelog "));
    assert_eq!(
        r.provenance.arguments,
        ["report", "pve-oom", "--format", "json"]
    );
    // Snapshots and coverage come through.
    assert!(!r.sources.is_empty());
    assert!(r.boots.iter().any(|m| m.machine == "pve1"));
    assert!(
        r.timeline
            .events
            .iter()
            .any(|e| e.evidence && e.role == "host")
    );
    assert!(r.timeline.events.iter().any(|e| e.role == "guest"));
    assert_eq!(
        r.timeline.since.as_deref(),
        Some("2025-07-29T09:41:40.000000Z")
    );
    // --window narrows the excerpt, never the diagnosis.
    let narrow = parse(&report_in(
        &bundles(),
        &["pve-oom", "--format", "json", "--window", "10s"],
    ));
    assert_eq!(
        narrow.timeline.since.as_deref(),
        Some("2025-07-29T09:56:30.000000Z")
    );
    assert!(narrow.timeline.events.len() < r.timeline.events.len());
    assert_eq!(narrow.findings, r.findings);
}

#[test]
fn a_vm_named_by_its_process_id_says_how_in_every_format() {
    // The host logged the OOM kill of pid 2613 (`kvm`) with no `oom-kill:` line; its journal
    // ties the pid to VM 101's scope.
    let dir = corpora().join("scenarios/oom-kvm-pid-only");
    let r = parse(&report_in(&dir, &["bundle", "--format", "json"]));
    let named: Vec<&String> = r.findings.iter().flat_map(|f| &f.identified).collect();
    assert_eq!(
        named,
        ["pid 2613 is VM 101's kvm: _SYSTEMD_UNIT=101.scope at host/pve3/journal.export:13"]
    );
    let md = report_in(&dir, &["bundle", "--format", "markdown"]).replace('\\', "");
    let html = report_in(&dir, &["bundle", "--format", "html"]);
    assert!(md.contains("pid 2613 is VM 101's kvm"), "{md}");
    assert!(html.contains("pid 2613 is VM 101&#39;s kvm"), "{html}");
}

#[test]
fn markdown_html_and_json_cite_the_same_records() {
    let r = parse(&report_in(&bundles(), &["pve-oom", "--format", "json"]));
    let md = report_in(&bundles(), &["pve-oom", "--format", "markdown"]);
    let html = report_in(&bundles(), &["pve-oom", "--format", "html"]);
    let mut places = BTreeSet::new();
    for f in &r.findings {
        for e in &f.evidence {
            places.insert(e.place());
            for s in &e.also_seen {
                places.insert(format!("{}:{}", s.source, s.line.unwrap_or_default()));
            }
        }
    }
    assert!(!places.is_empty());
    // Markdown escapes `_` and `.`-free paths alike; undo its backslashes to compare.
    let md_plain = md.replace('\\', "");
    for p in &places {
        assert!(md_plain.contains(p.as_str()), "Markdown lacks {p}");
        assert!(html.contains(p.as_str()), "HTML lacks {p}");
    }
}

#[test]
fn redaction_replaces_names_in_order_of_first_appearance_everywhere() {
    let json = report_in(&bundles(), &["pve-oom", "--format", "json", "--redact"]);
    for secret in [
        "pve1",
        "root@pam",
        "debian-kernel@lists.debian.org",
        "101-web",
    ] {
        assert!(
            !json.contains(secret),
            "{secret} left in the redacted report"
        );
    }
    let r = parse(&json);
    let red = r.redaction.expect("a redaction summary");
    let names: Vec<&str> = red.pseudonyms.iter().map(|p| p.name.as_str()).collect();
    // The host is named first (the inputs' paths), the guest later.
    assert_eq!(names.first(), Some(&"host-1"));
    assert!(names.contains(&"host-2") && names.contains(&"user-1"));
    assert!(red.pseudonyms.iter().all(|p| p.count > 0));
    assert!(r.clock.machines.iter().any(|m| m.machine == "host-1"));
    // The same pseudonyms in every format.
    let md = report_in(&bundles(), &["pve-oom", "--format", "markdown", "--redact"]);
    assert!(!md.contains("pve1") && md.contains("host-1") && md.contains("## Redaction"));
}

/// Lines written to the hostile bundle's host journal, around the OOM kill: each carries a
/// payload that would run, restyle, mark up or move the cursor if it were not escaped.
const PAYLOADS: &[&str] = &[
    "<script>document.title=\"pwned\"</script>",
    "<img src=x onerror=\"document.title='pwned-img'\">",
    "</style><style>body{display:none}</style>",
    "| forged | cell | **bold** [link](http://example.invalid) `code`",
    "\u{1b}[2J\u{1b}]0;terminal title\u{7} cleared the screen",
];

/// The pve-oom bundle with the payloads logged on the host just before the kill.
fn hostile_bundle(dir: &Path) -> PathBuf {
    let src = bundles().join("pve-oom");
    let root = dir.join("hostile");
    for rel in support::files_below(&src) {
        let to = root.join(&rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(&rel), &to).expect("copy");
    }
    let journal = root.join("host/pve1/journal.txt");
    let text = std::fs::read_to_string(&journal).expect("journal");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines
        .iter()
        .position(|l| l.contains("kvm invoked oom-killer"))
        .expect("the OOM line");
    for (i, p) in PAYLOADS.iter().enumerate() {
        lines.insert(
            at + i,
            format!("2025-07-29T11:56:3{i}+0200 pve1 evil[666]: {p}"),
        );
    }
    std::fs::write(&journal, lines.join("\n") + "\n").expect("write");
    root
}

#[test]
fn hostile_payloads_stay_text_in_markdown_and_html() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = hostile_bundle(dir.path());
    let md = report_in(
        dir.path(),
        &[bundle.to_str().expect("path"), "--format", "markdown"],
    );
    let html = report_in(
        dir.path(),
        &[bundle.to_str().expect("path"), "--format", "html"],
    );
    for text in [&md, &html] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "a control byte got through"
        );
        assert!(!text.contains("<script>") && !text.contains("<img "));
        assert!(!text.contains("</style><style>"));
    }
    assert!(md.contains("&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;"));
    assert!(md.contains("\\| forged \\| cell \\| \\*\\*bold\\*\\* \\[link\\]"));
    assert!(md.contains("\\\\x1b\\[2J"));
    assert!(html.contains("&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;"));
    assert!(html.contains("\\x1b[2J\\x1b]0;terminal title\\x07 cleared the screen"));
    // No table row of the Markdown has more cells than its header.
    for line in md
        .lines()
        .filter(|l| l.contains("evil[666]") || l.contains("evil\\[666\\]"))
    {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "{line}");
    }
    let csp = html
        .lines()
        .find(|l| l.contains("Content-Security-Policy"))
        .expect("a CSP meta tag");
    assert!(csp.contains("script-src 'none'") && !csp.contains("unsafe-inline"));
}

/// The Chromium binary, when installed.
fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| candidates.iter().map(move |c| d.join(c)))
            .find(|p| p.is_file())
    })
}

fn headless(
    chromium: &Path,
    profile: &Path,
    extra: &[String],
    page: &Path,
) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

#[test]
fn the_html_report_of_a_hostile_bundle_renders_in_chromium_without_running_its_payloads() {
    let Some(chromium) = chromium() else {
        println!(
            "SKIPPED: Chromium is not installed (apt-get install chromium); the HTML report was not rendered in a browser"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = hostile_bundle(dir.path());
    let page = dir.path().join("report.html");
    let json = report_in(
        dir.path(),
        &[bundle.to_str().expect("path"), "--format", "json"],
    );
    report_in(
        dir.path(),
        &[
            bundle.to_str().expect("path"),
            "-o",
            page.to_str().expect("path"),
        ],
    );
    let profile = dir.path().join("profile");
    let dom = headless(&chromium, &profile, &["--dump-dom".into()], &page);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    // The page rendered, and no script from the logs changed the title.
    assert!(
        dom.contains("<title>pvelog report: memory_overcommit</title>"),
        "title changed or page not rendered: {}",
        dom.get(..400).unwrap_or(&dom)
    );
    assert!(!dom.contains("pwned</title>") && !dom.contains("pwned-img</title>"));
    // Both charts, with one mark per evidence record.
    assert!(dom.contains("id=\"timeline-chart\"") && dom.contains("id=\"numbers-chart\""));
    let r = parse(&json);
    let records: BTreeSet<(String, u64)> = r
        .findings
        .iter()
        .flat_map(|f| &f.evidence)
        .map(|e| (e.source.clone(), e.offset))
        .collect();
    assert!(!records.is_empty());
    assert_eq!(
        dom.matches("class=\"evidence-mark\"").count(),
        records.len()
    );
    // Each payload's text is on the page, as text (the DOM serializes `<`, `>` and `&` of text
    // nodes as entities).
    assert!(dom.contains("&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror=\"document.title='pwned-img'\"&gt;"));
    assert!(dom.contains("&lt;/style&gt;&lt;style&gt;body{display:none}&lt;/style&gt;"));
    assert!(dom.contains("| forged | cell | **bold** [link](http://example.invalid) `code`"));
    assert!(dom.contains("\\x1b[2J\\x1b]0;terminal title\\x07 cleared the screen"));

    // The screenshot is not blank: a rendered report compresses far worse than an empty page.
    let shot = dir.path().join("report.png");
    let blank_page = dir.path().join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><title>blank</title>").expect("write");
    let blank_shot = dir.path().join("blank.png");
    for (page, png) in [(&page, &shot), (&blank_page, &blank_shot)] {
        headless(
            &chromium,
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1280,2000".into(),
            ],
            page,
        );
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(size(&blank_shot) > 0, "Chromium wrote no screenshot");
    assert!(
        size(&shot) > 5 * size(&blank_shot),
        "the report's screenshot ({} bytes) looks blank next to an empty page's ({} bytes)",
        size(&shot),
        size(&blank_shot)
    );
}
