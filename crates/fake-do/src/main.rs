//! `fake-do [--seed FILE.json] [--port N] [--port-file PATH]`: runs the
//! emulator until killed, for manual use and tests in other processes.

use std::io::Write;
use std::process::ExitCode;

use fake_do::{FakeDo, Seed};

const USAGE: &str = "usage: fake-do [--seed FILE.json] [--port N] [--port-file PATH]";

/// The parsed command line.
struct Options {
    seed: Option<String>,
    port: u16,
    port_file: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        seed: None,
        port: 0,
        port_file: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seed" => options.seed = Some(value()?),
            "--port" => {
                let raw = value()?;
                options.port = raw
                    .parse()
                    .map_err(|_| format!("--port: '{raw}' is not a port number"))?;
            }
            "--port-file" => options.port_file = Some(value()?),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(options)
}

fn load_seed(path: Option<&str>) -> Result<Seed, String> {
    let Some(path) = path else {
        return Ok(Seed::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Seed::from_json(&text).map_err(|e| format!("bad seed {path}: {e}"))
}

fn run() -> Result<FakeDo, String> {
    let options = parse_args(std::env::args().skip(1))?;
    let seed = load_seed(options.seed.as_deref())?;
    let fake = FakeDo::start_on(seed, options.port).map_err(|e| format!("cannot start: {e}"))?;
    // The port file comes first, so whoever sees the stdout line can read
    // it; it is renamed into place so a poller never reads it half-written.
    if let Some(path) = options.port_file {
        let partial = format!("{path}.partial");
        std::fs::write(&partial, fake.port().to_string())
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "fake-do listening on {}", fake.base_url())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    Ok(fake)
}

fn main() -> ExitCode {
    match run() {
        Ok(fake) => {
            fake.wait();
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("fake-do: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
