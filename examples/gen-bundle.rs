//! Writes a large, realistic Proxmox VE bundle (host `pve1` and three guests, every supported
//! format, an OOM kill of VM 101 near the end) of about the requested size, for benchmarks; the
//! generator itself is `tests/gen/bundle.rs`.
//!
//! ```text
//! cargo run --release --example gen-bundle -- --size 1GiB --out DIR [--seed N] [--tgz FILE]
//! ```
//!
//! The same size and seed write the same bytes. It prints the bytes written, the time span and
//! the speed; with `--tgz` it also packs the bundle and prints the compression ratio.

#[path = "../tests/gen/bundle.rs"]
mod bundle;

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen-bundle --size SIZE --out DIR [--seed N] [--tgz FILE]\n  SIZE: bytes, or with K/M/G (KiB/MiB/GiB)";

fn main() -> ExitCode {
    let mut size: Option<u64> = None;
    let mut out: Option<PathBuf> = None;
    let mut tgz: Option<PathBuf> = None;
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--size" | "--out" | "--seed" | "--tgz" => args.next(),
            _ => {
                eprintln!("unexpected argument '{arg}'\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        let Some(value) = value else {
            eprintln!("{arg} needs a value\n{USAGE}");
            return ExitCode::from(2);
        };
        match arg.as_str() {
            "--size" => size = bundle::parse_size(&value).filter(|s| *s > 0),
            "--out" => out = Some(PathBuf::from(value)),
            "--tgz" => tgz = Some(PathBuf::from(value)),
            _ => match value.parse() {
                Ok(n) => seed = n,
                Err(_) => {
                    eprintln!("--seed needs an integer\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let (Some(size), Some(out)) = (size, out) else {
        eprintln!("--size (a positive size) and --out are required\n{USAGE}");
        return ExitCode::from(2);
    };
    if out.exists()
        && let Err(err) = std::fs::remove_dir_all(&out)
    {
        eprintln!("gen-bundle: {}: {err}", out.display());
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    let summary = match bundle::generate(&out, size, seed) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("gen-bundle: {}: {err}", out.display());
            return ExitCode::FAILURE;
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let span_h = (summary.span.1 - summary.span.0) as f64 / 3.6e9;
    println!(
        "bytes {} ({} files, {span_h:.1} h of logs, VM {} killed {:.0} s before the end) in {secs:.2} s ({:.0} MB/s)",
        summary.bytes,
        summary.files.len(),
        101,
        (summary.span.1 - summary.kill) as f64 / 1e6,
        summary.bytes as f64 / 1e6 / secs.max(1e-9)
    );
    if let Some(tgz) = tgz {
        let packed =
            File::create(&tgz).and_then(|f| bundle::pack(&out, &summary.files, BufWriter::new(f)));
        match packed {
            Ok(n) => println!(
                "tgz {n} bytes, ratio {:.2}",
                summary.bytes as f64 / n.max(1) as f64
            ),
            Err(err) => {
                eprintln!("gen-bundle: {}: {err}", tgz.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
