//! The bandwidth test's two state machines over real client and server
//! sessions, wired in memory through a simulated link with a manual clock.

use bytes::{Buf, Bytes};
use srs_core::FastRng;
use srs_kernel::amf0::decode_all;
use srs_kernel::Amf0Value;

use super::*;
use crate::command::ServerInfo;
use crate::out_queue::OutQueue;
use crate::session::client::{ClientConfig, ClientEvent, ClientSession};
use crate::session::server::{ServerEvent, ServerSession};

const URL: &str =
    "rtmp://127.0.0.1:1935/app?key=35c9b402c12a7246868752e2878f7e0e&vhost=bandcheck.srs.com";

/// Takes up to `max` bytes off a queue.
fn take(q: &mut OutQueue, max: usize) -> Vec<u8> {
    let mut v = Vec::new();
    while q.has_remaining() && v.len() < max {
        let c = q.chunk();
        let n = c.len().min(max - v.len());
        v.extend_from_slice(&c[..n]);
        q.advance(n);
    }
    v
}

/// A client and a server session after handshake and connect, plus the
/// two bandwidth machines, joined by a link of `bytes_per_ms` each way.
struct Sim {
    now: u64,
    c: ClientSession,
    s: ServerSession,
    bwc: BandwidthClient,
    bws: BandwidthServer,
    bytes_per_ms: usize,
    client_out: Vec<ClientAction>,
    server_out: Vec<BandwidthAction>,
    server_phases: Vec<ServerPhase>,
    client_phases: Vec<ClientPhase>,
    /// Bytes that crossed server -> client while the server was in its play phase.
    play_wire: u64,
    play_ms: u64,
    /// Largest server out queue seen.
    max_server_queue: usize,
    server_calls: Vec<String>,
    client_calls: Vec<String>,
}

impl Sim {
    fn new(config: BandwidthServerConfig, bytes_per_ms: usize) -> Sim {
        let (cfg, stream) = ClientConfig::from_url(URL).expect("url");
        assert!(stream.is_empty());
        let mut c = ClientSession::new(cfg, FastRng::new(1), 0);
        let mut s = ServerSession::new(FastRng::new(2), 0);
        // Handshake and connect over an unlimited link.
        let mut connected = false;
        for _ in 0..20 {
            let a = take(c.out_queue(), usize::MAX);
            if !a.is_empty() {
                s.feed(&a).expect("server feed");
            }
            while let Some(e) = s.poll_event() {
                if let ServerEvent::ConnectRequested(req) = e {
                    assert!(req.tc_url.contains("key=35c9b402c12a7246868752e2878f7e0e"));
                    s.accept_connect(65000, &ServerInfo::default())
                        .expect("accept");
                }
            }
            let b = take(s.out_queue(), usize::MAX);
            if !b.is_empty() {
                c.feed(&b).expect("client feed");
            }
            while let Some(e) = c.poll_event() {
                connected |= matches!(e, ClientEvent::Connected);
            }
        }
        assert!(connected, "client connected");
        Sim {
            now: 1000,
            c,
            s,
            bwc: BandwidthClient::new(1000, 5000),
            bws: BandwidthServer::new(config, 1000),
            bytes_per_ms,
            client_out: Vec::new(),
            server_out: Vec::new(),
            server_phases: vec![ServerPhase::Idle],
            client_phases: vec![ClientPhase::WaitingStart],
            play_wire: 0,
            play_ms: 0,
            max_server_queue: 0,
            server_calls: Vec::new(),
            client_calls: Vec::new(),
        }
    }

    fn name_of(payload: &Bytes) -> String {
        decode_all(payload).expect("amf0")[0]
            .as_str()
            .expect("name")
            .to_string()
    }

