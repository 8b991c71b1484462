//! Connection limits under a flood: idle sockets cannot lock out publishers
//! or the operator's API.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn idle_sockets_make_room_and_the_api_has_its_own_pool() {
    let server = TestServer::start(
        "max_connections 10;\nhttp_api { enabled on; listen 127.0.0.1:0; }\nvhost __defaultVhost__ { }\n",
    );
    let api = server.api.expect("api");
    // Ten sockets that never say a word fill max_connections.
    let idle: Vec<_> = (0..10).map(|_| tcp(server.addr)).collect();
    std::thread::sleep(Duration::from_millis(300));
    // A real publisher still gets in: the oldest idle socket gives its place.
    let url = server.url("live");
    let mut publisher = client(server.addr, &url);
    publisher
        .publish()
        .expect("publish while idle sockets fill the pool");
    // Fill the rest with connected clients: no idle socket is left to evict.
    let mut players = Vec::new();
    for i in 0..20 {
        match srs_rtmp::blocking::Client::connect(tcp(server.addr), &server.url(&format!("p{i}"))) {
            Ok(c) => players.push(c),
            Err(_) => break,
        }
    }
    assert!(players.len() >= 9, "connected {} players", players.len());
    assert!(players.len() < 20, "max_connections is enforced");
    // The API still answers.
    let a = http_get(api, "/api/v1/versions");
    assert_eq!(a.status, 200);
    drop(idle);
}
