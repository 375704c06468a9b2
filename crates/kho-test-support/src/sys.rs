//! Thin wrappers around the few libc calls the throwaway Postgres server needs.
//!
//! The workspace denies `unsafe_code`. This module is the only place in the
//! crate allowed to use it, because there is no safe std API for:
//! - dropping privileges *and then* setting `PR_SET_PDEATHSIG` inside the
//!   forked child before `exec` (a credential change clears the death signal,
//!   so the order matters and must happen in one `pre_exec` hook);
//! - asking whether a pid is alive (`kill(pid, 0)`), reading the effective uid,
//!   looking up a system user, sending signals, removing a leaked SysV shared
//!   memory segment, and registering an `atexit` hook.
//!
//! Every `unsafe` block below is a plain FFI call with valid arguments.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The effective user id of this process.
pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `(uid, gid)` of a local user, if it exists.
pub(crate) fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero passwd is a valid value to be overwritten by getpwnam_r.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the duration of the call, and the
    // buffer length matches the buffer.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return None;
    }
    Some((pwd.pw_uid, pwd.pw_gid))
}

/// Whether a process with this pid exists (a zombie counts as alive).
pub(crate) fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Send `signal` to `pid`, ignoring errors (the process may already be gone).
pub(crate) fn signal(pid: i32, signal: i32) {
    if pid > 0 {
        // SAFETY: plain kill(2) on a positive pid.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

pub(crate) const SIGQUIT: i32 = libc::SIGQUIT;
pub(crate) const SIGKILL: i32 = libc::SIGKILL;

/// Make the child (1) drop to `drop_to` = `(uid, gid)` if given, then (2) get
/// SIGKILL when the thread that spawns it exits. Spawn such a command only from
/// a thread that lives as long as the child should.
pub(crate) fn child_setup(cmd: &mut Command, drop_to: Option<(u32, u32)>) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the hook runs in the forked child before exec and only makes
    // async-signal-safe system calls; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = drop_to {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
            // After the credential change: a setuid/setgid clears the death signal.
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// A child process spawned by [`spawn_watched`]: its pid, and its exit status once it
/// has exited.
pub(crate) struct Watched {
    pub(crate) pid: i32,
    exited: std::sync::Arc<std::sync::Mutex<Option<io::Result<std::process::ExitStatus>>>>,
}

impl Watched {
    /// The exit status, if the child has exited (taken: reported once).
    pub(crate) fn exit_status(&self) -> Option<io::Result<std::process::ExitStatus>> {
        self.exited.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Spawn `cmd` (prepared with [`child_setup`]) from a dedicated thread that waits for it:
/// the death signal fires when the *thread* that forked the child exits, so that thread
/// lives exactly as long as the child. `Err` says what failed, for the caller's message.
pub(crate) fn spawn_watched(cmd: Command, thread_name: &str) -> Result<Watched, String> {
    let exited: std::sync::Arc<std::sync::Mutex<Option<io::Result<std::process::ExitStatus>>>> =
        std::sync::Arc::default();
    let exited_in_thread = std::sync::Arc::clone(&exited);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(thread_name.to_owned())
        .spawn(move || {
            let mut cmd = cmd;
            let mut child = match cmd.spawn() {
                Ok(child) => child,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let _ = tx.send(Ok(child.id()));
            let status = child.wait();
            if let Ok(mut slot) = exited_in_thread.lock() {
                *slot = Some(status);
            }
        })
        .map_err(|e| format!("spawn thread: {e}"))?;
    let pid = rx
        .recv()
        .map_err(|e| format!("spawner thread {thread_name} died: {e}"))?
        .map_err(|e| format!("cannot run {}: {e}", program))?;
    Ok(Watched {
        pid: pid as i32,
        exited,
    })
}

/// Remove a SysV shared memory segment left by a killed postmaster, but only if
/// nothing is attached to it any more.
pub(crate) fn remove_unused_shm(shmid: i32) {
    if shmid < 0 {
        return;
    }
    // SAFETY: an all-zero shmid_ds is a valid buffer for IPC_STAT.
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: `ds` is a valid, writable shmid_ds.
    let rc = unsafe { libc::shmctl(shmid, libc::IPC_STAT, &mut ds) };
    if rc == 0 && ds.shm_nattch == 0 {
        // SAFETY: IPC_RMID takes no buffer.
        unsafe {
            libc::shmctl(shmid, libc::IPC_RMID, std::ptr::null_mut());
        }
    }
}

/// Run `f` when the process exits normally (`exit()` or return from `main`,
/// which is what the test harness does, also when tests failed).
pub(crate) fn at_exit(f: extern "C" fn()) {
    // SAFETY: `f` is a plain function pointer with the expected signature.
    unsafe {
        libc::atexit(f);
    }
}
