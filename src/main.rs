//! The `do-snapshot` binary: everything lives in the library; this maps its outcome to the
//! process exit code.

fn main() -> std::process::ExitCode {
    do_snapshot::main(std::env::args_os())
}
