//! Downloads against a tiny HTTP server on 127.0.0.1 (no network needed): synthetic gzipped IDX
//! files fetched, md5-checked and loaded; a corrupted file refused with both md5s and no file
//! left behind; a server error and a dead mirror handled.

use ferrite_data::download::{Source, download};
use ferrite_data::vision::{IdxImages, write_idx_labels};
use ferrite_data::{Dataset, Error, FashionMnist};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrite-vision-download-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Serves `files` (path without the leading `/` -> body) over HTTP/1.1 on a free local port, one
/// request per connection, in a background thread that lives as long as the test process.
/// Returns the base URL.
fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = respond(stream, &files);
        }
    });
    base
}

fn respond(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
    match files.get(path) {
        Some(body) => {
            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
            stream.write_all(body)?;
        }
        None => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?,
    }
    stream.flush()
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The four Fashion-MNIST files, synthetic: 6 training and 4 test images.
fn synthetic_fashion_files(test: &str) -> HashMap<String, Vec<u8>> {
    let dir = temp_dir(&format!("{test}-source"));
    for (split, n) in [("train", 6usize), ("t10k", 4)] {
        let pixels = (0..n * 784).map(|k| (k % 251) as u8).collect();
        IdxImages::new(28, 28, pixels)
            .unwrap()
            .write(dir.join(format!("{split}-images-idx3-ubyte.gz")))
            .unwrap();
        let labels: Vec<u8> = (0..n as u8).map(|i| 9 - i).collect();
        write_idx_labels(dir.join(format!("{split}-labels-idx1-ubyte.gz")), &labels).unwrap();
    }
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    files
}

fn checksums(files: &HashMap<String, Vec<u8>>) -> Vec<(String, String)> {
    files.iter().map(|(name, body)| (name.clone(), md5_hex(body))).collect()
}

#[test]
fn downloads_verify_and_load() {
    let files = synthetic_fashion_files("ok");
    let source = Source::new([serve(files.clone())], checksums(&files));
    let dir = temp_dir("ok").join("fashion-mnist");
    let fetched = source.fetch_missing(&dir).unwrap();
    assert_eq!(fetched.len(), 4);
    for (name, body) in &files {
        assert_eq!(&std::fs::read(dir.join(name)).unwrap(), body, "{name}");
    }
    // Nothing but the four files: no temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4);
    // Present files are not fetched again.
    assert!(source.fetch_missing(&dir).unwrap().is_empty());

    let train = FashionMnist::new(&dir, true).unwrap();
    let test = FashionMnist::new(&dir, false).unwrap();
    assert_eq!((train.len(), test.len()), (6, 4));
    assert_eq!(train.get(0).unwrap().1.item::<i64>().unwrap(), 9);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn a_corrupted_download_is_rejected_and_removed() {
    let mut files = synthetic_fashion_files("corrupt");
    let sums = checksums(&files);
    // Flip one byte of the served training labels after their md5 was taken.
    let body = files.get_mut("train-labels-idx1-ubyte.gz").unwrap();
    let last = body.len() - 1;
    body[last] ^= 0xff;
    let actual = md5_hex(body);
    let base = serve(files);
    let source = Source::new([base.clone()], sums.clone());
    let dir = temp_dir("corrupt");

    let err = source.fetch("train-labels-idx1-ubyte.gz", &dir).unwrap_err();
    let expected = &sums.iter().find(|(n, _)| n == "train-labels-idx1-ubyte.gz").unwrap().1;
    match &err {
        Error::Checksum { path, url, expected: e, actual: a } => {
            assert_eq!(path, &dir.join("train-labels-idx1-ubyte.gz"));
            assert_eq!(url, &format!("{base}train-labels-idx1-ubyte.gz"));
            assert_eq!((e, a), (expected, &actual));
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("train-labels-idx1-ubyte.gz") && msg.contains(expected) && msg.contains(&actual),
        "{msg}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the rejected download must not stay on disk");

    // The same through the dataset's download path: good files arrive, the bad one does not.
    let err = source.fetch_missing(&dir).unwrap_err();
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(!dir.join("train-labels-idx1-ubyte.gz").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn http_errors_and_dead_mirrors() {
    let files = synthetic_fashion_files("mirrors");
    let sums = checksums(&files);
    let good = serve(files);
    let empty = serve(HashMap::new());
    // A port nothing listens on: bind one, then drop the listener.
    let dead = format!("http://{}/", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    let dir = temp_dir("mirrors");

    let err =
        Source::new([empty.clone()], sums.clone()).fetch("t10k-labels-idx1-ubyte.gz", &dir).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("cannot download {empty}t10k-labels-idx1-ubyte.gz: ")), "{msg}");
    assert!(msg.contains("404"), "{msg}");

    // Mirrors are tried in order: the dead one and the one without the file, then the good one.
    let path = Source::new([dead, empty, good], sums).fetch("t10k-labels-idx1-ubyte.gz", &dir).unwrap();
    assert_eq!(path, dir.join("t10k-labels-idx1-ubyte.gz"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    let err = download("https://127.0.0.1:1/x", &dir.join("x"), "00").unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");
    assert!(!dir.join("x").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
