//! Accept errors: one warning when accepting starts to fail, one line with a count when it
//! recovers, and a short pause between attempts meanwhile.

use std::io;
use std::time::Duration;

use tokio::time::Instant;

/// The pause after an accept error that is not about one connection. Running out of file
/// descriptors (`EMFILE`) passes when connections close; retrying at once would spin.
const BACKOFF: Duration = Duration::from_millis(10);

/// The state of the accept loop: failing since when, and how often.
#[derive(Debug, Default)]
pub(crate) struct AcceptErrors {
    outage: Option<Outage>,
}

#[derive(Debug)]
struct Outage {
    since: Instant,
    failures: u64,
}

impl AcceptErrors {
    /// Records a failed accept and waits before the next attempt.
    pub(crate) async fn failed(&mut self, error: io::Error) {
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::Interrupted
        ) {
            // One client's connection died in the backlog: nothing is wrong with the server.
            tracing::debug!(%error, "accept: a connection was lost before it was accepted");
            return;
        }
        match &mut self.outage {
            Some(outage) => outage.failures += 1,
            None => {
                tracing::warn!(
                    %error,
                    "accept is failing (out of file descriptors?); retrying every {} ms until it recovers",
                    BACKOFF.as_millis()
                );
                self.outage = Some(Outage {
                    since: Instant::now(),
                    failures: 1,
                });
            }
        }
        tokio::time::sleep(BACKOFF).await;
    }

    /// Records a successful accept, ending an outage if there was one.
    pub(crate) fn succeeded(&mut self) {
        if let Some(outage) = self.outage.take() {
            tracing::warn!(
                failures = outage.failures,
                lasted_ms = u64::try_from(outage.since.elapsed().as_millis()).unwrap_or(u64::MAX),
                "accept recovered"
            );
        }
    }
}
