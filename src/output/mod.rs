//! Renderers: the timeline as text or JSON Lines, the source inventory and the boot history as
//! text or JSON.
//!
//! Every renderer reads the [`Analysis`](crate::analysis::Analysis) and writes to a
//! `dyn Write`; none of them changes it. Times are always printed in UTC as RFC 3339 with six
//! fractional digits and `Z` (DESIGN.md §2). Text output escapes control characters
//! ([`escape::terminal`]); JSON output keeps non-UTF-8 bytes as base64.

pub mod boots;
pub mod escape;
pub mod sources;
pub mod timeline;

use chrono::{DateTime, Utc};

/// Formats a time as DESIGN.md §2 requires: `2025-07-29T10:00:00.123456Z`.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    let mut buf = [0u8; RFC3339_LEN];
    match write_rfc3339(time, &mut buf) {
        Some(text) => text.to_string(),
        None => time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    }
}

/// Length of [`write_rfc3339`]'s output.
pub const RFC3339_LEN: usize = 27;

/// Writes `2025-07-29T10:00:00.123456Z` into `buf` without formatting machinery: a profile of
/// `timeline --format jsonl` showed chrono's strftime, then `format!`, each near a tenth of the
/// run. `None` for years outside 0–9999, which RFC 3339 cannot write.
pub fn write_rfc3339(time: DateTime<Utc>, buf: &mut [u8; RFC3339_LEN]) -> Option<&str> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    // chrono represents a leap second as a nanosecond count past 1e9 in second 59.
    let nanos = time.nanosecond();
    let (second, micros) = if nanos >= 1_000_000_000 {
        (60, (nanos - 1_000_000_000) / 1000)
    } else {
        (time.second(), nanos / 1000)
    };
    let mut put = |at: usize, width: usize, mut value: u32| {
        for k in (0..width).rev() {
            buf[at + k] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, time.month());
    put(8, 2, time.day());
    put(11, 2, time.hour());
    put(14, 2, time.minute());
    put(17, 2, second);
    put(20, 6, micros.min(999_999));
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        buf[at] = c;
    }
    std::str::from_utf8(buf).ok()
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// Decides, given whether the output is a terminal and the environment.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_six_digits_and_z() {
        let t = DateTime::from_timestamp(1_753_783_000, 5_000).unwrap();
        assert_eq!(rfc3339(t), "2025-07-29T09:56:40.000005Z");
        assert_eq!(rfc3339(t), t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        // A leap second keeps its :60 as chrono prints it.
        let leap = DateTime::from_timestamp(1_483_228_799, 1_500_000_000).unwrap();
        assert_eq!(rfc3339(leap), "2016-12-31T23:59:60.500000Z");
    }
}
