//! Download speed from a loopback HTTP server: 100 MB, written to a temporary
//! directory, hashed, synced to disk and renamed, as `Downloader::run` does it.
//!
//! Run with `cargo bench --bench fetch`.

// A bench is not application code, and a failed setup step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use imdb_tui::fetch::{ARCHIVE_NAME, Downloader, Md5Digest, Outcome, Source};
use md5::{Digest, Md5};
use tempfile::TempDir;

/// Size of the served file in bytes.
const FILE_SIZE: usize = 100_000_000;

/// Returns `length` xorshift bytes, so that nothing on the path can
/// shortcut runs of equal bytes.
fn random_bytes(length: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut bytes = Vec::with_capacity(length + 8);
    while bytes.len() < length {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(length);
    bytes
}

/// Starts a server on 127.0.0.1 that sends `body` with status 200 to every
/// request, one connection at a time, for as long as the bench runs.
fn start_server(body: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            // A client that stops early makes the writes fail, which ends this reply.
            let _ = send_file(stream, body);
        }
    });
    address
}

fn send_file(mut stream: TcpStream, body: &[u8]) -> std::io::Result<()> {
    let mut reader = BufReader::new(&stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
    }

    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn download_speed(criterion: &mut Criterion) {
    let body: &'static [u8] = random_bytes(FILE_SIZE).leak();
    let digest: [u8; 16] = Md5::digest(body).into();
    let md5 = Md5Digest::from_bytes(digest).to_string();
    let address = start_server(body);

    let dir = TempDir::new().unwrap();
    let url = format!("http://{address}/{ARCHIVE_NAME}");
    let source = Source::new(url, &md5)
        .unwrap()
        .with_size(Some(FILE_SIZE as u64));
    let downloader = Downloader::new(dir.path()).with_source(source);
    let destination = downloader.destination();

    let mut group = criterion.benchmark_group("fetch");
    group.throughput(Throughput::BytesDecimal(FILE_SIZE as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("loopback_100MB", |bencher| {
        bencher.iter_batched(
            || {
                let _ = fs::remove_file(&destination);
            },
            |()| {
                let outcome = downloader.run(&mut |_, _| {}).unwrap();
                assert_eq!(
                    outcome,
                    Outcome::Downloaded {
                        bytes: FILE_SIZE as u64
                    }
                );
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, download_speed);
criterion_main!(benches);
