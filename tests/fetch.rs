//! Downloads of a small generated archive from an HTTP server that each test
//! starts on 127.0.0.1.

// Clippy's allow-unwrap-in-tests setting covers only `#[test]` functions, and
// the helpers below are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use imdb_tui::fetch::{
    ARCHIVE_NAME, BarProgress, Downloader, FetchError, Md5Digest, Outcome, Progress, Source,
};
use indicatif::ProgressBar;
use md5::{Digest, Md5};
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// Archive fixture

/// Returns a small `.tar.gz` laid out like the real dataset, built once per run.
fn archive() -> &'static [u8] {
    static ARCHIVE: OnceLock<Vec<u8>> = OnceLock::new();
    ARCHIVE.get_or_init(build_archive)
}

/// Builds the archive. The review text is pseudo-random words, so the archive is
/// about 600 KB after compression and a download of it takes several reads of
/// the downloader's 256 KiB blocks.
fn build_archive() -> Vec<u8> {
    let words = [
        "film", "plot", "actor", "scene", "great", "awful", "boring", "moving",
    ];
    let mut state = 12_345_u64;
    let mut review = || {
        let mut text = String::new();
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            text.push_str(words[(state >> 61) as usize]);
            text.push(if (state >> 40).is_multiple_of(9) {
                '.'
            } else {
                ' '
            });
        }
        text
    };

    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let files = [
        ("aclImdb/train/pos/0_9.txt", review()),
        ("aclImdb/train/neg/1_2.txt", review()),
        ("aclImdb/test/pos/2_8.txt", review()),
        ("aclImdb/test/neg/3_1.txt", review()),
        ("aclImdb/imdb.vocab", words.join("\n")),
    ];
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    let digest: [u8; 16] = Md5::digest(bytes).into();
    Md5Digest::from_bytes(digest).to_string()
}

