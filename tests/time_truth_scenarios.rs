//! Time truth against generated ground truth: every scenario of `corpora/time-truth/` (written
//! by `cargo run --example gen-time-truth` from `tests/gen/time_truth.rs`) is diagnosed, and
//! pvelog's incident time, affected VMs, guest clock offsets, boots and (where the truth lists
//! them) record times must match the story's true times:
//!
//! - the incident time within 1 s of the truth, or, where no record marks the moment, a bound
//!   that holds the true moment with each end within 2 s of the records that make it;
//! - `affected_vms` exact;
//! - a guest's zone (its own, named by its `timedatectl`; the host's, kept by its clock through
//!   `localtime: 1`; or shown by the pairs) read back within a second and said where it came
//!   from, and only what remains an offset;
//! - a guest offset applied only when the pairs pin it (error ≤ 2 s), then within 2 s of the
//!   truth, and the truth always inside the reported interval;
//! - every boot's start and end within 2 s, classified as the story says;
//! - in a cluster, each node a host of its own, the incident named on the node where it
//!   happened, a live migration away from a node no stop, and, once ended, no activity at a
//!   later kill;
//! - a task log's status line (`TASK OK`) within 1 s of the task's true end.
//!
//! The committed files must be exactly what the generator writes, so the truth beside them is
//! the truth of the story.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on purpose"
)]

mod support;
#[path = "gen/time_truth.rs"]
mod time_truth;

use std::path::Path;

use chrono::DateTime;
use serde_json::Value;
use support::{corpora, pvelog};

