//! Run folders that are complete or untouched. A run writes into a staging folder beside its target
//! (`.<name>.staging-<pid>`) and replaces the target in one step when every file, `meta.json` last,
//! is written — the way a database commits. A lock (`.<name>.lock`, released by the kernel when
//! the process dies) refuses a second run into a folder a live run holds; the next run removes
//! what an interrupted one left (its staging folder, or the previous folder set aside during a
//! commit on a system without an atomic exchange). An interruption (SIGINT, SIGTERM) removes the
//! staging folders and says in one line what was kept.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An error while staging or committing a run folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{target} is being written by another run ({holder}); wait for it or choose another --out"
    )]
    Locked { target: PathBuf, holder: String },
    #[error(
        "{target} holds files no run of this project wrote (no meta.json), which replacing it would delete; choose a new or empty --out"
    )]
    Foreign { target: PathBuf },
    #[error("--out {0} names no folder that can be replaced; name a folder inside one")]
    NoParent(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FolderError + '_ {
    move |source| FolderError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A target folder locked for this process, with its staging folder created and empty (or holding
/// what was carried over from the target).
#[derive(Debug)]
pub struct Staged {
    pub target: PathBuf,
    pub staging: PathBuf,
    /// Files of the previous run kept in the new folder (see [`stage`]'s `carry`).
    pub carried: Vec<String>,
    lock: FolderLock,
}

/// What this process staged and committed, for the interruption message.
struct Registry {
    staging: Vec<(PathBuf, PathBuf)>,
    committed: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    staging: Vec::new(),
    committed: Vec::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// `.<name>.<what>` beside `target`.
fn sibling(target: &Path, what: &str) -> Result<PathBuf, FolderError> {
    let name = target
        .file_name()
        .filter(|_| target.parent().is_some())
        .ok_or_else(|| FolderError::NoParent(target.to_path_buf()))?;
    Ok(target.with_file_name(format!(".{}.{what}", name.to_string_lossy())))
}

/// `target` made absolute (so `--out .` names a folder with a parent) without following links.
pub fn absolute(target: &Path) -> Result<PathBuf, FolderError> {
    let abs = std::path::absolute(target).map_err(io(target))?;
    // `a/b/.` and `a/b/..` have no name of their own: resolve them lexically.
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            c => clean.push(c),
        }
    }
    Ok(clean)
}

/// The lock of a target folder, held by this process until dropped (the kernel releases it when
/// the process ends, however it ends).
#[derive(Debug)]
pub struct FolderLock {
    target: PathBuf,
    _file: File,
}

/// Locks `target` for this process (the lock file `.<name>.lock` beside it names the process);
/// refuses a target another live process holds, naming it.
pub fn lock(target: &Path) -> Result<FolderLock, FolderError> {
    let target = absolute(target)?;
    let parent = target
        .parent()
        .ok_or(FolderError::NoParent(target.clone()))?;
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let lock_path = sibling(&target, "lock")?;
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    match try_lock(&file) {
        Ok(true) => {}
        Ok(false) => {
            let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
            let holder = holder.trim();
            return Err(FolderError::Locked {
                target,
                holder: if holder.is_empty() {
                    "a process that just started".into()
                } else {
                    holder.into()
                },
            });
        }
        Err(e) => return Err(io(&lock_path)(e)),
    }
    let me = format!(
        "pid {}: {}",
        std::process::id(),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    file.set_len(0)
        .and_then(|()| file.write_all(me.as_bytes()))
        .map_err(io(&lock_path))?;
    Ok(FolderLock {
        target,
        _file: file,
    })
}

/// An exclusive advisory lock on `file` without waiting (`flock`): true if taken, false if another
/// open file holds it. Where there is no `flock`, always taken.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor this `File` owns for the call's duration.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Cleans up after interrupted runs and creates an empty staging folder beside `target`, under
/// `held` (the target's lock, taken earlier) or a lock taken now, carrying over the target's files
/// whose names `carry` accepts (a shard's sibling parts, a report history). Refuses a target
/// another live run holds, and an existing target without `meta.json` (a folder no run wrote)
/// holding files `carry` does not keep, which replacing would delete.
pub fn stage(
    target: &Path,
    carry: &dyn Fn(&str) -> bool,
    held: Option<FolderLock>,
) -> Result<Staged, FolderError> {
    let lock = match held {
        Some(l) if l.target == absolute(target)? => l,
        _ => lock(target)?,
    };
    let target = lock.target.clone();
    recover(&target)?;
    // The previous folder's files (none if there is no folder yet).
    let previous: Vec<(String, PathBuf, bool)> = std::fs::read_dir(&target)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, e.path(), e.file_type().is_ok_and(|t| t.is_file()))
                })
                .collect()
        })
        .unwrap_or_default();
    // Files the new folder would not keep, in a folder no run wrote: someone's own files.
    if !target.join("meta.json").exists() && previous.iter().any(|(name, _, _)| !carry(name)) {
        return Err(FolderError::Foreign { target });
    }
    let staging = sibling(&target, &format!("staging-{}", std::process::id()))?;
    std::fs::create_dir(&staging).map_err(io(&staging))?;
    registry().staging.push((staging.clone(), target.clone()));
    let mut carried = Vec::new();
    for (name, path, is_file) in previous {
        if is_file && carry(&name) {
            let to = staging.join(&name);
            std::fs::hard_link(&path, &to)
                .or_else(|_| std::fs::copy(&path, &to).map(|_| ()))
                .map_err(io(&to))?;
            carried.push(name);
        }
    }
    carried.sort();
    Ok(Staged {
        target,
        staging,
        carried,
        lock,
    })
}

