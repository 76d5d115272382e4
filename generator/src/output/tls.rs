//! libgit2's start, without reading the system's CA bundle.
//!
//! libgit2 built on OpenSSL sets up its TLS context when it starts
//! (`openssl_init` calls `SSL_CTX_set_default_verify_paths`), and OpenSSL
//! then parses every certificate of the bundle named by `SSL_CERT_FILE` or
//! its built-in default. On OpenSSL 3 that is about 25 ms of CPU, a quarter
//! of `gen render` after one app's change, paid by every command, while
//! only `gen rollout` talks TLS through libgit2. So the process starts
//! libgit2 with that variable naming an empty file ("It ignores errors that
//! occur while trying to load the file": X509_STORE_set_default_paths(3)),
//! puts the variable back as it was, and the remote
//! loads the bundle into libgit2 before it connects.

use std::sync::Once;

/// Whether libgit2 speaks TLS through OpenSSL here; elsewhere it uses the
/// platform's TLS, which loads nothing up front.
const OPENSSL: bool = cfg!(all(unix, not(target_vendor = "apple")));

/// Start libgit2 without a CA bundle. Call first thing in `main`, before
/// any thread exists (it changes the environment for a moment).
#[allow(unsafe_code)]
pub fn start_git() {
    if !OPENSSL {
        settings();
        return;
    }
    let saved = std::env::var_os("SSL_CERT_FILE");
    // SAFETY: main calls this before it starts any thread, so nothing reads
    // the environment while it changes.
    unsafe { std::env::set_var("SSL_CERT_FILE", "/dev/null") };
    // Any call into git2 starts libgit2 (once per process).
    settings();
    // SAFETY: as above, still before any thread.
    unsafe {
        match saved {
            Some(v) => std::env::set_var("SSL_CERT_FILE", v),
            None => std::env::remove_var("SSL_CERT_FILE"),
        }
    }
}

/// libgit2's process-wide settings. Objects read from the repository are
/// not hashed again to check their IDs (`strict_hash_verification`): a
/// commit reads the trees it updates, and libgit2's collision-detecting
/// SHA-1 over each cost a one-app render 3 % of its instructions. A damaged
/// object store is `git fsck`'s to find.
fn settings() {
    git2::opts::enable_caching(true);
    git2::opts::strict_hash_verification(false);
}

/// Give libgit2 the system's CA bundle and directory (as OpenSSL would find
/// them: `SSL_CERT_FILE`, `SSL_CERT_DIR`, then the usual places), once per
/// process, before the first connection. Adding them again where libgit2
/// started with them costs a parse, nothing else.
#[allow(unsafe_code)]
pub(crate) fn trust_system_roots() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if !OPENSSL {
            return;
        }
        let found = openssl_probe::probe();
        // SAFETY: git2 marks these unsafe because they change libgit2's
        // global TLS context; the Once makes this the only change, made
        // before this process's first connection.
        unsafe {
            if let Some(file) = found.cert_file.as_deref().and_then(|p| p.to_str()) {
                let _ = git2::opts::set_ssl_cert_file(file);
            }
            if let Some(dir) = found.cert_dir.as_deref().and_then(|p| p.to_str()) {
                let _ = git2::opts::set_ssl_cert_dir(dir);
            }
        }
    });
}
