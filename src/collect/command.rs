//! Running one collection command: spawned in a process group of its own with no input and the
//! C locale (so its output has the English headers the parsers read), its output kept up to a
//! cap (the newest bytes when it says more), and killed, with everything it started, when it
//! outlives the timeout. A command that is missing, fails or hangs is an [`Outcome`] to record,
//! never an error of the collection.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How much of a command's stderr is kept for the manifest (its end, where the reason is).
pub const STDERR_CAP: usize = 4096;

/// How often a running command is checked for having exited.
const POLL: Duration = Duration::from_millis(10);
/// How long the pipes' readers get to hand over their data once the command's group is gone.
const READ_GRACE: Duration = Duration::from_secs(2);

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exit status 0.
    Ok,
    /// A non-zero exit status, or killed by a signal it did not get from us.
    Failed,
    /// Not found on PATH.
    Missing,
    /// Killed after the timeout.
    TimedOut,
    /// It could not be started for another reason (permission, resources).
    NotStarted,
}

impl Status {
    /// The word the manifest records.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Missing => "missing",
            Status::TimedOut => "timed_out",
            Status::NotStarted => "not_started",
        }
    }
}

/// What running a command gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Its exit status, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// How long it ran.
    pub duration: Duration,
    /// Its standard output: all of it, or the newest `cap` bytes.
    pub stdout: Vec<u8>,
    /// How many bytes of the output's start were dropped to keep within the cap.
    pub cut: u64,
    /// The end of its standard error, lossily decoded.
    pub stderr: String,
    /// What went wrong, in words, when something did.
    pub error: Option<String>,
}