/// Returns the paths of the entries in a `.tar.gz` file.
fn archive_entries(path: &Path) -> Vec<String> {
    let mut archive = tar::Archive::new(GzDecoder::new(fs::File::open(path).unwrap()));
    archive
        .entries()
        .unwrap()
        .map(|entry| entry.unwrap().path().unwrap().display().to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// HTTP server

/// Request line and headers of a request the server received.
#[derive(Clone, Debug)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Returns N of a `Range: bytes=N-` header.
    fn range_start(&self) -> Option<u64> {
        let value = self.header("range")?;
        value
            .strip_prefix("bytes=")?
            .strip_suffix('-')?
            .parse()
            .ok()
    }
}

/// What the server does with one request.
enum Reply {
    /// Sends a status, headers and body, closing the connection after
    /// `cut_after` body bytes when set.
    Send {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        cut_after: Option<usize>,
    },
    /// Reads the request and never responds, keeping the connection open until
    /// the server stops.
    Silent,
}

impl Reply {
    /// Returns the whole file with status 200, ignoring any Range header.
    fn whole(body: &[u8]) -> Self {
        Reply::Send {
            status: 200,
            headers: vec![("Content-Length".into(), body.len().to_string())],
            body: body.to_vec(),
            cut_after: None,
        }
    }

    /// Returns status 206 from the requested offset, or 200 without a Range
    /// header, as a server that supports ranges does.
    fn ranged(body: &[u8], request: &Request) -> Self {
        let Some(start) = request.range_start() else {
            return Reply::whole(body);
        };
        let length = body.len();
        if start as usize >= length {
            return Reply::Send {
                status: 416,
                headers: vec![
                    ("Content-Range".into(), format!("bytes */{length}")),
                    ("Content-Length".into(), "0".into()),
                ],
                body: Vec::new(),
                cut_after: None,
            };
        }
        let rest = &body[start as usize..];
        Reply::Send {
            status: 206,
            headers: vec![
                ("Content-Length".into(), rest.len().to_string()),
                (
                    "Content-Range".into(),
                    format!("bytes {start}-{}/{length}", length - 1),
                ),
            ],
            body: rest.to_vec(),
            cut_after: None,
        }
    }

    /// Returns an empty response with the given status.
    fn status(status: u16) -> Self {
        Reply::Send {
            status,
            headers: vec![("Content-Length".into(), "0".into())],
            body: Vec::new(),
            cut_after: None,
        }
    }

    /// Returns this reply with the connection closed after `bytes` body bytes.
    fn cut_after(self, bytes: usize) -> Self {
        match self {
            Reply::Send {
                status,
                headers,
                body,
                ..
            } => Reply::Send {
                status,
                headers,
                body,
                cut_after: Some(bytes),
            },
            Reply::Silent => Reply::Silent,
        }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// HTTP/1.1 server on 127.0.0.1 that handles one connection at a time and
/// records every request. `handler` receives the request and its index.
struct Server {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));

        let thread = {
            let requests = Arc::clone(&requests);
            let stop = Arc::clone(&stop);
            let handler: Box<Handler> = Box::new(handler);
            thread::spawn(move || serve(&listener, &*handler, &requests, &stop))
        };
        Self {
            address,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/{ARCHIVE_NAME}", self.address)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept call so that the thread reads the stop flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: &TcpListener,
    handler: &Handler,
    requests: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
) {
    // Connections of silent replies stay open here until the server stops.
    let mut silent_streams = Vec::new();
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        let Some(request) = read_request(&stream) else {
            continue;
        };

        let index = {
            let mut requests = requests.lock().unwrap();
            requests.push(request.clone());
            requests.len() - 1
        };
        match handler(&request, index) {
            Reply::Silent => silent_streams.push(stream),
            Reply::Send {
                status,
                headers,
                body,
                cut_after,
            } => {
                // A client that gave up early makes these writes fail, which is fine.
                let _ = write_reply(&mut stream, status, &headers, &body, cut_after);
            }
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if line.is_empty() {
        return None;
    }

    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Some(Request {
        line: line.trim_end().to_owned(),
        headers,
    })
}

fn write_reply(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    cut_after: Option<usize>,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} Test\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;

    let sent = cut_after.map_or(body, |count| &body[..count.min(body.len())]);
    stream.write_all(sent)?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}

// ---------------------------------------------------------------------------
// Helpers

struct Fixture {
    archive: Vec<u8>,
    dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        Self {
            archive: archive().to_vec(),
            dir: TempDir::new().unwrap(),
        }
    }

    fn md5(&self) -> String {
        md5_hex(&self.archive)
    }

    /// Creates a downloader of `server`'s archive into the temporary directory,
    /// with the right checksum and size.
    fn downloader(&self, server: &Server) -> Downloader {
        let source = Source::new(server.url(), &self.md5())
            .unwrap()
            .with_size(Some(self.archive.len() as u64));
        Downloader::new(self.dir.path()).with_source(source)
    }

    fn destination(&self) -> std::path::PathBuf {
        self.dir.path().join(ARCHIVE_NAME)
    }

    fn part(&self) -> std::path::PathBuf {
        self.dir.path().join(format!("{ARCHIVE_NAME}.part"))
    }
}

/// Progress receiver that records every call.
#[derive(Default)]
struct Recorder {
    starts: Vec<(u64, Option<u64>)>,
    advances: Vec<(u64, Option<u64>)>,
    finished: bool,
}

impl Progress for Recorder {
    fn start(&mut self, done: u64, total: Option<u64>) {
        self.starts.push((done, total));
    }

    fn advance(&mut self, done: u64, total: Option<u64>) {
        self.advances.push((done, total));
    }

    fn finish(&mut self) {
        self.finished = true;
    }
}

fn ignore_progress() -> impl FnMut(u64, Option<u64>) {
    |_, _| {}
}

/// Runs the download on another thread and fails the test if it has not ended
/// after `deadline`, so that a missing timeout fails instead of hanging.
fn run_with_deadline(downloader: Downloader, deadline: Duration) -> Result<Outcome, FetchError> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || sender.send(downloader.run(&mut ignore_progress())));
    receiver
        .recv_timeout(deadline)
        .unwrap_or_else(|_| panic!("the download was still running after {deadline:?}"))
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn download_verifies_and_renames() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let mut recorder = Recorder::default();

    let outcome = fixture.downloader(&server).run(&mut recorder).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(outcome, Outcome::Downloaded { bytes: length });
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
    assert!(!fixture.part().exists());
    assert!(archive_entries(&fixture.destination()).contains(&"aclImdb/train/pos/0_9.txt".into()));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].line, format!("GET /{ARCHIVE_NAME} HTTP/1.1"));
    assert_eq!(requests[0].header("range"), None);

    assert_eq!(recorder.starts, [(0, Some(length))]);
    assert_eq!(recorder.advances.last(), Some(&(length, Some(length))));
    assert!(recorder.advances.len() > 1, "{:?}", recorder.advances);
    assert!(recorder.finished);
}

