//! Property tests of the pipeline's invariants:
//! - any bytes, in any format, parse without panicking and every line is accounted for;
//! - the merged timeline is sorted by its total key and holds every event exactly once;
//! - the output does not depend on the thread count.

use proptest::prelude::*;
use pvelog::analysis::{self, Options};
use pvelog::bundle::{Bundle, Member};
use pvelog::formats::{self, FormatKind};
use pvelog::limits::Limits;

fn kinds() -> impl Strategy<Value = FormatKind> {
    prop_oneof![
        Just(FormatKind::Syslog),
        Just(FormatKind::Dmesg),
        Just(FormatKind::JournalText),
        Just(FormatKind::Sel),
        Just(FormatKind::KubeVirt),
        Just(FormatKind::Fragment),
        Just(FormatKind::Unrecognized),
    ]
}

/// Lines shaped like each format, with random times and random bytes mixed in.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (1u32..13, 1u32..29, 0u32..24, 0u32..60, "[a-z ]{0,20}").prop_map(|(mo, d, h, mi, msg)| {
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][(mo - 1) as usize];
            format!("{month} {d:>2} {h:02}:{mi:02}:00 pve1 kernel: {msg}").into_bytes()
        }),
        (0u64..100_000, 0u32..1_000_000, "[a-z ]{0,20}")
            .prop_map(|(s, us, msg)| format!("[{s:>5}.{us:06}] {msg}").into_bytes()),
        (0i64..2_000_000_000, "[a-z ]{0,20}").prop_map(|(t, msg)| {
            let time = chrono::DateTime::from_timestamp(t, 0).expect("in range by construction");
            format!(
                "{} pve1 systemd[1]: {msg}",
                time.format("%Y-%m-%dT%H:%M:%S+0000")
            )
            .into_bytes()
        }),
        (0u32..0xffff, 1u32..13, 1u32..29, 0u32..100, "[A-Za-z #]{0,20}").prop_map(
            |(id, mo, d, y, ev)| {
                format!("{id:4x} | {mo:02}/{d:02}/{y:02} | 12:00:00 CET | Memory #0x88 | {ev} | Asserted")
                    .into_bytes()
            }
        ),
        "[a-z-]{1,12}\\[[0-9]{1,5}\\]: [a-z ]{0,20}".prop_map(String::into_bytes),
        ("[a-z ]{0,20}", 0u32..60).prop_map(|(msg, s)| {
            format!(
                r#"{{"component":"virt-launcher","level":"info","msg":"{msg}"","timestamp":"2023-07-17T09:12:{s:02}.351046Z"}}"#
            )
            .into_bytes()
        }),
        Just(b"-- Boot 7a8b9c0d1e2f40516273849506a7b8c9 --".to_vec()),
        Just(b"    continuation".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn file() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(line(), 0..40).prop_map(|lines| lines.join(&b"\n"[..]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parsing_accounts_for_every_line(kind in kinds(), data in file()) {
        let parsed = formats::parse(kind, &data, &Limits { max_line_bytes: 64, ..Limits::default() });
        prop_assert!(parsed.stats.balanced(), "{:?}", parsed.stats);
        prop_assert_eq!(parsed.stats.lines, pvelog::framing::count_lines(&data));
        for event in &parsed.events {
            prop_assert!(event.offset <= data.len() as u64);
            prop_assert!(event.line >= 1 && u64::from(event.line) <= parsed.stats.lines);
        }
    }

    #[test]
    fn detection_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = formats::detect("x", &data);
    }

    #[test]
    fn merged_timeline_is_sorted_complete_and_thread_independent(
        files in proptest::collection::vec(file(), 1..5)
    ) {
        let members: Vec<Member> = files
            .iter()
            .enumerate()
            .map(|(i, f)| Member::from_vec(format!("host/pve1/f{i}.log"), f.clone()))
            .collect();
        let bundle = Bundle::from_members(members);
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let render = |n: usize| {
            pool(n).install(|| {
                let analysis = analysis::analyze(&bundle, &Options::default());
                let mut out = Vec::new();
                pvelog::output::timeline::write_jsonl(&analysis, &Default::default(), &mut out).unwrap();
                (analysis.order.len(), analysis.sources.iter().map(|s| s.parsed.events.len()).sum::<usize>(), out)
            })
        };
        let (ordered, total, one) = render(1);
        prop_assert_eq!(ordered, total, "every event appears once in the order");
        let (_, _, many) = render(3);
        prop_assert_eq!(&one, &many);

        let analysis = analysis::analyze(&bundle, &Options::default());
        let keys: Vec<_> = analysis
            .order
            .iter()
            .map(|r| {
                let e = &analysis.sources[r.source as usize].parsed.events[r.event as usize];
                (e.time.is_none(), e.time, r.source, e.offset)
            })
            .collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "not in total order");
    }
}
