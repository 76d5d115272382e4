//! What a person or a supervisor sends a command that acts on the world:
//! SIGINT, SIGTERM and SIGHUP, and the answers typed at a question. A drill
//! restores on any of the three, a Region switch stops following (the
//! executions go on in AWS), a question ends without an answer.

use anyhow::{Context, Result};

use crate::printer::Printer;

/// SIGINT, SIGTERM and SIGHUP, each ending a wait the same way. Each is
/// caught from the moment this exists (not from the first wait), and stays
/// caught for the rest of the run, so a second one cannot cut a restore.
pub(crate) struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt()).context("catching SIGINT")?,
            term: signal(SignalKind::terminate()).context("catching SIGTERM")?,
            hup: signal(SignalKind::hangup()).context("catching SIGHUP")?,
        })
    }

    /// The name of the next signal.
    pub(crate) async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
        }
    }
}

/// The terminal's answers, read line by line on a thread of their own, so
/// that a signal can end a question and a later one gets its own line (the
/// thread is never waited for).
pub(crate) struct Prompt {
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Prompt {
    pub(crate) fn new() -> Prompt {
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                if tx.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        });
        Prompt { lines }
    }

    /// Yes or no (end of input is a no); `Err` with the signal's name.
    pub(crate) async fn ask(
        &mut self,
        pr: Printer,
        question: &str,
        signals: &mut Signals,
    ) -> Result<bool, &'static str> {
        pr.prompt(question);
        tokio::select! {
            l = self.lines.recv() => Ok(l.is_some_and(|l| yes(&l))),
            name = signals.next() => Err(name),
        }
    }
}

/// Whether a typed answer is a yes.
pub(crate) fn yes(answer: &str) -> bool {
    matches!(answer.trim(), "y" | "Y" | "yes")
}
