//! Reading the API's JSON. Everything from the wire is untrusted: each item is read on its own,
//! so one malformed snapshot is reported (and fails closed for its droplet) instead of sinking
//! the whole listing or, worse, being silently skipped. Ids are accepted as numbers or strings,
//! since the API uses both for the same objects.

use serde_json::Value;

use crate::cloud::DropletState;
use crate::core::model::{Droplet, Snapshot, Volume, VolumeSnapshot};
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// One page of a collection.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Value>,
    /// `meta.total`: how many items the whole collection holds.
    pub total: Option<u64>,
    /// The page number `links.pages.next` points to, if any.
    pub next: Option<u64>,
}

/// Reads a collection page whose items are under `key`.
pub fn page(body: &[u8], key: &str) -> Result<Page, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let items = match doc.get(key) {
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(format!("`{key}` is not a list")),
        None => return Err(format!("the `{key}` list is missing")),
    };
    let total = doc.pointer("/meta/total").and_then(Value::as_u64);
    let next = match doc.pointer("/links/pages/next") {
        None | Some(Value::Null) => None,
        Some(Value::String(url)) => Some(
            page_number(url)
                .ok_or_else(|| format!("links.pages.next `{}` names no page", Clean(url)))?,
        ),
        Some(_) => return Err("links.pages.next is not a URL".to_string()),
    };
    Ok(Page { items, total, next })
}

/// The `page` query parameter of a link. Only the number is used: the link's host is never
/// followed, so a response cannot send the token elsewhere.
fn page_number(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
}

