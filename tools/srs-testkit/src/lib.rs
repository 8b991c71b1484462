//! Test helpers shared by the server's and the tools' end-to-end tests: an
//! in-process server on a free port, FLV fixtures made with ffmpeg, and RTMP
//! and HTTP clients. A dev-dependency only; never published.
#![allow(missing_docs)]

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use srs_app::config::Config;
use srs_app::{Server, ServerHandle};
use srs_kernel::flv::FlvReader;
use srs_kernel::MediaMessage;
use srs_rtmp::blocking::Client;

/// A server running on its own thread, stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: Option<SocketAddr>,
    pub api: Option<SocketAddr>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server from config text; `listen` is added (127.0.0.1:0).
    pub fn start(config_body: &str) -> TestServer {
        if std::env::var_os("SRS_TEST_LOG").is_some() {
            let _ = srs_core::log::configure(
                srs_core::log::Level::Trace,
                &srs_core::log::Tank::Console,
            );
        }
        let text =
            format!("listen 127.0.0.1:0;\ndaemon off;\nsrs_log_tank console;\n{config_body}");
        let config = Config::parse_str(&text, Path::new("test.conf")).expect("test config parses");
        let server = Server::bind(config, false).expect("server binds");
        let addr = server.local_addrs()[0];
        let http = server.http_server_addr();
        let api = server.http_api_addr();
        let handle = server.handle();
        let thread = std::thread::spawn(move || {
            let mut server = server;
            server.run().expect("server runs");
        });
        TestServer {
            addr,
            http,
            api,
            handle,
            thread: Some(thread),
        }
    }

    /// Starts a server with only a default vhost.
    pub fn default_vhost() -> TestServer {
        Self::start("vhost __defaultVhost__ { }\n")
    }

    pub fn url(&self, stream: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{stream}", self.addr.port())
    }

    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Fails loudly when an external tool is missing: interop tests never skip.
pub fn require(tool: &str) {
    let ok = Command::new(tool)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{tool} is required by this test; install it with `apt-get install ffmpeg` (the README's test command does this)"
    );
}

