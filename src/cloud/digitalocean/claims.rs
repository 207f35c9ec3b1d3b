//! Checking the snapshot listing against what each droplet says it has. A droplet's
//! `snapshot_ids` missing from the listing may mean the listing is short (a snapshot that would
//! change the policy's choices is invisible), or only that the snapshot is gone or not listable
//! (deleted a moment ago, still being made). Each such id is looked up on its own to tell which;
//! one that exists is returned, so it counts when deciding whether a snapshot is due, while its
//! droplet's deletions are withheld (the listing it came from was short).

use std::collections::BTreeSet;

use super::http::{Http, Method, Repeat};
use super::wire;
use crate::cloud::{HoldBack, Unreadable};
use crate::core::model::Snapshot;

/// Missing ids looked up one by one at most, per run; past that the droplet is held back.
const MAX_LOOKUPS: usize = 10;

/// Problems for droplets that no longer name a snapshot a listing read before them shows: it
/// was deleted since (by someone else, or the listing is older than the droplet's state), so
/// the listing is out of date for that droplet and its deletions must wait.
pub fn gone_since(claimed: &[(u64, Vec<u64>)], listed: &[Snapshot]) -> Vec<Unreadable> {
    let mut problems = Vec::new();
    for (droplet, ids) in claimed {
        let gone = listed
            .iter()
            .find(|s| s.droplet_id == *droplet && !ids.contains(&s.id));
        if let Some(s) = gone {
            problems.push(Unreadable {
                holds_back: HoldBack::Droplet(*droplet),
                problem: format!(
                    "droplet {droplet} no longer names snapshot {} ({}), which the snapshot \
                     listing read earlier in this run shows: it may have been deleted since, so \
                     that listing is out of date for this droplet",
                    s.id,
                    crate::sanitize::Clean(&s.name)
                ),
            });
        }
    }
    problems
}

/// Problems for droplets whose claimed snapshots the listing lacks although they exist, and
/// those snapshots, where they could be read.
pub fn check(
    http: &mut Http,
    claimed: Vec<(u64, Vec<u64>)>,
    listed: &BTreeSet<u64>,
) -> (Vec<Unreadable>, Vec<Snapshot>) {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    let mut lookups = 0;
    for (droplet, ids) in claimed {
        for id in ids.into_iter().filter(|id| !listed.contains(id)) {
            lookups += 1;
            let verdict = if lookups > MAX_LOOKUPS {
                Some(format!(
                    "droplet {droplet} names snapshot {id}, which the snapshot listing lacks \
                     (too many such snapshots to look up in one run)"
                ))
            } else {
                look_up(http, droplet, id, &mut found)
            };
            if let Some(problem) = verdict {
                problems.push(Unreadable {
                    holds_back: HoldBack::Droplet(droplet),
                    problem,
                });
                break;
            }
        }
    }
    (problems, found)
}

/// `None` when the snapshot is gone or is not a listable snapshot; otherwise what is wrong.
/// A snapshot that exists is added to `found`.
fn look_up(http: &mut Http, droplet: u64, id: u64, found: &mut Vec<Snapshot>) -> Option<String> {
    let path = format!("/v2/snapshots/{id}");
    match http.call(&Method::Get, &path, Repeat::Safe) {
        Ok(reply) if matches!(reply.status, 400 | 404) => {
            tracing::debug!("droplet {droplet} names snapshot {id}, which is gone: ignored");
            None
        }
        Ok(reply) if reply.status == 200 => {
            let snapshot = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| wire::snapshot(v.get("snapshot")?).ok());
            found.extend(snapshot);
            Some(format!(
                "droplet {droplet} has snapshot {id}, but the snapshot listing lacks it (the \
                 listing may have changed while it was read)"
            ))
        }
        Ok(reply) => Some(format!(
            "droplet {droplet} names snapshot {id}, which the snapshot listing lacks, and \
             looking it up gave {}",
            reply.status
        )),
        Err(failed) => Some(format!(
            "droplet {droplet} names snapshot {id}, which the snapshot listing lacks, and \
             looking it up failed: {}",
            failed.error
        )),
    }
}
