//! Where dataset files live on disk (`FERRITE_DATA_DIR`, default `./data`) and how missing ones
//! are fetched: over plain HTTP from a list of mirrors, md5-checked, written atomically.
//!
//! A download goes to a temporary file in the target directory, hashed while it streams, and is
//! renamed to its real name only once its md5 matches, so a file under its real name is always
//! complete. Only `http://` URLs work: the crate builds its HTTP client without TLS.

use crate::{Error, Result};
use md5::{Digest, Md5};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The environment variable naming the data root: datasets live in subdirectories of it
/// (`$FERRITE_DATA_DIR/fashion-mnist/`, `$FERRITE_DATA_DIR/mnist/`).
pub const DATA_DIR_ENV: &str = "FERRITE_DATA_DIR";

/// The data root: `$FERRITE_DATA_DIR` if set and not empty, else `./data` (d2l's `../data`
/// relative to its notebooks).
///
/// ```
/// let root = ferrite_data::download::data_root();
/// assert!(std::env::var_os("FERRITE_DATA_DIR").is_some() || root == std::path::Path::new("data"));
/// ```
pub fn data_root() -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("data"),
    }
}

/// A dataset's remote files: mirrors tried in order, and each file's name and md5.
///
/// The built-in sources ([`Source::fashion_mnist`], [`Source::mnist`]) carry the published md5s;
/// [`Source::new`] points at any other server, such as a local mirror.
///
/// ```no_run
/// use ferrite_data::download::Source;
/// let source = Source::new(["http://mirror.example/fashion/"], [("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]);
/// source.fetch_missing("data/fashion-mnist")?;
/// # Ok::<(), ferrite_data::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Source {
    mirrors: Vec<String>,
    files: Vec<(String, String)>,
}

impl Source {
    /// A source with base URLs (each ending in `/` or not) and `(file name, md5 hex)` pairs.
    pub fn new<M, F, N, H>(mirrors: M, files: F) -> Source
    where
        M: IntoIterator,
        M::Item: Into<String>,
        F: IntoIterator<Item = (N, H)>,
        N: Into<String>,
        H: Into<String>,
    {
        Source {
            mirrors: mirrors.into_iter().map(Into::into).collect(),
            files: files.into_iter().map(|(n, h)| (n.into(), h.into().to_ascii_lowercase())).collect(),
        }
    }

    /// Zalando's Fashion-MNIST mirror, with the md5s from its README.
    pub fn fashion_mnist() -> Source {
        Source::new(
            ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
            [
                ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
            ],
        )
    }

    /// torchvision's MNIST mirrors (over plain HTTP), with the md5s torchvision checks.
    pub fn mnist() -> Source {
        Source::new(
            ["http://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
            [
                ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
            ],
        )
    }

    /// The base URLs, in the order they are tried.
    pub fn mirrors(&self) -> &[String] {
        &self.mirrors
    }

    /// The `(file name, md5)` pairs.
    pub fn files(&self) -> &[(String, String)] {
        &self.files
    }

    /// Downloads `name` into `dir` (created if needed) and returns its path. Mirrors are tried
    /// in order; the first verified download wins, and if all fail the last error is returned
    /// ([`Error::Checksum`] for a file whose md5 differs, [`Error::Download`] for a network or
    /// HTTP error). A name not in this source is an [`Error::Download`] too.
    pub fn fetch(&self, name: &str, dir: impl AsRef<Path>) -> Result<PathBuf> {
        let dir = dir.as_ref();
        let Some((_, md5)) = self.files.iter().find(|(n, _)| n == name) else {
            let reason = format!("{name} is not one of this source's files");
            return Err(Error::Download { url: name.to_string(), source: reason.into() });
        };
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let dest = dir.join(name);
        let mut last = None;
        for base in &self.mirrors {
            let url = format!("{}/{name}", base.trim_end_matches('/'));
            match download(&url, &dest, md5) {
                Ok(()) => return Ok(dest),
                Err(e) => last = Some(e),
            }
        }
        Err(last
            .unwrap_or_else(|| Error::Download { url: name.to_string(), source: "no mirror to try".into() }))
    }

    /// Downloads every file of this source that `dir` lacks (files present are not re-checked);
    /// returns the paths downloaded.
    pub fn fetch_missing(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        let dir = dir.as_ref();
        let missing = self.files.iter().filter(|(n, _)| !dir.join(n).is_file());
        missing.map(|(name, _)| self.fetch(name, dir)).collect()
    }
}

/// Downloads `url` to `dest`, checking that its md5 (lowercase or uppercase hex) is `md5`.
///
/// The bytes stream into a temporary file next to `dest` (with a progress bar when stderr is a
/// terminal), and the file is renamed to `dest` only if the checksum matches; on any error the
/// temporary file is removed and `dest` is left as it was.
///
/// ```no_run
/// use ferrite_data::download::download;
/// download(
///     "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
///     "data/fashion-mnist/t10k-labels-idx1-ubyte.gz".as_ref(),
///     "bb300cfdad3c16e7a12a480ee83cd310",
/// )?;
/// # Ok::<(), ferrite_data::Error>(())
/// ```
pub fn download(url: &str, dest: &Path, md5: &str) -> Result<()> {
    let net_err = |e: ureq::Error| Error::Download { url: url.to_string(), source: Box::new(e) };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(net_err)?;
    let total = response.body().content_length();
    let mut body = response.body_mut().as_reader();

    let name = dest.file_name().map_or_else(|| "download".into(), |n| n.to_string_lossy().into_owned());
    // Unique per process and call, so concurrent downloads of one file never share a temporary.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let temp = TempFile::create(dest.with_file_name(format!(".{name}.{}-{call}.part", std::process::id())))?;
    let bar = progress_bar(total, &name);
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut file = &temp.file;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Download { url: url.to_string(), source: Box::new(e) }),
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|source| Error::Io { path: temp.path.clone(), source })?;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    let actual: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if !actual.eq_ignore_ascii_case(md5) {
        return Err(Error::Checksum {
            path: dest.to_path_buf(),
            url: url.to_string(),
            expected: md5.to_ascii_lowercase(),
            actual,
        });
    }
    temp.persist(dest)
}

fn progress_bar(total: Option<u64>, name: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
    let bar = match total {
        Some(len) => indicatif::ProgressBar::new(len),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let style = indicatif::ProgressStyle::with_template(template).expect("a valid template");
    bar.with_style(style.progress_chars("=> ")).with_message(format!("downloading {name}"))
}

/// A file that removes itself when dropped, unless [`TempFile::persist`] renamed it.
struct TempFile {
    file: File,
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    fn create(path: PathBuf) -> Result<TempFile> {
        match File::create(&path) {
            Ok(file) => Ok(TempFile { file, path, persisted: false }),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Flushes the file to disk and renames it to `dest`.
    fn persist(mut self, dest: &Path) -> Result<()> {
        self.file.sync_all().map_err(|source| Error::Io { path: self.path.clone(), source })?;
        std::fs::rename(&self.path, dest).map_err(|source| Error::Io { path: dest.to_path_buf(), source })?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            // Best effort: the error being returned matters more than a leftover temporary file.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