#[test]
fn download_drives_indicatif_bar() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let mut progress = BarProgress::with_bar(ProgressBar::hidden());

    fixture.downloader(&server).run(&mut progress).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(progress.bar().length(), Some(length));
    assert_eq!(progress.bar().position(), length);
    assert!(progress.bar().is_finished());
}

#[test]
fn checksum_mismatch_names_both_sums() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let wrong = "0123456789abcdef0123456789abcdef";
    let source = Source::new(server.url(), wrong).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    let FetchError::ChecksumMismatch {
        expected, actual, ..
    } = &error
    else {
        panic!("expected a checksum mismatch, got {error:?}");
    };
    assert_eq!(expected.to_string(), wrong);
    assert_eq!(actual.to_string(), fixture.md5());
    let message = error.to_string();
    assert!(message.contains(wrong), "{message}");
    assert!(message.contains(&fixture.md5()), "{message}");
    assert!(!fixture.destination().exists());
    assert!(!fixture.part().exists());
}

#[test]
fn interrupted_download_resumes_with_range() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let half = body.len() / 2;
    let server = Server::start(move |request, index| match index {
        0 => Reply::ranged(&body, request).cut_after(half),
        _ => Reply::ranged(&body, request),
    });
    let downloader = fixture.downloader(&server);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();
    assert!(
        matches!(error, FetchError::ConnectionLost { .. }),
        "{error:?}"
    );
    assert!(!fixture.destination().exists());
    let part_length = fs::metadata(fixture.part()).unwrap().len();
    assert!(part_length > 0, "the partial file is empty");
    assert!(
        part_length <= half as u64,
        "{part_length} bytes kept of {half} sent"
    );

    let mut recorder = Recorder::default();
    let outcome = downloader.run(&mut recorder).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(
        outcome,
        Outcome::Resumed {
            from: part_length,
            bytes: length
        }
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].header("range"),
        Some(format!("bytes={part_length}-").as_str())
    );
    assert_eq!(recorder.starts, [(part_length, Some(length))]);
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
    assert!(!fixture.part().exists());
}

#[test]
fn server_ignoring_range_restarts() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |_, _| Reply::whole(&body));
    // Bytes that differ from the archive, so appending to them would fail the
    // checksum.
    let stale = vec![b'x'; fixture.archive.len() / 3];
    fs::write(fixture.part(), &stale).unwrap();

    let outcome = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(outcome, Outcome::Downloaded { bytes: length });
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].range_start(),
        Some(stale.len() as u64),
        "{:?}",
        requests[0]
    );
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
    assert!(!fixture.part().exists());
}

#[test]
fn unsatisfiable_range_restarts() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    // A partial file as long as the archive but with other bytes, for a source
    // of unknown size, so the downloader must ask the server.
    let stale = vec![b'x'; fixture.archive.len()];
    fs::write(fixture.part(), &stale).unwrap();
    let source = Source::new(server.url(), &fixture.md5()).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let outcome = downloader.run(&mut ignore_progress()).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(outcome, Outcome::Downloaded { bytes: length });
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].range_start(), Some(length));
    assert_eq!(requests[1].header("range"), None);
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn complete_part_is_renamed_without_request() {
    let fixture = Fixture::new();
    let server = Server::start(|_, _| Reply::status(500));
    fs::write(fixture.part(), &fixture.archive).unwrap();

    let outcome = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(
        outcome,
        Outcome::Resumed {
            from: length,
            bytes: length
        }
    );
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
    assert!(!fixture.part().exists());
}

#[test]
fn http_error_statuses_are_reported() {
    for status in [403_u16, 404, 500, 503] {
        let fixture = Fixture::new();
        let server = Server::start(move |_, _| Reply::status(status));

        let error = fixture
            .downloader(&server)
            .run(&mut ignore_progress())
            .unwrap_err();

        assert!(
            matches!(error, FetchError::HttpStatus { status: got, .. } if got == status),
            "{status}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&status.to_string()), "{message}");
        assert!(message.contains(&server.url()), "{message}");
        assert!(message.contains("--url"), "{message}");
        assert!(!fixture.destination().exists());
        assert!(!fixture.part().exists());
    }
}

#[test]
fn announced_size_mismatch_writes_nothing() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let announced = fixture.archive.len() as u64;
    let expected = announced + 10;
    let source = Source::new(server.url(), &fixture.md5())
        .unwrap()
        .with_size(Some(expected));
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert!(
        matches!(error, FetchError::SizeMismatch { expected: e, actual: a, .. } if e == expected && a == announced),
        "{error:?}"
    );
    assert!(!fixture.destination().exists());
    assert!(!fixture.part().exists());
}

