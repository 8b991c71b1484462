//! A source with a fast and a slow player, in memory: the fast one gets
//! every message in order, the slow one is dropped to keyframes with its
//! headers kept, and neither affects the other.

use std::path::Path;
use std::sync::Arc;

use srs_core::Arena;

use super::test_media::{audio, video, video_header};
use super::{Consumer, JitterMode, Source, StreamKey};
use crate::config::Config;
use crate::ids::ConnTag;

#[test]
fn a_slow_player_is_dropped_to_keyframes_while_a_fast_one_gets_everything() {
    let config =
        Config::parse_str("vhost __defaultVhost__ { }", Path::new("t.conf")).expect("config");
    let vhost = Arc::clone(config.vhost("__defaultVhost__").expect("vhost"));
    let key = StreamKey {
        vhost: vhost.name.clone(),
        app: "live".into(),
        stream: "s".into(),
    };
    let mut conns: Arena<(), ConnTag> = Arena::new();
    let mut source = Source::new(key, vhost);
    assert!(source.start_publish(conns.insert(())));
    let queue_ms = 2_000;
    let (mut fast, mut slow) = (
        Consumer::new(JitterMode::Off, queue_ms),
        Consumer::new(JitterMode::Off, queue_ms),
    );
    source.prime_consumer(&mut fast);
    source.prime_consumer(&mut slow);
    // 10 s of 25 fps video with a keyframe every second, and audio.
    let mut sent = vec![video_header(0)];
    for i in 0..250u32 {
        sent.push(video(i * 40, i % 25 == 0));
        sent.push(audio(i * 40 + 20));
    }
    let mut received = Vec::new();
    let mut shared = 0;
    for m in &sent {
        source.publish_message(m);
        // The fast player writes everything at once; the slow one never reads.
        while let Some(next) = fast.pop(&source.ring) {
            shared += usize::from(next.shared().is_some());
            received.push(next.to_message());
        }
    }
    let order = |v: &[srs_kernel::MediaMessage]| -> Vec<(u32, bool)> {
        v.iter().map(|m| (m.timestamp, m.is_video())).collect()
    };
    assert_eq!(
        order(&received),
        order(&sent),
        "the fast player got every message"
    );
    assert_eq!(fast.stats().dropped, 0);
    assert_eq!(
        shared,
        sent.len(),
        "every message read from the shared ring"
    );

    // Nothing was done for the slow player while the messages came; when
    // it is written at last it gets the header, then waits for the next
    // keyframe at the live edge.
    let first = slow.pop(&source.ring).expect("the sequence header is kept");
    assert!(first.message().is_sequence_header());
    assert!(slow.pop(&source.ring).is_none(), "skipped to the live edge");
    assert!(slow.stats().overflows >= 1);
    assert!(slow.stats().dropped > 400, "{:?}", slow.stats());
    for m in [audio(10_010), video(10_000, true), audio(10_030)] {
        source.publish_message(&m);
    }
    let resumed: Vec<(bool, bool)> = std::iter::from_fn(|| slow.pop(&source.ring))
        .map(|n| (n.message().is_video(), n.message().is_keyframe()))
        .collect();
    assert_eq!(
        resumed,
        [(true, true), (false, false)],
        "from the keyframe on"
    );
}
