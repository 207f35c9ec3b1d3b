//! Copying the snapshots this run took and waited for to the `-r` regions, in the same run.
//! A completed snapshot action does not name its snapshot, and the listings lag behind the
//! actions: the new snapshots are found by name in one read of the account's listing, read
//! again a few times for any not listed yet, then left to the next run.

use std::time::Duration;

use super::{Job, Phased};
use crate::cloud::Copying;
use crate::interrupt;
use crate::run::outcome::TransferRequest;
use crate::sanitize::Clean;

/// Reads of the snapshot listing for the new snapshots, and the pause between them.
const LISTING_READS: u32 = 3;
const LISTING_PAUSE: Duration = Duration::from_secs(30);

impl Phased<'_> {
    /// Copies the snapshots completed in this phase to the `-r` regions. The listing lags
    /// behind the actions: one not listed yet is read for again a few times, then left to the
    /// next run.
    pub(super) fn copy(&mut self, jobs: &[Job], regions: &[String]) {
        if regions.is_empty() {
            return;
        }
        let mut wanted: Vec<(u64, String)> = jobs
            .iter()
            .filter(|j| j.snapshot_ok)
            .filter_map(|j| j.name.clone().map(|n| (j.ready.droplet_id, n)))
            .collect();
        let report_of = |droplet: u64| {
            jobs.iter()
                .find(|j| j.ready.droplet_id == droplet)
                .map(|j| j.index)
        };
        for read in 0..LISTING_READS {
            if wanted.is_empty() || interrupt::requested().is_some() {
                break;
            }
            if read > 0 {
                self.cloud.pause(LISTING_PAUSE);
            }
            let found = match self.cloud.find_snapshots(&wanted) {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!("reading the new snapshots to copy them failed: {e}");
                    if e.is_fatal() {
                        self.fatal.get_or_insert(e);
                    }
                    return;
                }
            };
            for snapshot in found {
                wanted.retain(|(d, n)| !(*d == snapshot.droplet_id && *n == snapshot.name));
                let Some(index) = report_of(snapshot.droplet_id) else {
                    continue;
                };
                for region in regions.iter().filter(|r| !snapshot.regions.contains(r)) {
                    match self.cloud.transfer_snapshot(snapshot.id, region) {
                        Ok(Copying::UnderWay) => {}
                        Ok(Copying::Started) => {
                            tracing::info!(
                                "droplet {}: transferring snapshot {} to {}",
                                Clean(&self.reports[index].name),
                                snapshot.id,
                                Clean(region)
                            );
                            self.reports[index].transfers.push(TransferRequest {
                                snapshot_id: snapshot.id,
                                region: region.clone(),
                            });
                        }
                        Err(e) => {
                            let fatal = e.is_fatal();
                            let message = e.to_string();
                            tracing::error!(
                                "droplet {}: {message}",
                                Clean(&self.reports[index].name)
                            );
                            self.reports[index].errors.push(message);
                            if fatal {
                                self.fatal.get_or_insert(e);
                                return;
                            }
                        }
                    }
                }
            }
        }
        for (droplet, name) in wanted {
            tracing::warn!(
                "droplet {droplet}: snapshot {} is not listed yet; the next run copies it to \
                 the -r regions",
                Clean(&name)
            );
        }
    }
}
