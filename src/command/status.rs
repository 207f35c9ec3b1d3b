//! `status`: reads the droplets carrying the tag and the account's snapshots (two listings,
//! no lock, nothing changed) and answers as a Nagios plugin does: the verdict on the first
//! line of stdout and as the exit code. Anything that keeps the answer from being sure (the
//! API unreachable, the token refused, a listing incomplete or holding an unreadable item)
//! is UNKNOWN, never OK.

use std::collections::BTreeSet;
use std::process::ExitCode;

use super::local_now;
use crate::cli::{Global, StatusArgs};
use crate::cloud::digitalocean::DigitalOcean;
use crate::cloud::{Cloud, HoldBack};
use crate::config::{Env, StatusCheck, StatusConfig};
use crate::core::model::{of_droplet, sort_by_droplet};
use crate::core::status::{Check, Level, Status, droplet_status, overall, volume_status};
use crate::sanitize::Clean;
use crate::{output, report};

/// Checks, prints the verdict, and returns it as the exit code.
pub fn main(args: &StatusArgs, global: &Global, env: &Env) -> ExitCode {
    // A plugin that cannot run as configured answers UNKNOWN (not the run's usage code).
    let config = match StatusConfig::from_cli(args, global, env) {
        Ok(c) => c,
        Err(e) => return unknown(&e.to_string(), global.json),
    };
    config.api.token.protect_output();
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let mut cloud = DigitalOcean::new(config.api.clone(), local_now);
    let status = match read(&mut cloud, &config) {
        Ok(status) => status,
        Err(e) => return unknown(&format!("the API could not be read: {e}"), config.json),
    };
    let text = if config.json {
        report::json_text(&report::status_json(&status))
    } else {
        report::status_text(&status)
    };
    output::stdout(&text);
    status.level.into()
}

/// Reads the account and judges every droplet of every tag asked about; the verdict is the
/// gravest.
fn read(cloud: &mut dyn Cloud, config: &StatusConfig) -> Result<Status, crate::cloud::CloudError> {
    let Some((first, rest)) = config.checks.split_first() else {
        return Err(crate::cloud::CloudError::Untrusted(
            "no tag to check".to_string(),
        ));
    };
    let mut all = read_tag(cloud, config, first)?;
    for check in rest {
        let status = read_tag(cloud, config, check)?;
        all.level = all.level.max(status.level);
        all.tag = format!("{}, {}", all.tag, status.tag);
        for r in status.regions {
            if !all.regions.contains(&r) {
                all.regions.push(r);
            }
        }
        all.droplets.extend(status.droplets);
        all.problems.extend(status.problems);
    }
    Ok(all)
}

/// The droplets of one tag.
fn read_tag(
    cloud: &mut dyn Cloud,
    config: &StatusConfig,
    wanted: &StatusCheck,
) -> Result<Status, crate::cloud::CloudError> {
    let inventory = cloud.inventory(&wanted.tag)?;
    inventory.check_tag(&wanted.tag)?;
    let mut problems = Vec::new();
    let mut unsure = BTreeSet::new();
    let mut unattributed = false;
    for item in &inventory.unreadable {
        problems.push(Clean(&item.problem).to_string());
        match item.holds_back {
            HoldBack::Droplet(id) => {
                unsure.insert(id);
            }
            // A droplet that could not be read cannot be checked; a snapshot of an unknown
            // droplet, or no clock, leaves every age unsure.
            HoldBack::Nothing | HoldBack::All => unattributed = true,
        }
    }
    let mut snapshots = inventory.snapshots;
    sort_by_droplet(&mut snapshots);
    let check = Check {
        tag: &wanted.tag,
        prefix: &wanted.prefix,
        max_age: config.max_age.seconds(),
        regions: &wanted.regions,
    };
    let now = inventory.now;
    let tagged = inventory.droplets.into_owned();
    let mut droplets: Vec<_> = tagged
        .iter()
        .map(|d| {
            let of = of_droplet(&snapshots, d.id);
            droplet_status(d, of, &check, now, unsure.contains(&d.id))
        })
        .collect();
    if let Some(template) = &wanted.volumes {
        let listing = cloud.volumes()?;
        // An unreadable entry of the volume listing leaves every volume's state unsure.
        let unsure_volumes = !listing.unreadable.is_empty();
        problems.extend(listing.unreadable.iter().map(|(_, p)| Clean(p).to_string()));
        for d in &tagged {
            for id in &d.volume_ids {
                let Some(volume) = listing.volumes.iter().find(|v| v.id == *id) else {
                    problems.push(format!(
                        "droplet {} names volume {}, which the volume listing lacks",
                        Clean(&d.name),
                        Clean(id)
                    ));
                    unattributed = true;
                    continue;
                };
                let of: Vec<_> = listing
                    .snapshots
                    .iter()
                    .filter(|s| s.volume_id == volume.id)
                    .enumerate()
                    .map(|(n, s)| s.as_snapshot(n as u64))
                    .collect();
                droplets.push(volume_status(
                    d,
                    volume,
                    &of,
                    template,
                    &check,
                    now,
                    unsure_volumes,
                ));
            }
        }
    }
    Ok(Status {
        level: overall(&droplets, unattributed),
        now,
        tag: wanted.tag.clone(),
        max_age_seconds: check.max_age,
        regions: wanted.regions.clone(),
        droplets,
        problems,
    })
}

/// UNKNOWN, and why: on stdout (where Nagios reads it), as text or JSON.
fn unknown(message: &str, json: bool) -> ExitCode {
    let text = if json {
        report::json_text(&report::unknown_json(message))
    } else {
        report::unknown_text(message)
    };
    output::stdout(&text);
    Level::Unknown.into()
}
