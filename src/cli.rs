//! The command line, as clap sees it. Every flag of the seed keeps its short and long name,
//! meaning and default, so a crontab line written for the seed runs unchanged. Each field's doc
//! comment is its `--help` text. Values are parsed into domain types here; nothing below
//! `config.rs` sees clap.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::core::policy::Rule;
use crate::core::span::{Span, UNITS_HELP, parse_pair};
use crate::time::Timestamp;

const AFTER_HELP: &str = "\
AGE, INTERVAL and DURATION are a whole number and a unit: min (minutes), h (hours), d (days),
w (weeks), m (months of 30 days), y (years of 365 days), e.g. 6h, 3d, 2m.

Retention: each owned snapshot is governed by the -k rule with the oldest AGE it has reached;
within a rule, oldest first, one snapshot is kept per INTERVAL (INTERVAL 0 deletes them all).
A snapshot's time is the UTC time in its name. The newest snapshot of each droplet is never
deleted, nor one dated in the future, nor one whose name is not the prefix followed by a real
UTC time. Values may carry surrounding spaces (`-s 1d` as one argument works).

Exit codes:
  0  success (a snapshot skipped because one is already in progress counts as success)
  1  failure: nothing could be done (API unreachable, token rejected, listing failed or
     not trustworthy), the run stopped early, or every droplet failed
  2  usage: a bad flag or value; nothing was done
  3  partly done: some droplets failed, are overdue (newest snapshot older than twice -s),
     had a snapshot action end errored or had deletions withheld; a --wait timed out, a
     hook failed or a droplet was left powered off; an item could not be read; or
     --max-delete held deletions back
  4  another run with the same tag holds the lock; nothing was done
  5  interrupted by SIGTERM or SIGINT; the report shows what was done (with --power-off,
     after the droplets it powered off are on again; a second signal exits at once and
     names them)
`status` answers with Nagios plugin codes instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN): see
`do-snapshot status --help`.

A snapshot is due when the newest is at least -s old, less a slack of a tenth of -s (at most
5 minutes), so runs that start a little late keep the cadence.

Examples:
  do-snapshot -s 1d -k 2w:1w -k 1w:1m --simulate 4h:3m
  do-snapshot -s 1d -k 2w:1w -k 1w:1m --simulate 4h:3m --explain --chart policy.svg
  do-snapshot -s 1d -k 1d:1d -k 1w:1w --simulate 4h:1y --jitter 120 --latency 300
  do-snapshot --token ~/.dotoken -s 1d -r lon1 -k 3d:1d -k 1w:1w -k 1m:2m -k 0d:6m
  do-snapshot --token ~/.dotoken -t db -s 20h -k 1d:1d -k 0d:1m --power-off --hook ./db-hook
  do-snapshot --token ~/.dotoken -s 1d -k 0d:6m --syslog --metrics-file /var/lib/node_exporter/do_snapshot.prom
  do-snapshot status --token ~/.dotoken --max-age 30h -r lon1";

