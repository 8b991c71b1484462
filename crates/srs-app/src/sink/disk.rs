//! The disk worker: one thread that does every file write of HLS and DVR in
//! order, so the event loop never waits for the disk. Errors come back as
//! events and wake the loop.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;

/// Which sink of a stream a job belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SinkKind {
    /// HLS segments and playlists.
    Hls,
    /// DVR recordings.
    Dvr,
}

/// Who asked for a job, so its errors reach the right stream and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The stream (the server's source id).
    pub stream: u64,
    /// The sink.
    pub kind: SinkKind,
}

/// One file operation.
#[derive(Debug)]
pub enum DiskJob {
    /// Write a whole file: to `path` + `.tmp`, then rename (readers never see half a file).
    WriteFile {
        /// Owner for error reports.
        owner: Owner,
        /// Final path.
        path: PathBuf,
        /// The content, in pieces.
        data: Vec<Bytes>,
    },
    /// Remove a file (missing is fine).
    Remove {
        /// Owner for error reports.
        owner: Owner,
        /// The file.
        path: PathBuf,
    },
    /// Start a file written by appends (DVR): created as `tmp`.
    Open {
        /// Owner for error reports.
        owner: Owner,
        /// Stream file id.
        file: u64,
        /// The temporary path.
        tmp: PathBuf,
        /// The final path: where what was written goes if a write fails.
        path: PathBuf,
    },
    /// Append to an open file.
    Append {
        /// Stream file id.
        file: u64,
        /// Bytes to append.
        data: Vec<Bytes>,
    },
    /// Flush, sync and rename an open file to its final name.
    Close {
        /// Stream file id.
        file: u64,
        /// The final path.
        path: PathBuf,
    },
    /// Write an HLS playlist: `head`, then each entry whose segment file
    /// exists (a segment whose write failed is never listed).
    WritePlaylist {
        /// Owner for error reports.
        owner: Owner,
        /// The playlist path.
        path: PathBuf,
        /// Everything before the first entry.
        head: String,
        /// Per segment: its file, and its lines in the playlist.
        entries: Vec<(PathBuf, String)>,
    },
    /// Stop the worker after the jobs before it.
    Shutdown,
}

impl DiskJob {
    /// The media bytes the job holds (what a slow disk makes pile up).
    fn data_len(&self) -> usize {
        match self {
            DiskJob::WriteFile { data, .. } | DiskJob::Append { data, .. } => {
                data.iter().map(Bytes::len).sum()
            }
            _ => 0,
        }
    }
}

/// What the worker reports back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskEvent {
    /// A job failed.
    Error {
        /// The owner of the job.
        owner: Owner,
        /// The appended file it was about (DVR), if any: that file is closed.
        file: Option<u64>,
        /// What failed.
        message: String,
    },
    /// A file was closed and renamed (DVR file done).
    Closed {
        /// The owner of the file.
        owner: Owner,
        /// The final path.
        path: PathBuf,
    },
}

/// Where sinks queue their file operations: the disk worker, or a recorder
/// in tests (the sinks never touch a file themselves).
pub trait DiskLane {
    /// Queues a job (never blocks).
    fn submit(&self, job: DiskJob);
    /// Media bytes queued and not written yet (a slow or stuck disk).
    fn backlog_bytes(&self) -> usize;
}

impl DiskLane for DiskWorker {
    fn submit(&self, job: DiskJob) {
        DiskWorker::submit(self, job)
    }

    fn backlog_bytes(&self) -> usize {
        DiskWorker::backlog_bytes(self)
    }
}

/// The loop's side of the worker.
pub struct DiskWorker {
    jobs: Sender<DiskJob>,
    events: Receiver<DiskEvent>,
    thread: Option<JoinHandle<()>>,
    backlog: Arc<AtomicUsize>,
}

fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => fs::create_dir_all(dir),
        _ => Ok(()),
    }
}

fn tmp_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

struct OpenFile {
    owner: Owner,
    tmp: PathBuf,
    path: PathBuf,
    // Appends arrive already batched by the sink, so they go straight to the file.
    writer: File,
    /// Bytes of whole appends written: the file is cut back to this after a
    /// failed write, so it ends on a complete tag.
    good_len: u64,
}

/// Keeps what a failed file holds: cut back to its last whole append and
/// renamed to its final name (or removed when it holds nothing but the
/// headers of its first append). No `.tmp` is left behind.
fn salvage(f: OpenFile) -> &'static str {
    let OpenFile {
        tmp,
        path,
        writer,
        good_len,
        ..
    } = f;
    let kept = good_len > 0
        && writer.set_len(good_len).is_ok()
        && create_parent(&path).is_ok()
        && fs::rename(&tmp, &path).is_ok();
    if kept {
        "what was recorded is kept"
    } else {
        let _ = fs::remove_file(&tmp);
        "nothing was kept"
    }
}