#[test]
fn silent_server_times_out() {
    let fixture = Fixture::new();
    let server = Server::start(|_, _| Reply::Silent);
    let idle = Duration::from_millis(300);
    let downloader = fixture.downloader(&server).with_idle_timeout(idle);

    let started = Instant::now();
    let error = run_with_deadline(downloader, Duration::from_secs(5)).unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        matches!(error, FetchError::TimedOut { idle: got, received: 0, .. } if got == idle),
        "{error:?}"
    );
    assert!(elapsed >= idle, "gave up after {elapsed:?}");
    assert!(error.to_string().contains("0.3 s"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn stalled_body_times_out_and_keeps_part() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let half = body.len() / 2;
    let idle = Duration::from_millis(300);
    // Sends half the body, then stalls with the connection open.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let server_stop = Arc::clone(&stop);
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&stream).unwrap();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..half]).unwrap();
        while !server_stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
    });
    let url = format!("http://{address}/{ARCHIVE_NAME}");
    let source = Source::new(url, &fixture.md5()).unwrap();
    let downloader = Downloader::new(fixture.dir.path())
        .with_source(source)
        .with_idle_timeout(idle);

    let started = Instant::now();
    let result = run_with_deadline(downloader, Duration::from_secs(5));
    let elapsed = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let error = result.unwrap_err();
    server.join().unwrap();

    assert!(
        matches!(error, FetchError::TimedOut { received, .. } if received == half as u64),
        "{error:?}"
    );
    assert!(elapsed >= idle, "gave up after {elapsed:?}");
    assert_eq!(fs::metadata(fixture.part()).unwrap().len(), half as u64);
    assert!(!fixture.destination().exists());
}

#[test]
fn refused_connection_is_reported() {
    let fixture = Fixture::new();
    let address = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://{address}/{ARCHIVE_NAME}");
    let source = Source::new(url.clone(), &fixture.md5()).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert!(
        matches!(error, FetchError::ConnectionRefused { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains(ARCHIVE_NAME), "{message}");
}

#[test]
fn complete_file_is_not_downloaded_again() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    fs::write(fixture.destination(), &fixture.archive).unwrap();
    let downloader = fixture.downloader(&server);

    assert!(downloader.is_complete().unwrap());
    let outcome = downloader.run(&mut ignore_progress()).unwrap();

    assert_eq!(outcome, Outcome::AlreadyPresent);
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn corrupt_destination_is_kept() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let mut corrupt = fixture.archive.clone();
    corrupt[100] ^= 0xff;
    fs::write(fixture.destination(), &corrupt).unwrap();
    let downloader = fixture.downloader(&server);

    assert!(!downloader.is_complete().unwrap());
    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert!(
        matches!(error, FetchError::ExistingFileMismatch { .. }),
        "{error:?}"
    );
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), corrupt);
    assert!(!fixture.part().exists());
}

#[test]
fn unwritable_data_dir_is_reported() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    // A regular file where a parent directory should be: no user, root included,
    // can create the data directory below it.
    let blocker = fixture.dir.path().join("blocker");
    fs::write(&blocker, b"").unwrap();
    let data_dir = blocker.join("data");
    let downloader =
        Downloader::new(&data_dir).with_source(fixture.downloader(&server).source().clone());

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert!(
        matches!(&error, FetchError::DataDir { dir, .. } if dir == &data_dir),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&data_dir.display().to_string()),
        "{error}"
    );
    assert!(server.requests().is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_is_reported() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", fixture.part()).unwrap();

    let error = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap_err();

    assert!(matches!(error, FetchError::DiskFull { .. }), "{error:?}");
    assert!(error.to_string().contains(".part"), "{error}");
    assert!(!fixture.destination().exists());
}