/// Snapshot DigitalOcean droplets carrying a tag, copy the snapshots to more regions, and prune
/// them under a stacked retention policy.
///
/// Without a subcommand, one run (the original do-snapshot's command line, unchanged).
#[derive(Debug, Parser)]
#[command(
    name = "do-snapshot",
    version,
    after_help = AFTER_HELP,
    max_term_width = 100,
    // `-s` is required by the run, not by `status`, `completions` or `man` (and `parse`
    // refuses a run's flag given with a subcommand).
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Flags that work before or after a subcommand.
    #[command(flatten)]
    pub global: Global,

    #[command(flatten)]
    pub owner: Owner,

    /// Copy snapshots to this additional region too (repeat for more regions)
    #[arg(short, long = "region", value_name = "REGION", action = ArgAction::Append,
          value_parser = trimmed)]
    pub regions: Vec<String>,

    /// Take a snapshot if the newest one is at least AGE old (e.g. 1d)
    #[arg(short, long = "snapshot", value_name = "AGE", value_parser = parse_span,
          allow_hyphen_values = true, required_unless_present = "config")]
    pub snapshot: Option<Span>,

    /// Keep one snapshot per INTERVAL among those older than AGE, deleting the others (repeat to
    /// build a policy; INTERVAL 0 deletes every snapshot older than AGE but the newest)
    #[arg(short, long = "keep", value_name = "INTERVAL:AGE", value_parser = parse_rule,
          action = ArgAction::Append, allow_hyphen_values = true)]
    pub keep: Vec<Rule>,

    /// Don't take, delete or transfer anything: send only read requests and report what would
    /// be done
    #[arg(long, visible_alias = "dry-run")]
    pub dryrun: bool,

    /// Preview the policy: run every INTERVAL for DURATION against a simulated droplet and print
    /// the snapshots left at the end. Needs no token and touches no account (implies --dryrun)
    #[arg(long, value_name = "INTERVAL:DURATION", value_parser = parse_schedule,
          allow_hyphen_values = true)]
    pub simulate: Option<(Span, Span)>,

    /// Start time of the simulation, RFC 3339 (default: now, to the second)
    #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "simulate")]
    pub start: Option<Timestamp>,

    /// Log to the local syslog (ident do-snapshot) instead of stderr, and send the report
    /// there as one line per droplet (priority info) instead of printing the table; stdout stays
    /// empty unless --json. A run that does not end with exit 0 also says so on stderr
    #[arg(long)]
    pub syslog: bool,

    /// After the run, also a failed one, write Prometheus metrics to PATH (for node_exporter's
    /// textfile collector), replacing the file atomically
    #[arg(long, value_name = "PATH", value_parser = trimmed_path)]
    pub metrics_file: Option<PathBuf>,

    /// Print nothing on stdout when the run went well (exit 0); otherwise the report as usual.
    /// For cron, which mails any output
    #[arg(short, long)]
    pub quiet: bool,

    /// Delete at most N snapshots in this run; the rest are reported and the exit code is 3
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_delete: Option<usize>,

    /// Lock file that stops two runs for the same tag overlapping
    /// (default: do-snapshot-UID-TAG.lock in $XDG_RUNTIME_DIR, or else in the temporary directory)
    #[arg(long, value_name = "PATH", value_parser = trimmed_path)]
    pub lock_file: Option<PathBuf>,

    /// After requesting this run's snapshots, wait until they complete, then copy them to the
    /// -r regions in the same run (without it, new snapshots are copied by the next run)
    #[arg(long, help_heading = WAITING)]
    pub wait: bool,

    /// Give up waiting after this long in all: what is still in progress is reported, exit 3
    #[arg(long, value_name = "SECONDS", default_value = "7200", value_parser = parse_seconds,
          allow_hyphen_values = true, help_heading = WAITING)]
    pub wait_timeout: Duration,

    /// Consistent snapshots: shut each due, running droplet down (gracefully, then hard after
    /// --shutdown-timeout), snapshot it, and power it back on; always powered on again, also on
    /// errors and signals. A droplet already off is snapshotted as it is. Implies --wait
    #[arg(long, help_heading = WAITING)]
    pub power_off: bool,

    /// With --power-off: how long a graceful shutdown may take before the power is cut
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = parse_seconds,
          allow_hyphen_values = true, help_heading = WAITING)]
    pub shutdown_timeout: Duration,

    /// With --power-off: at most N droplets are powered off at the same time
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_positive,
          allow_hyphen_values = true, help_heading = WAITING)]
    pub max_down: usize,

    /// Run CMD (with sh -c) before and after each droplet's snapshot, e.g. to flush and lock a
    /// database. It sees DO_SNAPSHOT_PHASE (pre or post), DO_SNAPSHOT_DROPLET_ID,
    /// DO_SNAPSHOT_DROPLET_NAME, DO_SNAPSHOT_NAME and, after, DO_SNAPSHOT_RESULT (ok or failed),
    /// never the token. A failing pre hook skips that snapshot (exit 3). Implies --wait
    #[arg(long, value_name = "CMD", help_heading = WAITING)]
    pub hook: Option<String>,

    /// Kill a hook that runs longer than this (it then counts as failed)
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = parse_seconds,
          allow_hyphen_values = true, help_heading = WAITING)]
    pub hook_timeout: Duration,

    /// List every owned snapshot with the policy's verdict and the reason, oldest first, per
    /// droplet (in a simulation: the snapshots left at the end)
    #[arg(long)]
    pub explain: bool,

    /// Draw the simulation as an SVG picture in FILE: a row per rule's age band with a mark per
    /// snapshot (faint for deleted ones), and the snapshots held over time
    #[arg(long, value_name = "FILE", requires = "simulate", value_parser = trimmed_path,
          help_heading = SIMULATION)]
    pub chart: Option<PathBuf>,

    /// Each simulated run starts up to SECONDS late (at random; less than INTERVAL)
    #[arg(long, value_name = "SECONDS", default_value_t = 0, requires = "simulate",
          value_parser = parse_model_seconds, allow_hyphen_values = true,
          help_heading = SIMULATION)]
    pub jitter: i64,

    /// Each simulated snapshot's created_at is up to SECONDS after it was asked for (at random;
    /// its name keeps the time of the request)
    #[arg(long, value_name = "SECONDS", default_value_t = 0, requires = "simulate",
          value_parser = parse_model_seconds, allow_hyphen_values = true,
          help_heading = SIMULATION)]
    pub latency: i64,

    /// Each simulated run fails outright, doing nothing, with probability P (0 to 1)
    #[arg(long, value_name = "P", default_value_t = 0.0, requires = "simulate",
          value_parser = parse_probability, allow_hyphen_values = true,
          help_heading = SIMULATION)]
    pub fail_rate: f64,

    /// No simulated run starts for DURATION from START after --start (e.g. 100d:2w; repeatable)
    #[arg(long, value_name = "START:DURATION", action = ArgAction::Append,
          requires = "simulate", value_parser = parse_outage, allow_hyphen_values = true,
          help_heading = SIMULATION)]
    pub outage: Vec<(Span, Span)>,

    /// Seed of the simulation's chance (--jitter, --latency, --fail-rate): the same seed gives
    /// the same simulation
    #[arg(long, value_name = "N", default_value_t = 0, requires = "simulate",
          value_parser = parse_seed, allow_hyphen_values = true, help_heading = SIMULATION)]
    pub seed: u64,

    /// Size of each simulated snapshot in GB, for the storage figures after the table
    #[arg(long, value_name = "GB", default_value_t = 25.0, requires = "simulate",
          value_parser = parse_size, allow_hyphen_values = true, help_heading = SIMULATION)]
    pub size: f64,

    /// Also snapshot the block-storage volumes attached to each tagged droplet, under the same
    /// -s and -k, each volume judged on its own snapshots (they stay in their region: volume
    /// snapshots cannot be copied)
    #[arg(long, help_heading = VOLUMES)]
    pub volumes: bool,

    /// Prefix of volume snapshot names; $volume, $droplet and $tag are replaced
    #[arg(long, value_name = "PREFIX", default_value = "$volume-autosnapshot-",
          value_parser = trimmed, help_heading = VOLUMES)]
    pub volume_prefix: String,

    /// Snapshots whose droplet (or volume) no longer exists: report them, prune them under the
    /// policy as if still tagged (always keeping the newest), or keep them without a word
    #[arg(long, value_name = "WHAT", value_enum, default_value = "report", help_heading = VOLUMES)]
    pub orphans: OrphansArg,

    /// Price of snapshot storage for the cost figures, in USD per GB-month (DigitalOcean's list
    /// price for snapshots, 0.06, as of December 2026)
    #[arg(long, value_name = "USD", default_value_t = 0.06, value_parser = parse_price,
          allow_hyphen_values = true, help_heading = VOLUMES)]
    pub price_per_gb: f64,

    /// Run the jobs of this TOML file (several tags and policies in one run, one lock, one
    /// reading of the account's snapshots) instead of the one job the flags describe; with it,
    /// only --job, --dryrun, --json, -q, -v, --syslog, --metrics-file, --lock-file and the
    /// connection flags may be given
    #[arg(long, value_name = "FILE", value_parser = trimmed_path, help_heading = CONFIG)]
    pub config: Option<PathBuf>,

    /// With --config: run only the job of this name
    #[arg(long, value_name = "NAME", value_parser = trimmed, requires = "config",
          help_heading = CONFIG)]
    pub job: Option<String>,

    /// Testing aid: the syslog socket --syslog sends to, instead of /dev/log
    #[arg(long, hide = true, value_name = "PATH")]
    pub syslog_socket: Option<PathBuf>,
}

