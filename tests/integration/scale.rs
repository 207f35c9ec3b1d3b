//! A thousand droplets inside DigitalOcean's rate limit: what a run costs in requests.

use crate::account::{Account, DAY, HOUR, T0, droplet, owned, seed};

/// 1,000 tagged droplets, each with `held` snapshots taken `age` seconds apart ending `last`
/// seconds before T0.
fn fleet(held: u64, last: i64) -> Account {
    let droplets: Vec<_> = (1..=1_000)
        .map(|i| droplet(i, &format!("node-{i}"), &["autosnapshot"]))
        .collect();
    let snapshots: Vec<_> = (1..=1_000u64)
        .flat_map(|d| {
            (0..held).map(move |k| {
                let at = T0 - last - (k as i64) * DAY;
                owned(10_000 + d * 10 + k, d, &format!("node-{d}"), at)
            })
        })
        .collect();
    Account::start(seed(droplets, snapshots))
}

#[test]
fn a_thousand_due_droplets_cost_one_request_each_and_a_few_more() {
    let account = fleet(0, 0);
    let run = account.run(&["-s", "1d", "--fake-clock"]);
    run.expect_code(0).expect_no_panic();
    assert_eq!(account.fake.actions().len(), 1_000);
    let requests = account.fake.requests();
    // 5 pages of droplets, 1 of snapshots, 1 of the account's recent actions, 1,000 requests.
    assert!(requests.len() <= 1_030, "{} requests", requests.len());
    assert_eq!(account.count("GET", "/v2/droplets/"), 0);
    assert_eq!(requests.iter().filter(|r| r.status == 429).count(), 0);
}

#[test]
fn due_droplets_with_snapshots_share_one_read_of_the_accounts_actions() {
    // Each droplet's newest snapshot a day and an hour old: all due, with 10 snapshots each.
    let account = fleet(10, DAY + HOUR);
    let run = account.run(&["-s", "1d", "--fake-clock"]);
    run.expect_code(0).expect_no_panic();
    assert_eq!(account.fake.actions().len(), 1_000);
    // 5 + 50 pages of listings, the shared read, and the 1,000 requests.
    let requests = account.fake.requests().len();
    assert!(requests <= 5 + 50 + 1 + 1_000 + 5, "{requests} requests");
    assert_eq!(account.count("GET", "/v2/actions"), 1);
    assert_eq!(account.count("GET", "/v2/droplets/"), 0);
}

#[test]
fn two_thousand_requests_meet_no_429() {
    // 1,000 snapshots, waited for and copied in one run: over 2,000 requests, against the
    // emulator's limits of 250 a minute and 5,000 an hour.
    let account = fleet(0, 0);
    let run = account.run(&["-s", "1d", "-r", "lon1", "--wait", "--fake-clock"]);
    run.expect_code(0).expect_no_panic();
    let requests = account.fake.requests().len();
    assert!(requests > 2_000, "{requests} requests");
    assert_eq!(account.fake.too_many_requests(), 0);
    let transfers = account
        .fake
        .actions()
        .iter()
        .filter(|a| a.kind == "transfer")
        .count();
    assert_eq!(transfers, 1_000);
}
