//! `--volumes`, orphans and cost, through the binary against the emulator.

use fake_do::{Fault, FaultKind, Seed, SeedVolume, SeedVolumeSnapshot};
use serde_json::Value;

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed, ts};

const VOLUME: &str = "0a1b2c3d-0000-4000-8000-000000000001";
const GONE_VOLUME: &str = "0a1b2c3d-0000-4000-8000-0000000000ff";

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn stamp(at: i64) -> String {
    ts(at).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A volume snapshot; `n` makes its UUID.
fn volume_snapshot(n: u32, volume: &str, name: &str, at: i64) -> SeedVolumeSnapshot {
    SeedVolumeSnapshot {
        id: format!("5e000000-0000-4000-8000-{n:012}"),
        name: name.to_string(),
        created_at: ts(at),
        volume_id: volume.to_string(),
        ..SeedVolumeSnapshot::default()
    }
}

/// Droplet `db-1` (tagged) with volume `data` attached, and these volume snapshots.
fn with_volume(snapshots: Vec<SeedVolumeSnapshot>) -> Seed {
    let mut s = seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]);
    s.volumes = vec![SeedVolume {
        id: VOLUME.to_string(),
        name: "data".to_string(),
        droplet_ids: vec![1],
        ..SeedVolume::default()
    }];
    s.volume_snapshots = snapshots;
    s.volume_snapshot_interval_seconds = 0;
    s
}

/// `data-autosnapshot-…` snapshots of the volume, one a day for `days` days before T0.
fn dailies(days: i64) -> Vec<SeedVolumeSnapshot> {
    (1..=days)
        .map(|d| {
            let at = T0 - d * DAY;
            volume_snapshot(
                d as u32,
                VOLUME,
                &format!("data-autosnapshot-{}", stamp(at)),
                at,
            )
        })
        .collect()
}

fn volume_names(account: &Account) -> Vec<String> {
    let mut names: Vec<String> = account
        .fake
        .volume_snapshots()
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    names
}

#[test]
fn a_volume_is_snapshotted_when_due_and_pruned_by_the_policy() {
    let mut snapshots = dailies(6);
    // Made by hand: never the tool's to delete, however old.
    snapshots.push(volume_snapshot(
        99,
        VOLUME,
        "data-before-upgrade",
        T0 - 30 * DAY,
    ));
    let account = Account::start(with_volume(snapshots));
    let run = account.run(&["-s", "1d", "-k", "0d:3d", "--volumes", "--json"]);
    run.expect_code(0).expect_no_panic();
    let names = volume_names(&account);
    // Three days old and more: deleted (an AGE is reached on the day).
    let mut expected = vec![
        "data-autosnapshot-20251230T000000Z".to_string(),
        "data-autosnapshot-20251231T000000Z".to_string(),
        "data-autosnapshot-20260101T000000Z".to_string(),
        "data-before-upgrade".to_string(),
    ];
    expected.sort();
    assert_eq!(names, expected);
    let report = json(&run.stdout);
    let volume = &report["droplets"][0]["volumes"][0];
    assert_eq!(volume["id"], VOLUME);
    assert_eq!(volume["name"], "data");
    assert_eq!(volume["owned"], 6);
    assert_eq!(volume["deleted"].as_array().unwrap().len(), 4);
    assert_eq!(
        volume["deleted"][0]["id"],
        "5e000000-0000-4000-8000-000000000006"
    );
    assert_eq!(volume["snapshot"]["status"], "taken");
    // The droplet itself was snapshotted too, as without --volumes.
    assert_eq!(account.snapshot_actions(1), 1);
    // Not due again an hour later: nothing more.
    account.fake.advance(HOUR);
    account.fake.clear_requests();
    let run = account.run(&["-s", "1d", "-k", "0d:3d", "--volumes"]);
    run.expect_code(0);
    run.expect_stdout("└ data");
    assert!(account.count("POST", "/v2/volumes") == 0);
}

