//! `sensors` (lm-sensors) (REFERENCE.md §8): per chip, a name line, `Adapter:`, then readings.
//!
//! ```text
//! coretemp-isa-0000
//! Adapter: ISA adapter
//! Package id 0:  +45.0°C  (high = +80.0°C, crit = +100.0°C)
//! Core 0:        +101.0°C  (high = +80.0°C, crit = +100.0°C)  ALARM
//!
//! nvme-pci-0100
//! Adapter: PCI adapter
//! Composite:    +38.9°C  (low  = -273.1°C, high = +81.8°C)
//!                        (crit = +84.8°C)
//! temp2:            N/A
//! fan1:        1200 RPM
//! ```
//!
//! The degree sign is written in the locale's charset: UTF-8 `°` (`c2 b0`), Latin-1 `b0`, or
//! nothing in the C locale (`+45.0 C`). `°F` readings (`sensors -f`) are converted. A
//! parenthesis on an indented line of its own continues the reading above it.

use super::{Sink, decimal, lossy};
use crate::facts::{FactKind, Sensor};

/// Whether a chip line (followed by `Adapter:`) starts a `sensors` output.
pub(super) fn starts(text: &[u8], next: Option<&[u8]>) -> bool {
    is_chip(text) && next.is_some_and(|n| n.starts_with(b"Adapter: "))
}

fn is_chip(text: &[u8]) -> bool {
    !text.is_empty()
        && !text[0].is_ascii_whitespace()
        && text.contains(&b'-')
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Reads a `sensors` section.
#[derive(Debug, Default)]
pub(super) struct State {
    chip: String,
    /// Index of the last temperature fact of this section, for continuation lines.
    last: Option<usize>,
}

impl State {
    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        if is_chip(text) {
            self.chip = lossy(text);
            self.last = None;
            return true;
        }
        if text.starts_with(b"Adapter: ") {
            return !self.chip.is_empty();
        }
        if self.chip.is_empty() {
            return false;
        }
        let trimmed = text.trim_ascii();
        if text.first().is_some_and(u8::is_ascii_whitespace) && trimmed.starts_with(b"(") {
            if let Some(Sensor {
                high_celsius,
                crit_celsius,
                alarm,
                ..
            }) = self
                .last
                .and_then(|i| sink.facts.get_mut(i))
                .and_then(|f| match &mut f.kind {
                    FactKind::Sensor(s) => Some(s),
                    _ => None,
                })
            {
                limits(trimmed, high_celsius, crit_celsius);
                *alarm |= trimmed.windows(5).any(|w| w == b"ALARM");
            }
            return true;
        }
        let Some(colon) = text.iter().position(|&b| b == b':') else {
            return false;
        };
        let label = text[..colon].trim_ascii();
        let value = text[colon + 1..].trim_ascii();
        if label.is_empty() || value.is_empty() {
            return false;
        }
        let alarm = value.windows(5).any(|w| w == b"ALARM");
        let reading = if value.starts_with(b"N/A") {
            None
        } else {
            match temperature(value) {
                Some((c, _)) => Some(c),
                // Fans, voltages, power, intrusion: part of the output, not kept.
                None => {
                    return value
                        .first()
                        .is_some_and(|b| b.is_ascii_digit() || *b == b'+' || *b == b'-');
                }
            }
        };
        let (mut high, mut crit) = (None, None);
        if let Some(open) = value.iter().position(|&b| b == b'(') {
            limits(&value[open..], &mut high, &mut crit);
        }
        // `N/A` is a temperature only when its limits are: otherwise it is some other reading.
        if reading.is_none() && high.is_none() && crit.is_none() && !label.starts_with(b"temp") {
            return true;
        }
        self.last = Some(sink.facts.len());
        sink.push(FactKind::Sensor(Sensor {
            chip: self.chip.clone(),
            label: lossy(label),
            celsius: reading,
            high_celsius: high,
            crit_celsius: crit,
            alarm,
        }));
        true
    }
}

