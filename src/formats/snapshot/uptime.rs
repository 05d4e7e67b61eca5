//! `uptime` (procps), and its `-p` and `-s` forms.
//!
//! ```text
//!  10:30:01 up 12 days,  3:04,  2 users,  load average: 0.52, 0.48, 0.40
//!  10:30:01 up 5 min,  1 user,  load average: 9,52, 7,48, 5,40      (a locale's decimal commas)
//!  10:30:01 up  1:02,  0 users,  load average: 0.00, 0.01, 0.05
//! up 2 weeks, 3 days, 4 hours, 5 minutes                           (-p)
//! 2025-07-17 07:26:00                                              (-s, only after its prompt)
//! ```

use super::{Sink, decimal, local_datetime, number, words};
use crate::event::RecordedTime;
use crate::facts::{FactKind, Uptime};

/// Whether a line is an `uptime` output.
pub(super) fn starts(text: &[u8]) -> bool {
    classic(text).is_some() || pretty(text).is_some()
}

/// Reads an `uptime` section.
#[derive(Debug, Default)]
pub(super) struct State {
    since: bool,
}

impl State {
    /// `since`: the prompt ran `uptime -s`.
    pub(super) fn new(since: bool) -> State {
        State { since }
    }

    pub(super) fn line(&mut self, text: &[u8], sink: &mut Sink<'_>) -> bool {
        let found = classic(text).or_else(|| pretty(text)).or_else(|| {
            self.since
                .then(|| local_datetime(text.trim_ascii()))
                .flatten()
                .map(|t| Uptime {
                    since: Some(RecordedTime::Local(t)),
                    ..Uptime::default()
                })
        });
        match found {
            Some(u) => {
                sink.push(FactKind::Uptime(u));
                true
            }
            None => false,
        }
    }
}

/// ` HH:MM:SS up …,  N users,  load average: a, b, c`.
fn classic(text: &[u8]) -> Option<Uptime> {
    let t = text.trim_ascii();
    let (rest, time) = crate::formats::common::time_of_day(t, false).ok()?;
    let rest = rest.strip_prefix(b" up ")?;
    let (durations, load) = match rest.windows(13).position(|w| w == b"load average:") {
        Some(p) => (&rest[..p], Some(&rest[p + 13..])),
        None => (rest, None),
    };
    let mut up = 0u64;
    let mut users = None;
    for part in durations.split(|&b| b == b',') {
        let w = words(part);
        match w.as_slice() {
            [] => {}
            [n, b"user" | b"users"] => users = Some(number(n)?),
            [hm] => {
                let colon = hm.iter().position(|&b| b == b':')?;
                let h = u64::from(number(&hm[..colon])?);
                let m = u64::from(number(&hm[colon + 1..])?);
                up = up.checked_add(h * 3600 + m * 60)?;
            }
            [n, unit] => {
                up = up.checked_add(u64::from(number(n)?).checked_mul(unit_secs(unit)?)?)?
            }
            _ => return None,
        }
    }
    let load = match load {
        Some(l) => Some(load_average(l)?),
        None => None,
    };
    Some(Uptime {
        time_of_day: Some(time.format("%H:%M:%S").to_string()),
        up_seconds: Some(up),
        users,
        load,
        since: None,
    })
}

/// `0.52, 0.48, 0.40` or, with decimal commas, `0,52, 0,48, 0,40` (then the separator is `, `).
fn load_average(text: &[u8]) -> Option<[f64; 3]> {
    let t = text.trim_ascii();
    let parts: Vec<&[u8]> = if t.windows(2).filter(|w| w == b", ").count() == 2 {
        t.split(|&b| b == b' ')
            .map(|p| p.strip_suffix(b",").unwrap_or(p))
            .filter(|p| !p.is_empty())
            .collect()
    } else {
        t.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect()
    };
    match parts.as_slice() {
        [a, b, c] => Some([decimal(a)?, decimal(b)?, decimal(c)?]),
        _ => None,
    }
}

/// `up 2 weeks, 3 days, 4 hours, 5 minutes` (`uptime -p`).
fn pretty(text: &[u8]) -> Option<Uptime> {
    let rest = text.trim_ascii().strip_prefix(b"up ")?;
    let mut up = 0u64;
    for part in rest.split(|&b| b == b',') {
        match words(part).as_slice() {
            [n, unit] => {
                up = up.checked_add(u64::from(number(n)?).checked_mul(unit_secs(unit)?)?)?
            }
            _ => return None,
        }
    }
    Some(Uptime {
        up_seconds: Some(up),
        ..Uptime::default()
    })
}

fn unit_secs(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"min" | b"mins" | b"minute" | b"minutes" => 60,
        b"hour" | b"hours" => 3600,
        b"day" | b"days" => 86_400,
        b"week" | b"weeks" => 7 * 86_400,
        b"year" | b"years" => 365 * 86_400,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let table: &[(&str, Option<(u64, Option<u32>, Option<[f64; 3]>)>)] = &[
            (
                " 10:30:01 up 12 days,  3:04,  2 users,  load average: 0.52, 0.48, 0.40",
                Some((
                    12 * 86_400 + 3 * 3600 + 4 * 60,
                    Some(2),
                    Some([0.52, 0.48, 0.40]),
                )),
            ),
            (
                " 10:30:01 up 5 min,  1 user,  load average: 9,52, 7,48, 5,40",
                Some((300, Some(1), Some([9.52, 7.48, 5.40]))),
            ),
            (
                " 10:30:01 up 1 day, 47 min,  0 users,  load average: 0.00, 0.01, 0.05",
                Some((86_400 + 47 * 60, Some(0), Some([0.0, 0.01, 0.05]))),
            ),
            (
                "up 2 weeks, 3 days, 4 hours, 5 minutes",
                Some((17 * 86_400 + 4 * 3600 + 300, None, None)),
            ),
            (" 10:30:01 up sometime", None),
            ("up the hill", None),
            (" 10:30:01 up 99999999999 days, 1 user", None),
        ];
        for (line, want) in table {
            let got = classic(line.as_bytes())
                .or_else(|| pretty(line.as_bytes()))
                .map(|u| (u.up_seconds.unwrap_or(0), u.users, u.load));
            assert_eq!(got, *want, "{line}");
        }
    }
}