fn run(
    jobs: Receiver<DiskJob>,
    events: Sender<DiskEvent>,
    wake: Arc<dyn Fn() + Send + Sync>,
    backlog: Arc<AtomicUsize>,
) {
    let mut open: HashMap<u64, OpenFile> = HashMap::new();
    let report = |e: DiskEvent| {
        let _ = events.send(e);
        wake();
    };
    while let Ok(job) = jobs.recv() {
        if matches!(job, DiskJob::Shutdown) {
            break;
        }
        let queued = job.data_len();
        do_job(job, &mut open, &report);
        backlog.fetch_sub(queued, Ordering::Relaxed);
    }
}

/// Runs one job (a shutdown is the caller's).
fn do_job(job: DiskJob, open: &mut HashMap<u64, OpenFile>, report: &dyn Fn(DiskEvent)) {
    match job {
        DiskJob::WriteFile { owner, path, data } => {
            let tmp = tmp_of(&path);
            let result = (|| {
                create_parent(&path)?;
                let mut f = File::create(&tmp)?;
                for piece in &data {
                    f.write_all(piece)?;
                }
                f.flush()?;
                drop(f);
                fs::rename(&tmp, &path)
            })();
            if let Err(e) = result {
                let _ = fs::remove_file(&tmp);
                report(DiskEvent::Error {
                    owner,
                    file: None,
                    message: format!("write {}: {e}", path.display()),
                });
            }
        }
        DiskJob::WritePlaylist {
            owner,
            path,
            head,
            entries,
        } => {
            let mut text = head;
            for (segment, lines) in &entries {
                if segment.exists() {
                    text.push_str(lines);
                }
            }
            do_job(
                DiskJob::WriteFile {
                    owner,
                    path,
                    data: vec![Bytes::from(text)],
                },
                open,
                report,
            );
        }
        DiskJob::Remove { owner, path } => {
            if let Err(e) = fs::remove_file(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    report(DiskEvent::Error {
                        owner,
                        file: None,
                        message: format!("remove {}: {e}", path.display()),
                    });
                }
            }
        }
        DiskJob::Open {
            owner,
            file,
            tmp,
            path,
        } => {
            let result = create_parent(&tmp).and_then(|_| {
                OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(true)
                    .open(&tmp)
            });
            match result {
                Ok(f) => {
                    open.insert(
                        file,
                        OpenFile {
                            owner,
                            tmp,
                            path,
                            writer: f,
                            good_len: 0,
                        },
                    );
                }
                Err(e) => report(DiskEvent::Error {
                    owner,
                    file: Some(file),
                    message: format!("create {}: {e}", tmp.display()),
                }),
            }
        }
        DiskJob::Append { file, data } => {
            if let Some(f) = open.get_mut(&file) {
                let mut result = Ok(());
                for piece in &data {
                    result = result.and_then(|_| f.writer.write_all(piece));
                }
                match result {
                    Ok(()) => f.good_len += data.iter().map(|d| d.len() as u64).sum::<u64>(),
                    Err(e) => {
                        if let Some(f) = open.remove(&file) {
                            let owner = f.owner;
                            let tmp = f.tmp.display().to_string();
                            let kept = salvage(f);
                            report(DiskEvent::Error {
                                owner,
                                file: Some(file),
                                message: format!("write {tmp}: {e}; {kept}"),
                            });
                        }
                    }
                }
            }
        }
        DiskJob::Close { file, path } => {
            if let Some(f) = open.remove(&file) {
                let result = f
                    .writer
                    .sync_all()
                    .and_then(|_| create_parent(&path))
                    .and_then(|_| fs::rename(&f.tmp, &path));
                match result {
                    Ok(()) => report(DiskEvent::Closed {
                        owner: f.owner,
                        path,
                    }),
                    Err(e) => report(DiskEvent::Error {
                        owner: f.owner,
                        file: Some(file),
                        message: format!("close {}: {e}", path.display()),
                    }),
                }
            }
        }
        DiskJob::Shutdown => {}
    }
}

