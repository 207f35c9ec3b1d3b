//! Turns the parsed command line and environment into what the program runs on, checking
//! everything once so the rest of the program can trust it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Cli;
use crate::core::naming::{PrefixError, PrefixTemplate};
use crate::core::plan::{Settings, slack_changes_cadence};
use crate::core::policy::Policy;
use crate::core::span::Span;
use crate::run::{Finish, Hook, PowerOff};
use crate::simulate::{Models, Outage, Schedule};
use crate::time::Timestamp;
use crate::token::{self, Token, TokenError};

/// A checked configuration.
#[derive(Debug)]
pub struct Config {
    pub settings: Settings,
    pub mode: Mode,
    pub json: bool,
    /// `-q`: no report when the run went well.
    pub quiet: bool,
    pub max_delete: Option<usize>,
    /// `--wait`, `--power-off` and `--hook`, when any is given.
    pub finish: Option<Finish>,
    /// `--explain`: every owned snapshot's verdict and reason in the report.
    pub explain: bool,
    /// `--price-per-gb`: USD per GB-month of snapshot storage, for cost figures.
    pub price_per_gb: f64,
    /// Warnings to log once logging is set up.
    pub warnings: Vec<String>,
}

/// Simulate, or work on a real account.
#[derive(Debug)]
pub enum Mode {
    Simulate(Box<Simulation>),
    Real(Box<Real>),
}

/// What a simulation needs beyond the settings.
#[derive(Debug)]
pub struct Simulation {
    pub schedule: Schedule,
    pub models: Models,
    /// `--summary`: the promised-against-achieved summary after the table.
    pub summary: bool,
    /// `--chart`: where to write the SVG picture.
    pub chart: Option<PathBuf>,
    /// `--size`: GB per snapshot, for the storage figures.
    pub size_gb: f64,
}

/// What a real run needs beyond the settings.
#[derive(Debug)]
pub struct Real {
    pub api: Api,
    pub dry_run: bool,
    pub lock_file: PathBuf,
}

/// How to reach the API.
#[derive(Debug, Clone)]
pub struct Api {
    /// Scheme, host and optional port and path, without a trailing slash.
    pub base_url: String,
    pub token: Token,
    pub timeout: Duration,
    /// Log sleeps instead of sleeping (a testing aid).
    pub virtual_sleep: bool,
    /// Each virtual sleep moves the emulator's clock as far (a testing aid, loopback only).
    pub fake_clock: bool,
}

/// A configuration error: always exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--prefix {0}")]
    Prefix(#[from] PrefixError),
    #[error(
        "--tag `{0}`: a tag is 1 to 255 letters, digits, `_`, `-` or `:` (as DigitalOcean \
         allows)"
    )]
    Tag(String),
    #[error("--region `{0}`: a region is a slug of lowercase letters and digits, e.g. lon1")]
    Region(String),
    #[error(
        "--api-url `{0}`: use https://HOST[:PORT][/PATH]; plain http:// is allowed only for \
         127.0.0.1, ::1 or localhost"
    )]
    ApiUrl(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("{0}: the value looks like an API token; pass the token with --token or DO_TOKEN")]
    TokenShaped(&'static str),
    #[error("--simulate: the simulation would run past the year 9999; shorten DURATION or --start")]
    SimulationTooLong,
    #[error(
        "--simulate: {0} runs is more than the {MAX_SIMULATED_RUNS} a simulation may make; \
         lengthen INTERVAL or shorten DURATION"
    )]
    TooManyRuns(u64),
    #[error(
        "--jitter {jitter}: runs may start at most INTERVAL less a second late ({} s for \
         --simulate INTERVAL {every}), so they keep their order",
        every.seconds() - 1
    )]
    Jitter { jitter: i64, every: Span },
    #[error(
        "--hook: the command is empty; give a shell command, e.g. --hook /etc/do-snapshot/hook"
    )]
    EmptyHook,
    #[error(
        "--fake-clock is a testing aid for the emulator: it needs an http:// loopback --api-url"
    )]
    FakeClock,
}

/// Enough for a minute-by-minute simulation of nineteen years, and a bound on a typo's cost.
const MAX_SIMULATED_RUNS: u64 = 10_000_000;

/// Environment inputs, passed in so tests can set them.
pub struct Env<'a> {
    /// The token from the environment: the variable's name and value.
    pub env_token: Option<(&'static str, &'a str)>,
    pub home: Option<&'a Path>,
    pub runtime_dir: Option<&'a Path>,
    pub temp_dir: &'a Path,
    /// The user's id: part of the default lock file's name, so users cannot block each other.
    pub uid: u32,
    /// The local clock, for the default simulation start.
    pub now: Timestamp,
    /// stderr is a terminal: `--wait` may draw its progress there.
    pub stderr_terminal: bool,
}

