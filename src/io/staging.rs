//! An output set written whole: every command that writes a set of files into OUT (`run`,
//! `gaps`, `validate --out`, `personas`, `risk`, `score`, `link`) writes them into a staging
//! folder beside OUT and swaps it in at the end, so OUT holds either the previous complete set
//! or the new complete set, never a mix, and a run that fails or is killed halfway leaves the
//! previous set as it was.
//!
//! - The staging folder is `.<OUT name>.staging-<pid>` in OUT's parent folder (the same file
//!   system, so the swap is two renames). At commit, files in OUT that this command does not own
//!   (a user's own files, another command's outputs) are hard-linked (copied where links are not
//!   possible) into the staging folder; then OUT is renamed to `.<OUT name>.previous-<pid>`, the
//!   staging folder to OUT, and the previous folder removed.
//! - Files the command owns but did not write this time (`residents.csv` without
//!   `--export-residents`, `gaps.csv` when the sociale kaart is gone, a quarantine file of an
//!   absent source, `whatif/` after a run without a what-if) are not carried over: a stale file
//!   never sits beside a new set.
//! - Leftovers of a killed command (a staging or previous folder whose process is gone) are
//!   removed by the next command on the same OUT; a previous folder is renamed back when the kill
//!   came between the two renames and OUT is missing.
//! - When OUT is the current folder (or holds it) or a mount point, renaming it is not possible
//!   or not wise: the staging folder is then `OUT/.staging-<pid>` and its files are moved in one
//!   by one at the end (each rename atomic, the set as a whole not).

use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};

/// Files `run` and `gaps` own: a name ending in `/` owns the whole folder. `models/risk.json` is
/// left out on purpose: a run that scores with a saved model does not write it, and the model
/// an earlier run saved there stays.
pub const RUN_FILES: &[&str] = &[
    "summary.json",
    "quarantine/",
    "links.csv",
    "link_report.json",
    "personas.json",
    "persona_districts.csv",
    "districts.csv",
    "risk_report.json",
    "gaps.csv",
    "gaps.json",
    "whatif/",
    "residents.csv",
    "report.html",
    "models/personas.json",
];
/// Files `validate --out` owns.
pub const VALIDATE_FILES: &[&str] = &["summary.json", "quarantine/"];
/// Files `personas` owns.
pub const PERSONA_FILES: &[&str] = &["personas.json", "persona_districts.csv", "residents.csv"];
/// Files `risk` and `score` own.
pub const RISK_FILES: &[&str] = &["districts.csv", "risk_report.json"];
/// Files `link` owns.
pub const LINK_FILES: &[&str] = &["links.csv", "link_explanations.csv", "link_report.json"];

/// An output set being written; [`OutputSet::commit`] swaps it in, dropping it uncommitted
/// removes the staging folder and leaves OUT as it was.
#[derive(Debug)]
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    in_place: bool,
    owned: &'static [&'static str],
    done: bool,
}

