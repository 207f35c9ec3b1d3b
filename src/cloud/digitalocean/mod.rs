//! The real account: DigitalOcean's API v2, read with as few requests as possible and never
//! trusted further than it proved itself (complete listings, its own clock, one snapshot at a
//! time).

mod http;
mod retry;
mod wire;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::{Value, json};

use self::http::{Failed, Http, Method, Repeat, Reply};
use super::{Cloud, CloudError, Deleted, HoldBack, Inventory, Started, Unreadable};
use crate::config::Api;
use crate::sleep::{RealSleeper, Sleeper, VirtualSleeper};
use crate::time::Timestamp;

/// Items per page: the API's maximum.
const PER_PAGE: u32 = 200;
/// A listing longer than this many pages is surely a loop.
const MAX_PAGES: u64 = 10_000;
/// How far the local clock may drift from the API's before the user is warned.
const CLOCK_SKEW_WARNING: i64 = 300;

/// A client for one account.
pub struct DigitalOcean {
    http: Http,
    local_clock: fn() -> Timestamp,
}

impl DigitalOcean {
    pub fn new(api: Api, local_clock: fn() -> Timestamp) -> DigitalOcean {
        let sleeper: Box<dyn Sleeper> = if api.virtual_sleep {
            Box::new(VirtualSleeper::default())
        } else {
            Box::new(RealSleeper)
        };
        DigitalOcean {
            http: Http::new(api, sleeper),
            local_clock,
        }
    }

    /// Reads every page of a collection. The listing must add up to `meta.total`; if the
    /// collection changed while it was read (a snapshot completed, say), it is read once more.
    fn walk(&mut self, path: &str, query: &str, key: &str) -> Result<Vec<Value>, CloudError> {
        let request = format!("GET {path}");
        let incomplete = |detail: String| CloudError::Incomplete {
            request: request.clone(),
            detail,
        };
        let mut last_mismatch = String::new();
        for _pass in 0..2 {
            let mut items = Vec::new();
            let mut total;
            let mut page = 1;
            loop {
                let url = format!("{path}?{query}page={page}&per_page={PER_PAGE}");
                let p = self.page(&url, key)?;
                total = p.total;
                let empty = p.items.is_empty();
                items.extend(p.items);
                match p.next {
                    None => break,
                    Some(_) if empty => {
                        return Err(incomplete(format!(
                            "page {page} was empty but linked to another"
                        )));
                    }
                    Some(next) if next == page + 1 && next <= MAX_PAGES => page = next,
                    Some(next) => {
                        return Err(incomplete(format!(
                            "page {page} linked to page {next} instead of {}",
                            page + 1
                        )));
                    }
                }
            }
            match total {
                Some(t) if t == items.len() as u64 => return Ok(items),
                Some(t) => {
                    last_mismatch = format!("meta.total says {t} but {} were listed", items.len());
                    tracing::warn!("{request}: {last_mismatch}; reading it again");
                }
                None => return Err(incomplete("meta.total is missing".to_string())),
            }
        }
        Err(incomplete(last_mismatch))
    }

    /// Reads one page; a page cut short or garbled is asked for again a few times.
    fn page(&mut self, url: &str, key: &str) -> Result<wire::Page, CloudError> {
        let request = format!("GET {url}");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply = self.get(url)?;
            match wire::page(&reply.body, key) {
                Ok(page) => return Ok(page),
                Err(detail) if attempt < 3 => {
                    tracing::warn!(
                        "{request}: the response could not be read ({detail}); asking again"
                    );
                }
                Err(detail) => return Err(CloudError::Malformed { request, detail }),
            }
        }
    }

    fn get(&mut self, path: &str) -> Result<Reply, CloudError> {
        let reply = self
            .http
            .call(&Method::Get, path, Repeat::Safe)
            .map_err(|f| f.error)?;
        expect(reply, &format!("GET {path}"), &[200])
    }

    /// The actions on a droplet or image.
    fn actions(&mut self, path: &str) -> Result<Vec<wire::Action>, CloudError> {
        let items = self.walk(path, "", "actions")?;
        Ok(items.iter().filter_map(wire::action).collect())
    }

    /// True when the droplet shows a snapshot action in progress, or one started at or after
    /// `since` (allowing a minute for clocks).
    fn snapshot_started(
        &mut self,
        droplet_id: u64,
        since: Option<Timestamp>,
    ) -> Result<bool, CloudError> {
        let actions = self.actions(&format!("/v2/droplets/{droplet_id}/actions"))?;
        Ok(actions.iter().any(|a| {
            a.kind == "snapshot"
                && (a.status == "in-progress"
                    || since.is_some_and(|s| a.started_at.is_some_and(|t| t.since(s) >= -60)))
        }))
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
                "this machine's clock ({local}) differs from the API's ({api}) by {} s; ages are \
                 measured by the API's clock, but check the local time (NTP)",
                skew.abs()
            );
        }
        api
    }
}