/// Under the target's lock: puts back a previous folder set aside by a commit that was interrupted
/// between its two renames, and removes staging folders of runs that are gone.
fn recover(target: &Path) -> Result<(), FolderError> {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return Ok(());
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        if rest.starts_with("old-") && !target.exists() {
            std::fs::rename(e.path(), target).map_err(io(target))?;
            eprintln!(
                "note: restored {} from an interrupted commit",
                target.display()
            );
        } else if rest.starts_with("staging-") || rest.starts_with("old-") {
            std::fs::remove_dir_all(e.path()).map_err(io(&e.path()))?;
            eprintln!(
                "note: removed {}, left by an interrupted run",
                e.path().display()
            );
        }
    }
    Ok(())
}

/// Replaces the target with the staging folder in one step: an atomic exchange where the system
/// has one (Linux), else two renames that [`recover`] completes if interrupted between them.
/// The previous folder is then removed and the lock released.
pub fn commit(staged: Staged) -> Result<PathBuf, FolderError> {
    let mut reg = registry();
    let Staged {
        target,
        staging,
        lock,
        ..
    } = staged;
    if target.exists() {
        let old = if exchange(&staging, &target) {
            staging.clone()
        } else {
            let old = sibling(&target, &format!("old-{}", std::process::id()))?;
            std::fs::rename(&target, &old).map_err(io(&target))?;
            std::fs::rename(&staging, &target).map_err(io(&target))?;
            old
        };
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        std::fs::rename(&staging, &target).map_err(io(&target))?;
    }
    reg.staging.retain(|(s, _)| *s != staging);
    reg.committed.push(target.clone());
    drop(lock);
    Ok(target)
}

/// Removes a staging folder that will not be committed (the run failed); the target is untouched.
pub fn abandon(staged: &Staged) {
    let mut reg = registry();
    let _ = std::fs::remove_dir_all(&staged.staging);
    reg.staging.retain(|(s, _)| *s != staged.staging);
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`); false where unsupported.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).ok();
    let (Some(a), Some(b)) = (c(a), c(b)) else {
        return false;
    };
    // SAFETY: two valid NUL-terminated paths; the call only renames.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// On an interruption: removes every staging folder of this process and returns the one line
/// saying what was kept, e.g. `interrupted: results/momentum left as the previous complete run;
/// new: results/babysit`.
pub fn interrupted() -> String {
    let reg = registry();
    let mut line = String::from("interrupted");
    let (mut kept, mut absent) = (Vec::new(), Vec::new());
    for (staging, target) in &reg.staging {
        let _ = std::fs::remove_dir_all(staging);
        let name = target.display().to_string();
        if target.exists() {
            kept.push(name)
        } else {
            absent.push(name)
        }
    }
    if kept.is_empty() && absent.is_empty() && reg.committed.is_empty() {
        line += " before writing anything";
    }
    if !kept.is_empty() {
        line += &format!(
            ": {} left as before (nothing of this run kept)",
            kept.join(", ")
        );
    }
    if !absent.is_empty() {
        line += &format!(": {} not written", absent.join(", "));
    }
    if !reg.committed.is_empty() {
        let done: Vec<String> = reg
            .committed
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        line += &format!("; complete and new: {}", done.join(", "));
    }
    line
}

/// With `--check`: whether a run could create and replace `target`, tried by creating and removing
/// a folder in its nearest existing ancestor. Leaves nothing behind.
pub fn check_writable(target: &Path) -> Result<(), FolderError> {
    let target = absolute(target)?;
    sibling(&target, "lock")?;
    let mut dir = target.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d.is_dir() {
            let probe = d.join(format!(".nnlab-check-{}", std::process::id()));
            std::fs::create_dir(&probe).map_err(io(&d))?;
            let _ = std::fs::remove_dir(&probe);
            return Ok(());
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Err(FolderError::NoParent(target))
}
