//! A disk that refuses writes: the `srs` process runs with a file size limit
//! (`prlimit --fsize`), so every DVR file fails once it reaches it, as on a
//! full disk. Recording must keep what it wrote, leave no `.tmp` behind, and
//! start a new file at the next keyframe instead of stopping for the session.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const SRS: &str = env!("CARGO_BIN_EXE_srs");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[test]
fn dvr_recovers_from_write_errors() {
    for tool in ["ffmpeg", "ffprobe", "prlimit"] {
        let ok = Command::new(tool)
            .arg(if tool == "prlimit" {
                "--version"
            } else {
                "-version"
            })
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "{tool} is required (apt-get install ffmpeg util-linux)");
    }
    let dir = std::env::temp_dir().join(format!("srs-disk-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let conf = dir.join("srs.conf");
    std::fs::write(
        &conf,
        format!(
            "listen 127.0.0.1:{port};\ndaemon off;\nsrs_log_tank console;\n\
             vhost __defaultVhost__ {{ dvr {{ enabled on; dvr_plan session; dvr_path {}; }} }}\n",
            dir.join("dvr").display()
        ),
    )
    .expect("conf");
    // Each file may grow to 80 kB: at this stream's rate, a few seconds.
    let srs = Command::new("prlimit")
        .args(["--fsize=80000", SRS, "-c"])
        .arg(&conf)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn srs");
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-re", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=25:duration=10")
        .args(["-f", "lavfi", "-i", "sine=duration=10"])
        .args([
            "-c:v", "libx264", "-g", "25", "-b:v", "400k", "-c:a", "aac", "-f", "flv",
        ])
        .arg(format!("rtmp://127.0.0.1:{port}/live/full"))
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "ffmpeg published");
    std::thread::sleep(Duration::from_millis(1000));
    let _ = Command::new("kill").arg(srs.id().to_string()).status();
    let out = srs.wait_with_output().expect("srs exits");
    let log = String::from_utf8_lossy(&out.stdout);

    let files: Vec<PathBuf> = std::fs::read_dir(dir.join("dvr/live"))
        .expect("dvr dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    let tmp: Vec<_> = files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(tmp.is_empty(), "temp files left: {tmp:?}");
    let flv: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "flv"))
        .collect();
    assert!(
        flv.len() >= 3,
        "recording went on in new files after each failure: {flv:?}\n{log}"
    );
    assert!(log.contains("DVR error"), "the failures are logged:\n{log}");
    for f in &flv {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        assert!(size <= 80_000, "{} is {size} bytes", f.display());
        let probe = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=codec_name",
                "-of",
                "csv=p=0",
            ])
            .arg(f)
            .output()
            .expect("ffprobe");
        let codecs = String::from_utf8_lossy(&probe.stdout);
        assert!(
            codecs.contains("h264") && codecs.contains("aac"),
            "{} plays alone: {codecs}",
            f.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
