//! `--config FILE`: several jobs in one run, written in TOML instead of one cron line per tag.
//!
//! ```toml
//! token = "/etc/do-snapshot/token"   # as --token; optional
//! [[job]]
//! name = "web"
//! tag = "web"
//! snapshot = "1d"
//! keep = ["3d:1d", "1w:1w", "1m:2m", "0d:6m"]
//! regions = ["lon1"]
//! ```
//!
//! Every value is checked by the same rules as its command-line flag, and a mistake is reported
//! with the file's name, the line and column, the key and what it accepts. Unknown keys are
//! refused: a misspelt `keep` must not silently mean "keep everything".

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Job, JobArgs};
use crate::cli::Global;
use crate::core::policy::Rule;
use crate::core::span::Span;
use crate::run::Orphans;
use crate::sanitize::Clean;

/// The largest config file read: a typo'd path to a huge file must not eat the memory.
const MAX_SIZE: u64 = 1024 * 1024;

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// As `--token`: the token, or the path of a file holding it.
    token: Option<Spanned<String>>,
    /// As `--timeout`, in seconds.
    timeout: Option<Spanned<u64>>,
    /// As `--lock-file`.
    lock_file: Option<Spanned<String>>,
    /// As `--price-per-gb`, for every job.
    price_per_gb: Option<Spanned<f64>>,
    #[serde(default)]
    job: Vec<Spanned<Table>>,
}

/// One `[[job]]` table: the run's flags, by their long names with `_` for `-`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: Spanned<String>,
    tag: Option<Spanned<String>>,
    prefix: Option<Spanned<String>>,
    snapshot: Spanned<String>,
    #[serde(default)]
    keep: Vec<Spanned<String>>,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    max_delete: Option<Spanned<u64>>,
    wait: Option<bool>,
    wait_timeout: Option<Spanned<f64>>,
    power_off: Option<bool>,
    shutdown_timeout: Option<Spanned<f64>>,
    max_down: Option<Spanned<u64>>,
    hook: Option<Spanned<String>>,
    hook_timeout: Option<Spanned<f64>>,
    volumes: Option<bool>,
    volume_prefix: Option<Spanned<String>>,
    orphans: Option<Spanned<String>>,
    /// As the file's `price_per_gb`, for this job.
    price_per_gb: Option<Spanned<f64>>,
}

/// The file's settings beside its jobs.
#[derive(Debug)]
pub struct Settings {
    token: Option<String>,
    timeout: Option<u64>,
    lock_file: Option<PathBuf>,
}

impl Settings {
    /// Fills in what the command line left out; returns the file's lock file, if it names one.
    pub fn apply(&self, global: &mut Global) -> Option<PathBuf> {
        if global.token.is_none() {
            global.token.clone_from(&self.token);
        }
        if global.timeout.is_none() {
            global.timeout = self.timeout;
        }
        self.lock_file.clone()
    }
}