/// Whose snapshots: the droplets carrying a tag, and the snapshots of theirs the tool owns
/// (named by the prefix and a UTC time). The run and `status` read them alike.
#[derive(Debug, Args)]
pub struct Owner {
    /// Droplets with this tag (the run snapshots them, status checks them)
    #[arg(short, long, value_name = "TAG", default_value = "autosnapshot", value_parser = trimmed)]
    pub tag: String,

    /// Prefix for snapshot names; $droplet and $tag are replaced by the droplet's name and the tag
    #[arg(
        short,
        long,
        value_name = "PREFIX",
        default_value = "$droplet-autosnapshot-",
        value_parser = trimmed
    )]
    pub prefix: String,
}

/// Flags for the API connection and the output, shared by the run and `status`: they may come
/// before or after the subcommand (`do-snapshot --token F status …` or `do-snapshot status
/// --token F …`).
#[derive(Clone, Debug, Args)]
pub struct Global {
    /// API token, or the path of a file holding it (~ is expanded). Default: $DO_TOKEN, else
    /// $DIGITALOCEAN_ACCESS_TOKEN (doctl's). A file is safer: a token on the command line shows
    /// in `ps`
    #[arg(long, visible_alias = "access-token", value_name = "TOKEN", value_parser = trimmed,
          global = true, help_heading = SHARED)]
    pub token: Option<String>,

    /// API endpoint; plain http:// is accepted only for loopback addresses
    #[arg(
        long,
        value_name = "URL",
        env = "DO_API_URL",
        default_value = "https://api.digitalocean.com",
        value_parser = trimmed,
        global = true,
        help_heading = SHARED
    )]
    pub api_url: String,

    /// Seconds to wait for any one API request before it counts as failed (and is retried)
    /// [default: 30, or the config file's `timeout`]
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, global = true,
          help_heading = SHARED)]
    pub timeout: Option<u64>,

    /// Print one JSON document on stdout instead of the table, also when the run fails
    /// outright (then with an `error` object)
    #[arg(long, global = true, help_heading = SHARED)]
    pub json: bool,

    /// Log more: -v says what each run does, -vv adds each API request, -vvv adds more detail
    #[arg(short, long, action = ArgAction::Count, global = true, help_heading = SHARED)]
    pub verbose: u8,

    /// Log lines on stderr as text, or as one JSON object each (time, level, message, fields)
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text,
          global = true, help_heading = SHARED)]
    pub log_format: LogFormat,

    /// Testing aid: never really sleep between retries, only log how long the wait would be
    #[arg(long, hide = true, global = true)]
    pub virtual_sleep: bool,

    /// Testing aid (implies --virtual-sleep; loopback API only): each virtual sleep moves the
    /// emulator's clock as far, through its control API
    #[arg(long, hide = true, global = true)]
    pub fake_clock: bool,
}

