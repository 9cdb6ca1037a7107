//! Tests of the command line as a user runs it: the language of its
//! messages, downloads from a mirror, and the dashboard's download dialog
//! driven in tmux. Every download comes from an HTTP server on 127.0.0.1
//! that the test starts, serving a small dataset archive the test builds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};

const BINARY: &str = env!("CARGO_BIN_EXE_imdb-tui");

const POSITIVE: [&str; 5] = ["great", "excellent", "wonderful", "superb", "loved"];
const NEGATIVE: [&str; 5] = ["awful", "boring", "terrible", "worst", "hated"];
const NEUTRAL: [&str; 4] = ["the", "movie", "plot", "acting"];

/// Vocabulary size for the small archive, below its 14 distinct words.
const SMALL_VOCAB: &str = "12";

/// Builds a gzipped tar archive in the layout of the real dataset,
/// `aclImdb/{train,test}/{pos,neg}/ID_RATING.txt`, with `per_folder` short
/// reviews in each of the four folders.
fn small_archive(per_folder: usize) -> Vec<u8> {
    let encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for split in ["train", "test"] {
        for (folder, words, ratings) in [("pos", POSITIVE, 7), ("neg", NEGATIVE, 1)] {
            for id in 0..per_folder {
                let text = format!(
                    "{} {} {} {}",
                    NEUTRAL[id % NEUTRAL.len()],
                    words[id % words.len()],
                    words[(id + 2) % words.len()],
                    NEUTRAL[(id + 1) % NEUTRAL.len()],
                );
                let rating = ratings + id % 4;
                let mut header = tar::Header::new_gnu();
                header.set_size(text.len() as u64);
                header.set_mode(0o644);
                header.set_cksum();
                let path = format!("aclImdb/{split}/{folder}/{id}_{rating}.txt");
                builder
                    .append_data(&mut header, path, text.as_bytes())
                    .unwrap();
            }
        }
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Starts an HTTP server on 127.0.0.1 that responds to every request with
/// `body`, sent in 20 parts `pause` apart, and returns its URL. It serves
/// until the test process ends.
fn serve(body: Vec<u8>, pause: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let body = Arc::new(body);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let body = Arc::clone(&body);
            thread::spawn(move || respond(stream, &body, pause));
        }
    });
    format!("http://{address}/aclImdb_v1.tar.gz")
}

fn respond(mut stream: TcpStream, body: &[u8], pause: Duration) {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(header.as_bytes()).is_err() {
        return;
    }
    for part in body.chunks(body.len().div_ceil(20).max(1)) {
        if stream
            .write_all(part)
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
        thread::sleep(pause);
    }
}

/// Returns the binary as a command in `dir` with no locale, data or mirror
/// variables inherited from the test's environment.
fn imdb_tui(dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(dir).stdin(Stdio::null());
    for name in [
        "LC_ALL",
        "LC_MESSAGES",
        "LANG",
        "IMDB_DATA",
        "IMDB_DATA_URL",
        "IMDB_DATA_MD5",
    ] {
        command.env_remove(name);
    }
    command
}

fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    (output, stdout, stderr)
}

mod language {
    use super::*;