impl Config {
    pub fn from_cli(cli: Cli, env: &Env) -> Result<Config, ConfigError> {
        // A token pasted into the wrong flag would end up in file names and logs.
        for (flag, value) in [("--tag", &cli.tag), ("--prefix", &cli.prefix)] {
            if value
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(token::looks_like_token)
            {
                return Err(ConfigError::TokenShaped(flag));
            }
        }
        check_tag(&cli.tag)?;
        for region in &cli.regions {
            let ok = !region.is_empty()
                && region.len() <= 32
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            if !ok {
                return Err(ConfigError::Region(region.clone()));
            }
        }
        let mut regions: Vec<String> = Vec::with_capacity(cli.regions.len());
        for region in &cli.regions {
            if !regions.contains(region) {
                regions.push(region.clone());
            }
        }
        let settings = Settings {
            prefix: PrefixTemplate::parse(&cli.prefix)?,
            tag: cli.tag.clone(),
            snapshot_every: cli.snapshot,
            policy: Policy::new(cli.keep.clone()),
            regions,
        };
        let mut warnings = settings.policy.warnings(settings.snapshot_every);
        warnings.extend(months_warning(&cli));
        let mut finish = finish(&cli, env)?;
        if cli.simulate.is_some()
            && let Some(f) = &mut finish
            && f.hook.take().is_some()
        {
            warnings.push("--hook: a simulation runs no hook".to_string());
        }
        let mode = match cli.simulate {
            Some((every, duration)) => {
                let start = cli.start.unwrap_or(env.now);
                start
                    .checked_add(duration.seconds())
                    .ok_or(ConfigError::SimulationTooLong)?;
                let runs = duration
                    .seconds()
                    .unsigned_abs()
                    .div_ceil(every.seconds().unsigned_abs());
                if runs > MAX_SIMULATED_RUNS {
                    return Err(ConfigError::TooManyRuns(runs));
                }
                if cli.jitter >= every.seconds() {
                    return Err(ConfigError::Jitter {
                        jitter: cli.jitter,
                        every,
                    });
                }
                let models = Models {
                    jitter: cli.jitter,
                    latency: cli.latency,
                    fail_rate: cli.fail_rate,
                    outages: cli
                        .outage
                        .iter()
                        .map(|(start, duration)| Outage {
                            start: start.seconds(),
                            duration: duration.seconds(),
                        })
                        .collect(),
                    seed: cli.seed,
                };
                if models.jitter == 0 {
                    warnings.extend(slack_changes_cadence(settings.snapshot_every, every));
                }
                Mode::Simulate(Box::new(Simulation {
                    schedule: Schedule {
                        start,
                        every,
                        duration,
                    },
                    models,
                    summary: cli.summary,
                    chart: cli.chart.clone(),
                    size_gb: cli.size,
                }))
            }
            None => {
                let base_url = check_api_url(&cli.api_url)?;
                if cli.fake_clock && !base_url.starts_with("http://") {
                    return Err(ConfigError::FakeClock);
                }
                let resolved = token::resolve(cli.token.as_deref(), env.env_token, env.home)?;
                warnings.extend(resolved.warnings);
                let lock_file = cli.lock_file.clone().unwrap_or_else(|| {
                    // A directory only this user (or only root) can write to, if there is one.
                    let root_run = (env.uid == 0).then_some(Path::new("/run"));
                    env.runtime_dir
                        .or(root_run.filter(|p| p.is_dir()))
                        .unwrap_or(env.temp_dir)
                        .join(lock_name(env.uid, &cli.tag))
                });
                Mode::Real(Box::new(Real {
                    api: Api {
                        base_url,
                        token: resolved.token,
                        timeout: Duration::from_secs(cli.timeout),
                        virtual_sleep: cli.virtual_sleep || cli.fake_clock,
                        fake_clock: cli.fake_clock,
                    },
                    dry_run: cli.dryrun,
                    lock_file,
                }))
            }
        };
        Ok(Config {
            settings,
            mode,
            json: cli.json,
            quiet: cli.quiet,
            max_delete: cli.max_delete,
            finish,
            explain: cli.explain,
            price_per_gb: cli.price_per_gb,
            warnings,
        })
    }
}

