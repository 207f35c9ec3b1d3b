//! The real account: DigitalOcean's API v2, read with as few requests as possible and never
//! trusted further than it proved itself (complete listings, its own clock, one snapshot at a
//! time).

mod actions;
mod claims;
mod http;
mod listing;
mod retry;
mod wire;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;

use self::http::{Failed, Http, Method, Repeat, Reply};
use super::{
    Cloud, CloudError, Copying, Deleted, DropletState, HoldBack, Inventory, PowerAction, Started,
    Unreadable, VolumeInventory,
};
use crate::config::Api;
use crate::core::activity::{ActionStatus, DropletAction, RecentActions, SnapshotAction};
use crate::core::model::Snapshot;
use crate::core::span::human;
use crate::sleep::{RealSleeper, Sleeper, VirtualSleeper};
use crate::time::Timestamp;

/// How long to wait, after a snapshot request's answer was lost, before looking whether it
/// started.
const AMBIGUITY_PAUSE: std::time::Duration = std::time::Duration::from_secs(5);
/// How far the local clock may drift from the API's before the user is warned.
const CLOCK_SKEW_WARNING: i64 = 300;

/// A client for one account.
pub struct DigitalOcean {
    http: Http,
    local_clock: fn() -> Timestamp,
    /// The account's snapshot listing, read once for every job of a run (see `inventory`).
    snapshots: Option<Listed>,
}

/// One reading of the account's droplet snapshots: the readable ones, every listed id, and
/// the entries that could not be read, and when it was made (by the client's clock).
#[derive(Clone)]
struct Listed {
    snapshots: Vec<Snapshot>,
    ids: BTreeSet<u64>,
    unreadable: Vec<Unreadable>,
    read_at: Duration,
}

/// How long a reading of the snapshot listing serves later jobs of a run before it is read
/// again.
const LISTING_REUSE: Duration = Duration::from_secs(10 * 60);

impl DigitalOcean {
    pub fn new(api: Api, local_clock: fn() -> Timestamp) -> DigitalOcean {
        let sleeper: Box<dyn Sleeper> = if api.virtual_sleep {
            let advance = api.fake_clock.then(|| fake_clock(&api.base_url));
            Box::new(VirtualSleeper::new(advance))
        } else {
            Box::new(RealSleeper::default())
        };
        DigitalOcean {
            http: Http::new(api, sleeper),
            local_clock,
            snapshots: None,
        }
    }

    /// The actions on a droplet or image. One that cannot be read fails the whole call: it
    /// could be the snapshot or transfer in progress.
    fn actions(&mut self, path: &str) -> Result<Vec<wire::Action>, CloudError> {
        let items = listing::walk(&mut self.http, path, "", "actions", wire::action)?;
        items
            .into_iter()
            .map(|item| {
                item.ok_or_else(|| CloudError::Malformed {
                    request: format!("GET {path}"),
                    detail: "an action has no readable type or status".to_string(),
                })
            })
            .collect()
    }

    /// The snapshot action in progress on the droplet, or one completed that started at or
    /// after `since` (allowing a minute for clocks), if there is one.
    fn snapshot_started(
        &mut self,
        droplet_id: u64,
        since: Option<Timestamp>,
    ) -> Result<Option<u64>, CloudError> {
        let actions = self.snapshot_actions(droplet_id)?;
        Ok(actions
            .iter()
            .find(|a| {
                let recent = since.is_some_and(|s| a.started_at.is_some_and(|t| t.since(s) >= -60));
                a.status == ActionStatus::InProgress
                    || (recent && a.status == ActionStatus::Completed)
            })
            .map(|a| a.id))
    }

    /// A 422 to a snapshot request: the droplet is busy (a skip, not a failure) only when the
    /// API says it has a pending event or a snapshot is indeed under way; any other refusal
    /// (a name it rejects, say) is an error, or backups would silently stop.
    fn declined(
        &mut self,
        droplet_id: u64,
        path: &str,
        reply: Reply,
    ) -> Result<Started, CloudError> {
        let (_, message, _) = wire::error(&reply.body);
        let pending = message.to_ascii_lowercase().contains("pending event");
        // If the check fails, the refusal itself is the error worth reporting.
        let busy = pending
            || self
                .snapshot_started(droplet_id, None)
                .is_ok_and(|a| a.is_some());
        if busy {
            tracing::info!("droplet {droplet_id}: the API declined the snapshot: {message}");
            return Ok(Started::DropletBusy);
        }
        Err(reply.error(&format!("POST {path}")))
    }