/// `--orphans`' values.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OrphansArg {
    Report,
    Prune,
    Keep,
}

/// The `--help` heading of the config file's flags.
const CONFIG: &str = "Config file";

/// The run's flags that may go with `--config`: what is not a job's (the jobs are the file's).
const WITH_CONFIG: &[&str] = &[
    "config",
    "job",
    "dryrun",
    "quiet",
    "syslog",
    "metrics_file",
    "lock_file",
    "explain",
    "simulate",
    "start",
    "chart",
    "jitter",
    "latency",
    "fail_rate",
    "outage",
    "seed",
    "size",
    "syslog_socket",
];

/// The `--help` heading of volumes, orphans and cost.
const VOLUMES: &str = "Volumes, orphans and cost";

/// How log lines on stderr are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `TIME LEVEL message`, for people
    Text,
    /// One JSON object a line, for log shippers
    Json,
}

/// What to do instead of a run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that every tagged droplet has a recent snapshot (a Nagios/Icinga plugin): reads
    /// only, takes no lock, changes nothing
    #[command(after_help = STATUS_AFTER_HELP)]
    Status(StatusArgs),
    /// Print a shell completion script on stdout
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff) on stdout: do-snapshot(1), or a subcommand's
    /// (do-snapshot-status(1), do-snapshot-completions(1))
    Man {
        /// The subcommand whose page to print
        #[arg(value_enum)]
        page: Option<ManPage>,
    },
}