impl OutputSet {
    /// Prepares a fresh staging folder for OUT (created when missing at commit), after removing
    /// what a killed earlier command left behind.
    pub fn begin(out: &Path, owned: &'static [&'static str]) -> Result<OutputSet> {
        let out = super::real_path(out).at(out)?;
        if out.exists() && !out.is_dir() {
            return Err(Error::Config(format!(
                "--out {} exists and is not a folder",
                out.display()
            )));
        }
        let pid = std::process::id();
        let sibling = match (out.parent(), out.file_name()) {
            (Some(parent), Some(name)) => {
                let name = name.to_string_lossy().into_owned();
                std::fs::create_dir_all(parent).at(parent)?;
                recover(parent, &name, &out)?;
                Some(parent.join(format!(".{name}.staging-{pid}")))
            }
            _ => None,
        };
        if out.is_dir() {
            clean_dead(&out, "", ".staging-")?;
        }
        let in_place = sibling.is_none() || must_stay(&out);
        let staging = match sibling {
            Some(s) if !in_place => s,
            _ => out.join(format!(".staging-{pid}")),
        };
        if staging.exists() {
            std::fs::remove_dir_all(&staging).at(&staging)?;
        }
        std::fs::create_dir_all(&staging).at(&staging)?;
        if let Ok(meta) = std::fs::metadata(&out) {
            // The new OUT keeps the old one's permissions (a folder shared with colleagues or
            // closed to them stays so).
            std::fs::set_permissions(&staging, meta.permissions()).at(&staging)?;
        }
        Ok(OutputSet {
            out,
            staging,
            in_place,
            owned,
            done: false,
        })
    }

    /// The folder to write the set into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Swaps the written set in as a whole (see the module documentation).
    pub fn commit(mut self) -> Result<()> {
        if self.in_place {
            self.commit_in_place()?;
        } else {
            self.commit_swap()?;
        }
        self.done = true;
        Ok(())
    }

    fn owns(&self, rel: &str) -> bool {
        self.owned.iter().any(|o| match o.strip_suffix('/') {
            // The folder itself too: an owned folder not written this time is not re-created.
            Some(dir) => rel == dir || (rel.starts_with(dir) && rel[dir.len()..].starts_with('/')),
            None => rel == *o,
        })
    }

    fn commit_swap(&mut self) -> Result<()> {
        if !self.out.exists() {
            return std::fs::rename(&self.staging, &self.out).at(&self.out);
        }
        // Carry over what this command does not own and did not write.
        for rel in entries(&self.out)? {
            let rel_text = rel.to_string_lossy().replace('\\', "/");
            let target = self.staging.join(&rel);
            if self.owns(&rel_text)
                || std::fs::symlink_metadata(&target).is_ok()
                || is_dead_temp(&rel)
            {
                continue;
            }
            carry(&self.out.join(&rel), &target)?;
        }
        let previous = sibling_name(&self.out, "previous");
        std::fs::rename(&self.out, &previous).at(&self.out)?;
        if let Err(e) = std::fs::rename(&self.staging, &self.out) {
            // Put the previous set back before reporting.
            let _ = std::fs::rename(&previous, &self.out);
            return Err(Error::io(&self.out, e));
        }
        std::fs::remove_dir_all(&previous).at(&previous)
    }

    fn commit_in_place(&mut self) -> Result<()> {
        let written = entries(&self.staging)?;
        for rel in entries(&self.out)? {
            let rel_text = rel.to_string_lossy().replace('\\', "/");
            let is_staging = rel
                .components()
                .next()
                .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with(".staging-"));
            if !is_staging && self.owns(&rel_text) && !written.contains(&rel) {
                let path = self.out.join(&rel);
                if !path.is_dir() {
                    std::fs::remove_file(&path).at(&path)?;
                }
            }
        }
        for rel in written {
            let (from, to) = (self.staging.join(&rel), self.out.join(&rel));
            if from.is_dir() && !from.is_symlink() {
                std::fs::create_dir_all(&to).at(&to)?;
            } else {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).at(parent)?;
                }
                std::fs::rename(&from, &to).at(&to)?;
            }
        }
        std::fs::remove_dir_all(&self.staging).at(&self.staging)
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// `.<name>.<what>-<pid>` beside `out`.
fn sibling_name(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// True when OUT must not be renamed: it is (or holds) the current folder, or a mount point.
fn must_stay(out: &Path) -> bool {
    if std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .is_some_and(|cwd| cwd.starts_with(out))
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(o), Some(Ok(p))) = (std::fs::metadata(out), out.parent().map(std::fs::metadata))
        {
            return o.dev() != p.dev();
        }
    }
    false
}

/// Removes the staging and previous folders of dead processes beside OUT; renames a previous
/// folder back when OUT is missing (killed between the two renames of a swap).
fn recover(parent: &Path, name: &str, out: &Path) -> Result<()> {
    let previous = format!(".{name}.previous-");
    for (path, file) in dead_entries(parent, &format!(".{name}."))? {
        if let Some(rest) = file.strip_prefix(&previous) {
            if rest.parse::<u32>().is_ok() && !out.exists() {
                std::fs::rename(&path, out).at(out)?;
                continue;
            }
        }
        std::fs::remove_dir_all(&path).at(&path)?;
    }
    Ok(())
}

/// Removes the entries `<prefix><infix><pid>` of `dir` whose process is gone.
fn clean_dead(dir: &Path, prefix: &str, infix: &str) -> Result<()> {
    for (path, _) in dead_entries(dir, &format!("{prefix}{infix}"))? {
        std::fs::remove_dir_all(&path).at(&path)?;
    }
    Ok(())
}

