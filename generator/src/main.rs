fn main() -> std::process::ExitCode {
    // Before any thread: libgit2 starts without reading the CA bundle.
    generator::start_git();
    // Both the AWS SDK and the kube client use rustls, with different
    // crypto backends compiled in; choose one for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    generator::cli::main()
}

// Loading a large spec and planning it allocate many small values; the
// system allocator spent a third of a run there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
