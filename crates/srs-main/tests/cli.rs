//! The `srs` binary: arguments, config errors, SRS's example configs, pid
//! file lock, log format, SIGHUP reload, SIGTERM, daemon mode.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use srs_rtmp::blocking::Client;

const SRS: &str = env!("CARGO_BIN_EXE_srs");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("srs-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn rtmp_ok(port: u16) -> bool {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let Ok(tcp) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    Client::connect(tcp, &format!("rtmp://127.0.0.1:{port}/live/s")).is_ok()
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .map(|s| s.success());
    assert_eq!(ok.ok(), Some(true), "kill {sig} {pid}");
}

fn write_conf(dir: &Path, body: &str) -> PathBuf {
    let file = dir.join("srs.conf");
    std::fs::write(&file, body).expect("write conf");
    file
}

fn spawn(conf: &Path, dir: &Path) -> Child {
    Command::new(SRS)
        .args(["-c"])
        .arg(conf)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn srs")
}

#[test]
fn version_and_help() {
    let out = Command::new(SRS).arg("-v").output().expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        env!("CARGO_PKG_VERSION")
    );
    let out = Command::new(SRS).arg("-h").output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("-c <file>"));
    let out = Command::new(SRS).arg("--bogus").output().expect("run");
    assert!(!out.status.success());
    // No arguments: the help, as SRS prints it.
    let out = Command::new(SRS).output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("-c <file>"));
    // SRS's combined and glued forms.
    let dir = scratch("cli-forms");
    let conf = write_conf(&dir, "listen 1935;\nvhost __defaultVhost__ { }\n");
    for args in [
        vec!["-tc".to_string(), conf.display().to_string()],
        vec![format!("-tc{}", conf.display())],
        vec!["-t".to_string(), format!("-c{}", conf.display())],
    ] {
        let out = Command::new(SRS).args(&args).output().expect("run");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("test is successful"),
            "{args:?}"
        );
    }
}

#[test]
fn sigusr1_reopens_the_log_and_sigusr2_exits_cleanly() {
    let dir = scratch("signals");
    let port = free_port();
    let conf = write_conf(
        &dir,
        &format!(
            "listen 127.0.0.1:{port};\ndaemon off;\npid ./srs.pid;\nsrs_log_tank file;\nsrs_log_file ./srs.log;\nvhost __defaultVhost__ {{ }}\n"
        ),
    );
    let mut srs = spawn(&conf, &dir);
    assert!(wait_until(10, || rtmp_ok(port)), "serves RTMP");
    // logrotate moves the file away, then signals.
    std::fs::rename(dir.join("srs.log"), dir.join("srs.log.1")).expect("rotate");
    signal(srs.id(), "-USR1");
    assert!(
        wait_until(5, || std::fs::read_to_string(dir.join("srs.log"))
            .is_ok_and(|t| t.contains("log file reopened"))),
        "a new log file after SIGUSR1"
    );
    assert!(rtmp_ok(port), "still serving");
    assert!(
        wait_until(5, || std::fs::read_to_string(dir.join("srs.log"))
            .is_ok_and(|t| t.contains("connect app=live"))),
        "new lines go to the new file"
    );
    signal(srs.id(), "-USR2");
    let status = wait_for_exit(&mut srs, 10).expect("exits after SIGUSR2");
    assert!(status.success(), "clean exit: {status:?}");
}

#[test]
fn config_errors_name_file_line_and_directive() {
    let dir = scratch("bad");
    let conf = write_conf(
        &dir,
        "listen 1935;\nvhost __defaultVhost__ {\n    chunk_size abc;\n}\n",
    );
    for args in [vec!["-t", "-c"], vec!["-c"]] {
        let out = Command::new(SRS)
            .args(&args)
            .arg(&conf)
            .output()
            .expect("run");
        assert!(!out.status.success(), "exit status is non-zero");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}:3: directive \"chunk_size\"", conf.display())),
            "stderr names file:line and directive: {err}"
        );
    }
    let conf = write_conf(&dir, "listen 1935;\nvhost x {\n    no_such_thing on;\n}\n");
    let out = Command::new(SRS)
        .args(["-t", "-c"])
        .arg(&conf)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(":3: directive \"no_such_thing\""));
    let out = Command::new(SRS)
        .args(["-t", "-c"])
        .arg(dir.join("missing.conf"))
        .output()
        .expect("run");
    assert!(!out.status.success(), "a missing config file fails");
}