/// `(low  = -273.1°C, high = +81.8°C)`: the high and crit limits.
fn limits(text: &[u8], high: &mut Option<f64>, crit: &mut Option<f64>) {
    let inner = text.trim_ascii().trim_ascii_start();
    let inner = inner.strip_prefix(b"(").unwrap_or(inner);
    let end = inner.iter().position(|&b| b == b')').unwrap_or(inner.len());
    // `, ` separates the limits; a bare `,` may be a locale's decimal comma.
    let body = &inner[..end];
    let mut parts = Vec::new();
    let mut from = 0;
    for i in 0..body.len() {
        if body[i] == b',' && body.get(i + 1) == Some(&b' ') {
            parts.push(&body[from..i]);
            from = i + 1;
        }
    }
    parts.push(&body[from..]);
    for part in parts {
        let Some(eq) = part.iter().position(|&b| b == b'=') else {
            continue;
        };
        let name = part[..eq].trim_ascii();
        let Some((v, _)) = temperature(part[eq + 1..].trim_ascii()) else {
            continue;
        };
        match name {
            b"high" | b"max" => *high = Some(v),
            b"crit" => *crit = Some(v),
            _ => {}
        }
    }
}

/// `+45.0°C`, `+45.0\xb0C`, `+45.0 C`, `+113.0°F`: degrees Celsius and the rest of the input.
fn temperature(text: &[u8]) -> Option<(f64, &[u8])> {
    let n = text
        .iter()
        .enumerate()
        .take_while(|&(i, b)| {
            b.is_ascii_digit() || matches!(b, b'.' | b',') || (i == 0 && matches!(b, b'+' | b'-'))
        })
        .count();
    let value = decimal(&text[..n])?;
    let rest = &text[n..];
    let rest = rest
        .strip_prefix("°".as_bytes())
        .or_else(|| rest.strip_prefix(&[0xb0]))
        .or_else(|| rest.strip_prefix(b" "))
        .unwrap_or(rest);
    let (celsius, rest) = match rest.first() {
        Some(b'C') => (value, &rest[1..]),
        Some(b'F') => ((value - 32.0) * 5.0 / 9.0, &rest[1..]),
        _ => return None,
    };
    if rest.first().is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    celsius.is_finite().then_some((celsius, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn run(text: &[u8]) -> (Vec<Fact>, usize) {
        crate::formats::snapshot::run_lines(text, true, State::default(), State::line, |_, _| {})
    }

    fn sensors(facts: &[Fact]) -> Vec<(&str, Option<f64>, Option<f64>, Option<f64>, bool)> {
        facts
            .iter()
            .map(|f| match &f.kind {
                FactKind::Sensor(s) => (
                    s.label.as_str(),
                    s.celsius,
                    s.high_celsius,
                    s.crit_celsius,
                    s.alarm,
                ),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn utf8_latin1_and_c_locale() {
        let mut latin1 = b"coretemp-isa-0000\nAdapter: ISA adapter\nCore 1:        +47.0".to_vec();
        latin1.extend_from_slice(b"\xb0C  (high = +80.0\xb0C, crit = +100.0\xb0C)\n");
        let text = [
            "coretemp-isa-0000\n\
             Adapter: ISA adapter\n\
             Package id 0:  +45.0°C  (high = +80.0°C, crit = +100.0°C)\n\
             Core 0:        +101,0°C  (high = +80,0°C, crit = +100,0°C)  ALARM\n\
             \n\
             nvme-pci-0100\n\
             Adapter: PCI adapter\n\
             Composite:    +38.9°C  (low  = -273.1°C, high = +81.8°C)\n\
             \x20                      (crit = +84.8°C)\n\
             temp2:            N/A  (crit = +90.0 C)\n\
             fan1:        1200 RPM\n\
             in0:          +1.02 V  (min =  +0.00 V, max =  +1.74 V)\n"
                .as_bytes(),
            &latin1,
        ]
        .concat();
        let (facts, rejected) = run(&text);
        assert_eq!(rejected, 0);
        assert_eq!(
            sensors(&facts),
            [
                ("Package id 0", Some(45.0), Some(80.0), Some(100.0), false),
                ("Core 0", Some(101.0), Some(80.0), Some(100.0), true),
                ("Composite", Some(38.9), Some(81.8), Some(84.8), false),
                ("temp2", None, None, Some(90.0), false),
                ("Core 1", Some(47.0), Some(80.0), Some(100.0), false),
            ]
        );
    }

    #[test]
    fn fahrenheit_and_detection() {
        assert_eq!(temperature("+212.0°F".as_bytes()).map(|t| t.0), Some(100.0));
        assert_eq!(temperature(b"+1.02 V"), None);
        assert!(starts(b"acpitz-acpi-0", Some(b"Adapter: ACPI interface")));
        assert!(!starts(b"acpitz-acpi-0", Some(b"temp1: +40.0 C")));
    }
}
