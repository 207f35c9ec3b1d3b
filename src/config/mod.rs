//! Turns the parsed command line and environment into what the program runs on, checking
//! everything once so the rest of the program can trust it.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod file;

use crate::cli::{Cli, Global, LogFormat, OrphansArg, StatusArgs};
use crate::core::naming::{PrefixError, PrefixTemplate};
use crate::core::plan::{Settings, slack_changes_cadence};
use crate::core::policy::Policy;
use crate::core::policy::Rule;
use crate::core::span::Span;
use crate::run::{Finish, Hook, Options, Orphans, PowerOff};
use crate::simulate::{Models, Outage, Schedule};
use crate::time::Timestamp;
use crate::token::{self, Token, TokenError};

/// A checked configuration.
#[derive(Debug)]
pub struct Config {
    /// What to do: the command line's one job, or a config file's (`--job` picks one).
    pub jobs: Vec<Job>,
    /// Every job of the config file, those --job leaves out too: no job may own another's
    /// snapshots.
    pub neighbours: Vec<Job>,
    /// The config file the jobs come from, if they do.
    pub file: Option<PathBuf>,
    pub mode: Mode,
    pub json: bool,
    /// `-q`: no report when the run went well.
    pub quiet: bool,
    /// `--syslog`: the report goes to syslog, one line per droplet, instead of stdout.
    pub syslog: bool,
    /// `--metrics-file`: where to write the run's Prometheus metrics.
    pub metrics_file: Option<PathBuf>,
    /// Warnings to log once logging is set up.
    pub warnings: Vec<String>,
}

/// One job: droplets of a tag, their snapshots' names, the policy, and how to act.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its name in the config file (the command line's job has none).
    pub name: Option<String>,
    pub settings: Settings,
    /// How the run acts (`--max-delete`, `--wait`, `--power-off`, `--hook`, `--volumes`,
    /// `--orphans`, `--price-per-gb`); `dry_run` is the mode's.
    pub options: Options,
}

/// A job's own values, as the command line or a job table of the config file gives them.
#[derive(Debug, Clone)]
pub struct JobArgs {
    pub name: Option<String>,
    pub tag: String,
    pub prefix: String,
    pub regions: Vec<String>,
    pub snapshot: Span,
    pub keep: Vec<Rule>,
    pub max_delete: Option<usize>,
    pub wait: bool,
    pub wait_timeout: Duration,
    pub power_off: bool,
    pub shutdown_timeout: Duration,
    pub max_down: usize,
    pub hook: Option<String>,
    pub hook_timeout: Duration,
    pub volumes: bool,
    pub volume_prefix: String,
    pub orphans: Orphans,
    pub price_per_gb: f64,
}

impl JobArgs {
    /// The command line's job.
    fn from_cli(cli: &Cli) -> Result<JobArgs, ConfigError> {
        Ok(JobArgs {
            name: None,
            tag: cli.owner.tag.clone(),
            prefix: cli.owner.prefix.clone(),
            regions: cli.regions.clone(),
            snapshot: cli.snapshot.ok_or(ConfigError::NoSnapshotAge)?,
            keep: cli.keep.clone(),
            max_delete: cli.max_delete,
            wait: cli.wait,
            wait_timeout: cli.wait_timeout,
            power_off: cli.power_off,
            shutdown_timeout: cli.shutdown_timeout,
            max_down: cli.max_down,
            hook: cli.hook.clone(),
            hook_timeout: cli.hook_timeout,
            volumes: cli.volumes,
            volume_prefix: cli.volume_prefix.clone(),
            orphans: match cli.orphans {
                OrphansArg::Report => Orphans::Report,
                OrphansArg::Prune => Orphans::Prune,
                OrphansArg::Keep => Orphans::Keep,
            },
            price_per_gb: cli.price_per_gb,
        })
    }
}

/// Where the output goes, which decides whether `--wait` may draw a progress bar.
#[derive(Clone, Copy, Debug)]
struct Output {
    /// A progress bar may be drawn on stderr.
    progress: bool,
    simulate: bool,
    /// `--explain`: every owned snapshot's verdict and reason in the report.
    explain: bool,
}