    #[test]
    fn missing_model_error_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let (output, _, stderr) = run(imdb_tui(dir.path()).env("LANG", "zh_CN.UTF-8").args([
            "predict",
            "--model",
            "missing.npz",
            "a fine film",
        ]));
        assert!(!output.status.success());
        assert!(
            stderr.contains("错误：找不到模型文件 missing.npz"),
            "{stderr}"
        );
        assert!(
            stderr.contains("imdb-tui train --full --save missing.npz"),
            "{stderr}"
        );
    }

    #[test]
    fn lang_flag_overrides_locale() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, stderr) = run(imdb_tui(dir.path()).env("LANG", "zh_CN.UTF-8").args([
            "--lang",
            "en",
            "predict",
            "--model",
            "missing.npz",
            "x",
        ]));
        assert!(
            stderr.starts_with("error: model file missing.npz not found"),
            "{stderr}"
        );
    }

    #[test]
    fn each_locale_variable_selects_chinese() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            let (_, _, stderr) = run(imdb_tui(dir.path()).env(name, "zh_CN.UTF-8").args([
                "predict",
                "--model",
                "missing.npz",
                "x",
            ]));
            assert!(stderr.starts_with("错误："), "{name}: {stderr}");
        }
    }

    #[test]
    fn lc_all_wins_over_lang() {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, stderr) = run(imdb_tui(dir.path())
            .env("LC_ALL", "C")
            .env("LANG", "zh_CN.UTF-8")
            .args(["predict", "--model", "missing.npz", "x"]));
        assert!(stderr.starts_with("error: "), "{stderr}");
    }

    #[test]
    fn dashboard_needs_terminal_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .stdout(Stdio::piped()));
        assert!(!output.status.success());
        assert!(stderr.contains("错误：标准输出不是终端"), "{stderr}");
        assert!(stderr.contains("imdb-tui train"), "{stderr}");
    }

    #[test]
    fn missing_data_gives_instructions_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .args(["train", "--epochs", "1"]));
        assert!(!output.status.success());
        assert!(
            stderr.contains("错误：没有找到 IMDB 数据集，查找过："),
            "{stderr}"
        );
        assert!(stderr.contains("  - --data（未指定）"), "{stderr}");
        assert!(stderr.contains("  - IMDB_DATA（未设置）"), "{stderr}");
        assert!(stderr.contains("  - data/aclImdb（文件夹）"), "{stderr}");
        assert!(stderr.contains("  - data/aclImdb_v1.tar.gz"), "{stderr}");
        assert!(stderr.contains("请运行 `imdb-tui fetch-data`"), "{stderr}");
        assert!(
            !dir.path().join("data/aclImdb_v1.tar.gz").exists(),
            "a download started without a terminal"
        );
    }

    #[test]
    fn train_and_predict_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("small.tar.gz");
        std::fs::write(&archive, small_archive(60)).unwrap();

        let (output, stdout, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .args(["train", "--full", "--epochs", "2", "--vocab", SMALL_VOCAB])
            .args(["--save", "data/model.npz", "--data"])
            .arg(&archive));
        assert!(output.status.success(), "{stderr}");
        assert!(stdout.contains("轮次   1/2  损失 "), "{stdout}");
        assert!(stdout.contains("测试集损失 "), "{stdout}");
        assert!(stdout.contains("训练了 2 个轮次 (epoch)"), "{stdout}");
        assert!(
            stderr.contains("模型已保存到 data/model.npz 和 data/model.json"),
            "{stderr}"
        );

        let (output, stdout, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .args(["predict", "--model", "data/model.npz"])
            .args(["great excellent superb", "awful boring terrible"]));
        assert!(output.status.success(), "{stderr}");
        let labels: Vec<&str> = stdout
            .lines()
            .map(|line| line.split('\t').nth(1).unwrap())
            .collect();
        assert_eq!(labels.len(), 2, "{stdout}");
        for label in labels {
            assert!(label == "正面" || label == "负面", "{stdout}");
        }
    }

    #[test]
    fn json_output_stays_english() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("small.tar.gz");
        std::fs::write(&archive, small_archive(60)).unwrap();
        let (output, stdout, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .args([
                "train",
                "--full",
                "--epochs",
                "2",
                "--json",
                "--vocab",
                SMALL_VOCAB,
            ])
            .arg("--data")
            .arg(&archive));
        assert!(output.status.success(), "{stderr}");
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        assert_eq!(lines[0]["epoch"], 1);
        assert!(lines[0]["train_loss"].is_number());
        assert_eq!(lines[2]["summary"], true);
        assert_eq!(lines[2]["kind"], "final");
    }
}

mod mirror {
    use super::*;

