//! Small file helpers shared by every stage that writes outputs.

use std::io::Write;
use std::path::Path;

use crate::error::{IoContext, Result};

pub mod staging;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed and synced,
/// then renamed over the target. A reader never sees a half-written model or report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).at(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_dead_temps(dir, &file_name);
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp).at(&tmp)?;
        f.write_all(bytes).at(&tmp)?;
        f.sync_all().at(&tmp)?;
    }
    std::fs::rename(&tmp, path).at(path)
}

/// Removes `.<file_name>.<pid>.tmp` files that a killed process left beside the target (its
/// process is gone); a live writer's temporary file is left alone.
fn remove_dead_temps(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.");
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in list.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !staging::alive(p)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A text value made safe for a CSV cell that a spreadsheet will open (OWASP's CSV-injection rule):
/// control characters (ESC, BEL, CR, ...) are dropped and a value that starts with `=`, `+`, `-`,
/// `@`, tab or CR and is not a number gets a leading `'`, so `=HYPERLINK(...)` is shown as text,
/// never run as a formula. Numbers such as `-0.69` are left as they are.
pub fn csv_text(value: &str) -> String {
    let clean = strip_controls(value);
    let risky =
        clean.starts_with(['=', '+', '-', '@', '\t', '\r']) || value.starts_with(['\t', '\r']);
    if risky && clean.trim().parse::<f64>().is_err() {
        format!("'{clean}")
    } else {
        clean
    }
}

/// Drops control characters (C0, DEL and C1, e.g. ESC sequences) from a name before it reaches
/// a terminal, an HTML page or a CSV file; a tab or line break becomes a space.
pub fn strip_controls(value: &str) -> String {
    value
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The real path of a path that may not exist yet: each existing part resolved (symlinks), `.`
/// and `..` applied in order, the parts that do not exist yet appended.
pub fn real_path(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut real = std::path::PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                real.pop();
            }
            std::path::Component::CurDir => {}
            other => {
                real.push(other);
                if real.exists() {
                    real = real.canonicalize()?;
                }
            }
        }
    }
    Ok(real)
}

/// Creates a folder and its parents.
pub fn ensure_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).at(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_neutralised() {
        use super::csv_text;
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1+1"), "'+1+1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("-cmd"), "'-cmd");
        assert_eq!(csv_text("-0.694427"), "-0.694427");
        assert_eq!(csv_text("\tx"), "' x");
        assert_eq!(csv_text("Wijk\u{1b}[31m 01"), "Wijk[31m 01");
        assert_eq!(csv_text("Wijk 01"), "Wijk 01");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/model.json");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
