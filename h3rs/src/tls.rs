//! TLS (feature `tls`): rustls with the ring provider, ALPN offering `h2` and `http/1.1`.
//!
//! Serving TLS is a [`ServeOptions`](crate::ServeOptions) setting: a certificate chain and its
//! key in PEM ([`ServeOptions::tls`](crate::ServeOptions::tls)), the paths of PEM files
//! ([`ServeOptions::tls_files`](crate::ServeOptions::tls_files), which `TLS_CERT` and
//! `TLS_KEY` set through [`ServeOptions::from_env`](crate::ServeOptions::from_env)), or a
//! whole [`rustls::ServerConfig`] of your own
//! ([`ServeOptions::tls_config`](crate::ServeOptions::tls_config)).
//!
//! Each connection's handshake runs in the connection's own task, bounded by
//! [`ServeOptions::tls_handshake_timeout`](crate::ServeOptions::tls_handshake_timeout), so a
//! slow client never holds up the accept loop. A failed handshake costs that connection only
//! (logged at debug); a client that speaks plain HTTP to the TLS port is answered
//! `400 Bad Request` in plain HTTP, saying to use `https://`, and closed.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// The rustls crate h3rs serves TLS with, for [`ServeOptions::tls_config`](crate::ServeOptions::tls_config).
pub use tokio_rustls::rustls;

/// The ALPN protocols h3rs offers, most preferred first: HTTP/2 lets a browser share one
/// connection between all of a page's event streams and WebSockets.
pub const ALPN_PROTOCOLS: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// Where the certificate comes from; read when the server binds, so that a bad file is an
/// error at start-up rather than at the first connection.
#[derive(Clone)]
pub(crate) enum TlsSource {
    Pem {
        cert: Vec<u8>,
        key: Vec<u8>,
    },
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    Config(Arc<ServerConfig>),
    /// `TLS_CERT` or `TLS_KEY` is set without the other.
    Incomplete(&'static str),
}

impl fmt::Debug for TlsSource {
    // Never prints the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSource::Pem { .. } => f.write_str("Pem { .. }"),
            TlsSource::Files { cert, key } => f
                .debug_struct("Files")
                .field("cert", cert)
                .field("key", key)
                .finish(),
            TlsSource::Config(_) => f.write_str("Config(..)"),
            TlsSource::Incomplete(what) => f.debug_tuple("Incomplete").field(what).finish(),
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl TlsSource {
    /// The rustls configuration, with ALPN, for a PEM or file source.
    fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        let (cert, key, origin) = match self {
            TlsSource::Config(config) => return Ok(config.clone()),
            TlsSource::Incomplete(message) => return Err(invalid((*message).to_owned())),
            TlsSource::Pem { cert, key } => (cert.clone(), key.clone(), None),
            TlsSource::Files { cert, key } => {
                let read = |path: &PathBuf, what: &str| {
                    std::fs::read(path).map_err(|e| {
                        io::Error::new(
                            e.kind(),
                            format!("cannot read the TLS {what} {}: {e}", path.display()),
                        )
                    })
                };
                (
                    read(cert, "certificate")?,
                    read(key, "key")?,
                    Some((cert, key)),
                )
            }
        };
        let cert_name = origin.map_or("the certificate PEM".to_owned(), |(c, _)| {
            c.display().to_string()
        });
        let key_name = origin.map_or("the key PEM".to_owned(), |(_, k)| k.display().to_string());
        let chain = CertificateDer::pem_slice_iter(&cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("{cert_name}: not a PEM certificate chain: {e}")))?;
        if chain.is_empty() {
            return Err(invalid(format!(
                "{cert_name}: no certificate (expected -----BEGIN CERTIFICATE-----)"
            )));
        }
        let key = PrivateKeyDer::from_pem_slice(&key)
            .map_err(|e| invalid(format!("{key_name}: not a PEM private key: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(format!("TLS: the certificate and key do not fit: {e}")))?;
        config.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

/// The server's TLS side: the acceptor and the handshake timeout.
#[derive(Clone)]
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
}

impl Tls {
    pub(crate) fn new(source: &TlsSource, handshake_timeout: Duration) -> io::Result<Self> {
        Ok(Tls {
            acceptor: TlsAcceptor::from(source.server_config()?),
            handshake_timeout,
        })
    }

    /// Runs the handshake of one accepted connection, or refuses it; `None` when the
    /// connection is gone. Only this connection waits for it.
    pub(crate) async fn handshake(&self, stream: TcpStream) -> Option<TlsStream<TcpStream>> {
        let remote = stream.peer_addr().ok();
        let handshake = async {
            // A TLS connection opens with a handshake record (content type 22). Anything
            // else is most likely plain HTTP, which deserves an answer it can read.
            let mut first = [0u8; 1];
            if stream.peek(&mut first).await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed before the TLS handshake",
                ));
            }
            if first[0] != 0x16 {
                return Ok(Err(stream));
            }
            self.acceptor.accept(stream).await.map(Ok)
        };
        match tokio::time::timeout(self.handshake_timeout, handshake).await {
            Ok(Ok(Ok(tls))) => Some(tls),
            Ok(Ok(Err(plain))) => {
                tracing::debug!(?remote, "plain HTTP on the TLS port: answered 400");
                refuse_plain(plain).await;
                None
            }
            Ok(Err(error)) => {
                tracing::debug!(?remote, %error, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!(?remote, timeout = ?self.handshake_timeout, "TLS handshake timed out");
                None
            }
        }
    }
}

/// Tells a plain-HTTP client, in plain HTTP, that this port speaks HTTPS.
async fn refuse_plain(stream: TcpStream) {
    const BODY: &str = r#"{"status":400,"statusText":"Bad Request","message":"This port speaks HTTPS: use https://"}"#;
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    crate::server::answer_and_close(stream, &response).await;
}