    #[test]
    fn fetch_data_uses_url_and_md5_variables() {
        let dir = tempfile::tempdir().unwrap();
        let archive = small_archive(20);
        let url = serve(archive.clone(), Duration::ZERO);
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .env("IMDB_DATA_URL", &url)
            .env("IMDB_DATA_MD5", md5_hex(&archive))
            .arg("fetch-data"));
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "已下载 data/aclImdb_v1.tar.gz（{} 字节）",
                archive.len()
            )),
            "{stderr}"
        );
        let saved = std::fs::read(dir.path().join("data/aclImdb_v1.tar.gz")).unwrap();
        assert_eq!(saved, archive);
    }

    #[test]
    fn wrong_checksum_removes_download() {
        let dir = tempfile::tempdir().unwrap();
        let url = serve(small_archive(20), Duration::ZERO);
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .env("IMDB_DATA_URL", &url)
            .env("IMDB_DATA_MD5", "0123456789abcdef0123456789abcdef")
            .arg("fetch-data"));
        assert!(!output.status.success());
        assert!(
            stderr.contains("的校验和不符：应为 MD5 0123456789abcdef"),
            "{stderr}"
        );
        assert!(!dir.path().join("data/aclImdb_v1.tar.gz").exists());
    }

    #[test]
    fn invalid_md5_variable_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .env("IMDB_DATA_URL", "http://127.0.0.1:9/a.tar.gz")
            .env("IMDB_DATA_MD5", "abc")
            .arg("fetch-data"));
        assert!(!output.status.success());
        assert!(
            stderr.contains("MD5 校验和 \"abc\" 无效：应为 32 位十六进制数"),
            "{stderr}"
        );
    }

    #[test]
    fn empty_md5_variable_means_official() {
        let dir = tempfile::tempdir().unwrap();
        // Nothing listens on port 9 of the loopback address, so the
        // download fails at once, after the checksum was accepted.
        let (output, _, stderr) = run(imdb_tui(dir.path()).env("IMDB_DATA_MD5", "").args([
            "fetch-data",
            "--url",
            "http://127.0.0.1:9/a.tar.gz",
        ]));
        assert!(!output.status.success());
        assert!(!stderr.contains("invalid MD5"), "{stderr}");
        assert!(stderr.contains("127.0.0.1:9"), "{stderr}");
    }

    #[test]
    fn refused_connection_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let (output, _, stderr) = run(imdb_tui(dir.path())
            .env("LANG", "zh_CN.UTF-8")
            .env("IMDB_DATA_URL", "http://127.0.0.1:9/a.tar.gz")
            .arg("fetch-data"));
        assert!(!output.status.success());
        assert!(
            stderr.contains("错误：http://127.0.0.1:9/a.tar.gz 拒绝连接：请稍后重试"),
            "{stderr}"
        );
        assert!(
            stderr.contains("或手动把 aclImdb_v1.tar.gz 放到 data"),
            "{stderr}"
        );
    }

    #[test]
    fn help_names_md5_variable() {
        let dir = tempfile::tempdir().unwrap();
        let (output, stdout, _) = run(imdb_tui(dir.path()).args(["fetch-data", "--help"]));
        assert!(output.status.success());
        assert!(stdout.contains("IMDB_DATA_MD5"), "{stdout}");
        let (_, stdout, _) = run(imdb_tui(dir.path()).arg("--help"));
        assert!(stdout.contains("IMDB_DATA_MD5"), "{stdout}");
    }
}

/// A tmux session on a server of the test's own socket, inside the test's
/// temporary folder, so that it touches no other tmux session and leaves
/// no socket behind. Dropping it kills the session.
struct TmuxSession {
    socket: PathBuf,
    name: String,
}