    /// The API's clock, or the local one (with fail-closed pruning) if it sent none.
    fn api_now(&self, unreadable: &mut Vec<Unreadable>) -> Timestamp {
        let local = (self.local_clock)();
        let Some(api) = self.http.date else {
            unreadable.push(Unreadable {
                holds_back: HoldBack::All,
                problem: "the API's responses carry no Date header, so snapshot ages cannot be \
                          measured against its clock"
                    .to_string(),
            });
            return local;
        };
        let skew = local.since(api);
        if skew.abs() > CLOCK_SKEW_WARNING {
            tracing::warn!(
                "this machine's clock ({local}) is {} {} the API's ({api}); ages are measured by \
                 the API's clock, but check the local time (NTP)",
                human(skew.abs()),
                if skew > 0 { "ahead of" } else { "behind" }
            );
        }
        api
    }
}

impl DigitalOcean {
    /// Reads the account's droplet snapshots, every page.
    fn read_snapshots(&mut self) -> Result<Listed, CloudError> {
        let query = "resource_type=droplet&";
        let read = |item: &serde_json::Value| (wire::id(item.get("id")), wire::snapshot(item));
        let items = listing::walk(&mut self.http, "/v2/snapshots", query, "snapshots", read)?;
        let mut listed = Listed {
            read_at: self.http.elapsed(),
            snapshots: Vec::with_capacity(items.len()),
            // Every listed id, readable entry or not, for the check against the droplets'
            // claims.
            ids: items.iter().filter_map(|(id, _)| *id).collect(),
            unreadable: Vec::new(),
        };
        for (_, item) in items {
            match item {
                Ok(s) => listed.snapshots.push(s),
                Err((droplet, problem)) => listed.unreadable.push(Unreadable {
                    holds_back: droplet.map_or(HoldBack::All, HoldBack::Droplet),
                    problem,
                }),
            }
        }
        Ok(listed)
    }

    /// Deletes a snapshot; a 404 means someone deleted it already.
    fn delete(&mut self, path: &str) -> Result<Deleted, CloudError> {
        let reply = self
            .http
            .call(&Method::Delete, path, Repeat::Safe)
            .map_err(|f| f.error)?;
        let reply = expect(reply, &format!("DELETE {path}"), &[204, 200, 404])?;
        Ok(if reply.status == 404 {
            tracing::info!("{path} was already gone");
            Deleted::AlreadyGone
        } else {
            Deleted::Now
        })
    }

    /// Whether `GET path` finds the resource: only the API's own 404 says it is gone (a
    /// proxy's 404 page without the API's error body is an error, not an answer).
    fn exists(&mut self, path: &str) -> Result<bool, CloudError> {
        let reply = self
            .http
            .call(&Method::Get, path, Repeat::Safe)
            .map_err(|f| f.error)?;
        if reply.status == 404 && wire::error(&reply.body).0 == "not_found" {
            return Ok(false);
        }
        expect(reply, &format!("GET {path}"), &[200]).map(|_| true)
    }
}

/// The hidden `--fake-clock` testing aid: moves the emulator's clock (its control API, on the
/// loopback address config allows it for) by the seconds the tool would have slept.
fn fake_clock(base_url: &str) -> Box<dyn FnMut(u64)> {
    let url = format!("{base_url}/_fake/advance");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .build()
        .new_agent();
    Box::new(move |seconds| {
        if let Err(e) = agent.post(&url).send_json(json!({ "seconds": seconds })) {
            tracing::warn!("--fake-clock: could not move the emulator's clock: {e}");
        }
    })
}

/// Passes a reply with one of the `ok` statuses; turns any other into an error.
pub(super) fn expect(reply: Reply, request: &str, ok: &[u16]) -> Result<Reply, CloudError> {
    if ok.contains(&reply.status) {
        Ok(reply)
    } else {
        Err(reply.error(request))
    }
}