/// Folders of `dir` named `<prefix>...-<pid>` (staging/previous) of processes that are gone.
fn dead_entries(dir: &Path, prefix: &str) -> Result<Vec<(PathBuf, String)>> {
    let mut found = Vec::new();
    let Ok(list) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for entry in list.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(prefix) else {
            continue;
        };
        let kind_ok = ["staging-", "previous-", ""].iter().any(|k| {
            rest.strip_prefix(k)
                .is_some_and(|p| p.parse::<u32>().is_ok())
        });
        let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if kind_ok && is_dir && pid.is_some_and(|p| !alive(p)) {
            found.push((entry.path(), file));
        }
    }
    found.sort();
    Ok(found)
}

/// A temporary file of [`super::write_atomic`] (`.<name>.<pid>.tmp`) whose writer is gone.
fn is_dead_temp(rel: &Path) -> bool {
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with('.')
        && name
            .strip_suffix(".tmp")
            .and_then(|r| r.rsplit('.').next())
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| !alive(p))
}

/// True while process `pid` runs (where `/proc` tells; elsewhere only this process counts).
pub(crate) fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    proc.join("self").exists() && proc.join(pid.to_string()).exists()
}

/// Every file, symlink and folder under `root`, relative, sorted (folders before their contents).
fn entries(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let dir = root.join(&rel);
        for entry in std::fs::read_dir(&dir).at(&dir)? {
            let entry = entry.at(&dir)?;
            let child = rel.join(entry.file_name());
            if entry.file_type().at(&dir)?.is_dir() {
                todo.push(child.clone());
            }
            out.push(child);
        }
    }
    out.sort();
    Ok(out)
}

/// Brings one entry of the old OUT into the new set: a folder is created, a symlink re-made,
/// a file hard-linked (copied where the file system has no links). The old OUT keeps its copy
/// until the swap, so a kill now loses nothing.
fn carry(from: &Path, to: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(from).at(from)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    if meta.is_dir() {
        return std::fs::create_dir_all(to).at(to);
    }
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).at(from)?;
        return std::os::unix::fs::symlink(target, to).at(to);
    }
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).at(to)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<(String, String)> {
        entries(dir)
            .unwrap()
            .into_iter()
            .filter(|r| !dir.join(r).is_dir())
            .map(|r| {
                (
                    r.display().to_string(),
                    std::fs::read_to_string(dir.join(&r)).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_set_replaces_owned_files_and_keeps_foreign_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("quarantine")).unwrap();
        std::fs::write(out.join("summary.json"), "old").unwrap();
        std::fs::write(out.join("quarantine/wmo.csv"), "old").unwrap();
        std::fs::write(out.join("mine.txt"), "user").unwrap();
        // Neither the quarantine folder nor the file in it is written this time: both go.
        let set = OutputSet::begin(&out, VALIDATE_FILES).unwrap();
        std::fs::write(set.dir().join("summary.json"), "new").unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "old"
        );
        set.commit().unwrap();
        assert!(!out.join("quarantine").exists());
        assert_eq!(
            tree(&out),
            vec![
                ("mine.txt".to_string(), "user".to_string()),
                ("summary.json".to_string(), "new".to_string())
            ]
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging or previous folder left");
    }

    #[test]
    fn an_uncommitted_set_leaves_out_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("summary.json"), "old").unwrap();
        {
            let set = OutputSet::begin(&out, VALIDATE_FILES).unwrap();
            std::fs::write(set.dir().join("summary.json"), "half").unwrap();
        }
        assert_eq!(tree(&out), vec![("summary.json".into(), "old".into())]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_a_dead_process_are_cleaned_or_restored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // pid 0 never names a live user process.
        let previous = dir.path().join(".out.previous-0");
        std::fs::create_dir_all(&previous).unwrap();
        std::fs::write(previous.join("summary.json"), "old").unwrap();
        std::fs::create_dir_all(dir.path().join(".out.staging-0")).unwrap();
        let set = OutputSet::begin(&out, VALIDATE_FILES).unwrap();
        assert_eq!(tree(&out), vec![("summary.json".into(), "old".into())]);
        assert!(!dir.path().join(".out.staging-0").exists());
        drop(set);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
