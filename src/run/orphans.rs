//! Orphans: owned snapshots whose droplet (or, with `--volumes`, volume) no longer exists.
//! Neither the seed nor a run without this would ever look at them again, while DigitalOcean
//! bills them every month. A snapshot is a candidate when its name is the prefix template with
//! any name in place of `$droplet` (and `$volume`) followed by a real UTC time, and its droplet
//! is not among the tagged ones; it is an orphan only once the API answers 404 for that droplet
//! (asked once per run). A droplet that still exists but lost the tag is not an orphan.
//!
//! `--orphans report` (the default) lists them; `prune` applies the policy to each former
//! droplet's snapshots as if it were still tagged, always keeping its newest; `keep` says
//! nothing.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::Options;
use super::act::{deleted_verb, settle_into};
use super::outcome::{DeletedSnapshot, OrphanReport, OrphanSnapshot};
use crate::cloud::{Cloud, CloudError, Deleted};
use crate::core::model::{Snapshot, VolumeSnapshot};
use crate::core::naming::{Prefix, PrefixTemplate};
use crate::core::plan::{Settings, Subject, plan};
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// What to do about orphans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// List them in the report; delete nothing.
    #[default]
    Report,
    /// Prune them under the policy, keeping each former droplet's newest.
    Prune,
    /// Say nothing about them.
    Keep,
}

/// What a candidate's snapshots belonged to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Former {
    Droplet(u64),
    Volume(String),
}

/// Snapshots that may be orphans: one former droplet's or volume's, under one prefix.
#[derive(Debug)]
pub struct Candidate {
    former: Former,
    /// Its name, as the snapshots' names give it.
    name: String,
    prefix: Prefix,
    /// Its snapshots, oldest first, each numbered by its place here.
    snapshots: Vec<Snapshot>,
    /// For a volume's, their UUIDs by number.
    uuids: Vec<String>,
}

/// Droplet snapshots named by `template` whose droplet is not a tagged one.
pub fn droplet_candidates(
    snapshots: &[Snapshot],
    tagged: &HashSet<u64>,
    template: &PrefixTemplate,
    tag: &str,
) -> Vec<Candidate> {
    let mut groups: BTreeMap<(u64, String), Candidate> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| !tagged.contains(&s.droplet_id)) {
        let Some((prefix, name)) = template.former(s, tag) else {
            continue;
        };
        let key = (s.droplet_id, name.clone());
        let group = groups.entry(key).or_insert_with(|| Candidate {
            former: Former::Droplet(s.droplet_id),
            name,
            prefix,
            snapshots: Vec::new(),
            uuids: Vec::new(),
        });
        group.snapshots.push(s.clone());
    }
    groups.into_values().map(sorted).collect()
}

/// Volume snapshots named by `template` whose volume is not in the account's listing.
pub fn volume_candidates(
    snapshots: &[VolumeSnapshot],
    volumes: &HashSet<&str>,
    template: &PrefixTemplate,
    tag: &str,
) -> Vec<Candidate> {
    let mut groups: BTreeMap<(String, String), Candidate> = BTreeMap::new();
    for v in snapshots
        .iter()
        .filter(|v| !volumes.contains(v.volume_id.as_str()))
    {
        let s = v.as_snapshot(0);
        let Some((prefix, name)) = template.former(&s, tag) else {
            continue;
        };
        let key = (v.volume_id.clone(), name.clone());
        let group = groups.entry(key).or_insert_with(|| Candidate {
            former: Former::Volume(v.volume_id.clone()),
            name,
            prefix,
            snapshots: Vec::new(),
            uuids: Vec::new(),
        });
        group.snapshots.push(s);
        group.uuids.push(v.id.clone());
    }
    groups.into_values().map(sorted).collect()
}

/// Orders a candidate's snapshots by time and numbers them by their place.
fn sorted(mut c: Candidate) -> Candidate {
    let mut order: Vec<usize> = (0..c.snapshots.len()).collect();
    order.sort_by_key(|i| c.snapshots[*i].time());
    let snapshots: Vec<Snapshot> = order.iter().map(|i| c.snapshots[*i].clone()).collect();
    if !c.uuids.is_empty() {
        c.uuids = order.iter().map(|i| c.uuids[*i].clone()).collect();
    }
    c.snapshots = snapshots;
    c
}