#[test]
fn cancelled_download_keeps_part() {
    /// Cancels as soon as any byte is on disk.
    struct CancelAfterFirstBlock {
        done: u64,
    }
    impl Progress for CancelAfterFirstBlock {
        fn advance(&mut self, done: u64, _total: Option<u64>) {
            self.done = done;
        }
        fn is_cancelled(&self) -> bool {
            self.done > 0
        }
    }

    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let mut progress = CancelAfterFirstBlock { done: 0 };

    let error = fixture.downloader(&server).run(&mut progress).unwrap_err();

    let FetchError::Cancelled { received } = error else {
        panic!("expected a cancellation, got {error:?}");
    };
    assert!(received > 0, "cancelled before any byte");
    assert!(
        received < fixture.archive.len() as u64,
        "cancelled after the last byte"
    );
    assert_eq!(fs::metadata(fixture.part()).unwrap().len(), received);
    assert!(!fixture.destination().exists());
}

#[test]
fn request_asks_for_identity_encoding() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));

    fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests[0].header("accept-encoding"), Some("identity"));
    let agent = requests[0].header("user-agent").unwrap_or_default();
    assert!(agent.starts_with("imdb-tui/"), "{agent}");
}

#[test]
fn https_to_plain_server_fails_tls() {
    let fixture = Fixture::new();
    // Sends plain HTTP at once, which is no TLS handshake record.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        let _ = stream.shutdown(std::net::Shutdown::Write);
        thread::sleep(Duration::from_millis(200));
    });
    let url = format!("https://{address}/{ARCHIVE_NAME}");
    let source = Source::new(url, &fixture.md5()).unwrap();
    let downloader = Downloader::new(fixture.dir.path())
        .with_source(source)
        .with_idle_timeout(Duration::from_secs(2));

    let error = run_with_deadline(downloader, Duration::from_secs(5)).unwrap_err();
    server.join().unwrap();

    assert!(matches!(error, FetchError::Tls { .. }), "{error:?}");
    assert!(!fixture.part().exists());
}

#[test]
fn wrong_complete_part_restarts_without_range() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let stale = vec![b'x'; fixture.archive.len()];
    fs::write(fixture.part(), &stale).unwrap();

    let outcome = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(outcome, Outcome::Downloaded { bytes: length });
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("range"), None);
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn redirect_is_followed_when_resuming() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let half = body.len() / 2;
    let server = Server::start(move |request, index| {
        if request.line.starts_with(&format!("GET /{ARCHIVE_NAME} ")) {
            return Reply::Send {
                status: 302,
                headers: vec![
                    ("Location".into(), "/mirror/archive.tar.gz".into()),
                    ("Content-Length".into(), "0".into()),
                ],
                body: Vec::new(),
                cut_after: None,
            };
        }
        match index {
            1 => Reply::ranged(&body, request).cut_after(half),
            _ => Reply::ranged(&body, request),
        }
    });
    let downloader = fixture.downloader(&server);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();
    assert!(
        matches!(error, FetchError::ConnectionLost { .. }),
        "{error:?}"
    );
    let part_length = fs::metadata(fixture.part()).unwrap().len();
    let outcome = downloader.run(&mut ignore_progress()).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(
        outcome,
        Outcome::Resumed {
            from: part_length,
            bytes: length
        }
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests[3].line.starts_with("GET /mirror/archive.tar.gz "));
    assert_eq!(requests[3].range_start(), Some(part_length));
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn unannounced_length_uses_expected_size() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    // No Content-Length, so the body ends when the server closes the connection.
    let server = Server::start(move |_, _| Reply::Send {
        status: 200,
        headers: Vec::new(),
        body: body.clone(),
        cut_after: None,
    });
    let mut recorder = Recorder::default();

    let outcome = fixture.downloader(&server).run(&mut recorder).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(outcome, Outcome::Downloaded { bytes: length });
    assert_eq!(recorder.starts, [(0, Some(length))]);
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn overlong_unannounced_body_is_rejected() {
    let fixture = Fixture::new();
    let mut body = fixture.archive.clone();
    body.extend_from_slice(&[0_u8; 1024 * 1024]);
    let body_length = body.len() as u64;
    let server = Server::start(move |_, _| Reply::Send {
        status: 200,
        headers: Vec::new(),
        body: body.clone(),
        cut_after: None,
    });

    let error = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap_err();

    let length = fixture.archive.len() as u64;
    let FetchError::SizeMismatch {
        expected, actual, ..
    } = error
    else {
        panic!("expected a size mismatch, got {error:?}");
    };
    assert_eq!(expected, length);
    assert!(actual > length, "stopped at {actual} of {length} bytes");
    // The copy stops within one block past the expected size instead of
    // writing the whole body.
    assert!(actual < body_length, "wrote all {actual} bytes");
    assert!(!fixture.part().exists());
    assert!(!fixture.destination().exists());
}