/// The subcommands with a manual page of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ManPage {
    Status,
    Completions,
}

/// The shells `completions` writes scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

const STATUS_AFTER_HELP: &str = "\
The first line reads OK, WARNING, CRITICAL or UNKNOWN, then one line per droplet.
A droplet's snapshots are those the run owns: the expanded -p prefix followed by a real UTC time.

Exit codes (Nagios plugin conventions, not the run's):
  0  OK: every droplet's newest snapshot is younger than --max-age, and each -r region holds
     one younger than --max-age
  1  WARNING: a -r region holds no snapshot younger than --max-age, a droplet has no snapshot
     at all, or no droplet carries the tag
  2  CRITICAL: a droplet's newest snapshot is --max-age old or older (named in the first line)
  3  UNKNOWN: the API could not be read (refused token, unreachable, a listing that failed,
     is incomplete or holds an item that could not be read), or a value is wrong (a command
     line that cannot be parsed at all exits 2, as any usage error)
CRITICAL outranks UNKNOWN, which outranks WARNING.

Example (Nagios/Icinga command):
  do-snapshot status --token /etc/do-snapshot/token -t web --max-age 30h -r lon1";

/// `status`: is every droplet backed up recently?
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub owner: Owner,

    /// Each droplet should have a snapshot younger than --max-age in this region too (repeat
    /// for more regions)
    #[arg(short, long = "region", value_name = "REGION", action = ArgAction::Append,
          value_parser = trimmed)]
    pub regions: Vec<String>,

    /// Also check the volumes attached to each droplet (their snapshots named by
    /// --volume-prefix)
    #[arg(long)]
    pub volumes: bool,

    /// Prefix of volume snapshot names, as the run's; $volume, $droplet and $tag are replaced
    #[arg(long, value_name = "PREFIX", default_value = "$volume-autosnapshot-",
          value_parser = trimmed)]
    pub volume_prefix: String,

    /// Check the droplets of every job of this TOML file (see the run's --config), each with
    /// its tag, prefix and regions, instead of -t, -p and -r
    #[arg(long, value_name = "FILE", value_parser = trimmed_path,
          conflicts_with_all = ["tag", "prefix", "regions"])]
    pub config: Option<PathBuf>,

    /// With --config: check only the job of this name
    #[arg(long, value_name = "NAME", value_parser = trimmed, requires = "config")]
    pub job: Option<String>,

    /// CRITICAL when a droplet's newest snapshot is at least this old (e.g. 1d, or more than
    /// the run's -s to allow for a late run)
    #[arg(long, value_name = "AGE", value_parser = parse_positive_span, allow_hyphen_values = true)]
    pub max_age: Span,
}

/// The `--help` heading of the flags shared with `status`.
const SHARED: &str = "API and output (before or after a subcommand)";

/// The `--help` heading of the flags that make one run finish the job.
const WAITING: &str = "Waiting, powered-off snapshots and hooks";

/// Parses the command line (already `normalize`d). A flag of the run given with a subcommand
/// is refused rather than silently ignored (`do-snapshot -s 1d status` would look like a
/// run); the shared flags (`Global`) may come anywhere.
pub fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let mut command = Cli::command();
    let matches = match command.try_get_matches_from_mut(args) {
        // The run takes no word of its own, so a stray one (a token pasted in the wrong place,
        // say) is an unexpected argument, as it was before there were subcommands.
        Err(e) if e.kind() == ErrorKind::InvalidSubcommand => {
            let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidSubcommand) else {
                return Err(e);
            };
            return Err(command.error(
                ErrorKind::UnknownArgument,
                format!(
                    "unexpected argument '{word}' found (the subcommands are status, \
                     completions and man)"
                ),
            ));
        }
        parsed => parsed?,
    };
    // A flag typed on the command line that `allowed` does not let through, as written.
    let stray = |allowed: &dyn Fn(&str) -> bool| {
        command
            .get_arguments()
            .filter(|a| !a.is_global_set() && !allowed(a.get_id().as_str()))
            .find(|a| matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
            .map(|arg| {
                arg.get_long().map_or_else(
                    || format!("-{}", arg.get_short().unwrap_or('?')),
                    |l| format!("--{l}"),
                )
            })
    };
    if let Some(sub) = matches.subcommand_name()
        && let Some(flag) = stray(&|_| false)
    {
        return Err(command.error(
            ErrorKind::ArgumentConflict,
            format!(
                "{flag} is a flag of the run and cannot be used with `{sub}`; see do-snapshot \
                 {sub} --help"
            ),
        ));
    }
    let config = matches.value_source("config") == Some(ValueSource::CommandLine);
    if config && let Some(flag) = stray(&|id| WITH_CONFIG.contains(&id)) {
        return Err(command.error(
            ErrorKind::ArgumentConflict,
            format!(
                "{flag} cannot be used with --config: the jobs are the file's; set it in a \
                 [[job]] table ({}) instead",
                flag.trim_start_matches('-').replace('-', "_")
            ),
        ));
    }
    Cli::from_arg_matches(&matches).map_err(|e| e.with_cmd(&command))
}

