fn main() -> std::process::ExitCode {
    // Both the AWS SDK and the kube client use rustls, with different
    // crypto backends compiled in; choose one for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    generator::cli::main()
}
