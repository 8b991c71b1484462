//! Forward: streams published on one server are republished to another.

mod common;

use std::time::Duration;

use common::*;

fn play_frames(addr: std::net::SocketAddr, url: &str, want: usize) -> (usize, bool) {
    let mut p = client(addr, url);
    p.play().expect("play on the destination");
    p.get_ref()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut frames = 0;
    let mut first_key = None;
    while frames < want {
        match p.read_media() {
            Ok(Some(m)) if m.is_video() && !m.is_sequence_header() => {
                first_key.get_or_insert(m.is_keyframe());
                frames += 1;
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    (frames, first_key.unwrap_or(false))
}

#[test]
fn a_published_stream_is_forwarded_to_the_destination() {
    let dest = TestServer::default_vhost();
    let origin = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ forward 127.0.0.1:{}; }}\n",
        dest.addr.port()
    ));
    let publisher = publish_in_background(
        origin.addr,
        &origin.url("fw"),
        read_flv(&fixture_flv(8)),
        true,
    );
    std::thread::sleep(Duration::from_millis(1500));
    let (frames, key_first) = play_frames(dest.addr, &dest.url("fw"), 100);
    assert_eq!(frames, 100, "the destination plays the forwarded stream");
    assert!(key_first, "starting at a keyframe");
    publisher.join().expect("publisher");
}

#[test]
fn a_destination_that_comes_up_later_is_retried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let origin = TestServer::start(&format!(
        "vhost __defaultVhost__ {{ forward 127.0.0.1:{port}; }}\n"
    ));
    let publisher = publish_in_background(
        origin.addr,
        &origin.url("late"),
        read_flv(&fixture_flv(14)),
        true,
    );
    std::thread::sleep(Duration::from_secs(2));
    let config = srs_app::config::Config::parse_str(
        &format!("listen 127.0.0.1:{port};\ndaemon off;\nvhost __defaultVhost__ {{ }}\n"),
        std::path::Path::new("dest.conf"),
    )
    .expect("config");
    let server = srs_app::Server::bind(config, false).expect("bind the late destination");
    let handle = server.handle();
    let t = std::thread::spawn(move || {
        let mut s = server;
        s.run().expect("run")
    });
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let url = format!("rtmp://127.0.0.1:{port}/live/late");
    let ok = wait_until(8, || play_frames(addr, &url, 25).0 == 25);
    assert!(ok, "the forward reached the destination after a retry");
    handle.stop();
    t.join().expect("destination thread");
    publisher.join().expect("publisher");
}