/// The `--help` heading of the flags that shape and report a simulation.
const SIMULATION: &str = "Simulation (with --simulate)";

/// Arguments as clap should see them. The seed's own Kubernetes CronJob passes an option and
/// its value as one argument (`- -s 1d`), which works there because the original strips the
/// whitespace around values; here every value parser trims, and a long option written with its
/// value after a space (`--tag web`) is split in two.
pub fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let command = Cli::command();
    let longs: Vec<String> = command
        .get_arguments()
        .chain(command.get_subcommands().flat_map(|c| c.get_arguments()))
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    let mut out = Vec::new();
    for arg in args {
        let split = arg.to_str().and_then(|text| {
            let (flag, value) = text.trim().split_once(char::is_whitespace)?;
            longs
                .iter()
                .any(|l| l == flag)
                .then(|| [flag.to_string(), value.trim().to_string()])
        });
        match split {
            Some(pair) => out.extend(pair.map(OsString::from)),
            None => out.push(arg),
        }
    }
    out
}

fn trimmed(text: &str) -> Result<String, String> {
    Ok(text.trim().to_string())
}

fn trimmed_path(text: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(text.trim()))
}

fn parse_count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of 0 or more"))
}

/// Reads a number that `ok` accepts; or says that `text` is not `what` is accepted.
fn number<T: std::str::FromStr>(
    text: &str,
    ok: impl Fn(&T) -> bool,
    what: &str,
) -> Result<T, String> {
    text.trim()
        .parse()
        .ok()
        .filter(ok)
        .ok_or_else(|| format!("`{text}` is not {what}"))
}

fn parse_timeout(text: &str) -> Result<u64, String> {
    number(
        text,
        |s| (1..=3600).contains(s),
        "a whole number of seconds from 1 to 3600",
    )
}

/// Seconds, whole or not (`0.5` is accepted: hooks and tests may want less than a second), more
/// than zero and at most a week.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= 604_800.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!("`{text}` is not a number of seconds above 0 and at most 604800 (a week)")
        })
}

fn parse_positive(text: &str) -> Result<usize, String> {
    number(text, |n| *n >= 1, "a whole number of 1 or more")
}

/// A model's seconds: a whole number from 0 to 86400 (a day).
fn parse_model_seconds(text: &str) -> Result<i64, String> {
    number(
        text,
        |s| (0..=86_400).contains(s),
        "a whole number of seconds from 0 to 86400 (a day)",
    )
}

fn parse_probability(text: &str) -> Result<f64, String> {
    number(
        text,
        |p| (0.0..=1.0).contains(p),
        "a probability from 0 to 1, e.g. 0.05",
    )
}

fn parse_seed(text: &str) -> Result<u64, String> {
    number(text, |_| true, "a whole number of 0 or more")
}

fn parse_size(text: &str) -> Result<f64, String> {
    number(
        text,
        |gb| *gb > 0.0 && *gb <= 1_000_000.0,
        "a size in GB above 0 and at most 1000000",
    )
}

fn parse_price(text: &str) -> Result<f64, String> {
    number(
        text,
        |usd| (0.0..=1_000.0).contains(usd),
        "a price in USD from 0 to 1000, e.g. 0.06",
    )
}

fn parse_outage(text: &str) -> Result<(Span, Span), String> {
    let (start, duration) =
        parse_pair(text.trim(), "START", "DURATION").map_err(|e| e.to_string())?;
    longer_than_zero("DURATION", duration)?;
    Ok((start, duration))
}

