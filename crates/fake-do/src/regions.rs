//! Region objects as the API embeds them in droplets and actions.

use serde_json::{Value, json};

/// The region slugs the spec allows as an image transfer's target: the
/// `region` enum of `imageActions_post` (the same enum as an image's
/// `regions` items, `resources/images/models/image.yml`).
pub const TRANSFER_REGIONS: [&str; 15] = [
    "ams1", "ams2", "ams3", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "sfo1", "sfo2", "sfo3",
    "sgp1", "tor1", "syd1",
];

/// Whether `slug` is one of the spec's region slugs (case-sensitive, like
/// the spec's enum).
pub fn is_known_region(slug: &str) -> bool {
    TRANSFER_REGIONS.contains(&slug)
}

/// Display names of DigitalOcean's region slugs; unknown slugs (a seed may
/// use any) are shown by their slug.
fn region_name(slug: &str) -> String {
    let name = match slug {
        "nyc1" => "New York 1",
        "nyc2" => "New York 2",
        "nyc3" => "New York 3",
        "sfo1" => "San Francisco 1",
        "sfo2" => "San Francisco 2",
        "sfo3" => "San Francisco 3",
        "ams1" => "Amsterdam 1",
        "ams2" => "Amsterdam 2",
        "ams3" => "Amsterdam 3",
        "sgp1" => "Singapore 1",
        "lon1" => "London 1",
        "fra1" => "Frankfurt 1",
        "tor1" => "Toronto 1",
        "blr1" => "Bangalore 1",
        "syd1" => "Sydney 1",
        "atl1" => "Atlanta 1",
        other => other,
    };
    name.to_string()
}

/// The `region` object (spec `resources/regions/models/region.yml`).
pub fn region_json(slug: &str) -> Value {
    json!({
        "name": region_name(slug),
        "slug": slug,
        "features": [
            "private_networking", "backups", "ipv6", "metadata",
            "install_agent", "storage", "image_transfer"
        ],
        "available": true,
        "sizes": ["s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb"],
    })
}