/// An id sent as a number or as a string of digits.
pub fn id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn string<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{field}` is missing or not text"))
}

/// A list of strings (a droplet's tags, a snapshot's regions).
fn strings(v: &Value, field: &str) -> Result<Vec<String>, String> {
    match v.get(field) {
        Some(Value::Array(list)) => list
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("`{field}` holds something other than text")),
        _ => Err(format!("`{field}` is missing or not a list")),
    }
}

/// The slug of a droplet's or volume's `region` object (empty when absent).
fn region_slug(v: &Value) -> String {
    v.pointer("/region/slug")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Reads a droplet.
pub fn droplet(v: &Value) -> Result<Droplet, String> {
    let id = id(v.get("id")).ok_or("`id` is missing or not a number")?;
    let fail = |e: String| format!("droplet {id}: {e}");
    Ok(Droplet {
        id,
        name: string(v, "name").map_err(fail)?.to_string(),
        region: region_slug(v),
        locked: v
            .get("locked")
            .and_then(Value::as_bool)
            .ok_or_else(|| fail("`locked` is missing or not true/false".into()))?,
        status: v
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        tags: strings(v, "tags").map_err(fail)?,
        volume_ids: match v.get("volume_ids") {
            None | Some(Value::Null) => Vec::new(),
            Some(_) => strings(v, "volume_ids").map_err(fail)?,
        },
    })
}

/// A droplet's `snapshot_ids`, when present and readable.
pub fn snapshot_ids(v: &Value) -> Option<Vec<u64>> {
    match v.get("snapshot_ids")? {
        Value::Array(ids) => ids.iter().map(|i| id(Some(i))).collect(),
        _ => None,
    }
}

/// Reads a snapshot from `/v2/snapshots`. On failure, says which droplet it belongs to when
/// that much could be read.
pub fn snapshot(v: &Value) -> Result<Snapshot, (Option<u64>, String)> {
    let droplet_id = id(v.get("resource_id"));
    let fail = |e: String| {
        let which = v.get("id").map_or_else(
            || "with no id".to_string(),
            |i| Clean(&i.to_string()).to_string(),
        );
        (droplet_id, format!("snapshot {which}: {e}"))
    };
    let sid = id(v.get("id")).ok_or_else(|| fail("`id` is missing or not a number".into()))?;
    let name = string(v, "name").map_err(fail)?;
    let created = string(v, "created_at").map_err(fail)?;
    let created_at = Timestamp::parse(created).map_err(|e| fail(format!("created_at {e}")))?;
    let resource_id =
        droplet_id.ok_or_else(|| fail("`resource_id` is missing or not a number".into()))?;
    let regions = strings(v, "regions").map_err(fail)?;
    let mut snapshot = Snapshot::new(sid, name.to_string(), created_at, resource_id, regions);
    snapshot.size_gigabytes = size(v);
    Ok(snapshot)
}

/// A snapshot's `size_gigabytes`: what it is billed for. Absent or unreadable, 0: the size
/// only feeds the cost figures, never a decision.
fn size(v: &Value) -> f64 {
    v.get("size_gigabytes")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(0.0)
}

/// A UUID-style id (volumes and their snapshots): text of hex digits and dashes.
fn uuid<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    let text = string(v, field)?;
    let ok = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if ok {
        Ok(text)
    } else {
        Err(format!("`{field}` is not a volume id (`{}`)", Clean(text)))
    }
}

/// Reads a volume from `/v2/volumes`.
pub fn volume(v: &Value) -> Result<Volume, String> {
    let id = uuid(v, "id").map_err(|e| format!("a volume: {e}"))?;
    let fail = |e: String| format!("volume {id}: {e}");
    let droplet_ids = match v.get("droplet_ids") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|i| self::id(Some(i)))
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| fail("`droplet_ids` holds something other than ids".into()))?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(fail("`droplet_ids` is not a list".into())),
    };
    Ok(Volume {
        id: id.to_string(),
        name: string(v, "name").map_err(fail)?.to_string(),
        region: region_slug(v),
        droplet_ids,
    })
}

/// Reads a volume's snapshot from `/v2/snapshots?resource_type=volume`. On failure, says which
/// volume it belongs to when that much could be read.
pub fn volume_snapshot(v: &Value) -> Result<VolumeSnapshot, (Option<String>, String)> {
    let volume_id = uuid(v, "resource_id").ok().map(str::to_string);
    let fail = |e: String| {
        let which = v.get("id").map_or_else(
            || "with no id".to_string(),
            |i| Clean(&i.to_string()).to_string(),
        );
        (volume_id.clone(), format!("volume snapshot {which}: {e}"))
    };
    let id = uuid(v, "id").map_err(fail)?;
    let name = string(v, "name").map_err(fail)?;
    let created = string(v, "created_at").map_err(fail)?;
    let created_at = Timestamp::parse(created).map_err(|e| fail(format!("created_at {e}")))?;
    let Some(volume) = volume_id.clone() else {
        return Err(fail("`resource_id` is missing or not a volume id".into()));
    };
    Ok(VolumeSnapshot {
        id: id.to_string(),
        volume_id: volume,
        name: name.to_string(),
        created_at,
        regions: strings(v, "regions").map_err(fail)?,
        size_gigabytes: size(v),
    })
}

/// The parts of an action the tool looks at.
#[derive(Debug, PartialEq, Eq)]
pub struct Action {
    pub id: Option<u64>,
    pub kind: String,
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// For a transfer, the region it copies to.
    pub region: Option<String>,
    pub resource_id: Option<u64>,
    pub resource_type: String,
}

/// The id of the action a `POST …/actions` started (`{"action": {"id": …}}`).
pub fn started_action(body: &[u8]) -> Option<u64> {
    let v: Value = serde_json::from_slice(body).ok()?;
    id(v.pointer("/action/id"))
}

/// The `status` and `locked` of a `GET /v2/droplets/{id}` reply.
pub fn droplet_state(body: &[u8]) -> Option<DropletState> {
    let v: Value = serde_json::from_slice(body).ok()?;
    Some(DropletState {
        status: v.pointer("/droplet/status")?.as_str()?.to_string(),
        locked: v.pointer("/droplet/locked")?.as_bool()?,
    })
}

/// A time field, `None` when absent, null or unreadable.
fn time(v: &Value, field: &str) -> Option<Timestamp> {
    v.get(field)
        .and_then(Value::as_str)
        .and_then(|s| Timestamp::parse(s).ok())
}

/// Reads an action; `None` if it has no type or status.
pub fn action(v: &Value) -> Option<Action> {
    Some(Action {
        id: id(v.get("id")),
        kind: v.get("type")?.as_str()?.to_string(),
        status: v.get("status")?.as_str()?.to_string(),
        started_at: time(v, "started_at"),
        completed_at: time(v, "completed_at"),
        region: v
            .get("region_slug")
            .and_then(Value::as_str)
            .or_else(|| v.pointer("/region/slug").and_then(Value::as_str))
            .map(str::to_string),
        resource_id: id(v.get("resource_id")),
        resource_type: v
            .get("resource_type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// An error body: `{"id", "message", "request_id"}`, or for anything else (a proxy's HTML page)
/// the start of the raw text.
pub fn error(body: &[u8]) -> (String, String, Option<String>) {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let field = |f: &str| {
            v.get(f)
                .and_then(Value::as_str)
                .map(|s| Clean(s).to_string())
        };
        if let Some(message) = field("message") {
            return (
                field("id").unwrap_or_default(),
                message,
                field("request_id"),
            );
        }
    }
    let text = String::from_utf8_lossy(body);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = text.chars().take(200).collect();
    let message = if short.is_empty() {
        "(empty body)".to_string()
    } else {
        Clean(&short).to_string()
    };
    (String::new(), message, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn ids_come_as_numbers_or_strings() {
        assert_eq!(id(Some(&json!(6372321))), Some(6372321));
        assert_eq!(id(Some(&json!("6372321"))), Some(6372321));
        assert_eq!(id(Some(&json!("fbe805e8-866b"))), None);
        assert_eq!(id(Some(&json!(-1))), None);
        assert_eq!(id(Some(&json!(null))), None);
    }

    #[test]
    fn pages_accept_every_links_shape() {
        for body in [
            json!({"snapshots": [], "links": {}, "meta": {"total": 0}}),
            json!({"snapshots": [], "links": {"pages": {}}, "meta": {"total": 0}}),
            json!({"snapshots": [], "meta": {"total": 0}}),
        ] {
            let p = page(body.to_string().as_bytes(), "snapshots").unwrap();
            assert_eq!((p.next, p.total), (None, Some(0)));
        }
        let body = json!({"droplets": [], "links": {"pages": {
            "next": "https://api.digitalocean.com/v2/droplets?tag_name=x&page=3&per_page=200",
            "last": "https://api.digitalocean.com/v2/droplets?page=9"}}, "meta": {"total": 5}});
        assert_eq!(
            page(body.to_string().as_bytes(), "droplets").unwrap().next,
            Some(3)
        );
    }

    #[test]
    fn malformed_pages_are_errors() {
        assert!(page(b"{\"droplets\": [", "droplets").is_err());
        assert!(page(b"<html>502</html>", "droplets").is_err());
        assert!(page(b"{\"droplets\": 3}", "droplets").is_err());
        assert!(page(b"{}", "droplets").is_err());
    }

    #[test]
    fn a_bad_snapshot_names_its_droplet() {
        let v = json!({"id": "5", "name": "x", "created_at": "yesterday", "resource_id": "42",
                       "regions": ["nyc3"]});
        let (droplet, msg) = snapshot(&v).unwrap_err();
        assert_eq!(droplet, Some(42));
        assert!(msg.contains("created_at"), "{msg}");
        let v = json!({"id": 5, "name": "x", "created_at": "2020-07-28T16:47:44Z",
                       "resource_id": 42, "regions": ["nyc3"], "extra": {"ignored": true},
                       "size_gigabytes": 2.34});
        let read = snapshot(&v).unwrap();
        assert_eq!((read.droplet_id, read.size_gigabytes), (42, 2.34));
    }

    #[test]
    fn error_bodies_json_or_not() {
        let (id, msg, rid) = error(br#"{"id":"not_found","message":"gone","request_id":"r-1"}"#);
        assert_eq!(
            (id.as_str(), msg.as_str(), rid.as_deref()),
            ("not_found", "gone", Some("r-1"))
        );
        let (_, msg, _) = error(b"<html>\n<body>502 Bad Gateway</body></html>");
        assert_eq!(msg, "<html> <body>502 Bad Gateway</body></html>");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = page(&body, "snapshots");
            let _ = error(&body);
        }

        #[test]
        fn arbitrary_json_items_never_panic(text in "\\PC{0,80}", n in any::<i64>(), f in any::<f64>()) {
            for v in [json!({"id": text, "resource_id": n, "created_at": text, "name": f,
                             "regions": [text]}),
                      json!({"id": n, "name": text, "locked": text, "region": n}),
                      json!([text, n]), json!(f)] {
                let _ = snapshot(&v);
                let _ = droplet(&v);
                let _ = action(&v);
            }
        }
    }
}