/// Checks a job's values and builds it; its warnings are added to `warnings`.
fn job(args: JobArgs, output: Output, warnings: &mut Vec<String>) -> Result<Job, ConfigError> {
    check_names(&args.tag, &args.prefix)?;
    let settings = Settings {
        prefix: PrefixTemplate::parse(&args.prefix)?,
        tag: args.tag.clone(),
        snapshot_every: args.snapshot,
        policy: Policy::new(args.keep.clone()),
        regions: check_regions(&args.regions)?,
    };
    warnings.extend(settings.policy.warnings(settings.snapshot_every));
    let volumes = volume_template(args.volumes, &args.volume_prefix)?;
    if volumes.is_some() {
        warnings.extend(volume_limit_warning(&settings));
    }
    if args.orphans == Orphans::Prune && !settings.prefix.has_tag() {
        warnings.push(format!(
            "--orphans prune: the prefix `{}` has no $tag, so the snapshots of any destroyed \
             droplet named this way are pruned under this policy, whichever tag it had; if \
             other tags' runs share the prefix, put $tag in it",
            args.prefix
        ));
    }
    let mut finish = finish(&args, output.progress)?;
    if output.simulate
        && let Some(f) = &mut finish
        && f.hook.take().is_some()
    {
        warnings.push("--hook: a simulation runs no hook".to_string());
    }
    Ok(Job {
        name: args.name,
        settings,
        options: Options {
            dry_run: false,
            max_delete: args.max_delete,
            finish,
            volumes,
            orphans: args.orphans,
            price_per_gb: args.price_per_gb,
            explain: output.explain,
        },
    })
}

/// Simulate, or work on a real account.
#[derive(Debug)]
pub enum Mode {
    Simulate(Box<Simulation>),
    Real(Box<Real>),
}

/// What a simulation needs beyond the jobs.
#[derive(Debug)]
pub struct Simulation {
    pub schedule: Schedule,
    pub models: Models,
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
    #[error("--volume-prefix {0}")]
    VolumePrefix(PrefixError),
    #[error(
        "--hook: the command is empty; give a shell command, e.g. --hook /etc/do-snapshot/hook"
    )]
    EmptyHook,
    #[error(
        "--metrics-file describes real runs, and a simulation writes none; leave it out with \
         --simulate"
    )]
    MetricsWithSimulate,
    #[error("--snapshot AGE is required: how old the newest snapshot may get, e.g. -s 1d")]
    NoSnapshotAge,
    #[error(
        "--fake-clock is a testing aid for the emulator: it needs an http:// loopback --api-url"
    )]
    FakeClock,
    /// The config file cannot be read or is not what it should be; the message names the file,
    /// the line and column, and the key.
    #[error("{0}")]
    File(String),
    #[error("{at}: job `{name}`: {source}")]
    InJob {
        at: String,
        name: String,
        source: Box<ConfigError>,
    },
}

/// Enough for a minute-by-minute simulation of nineteen years, and a bound on a typo's cost.
const MAX_SIMULATED_RUNS: u64 = 10_000_000;

/// `--timeout` when neither the command line nor the config file sets it, in seconds.
const DEFAULT_TIMEOUT: u64 = 30;

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
        let mut warnings = Vec::new();
        let output = Output {
            // A bar drawn on stderr would garble JSON log lines and means nothing in syslog.
            progress: env.stderr_terminal
                && !cli.global.json
                && !cli.syslog
                && cli.global.log_format == LogFormat::Text,
            simulate: cli.simulate.is_some(),
            explain: cli.explain,
        };
        let mut neighbours = Vec::new();
        let (jobs, file) = match &cli.config {
            None => {
                let args = JobArgs::from_cli(&cli)?;
                warnings.extend(months_warning(args.snapshot, cli.simulate, &args.keep));
                (vec![job(args, output, &mut warnings)?], None)
            }
            Some(path) => {
                let (settings, jobs) = file::read(path)?;
                let mut checked = Vec::with_capacity(jobs.len());
                for (args, at) in jobs {
                    let name = args.name.clone().unwrap_or_default();
                    warnings.extend(months_warning(args.snapshot, cli.simulate, &args.keep));
                    let job = job(args, output, &mut warnings).map_err(|e| ConfigError::InJob {
                        at: at.clone(),
                        name: name.clone(),
                        source: Box::new(e),
                    })?;
                    checked.push(job);
                }
                // Every job of the file is checked against the others, even those --job leaves
                // out: their snapshots are not to be pruned by the one that runs.
                file::check_apart(&checked, path)?;
                let chosen = file::pick(checked.clone(), cli.job.as_deref(), path)?;
                neighbours = checked;
                (chosen, Some((path.clone(), settings)))
            }
        };
        let mode = match cli.simulate {
            Some(_) if cli.metrics_file.is_some() => return Err(ConfigError::MetricsWithSimulate),
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
                    for job in &jobs {
                        warnings.extend(slack_changes_cadence(job.settings.snapshot_every, every));
                    }
                }
                Mode::Simulate(Box::new(Simulation {
                    schedule: Schedule {
                        start,
                        every,
                        duration,
                    },
                    models,
                    chart: cli.chart.clone(),
                    size_gb: cli.size,
                }))
            }
            None => {
                let mut global = cli.global.clone();
                let file_lock = file.as_ref().and_then(|(_, s)| s.apply(&mut global));
                let api = api(&global, env, &mut warnings)?;
                // One lock per tag, or one for the whole file.
                let name = match &file {
                    None => lock_name(env.uid, &cli.owner.tag),
                    Some((path, _)) => file::lock_name(env.uid, path),
                };
                let lock_file = cli.lock_file.clone().or(file_lock).unwrap_or_else(|| {
                    // A directory only this user (or only root) can write to, if there is one.
                    let root_run = (env.uid == 0).then_some(Path::new("/run"));
                    env.runtime_dir
                        .or(root_run.filter(|p| p.is_dir()))
                        .unwrap_or(env.temp_dir)
                        .join(name)
                });
                Mode::Real(Box::new(Real {
                    api,
                    dry_run: cli.dryrun,
                    lock_file,
                }))
            }
        };
        Ok(Config {
            jobs,
            neighbours,
            file: file.map(|(path, _)| path),
            mode,
            json: cli.global.json,
            quiet: cli.quiet,
            syslog: cli.syslog,
            metrics_file: cli.metrics_file,
            warnings,
        })
    }
}