// ---------------------------------------------------------------------------
// Files at the destination that the download did not write

/// Another archive than the one the server has, standing in for a file the
/// user placed by hand, such as a copy without the unlabeled reviews.
fn placed_archive() -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    let text = "a placed review";
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "aclImdb/train/pos/9_10.txt", text.as_bytes())
        .unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// Writes `bytes` at the destination and makes the file read-only.
fn place_read_only(fixture: &Fixture, bytes: &[u8]) {
    fs::write(fixture.destination(), bytes).unwrap();
    let mut permissions = fs::metadata(fixture.destination()).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(fixture.destination(), permissions).unwrap();
}

/// Checks that `error` names the placed file, both checksums and each fix.
fn assert_names_placed_file(error: &FetchError, fixture: &Fixture, placed: &[u8]) {
    let FetchError::ExistingFileMismatch {
        path,
        size,
        md5,
        expected_md5,
        ..
    } = error
    else {
        panic!("expected a mismatch of the existing file, got {error:?}");
    };
    assert_eq!(path, &fixture.destination());
    assert_eq!(*size, placed.len() as u64);
    assert_eq!(md5.to_string(), md5_hex(placed));
    assert_ne!(md5, expected_md5);

    let message = error.to_string();
    assert!(
        message.contains(&fixture.destination().display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&format!("{} bytes", placed.len())),
        "{message}"
    );
    assert!(message.contains(&md5_hex(placed)), "{message}");
    assert!(message.contains(&expected_md5.to_string()), "{message}");
    assert!(message.contains("move or rename"), "{message}");
    assert!(message.contains("--md5"), "{message}");
    assert!(message.contains("--data"), "{message}");
}

#[test]
fn placed_file_kept_when_refused() {
    let fixture = Fixture::new();
    let placed = placed_archive();
    place_read_only(&fixture, &placed);
    let address = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://{address}/{ARCHIVE_NAME}");
    let source = Source::new(url, imdb_tui::fetch::OFFICIAL_MD5).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert_names_placed_file(&error, &fixture, &placed);
    let message = error.to_string();
    assert!(message.contains("84125825 bytes"), "{message}");
    assert!(message.contains(imdb_tui::fetch::OFFICIAL_MD5), "{message}");
    assert_eq!(fs::read(fixture.destination()).unwrap(), placed);
    assert!(!fixture.part().exists());
}

#[test]
fn placed_file_kept_on_404() {
    let fixture = Fixture::new();
    let placed = placed_archive();
    place_read_only(&fixture, &placed);
    let server = Server::start(|_, _| Reply::status(404));

    let error = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap_err();

    assert_names_placed_file(&error, &fixture, &placed);
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), placed);
}

#[test]
fn placed_file_kept_when_mirror_differs() {
    let fixture = Fixture::new();
    let placed = placed_archive();
    place_read_only(&fixture, &placed);
    // The mirror serves its own archive, whose checksum is not the one the
    // download expects.
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    let source = Source::new(server.url(), imdb_tui::fetch::OFFICIAL_MD5).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert_names_placed_file(&error, &fixture, &placed);
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), placed);
    assert!(!fixture.part().exists());
}

#[test]
fn placed_file_accepted_with_its_md5() {
    let fixture = Fixture::new();
    let placed = placed_archive();
    place_read_only(&fixture, &placed);
    let server = Server::start(|_, _| Reply::status(500));
    let source = Source::new(server.url(), &md5_hex(&placed)).unwrap();
    let downloader = Downloader::new(fixture.dir.path()).with_source(source);

    let outcome = downloader.run(&mut ignore_progress()).unwrap();

    assert_eq!(outcome, Outcome::AlreadyPresent);
    assert!(server.requests().is_empty());
    assert_eq!(fs::read(fixture.destination()).unwrap(), placed);
}