/// Reads `reader` to its end, keeping the newest `cap` bytes; returns them and how many bytes
/// were dropped before them.
fn read_tail(mut reader: impl Read, cap: usize) -> (Vec<u8>, u64) {
    let mut kept: Vec<u8> = Vec::new();
    let mut dropped = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                kept.extend_from_slice(&chunk[..n]);
                // Compact only when twice the cap is held: each byte is moved at most once.
                if kept.len() > cap.saturating_mul(2).max(chunk.len()) {
                    let excess = kept.len() - cap;
                    kept.drain(..excess);
                    dropped += excess as u64;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if kept.len() > cap {
        let excess = kept.len() - cap;
        kept.drain(..excess);
        dropped += excess as u64;
    }
    (kept, dropped)
}

/// Kills a command's whole process group (it was started as the group's leader).
fn kill_group(child: &mut Child) {
    let pid = rustix::process::Pid::from_child(child);
    // ESRCH (the group is gone) is what we want anyway.
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let _ = child.kill();
}

/// Runs `argv` (looked up on PATH) for at most `timeout`, keeping at most `cap` bytes of its
/// output.
pub fn run(argv: &[String], timeout: Duration, cap: usize) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        status: Status::NotStarted,
        exit_code: None,
        signal: None,
        duration: Duration::ZERO,
        stdout: Vec::new(),
        cut: 0,
        stderr: String::new(),
        error: None,
    };
    let Some((program, args)) = argv.split_first() else {
        outcome.error = Some("empty command".to_string());
        return outcome;
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            outcome.duration = started.elapsed();
            if e.kind() == std::io::ErrorKind::NotFound {
                outcome.status = Status::Missing;
                outcome.error = Some(format!("{program}: not found on PATH"));
            } else {
                outcome.error = Some(format!("{program}: cannot start: {e}"));
            }
            return outcome;
        }
    };
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>, u64)>();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let (data, cut) = read_tail(out, cap);
            let _ = tx.send((true, data, cut));
        });
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let (data, cut) = read_tail(err, STDERR_CAP);
            let _ = tx.send((false, data, cut));
        });
    }
    drop(tx);

    let deadline = started + timeout;
    let mut exit: Option<ExitStatus> = None;
    let mut timed_out = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                exit = Some(status);
                break;
            }
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                timed_out = true;
                exit = child.wait().ok();
                break;
            }
            Ok(None) => thread::sleep(POLL),
            Err(e) => {
                kill_group(&mut child);
                outcome.error = Some(format!("{program}: cannot wait for it: {e}"));
                let _ = child.wait();
                break;
            }
        }
    }

    // The pipes close when every process holding them has gone: the command, and whatever it
    // started. Wait for that until the deadline, then end the group.
    let mut pipes_left = 2usize;
    let mut killed_late = false;
    while pipes_left > 0 {
        // Past the deadline (the group was killed), the readers still get a moment to hand
        // over what they read: a loaded host is slow to wake them.
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(READ_GRACE);
        match rx.recv_timeout(wait) {
            Ok((is_stdout, data, cut)) => {
                pipes_left -= 1;
                if is_stdout {
                    outcome.stdout = data;
                    outcome.cut = cut;
                } else {
                    outcome.stderr = String::from_utf8_lossy(&data).trim().to_string();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if !killed_late => {
                kill_group(&mut child);
                killed_late = true;
            }
            Err(_) => {
                outcome.error.get_or_insert_with(|| {
                    format!("{program}: its output was held open by a process outside its group; kept what was read")
                });
                break;
            }
        }
    }
    outcome.duration = started.elapsed();

    use std::os::unix::process::ExitStatusExt;
    outcome.exit_code = exit.and_then(|s| s.code());
    outcome.signal = exit.and_then(|s| s.signal());
    outcome.status = if timed_out {
        Status::TimedOut
    } else if exit.is_some_and(|s| s.success()) {
        Status::Ok
    } else {
        Status::Failed
    };
    if timed_out {
        outcome.error = Some(format!(
            "{program}: still running after {:.1} s: killed with its process group",
            timeout.as_secs_f64()
        ));
    } else if outcome.status == Status::Failed && outcome.error.is_none() {
        let how = match (outcome.exit_code, outcome.signal) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit".to_string(),
        };
        outcome.error = Some(if outcome.stderr.is_empty() {
            format!("{program}: {how}")
        } else {
            format!("{program}: {how}: {}", outcome.stderr)
        });
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64, cap: usize) -> Outcome {
        run(
            &["sh".to_string(), "-c".to_string(), script.to_string()],
            Duration::from_millis(timeout_ms),
            cap,
        )
    }

    #[test]
    fn output_status_and_stderr() {
        let o = sh("echo hello; echo oops >&2; exit 3", 5000, 1024);
        assert_eq!(o.status, Status::Failed);
        assert_eq!(o.exit_code, Some(3));
        assert_eq!(o.stdout, b"hello\n");
        assert_eq!(o.stderr, "oops");
        assert_eq!(o.error.as_deref(), Some("sh: exit status 3: oops"));
        let o = sh("printf 'a%.0s' $(seq 1 100)", 5000, 10);
        assert_eq!(o.status, Status::Ok);
        assert_eq!(o.stdout.len(), 10);
        assert_eq!(o.cut, 90);
    }

    #[test]
    fn a_missing_command() {
        let o = run(
            &["pvelog-no-such-command".to_string()],
            Duration::from_secs(1),
            10,
        );
        assert_eq!(o.status, Status::Missing);
        assert!(o.error.is_some_and(|e| e.contains("not found")));
    }

    #[test]
    fn a_hanging_command_and_its_children_are_killed() {
        let started = Instant::now();
        // The child `sleep` holds the pipe too: killing only `sh` would leave it open.
        let o = sh("echo before; sleep 30; echo after", 300, 1024);
        assert_eq!(o.status, Status::TimedOut);
        assert_eq!(o.stdout, b"before\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_tail_is_kept() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1_000_000).collect();
        let (kept, dropped) = read_tail(&data[..], 1000);
        assert_eq!(kept.len(), 1000);
        assert_eq!(dropped, 999_000);
        assert_eq!(&kept[..], &data[999_000..]);
    }
}
