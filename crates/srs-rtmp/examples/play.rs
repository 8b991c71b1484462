//! Plays an RTMP stream and prints one line per message.
//!
//! ```text
//! cargo run -p srs-rtmp --example play -- rtmp://127.0.0.1/live/livestream
//! ```

use std::net::TcpStream;
use std::time::Duration;

use srs_rtmp::blocking::Client;
use srs_rtmp::url::RequestUrl;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "rtmp://127.0.0.1/live/livestream".into());
    // The blocking client runs over any Read + Write; the caller opens the socket.
    let (config, _stream) = srs_rtmp::session::client::ClientConfig::from_url(&url)?;
    let req = RequestUrl::from_connect(&config.tc_url, "")?;
    let tcp = TcpStream::connect((req.host.as_str(), req.port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;

    let mut client = Client::connect(tcp, &url)?;
    client.play()?;
    println!("playing {url}");
    // `None` means the server closed the connection.
    while let Some(msg) = client.read_media()? {
        println!(
            "{:?} ts={} size={}{}{}",
            msg.kind,
            msg.timestamp,
            msg.size(),
            if msg.is_keyframe() { " key" } else { "" },
            if msg.is_sequence_header() {
                " sequence-header"
            } else {
                ""
            },
        );
    }
    println!(
        "server closed the connection after {} bytes",
        client.bytes_in()
    );
    Ok(())
}