#[test]
fn md5_download_kept_on_official_run() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let server = Server::start(move |request, _| Reply::ranged(&body, request));
    // First run: the mirror's file, accepted through its checksum, as with
    // `--md5`.
    let mirror = Source::new(server.url(), &fixture.md5()).unwrap();
    Downloader::new(fixture.dir.path())
        .with_source(mirror)
        .run(&mut ignore_progress())
        .unwrap();

    // Second run without `--md5`: the official checksum is expected.
    let official = Source::new(server.url(), imdb_tui::fetch::OFFICIAL_MD5).unwrap();
    let error = Downloader::new(fixture.dir.path())
        .with_source(official)
        .run(&mut ignore_progress())
        .unwrap_err();

    assert_names_placed_file(&error, &fixture, &fixture.archive);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
}

#[test]
fn part_resumes_after_placed_file_moved() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let half = body.len() / 2;
    let server = Server::start(move |request, index| match index {
        0 => Reply::ranged(&body, request).cut_after(half),
        _ => Reply::ranged(&body, request),
    });
    let downloader = fixture.downloader(&server);
    downloader.run(&mut ignore_progress()).unwrap_err();
    let part_length = fs::metadata(fixture.part()).unwrap().len();
    assert!(part_length > 0, "the partial file is empty");

    // A file placed now stops the next run without touching the partial file.
    let placed = placed_archive();
    place_read_only(&fixture, &placed);
    let error = downloader.run(&mut ignore_progress()).unwrap_err();
    assert_names_placed_file(&error, &fixture, &placed);
    assert_eq!(fs::metadata(fixture.part()).unwrap().len(), part_length);
    assert_eq!(server.requests().len(), 1);

    // Once the user moves it away, the download resumes where it stopped.
    fs::rename(
        fixture.destination(),
        fixture.dir.path().join("placed.tar.gz"),
    )
    .unwrap();
    let outcome = downloader.run(&mut ignore_progress()).unwrap();

    let length = fixture.archive.len() as u64;
    assert_eq!(
        outcome,
        Outcome::Resumed {
            from: part_length,
            bytes: length
        }
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].range_start(), Some(part_length));
    assert_eq!(fs::read(fixture.destination()).unwrap(), fixture.archive);
    assert!(!fixture.part().exists());
}

#[test]
fn file_placed_during_download_is_kept() {
    let fixture = Fixture::new();
    let body = fixture.archive.clone();
    let placed = placed_archive();
    let destination = fixture.destination();
    let placed_by_server = placed.clone();
    // The file appears at the destination while the body is on its way.
    let server = Server::start(move |request, _| {
        fs::write(&destination, &placed_by_server).unwrap();
        Reply::ranged(&body, request)
    });
    let downloader = fixture.downloader(&server);

    let error = downloader.run(&mut ignore_progress()).unwrap_err();

    assert_names_placed_file(&error, &fixture, &placed);
    assert_eq!(fs::read(fixture.destination()).unwrap(), placed);
    // The verified download waits in the partial file for the next run.
    assert_eq!(fs::read(fixture.part()).unwrap(), fixture.archive);
}

#[test]
fn folder_at_destination_is_kept() {
    let fixture = Fixture::new();
    fs::create_dir(fixture.destination()).unwrap();
    fs::write(fixture.destination().join("notes.txt"), b"mine").unwrap();
    let server = Server::start(|_, _| Reply::status(500));

    let error = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap_err();

    assert!(
        matches!(&error, FetchError::DestinationNotAFile { path } if path == &fixture.destination()),
        "{error:?}"
    );
    assert!(error.to_string().contains("not a regular file"), "{error}");
    assert!(server.requests().is_empty());
    assert_eq!(
        fs::read(fixture.destination().join("notes.txt")).unwrap(),
        b"mine"
    );
}

#[cfg(unix)]
#[test]
fn broken_link_at_destination_is_kept() {
    let fixture = Fixture::new();
    let target = fixture.dir.path().join("elsewhere.tar.gz");
    std::os::unix::fs::symlink(&target, fixture.destination()).unwrap();
    let server = Server::start(|_, _| Reply::status(500));

    let error = fixture
        .downloader(&server)
        .run(&mut ignore_progress())
        .unwrap_err();

    assert!(
        matches!(error, FetchError::DestinationNotAFile { .. }),
        "{error:?}"
    );
    assert!(server.requests().is_empty());
    assert_eq!(fs::read_link(fixture.destination()).unwrap(), target);
}