impl TmuxSession {
    fn start(name: &str, dir: &Path, shell_command: &str) -> TmuxSession {
        let session = TmuxSession {
            socket: dir.join("tmux.sock"),
            name: name.to_owned(),
        };
        let status = session
            .tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "100",
                "-y",
                "30",
                "-c",
            ])
            .arg(dir)
            .arg(shell_command)
            .status()
            .unwrap_or_else(|error| panic!("tmux could not start ({error}); install tmux"));
        assert!(status.success(), "tmux new-session failed");
        session
    }

    fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        command.arg("-S").arg(&self.socket);
        command
    }

    fn is_alive(&self) -> bool {
        self.tmux()
            .args(["has-session", "-t", &self.name])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn screen(&self) -> String {
        let output = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn send(&self, key: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", &self.name, key])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits until the screen contains `text` and returns the screen.
    fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                started.elapsed() < timeout,
                "no {text:?} after {timeout:?}; the screen:\n{screen}"
            );
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for TmuxSession {
    fn drop(&mut self) {
        if self.is_alive() {
            let _ = self
                .tmux()
                .args(["kill-session", "-t", &self.name])
                .status();
        }
    }
}

#[test]
fn dashboard_downloads_missing_data_in_tmux() {
    let dir = tempfile::tempdir().unwrap();
    let archive = small_archive(100);
    // About 3 seconds in all, so that the gauge is on screen for a while.
    let url = serve(archive.clone(), Duration::from_millis(150));
    let shell_command = format!(
        "env -u IMDB_DATA -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 TERM=xterm-256color \
         IMDB_DATA_URL='{url}' IMDB_DATA_MD5={} '{BINARY}' --vocab {SMALL_VOCAB} --epochs 5",
        md5_hex(&archive)
    );
    let session = TmuxSession::start("download", dir.path(), &shell_command);
    let long = Duration::from_secs(60);

    let screen = session.wait_for("缺少数据集", long);
    assert!(
        screen.contains("没有找到 IMDB 数据集。查找过："),
        "{screen}"
    );
    assert!(screen.contains("data/aclImdb_v1.tar.gz"), "{screen}");
    assert!(screen.contains("IMDB_DATA（未设置）"), "{screen}");
    assert!(screen.contains("127.0.0.1"), "{screen}");
    assert!(
        screen.contains("y：下载   n：暂不下载   q：退出"),
        "{screen}"
    );

    session.send("y");
    let screen = session.wait_for("正在下载数据集", long);
    assert!(screen.contains("阶段：下载数据"), "{screen}");
    let screen = session.wait_for("KiB/s", long);
    assert!(screen.contains("KiB/"), "{screen}");

    let screen = session.wait_for("阶段：完成", long);
    assert!(
        screen.contains("训练集 200 条、测试集 200 条影评"),
        "{screen}"
    );
    assert!(screen.contains("留出 80 条作验证集"), "{screen}");
    assert!(screen.contains("轮次 (epoch) 5/5"), "{screen}");
    let saved = std::fs::read(dir.path().join("data/aclImdb_v1.tar.gz")).unwrap();
    assert_eq!(saved, archive);

    session.send("q");
    let started = Instant::now();
    while session.is_alive() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "q did not quit; the screen:\n{}",
            session.screen()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn quit_during_download_keeps_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let archive = small_archive(100);
    // About 20 seconds in all, far longer than the test waits.
    let url = serve(archive.clone(), Duration::from_secs(1));
    let shell_command = format!(
        "env -u IMDB_DATA -u LC_ALL -u LC_MESSAGES LANG=en_US.UTF-8 TERM=xterm-256color \
         IMDB_DATA_URL='{url}' IMDB_DATA_MD5={} '{BINARY}' --vocab {SMALL_VOCAB}",
        md5_hex(&archive)
    );
    let session = TmuxSession::start("quit-download", dir.path(), &shell_command);
    let long = Duration::from_secs(60);

    session.wait_for("y: download   n: not now   q: quit", long);
    session.send("y");
    let screen = session.wait_for("Downloading the dataset", long);
    assert!(
        screen.contains("q: quit (the next start resumes the download)"),
        "{screen}"
    );
    // The gauge appears with the first bytes, once the partial file exists.
    session.wait_for("%", long);

    session.send("q");
    let started = Instant::now();
    while session.is_alive() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "quitting waited for the download; the screen:\n{}",
            session.screen()
        );
        thread::sleep(Duration::from_millis(100));
    }
    let data = dir.path().join("data");
    assert!(data.join("aclImdb_v1.tar.gz.part").exists());
    assert!(!data.join("aclImdb_v1.tar.gz").exists());
}