#[test]
fn srs_example_configs_pass_the_test_mode() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/srs-conf-1.0");
    if !dir.is_dir() {
        eprintln!(
            "NOT RUN: SRS 1.0's example configs are not at {} (this extra compatibility check \
             runs where ../shared exists, as in CI)",
            dir.display()
        );
        return;
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("SRS example configs") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("conf") {
            continue;
        }
        seen += 1;
        let out = Command::new(SRS)
            .args(["-t", "-c"])
            .arg(&path)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{} rejected: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("test is successful"));
    }
    assert!(seen >= 20, "found the example configs ({seen})");
    let out = Command::new(SRS)
        .args(["-t", "-c"])
        .arg(dir.join("full.conf"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"stats\": not supported yet, ignored") && !err.contains("transcode"),
        "unbuilt features warn: {err}"
    );
}

#[test]
fn runs_logs_reloads_refuses_a_second_instance_and_stops_on_sigterm() {
    let dir = scratch("run");
    let (p1, p2) = (free_port(), free_port());
    let conf = write_conf(
        &dir,
        &format!(
            "listen 127.0.0.1:{p1};\ndaemon off;\npid ./srs.pid;\nsrs_log_tank file;\nsrs_log_file ./srs.log;\nvhost __defaultVhost__ {{ }}\n"
        ),
    );
    let mut srs = spawn(&conf, &dir);
    assert!(
        wait_until(10, || rtmp_ok(p1)),
        "serves RTMP on the first port"
    );
    let pid_text = std::fs::read_to_string(dir.join("srs.pid")).expect("pid file");
    assert_eq!(pid_text.trim(), srs.id().to_string());

    let second = spawn(&conf, &dir)
        .wait_with_output()
        .expect("second instance");
    assert!(
        !second.status.success(),
        "a second instance with the same pid file fails"
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("locked"));

    std::fs::write(
        &conf,
        format!(
            "listen 127.0.0.1:{p1} 127.0.0.1:{p2};\ndaemon off;\npid ./srs.pid;\nsrs_log_tank file;\nsrs_log_file ./srs.log;\nvhost __defaultVhost__ {{ }}\n"
        ),
    )
    .expect("rewrite conf");
    signal(srs.id(), "-HUP");
    assert!(
        wait_until(10, || rtmp_ok(p2)),
        "SIGHUP reload opens the new port"
    );
    assert!(rtmp_ok(p1), "the old port still serves");

    signal(srs.id(), "-TERM");
    let status = wait_for_exit(&mut srs, 10).expect("exits after SIGTERM");
    assert!(status.success(), "clean exit: {status:?}");

    let log = std::fs::read_to_string(dir.join("srs.log")).expect("log file");
    let line = log
        .lines()
        .find(|l| l.contains("connect app=live"))
        .expect("a connect line");
    // [2026-11-24 05:54:44.420][trace][15361][100] connect app=live ...
    let fields: Vec<&str> = line.splitn(5, ']').collect();
    assert_eq!(fields[0].len(), "[2026-11-24 05:54:44.420".len(), "{line}");
    assert_eq!(fields[1], "[trace");
    assert_eq!(fields[2], format!("[{}", srs.id()));
    let cid: u64 = fields[3].trim_start_matches('[').parse().expect("cid");
    assert!(cid > 0, "connection lines carry a context id");
    let same_client: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&format!("][{cid}] ")))
        .collect();
    assert!(
        same_client.iter().any(|l| l.contains("close client")),
        "one cid follows the client to its close"
    );
}

fn wait_for_exit(child: &mut Child, secs: u64) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn daemon_mode_detaches_and_writes_its_pid() {
    let dir = scratch("daemon");
    let port = free_port();
    let conf = write_conf(
        &dir,
        &format!("listen 127.0.0.1:{port};\ndaemon on;\npid ./srs.pid;\nsrs_log_tank file;\nsrs_log_file ./srs.log;\nvhost __defaultVhost__ {{ }}\n"),
    );
    let status = Command::new(SRS)
        .arg("-c")
        .arg(&conf)
        .current_dir(&dir)
        .status()
        .expect("run");
    assert!(status.success(), "the foreground process exits 0");
    assert!(wait_until(10, || rtmp_ok(port)), "the daemon serves");
    let pid: u32 = std::fs::read_to_string(dir.join("srs.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    signal(pid, "-TERM");
    assert!(
        wait_until(10, || !Path::new(&format!("/proc/{pid}")).exists()),
        "the daemon stops on SIGTERM"
    );
}