fn parse_span(text: &str) -> Result<Span, String> {
    Span::parse(text.trim()).map_err(|e| e.to_string())
}

fn parse_positive_span(text: &str) -> Result<Span, String> {
    Span::parse_positive(text.trim()).map_err(|e| e.to_string())
}

fn parse_rule(text: &str) -> Result<Rule, String> {
    Rule::parse(text.trim()).map_err(|e| e.to_string())
}

fn parse_schedule(text: &str) -> Result<(Span, Span), String> {
    let (every, duration) =
        parse_pair(text.trim(), "INTERVAL", "DURATION").map_err(|e| e.to_string())?;
    longer_than_zero("INTERVAL", every)?;
    longer_than_zero("DURATION", duration)?;
    Ok((every, duration))
}

/// Refuses a zero `span` where a length of time is needed, naming the half (`name`).
fn longer_than_zero(name: &str, span: Span) -> Result<(), String> {
    if span.seconds() == 0 {
        return Err(format!(
            "{name} `{span}` must be longer than zero; units: {UNITS_HELP}"
        ));
    }
    Ok(())
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text.trim()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_seed_example_line() {
        let cli = Cli::try_parse_from([
            "do-snapshot",
            "--token",
            "/dev/null",
            "-s",
            "1d",
            "-r",
            "lon1",
            "-k",
            "3d:1d",
            "-k",
            "1w:1w",
            "-k",
            "1m:2m",
            "-k",
            "0d:6m",
        ])
        .unwrap();
        assert_eq!(cli.keep.len(), 4);
        assert_eq!(cli.regions, ["lon1"]);
        assert_eq!(cli.owner.tag, "autosnapshot");
        assert_eq!(cli.owner.prefix, "$droplet-autosnapshot-");
    }

    #[test]
    fn values_with_surrounding_whitespace_work() {
        // The seed's CronJob arguments, one list item per option and value.
        let args = [
            "do-snapshot",
            "--token",
            "/secret/token",
            "-s 1d",
            "-r lon1",
            "-k 3d:1d",
            "-k 1w:1w ",
            "--tag web",
            "--max-delete 5",
        ];
        let cli = Cli::try_parse_from(normalize(args.map(OsString::from))).unwrap();
        assert_eq!(cli.snapshot, Span::parse("1d").ok());
        assert_eq!(cli.regions, ["lon1"]);
        assert_eq!(cli.keep.len(), 2);
        assert_eq!((cli.owner.tag.as_str(), cli.max_delete), ("web", Some(5)));
    }

    #[test]
    fn the_shared_flags_work_before_or_after_status() {
        let parse = |args: &[&str]| parse(&normalize(args.iter().map(OsString::from)));
        for args in [
            &[
                "do-snapshot",
                "--json",
                "--token",
                "t",
                "-v",
                "status",
                "--max-age",
                "1d",
            ][..],
            &[
                "do-snapshot",
                "status",
                "--max-age 1d",
                "--json",
                "--token",
                "t",
                "-v",
            ][..],
        ] {
            let cli = parse(args).unwrap();
            assert!(matches!(cli.command, Some(Command::Status(_))));
            assert!(cli.global.json && cli.global.verbose == 1);
            assert_eq!(cli.global.token.as_deref(), Some("t"));
        }
        // A run's flag with a subcommand is refused, not ignored; and the run still needs -s.
        assert!(parse(&["do-snapshot", "-s", "1d", "status", "--max-age", "1d"]).is_err());
        assert!(parse(&["do-snapshot", "status"]).is_err());
        assert!(parse(&["do-snapshot", "--token", "t"]).is_err());
        assert!(
            parse(&["do-snapshot", "-s", "1d"])
                .unwrap()
                .command
                .is_none()
        );
    }

    #[test]
    fn simulate_needs_positive_halves() {
        assert!(
            parse_schedule("0h:1w")
                .unwrap_err()
                .contains("INTERVAL `0h`")
        );
        assert!(
            parse_schedule("1h:0d")
                .unwrap_err()
                .contains("DURATION `0d`")
        );
        assert!(parse_schedule("4h:3m").is_ok());
    }
}
