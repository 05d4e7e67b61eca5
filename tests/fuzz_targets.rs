//! Every format of the registry ships with a fuzz target and a property test (ARCHITECTURE.md,
//! "a new format"): this fails when a row of `formats::REGISTRY` lacks either, or when a fuzz
//! target is declared without its file.

use std::path::Path;

use pvelog::formats::REGISTRY;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fuzz target of a registry format: `format_` and its name with `_` for `-`.
fn target(name: &str) -> String {
    format!("format_{}", name.replace('-', "_"))
}

#[test]
fn every_registry_format_has_a_fuzz_target() {
    let manifest = read("fuzz/Cargo.toml");
    let mut missing = Vec::new();
    for spec in REGISTRY {
        let t = target(spec.name);
        let declared = manifest.contains(&format!("name = \"{t}\""));
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/fuzz_targets")
            .join(format!("{t}.rs"));
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        if !declared || !source.contains(&format!("check_format(\"{}\"", spec.name)) {
            missing.push(t);
        }
    }
    assert!(
        missing.is_empty(),
        "formats without a fuzz target (fuzz/Cargo.toml [[bin]] and fuzz/fuzz_targets/<name>.rs \
         calling common::check_format): {missing:?}"
    );
    assert!(
        manifest.contains("name = \"bundle\""),
        "the bundle reader's target"
    );
}

#[test]
fn every_registry_format_has_a_property_test() {
    let properties = read("tests/properties.rs");
    let missing: Vec<String> = REGISTRY
        .iter()
        .map(|spec| format!("FormatKind::{:?} =>", spec.kind))
        .filter(|arm| !properties.contains(arm.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "formats without records in tests/properties.rs `records` (so without a property test): \
         {missing:?}"
    );
    assert!(properties.contains("fn every_format_keeps_the_parse_invariants"));
}
