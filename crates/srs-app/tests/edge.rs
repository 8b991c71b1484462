//! Edge: players of an edge pull the stream from an origin (with failover),
//! publishers of an edge are pushed to the origin.

mod common;

use std::time::Duration;

use common::*;

fn video_frames(addr: std::net::SocketAddr, url: &str, want: usize, secs: u64) -> usize {
    let mut p = client(addr, url);
    p.play().expect("play on the edge");
    p.get_ref()
        .set_read_timeout(Some(Duration::from_secs(secs)))
        .expect("timeout");
    let mut frames = 0;
    while frames < want {
        match p.read_media() {
            Ok(Some(m)) if m.is_video() && !m.is_sequence_header() => frames += 1,
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    frames
}

fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[test]
fn edge_players_pull_from_the_origin_with_failover() {
    let origin = TestServer::default_vhost();
    // The first origin of the list is down: the edge fails over to the second.
    let edge = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ mode remote; origin 127.0.0.1:{} 127.0.0.1:{}; }}\n",
        dead_port(),
        origin.addr.port()
    ));
    let publisher = publish_in_background(
        origin.addr,
        &origin.url("e"),
        read_flv(&fixture_flv(14)),
        true,
    );
    let frames = video_frames(edge.addr, &edge.url("e"), 50, 10);
    assert_eq!(frames, 50, "the edge player gets the origin's stream");
    // A second player of the edge shares the same pull (one origin connection).
    let frames = video_frames(edge.addr, &edge.url("e"), 25, 5);
    assert_eq!(frames, 25);
    publisher.join().expect("publisher");
}

#[test]
fn a_publish_on_the_edge_reaches_the_origin() {
    let origin = TestServer::default_vhost();
    let edge = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ mode remote; origin 127.0.0.1:{}; }}\n",
        origin.addr.port()
    ));
    let publisher =
        publish_in_background(edge.addr, &edge.url("up"), read_flv(&fixture_flv(8)), true);
    std::thread::sleep(Duration::from_millis(1500));
    let frames = video_frames(origin.addr, &origin.url("up"), 50, 10);
    assert_eq!(
        frames, 50,
        "the origin plays what was published on the edge"
    );
    publisher.join().expect("publisher");
}

#[test]
fn token_traverse_asks_the_origin_before_answering() {
    use srs_rtmp::blocking::Client;
    use srs_rtmp::session::client::ClientConfig;
    use srs_rtmp::RtmpError;
    let origin = TestServer::start("vhost __defaultVhost__ { refer allowed.com; }\n");
    let edge = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ mode remote; origin 127.0.0.1:{}; token_traverse on; }}\n",
        origin.addr.port()
    ));
    let connect = |page: &str| {
        let (mut cfg, stream) = ClientConfig::from_url(&edge.url("t")).expect("url");
        cfg.page_url = page.to_string();
        Client::connect_with(tcp(edge.addr), cfg, &stream).map(|_| ())
    };
    assert!(
        connect("http://www.allowed.com/player.html").is_ok(),
        "the origin accepts, so does the edge"
    );
    match connect("http://evil.org/") {
        Err(RtmpError::Refused { code, description }) => {
            assert_eq!(code, "NetConnection.Connect.Rejected");
            assert!(description.contains("token traverse"), "{description}");
        }
        other => panic!("the origin refuses, so must the edge: {:?}", other.err()),
    }
}