/// `--volume-prefix`, checked, when `--volumes` asks for volumes.
fn volume_template(volumes: bool, prefix: &str) -> Result<Option<PrefixTemplate>, ConfigError> {
    if !volumes {
        return Ok(None);
    }
    PrefixTemplate::parse_volume(prefix)
        .map(Some)
        .map_err(ConfigError::VolumePrefix)
}

/// A warning when the policy can hold more snapshots of a volume than DigitalOcean allows.
fn volume_limit_warning(settings: &Settings) -> Option<String> {
    let limit = crate::run::MAX_PER_VOLUME as u64;
    match settings.policy.most_held(settings.snapshot_every) {
        Some(most) if most <= limit => None,
        Some(most) => Some(format!(
            "--volumes: this policy can hold up to {most} snapshots of a volume, more than the \
             {limit} DigitalOcean allows; a volume at the limit gets no new snapshot (the run \
             says so and exits 3): keep fewer with -k"
        )),
        None => Some(format!(
            "--volumes: this policy keeps snapshots without bound, but DigitalOcean allows {limit} \
             a volume; end it with a rule that deletes, e.g. -k 0d:6m"
        )),
    }
}

/// What `status` needs: whose snapshots to look at, how old they may be, and the API.
#[derive(Debug)]
pub struct StatusConfig {
    /// Whose snapshots: a tag, its prefix and the regions each droplet should have a copy in;
    /// one, or a config file's jobs'.
    pub checks: Vec<StatusCheck>,
    pub max_age: crate::core::span::Span,
    pub api: Api,
    pub json: bool,
    /// Warnings to log once logging is set up.
    pub warnings: Vec<String>,
}

/// One tag's droplets for `status` to check.
#[derive(Debug)]
pub struct StatusCheck {
    pub tag: String,
    pub prefix: PrefixTemplate,
    pub regions: Vec<String>,
    /// With `--volumes` (or a job's `volumes = true`): the volume snapshots' names.
    pub volumes: Option<PrefixTemplate>,
}

impl StatusConfig {
    pub fn from_cli(
        args: &StatusArgs,
        global: &Global,
        env: &Env,
    ) -> Result<StatusConfig, ConfigError> {
        let mut global = global.clone();
        let checks = match &args.config {
            None => {
                check_names(&args.owner.tag, &args.owner.prefix)?;
                vec![StatusCheck {
                    tag: args.owner.tag.clone(),
                    prefix: PrefixTemplate::parse(&args.owner.prefix)?,
                    regions: check_regions(&args.regions)?,
                    volumes: volume_template(args.volumes, &args.volume_prefix)?,
                }]
            }
            Some(path) => {
                let (settings, jobs) = file::read(path)?;
                settings.apply(&mut global);
                let jobs = match &args.job {
                    Some(only) if !jobs.iter().any(|(j, _)| j.name.as_deref() == Some(only)) => {
                        return Err(ConfigError::File(format!(
                            "--job `{only}`: {} has no such job",
                            path.display()
                        )));
                    }
                    Some(only) => jobs
                        .into_iter()
                        .filter(|(j, _)| j.name.as_deref() == Some(only))
                        .collect(),
                    None => jobs,
                };
                let mut checks = Vec::with_capacity(jobs.len());
                for (job, at) in jobs {
                    let name = job.name.clone().unwrap_or_default();
                    let check = || -> Result<StatusCheck, ConfigError> {
                        check_names(&job.tag, &job.prefix)?;
                        Ok(StatusCheck {
                            tag: job.tag.clone(),
                            prefix: PrefixTemplate::parse(&job.prefix)?,
                            regions: check_regions(&job.regions)?,
                            volumes: volume_template(job.volumes, &job.volume_prefix)?,
                        })
                    };
                    checks.push(check().map_err(|e| ConfigError::InJob {
                        at,
                        name,
                        source: Box::new(e),
                    })?);
                }
                checks
            }
        };
        let mut warnings = Vec::new();
        let api = api(&global, env, &mut warnings)?;
        Ok(StatusConfig {
            checks,
            max_age: args.max_age,
            api,
            json: global.json,
            warnings,
        })
    }
}