impl DiskWorker {
    /// Starts the worker; `wake` is called after each event is sent (the loop's waker).
    pub fn start(wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<DiskWorker> {
        let (jobs_tx, jobs_rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let backlog = Arc::new(AtomicUsize::new(0));
        let worker_backlog = Arc::clone(&backlog);
        let thread = std::thread::Builder::new()
            .name("srs-disk".into())
            .spawn(move || run(jobs_rx, events_tx, wake, worker_backlog))?;
        Ok(DiskWorker {
            jobs: jobs_tx,
            events: events_rx,
            thread: Some(thread),
            backlog,
        })
    }

    /// Queues a job (never blocks). Sinks check [`Self::backlog_bytes`]
    /// first and drop what they can when the disk falls behind.
    pub fn submit(&self, job: DiskJob) {
        self.backlog.fetch_add(job.data_len(), Ordering::Relaxed);
        // The worker lives as long as this struct; a send error means it died, and
        // the failure shows up as missing files, which is all we could report.
        let _ = self.jobs.send(job);
    }

    /// Media bytes queued and not written yet (a slow or stuck disk).
    pub fn backlog_bytes(&self) -> usize {
        self.backlog.load(Ordering::Relaxed)
    }

    /// Makes the sinks' tests see a disk that is `bytes` behind.
    #[cfg(test)]
    pub(crate) fn pretend_backlog(&self, bytes: usize) {
        self.backlog.store(bytes, Ordering::Relaxed);
    }

    /// Events reported since the last call.
    pub fn poll_events(&self) -> Vec<DiskEvent> {
        self.events.try_iter().collect()
    }

    /// Finishes every queued job and stops the thread.
    pub fn shutdown(&mut self) {
        let _ = self.jobs.send(DiskJob::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DiskWorker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn writes_renames_appends_and_reports_errors() {
        let dir = std::env::temp_dir().join(format!("srs-disk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let mut worker = DiskWorker::start(Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }))
        .expect("start");
        let seg = dir.join("live/s-1.ts");
        worker.submit(DiskJob::WriteFile {
            owner: Owner {
                stream: 1,
                kind: SinkKind::Hls,
            },
            path: seg.clone(),
            data: vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cd")],
        });
        worker.submit(DiskJob::Open {
            owner: Owner {
                stream: 2,
                kind: SinkKind::Hls,
            },
            file: 7,
            tmp: dir.join("dvr/x.flv.tmp"),
            path: dir.join("dvr/x.flv"),
        });
        worker.submit(DiskJob::Append {
            file: 7,
            data: vec![Bytes::from_static(b"FLV")],
        });
        worker.submit(DiskJob::Close {
            file: 7,
            path: dir.join("dvr/x.flv"),
        });
        worker.submit(DiskJob::WriteFile {
            owner: Owner {
                stream: 3,
                kind: SinkKind::Hls,
            },
            path: PathBuf::from("/proc/forbidden/x.ts"),
            data: vec![],
        });
        worker.submit(DiskJob::Remove {
            owner: Owner {
                stream: 1,
                kind: SinkKind::Hls,
            },
            path: dir.join("none"),
        });
        worker.shutdown();
        assert_eq!(fs::read(&seg).expect("segment"), b"abcd");
        assert!(!tmp_of(&seg).exists());
        assert_eq!(fs::read(dir.join("dvr/x.flv")).expect("dvr"), b"FLV");
        let events = worker.poll_events();
        assert!(events.contains(&DiskEvent::Closed {
            owner: Owner {
                stream: 2,
                kind: SinkKind::Hls
            },
            path: dir.join("dvr/x.flv")
        }));
        assert!(events.iter().any(|e| matches!(
            e,
            DiskEvent::Error {
                owner: Owner {
                    stream: 3,
                    kind: SinkKind::Hls
                },
                ..
            }
        )));
        assert_eq!(events.len(), 2, "a missing file to remove is not an error");
        assert_eq!(wakes.load(Ordering::SeqCst), 2);
        let _ = fs::remove_dir_all(&dir);
    }

    fn owner(kind: SinkKind) -> Owner {
        Owner { stream: 9, kind }
    }

    #[test]
    fn playlists_never_list_a_missing_segment() {
        let dir = std::env::temp_dir().join(format!("srs-disk-pl-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("dir");
        fs::write(dir.join("s-1.ts"), b"x").expect("segment");
        let mut worker = DiskWorker::start(Arc::new(|| {})).expect("start");
        worker.submit(DiskJob::WritePlaylist {
            owner: owner(SinkKind::Hls),
            path: dir.join("s.m3u8"),
            head: "#EXTM3U\n".into(),
            entries: vec![
                (dir.join("s-0.ts"), "#EXTINF:1.000,\ns-0.ts\n".into()),
                (dir.join("s-1.ts"), "#EXTINF:1.000,\ns-1.ts\n".into()),
            ],
        });
        worker.shutdown();
        let text = fs::read_to_string(dir.join("s.m3u8")).expect("playlist");
        assert_eq!(text, "#EXTM3U\n#EXTINF:1.000,\ns-1.ts\n");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_append_closes_the_file_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("srs-disk-full-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("dir");
        // The temp name points at /dev/full: every write fails with ENOSPC.
        let tmp = dir.join("x.flv.tmp");
        std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
        let mut worker = DiskWorker::start(Arc::new(|| {})).expect("start");
        worker.submit(DiskJob::Open {
            owner: owner(SinkKind::Dvr),
            file: 3,
            tmp: tmp.clone(),
            path: dir.join("x.flv"),
        });
        worker.submit(DiskJob::Append {
            file: 3,
            data: vec![Bytes::from_static(b"FLV")],
        });
        // Later jobs of the failed file are ignored, not errors.
        worker.submit(DiskJob::Append {
            file: 3,
            data: vec![Bytes::from_static(b"more")],
        });
        worker.submit(DiskJob::Close {
            file: 3,
            path: dir.join("x.flv"),
        });
        worker.shutdown();
        let events = worker.poll_events();
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(matches!(
            &events[0],
            DiskEvent::Error { file: Some(3), message, .. } if message.contains("No space")
        ));
        assert!(fs::symlink_metadata(&tmp).is_err(), "no temp file left");
        assert!(!dir.join("x.flv").exists(), "nothing worth keeping");
        assert!(Path::new("/dev/full").exists(), "the device is untouched");
        assert_eq!(worker.backlog_bytes(), 0, "every queued byte accounted for");
        let _ = fs::remove_dir_all(&dir);
    }
}
