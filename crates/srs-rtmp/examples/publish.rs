//! Publishes an FLV file (or, without one, a few seconds of synthetic frames)
//! to an RTMP server, paced by the timestamps.
//!
//! ```text
//! cargo run -p srs-rtmp --example publish -- rtmp://127.0.0.1/live/livestream [file.flv]
//! ```

use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use srs_kernel::flv::FlvReader;
use srs_kernel::{MediaKind, MediaMessage};
use srs_rtmp::blocking::Client;
use srs_rtmp::url::RequestUrl;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "rtmp://127.0.0.1/live/livestream".into());
    let messages: Vec<MediaMessage> = match args.next() {
        Some(path) => {
            let mut reader = FlvReader::new();
            reader.push(&std::fs::read(path)?);
            std::iter::from_fn(|| reader.next_tag().transpose()).collect::<Result<_, _>>()?
        }
        // 5 s at 25 fps of fake AVC frames, a "keyframe" every second.
        None => (0..125u32)
            .map(|i| {
                let key = if i % 25 == 0 { 0x17 } else { 0x27 };
                MediaMessage::new(
                    MediaKind::Video,
                    i * 40,
                    Bytes::from(vec![key, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]),
                )
            })
            .collect(),
    };

    let (config, _) = srs_rtmp::session::client::ClientConfig::from_url(&url)?;
    let req = RequestUrl::from_connect(&config.tc_url, "")?;
    let tcp = TcpStream::connect((req.host.as_str(), req.port))?;
    tcp.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut client = Client::connect(tcp, &url)?;
    client.publish()?;

    let start = Instant::now();
    let base = messages.first().map_or(0, |m| m.timestamp);
    for msg in &messages {
        let due = Duration::from_millis(u64::from(msg.timestamp.saturating_sub(base)));
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        client.write_media(msg)?;
    }
    client.unpublish()?;
    println!("published {} messages to {url}", messages.len());
    Ok(())
}
