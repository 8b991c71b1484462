//! The server side of SRS's bandwidth test on a `bandcheck` vhost: the
//! connection runs the test (play phase, publish phase, report) and closes.

use srs_core::log::ContextGuard;
use srs_rtmp::bandwidth::{BandwidthAction, BandwidthServer, BandwidthServerConfig};
use srs_rtmp::command::ConnectCommand;
use srs_rtmp::RtmpError;

use super::Server;
use crate::config::VhostConfig;
use crate::error::ConnError;
use crate::ids::ConnId;

/// How a bandcheck connect was judged.
pub(crate) enum Bandcheck {
    /// Not a bandcheck vhost: a normal connection.
    No,
    /// The test was started.
    Started,
    /// Refused (the connection is closing).
    Refused,
}

impl Server {
    /// Starts the bandwidth test when connect `c` is for a vhost with
    /// `bandcheck` on. SRS's rules: the tcUrl must carry `key=KEY` (else the
    /// connection is closed without an answer) and a vhost runs one test per
    /// `interval` seconds (else the connect is rejected).
    pub(crate) fn try_bandcheck(
        &mut self,
        id: ConnId,
        c: &ConnectCommand,
        vhost: &VhostConfig,
    ) -> Result<Bandcheck, RtmpError> {
        let bc = &vhost.bandcheck;
        if !bc.enabled {
            return Ok(Bandcheck::No);
        }
        if !c.tc_url.contains(&format!("key={}", bc.key)) {
            self.close(
                id,
                ConnError::Bandcheck("the tcUrl does not carry the vhost's key".into()),
            );
            return Ok(Bandcheck::Refused);
        }
        let now = self.now_ms;
        let interval_ms = (bc.interval_secs * 1000.0) as u64;
        if let Some(last) = self.last_bandcheck_ms.get(&vhost.name) {
            if now.saturating_sub(*last) < interval_ms {
                if let Some(rtmp) = self.conns.get_mut(id).and_then(|c| c.rtmp()) {
                    rtmp.session
                        .reject_connect("bandcheck rejected: too soon after the last one")?;
                }
                self.refuse(
                    id,
                    "bandcheck: another test ran less than interval seconds ago",
                );
                return Ok(Bandcheck::Refused);
            }
        }
        self.last_bandcheck_ms.insert(vhost.name.clone(), now);
        let mut config = BandwidthServerConfig::new(bc.limit_kbps as u64);
        config.flash = !c.swf_url.is_empty();
        config.unix_offset_ms = self.start_unix_ms;
        let chunk_size = self.config.vhost_chunk_size(vhost);
        let mut info = self.server_info.clone();
        let Some(conn) = self.conns.get_mut(id) else {
            return Ok(Bandcheck::Refused);
        };
        info.connection_id = conn.cid;
        let Some(rtmp) = conn.rtmp() else {
            return Ok(Bandcheck::Refused);
        };
        rtmp.session.accept_connect(chunk_size, &info)?;
        rtmp.bandwidth = Some(Box::new(BandwidthServer::new(config, now)));
        log::info!("bandcheck started, limit {} kbps", bc.limit_kbps);
        self.drive_bandwidth(id);
        Ok(Bandcheck::Started)
    }

    /// Runs the test's state machine: sends what it asks, schedules its next wake-up.
    pub(crate) fn drive_bandwidth(&mut self, id: ConnId) {
        let now = self.now_ms;
        let Some(conn) = self.conns.get_mut(id) else {
            return;
        };
        let cid = conn.cid;
        let Some(rtmp) = conn.rtmp() else { return };
        let Some(bw) = rtmp.bandwidth.as_mut() else {
            return;
        };
        let actions = bw.poll(now);
        let wake = bw.next_wakeup_ms();
        let mut failed = None;
        let mut finished = false;
        for action in actions {
            match action {
                BandwidthAction::Send(payload) => rtmp.session.send_connection_command(payload),
                BandwidthAction::Finished(r) => {
                    let _ctx = ContextGuard::enter(cid);
                    log::info!(
                        "bandcheck done: play {} kbps ({} bytes in {} ms), publish {} kbps ({} bytes in {} ms)",
                        r.play_kbps,
                        r.play_bytes,
                        r.play_time_ms,
                        r.publish_kbps,
                        r.publish_bytes,
                        r.publish_time_ms
                    );
                    finished = true;
                }
                BandwidthAction::Failed(why) => failed = Some(why),
            }
        }
        conn.closing |= finished;
        if let Some(why) = failed {
            let _ctx = ContextGuard::enter(cid);
            self.close(id, ConnError::Bandcheck(why.to_string()));
            return;
        }
        if let Some(at) = wake {
            self.schedule(id, at.max(now + 1));
        }
        self.mark_dirty(id);
    }

    /// A connection's timer fired.
    pub(crate) fn on_timer(&mut self, id: ConnId) {
        let has_test = self
            .conns
            .get_mut(id)
            .and_then(|c| c.rtmp())
            .is_some_and(|r| r.bandwidth.is_some());
        if has_test {
            self.drive_bandwidth(id);
        }
    }
}
