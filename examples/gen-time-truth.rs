//! Writes the time-truth scenarios (`tests/gen/time_truth.rs`): one folder per scenario with the
//! bundle under `bundle/` and its ground truth in `truth.json`.
//!
//! ```text
//! cargo run --example gen-time-truth -- [OUTDIR]     # default corpora/time-truth
//! ```

#[path = "../tests/gen/time_truth.rs"]
mod time_truth;

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("corpora/time-truth"), PathBuf::from);
    for scenario in time_truth::all() {
        let dir = out.join(scenario.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        for (path, text) in &scenario.files {
            let path = dir.join("bundle").join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        let truth = serde_json::to_string_pretty(&scenario.truth).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("truth.json"), truth + "\n")?;
        println!("{}", dir.display());
    }
    Ok(())
}