/// Confirms which candidates are orphans (their droplet or volume answers 404) and, with
/// `prune`, prunes them. `withheld` stops every deletion (the listing as a whole could not be
/// trusted); `held` stops those of the droplets named.
#[allow(clippy::too_many_arguments)]
pub fn settle(
    cloud: &mut dyn Cloud,
    candidates: Vec<Candidate>,
    settings: &Settings,
    options: &Options,
    now: Timestamp,
    budget: &mut usize,
    withheld: Option<&String>,
    held: &dyn Fn(u64) -> Option<String>,
    held_volume: &dyn Fn(&str) -> Option<String>,
) -> (Vec<OrphanReport>, Option<CloudError>) {
    let mut gone: BTreeMap<Former, bool> = BTreeMap::new();
    let mut reports = Vec::new();
    for c in candidates {
        let is_gone = match gone.get(&c.former) {
            Some(known) => *known,
            None => {
                let exists = match &c.former {
                    Former::Droplet(id) => cloud.droplet_exists(*id),
                    Former::Volume(id) => cloud.volume_exists(id),
                };
                match exists {
                    Ok(exists) => {
                        gone.insert(c.former.clone(), !exists);
                        !exists
                    }
                    Err(e) if e.is_fatal() => return (reports, Some(e)),
                    Err(e) => {
                        // Not known to be gone: nothing is said or done about it this run.
                        tracing::warn!(
                            "could not tell whether {} still exists: {e}",
                            describe(&c.former)
                        );
                        continue;
                    }
                }
            }
        };
        if !is_gone {
            continue;
        }
        let mut report = new_report(&c);
        if options.orphans == Mode::Prune {
            let withheld = withheld.cloned().or_else(|| match c.former {
                Former::Droplet(id) => held(id),
                Former::Volume(ref id) => held_volume(id),
            });
            if let Err(e) = prune(
                cloud,
                &c,
                settings,
                options,
                now,
                budget,
                withheld,
                &mut report,
            ) {
                reports.push(report);
                return (reports, Some(e));
            }
        }
        reports.push(report);
    }
    (reports, None)
}

fn describe(former: &Former) -> String {
    match former {
        Former::Droplet(id) => format!("droplet {id}"),
        Former::Volume(id) => format!("volume {}", Clean(id)),
    }
}

/// The orphan's id as the API writes it: a number for a droplet, a UUID for a volume.
fn id_value(c: &Candidate, n: usize) -> Value {
    match c.former {
        Former::Droplet(_) => Value::from(c.snapshots[n].id),
        Former::Volume(_) => Value::from(c.uuids[n].clone()),
    }
}

fn new_report(c: &Candidate) -> OrphanReport {
    let size: f64 = c.snapshots.iter().map(|s| s.size_gigabytes).sum();
    let (id, droplet_id, volume_id) = match &c.former {
        Former::Droplet(id) => (Value::from(*id), Some(*id), None),
        Former::Volume(id) => (Value::from(id.clone()), None, Some(id.clone())),
    };
    tracing::warn!(
        "{} ({}) no longer exists; its {} snapshot(s) remain, {size:.2} GB",
        describe(&c.former),
        Clean(&c.name),
        c.snapshots.len()
    );
    OrphanReport {
        kind: match c.former {
            Former::Droplet(_) => "droplet",
            Former::Volume(_) => "volume",
        },
        id,
        droplet_id,
        volume_id,
        name: c.name.clone(),
        snapshots: c
            .snapshots
            .iter()
            .enumerate()
            .map(|(n, s)| OrphanSnapshot {
                id: id_value(c, n),
                name: s.name.clone(),
                created_at: s.time(),
                size_gigabytes: s.size_gigabytes,
            })
            .collect(),
        size_gigabytes: size,
        monthly_cost: 0.0,
        deleted: Vec::new(),
        deletes_withheld: None,
        held_back: 0,
        errors: Vec::new(),
    }
}

/// Applies the policy to an orphan's snapshots as if its droplet were still tagged; the
/// planner never deletes the newest.
#[allow(clippy::too_many_arguments)]
fn prune(
    cloud: &mut dyn Cloud,
    c: &Candidate,
    settings: &Settings,
    options: &Options,
    now: Timestamp,
    budget: &mut usize,
    withheld: Option<String>,
    report: &mut OrphanReport,
) -> Result<(), CloudError> {
    let mut numbered = c.snapshots.clone();
    for (n, s) in numbered.iter_mut().enumerate() {
        s.id = n as u64;
    }
    let subject = Subject {
        id: 0,
        name: &c.name,
        // Nothing is ever taken of an orphan.
        locked: true,
        status: "",
        prefix: c.prefix.clone(),
        regions: &[],
    };
    let plan = plan(subject, &numbered, settings, now);
    let withheld = withheld.or_else(|| {
        plan.disputed
            .first()
            .map(|p| format!("the listing has a problem: {p}"))
    });
    if let (Some(why), false) = (&withheld, plan.deletes.is_empty()) {
        tracing::error!(
            "{}: deleting nothing ({} wanted by the policy) because {why}",
            describe(&c.former),
            plan.deletes.len()
        );
        report.deletes_withheld = withheld;
        return Ok(());
    }
    for doomed in plan.deletes {
        if *budget == 0 {
            report.held_back += 1;
            continue;
        }
        let n = doomed.id as usize;
        let outcome = if options.dry_run {
            Ok(Deleted::Now)
        } else {
            match &c.former {
                Former::Droplet(_) => cloud.delete_snapshot(c.snapshots[n].id),
                Former::Volume(_) => cloud.delete_volume_snapshot(&c.uuids[n]),
            }
        };
        let Some(outcome) = settle_into(outcome, &mut report.errors)? else {
            continue;
        };
        *budget -= 1;
        tracing::info!(
            "{} (no longer exists): {} snapshot {} under -k {}",
            describe(&c.former),
            deleted_verb(options.dry_run),
            Clean(&doomed.name),
            doomed.rule
        );
        report.size_gigabytes -= doomed.size_gigabytes;
        report.deleted.push(DeletedSnapshot {
            id: id_value(c, n),
            name: doomed.name,
            created_at: doomed.created_at,
            rule: doomed.rule,
            size_gigabytes: doomed.size_gigabytes,
            already_gone: outcome == Deleted::AlreadyGone,
        });
    }
    Ok(())
}
