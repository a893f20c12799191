//! TLS for the tests: a self-signed certificate made on the spot (rcgen), and clients that
//! trust it: rustls over TCP, hyper's HTTP/2 client on top, and WebSockets over HTTP/2
//! (RFC 8441 extended CONNECT).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper::client::conn::http2::SendRequest;
use hyper::upgrade::Upgraded;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;

/// A certificate for `localhost` and `127.0.0.1`, with its key.
pub struct TestCert {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

/// A fresh self-signed certificate: no file, no network.
pub fn self_signed() -> TestCert {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("rcgen makes a certificate");
    TestCert {
        cert_pem: certified.cert.pem(),
        key_pem: certified.signing_key.serialize_pem(),
        der: certified.cert.der().clone(),
    }
}

/// A rustls client that trusts `cert` alone and offers `alpn`.
pub fn client_config(cert: &TestCert, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(cert.der.clone()).expect("a valid certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A TLS connection to `addr` (verified as `localhost`), offering `alpn`.
pub async fn connect(addr: SocketAddr, cert: &TestCert, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let connector = TlsConnector::from(client_config(cert, alpn));
    let name = ServerName::try_from("localhost").expect("a DNS name");
    connector.connect(name, tcp).await.expect("TLS handshake")
}

/// The protocol the server chose by ALPN.
pub fn alpn(stream: &TlsStream<TcpStream>) -> Option<&[u8]> {
    stream.get_ref().1.alpn_protocol()
}

/// One HTTP/2 connection over TLS (ALPN `h2`), driven by a background task.
pub async fn h2(
    addr: SocketAddr,
    cert: &TestCert,
) -> (SendRequest<Full<Bytes>>, JoinHandle<hyper::Result<()>>) {
    let stream = connect(addr, cert, &[b"h2"]).await;
    assert_eq!(alpn(&stream), Some(&b"h2"[..]), "the server picks h2");
    h2_over(stream).await
}

/// An HTTP/2 client on any stream (TLS, or plain TCP for h2c with prior knowledge).
pub async fn h2_over<IO>(io: IO) -> (SendRequest<Full<Bytes>>, JoinHandle<hyper::Result<()>>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io))
            .await
            .expect("h2 handshake");
    (sender, tokio::spawn(connection))
}

/// A WebSocket over HTTP/2.
pub type H2Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The extended CONNECT of RFC 8441 for a WebSocket on `path`.
pub fn websocket_request(path: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(Method::CONNECT)
        .uri(format!("https://localhost{path}"))
        .version(http::Version::HTTP_2)
        .extension(hyper::ext::Protocol::from_static("websocket"))
        .header("sec-websocket-version", "13")
        .body(Full::default())
        .unwrap()
}

/// Opens a WebSocket on `path` as a stream of the connection behind `sender`, asserting
/// the answer RFC 8441 asks for: 200, and no accept hash. hyper's client sends `:protocol`
/// only once the server's SETTINGS advertised `SETTINGS_ENABLE_CONNECT_PROTOCOL` (it fails
/// the request otherwise), so a success here also shows the setting; send any request on
/// a fresh connection first, so that the SETTINGS have arrived.
pub async fn websocket(sender: &mut SendRequest<Full<Bytes>>, path: &str) -> H2Socket {
    sender.ready().await.expect("connection ready");
    let response = sender
        .send_request(websocket_request(path))
        .await
        .expect("CONNECT answered");
    assert_eq!(response.status(), StatusCode::OK, "{response:?}");
    assert!(response.headers().get("sec-websocket-accept").is_none());
    assert!(response.headers().get("connection").is_none());
    let upgraded = hyper::upgrade::on(response).await.expect("stream upgraded");
    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, None).await
}