#[test]
fn the_table_shows_each_volume_under_its_droplet_and_a_dry_run_changes_nothing() {
    let account = Account::start(with_volume(dailies(6)));
    let run = account.run(&["-s", "1d", "-k", "0d:3d", "--volumes", "--dryrun"]);
    run.expect_code(0).expect_no_panic();
    run.expect_stdout("  └ data  0a1b2c3d");
    run.expect_stdout("would take: data-autosnapshot-20260101T000000Z");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn a_volume_at_the_limit_of_25_is_reported_not_snapshotted() {
    // 25 snapshots made by hand: the tool may delete none of them.
    let snapshots = (1..=25)
        .map(|n| volume_snapshot(n, VOLUME, &format!("by-hand-{n}"), T0 - i64::from(n) * HOUR))
        .collect();
    let account = Account::start(with_volume(snapshots));
    let run = account.run(&["-s", "1d", "--volumes", "-k", "0d:1w"]);
    run.expect_code(3).expect_no_panic();
    run.expect_stdout("the volume holds 25 snapshots, DigitalOcean's limit is 25");
    assert_eq!(account.count("POST", "/v2/volumes"), 0);
    assert_eq!(account.fake.volume_snapshots().len(), 25);
}

#[test]
fn a_policy_that_can_hold_more_than_25_is_warned_about() {
    let run = crate::harness::do_snapshot(&[
        "-s",
        "1h",
        "-k",
        "1d:2d",
        "-k",
        "0d:1m",
        "--volumes",
        "--simulate",
        "1h:1w",
    ]);
    run.expect_code(0);
    run.expect_stderr("more than the 25 DigitalOcean allows");
    let run = crate::harness::do_snapshot(&["-s", "1d", "--volumes", "--simulate", "1d:1w"]);
    run.expect_stderr("without bound");
}

#[test]
fn a_name_conflict_is_a_failure_of_that_volume() {
    let account = Account::start(with_volume(vec![]));
    account.fake.add_fault(Fault {
        method: Some("POST".to_string()),
        path: Some("/v2/volumes/".to_string()),
        query: None,
        skip: 0,
        times: 1,
        kind: FaultKind::Status {
            status: 409,
            retry_after: None,
            body: None,
        },
    });
    let run = account.run(&["-s", "1d", "--volumes", "--json"]);
    run.expect_code(3).expect_no_panic();
    let volume = &json(&run.stdout)["droplets"][0]["volumes"][0];
    assert_eq!(volume["snapshot"]["status"], "failed");
    let error = volume["errors"][0].as_str().unwrap();
    assert!(
        error.contains("data-autosnapshot-20260101T000000Z already exists"),
        "{error}"
    );
    // The droplet's own snapshot went ahead.
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn with_power_off_the_volume_is_snapshotted_while_the_droplet_is_off() {
    let account = Account::start(with_volume(vec![]));
    let run = account.run(&["-s", "1d", "--volumes", "--power-off", "--fake-clock"]);
    run.expect_code(0).expect_no_panic();
    let actions = account.fake.actions();
    let off = actions.iter().find(|a| a.kind == "shutdown").unwrap();
    let on = actions.iter().find(|a| a.kind == "power_on").unwrap();
    let taken = &account.fake.volume_snapshots()[0];
    assert!(
        taken.created_at >= off.completed_at.unwrap(),
        "{taken:?} {off:?}"
    );
    assert!(taken.created_at <= on.started_at, "{taken:?} {on:?}");
}

#[test]
fn with_regions_the_run_says_volume_snapshots_stay_in_their_region() {
    let account = Account::start(with_volume(vec![]));
    let run = account.run(&["-s", "1d", "--volumes", "-r", "lon1"]);
    run.expect_code(0);
    run.expect_stdout("volume snapshots stay in their volume's region");
}

/// Droplet 1 tagged; droplet 9 (`old-web`) destroyed, leaving three of the tool's snapshots
/// and one made by hand; droplet 5 (`web-5`) alive but untagged, with one of the tool's.
fn with_orphans() -> Account {
    let snapshots = vec![
        owned(10, 1, "db-1", T0 - 2 * HOUR),
        owned(90, 9, "old-web", T0 - 3 * DAY),
        owned(91, 9, "old-web", T0 - 2 * DAY),
        owned(92, 9, "old-web", T0 - DAY),
        named(93, 9, "old-web-before-upgrade", T0 - 40 * DAY),
        owned(50, 5, "web-5", T0 - DAY),
    ];
    Account::start(seed(
        vec![
            droplet(1, "db-1", &["autosnapshot"]),
            droplet(5, "web-5", &["other"]),
        ],
        snapshots,
    ))
}

#[test]
fn orphans_are_reported_by_default_and_never_deleted() {
    let account = with_orphans();
    let run = account.run(&["-s", "1d", "-k", "0d:1h", "--json"]);
    run.expect_code(0).expect_no_panic();
    let report = json(&run.stdout);
    let orphans = report["orphans"].as_array().unwrap();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let o = &orphans[0];
    assert_eq!(o["kind"], "droplet");
    assert_eq!(o["droplet_id"], 9);
    assert_eq!(o["name"], "old-web");
    let ids: Vec<u64> = o["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [90, 91, 92]);
    assert_eq!(o["size_gigabytes"], 7.02);
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
    // A droplet that lost its tag was asked about, and is no orphan.
    assert_eq!(account.count("GET", "/v2/droplets/5"), 1);
    assert_eq!(account.count("GET", "/v2/droplets/9"), 1);
    let table = account.run(&["-s", "1d", "-k", "0d:1h"]);
    table.expect_stdout("droplet 9 (old-web): 3 snapshot(s), 7.02 GB, 0.42 USD a month");
    // keep: not a word, not a request.
    account.fake.clear_requests();
    let quiet = account.run(&["-s", "1d", "-k", "0d:1h", "--orphans", "keep"]);
    assert!(!quiet.stdout.contains("Orphans"));
    assert_eq!(account.count("GET", "/v2/droplets/9"), 0);
}

#[test]
fn orphans_are_pruned_only_when_asked_and_the_newest_is_kept() {
    let account = with_orphans();
    let run = account.run(&["-s", "1d", "-k", "0d:1h", "--orphans", "prune", "--json"]);
    run.expect_code(0).expect_no_panic();
    let mut left: Vec<u64> = account.fake.snapshots().iter().map(|s| s.id).collect();
    left.sort();
    // 90 and 91 pruned; 92 (the newest) and the one made by hand stay; nothing else touched.
    assert_eq!(left, [10, 50, 92, 93]);
    let deleted = &json(&run.stdout)["orphans"][0]["deleted"];
    assert_eq!(deleted.as_array().unwrap().len(), 2);
    // --max-delete covers orphans too.
    let account = with_orphans();
    let run = account.run(&[
        "-s",
        "1d",
        "-k",
        "0d:1h",
        "--orphans",
        "prune",
        "--max-delete",
        "1",
    ]);
    run.expect_code(3);
    assert_eq!(account.fake.snapshots().len(), 5);
}

#[test]
fn a_destroyed_volume_leaves_orphans_too() {
    let mut s = with_volume(vec![
        volume_snapshot(
            1,
            GONE_VOLUME,
            "old-data-autosnapshot-20251201T000000Z",
            T0 - 31 * DAY,
        ),
        volume_snapshot(
            2,
            GONE_VOLUME,
            "old-data-autosnapshot-20251202T000000Z",
            T0 - 30 * DAY,
        ),
    ]);
    s.volume_snapshot_interval_seconds = 0;
    let account = Account::start(s);
    let run = account.run(&[
        "-s",
        "1d",
        "--volumes",
        "--orphans",
        "prune",
        "-k",
        "0d:1d",
        "--json",
    ]);
    run.expect_code(0).expect_no_panic();
    let o = &json(&run.stdout)["orphans"][0];
    assert_eq!(o["kind"], "volume");
    assert_eq!(o["volume_id"], GONE_VOLUME);
    assert_eq!(o["name"], "old-data");
    let left: Vec<String> = volume_names(&account)
        .into_iter()
        .filter(|n| n.starts_with("old-data"))
        .collect();
    assert_eq!(left, ["old-data-autosnapshot-20251202T000000Z"]);
}

#[test]
fn storage_and_its_cost_are_reported_per_droplet_and_in_all() {
    let account = Account::start(seed(
        vec![droplet(1, "web-1", &["autosnapshot"])],
        vec![
            owned(10, 1, "web-1", T0 - 2 * HOUR),
            owned(11, 1, "web-1", T0 - HOUR),
        ],
    ));
    let run = account.run(&["-s", "1d", "--json", "--price-per-gb", "1"]);
    run.expect_code(0);
    let report = json(&run.stdout);
    // The emulator bills 2.34 GB a droplet snapshot.
    assert_eq!(report["droplets"][0]["storage_gigabytes"], 4.68);
    assert_eq!(report["droplets"][0]["monthly_cost"], 4.68);
    assert_eq!(report["storage"]["gigabytes"], 4.68);
    assert_eq!(report["storage"]["price_per_gb"], 1.0);
    let table = account.run(&["-s", "1d"]);
    table.expect_stdout("Storage: 4.68 GB of snapshots, 0.28 USD a month at 0.06 USD per GB-month");
    let bad = account.run(&["-s", "1d", "--price-per-gb", "-1"]);
    bad.expect_code(2).expect_stderr("--price-per-gb");
}

#[test]
fn status_checks_volumes_too() {
    let account = Account::start(with_volume(vec![volume_snapshot(
        1,
        VOLUME,
        &format!("data-autosnapshot-{}", stamp(T0 - 3 * DAY)),
        T0 - 3 * DAY,
    )]));
    let token = account.token_path();
    // The droplet has no snapshot (WARNING); its volume's newest is three days old (CRITICAL).
    let run = account.run_exact(&[
        "status",
        "--token",
        &token,
        "--volumes",
        "--max-age",
        "2d",
        "--json",
    ]);
    run.expect_code(2).expect_no_panic();
    let doc = json(&run.stdout);
    let volume = doc["droplets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["volume_id"] == VOLUME)
        .expect("the volume's line");
    assert_eq!(volume["name"], "db-1/data");
    assert_eq!(volume["level"], "CRITICAL");
    let text = account.run_exact(&["status", "--token", &token, "--volumes", "--max-age", "2d"]);
    assert!(text.stdout.starts_with("CRITICAL"), "{}", text.stdout);
    text.expect_stdout("db-1/data");
}

#[test]
fn explain_covers_volumes() {
    let account = Account::start(with_volume(dailies(6)));
    let run = account.run(&[
        "-s",
        "1d",
        "-k",
        "0d:3d",
        "--volumes",
        "--dryrun",
        "--explain",
        "--json",
    ]);
    run.expect_code(0).expect_no_panic();
    let list = &json(&run.stdout)["droplets"][0]["volumes"][0]["explain"];
    let list = list.as_array().expect("the volume's verdicts");
    assert_eq!(list.len(), 6);
    assert_eq!(list[0]["verdict"], "delete");
    assert_eq!(list[5]["verdict"], "kept");
    let text = account.run(&[
        "-s",
        "1d",
        "-k",
        "0d:3d",
        "--volumes",
        "--dryrun",
        "--explain",
    ]);
    text.expect_stdout("db-1/data");
}
