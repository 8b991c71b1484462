//! Vhost settings end to end: resolution, refer checks, chunk size,
//! max_connections, reload.

mod common;

use std::io::Read;
use std::time::Duration;

use common::*;
use srs_rtmp::blocking::Client;
use srs_rtmp::session::client::ClientConfig;
use srs_rtmp::RtmpError;

fn connect_with_page(
    addr: std::net::SocketAddr,
    url: &str,
    page: &str,
) -> Result<Client<std::net::TcpStream>, RtmpError> {
    let (mut cfg, stream) = ClientConfig::from_url(url)?;
    cfg.page_url = page.to_string();
    Client::connect_with(tcp(addr), cfg, &stream)
}

#[test]
fn vhost_resolution_and_chunk_size() {
    let server = TestServer::start(
        "chunk_size 4096;\nvhost __defaultVhost__ { }\nvhost big.test { chunk_size 65000; }\nvhost off.test { enabled off; }\n",
    );
    let port = server.addr.port();
    let c = client(server.addr, &server.url("s"));
    assert_eq!(
        c.peer_chunk_size(),
        4096,
        "root chunk_size for the default vhost"
    );
    let c = client(
        server.addr,
        &format!("rtmp://127.0.0.1:{port}/live?vhost=big.test/s"),
    );
    assert_eq!(c.peer_chunk_size(), 65000, "the vhost's own chunk_size");
    match Client::connect(
        tcp(server.addr),
        &format!("rtmp://127.0.0.1:{port}/live?vhost=off.test/s"),
    ) {
        Err(RtmpError::Refused { code, .. }) => assert_eq!(code, "NetConnection.Connect.Rejected"),
        Err(e) => panic!("expected a rejection, got {e}"),
        Ok(_) => panic!("a disabled vhost must be refused"),
    }
}

#[test]
fn unknown_vhost_without_default_is_refused() {
    let server = TestServer::start("vhost only.test { }\n");
    let port = server.addr.port();
    assert!(matches!(
        Client::connect(tcp(server.addr), &format!("rtmp://127.0.0.1:{port}/live/s")),
        Err(RtmpError::Refused { .. })
    ));
    let mut ok = client(
        server.addr,
        &format!("rtmp://127.0.0.1:{port}/live?vhost=only.test/s"),
    );
    ok.publish().expect("publish on the configured vhost");
}

#[test]
fn refer_checks_connect_play_and_publish() {
    let server = TestServer::start(
        "vhost __defaultVhost__ { refer example.com; refer_play play.example.com; refer_publish pub.example.com; }\n",
    );
    let url = server.url("r");
    assert!(
        matches!(
            connect_with_page(server.addr, &url, "http://evil.org/x.html"),
            Err(RtmpError::Refused { .. })
        ),
        "a page outside refer is refused at connect"
    );
    assert!(
        matches!(
            connect_with_page(server.addr, &url, ""),
            Err(RtmpError::Refused { .. })
        ),
        "no pageUrl fails a configured refer"
    );
    let mut p =
        connect_with_page(server.addr, &url, "http://pub.example.com/p.html").expect("connect");
    p.publish().expect("publish from an allowed page");
    let mut bad_player =
        connect_with_page(server.addr, &url, "http://pub.example.com/p.html").expect("connect");
    assert!(
        matches!(bad_player.play(), Err(RtmpError::Refused { .. })),
        "refer_play refuses"
    );
    let mut player =
        connect_with_page(server.addr, &url, "http://www.play.example.com/").expect("connect");
    player.play().expect("play from an allowed page");
}

#[test]
fn max_connections_closes_the_excess_at_accept() {
    let server = TestServer::start("max_connections 2;\nvhost __defaultVhost__ { }\n");
    let _a = client(server.addr, &server.url("a"));
    let _b = client(server.addr, &server.url("b"));
    let mut third = tcp(server.addr);
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    let n = third.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the third connection is closed at once");
    drop(_a);
    assert!(
        wait_until(5, || Client::connect(tcp(server.addr), &server.url("c"))
            .is_ok()),
        "a slot frees when a client leaves"
    );
}