    /// Polls both machines and queues what they send.
    fn poll(&mut self) {
        for a in self.bws.poll(self.now) {
            match &a {
                BandwidthAction::Send(p) => {
                    let name = Self::name_of(p);
                    if name != names::PLAYING {
                        self.server_calls.push(name);
                    }
                    self.s.send_connection_command(p.clone());
                }
                other => self.server_out.push(other.clone()),
            }
        }
        for a in self.bwc.poll(self.now) {
            match &a {
                ClientAction::Send(p) => {
                    let name = Self::name_of(p);
                    if name != names::PUBLISHING {
                        self.client_calls.push(name);
                    }
                    self.c.send_stream_command(p.clone());
                }
                other => self.client_out.push(other.clone()),
            }
        }
        self.max_server_queue = self.max_server_queue.max(self.s.out_queue_len());
        if self.server_phases.last() != Some(&self.bws.phase()) {
            self.server_phases.push(self.bws.phase());
        }
        if self.client_phases.last() != Some(&self.bwc.phase()) {
            self.client_phases.push(self.bwc.phase());
        }
    }

    /// Moves one millisecond worth of bytes each way and delivers the calls.
    fn transfer(&mut self, budget: usize) -> bool {
        let playing = self.bws.phase() == ServerPhase::Playing;
        let down = take(self.s.out_queue(), budget);
        let up = take(self.c.out_queue(), budget);
        if !down.is_empty() {
            self.bws.on_bytes_sent(down.len() as u64);
            if playing {
                self.play_wire += down.len() as u64;
            }
            self.bwc.on_bytes_received(down.len() as u64);
            self.c.feed(&down).expect("client feed");
            while let Some(e) = self.c.poll_event() {
                if let ClientEvent::Call { name, args, .. } = e {
                    self.bwc.on_call(&name, &args, self.now);
                }
            }
        }
        if !up.is_empty() {
            self.bwc.on_bytes_sent(up.len() as u64);
            self.bws.on_bytes_received(up.len() as u64);
            self.s.feed(&up).expect("server feed");
            while let Some(e) = self.s.poll_event() {
                if let ServerEvent::Call { name, args, .. } = e {
                    self.bws.on_call(&name, &args, self.now);
                }
            }
        }
        !down.is_empty() || !up.is_empty()
    }

    /// Runs until both sides are done; the clock jumps to the next wakeup
    /// when the link is idle, so late wakeups would show as a low rate.
    fn run(&mut self, limit_ms: u64) {
        let deadline = self.now + limit_ms;
        while !(self.bws.is_done() && self.bwc.phase() == ClientPhase::Done) {
            assert!(self.now < deadline, "test still running at {}", self.now);
            self.poll();
            let was_playing = self.bws.phase() == ServerPhase::Playing;
            let busy = self.transfer(self.bytes_per_ms);
            self.poll();
            let next = [self.bws.next_wakeup_ms(), self.bwc.next_wakeup_ms()]
                .into_iter()
                .flatten()
                .min();
            let queued = self.s.out_queue_len() + self.c.out_queue_len();
            let step = if busy || queued > 0 {
                1
            } else {
                match next {
                    Some(t) if t > self.now => t - self.now,
                    Some(_) => 0,
                    None => 1,
                }
            };
            if was_playing {
                self.play_ms += step;
            }
            self.now += step;
        }
    }

    fn server_report(&self) -> BandwidthReport {
        match &self.server_out[..] {
            [BandwidthAction::Finished(r)] => *r,
            other => panic!("server ended with {other:?}"),
        }
    }

    fn client_report(&self) -> BandwidthReport {
        match &self.client_out[..] {
            [ClientAction::Done(r)] => *r,
            other => panic!("client ended with {other:?}"),
        }
    }
}

fn within(value: u64, target: u64, pct: u64) -> bool {
    value * 100 >= target * (100 - pct) && value * 100 <= target * (100 + pct)
}

