//! Reading a whole collection, page by page, and proving the result is whole. A listing that
//! misses one snapshot can make the policy delete a snapshot it would keep (the kept ones shift),
//! so every page must report the same `meta.total`, no item may appear twice, and the items must
//! add up to that total; a listing that changed while it was read is read again.

use std::collections::HashSet;

use serde_json::Value;

use super::http::{Http, Method, Repeat};
use super::wire;
use crate::cloud::CloudError;

/// Items per page: the API's maximum.
const PER_PAGE: u32 = 200;
/// A listing longer than this many pages is surely a loop.
const MAX_PAGES: u64 = 10_000;
/// Reads of a listing that keeps changing before the tool gives up on it.
const PASSES: u32 = 3;

/// One reading of a listing.
enum Reading<T> {
    Whole(Vec<T>),
    /// It changed while being read, for this reason.
    Changed(String),
}

/// Reads every page of `path` (with `query`, which ends in `&` if not empty); items are under
/// `key`, and each is turned into a `T` by `each` as its page arrives, so a listing of a
/// hundred thousand snapshots is never held as JSON all at once.
pub fn walk<T>(
    http: &mut Http,
    path: &str,
    query: &str,
    key: &str,
    mut each: impl FnMut(&Value) -> T,
) -> Result<Vec<T>, CloudError> {
    let mut why = String::new();
    for _ in 0..PASSES {
        match read(http, path, query, key, &mut each)? {
            Reading::Whole(items) => return Ok(items),
            Reading::Changed(reason) => {
                tracing::warn!("GET {path}: {reason}; reading it again");
                why = reason;
            }
        }
    }
    Err(CloudError::Incomplete {
        request: format!("GET {path}"),
        detail: format!("{why}, and it kept changing while being read"),
    })
}

fn read<T>(
    http: &mut Http,
    path: &str,
    query: &str,
    key: &str,
    each: &mut impl FnMut(&Value) -> T,
) -> Result<Reading<T>, CloudError> {
    let incomplete = |detail: String| CloudError::Incomplete {
        request: format!("GET {path}"),
        detail,
    };
    let mut items = Vec::new();
    // Each item's id as the API wrote it (a number, or a string for volumes): none twice.
    let mut seen = HashSet::new();
    let mut twice = false;
    let mut total = None;
    let mut page = 1;
    loop {
        let url = format!("{path}?{query}page={page}&per_page={PER_PAGE}");
        let p = read_page(http, &url, key)?;
        let this_total = p
            .total
            .ok_or_else(|| incomplete(format!("page {page} has no meta.total")))?;
        match total {
            None => total = Some(this_total),
            Some(first) if first != this_total => {
                return Ok(Reading::Changed(format!(
                    "meta.total went from {first} to {this_total} between pages"
                )));
            }
            Some(_) => {}
        }
        let empty = p.items.is_empty();
        for item in &p.items {
            if let Some(id) = item.get("id") {
                twice |= !seen.insert(id.to_string());
            }
            items.push(each(item));
        }
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
    if twice {
        return Ok(Reading::Changed("an item was listed twice".to_string()));
    }
    let total = total.unwrap_or_default();
    if total != items.len() as u64 {
        return Ok(Reading::Changed(format!(
            "meta.total says {total} but {} were listed",
            items.len()
        )));
    }
    Ok(Reading::Whole(items))
}

/// Reads one page; a page cut short or garbled is asked for again a few times.
pub fn read_page(http: &mut Http, url: &str, key: &str) -> Result<wire::Page, CloudError> {
    let request = format!("GET {url}");
    let mut attempt = 0;
    loop {
        attempt += 1;
        let reply = http
            .call(&Method::Get, url, Repeat::Safe)
            .map_err(|f| f.error)?;
        let reply = super::expect(reply, &request, &[200])?;
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