/// The finishing phase's settings, when `--wait`, `--power-off` or `--hook` asks for one
/// (the last two wait too: a droplet is powered on, and a hook's post run comes, only once
/// its snapshot is over).
fn finish(cli: &Cli, env: &Env) -> Result<Option<Finish>, ConfigError> {
    if !(cli.wait || cli.power_off || cli.hook.is_some()) {
        return Ok(None);
    }
    let hook = match &cli.hook {
        Some(command) if command.trim().is_empty() => return Err(ConfigError::EmptyHook),
        Some(command) => Some(Hook {
            command: command.clone(),
            timeout: cli.hook_timeout,
            hidden: Vec::new(),
        }),
        None => None,
    };
    Ok(Some(Finish {
        wait_timeout: cli.wait_timeout,
        power_off: cli.power_off.then_some(PowerOff {
            shutdown_timeout: cli.shutdown_timeout,
            max_down: cli.max_down,
        }),
        hook,
        progress: env.stderr_terminal && !cli.json && !cli.syslog,
    }))
}

/// One warning when a value written in `m` looks as if minutes were meant: `m` is 30 days, as
/// in the original tool, so `-s 30m` asks for a snapshot every 30 months. Months are normal in
/// `-k` rules (`1m:6m`), so those are questioned only past two years.
fn months_warning(cli: &Cli) -> Option<String> {
    let snapshot = [("-s", cli.snapshot)];
    let simulate = cli
        .simulate
        .map(|(every, _)| ("--simulate INTERVAL", every));
    let keep = cli
        .keep
        .iter()
        .flat_map(|r| [("-k", r.interval), ("-k", r.age)])
        .filter(|(_, span)| span.count() > 24);
    let (flag, span) = snapshot
        .into_iter()
        .chain(simulate)
        .chain(keep)
        .find(|(_, span)| span.in_months())?;
    Some(format!(
        "{flag} {span} means {} months of 30 days (m is months, as in the original \
         do-snapshot); for minutes write {}min",
        span.count(),
        span.count()
    ))
}

/// The default lock file's name: `do-snapshot-UID-TAG.lock`, or, for a tag too long for a file
/// name (DigitalOcean allows 255 characters; most file systems allow 255 bytes in all), the
/// tag's start and a hash of the whole tag, which still tells tags apart.
fn lock_name(uid: u32, tag: &str) -> String {
    const MAX_TAG_IN_NAME: usize = 100;
    if tag.len() <= MAX_TAG_IN_NAME {
        return format!("do-snapshot-{uid}-{tag}.lock");
    }
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let hash = tag.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // Tags are ASCII (checked), so any byte index is a character boundary.
    format!("do-snapshot-{uid}-{}-{hash:016x}.lock", &tag[..64])
}

fn check_tag(tag: &str) -> Result<(), ConfigError> {
    let ok = !tag.is_empty()
        && tag.len() <= 255
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Tag(tag.to_string()))
    }
}

/// Accepts `https://` anywhere and `http://` only on loopback, so a token never crosses a
/// network in clear text. Returns the URL without a trailing slash.
fn check_api_url(url: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::ApiUrl(url.to_string());
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once(']').ok_or_else(bad)?,
        None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.parse::<u16>().is_ok());
    let clean = |c: char| c.is_ascii_alphanumeric() || "-._~/:[]%".contains(c);
    if host.is_empty() || !port_ok || !rest.chars().all(clean) || authority.contains('@') {
        return Err(bad());
    }
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad()),
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls() {
        for ok in [
            "https://api.digitalocean.com",
            "https://proxy.example:8443/do/",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9000",
            "http://127.1.2.3",
        ] {
            assert!(check_api_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_api_url("https://a.b/").unwrap(), "https://a.b");
        for bad in [
            "http://api.digitalocean.com",
            "http://10.0.0.1:80",
            "ftp://x",
            "api.digitalocean.com",
            "https://",
            "https://user:pw@host",
            "https://host:99999",
            "https://host/a b",
            "http://127.0.0.1.evil.com",
            "http://[::1]evil.com:80",
            "http://[::1",
        ] {
            assert!(check_api_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_names_stay_short_and_distinct() {
        assert_eq!(lock_name(0, "web"), "do-snapshot-0-web.lock");
        let long_a = "a".repeat(255);
        let long_b = format!("{}b", "a".repeat(254));
        let (a, b) = (lock_name(1000, &long_a), lock_name(1000, &long_b));
        assert!(a.len() < 120 && b.len() < 120, "{a}");
        assert_ne!(a, b);
        assert_eq!(a, lock_name(1000, &long_a));
    }

    #[test]
    fn tags() {
        assert!(check_tag("env:prod_1-a").is_ok());
        for bad in ["", "a b", "../x", "a/b", &"x".repeat(256)] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }
}
