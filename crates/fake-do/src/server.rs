//! [`FakeDo`]: a running emulator on a loopback port, plus the test-side
//! view of and control over its state.

use std::future::IntoFuture;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::app::app;
use crate::faults::Fault;
use crate::model::{
    ActionState, DropletState, LoggedRequest, SnapshotState, VolumeSnapshotState, VolumeState,
};
use crate::seed::Seed;
use crate::state::{Shared, World, lock};
use crate::timefmt::DateFormat;

/// A running emulator. The server runs on its own thread with a
/// current-thread tokio runtime, so tests with blocking HTTP clients need no
/// async runtime of their own. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeDo {
    shared: Shared,
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeDo {
    /// Starts on a free port of 127.0.0.1.
    pub fn start(seed: Seed) -> io::Result<FakeDo> {
        FakeDo::start_on(seed, 0)
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one). A seed with
    /// duplicate ids is an `InvalidInput` error.
    pub fn start_on(seed: Seed, port: u16) -> io::Result<FakeDo> {
        let world =
            World::from_seed(seed).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let shared = Shared::new(world);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let app = app(shared.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-do-{port}"))
            .spawn(move || {
                // Dropping the runtime on the way out cancels every open
                // connection, so a stop never waits for a slow client.
                runtime.block_on(async move {
                    tokio::select! {
                        _ = axum::serve(listener, app).into_future() => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(FakeDo {
            shared,
            port,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Moves the emulator clock forward (negative values are ignored) and
    /// completes the actions that are now due.
    pub fn advance(&self, seconds: i64) {
        lock(&self.shared).advance(seconds);
    }

    pub fn now(&self) -> jiff::Timestamp {
        lock(&self.shared).now
    }

    /// Every droplet, by id.
    pub fn droplets(&self) -> Vec<DropletState> {
        lock(&self.shared).droplets.values().cloned().collect()
    }

    /// Every completed snapshot, by id, including those the listings do
    /// not show yet because of the listing lag.
    pub fn snapshots(&self) -> Vec<SnapshotState> {
        lock(&self.shared).snapshots.values().cloned().collect()
    }

    /// Every volume, by id.
    pub fn volumes(&self) -> Vec<VolumeState> {
        lock(&self.shared).volumes.values().cloned().collect()
    }

    /// Every volume snapshot, oldest first (`created_at`, then id), the
    /// order of the listings; those of destroyed volumes included.
    pub fn volume_snapshots(&self) -> Vec<VolumeSnapshotState> {
        let world = lock(&self.shared);
        world
            .ordered_volume_snapshots()
            .into_iter()
            .cloned()
            .collect()
    }

    /// Every action ever started, by id.
    pub fn actions(&self) -> Vec<ActionState> {
        lock(&self.shared).actions.values().cloned().collect()
    }

    /// The `/v2` request log, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared).requests.clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared).requests.clear();
    }

    pub fn add_fault(&self, fault: Fault) {
        lock(&self.shared).faults.add(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// Makes the next `count` actions of type `kind` (`transfer`,
    /// `snapshot`, …) to finish end `errored` instead of completing: no
    /// snapshot appears, no region is added, the droplet is unlocked.
    pub fn fail_actions(&self, kind: &str, count: u32) {
        lock(&self.shared).plan_failures(kind, count);
    }

    /// Locks or unlocks a droplet by hand; unknown ids are ignored.
    pub fn set_locked(&self, droplet_id: u64, locked: bool) {
        lock(&self.shared).set_locked(droplet_id, locked);
    }

    /// Makes a completed `shutdown` leave the droplet's `status` as it is
    /// (true) or power it off again (false); `power_off` always powers off.
    /// Unknown ids are ignored. The flag in force when a shutdown completes
    /// decides.
    pub fn set_ignores_shutdown(&self, droplet_id: u64, ignores: bool) {
        lock(&self.shared).set_ignores_shutdown(droplet_id, ignores);
    }

    /// Destroys a droplet, as if deleted outside the test: it leaves the
    /// listings and its GETs answer 404; its snapshots, its actions and its
    /// volumes (now detached) remain. False if there is no such droplet.
    pub fn destroy_droplet(&self, droplet_id: u64) -> bool {
        lock(&self.shared).destroy_droplet(droplet_id)
    }

    /// Destroys a volume, attached or not: it leaves the listings and its
    /// GETs answer 404; its snapshots remain. False if there is no such
    /// volume.
    pub fn destroy_volume(&self, volume_id: &str) -> bool {
        lock(&self.shared).destroy_volume(volume_id)
    }

    /// The shortest time between two snapshots of one volume, from now on;
    /// 0 (or negative) turns the limit off.
    pub fn set_volume_snapshot_interval(&self, seconds: i64) {
        lock(&self.shared).volume_snapshot_interval_seconds = seconds.max(0);
    }

    /// The burst limit, from now on: at most `per_minute` requests in any
    /// 60 seconds of the emulator clock; 0 turns it off. Requests of the
    /// last minute count, even those made while it was off.
    pub fn set_rate_limit_per_minute(&self, per_minute: u32) {
        lock(&self.shared).rate.per_minute = per_minute;
    }

    /// The hourly budget, from now on (`ratelimit-limit`); requests of the
    /// last hour count. 0 refuses every request.
    pub fn set_rate_limit_per_hour(&self, per_hour: u32) {
        lock(&self.shared).rate.per_hour = per_hour;
    }

    /// Real time every later `/v2` reply waits before it is sent, without
    /// blocking other requests; `Duration::ZERO` is none. Control calls
    /// never wait.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared).latency = latency;
    }

    /// How many `/v2` replies had status 429 so far, whatever the cause
    /// (either rate limit, or a fault); `clear_requests` does not reset it.
    pub fn too_many_requests(&self) -> usize {
        lock(&self.shared).too_many_requests
    }

    /// The form of the `Date` header of every later response.
    pub fn set_date_format(&self, format: DateFormat) {
        lock(&self.shared).date_format = format;
    }

    /// Makes `GET /v2/droplets?tag_name=T` list every droplet (true) or
    /// only those tagged `T` again (false).
    pub fn set_ignore_tag_filter(&self, ignore: bool) {
        lock(&self.shared).ignore_tag_filter = ignore;
    }

    /// How many seconds after its action completes a new snapshot shows in
    /// the listings; negative counts as 0. It applies to snapshots already
    /// made too: their visibility is always `completed_at` + the lag now.
    pub fn set_listing_lag(&self, seconds: i64) {
        lock(&self.shared).listing_lag_seconds = seconds.max(0);
    }

    /// Blocks the calling thread until at least one request is held by a
    /// `hold` fault, or `timeout` passes; true if one is. Call it from the
    /// test thread, not from async code.
    pub fn wait_for_held(&self, timeout: Duration) -> bool {
        self.shared.holds.wait_for_held(timeout)
    }

    /// Lets every request held now go on to its real reply. Later matching
    /// requests are held again as the fault's `skip`/`times` say.
    pub fn release_held(&self) {
        self.shared.holds.release();
    }

    /// Blocks until the server stops, which only happens if its thread
    /// dies; the binary uses this to serve forever.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been reported.
            let _ = thread.join();
        }
    }
}

impl Drop for FakeDo {
    /// Held requests do not delay the stop: the server's runtime is dropped
    /// with them still waiting, and their clients see the connection close.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // Fails only if the server thread is already gone.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