/// A scratch directory unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("srs-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// ffmpeg input and codec arguments of the tests' stream: 320x240 25 fps
/// H.264 with a keyframe every second and 44.1 kHz AAC; endless without `secs`.
pub fn test_av_args(secs: Option<u32>) -> Vec<String> {
    let limit = secs.map(|s| format!(":duration={s}")).unwrap_or_default();
    [
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc=size=320x240:rate=25{limit}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:sample_rate=44100{limit}"),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

/// Starts ffmpeg publishing the test stream to `url` in real time.
pub fn ffmpeg_publish(url: &str, secs: Option<u32>) -> std::process::Child {
    require("ffmpeg");
    Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-re"])
        .args(test_av_args(secs))
        .args(["-f", "flv", url])
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("start ffmpeg")
}

/// A 320x240 25 fps H.264 + 44.1 kHz AAC FLV of `secs` seconds, keyframe every second.
pub fn fixture_flv(secs: u32) -> PathBuf {
    static FIXTURES: OnceLock<std::sync::Mutex<std::collections::HashMap<u32, PathBuf>>> =
        OnceLock::new();
    let map = FIXTURES.get_or_init(Default::default);
    let mut map = map.lock().expect("fixture lock");
    if let Some(p) = map.get(&secs) {
        return p.clone();
    }
    require("ffmpeg");
    let dir = scratch(&format!("fixture-{secs}"));
    let path = dir.join("av.flv");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(test_av_args(Some(secs)))
        .args(["-b:a", "64k", "-f", "flv"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg made the fixture");
    map.insert(secs, path.clone());
    path
}

/// Every tag of an FLV file.
pub fn read_flv(path: &Path) -> Vec<MediaMessage> {
    let data = std::fs::read(path).expect("read flv");
    let mut r = FlvReader::new();
    r.push(&data);
    let mut out = Vec::new();
    while let Some(m) = r.next_tag().expect("valid flv") {
        out.push(m);
    }
    out
}

/// A TCP stream to the server with timeouts.
pub fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.set_write_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s
}

/// A connected client for `url`.
pub fn client(addr: SocketAddr, url: &str) -> Client<TcpStream> {
    Client::connect(tcp(addr), url).expect("rtmp connect")
}

/// Publishes `msgs` on `url`; with `realtime`, paced by their timestamps.
pub fn publish(
    addr: SocketAddr,
    url: &str,
    msgs: &[MediaMessage],
    realtime: bool,
) -> Client<TcpStream> {
    let mut c = client(addr, url);
    c.publish().expect("publish accepted");
    send_all(&mut c, msgs, realtime);
    c
}

/// Sends messages, paced by timestamps when `realtime`.
pub fn send_all(c: &mut Client<TcpStream>, msgs: &[MediaMessage], realtime: bool) {
    let start = Instant::now();
    let base = msgs.first().map(|m| m.timestamp).unwrap_or(0);
    for m in msgs {
        if realtime {
            let due = Duration::from_millis(m.timestamp.wrapping_sub(base) as u64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        c.write_media(m).expect("send media");
    }
}

/// Publishes in a background thread; returns when the publish was accepted.
pub fn publish_in_background(
    addr: SocketAddr,
    url: &str,
    msgs: Vec<MediaMessage>,
    realtime: bool,
) -> JoinHandle<Client<TcpStream>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let url = url.to_string();
    let t = std::thread::spawn(move || {
        let mut c = client(addr, &url);
        c.publish().expect("publish accepted");
        let _ = tx.send(());
        send_all(&mut c, &msgs, realtime);
        c
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("publish started");
    t
}

/// Waits until `f` is true or `secs` pass.
pub fn wait_until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A synthetic video message: keyframe or inter frame of `size` bytes whose
/// body starts with the frame number (to check order and identity).
pub fn synthetic_video(ts: u32, key: bool, n: u32, size: usize) -> MediaMessage {
    let mut p = vec![if key { 0x17 } else { 0x27 }, 1, 0, 0, 0];
    p.extend_from_slice(&n.to_be_bytes());
    p.resize(size.max(9), (n % 251) as u8);
    MediaMessage::new(srs_kernel::MediaKind::Video, ts, bytes::Bytes::from(p))
}

/// A synthetic AVC sequence header.
pub fn synthetic_video_header(ts: u32) -> MediaMessage {
    MediaMessage::new(
        srs_kernel::MediaKind::Video,
        ts,
        bytes::Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e, 0xff, 0xe0, 0]),
    )
}

/// The frame number written by [`synthetic_video`].
pub fn frame_number(m: &MediaMessage) -> Option<u32> {
    let b = m.payload.get(5..9)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// An HTTP response read to its end.
pub struct HttpAnswer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends raw request bytes and reads one response (by Content-Length, or to EOF).
pub fn http_raw(addr: SocketAddr, request: &[u8]) -> HttpAnswer {
    use std::io::Write;
    let mut s = tcp(addr);
    s.write_all(request).expect("send request");
    read_http_answer(&mut s)
}

/// `method path` with `Host`, `Connection: close` and `headers` (whole
/// lines, e.g. `"Origin: http://x"`); the answer read to its end (a HEAD
/// answer has no body, whatever its Content-Length says).
pub fn http_request(addr: SocketAddr, method: &str, path: &str, headers: &[&str]) -> HttpAnswer {
    use std::io::Write;
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        raw.push_str(h);
        raw.push_str("\r\n");
    }
    raw.push_str("\r\n");
    let mut s = tcp(addr);
    s.write_all(raw.as_bytes()).expect("send request");
    if method == "HEAD" {
        read_http_head(&mut s)
    } else {
        read_http_answer(&mut s)
    }
}

/// Reads one response from a stream.
pub fn read_http_answer(s: &mut TcpStream) -> HttpAnswer {
    use std::io::Read;
    let mut answer = read_http_head(s);
    match answer
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) => {
            answer.body.resize(n, 0);
            s.read_exact(&mut answer.body).expect("read body");
        }
        None => {
            let _ = s.read_to_end(&mut answer.body);
        }
    }
    answer
}

/// Reads a response head (status and headers; the body is left unread).
pub fn read_http_head(s: &mut TcpStream) -> HttpAnswer {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    HttpAnswer {
        status,
        head,
        body: Vec::new(),
    }
}

/// GET `path` with `Connection: close`.
pub fn http_get(addr: SocketAddr, path: &str) -> HttpAnswer {
    http_raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// An AAC-only FLV of `secs` seconds.
pub fn fixture_audio_only(secs: u32) -> PathBuf {
    require("ffmpeg");
    let dir = scratch(&format!("fixture-audio-{secs}"));
    let path = dir.join("a.flv");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:sample_rate=44100:duration={secs}"),
        ])
        .args(["-c:a", "aac", "-b:a", "64k", "-f", "flv"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg made the audio fixture");
    path
}

/// ffprobe's JSON for a file or URL: streams and format.
pub fn ffprobe(target: &str) -> serde_json::Value {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
            target,
        ])
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// The codec names ffprobe reports.
pub fn codecs(probe: &serde_json::Value) -> Vec<String> {
    probe["streams"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["codec_name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes a media file completely; returns what ffmpeg printed on stderr.
pub fn ffmpeg_decode_errors(path: &Path) -> String {
    require("ffmpeg");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Completes a client handshake on a raw socket and returns it.
pub fn raw_handshaken(addr: std::net::SocketAddr) -> TcpStream {
    let mut s = tcp(addr);
    let mut rng = srs_core::FastRng::new(5);
    let mut hs =
        srs_rtmp::handshake::ClientHandshake::new(false, 0, &mut |b: &mut [u8]| rng.fill(b));
    let c0c1 = hs.take_output().expect("c0c1");
    std::io::Write::write_all(&mut s, &c0c1).expect("send c0c1");
    let mut s0s1s2 = vec![0u8; 3073];
    std::io::Read::read_exact(&mut s, &mut s0s1s2).expect("read s0s1s2");
    hs.feed(&s0s1s2, &mut |b: &mut [u8]| rng.fill(b))
        .expect("handshake");
    let c2 = hs.take_output().expect("c2");
    std::io::Write::write_all(&mut s, &c2).expect("send c2");
    s
}

/// Encodes one message with a fresh chunk encoder (fmt 0, chunk size 128).
pub fn chunked(csid: u32, type_id: u8, payload: &[u8]) -> Vec<u8> {
    let mut enc = srs_rtmp::chunk::ChunkEncoder::new();
    let mut q = srs_rtmp::out_queue::OutQueue::new();
    enc.encode(
        csid,
        0,
        type_id,
        0,
        &bytes::Bytes::copy_from_slice(payload),
        &mut q,
    );
    let mut v = Vec::new();
    while bytes::Buf::has_remaining(&q) {
        let c = bytes::Buf::chunk(&q);
        v.extend_from_slice(c);
        let n = c.len();
        bytes::Buf::advance(&mut q, n);
    }
    v
}

/// A modern ffmpeg (9.x, the static build in the `imageio-ffmpeg` wheel that
/// the test command installs): its path. Fails loudly when it is missing.
pub fn modern_ffmpeg() -> PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import imageio_ffmpeg as m; print(m.get_ffmpeg_exe())",
        ])
        .output();
    let path = out
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match path {
        Some(p) if p.exists() => p,
        _ => panic!(
            "ffmpeg 9 (pip install imageio-ffmpeg) is required by this test; the README's test command installs it"
        ),
    }
}
