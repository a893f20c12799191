//! `ConnectError`: Redis could not be reached when the backend was made.

use std::fmt;

/// [`RedisPubSub::connect`](crate::pubsub::RedisPubSub::connect) could not reach Redis
/// (or the URL is not a Redis URL). The URL is shown without its password.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// match h3rs::pubsub::RedisPubSub::connect("redis://127.0.0.1:1").await {
///     Ok(_) => unreachable!(),
///     // "cannot connect to Redis at redis://127.0.0.1:1: Connection refused ..."
///     Err(error) => eprintln!("{error}"),
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct ConnectError {
    url: String,
    source: redis::RedisError,
}

impl ConnectError {
    pub(crate) fn new(url: &str, source: redis::RedisError) -> Self {
        ConnectError {
            url: redact(url),
            source,
        }
    }

    /// The URL that was tried, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// `redis://user:secret@host` -> `redis://user:***@host`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot connect to Redis at {}: {}",
            self.url, self.source
        )
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(super::redact("redis://:pw@h:1"), "redis://:***@h:1");
        assert_eq!(super::redact("redis://u:pw@h"), "redis://u:***@h");
        assert_eq!(super::redact("redis://h:6379"), "redis://h:6379");
    }
}