fn json_of(args: &[&str], dir: &Path) -> Value {
    let out = pvelog()
        .args(args)
        .args(["--format", "json", "--quiet"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 3),
        "{args:?} {}",
        dir.display()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn secs(v: &Value) -> Option<f64> {
    let t = DateTime::parse_from_rfc3339(v.as_str()?).ok()?;
    Some(t.timestamp_micros() as f64 / 1e6)
}

fn near(a: Option<f64>, b: Option<f64>, tolerance: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn the_committed_scenarios_are_what_the_generator_writes() {
    let root = corpora().join("time-truth");
    for scenario in time_truth::all() {
        let dir = root.join(scenario.name);
        for (path, text) in &scenario.files {
            let written = std::fs::read_to_string(dir.join("bundle").join(path))
                .unwrap_or_else(|e| panic!("{}/{path}: {e} (run the generator)", scenario.name));
            assert!(
                written == *text,
                "{}/{path} differs from the generator's",
                scenario.name
            );
        }
        let truth = std::fs::read_to_string(dir.join("truth.json")).unwrap();
        let expected = serde_json::to_string_pretty(&scenario.truth).unwrap() + "\n";
        assert!(
            truth == expected,
            "{}/truth.json differs from the generator's",
            scenario.name
        );
    }
}

/// One scenario checked: the lines of the table, and what went wrong.
fn check(name: &str, dir: &Path, truth: &Value) -> (Vec<String>, Vec<String>) {
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    let bundle = dir.join("bundle");
    let diagnosis = json_of(&["diagnose"], &bundle);
    let v = &diagnosis["verdict"];
    if v["family"] != truth["family"] {
        wrong.push(format!(
            "family {} (truth {})",
            v["family"], truth["family"]
        ));
    }
    if v["affected_vms"] != truth["affected_vms"] {
        wrong.push(format!(
            "affected_vms {} (truth {})",
            v["affected_vms"], truth["affected_vms"]
        ));
    }
    match truth["incident_bound"].as_array() {
        Some(bound) => {
            let moment = secs(&truth["incident_truth"]);
            let got = v["incident_time_bound"].as_array();
            let (lo, hi) = (
                got.and_then(|b| b.first()).and_then(secs),
                got.and_then(|b| b.get(1)).and_then(secs),
            );
            let holds =
                matches!((lo, hi, moment), (Some(lo), Some(hi), Some(m)) if lo <= m && m <= hi);
            let ends = near(lo, bound.first().and_then(secs), 2.0)
                && near(hi, bound.get(1).and_then(secs), 2.0);
            table.push(format!(
                "| {name} | incident between | {} .. {} | {} .. {} (true moment {}) | {} |",
                truth["incident_bound"][0],
                truth["incident_bound"][1],
                v["incident_time_bound"][0],
                v["incident_time_bound"][1],
                truth["incident_truth"],
                if holds && ends { "ok" } else { "WRONG" }
            ));
            if !(holds && ends) {
                wrong.push(format!(
                    "incident bound {:?} (truth {bound:?}, moment {})",
                    got, truth["incident_truth"]
                ));
            }
        }
        None => {
            let ok = near(
                secs(&v["incident_time"]),
                secs(&truth["incident_time"]),
                1.0,
            );
            table.push(format!(
                "| {name} | incident | {} | {} | {} |",
                truth["incident_time"],
                v["incident_time"],
                if ok { "ok" } else { "WRONG" }
            ));
            if !ok {
                wrong.push(format!(
                    "incident {} (truth {})",
                    v["incident_time"], truth["incident_time"]
                ));
            }
        }
    }
    let sources = json_of(&["sources"], &bundle);
    // Several cluster nodes: each its own host, the incident named on the node where it
    // happened, and a migration away from a node no stop.
    if let Some(hosts) = truth["hosts"].as_array() {
        let boots = json_of(&["boots"], &bundle);
        for host in hosts {
            let is_host = |list: &Value| {
                list.as_array()
                    .is_some_and(|l| l.iter().any(|m| m["name"] == *host && m["role"] == "host"))
            };
            let ok = is_host(&sources["machines"]) && is_host(&boots["machines"]);
            table.push(format!(
                "| {name} | {host} a host of its own | yes | {} |",
                if ok { "yes" } else { "WRONG" }
            ));
            if !ok {
                wrong.push(format!("{host} is not a host machine of its own"));
            }
        }
    }
    if let Some(machine) = truth["incident_machine"].as_str() {
        let machine_of = |path: &Value| {
            sources["sources"]
                .as_array()
                .and_then(|l| l.iter().find(|s| s["path"] == *path))
                .map(|s| s["machine"].clone())
        };
        // The kill's records: the winning finding's evidence at the incident's moment.
        let named: Vec<String> = diagnosis["findings"][0]["evidence"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter(|e| near(secs(&e["time"]), secs(&truth["incident_time"]), 1.0))
                    .filter_map(|e| machine_of(&e["source"]))
                    .map(|m| m.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let ok = !named.is_empty() && named.iter().all(|m| m == machine);
        table.push(format!(
            "| {name} | the kill's node | {machine} | {} | {} |",
            named.join(", "),
            if ok { "ok" } else { "WRONG" }
        ));
        if !ok {
            wrong.push(format!(
                "the incident's evidence names {named:?} (truth {machine})"
            ));
        }
    }
    if let Some(migration) = truth["migration"].as_object() {
        let stops: Vec<&Value> = diagnosis["incidents"]
            .as_array()
            .map(|l| l.iter().collect())
            .unwrap_or_default();
        let as_stop = stops
            .iter()
            .any(|i| !near(secs(&i["time"]), secs(&truth["incident_time"]), 1.0))
            || diagnosis["findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["family"] == "clean_shutdown"));
        table.push(format!(
            "| {name} | migration {} → {} | no stop | {} incidents{} | {} |",
            migration["from"],
            migration["to"],
            stops.len(),
            if as_stop {
                ", the migration as a stop"
            } else {
                ""
            },
            if as_stop { "WRONG" } else { "ok" }
        ));
        if as_stop {
            wrong.push(format!(
                "the migration counted as a stop: {}",
                diagnosis["incidents"]
            ));
        }
    }
    // Activities running at the incident (a migration over before it is none).
    if let Some(want) = truth["activities_at_incident"].as_u64() {
        let got = diagnosis["reconstruction"]["activities"]
            .as_array()
            .map_or(0, Vec::len) as u64;
        table.push(format!(
            "| {name} | activities at the incident | {want} | {got} | {} |",
            if got == want { "ok" } else { "WRONG" }
        ));
        if got != want {
            wrong.push(format!(
                "{got} activities at the incident (truth {want}): {}",
                diagnosis["reconstruction"]["activities"]
            ));
        }
    }
    // A task log's status line, at the task's end.
    if let Some(task_end) = truth["task_end"].as_object() {
        let out = pvelog()
            .args(["timeline", "--format", "jsonl", "--quiet"])
            .arg(&bundle)
            .output()
            .unwrap();
        let got = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|e| {
                e["source"] == task_end["source"]
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("TASK "))
            })
            .map(|e| e["time"].clone())
            .unwrap_or(Value::Null);
        let ok = near(secs(&got), secs(&task_end["time"]), 1.0);
        table.push(format!(
            "| {name} | the task log's status line | {} | {got} | {} |",
            task_end["time"],
            if ok { "ok" } else { "WRONG" }
        ));
        if !ok {
            wrong.push(format!("status line at {got} (truth {})", task_end["time"]));
        }
    }
    // Guest offsets, per clock segment.
    let machines = sources["machines"].as_array().cloned().unwrap_or_default();
    let mut applied_shift = std::collections::BTreeMap::new();
    if let Some(guest) = truth["guest"].as_object() {
        let name_g = guest["name"].as_str().unwrap();
        let m = machines.iter().find(|m| m["name"] == name_g).unwrap();
        // The part of the guest's difference from the host that is a zone: read back exactly
        // (within the second the stamps are written to), and said where it came from.
        let zone = guest.get("zone_s").and_then(Value::as_f64).unwrap_or(0.0);
        let got_zone = m["zone_offset_s"].as_f64();
        let zone_ok = if zone == 0.0 {
            got_zone.is_none()
        } else {
            got_zone.is_some_and(|z| (z - zone).abs() <= 1.0)
                && guest["zone_from"].as_str().is_some_and(|from| {
                    m["zone_from"]
                        .as_str()
                        .is_some_and(|got| got.contains(from))
                })
        };
        table.push(format!(
            "| {name} | {name_g} zone | {} | {} ({}) | {} |",
            if zone == 0.0 {
                "none".to_string()
            } else {
                format!("{zone:+.0} s, {}", guest["zone_from"])
            },
            got_zone.map_or("none".to_string(), |z| format!("{z:+.0} s")),
            m["zone_from"].as_str().unwrap_or("-"),
            if zone_ok { "ok" } else { "WRONG" }
        ));
        if !zone_ok {
            wrong.push(format!(
                "{name_g} zone {} from {} (truth {zone:+.0} s from {})",
                m["zone_offset_s"], m["zone_from"], guest["zone_from"]
            ));
        }
        let segments: Vec<Value> = match m["clock_segments"].as_array() {
            Some(s) if !s.is_empty() => s.clone(),
            _ => vec![m.clone()],
        };
        for (want, got) in guest["segments"].as_array().unwrap().iter().zip(&segments) {
            let truth_o = want["offset_s"].as_f64().unwrap() - zone;
            let o = got["clock_offset_s"].as_f64();
            let e = got["clock_offset_error_s"].as_f64();
            let aligned = got["aligned"].as_bool() == Some(true);
            let inside = match (o, e, got["clock_offset_bounds_s"].as_array()) {
                (Some(o), Some(e), _) => (truth_o - o).abs() <= e + 1e-3,
                (None, None, Some(b)) => {
                    b.first()
                        .and_then(Value::as_f64)
                        .is_none_or(|lo| lo <= truth_o + 1e-3)
                        && b.get(1)
                            .and_then(Value::as_f64)
                            .is_none_or(|hi| truth_o <= hi + 1e-3)
                }
                _ => false,
            };
            let pinned_ok = match want["pinned"].as_bool() {
                // A pinned offset is applied, unless it is consistent with none.
                Some(true) => {
                    aligned || e.is_some_and(|e| e <= 2.0 && o.is_some_and(|o| o.abs() <= e))
                }
                Some(false) => !aligned,
                None => true,
            };
            let close = !aligned || o.is_some_and(|o| (o - truth_o).abs() <= 2.0);
            let ok = inside && pinned_ok && close && (!aligned || e.is_some_and(|e| e <= 2.0));
            table.push(format!(
                "| {name} | {name_g} offset, segment {} | {truth_o:+.3} s{} | {} ± {} s{} | {} |",
                want["segment"],
                if zone != 0.0 {
                    format!(" (after the zone, {zone:+.0} s)")
                } else {
                    String::new()
                },
                o.map_or("-".to_string(), |o| format!("{o:+.3}")),
                e.map_or("-".to_string(), |e| format!("{e:.3}")),
                if aligned {
                    ", applied"
                } else {
                    ", not applied"
                },
                if ok { "ok" } else { "WRONG" }
            ));
            if !ok {
                wrong.push(format!(
                    "{name_g} segment {}: {got} (truth {truth_o})",
                    want["segment"]
                ));
            }
            // What the timeline still carries of the guest's clock: nothing when applied.
            if !aligned && want["segment"] == 0 {
                applied_shift.insert(name_g.to_string(), truth_o);
            }
        }
    }
    // Boots.
    let boots = json_of(&["boots"], &bundle);
    for want in truth["boots"].as_array().unwrap() {
        let machine = want["machine"].as_str().unwrap();
        let shift = applied_shift.get(machine).copied().unwrap_or(0.0);
        let at = |k: &str| secs(&want[k]).map(|t| t + shift);
        let got = boots["machines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["name"] == machine)
            .flat_map(|m| m["boots"].as_array().cloned().unwrap_or_default())
            .find(|b| {
                near(secs(&b["start"]), at("start"), 2.0) && near(secs(&b["end"]), at("end"), 2.0)
            });
        let ok = got
            .as_ref()
            .is_some_and(|b| b["end_kind"] == want["end_kind"]);
        table.push(format!(
            "| {name} | {machine} boot | {} .. {} {} | {} |",
            want["start"],
            want["end"],
            want["end_kind"],
            if ok {
                "found".to_string()
            } else {
                "WRONG".to_string()
            }
        ));
        if !ok {
            wrong.push(format!("boot {want} not found in {}", boots["machines"]));
        }
    }
    // Record times, where the truth lists them.
    if let Some(records) = truth["records"].as_object() {
        let out = pvelog()
            .args(["timeline", "--format", "jsonl", "--quiet"])
            .arg(&bundle)
            .output()
            .unwrap();
        for (path, times) in records {
            let got: Vec<Option<f64>> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|e| e["source"] == path.as_str())
                .map(|e| secs(&e["time"]))
                .collect();
            let times: Vec<Option<f64>> = times.as_array().unwrap().iter().map(secs).collect();
            let off =
                got.len() != times.len() || got.iter().zip(&times).any(|(g, t)| !near(*g, *t, 1.0));
            table.push(format!(
                "| {name} | {path} | {} records | {} placed | {} |",
                times.len(),
                got.len(),
                if off { "WRONG" } else { "each within 1 s" }
            ));
            if off {
                wrong.push(format!("{path}: record times differ from the truth"));
            }
        }
    }
    (table, wrong)
}

#[test]
fn pvelog_times_match_the_generated_truth() {
    let root = corpora().join("time-truth");
    let mut table = vec![
        "| scenario | what | truth | pvelog | |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let mut wrong = Vec::new();
    for scenario in time_truth::all() {
        let dir = root.join(scenario.name);
        let (lines, w) = check(scenario.name, &dir, &scenario.truth);
        table.extend(lines);
        wrong.extend(w.into_iter().map(|w| format!("{}: {w}", scenario.name)));
    }
    println!("{}", table.join("\n"));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The same stories told with other delays and jitters (the generator's salt): the rules must
/// hold for every draw, not only for the committed one. Each retelling is written to a temporary
/// folder and checked as the committed scenarios are.
#[test]
fn pvelog_times_match_the_truth_for_other_draws_of_the_delays() {
    let tmp = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for salt in 1..=SALTS {
        let scenarios = time_truth::with_salt(salt, time_truth::all);
        for scenario in scenarios {
            let dir = tmp.path().join(format!("{}-{salt}", scenario.name));
            for (path, text) in &scenario.files {
                let path = dir.join("bundle").join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            let (_, w) = check(scenario.name, &dir, &scenario.truth);
            wrong.extend(
                w.into_iter()
                    .map(|w| format!("{} (salt {salt}): {w}", scenario.name)),
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// How many other draws of the delays the retelling test tries.
const SALTS: u64 = 6;
