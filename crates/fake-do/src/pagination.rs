//! `page`/`per_page` handling and the `links`/`meta` envelope of every
//! collection (do-api.md §1).
//!
//! Links are absolute URLs on the real API host, not on the emulator, so a
//! client that follows them blindly instead of rebuilding the request
//! against its base URL fails the tests, as it would fail against a
//! non-production endpoint.

use axum::extract::Query;
use axum::http::Uri;
use serde_json::{Map, Value, json};

use crate::errors::ApiError;

/// The host the real API puts in its pagination links.
const LINK_BASE: &str = "https://api.digitalocean.com";
const DEFAULT_PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 200;

/// How a collection that fits on one page shows its empty `links`: the
/// spec's examples use `{}` for snapshots and a droplet's actions, and
/// `{"pages": {}}` elsewhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EmptyLinks {
    Bare,
    Pages,
}

/// The query string of a list request, decoded.
#[derive(Debug)]
pub struct ListQuery {
    path: String,
    raw: String,
    pairs: Vec<(String, String)>,
    page: u64,
    per_page: u64,
}

impl ListQuery {
    /// Parses the query; `page` below 1 counts as 1 and `per_page` is
    /// clamped to 1..=200, but non-numbers are a 400.
    pub fn from_uri(uri: &Uri) -> Result<ListQuery, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|_| ApiError::bad_request("invalid query string"))?;
        let page = number(&pairs, "page")?.unwrap_or(1).max(1);
        let per_page = number(&pairs, "per_page")?
            .unwrap_or(DEFAULT_PER_PAGE)
            .clamp(1, MAX_PER_PAGE);
        Ok(ListQuery {
            path: uri.path().to_string(),
            raw: uri.query().unwrap_or("").to_string(),
            pairs,
            page,
            per_page,
        })
    }

    /// The decoded value of a query parameter (its first occurrence).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `{<key>: [...], "links": ..., "meta": {"total": N}}` for the requested
    /// page of `items`. A page past the end is an empty list, not an error.
    pub fn envelope<T>(
        &self,
        key: &str,
        items: &[T],
        empty: EmptyLinks,
        render: impl Fn(&T) -> Value,
    ) -> Value {
        let total = items.len() as u64;
        let start = (self.page - 1).saturating_mul(self.per_page);
        let shown: Vec<Value> = items
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(self.per_page).unwrap_or(usize::MAX))
            .map(render)
            .collect();
        json!({
            key: shown,
            "links": self.links(total, empty),
            "meta": { "total": total },
        })
    }

    /// Page 1 gets `next` and `last`; middle pages `first`, `prev`, `next`
    /// and `last`; the last page (or one past it) `first` and `prev`.
    fn links(&self, total: u64, empty: EmptyLinks) -> Value {
        let last = total.div_ceil(self.per_page).max(1);
        let mut pages = Map::new();
        if self.page > 1 {
            pages.insert("first".into(), json!(self.link(1)));
            // Past the end, `prev` points at the last real page.
            let prev = (self.page - 1).min(last);
            pages.insert("prev".into(), json!(self.link(prev)));
        }
        if self.page < last {
            pages.insert("next".into(), json!(self.link(self.page + 1)));
            pages.insert("last".into(), json!(self.link(last)));
        }
        match (pages.is_empty(), empty) {
            (true, EmptyLinks::Bare) => json!({}),
            _ => json!({ "pages": pages }),
        }
    }

    /// The request's own URL on the real host, keeping every other query
    /// parameter as received and putting `page` and `per_page` last.
    fn link(&self, page: u64) -> String {
        let kept: String = self
            .raw
            .split('&')
            .filter(|piece| {
                let key = piece.split('=').next().unwrap_or("");
                !piece.is_empty() && key != "page" && key != "per_page"
            })
            .map(|piece| format!("{piece}&"))
            .collect();
        format!(
            "{LINK_BASE}{}?{kept}page={page}&per_page={}",
            self.path, self.per_page
        )
    }
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<u64>, ApiError> {
    let Some((_, value)) = pairs.iter().find(|(k, _)| k == key) else {
        return Ok(None);
    };
    value
        .parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::bad_request(format!("{key} must be a positive integer")))
}
