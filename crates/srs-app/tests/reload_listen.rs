//! A reload whose new `listen` cannot be bound keeps the running listeners
//! and config instead of leaving the server without its RTMP port.

mod common;

use std::time::Duration;

use common::*;
use srs_rtmp::blocking::Client;

#[test]
fn a_failed_bind_on_reload_keeps_the_old_listeners() {
    let dir = scratch("reload-listen");
    let file = dir.join("srs.conf");
    let body = |listen: &str, vhosts: &str| {
        format!(
            "listen {listen};\ndaemon off;\nsrs_log_tank console;\nsrs_log_level error;\n{vhosts}"
        )
    };
    std::fs::write(&file, body("127.0.0.1:0", "vhost a.test { }\n")).expect("write");
    let config = srs_app::config::Config::load(&file).expect("config");
    let server = srs_app::Server::bind(config, false).expect("bind");
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let t = std::thread::spawn(move || {
        let mut server = server;
        server.run().expect("run")
    });
    // Another process holds the port the new config asks for.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("squat");
    let taken = squatter.local_addr().expect("addr");
    std::fs::write(
        &file,
        body(&taken.to_string(), "vhost a.test { }\nvhost b.test { }\n"),
    )
    .expect("write");
    handle.reload();
    std::thread::sleep(Duration::from_millis(500));
    let url_a = format!("rtmp://127.0.0.1:{}/live?vhost=a.test/s", addr.port());
    let url_b = format!("rtmp://127.0.0.1:{}/live?vhost=b.test/s", addr.port());
    assert!(
        Client::connect(tcp(addr), &url_a).is_ok(),
        "the old RTMP port still serves"
    );
    assert!(
        Client::connect(tcp(addr), &url_b).is_err(),
        "the failed reload changed nothing (b.test not added)"
    );
    // Once the port is free, the same reload succeeds and moves the listener.
    drop(squatter);
    handle.reload();
    let url_b_new = format!("rtmp://{taken}/live?vhost=b.test/s");
    assert!(
        wait_until(5, || std::net::TcpStream::connect(taken)
            .map_err(srs_rtmp::RtmpError::from)
            .and_then(|s| Client::connect(s, &url_b_new))
            .is_ok()),
        "the new port serves after a good reload"
    );
    handle.stop();
    t.join().expect("server thread");
}
