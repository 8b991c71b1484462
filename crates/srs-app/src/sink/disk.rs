//! The disk worker: one thread that does every file write of HLS and DVR in
//! order, so the event loop never waits for the disk. Errors come back as
//! events and wake the loop.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// Stop the worker after the jobs before it.
    Shutdown,
}

/// What the worker reports back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskEvent {
    /// A job failed.
    Error {
        /// The owner of the job.
        owner: Owner,
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

/// The loop's side of the worker.
pub struct DiskWorker {
    jobs: Sender<DiskJob>,
    events: Receiver<DiskEvent>,
    thread: Option<JoinHandle<()>>,
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
    // Appends arrive already batched by the sink, so they go straight to the file.
    writer: File,
}

fn run(jobs: Receiver<DiskJob>, events: Sender<DiskEvent>, wake: Arc<dyn Fn() + Send + Sync>) {
    let mut open: HashMap<u64, OpenFile> = HashMap::new();
    let report = |e: DiskEvent| {
        let _ = events.send(e);
        wake();
    };
    while let Ok(job) = jobs.recv() {
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
                        message: format!("write {}: {e}", path.display()),
                    });
                }
            }
            DiskJob::Remove { owner, path } => {
                if let Err(e) = fs::remove_file(&path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        report(DiskEvent::Error {
                            owner,
                            message: format!("remove {}: {e}", path.display()),
                        });
                    }
                }
            }
            DiskJob::Open { owner, file, tmp } => {
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
                                writer: f,
                            },
                        );
                    }
                    Err(e) => report(DiskEvent::Error {
                        owner,
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
                    if let Err(e) = result {
                        let owner = f.owner;
                        let tmp = f.tmp.clone();
                        open.remove(&file);
                        report(DiskEvent::Error {
                            owner,
                            message: format!("write {}: {e}", tmp.display()),
                        });
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
                            message: format!("close {}: {e}", path.display()),
                        }),
                    }
                }
            }
            DiskJob::Shutdown => break,
        }
    }
}

impl DiskWorker {
    /// Starts the worker; `wake` is called after each event is sent (the loop's waker).
    pub fn start(wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<DiskWorker> {
        let (jobs_tx, jobs_rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("srs-disk".into())
            .spawn(move || run(jobs_rx, events_tx, wake))?;
        Ok(DiskWorker {
            jobs: jobs_tx,
            events: events_rx,
            thread: Some(thread),
        })
    }

    /// Queues a job (never blocks).
    pub fn submit(&self, job: DiskJob) {
        // The worker lives as long as this struct; a send error means it died, and
        // the failure shows up as missing files, which is all we could report.
        let _ = self.jobs.send(job);
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
}