/// The API connection from the shared flags and the environment; the token's warnings are
/// added to `warnings`.
fn api(global: &Global, env: &Env, warnings: &mut Vec<String>) -> Result<Api, ConfigError> {
    let base_url = check_api_url(&global.api_url)?;
    if global.fake_clock && !base_url.starts_with("http://") {
        return Err(ConfigError::FakeClock);
    }
    let resolved = token::resolve(global.token.as_deref(), env.env_token, env.home)?;
    warnings.extend(resolved.warnings);
    Ok(Api {
        base_url,
        token: resolved.token,
        timeout: Duration::from_secs(global.timeout.unwrap_or(DEFAULT_TIMEOUT)),
        virtual_sleep: global.virtual_sleep || global.fake_clock,
        fake_clock: global.fake_clock,
    })
}

/// A tag and prefix that are safe to use: no token pasted into them (it would end up in file
/// names and logs), and a tag DigitalOcean accepts.
fn check_names(tag: &str, prefix: &str) -> Result<(), ConfigError> {
    for (flag, value) in [("--tag", tag), ("--prefix", prefix)] {
        if value
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(token::looks_like_token)
        {
            return Err(ConfigError::TokenShaped(flag));
        }
    }
    check_tag(tag)
}

/// The `-r` regions, each checked, without repeats, in the order given.
fn check_regions(given: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut regions: Vec<String> = Vec::with_capacity(given.len());
    for region in given {
        let ok = !region.is_empty()
            && region.len() <= 32
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !ok {
            return Err(ConfigError::Region(region.clone()));
        }
        if !regions.contains(region) {
            regions.push(region.clone());
        }
    }
    Ok(regions)
}

/// The finishing phase's settings, when `--wait`, `--power-off` or `--hook` asks for one
/// (the last two wait too: a droplet is powered on, and a hook's post run comes, only once
/// its snapshot is over).
fn finish(cli: &JobArgs, progress: bool) -> Result<Option<Finish>, ConfigError> {
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
        progress,
    }))
}

/// One warning when a value written in `m` looks as if minutes were meant: `m` is 30 days, as
/// in the original tool, so `-s 30m` asks for a snapshot every 30 months. Months are normal in
/// `-k` rules (`1m:6m`), so those are questioned only past two years.
fn months_warning(snapshot: Span, simulate: Option<(Span, Span)>, keep: &[Rule]) -> Option<String> {
    let snapshot = Some(("-s", snapshot));
    let simulate = simulate.map(|(every, _)| ("--simulate INTERVAL", every));
    let keep = keep
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

    /// The command line's `--timeout` wins over the config file's `timeout`, which wins over
    /// the default.
    #[test]
    fn the_command_lines_timeout_wins_over_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobs.toml");
        std::fs::write(
            &file,
            "token = \"dop_v1_abc\"\ntimeout = 5\n[[job]]\nname = \"web\"\ntag = \"web\"\n\
             snapshot = \"1d\"\nkeep = [\"1d:1w\"]\n",
        )
        .unwrap();
        let timeout = |flags: &[&str], with_file: bool| {
            let mut args: Vec<std::ffi::OsString> = vec!["do-snapshot".into()];
            if with_file {
                args.extend(["--config".into(), file.clone().into_os_string()]);
            } else {
                args.extend(
                    [
                        "-t",
                        "web",
                        "-s",
                        "1d",
                        "-k",
                        "1d:1w",
                        "--token",
                        "dop_v1_abc",
                    ]
                    .map(Into::into),
                );
            }
            args.extend(flags.iter().map(Into::into));
            let cli = crate::cli::parse(&args).unwrap();
            let env = Env {
                env_token: None,
                home: None,
                runtime_dir: None,
                temp_dir: dir.path(),
                uid: 1000,
                now: Timestamp::EPOCH,
                stderr_terminal: false,
            };
            match Config::from_cli(cli, &env).unwrap().mode {
                Mode::Real(real) => real.api.timeout.as_secs(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(timeout(&["--timeout", "9"], true), 9);
        assert_eq!(timeout(&[], true), 5);
        assert_eq!(timeout(&[], false), 30);
        assert_eq!(timeout(&["--timeout", "9"], false), 9);
    }

    #[test]
    fn tags() {
        assert!(check_tag("env:prod_1-a").is_ok());
        for bad in ["", "a b", "../x", "a/b", &"x".repeat(256)] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }
}
