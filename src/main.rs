//! The `pvelog` binary: everything lives in the library; see [`pvelog::run`].

fn main() -> std::process::ExitCode {
    pvelog::run()
}