#[test]
fn full_test_measures_the_limit_on_a_fast_link() {
    for limit in [4000, 1000, 300] {
        // 100 Mbit/s link: much faster than the limit.
        let mut sim = Sim::new(BandwidthServerConfig::new(limit), 12_500);
        sim.run(60_000);
        let r = sim.server_report();
        eprintln!(
            "limit {limit}: {r:?}, wire {} kbps",
            kbps(sim.play_wire, sim.play_ms)
        );
        assert_eq!(r, sim.client_report(), "the client got the server's report");
        assert!(within(r.play_kbps, limit, 20), "limit {limit}: {r:?}");
        assert!(within(r.publish_kbps, limit, 20), "limit {limit}: {r:?}");
        assert!((3000..3100).contains(&r.play_time_ms), "{r:?}");
        assert!((2900..3100).contains(&r.publish_time_ms), "{r:?}");
        assert_eq!(r.play_kbps, kbps(r.play_bytes, r.play_time_ms));
        assert_eq!(r.publish_kbps, kbps(r.publish_bytes, r.publish_time_ms));
        assert_eq!(r.start_time_ms, 1000);
        assert!(r.end_time_ms >= r.start_time_ms + 6000, "{r:?}");
        // The server never went above the limit (+20%) on the wire.
        let wire = kbps(sim.play_wire, sim.play_ms);
        assert!(wire <= limit * 120 / 100, "limit {limit}: sent {wire} kbps");
        let m = sim.bwc.measured();
        assert!(
            within(kbps(m.play_bytes, m.play_time_ms), limit, 20),
            "{m:?}"
        );
        assert!(
            within(kbps(m.publish_bytes, m.publish_time_ms), limit, 20),
            "{m:?}"
        );

        assert_eq!(
            sim.server_phases,
            [
                ServerPhase::Idle,
                ServerPhase::StartingPlay,
                ServerPhase::Playing,
                ServerPhase::StoppingPlay,
                ServerPhase::StartingPublish,
                ServerPhase::Publishing,
                ServerPhase::StoppingPublish,
                ServerPhase::Reporting,
                ServerPhase::Done,
            ]
        );
        assert_eq!(
            sim.client_phases,
            [
                ClientPhase::WaitingStart,
                ClientPhase::Playing,
                ClientPhase::WaitingPublish,
                ClientPhase::Publishing,
                ClientPhase::StoppingPublish,
                ClientPhase::WaitingReport,
                ClientPhase::Done,
            ]
        );
        assert_eq!(
            sim.server_calls,
            [
                names::START_PLAY,
                names::STOP_PLAY,
                names::START_PUBLISH,
                names::STOP_PUBLISH,
                names::FINISHED
            ]
        );
        assert_eq!(
            sim.client_calls,
            [
                names::STARTING_PLAY,
                names::STOPPED_PLAY,
                names::STARTING_PUBLISH,
                names::STOP_PUBLISH,
                names::STOPPED_PUBLISH,
                names::FINAL
            ]
        );
    }
}

#[test]
fn a_slow_link_is_measured_and_the_queue_stays_bounded() {
    // 1000 kbit/s link (125 bytes/ms), limit 4000: both phases measure the link.
    let mut sim = Sim::new(BandwidthServerConfig::new(4000), 125);
    sim.run(60_000);
    let r = sim.server_report();
    eprintln!("slow link: {r:?}, max queue {}", sim.max_server_queue);
    assert!(within(r.play_kbps, 1000, 10), "{r:?}");
    assert!(within(r.publish_kbps, 1000, 10), "{r:?}");
    assert!(
        (sim.max_server_queue as u64) < server::MAX_BACKLOG + 64 * 1024,
        "server queue grew to {}",
        sim.max_server_queue
    );
}

