//! Polling many actions at once: the account-wide action list, read only as far as it takes to
//! find every pending action, so waiting for sixty snapshots costs a request per poll, not
//! sixty. DigitalOcean lists the newest actions first; a list that comes oldest first is read
//! from its last page instead. An action the pages read do not show (more new actions on the
//! account than a few pages hold) is asked for by id.

use std::collections::BTreeMap;

use serde_json::Value;

use super::http::{Http, Method, Repeat};
use super::listing::read_page;
use super::wire;
use crate::cloud::CloudError;
use crate::core::activity::{AccountAction, ActionStatus, RecentActions};
use crate::time::Timestamp;

/// Actions per page of the account-wide list: the API's maximum.
const PER_PAGE: u64 = 200;
/// Pages of the account-wide list read in one poll, at most; what they miss is asked for by id.
const MAX_PAGES: u64 = 3;
/// Pages read for a run's recent actions, at most (2,000 actions): past them, droplets whose
/// due check needs older actions read their own.
const MAX_RECENT_PAGES: u64 = 10;

/// Every action started at or after `since`, reading the account-wide list (newest first) until
/// an older one shows. A list that comes oldest first, or that goes on past the bound, gives
/// what was read with `whole` false.
pub fn recent(http: &mut Http, since: Timestamp) -> Result<RecentActions, CloudError> {
    let mut out = RecentActions {
        since: Some(since),
        actions: Vec::new(),
        whole: false,
    };
    for page in 1..=MAX_RECENT_PAGES {
        let p = read_page(http, &url(page), "actions")?;
        if page == 1 && order(&p.items) == Some(Order::OldestFirst) {
            return Ok(out);
        }
        let mut older = false;
        for item in &p.items {
            // An action that cannot be read, or whose droplet or image is not named, could be
            // any droplet's snapshot: the read is not whole.
            let Some(a) = wire::action(item).filter(|a| a.resource_id.is_some()) else {
                return Ok(out);
            };
            older |= a.started_at.is_some_and(|t| t < since);
            out.actions.push(AccountAction {
                id: a.id.unwrap_or_default(),
                status: ActionStatus::from_api(&a.status),
                kind: a.kind,
                started_at: a.started_at,
                completed_at: a.completed_at,
                resource_id: a.resource_id,
                resource_type: a.resource_type,
                region: a.region,
            });
        }
        if older || p.next.is_none() {
            out.whole = true;
            return Ok(out);
        }
    }
    Ok(out)
}

/// Where each of `ids` stands; an id found nowhere is left out.
pub fn statuses(http: &mut Http, ids: &[u64]) -> Result<BTreeMap<u64, ActionStatus>, CloudError> {
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let first = read_page(http, &url(1), "actions")?;
    let newest_first = order(&first.items) != Some(Order::OldestFirst);
    let pages = first.total.unwrap_or(0).div_ceil(PER_PAGE).max(1);
    note(&first.items, ids, &mut found);
    // Where the pending actions are: near page 1 when the newest come first, else near the last.
    let next = |read: u64| {
        if newest_first {
            Some(1 + read).filter(|p| *p <= pages)
        } else {
            pages.checked_sub(read - 1).filter(|p| *p > 1)
        }
    };
    let mut read = 1;
    while found.len() < ids.len() && read < MAX_PAGES {
        let Some(page) = next(read) else { break };
        read += 1;
        let p = read_page(http, &url(page), "actions")?;
        note(&p.items, ids, &mut found);
    }
    let missing: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| !found.contains_key(id))
        .collect();
    for id in missing {
        if let Some(status) = one(http, id)? {
            found.insert(id, status);
        }
    }
    Ok(found)
}

fn url(page: u64) -> String {
    format!("/v2/actions?page={page}&per_page={PER_PAGE}")
}

/// Records the statuses of the wanted actions among `items`.
fn note(items: &[Value], ids: &[u64], found: &mut BTreeMap<u64, ActionStatus>) {
    for item in items {
        if let Some(action) = wire::action(item)
            && let Some(id) = action.id.filter(|id| ids.contains(id))
        {
            found.insert(id, ActionStatus::from_api(&action.status));
        }
    }
}

#[derive(PartialEq, Eq, Debug)]
enum Order {
    NewestFirst,
    OldestFirst,
}

/// Which way a page is sorted, by its ids (DigitalOcean's action ids grow with time).
fn order(items: &[Value]) -> Option<Order> {
    let first = wire::id(items.first()?.get("id"))?;
    let last = wire::id(items.last()?.get("id"))?;
    match first.cmp(&last) {
        std::cmp::Ordering::Less => Some(Order::OldestFirst),
        std::cmp::Ordering::Greater => Some(Order::NewestFirst),
        std::cmp::Ordering::Equal => None,
    }
}

/// One action by id (`GET /v2/actions/{id}`); `None` when the API does not know it.
fn one(http: &mut Http, id: u64) -> Result<Option<ActionStatus>, CloudError> {
    let path = format!("/v2/actions/{id}");
    let reply = http
        .call(&Method::Get, &path, Repeat::Safe)
        .map_err(|f| f.error)?;
    if reply.status == 404 {
        return Ok(None);
    }
    let reply = super::expect(reply, &format!("GET {path}"), &[200])?;
    let action = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("action").and_then(wire::action));
    match action {
        Some(a) => Ok(Some(ActionStatus::from_api(&a.status))),
        None => Err(CloudError::Malformed {
            request: format!("GET {path}"),
            detail: "the action has no readable type or status".to_string(),
        }),
    }
}