/// Passes a reply with one of the `ok` statuses; turns any other into an error.
fn expect(reply: Reply, request: &str, ok: &[u16]) -> Result<Reply, CloudError> {
    if ok.contains(&reply.status) {
        return Ok(reply);
    }
    if reply.status == 401 {
        return Err(CloudError::Unauthorized);
    }
    let (id, message, request_id) = wire::error(&reply.body);
    Err(CloudError::Status {
        request: request.to_string(),
        status: reply.status,
        id,
        message,
        request_id,
    })
}

impl Cloud for DigitalOcean {
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
        let mut unreadable = Vec::new();
        let mut seen = BTreeSet::new();
        let mut droplets = Vec::new();
        for item in self.walk("/v2/droplets", &format!("tag_name={tag}&"), "droplets")? {
            match wire::droplet(&item) {
                Ok(d) if seen.insert(d.id) => droplets.push(d),
                Ok(_) => {}
                Err(problem) => unreadable.push(Unreadable {
                    holds_back: HoldBack::Nothing,
                    problem: format!("a droplet in the listing was skipped: {problem}"),
                }),
            }
        }
        let mut seen = BTreeSet::new();
        let mut snapshots = Vec::new();
        for item in self.walk("/v2/snapshots", "resource_type=droplet&", "snapshots")? {
            match wire::snapshot(&item) {
                Ok(s) if seen.insert(s.id) => snapshots.push(s),
                Ok(_) => {}
                Err((droplet, problem)) => unreadable.push(Unreadable {
                    holds_back: droplet.map_or(HoldBack::All, HoldBack::Droplet),
                    problem,
                }),
            }
        }
        let now = self.api_now(&mut unreadable);
        Ok(Inventory {
            now,
            droplets: Cow::Owned(droplets),
            snapshots: Cow::Owned(snapshots),
            unreadable,
        })
    }

    fn snapshot_in_progress(&mut self, droplet_id: u64) -> Result<bool, CloudError> {
        self.snapshot_started(droplet_id, None)
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
        let path = format!("/v2/snapshots/{snapshot_id}");
        let reply = self
            .http
            .call(&Method::Delete, &path, Repeat::Safe)
            .map_err(|f| f.error)?;
        let reply = expect(reply, &format!("DELETE {path}"), &[204, 200, 404])?;
        Ok(if reply.status == 404 {
            tracing::info!("snapshot {snapshot_id} was already gone");
            Deleted::AlreadyGone
        } else {
            Deleted::Now
        })
    }

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<(), CloudError> {
        let path = format!("/v2/images/{snapshot_id}/actions");
        let body = Method::Post(json!({"type": "transfer", "region": region}));
        match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
            Ok(reply) => expect(reply, &format!("POST {path}"), &[201, 200]).map(drop),
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
                    Ok(())
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
        let sent_at = self.http.date;
        const TRIES: u32 = 3;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.http.call(&body, &path, Repeat::OnlyIfUnsent) {
                Ok(reply) if reply.status == 422 => {
                    let (_, message, _) = wire::error(&reply.body);
                    tracing::info!(
                        "droplet {droplet_id}: the API declined the snapshot: {message}"
                    );
                    return Ok(Started::DropletBusy);
                }
                Ok(reply) => {
                    return expect(reply, &format!("POST {path}"), &[201, 200])
                        .map(|_| Started::Now);
                }
                Err(Failed {
                    error,
                    maybe_applied: true,
                }) => error,
                Err(f) => return Err(f.error),
            };
            // The request may have started a snapshot even though its answer was lost: look
            // before asking again, so a fault can never produce two snapshots.
            tracing::warn!("{error}; checking whether the snapshot started anyway");
            match self.snapshot_started(droplet_id, sent_at) {
                Ok(true) => {
                    tracing::warn!(
                        "droplet {droplet_id}: the snapshot did start; not asking again"
                    );
                    return Ok(Started::Now);
                }
                Ok(false) if attempt < TRIES => {
                    tracing::warn!("droplet {droplet_id}: no snapshot started; asking again");
                }
                Ok(false) => return Err(error),
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
}