#[test]
fn flash_clients_get_the_report_without_answering_the_end() {
    let mut config = BandwidthServerConfig::new(1000);
    config.flash = true;
    config.unix_offset_ms = 1_700_000_000_000;
    let mut s = BandwidthServer::new(config, 0);
    let sent = |a: &[BandwidthAction]| -> Vec<String> {
        a.iter()
            .filter_map(|a| match a {
                BandwidthAction::Send(p) => Some(Sim::name_of(p)),
                _ => None,
            })
            .filter(|n| n != names::PLAYING)
            .collect()
    };
    assert_eq!(sent(&s.poll(0)), [names::START_PLAY]);
    s.on_call(names::STARTING_PLAY, &[], 10);
    // The first filler (about 10 ms worth) may go 10 ms after the start.
    assert!(
        matches!(s.next_wakeup_ms(), Some(20..=22)),
        "{:?}",
        s.next_wakeup_ms()
    );
    let mut t = 10;
    let mut polls = 0;
    while s.phase() == ServerPhase::Playing {
        t = s.next_wakeup_ms().expect("wakeup");
        for a in s.poll(t) {
            if let BandwidthAction::Send(p) = a {
                s.on_bytes_sent(p.len() as u64);
            }
        }
        polls += 1;
    }
    // About one filler per 10 ms.
    assert!((250..=320).contains(&polls), "{polls} polls");
    assert_eq!(t, 3010, "the play phase ends on time");
    s.on_call(names::STOPPED_PLAY, &[], 3020);
    assert_eq!(sent(&s.poll(3020)), [names::START_PUBLISH]);
    s.on_call(names::STARTING_PUBLISH, &[], 3030);
    s.on_bytes_received(375_000);
    // 375000 bytes in 100 ms is far above 1000 kbps: reads pause until 3000 ms after start.
    assert!(!s.read_allowed(3130));
    assert!(s.read_allowed(6030));
    // Flash never sends the stopped-publish answer.
    assert_eq!(sent(&s.poll(6030)), [names::STOP_PUBLISH, names::FINISHED]);
    assert!(s.poll(6100).is_empty());
    assert_eq!(s.next_wakeup_ms(), Some(6030 + FLASH_FINAL_WAIT_MS));
    match &s.poll(6630)[..] {
        [BandwidthAction::Finished(r)] => {
            assert_eq!(r.publish_bytes, 375_000);
            assert_eq!(r.publish_time_ms, 3000);
            assert_eq!(r.publish_kbps, 1000);
            assert_eq!(r.play_time_ms, 3000);
            assert!(within(r.play_kbps, 1000, 5), "{r:?}");
            assert_eq!(r.start_time_ms, 1_700_000_000_000);
            assert_eq!(r.end_time_ms, 1_700_000_006_030);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.is_done());
    assert_eq!(s.next_wakeup_ms(), None);
}

#[test]
fn the_server_gives_up_on_a_silent_client() {
    let mut s = BandwidthServer::new(BandwidthServerConfig::new(1000), 0);
    assert_eq!(s.poll(0).len(), 1);
    // Filler and out-of-order answers are ignored.
    s.on_call(names::PUBLISHING, &[], 5);
    s.on_call(names::STOPPED_PLAY, &[], 5);
    s.on_call(names::FINAL, &[], 5);
    assert_eq!(s.phase(), ServerPhase::StartingPlay);
    assert_eq!(s.next_wakeup_ms(), Some(6000));
    assert!(s.poll(5999).is_empty());
    match &s.poll(6000)[..] {
        [BandwidthAction::Failed(why)] => assert!(why.contains(names::STARTING_PLAY), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(s.is_done());
}

#[test]
fn a_client_never_started_says_why() {
    let mut c = BandwidthClient::new(100, 3000);
    assert!(c.poll(100).is_empty());
    // Calls that are not the start are ignored.
    c.on_call(names::STOP_PLAY, &[], 200);
    c.on_call("onBWDone", &[], 200);
    assert_eq!(c.next_wakeup_ms(), Some(3100));
    match &c.poll(3100)[..] {
        [ClientAction::Failed(f)] => {
            assert_eq!(*f, BandwidthFailure::NotStarted { waited_ms: 3000 });
            assert!(f
                .to_string()
                .contains("bandcheck enabled and the key right"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_client_stops_publishing_when_the_server_says_so() {
    let mut c = BandwidthClient::new(0, 3000);
    let start = Amf0Value::object(vec![
        ("limit_kbps", Amf0Value::Number(800.0)),
        ("duration_ms", Amf0Value::Number(3000.0)),
        ("interval_ms", Amf0Value::Number(0.0)),
    ]);
    c.on_call(names::START_PLAY, std::slice::from_ref(&start), 0);
    c.on_call(names::STOP_PLAY, &[], 3000);
    c.on_call(names::START_PUBLISH, std::slice::from_ref(&start), 3010);
    let names_of = |a: Vec<ClientAction>| -> Vec<String> {
        a.iter()
            .filter_map(|a| match a {
                ClientAction::Send(p) => Some(Sim::name_of(p)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        names_of(c.poll(3010)),
        [
            names::STARTING_PLAY,
            names::STOPPED_PLAY,
            names::STARTING_PUBLISH
        ]
    );
    // 800 kbps = 100 bytes/ms: after 500 ms at most ~50 KB may have gone.
    let sent: usize = c
        .poll(3510)
        .iter()
        .map(|a| match a {
            ClientAction::Send(p) => p.len(),
            _ => 0,
        })
        .sum();
    assert!((45_000..=50_000).contains(&sent), "{sent}");
    c.on_bytes_sent(sent as u64);
    c.on_call(names::STOP_PUBLISH, &[], 4000);
    assert_eq!(c.phase(), ClientPhase::WaitingReport);
    assert_eq!(names_of(c.poll(4000)), [names::STOPPED_PUBLISH]);
    let report = BandwidthReport {
        play_kbps: 7,
        publish_time_ms: 9,
        ..Default::default()
    };
    c.on_call(names::FINISHED, &[report.to_amf0()], 4100);
    let actions = c.poll(4100);
    assert!(
        matches!(&actions[..], [ClientAction::Send(p), ClientAction::Done(r)]
        if Sim::name_of(p) == names::FINAL && *r == report)
    );
    assert_eq!(c.next_wakeup_ms(), None);
}

#[test]
fn packets_have_srs_layout() {
    let p = packet(
        names::START_PLAY,
        Amf0Value::object(vec![("a", Amf0Value::Number(1.0))]),
    );
    let v = decode_all(&p).expect("amf0");
    assert_eq!(v.len(), 4);
    assert_eq!(v[0].as_str(), Some(names::START_PLAY));
    assert_eq!(v[1], Amf0Value::Number(0.0));
    assert_eq!(v[2], Amf0Value::Null);
    assert_eq!(v[3].get("a").and_then(|a| a.as_f64()), Some(1.0));
    // Exact head bytes: string marker, length, name, number 0, null, object.
    assert_eq!(&p[..3], &[0x02, 0x00, names::START_PLAY.len() as u8]);
    let after = 3 + names::START_PLAY.len();
    assert_eq!(&p[after..after + 9], &[0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&p[after + 9..after + 11], &[0x05, 0x03]);

    let r = BandwidthReport {
        start_time_ms: 1,
        end_time_ms: 2,
        play_kbps: 3,
        publish_kbps: 4,
        play_bytes: 5,
        publish_bytes: 6,
        play_time_ms: 7,
        publish_time_ms: 8,
    };
    let keys: Vec<String> = match r.to_amf0() {
        Amf0Value::Object(p) => p.into_iter().map(|(k, _)| k).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        keys,
        [
            "start_time",
            "end_time",
            "play_kbps",
            "publish_kbps",
            "play_bytes",
            "publish_bytes",
            "play_time",
            "publish_time"
        ]
    );
    assert_eq!(BandwidthReport::from_amf0(&r.to_amf0()), r);
    assert_eq!(
        BandwidthReport::from_amf0(&Amf0Value::Null),
        BandwidthReport::default()
    );

    for limit in [0, 100, 4000, 100_000] {
        let f = filler(names::PLAYING, filler_size(limit));
        let want = filler_size(limit);
        assert!(
            f.len() <= want + 100 && f.len() >= want,
            "{} vs {want}",
            f.len()
        );
        assert_eq!(Sim::name_of(&f), names::PLAYING);
    }
    assert_eq!(kbps(1000, 0), 0);
    assert_eq!(kbps(375_000, 3000), 1000);
}
