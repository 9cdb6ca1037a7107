//! Writing files atomically: a temporary file in the destination's folder,
//! flushed to disk, then renamed over the destination, so an interrupted
//! write leaves the previous file intact.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// Writes `path` through `write`, replacing it only when `write` and the
/// flush succeed. The temporary file is removed on failure.
pub fn write_atomically<F>(path: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
{
    let temporary = temporary_path(path);
    let result = write_and_sync(&temporary, write).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_and_sync<F>(temporary: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
{
    let mut writer = BufWriter::new(File::create(temporary)?);
    write(&mut writer)?;
    let file = writer
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

/// Returns `NAME.tmp-PID` beside `path`.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn failed_write_keeps_previous_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("history.json");
        std::fs::write(&path, "previous").unwrap();

        let result = write_atomically(&path, |writer| {
            writer.write_all(b"partial")?;
            Err(io::Error::other("interrupted"))
        });

        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn successful_write_replaces_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("history.json");
        std::fs::write(&path, "previous").unwrap();
        write_atomically(&path, |writer| writer.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }
}
