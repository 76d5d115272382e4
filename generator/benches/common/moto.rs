//! The stricter moto server (`tests/tools/strict_moto.py`) as the tests and
//! the deploy benchmark start it, with its call counter, and the AWS
//! settings that keep gen on test credentials.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server on a free port of 127.0.0.1; killed when dropped.
pub(crate) struct StrictMoto {
    pub(crate) url: String,
    child: Child,
}

impl Drop for StrictMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StrictMoto {
    /// Started with `python` from the workspace `root`, waiting `delay_ms`
    /// before answering each AWS call, as AWS's latency would (calls still
    /// overlap: the server is threaded).
    pub(crate) fn start(root: &Path, python: &Path, delay_ms: u64) -> StrictMoto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(python)
            .arg(root.join("tests/tools/strict_moto.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("STRICT_MOTO_DELAY_MS", delay_ms.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the stricter moto");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the stricter moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        StrictMoto {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The AWS calls counted since the last reset:
    /// `{"calls": {"service:Action": n}, "total": n, "most_in_flight": n}`.
    pub(crate) fn calls(&self) -> serde_json::Value {
        self.get("/_gen/calls")
    }

    pub(crate) fn reset_calls(&self) {
        self.get("/_gen/calls/reset");
    }

    fn get(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut c = TcpStream::connect(addr).expect("the stricter moto");
        write!(
            c,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("a request");
        let mut reply = String::new();
        c.read_to_string(&mut reply).expect("a reply");
        let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {reply}"))
    }
}

/// How many times `action` (`service:Action`) was called, from `calls`.
pub(crate) fn count(calls: &serde_json::Value, action: &str) -> u64 {
    calls["calls"][action].as_u64().unwrap_or(0)
}

/// Test credentials for the AWS SDK, and no trace of the machine's own AWS
/// configuration (profile, config files, instance metadata, endpoint).
pub(crate) fn fake_aws(cmd: &mut Command, dir: &Path) {
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
}