/// Reads and checks the file: its settings, and its jobs, each with where it starts
/// (`FILE:LINE:COLUMN`) for the messages of later checks.
pub fn read(path: &Path) -> Result<(Settings, Vec<(JobArgs, String)>), ConfigError> {
    let shown = path.display().to_string();
    let cannot = |why: String| ConfigError::File(format!("--config {shown}: {why}"));
    let size = std::fs::metadata(path)
        .map_err(|e| cannot(format!("cannot read it: {e}")))?
        .len();
    if size > MAX_SIZE {
        return Err(cannot(format!(
            "it is {size} bytes; a config file is at most 1 MiB"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| cannot(format!("cannot read it: {e}")))?;
    let at = |span: Range<usize>| format!("{shown}:{}", place(&text, span.start));
    let file: File = toml::from_str(&text).map_err(|e| {
        let place = e.span().map_or_else(|| shown.clone(), &at);
        ConfigError::File(format!("{place}: {}", e.message().trim()))
    })?;
    let wrong = |value_at: Range<usize>, key: &str, why: String| {
        ConfigError::File(format!("{}: `{key}`: {why}", at(value_at)))
    };
    if file.job.is_empty() {
        return Err(cannot(
            "it has no [[job]] table; each job needs at least `name`, `tag` and `snapshot`"
                .to_string(),
        ));
    }
    let price = |given: &Option<Spanned<f64>>, default: f64| match given {
        Some(p) if !(p.get_ref().is_finite() && (0.0..=1000.0).contains(p.get_ref())) => {
            Err(wrong(
                p.span(),
                "price_per_gb",
                "a price in USD per GB-month is a number from 0 to 1000, e.g. 0.06".to_string(),
            ))
        }
        Some(p) => Ok(*p.get_ref()),
        None => Ok(default),
    };
    let file_price = price(&file.price_per_gb, 0.06)?;
    // In the file's order, for the message naming them.
    let mut names: Vec<String> = Vec::new();
    let mut jobs = Vec::new();
    for table in &file.job {
        let start = table.span();
        let t = table.get_ref();
        let name = t.name.get_ref().trim().to_string();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if !name_ok {
            return Err(wrong(
                t.name.span(),
                "name",
                "a job's name is 1 to 64 letters, digits, `_`, `-` or `.`".to_string(),
            ));
        }
        if names.contains(&name) {
            return Err(wrong(
                t.name.span(),
                "name",
                format!("two jobs are named `{name}`; names must differ (--job picks one)"),
            ));
        }
        names.push(name.clone());
        let args = job_args(t, name, price(&t.price_per_gb, file_price)?, &wrong)?;
        jobs.push((args, at(start)));
    }
    let settings = Settings {
        token: file.token.map(|t| t.into_inner().trim().to_string()),
        timeout: match file.timeout {
            Some(t) if !(1..=3600).contains(t.get_ref()) => {
                return Err(wrong(
                    t.span(),
                    "timeout",
                    "a whole number of seconds from 1 to 3600".to_string(),
                ));
            }
            t => t.map(Spanned::into_inner),
        },
        lock_file: file.lock_file.map(|l| PathBuf::from(l.into_inner().trim())),
    };
    Ok((settings, jobs))
}

/// One table's values, each checked by its flag's rules.
fn job_args(
    t: &Table,
    name: String,
    price_per_gb: f64,
    wrong: &dyn Fn(Range<usize>, &str, String) -> ConfigError,
) -> Result<JobArgs, ConfigError> {
    let text = |v: &Option<Spanned<String>>, default: &str| {
        v.as_ref()
            .map_or_else(|| default.to_string(), |v| v.get_ref().trim().to_string())
    };
    let snapshot = Span::parse(t.snapshot.get_ref().trim())
        .map_err(|e| wrong(t.snapshot.span(), "snapshot", e.to_string()))?;
    let keep = t
        .keep
        .iter()
        .map(|k| {
            Rule::parse(k.get_ref().trim()).map_err(|e| wrong(k.span(), "keep", e.to_string()))
        })
        .collect::<Result<Vec<Rule>, _>>()?;
    let seconds = |v: &Option<Spanned<f64>>, key: &str, default: u64| match v {
        None => Ok(Duration::from_secs(default)),
        Some(s) if s.get_ref().is_finite() && *s.get_ref() > 0.0 && *s.get_ref() <= 604_800.0 => {
            Ok(Duration::from_secs_f64(*s.get_ref()))
        }
        Some(s) => Err(wrong(
            s.span(),
            key,
            "a number of seconds above 0 and at most 604800 (a week)".to_string(),
        )),
    };
    let max_down = match &t.max_down {
        None => 1,
        Some(n) if *n.get_ref() >= 1 => *n.get_ref() as usize,
        Some(n) => {
            return Err(wrong(
                n.span(),
                "max_down",
                "a whole number of 1 or more".to_string(),
            ));
        }
    };
    let orphans = match &t.orphans {
        None => Orphans::Report,
        Some(o) => match o.get_ref().trim() {
            "report" => Orphans::Report,
            "prune" => Orphans::Prune,
            "keep" => Orphans::Keep,
            _ => {
                return Err(wrong(
                    o.span(),
                    "orphans",
                    "one of \"report\", \"prune\" or \"keep\"".to_string(),
                ));
            }
        },
    };
    Ok(JobArgs {
        name: Some(name),
        tag: text(&t.tag, "autosnapshot"),
        prefix: text(&t.prefix, "$droplet-autosnapshot-"),
        regions: t
            .regions
            .iter()
            .map(|r| r.get_ref().trim().to_string())
            .collect(),
        snapshot,
        keep,
        max_delete: t.max_delete.as_ref().map(|m| *m.get_ref() as usize),
        wait: t.wait.unwrap_or(false),
        wait_timeout: seconds(&t.wait_timeout, "wait_timeout", 7_200)?,
        power_off: t.power_off.unwrap_or(false),
        shutdown_timeout: seconds(&t.shutdown_timeout, "shutdown_timeout", 120)?,
        max_down,
        hook: t.hook.as_ref().map(|h| h.get_ref().clone()),
        hook_timeout: seconds(&t.hook_timeout, "hook_timeout", 300)?,
        volumes: t.volumes.unwrap_or(false),
        volume_prefix: text(&t.volume_prefix, "$volume-autosnapshot-"),
        orphans,
        price_per_gb,
    })
}

/// The job `only` names, or all of them; a name the file lacks is refused, naming the file's.
pub fn pick(jobs: Vec<Job>, only: Option<&str>, path: &Path) -> Result<Vec<Job>, ConfigError> {
    let Some(only) = only else {
        return Ok(jobs);
    };
    if jobs.iter().any(|j| j.name.as_deref() == Some(only)) {
        return Ok(jobs
            .into_iter()
            .filter(|j| j.name.as_deref() == Some(only))
            .collect());
    }
    let known: Vec<String> = jobs
        .iter()
        .map(|j| format!("`{}`", j.name.as_deref().unwrap_or("")))
        .collect();
    Err(ConfigError::File(format!(
        "--job `{}`: {} has no such job; its jobs are {}",
        Clean(only),
        path.display(),
        known.join(", ")
    )))
}

/// `LINE:COLUMN` (from 1) of a byte offset.
fn place(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{column}")
}

/// Refuses two jobs that would own the same snapshots whatever droplets carry their tags:
/// the same tag and the same prefix. (Jobs of different tags can still meet on a droplet that
/// carries both; the run checks that against the account before it does anything.)
pub fn check_apart(jobs: &[Job], path: &Path) -> Result<(), ConfigError> {
    for (i, a) in jobs.iter().enumerate() {
        for b in &jobs[i + 1..] {
            let volumes_too = match (&a.options.volumes, &b.options.volumes) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            };
            let same = a.settings.tag == b.settings.tag
                && (a.settings.prefix == b.settings.prefix || volumes_too);
            // Two jobs pruning orphans named alike would each prune the other's former
            // droplets under its own policy.
            let pruning = a.options.orphans == Orphans::Prune
                && b.options.orphans == Orphans::Prune
                && !a.settings.prefix.has_tag()
                && a.settings.prefix == b.settings.prefix;
            if pruning {
                return Err(ConfigError::File(format!(
                    "--config {}: jobs `{}` and `{}` both prune orphans named by the same \
                     prefix, which has no $tag: a destroyed droplet's snapshots could not be \
                     told to be either's; put $tag in their prefixes",
                    path.display(),
                    a.name.as_deref().unwrap_or(""),
                    b.name.as_deref().unwrap_or(""),
                )));
            }
            if same {
                return Err(ConfigError::File(format!(
                    "--config {}: jobs `{}` and `{}` both manage tag `{}` with the same prefix \
                     (or volume prefix), so each would prune the other's snapshots; give one a \
                     different tag, or prefixes that differ",
                    path.display(),
                    a.name.as_deref().unwrap_or(""),
                    b.name.as_deref().unwrap_or(""),
                    a.settings.tag
                )));
            }
        }
    }
    Ok(())
}

/// The default lock file's name for a config file: one lock for all its jobs, named by a hash
/// of the file's full path, so two files never share one.
pub fn lock_name(uid: u32, path: &Path) -> String {
    let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    // FNV-1a: stable across builds and platforms.
    let hash = full
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("do-snapshot-{uid}-config-{hash:016x}.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Vec<JobArgs>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        std::fs::write(&path, text).unwrap();
        read(&path)
            .map(|(_, jobs)| jobs.into_iter().map(|(j, _)| j).collect())
            .map_err(|e| e.to_string().replace(&path.display().to_string(), "F"))
    }

    #[test]
    fn reads_jobs() {
        let jobs = read_text(
            "token = \"/t\"\n[[job]]\nname = \"web\"\ntag = \"web\"\nsnapshot = \"1d\"\n\
             keep = [\"1w:1w\", \"0d:1m\"]\nregions = [\"lon1\"]\n\n[[job]]\nname = \"db\"\n\
             tag = \"db\"\nsnapshot = \"12h\"\npower_off = true\nmax_down = 2\n",
        )
        .unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].keep.len(), 2);
        assert_eq!(jobs[0].regions, ["lon1"]);
        assert!(jobs[1].power_off);
        assert_eq!(jobs[1].max_down, 2);
    }

    #[test]
    fn mistakes_name_the_line_column_and_key() {
        let cases = [
            (
                "[[job]]\nname = \"web\"\nsnapshot = \"1d\"\nkeep = [\"1w:1w\", \"2x:1d\"]\n",
                "F:4:18: `keep`",
            ),
            (
                "[[job]]\nname = \"web\"\nsnapshot = \"soon\"\n",
                "F:3:12: `snapshot`",
            ),
            (
                "[[job]]\nname = \"web\"\nsnapshot = \"1d\"\nkepp = [\"1d:1d\"]\n",
                "F:4:1",
            ),
            ("[[job]]\nname = \"web\"\n", "F:1:1"),
            (
                "[[job]]\nname = \"a\"\nsnapshot = \"1d\"\n[[job]]\nname = \"a\"\nsnapshot = \"1d\"\n",
                "F:5:8: `name`",
            ),
            (
                "[[job]]\nname = \"web\"\nsnapshot = \"1d\"\norphans = \"all\"\n",
                "F:4:11: `orphans`",
            ),
            ("token = 3\n", "F:1:9"),
            ("", "no [[job]] table"),
        ];
        for (text, expected) in cases {
            let error = read_text(text).unwrap_err();
            assert!(
                error.starts_with(expected) || error.contains(expected),
                "{text:?}: {error}"
            );
        }
    }
}