impl Cloud for DigitalOcean {
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
        let mut unreadable = Vec::new();
        let mut droplets = Vec::new();
        // What each droplet says its snapshots are, to check the snapshot listing against.
        let mut claimed = Vec::new();
        let query = format!("tag_name={tag}&");
        let read = |item: &serde_json::Value| (wire::droplet(item), wire::snapshot_ids(item));
        for (item, ids) in listing::walk(&mut self.http, "/v2/droplets", &query, "droplets", read)?
        {
            match item {
                Ok(d) => {
                    if let Some(ids) = ids {
                        claimed.push((d.id, ids));
                    }
                    droplets.push(d);
                }
                Err(problem) => unreadable.push(Unreadable {
                    holds_back: HoldBack::Nothing,
                    problem: format!("a droplet in the listing was skipped: {problem}"),
                }),
            }
        }
        // The snapshot listing is read once for the jobs of a run (read again when an earlier
        // job took long). A later job's droplets were read after it, so each droplet's own
        // `snapshot_ids` tell what went since: a listed snapshot its droplet no longer names
        // holds that droplet's deletions back.
        let fresh = self
            .snapshots
            .as_ref()
            .is_some_and(|l| self.http.elapsed().saturating_sub(l.read_at) < LISTING_REUSE);
        let (listed, reused) = match &self.snapshots {
            Some(listed) if fresh => (listed.clone(), true),
            _ => {
                let listed = self.read_snapshots()?;
                self.snapshots = Some(listed.clone());
                (listed, false)
            }
        };
        let Listed {
            mut snapshots,
            ids: listed,
            unreadable: problems,
            read_at: _,
        } = listed;
        unreadable.extend(problems);
        if reused {
            unreadable.extend(claims::gone_since(&claimed, &snapshots));
        }
        let (problems, found) = claims::check(&mut self.http, claimed, &listed);
        unreadable.extend(problems);
        snapshots.extend(found);
        let now = self.api_now(&mut unreadable);
        Ok(Inventory {
            now,
            droplets: Cow::Owned(droplets),
            snapshots: Cow::Owned(snapshots),
            sorted: false,
            unreadable,
        })
    }

    fn snapshot_actions(&mut self, droplet_id: u64) -> Result<Vec<SnapshotAction>, CloudError> {
        let actions = self.actions(&format!("/v2/droplets/{droplet_id}/actions"))?;
        Ok(actions
            .into_iter()
            .filter(|a| a.kind == "snapshot")
            .map(|a| SnapshotAction {
                id: a.id.unwrap_or_default(),
                status: ActionStatus::from_api(&a.status),
                started_at: a.started_at,
                completed_at: a.completed_at,
            })
            .collect())
    }

    fn transfers_in_progress(&mut self, snapshot_id: u64) -> Result<Vec<String>, CloudError> {
        let actions = self.actions(&format!("/v2/images/{snapshot_id}/actions"))?;
        Ok(actions
            .into_iter()
            .filter(|a| a.kind == "transfer" && a.status == "in-progress")
            .filter_map(|a| a.region)
            .collect())
    }

    fn delete_snapshot(&mut self, snapshot_id: u64) -> Result<Deleted, CloudError> {
        self.delete(&format!("/v2/snapshots/{snapshot_id}"))
    }

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<Copying, CloudError> {
        let path = format!("/v2/images/{snapshot_id}/actions");
        let body = Method::Post(json!({"type": "transfer", "region": region}));
        match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
            Ok(reply) if reply.status == 422 => {
                // The run reads transfers in progress only as far back as its shared read of
                // the account's actions reaches; an older one is refused here, as is a copy
                // that exists already. Neither needs asking again.
                let (_, message, _) = wire::error(&reply.body);
                let lower = message.to_ascii_lowercase();
                if lower.contains("already in progress") || lower.contains("already in region") {
                    tracing::info!("snapshot {snapshot_id} to {region}: {message}");
                    return Ok(Copying::UnderWay);
                }
                Err(reply.error(&format!("POST {path}")))
            }
            Ok(reply) => {
                expect(reply, &format!("POST {path}"), &[201, 200]).map(|_| Copying::Started)
            }
            Err(Failed {
                error,
                maybe_applied: true,
            }) => {
                // Whether it started or not, the next run will see it and do the right thing.
                if self
                    .transfers_in_progress(snapshot_id)
                    .is_ok_and(|r| r.iter().any(|r| r == region))
                {
                    tracing::info!("{error}; but the transfer to {region} did start");
                    Ok(Copying::Started)
                } else {
                    Err(error)
                }
            }
            Err(f) => Err(f.error),
        }
    }

    fn take_snapshot(&mut self, droplet_id: u64, name: &str) -> Result<Started, CloudError> {
        let path = format!("/v2/droplets/{droplet_id}/actions");
        let body = Method::Post(json!({"type": "snapshot", "name": name}));
        // Without the API's clock, the local one: a completed snapshot must still be recognised.
        let sent_at = self.http.date.or_else(|| Some((self.local_clock)()));
        const TRIES: u32 = 3;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
                // After an attempt whose answer was lost, "pending event" may be that attempt's
                // own snapshot, which only now shows: it is this request's, not a reason to ask
                // again later.
                Ok(reply) if reply.status == 422 && attempt > 1 => {
                    if let Ok(Some(action)) = self.snapshot_started(droplet_id, sent_at) {
                        tracing::warn!("droplet {droplet_id}: the snapshot did start after all");
                        return Ok(Started::Now {
                            action: Some(action),
                        });
                    }
                    return self.declined(droplet_id, &path, reply);
                }
                Ok(reply) if reply.status == 422 => return self.declined(droplet_id, &path, reply),
                Ok(reply) => {
                    return expect(reply, &format!("POST {path}"), &[201, 200]).map(|reply| {
                        Started::Now {
                            action: wire::started_action(&reply.body),
                        }
                    });
                }
                Err(Failed {
                    error,
                    maybe_applied: true,
                }) => error,
                Err(f) => return Err(f.error),
            };
            // The request may have started a snapshot even though its answer was lost: look
            // before asking again, so a fault can never produce two snapshots. Give a request
            // still on its way a moment to land first.
            tracing::warn!("{error}; checking whether the snapshot started anyway");
            self.http.pause(AMBIGUITY_PAUSE);
            match self.snapshot_started(droplet_id, sent_at) {
                Ok(Some(action)) => {
                    tracing::warn!(
                        "droplet {droplet_id}: the snapshot did start; not asking again"
                    );
                    return Ok(Started::Now {
                        action: Some(action),
                    });
                }
                Ok(None) if attempt < TRIES => {
                    tracing::warn!("droplet {droplet_id}: no snapshot started; asking again");
                }
                Ok(None) => return Err(error),
                Err(check) if check.is_fatal() => return Err(check),
                Err(check) => {
                    return Err(CloudError::Transport {
                        request: format!("POST {path}"),
                        detail: format!(
                            "{error}; and whether the snapshot started could not be checked \
                             ({check}), so it was not requested again (no risk of a second \
                             snapshot; the next run will look again)"
                        ),
                    });
                }
            }
        }
    }

    fn action_statuses(&mut self, ids: &[u64]) -> Result<BTreeMap<u64, ActionStatus>, CloudError> {
        actions::statuses(&mut self.http, ids)
    }

    fn recent_actions(&mut self, since: Timestamp) -> Result<RecentActions, CloudError> {
        actions::recent(&mut self.http, since)
    }

    fn droplet_state(&mut self, droplet_id: u64) -> Result<DropletState, CloudError> {
        let path = format!("/v2/droplets/{droplet_id}");
        let reply = self
            .http
            .call(&Method::Get, &path, Repeat::Safe)
            .map_err(|f| f.error)?;
        let reply = expect(reply, &format!("GET {path}"), &[200])?;
        wire::droplet_state(&reply.body).ok_or_else(|| CloudError::Malformed {
            request: format!("GET {path}"),
            detail: "the droplet has no readable `status` or `locked`".to_string(),
        })
    }

    fn power(&mut self, droplet_id: u64, action: PowerAction) -> Result<Started, CloudError> {
        let path = format!("/v2/droplets/{droplet_id}/actions");
        let body = Method::Post(json!({ "type": action.api_type() }));
        let request = format!("POST {path} ({})", action.api_type());
        match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
            Ok(reply) if reply.status == 422 => {
                let (_, message, _) = wire::error(&reply.body);
                if message.to_ascii_lowercase().contains("pending event") {
                    Ok(Started::DropletBusy)
                } else {
                    Err(reply.error(&request))
                }
            }
            Ok(reply) => expect(reply, &request, &[201, 200]).map(|reply| Started::Now {
                action: wire::started_action(&reply.body),
            }),
            Err(Failed {
                error,
                maybe_applied: true,
            }) => {
                // Power actions are watched through the droplet's status, which tells whether
                // this one took effect; asking twice could only meet a 422.
                tracing::warn!(
                    "{error}; droplet {droplet_id}: watching its status to see whether the {} took \
                     effect",
                    action.api_type()
                );
                Ok(Started::Now { action: None })
            }
            Err(f) => Err(f.error),
        }
    }

    fn droplet_actions(&mut self, droplet_id: u64) -> Result<Vec<DropletAction>, CloudError> {
        let actions = self.actions(&format!("/v2/droplets/{droplet_id}/actions"))?;
        Ok(actions
            .into_iter()
            .map(|a| DropletAction {
                id: a.id.unwrap_or_default(),
                kind: a.kind,
                status: ActionStatus::from_api(&a.status),
                started_at: a.started_at,
                completed_at: a.completed_at,
            })
            .collect())
    }

    fn volumes(&mut self) -> Result<VolumeInventory, CloudError> {
        let mut inventory = VolumeInventory::default();
        for item in listing::walk(&mut self.http, "/v2/volumes", "", "volumes", wire::volume)? {
            match item {
                Ok(v) => inventory.volumes.push(v),
                // A volume that cannot be read could be any tagged droplet's.
                Err(problem) => inventory.unreadable.push((None, problem)),
            }
        }
        let query = "resource_type=volume&";
        let read = wire::volume_snapshot;
        for item in listing::walk(&mut self.http, "/v2/snapshots", query, "snapshots", read)? {
            match item {
                Ok(s) => inventory.snapshots.push(s),
                Err(problem) => inventory.unreadable.push(problem),
            }
        }
        Ok(inventory)
    }

    fn snapshot_volume(&mut self, volume_id: &str, name: &str) -> Result<(), CloudError> {
        let path = format!("/v2/volumes/{volume_id}/snapshots");
        let body = Method::Post(json!({ "name": name }));
        const TRIES: u32 = 3;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
                Ok(reply) => return expect(reply, &format!("POST {path}"), &[201, 200]).map(drop),
                Err(Failed {
                    error,
                    maybe_applied: true,
                }) => error,
                Err(f) => return Err(f.error),
            };
            // The snapshot is made at once, so whether it was is in the volume's listing.
            tracing::warn!("{error}; checking whether the volume's snapshot was taken anyway");
            let named =
                |s: &serde_json::Value| s.get("name").and_then(|n| n.as_str()) == Some(name);
            let listed = listing::walk(&mut self.http, &path, "", "snapshots", named)?;
            if listed.into_iter().any(|found| found) {
                return Ok(());
            }
            if attempt == TRIES {
                return Err(error);
            }
        }
    }

    fn delete_volume_snapshot(&mut self, snapshot_id: &str) -> Result<Deleted, CloudError> {
        self.delete(&format!("/v2/snapshots/{snapshot_id}"))
    }

    fn droplet_exists(&mut self, droplet_id: u64) -> Result<bool, CloudError> {
        self.exists(&format!("/v2/droplets/{droplet_id}"))
    }

    fn volume_exists(&mut self, volume_id: &str) -> Result<bool, CloudError> {
        self.exists(&format!("/v2/volumes/{volume_id}"))
    }

    fn find_snapshots(&mut self, wanted: &[(u64, String)]) -> Result<Vec<Snapshot>, CloudError> {
        // One walk of the account's listing: fewer requests than one per droplet whenever
        // droplets hold fewer than 200 snapshots each.
        let query = "resource_type=droplet&";
        let read = |item: &serde_json::Value| wire::snapshot(item).ok();
        let items = listing::walk(&mut self.http, "/v2/snapshots", query, "snapshots", read)?;
        Ok(items
            .into_iter()
            .flatten()
            .filter(|s| {
                wanted
                    .iter()
                    .any(|(d, n)| *d == s.droplet_id && *n == s.name)
            })
            .collect())
    }

    fn pause(&mut self, duration: Duration) {
        self.http.pause(duration);
    }

    fn elapsed(&self) -> Duration {
        self.http.elapsed()
    }

    fn now(&self) -> Option<Timestamp> {
        self.http.date
    }
}