#[test]
fn reload_adds_a_vhost() {
    let dir = scratch("reload");
    let file = dir.join("srs.conf");
    std::fs::write(
        &file,
        "listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\nsrs_log_level error;\nvhost a.test { }\n",
    )
    .expect("write config");
    let config = srs_app::config::Config::load(&file).expect("config");
    let server = srs_app::Server::bind(config, false).expect("bind");
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let t = std::thread::spawn(move || {
        let mut server = server;
        server.run().expect("run")
    });
    let url_b = format!("rtmp://127.0.0.1:{}/live?vhost=b.test/s", addr.port());
    assert!(
        Client::connect(tcp(addr), &url_b).is_err(),
        "b.test unknown before the reload"
    );
    // The listen line changes to a fixed address: the running listener must stay usable too.
    std::fs::write(
        &file,
        "listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\nsrs_log_level error;\nvhost a.test { }\nvhost b.test { }\n",
    )
    .expect("write config");
    handle.reload();
    assert!(
        wait_until(5, || Client::connect(tcp(addr), &url_b).is_ok()),
        "b.test known after the reload"
    );
    // A broken config on reload keeps the running one.
    std::fs::write(
        &file,
        "listen 127.0.0.1:0;\nvhost b.test { chunk_size x; }\n",
    )
    .expect("write config");
    handle.reload();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        Client::connect(tcp(addr), &url_b).is_ok(),
        "still serving after a bad reload"
    );
    handle.stop();
    t.join().expect("server thread");
}

#[test]
fn reload_removing_a_vhost_closes_its_clients_only() {
    let dir = scratch("reload-remove");
    let file = dir.join("srs.conf");
    let head = "listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\nsrs_log_level error;\n";
    std::fs::write(
        &file,
        format!("{head}vhost a.test {{ }}\nvhost b.test {{ }}\n"),
    )
    .expect("write config");
    let config = srs_app::config::Config::load(&file).expect("config");
    let server = srs_app::Server::bind(config, false).expect("bind");
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let t = std::thread::spawn(move || {
        let mut server = server;
        server.run().expect("run")
    });
    let url = |vhost: &str| format!("rtmp://127.0.0.1:{}/live?vhost={vhost}/s", addr.port());
    let publisher_a = publish_in_background(addr, &url("a.test"), read_flv(&fixture_flv(6)), true);
    let mut player_a = client(addr, &url("a.test"));
    player_a.play().expect("play a");
    let mut publisher_b = client(addr, &url("b.test"));
    publisher_b.publish().expect("publish b");
    let mut player_b = client(addr, &url("b.test"));
    player_b.play().expect("play b");
    assert!(player_a.read_media().expect("a plays").is_some());

    std::fs::write(&file, format!("{head}vhost a.test {{ }}\n")).expect("write config");
    handle.reload();
    // b's player is closed by the server (end of stream or a reset, not a timeout).
    let started = std::time::Instant::now();
    let ended = loop {
        match player_b.read_media() {
            Ok(None) => break true,
            Ok(Some(_)) => continue,
            Err(RtmpError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false
            }
            Err(_) => break true,
        }
    };
    assert!(ended, "the player of the removed vhost is closed");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        wait_until(5, || publisher_b
            .write_media(&synthetic_video(0, true, 0, 1000))
            .is_err()),
        "the publisher of the removed vhost is closed"
    );
    assert!(
        Client::connect(tcp(addr), &url("b.test")).is_err(),
        "b.test is refused after the reload"
    );
    // a.test goes on: its player still receives the stream.
    for _ in 0..20 {
        assert!(player_a.read_media().expect("a still plays").is_some());
    }
    publisher_a.join().expect("publisher a");
    handle.stop();
    t.join().expect("server thread");
}
