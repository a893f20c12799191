//! Which HTTP a connection speaks, and hyper's connection for it.
//!
//! A connection that begins with HTTP/2's preface (RFC 9113 section 3.4: prior knowledge, or
//! TLS with ALPN `h2`) is served by hyper's HTTP/2 server; any other by its HTTP/1 server,
//! with upgrades. hyper-util's `auto` builder does the same, but it hands hyper the sniffed
//! bytes on a read of their own: hyper's first read then returns those few bytes, and its next
//! read, wanting a whole buffer free, grows the 8 KiB read buffer to 16 KiB on every
//! connection (massif: two 8 KiB buffers per idle event stream). [`Prefixed`] returns the
//! sniffed bytes together with whatever the socket has ready, so the first request head
//! arrives in one read. Its HTTP/2 state, much larger than HTTP/1's, is boxed, so that an
//! HTTP/1 connection's task does not carry it.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http_body::Body as HttpBody;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::HttpService;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How an HTTP/2 connection begins.
pub(crate) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

type BoxError = Box<dyn StdError + Send + Sync>;

/// The server's settings for both protocols.
#[derive(Clone, Debug)]
pub(crate) struct Builders {
    pub(crate) http1: http1::Builder,
    pub(crate) http2: http2::Builder<TokioExecutor>,
}

/// One connection, from its first bytes to its end. `F` is told when the connection turns
/// out to speak HTTP/2.
pub(crate) struct HttpConnection<IO, S, F>
where
    S: HttpService<Incoming>,
{
    state: State<IO, S, F>,
}

/// The socket as hyper sees it.
pub(crate) type Io<IO> = TokioIo<Prefixed<IO>>;

// HTTP/1's connection stays inline: it is the common case, and boxing it would cost an
// allocation per connection; HTTP/2's, several times larger, is boxed.
#[allow(clippy::large_enum_variant)]
enum State<IO, S, F>
where
    S: HttpService<Incoming>,
{
    /// Reading the first bytes; the builders are shared by every connection.
    Sniffing {
        io: Option<IO>,
        service: Option<S>,
        on_http2: Option<F>,
        builders: std::sync::Arc<Builders>,
        seen: [u8; 24],
        len: usize,
    },
    Http1(http1::UpgradeableConnection<Io<IO>, S>),
    Http2(Pin<Box<http2::Connection<Io<IO>, S, TokioExecutor>>>),
    /// Shut down before it was known, or done.
    Done,
}

impl<IO, S, B, F> HttpConnection<IO, S, F>
where
    F: FnOnce() + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Unpin,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    pub(crate) fn new(builders: std::sync::Arc<Builders>, io: IO, service: S, on_http2: F) -> Self {
        HttpConnection {
            state: State::Sniffing {
                io: Some(io),
                service: Some(service),
                on_http2: Some(on_http2),
                builders,
                seen: [0; 24],
                len: 0,
            },
        }
    }

    /// Stops taking requests and ends once those in flight are answered (HTTP/2 sends
    /// `GOAWAY`); a connection whose protocol is not known yet simply ends.
    pub(crate) fn graceful_shutdown(&mut self) {
        match &mut self.state {
            State::Sniffing { .. } => self.state = State::Done,
            State::Http1(connection) => Pin::new(connection).graceful_shutdown(),
            State::Http2(connection) => connection.as_mut().graceful_shutdown(),
            State::Done => {}
        }
    }
}

impl<IO, S, B, F> Future for HttpConnection<IO, S, F>
where
    F: FnOnce() + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: HttpService<Incoming, ResBody = B> + Unpin,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = Result<(), BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Sniffing {
                    io,
                    service,
                    on_http2,
                    builders,
                    seen,
                    len,
                } => {
                    let stream = io.as_mut().expect("sniffing keeps its socket");
                    let mut buf = ReadBuf::new(&mut seen[*len..]);
                    ready!(Pin::new(stream).poll_read(cx, &mut buf))?;
                    let read = buf.filled().len();
                    if read == 0 {
                        // Closed before a byte: nothing to serve.
                        this.state = State::Done;
                        return Poll::Ready(Ok(()));
                    }
                    *len += read;
                    let is_h2 = seen[..*len] == PREFACE[..*len];
                    if is_h2 && *len < PREFACE.len() {
                        continue;
                    }
                    let io = Prefixed {
                        prefix: *seen,
                        at: 0,
                        len: *len,
                        io: io.take().expect("sniffing keeps its socket"),
                    };
                    let service = service.take().expect("sniffing keeps its service");
                    let io = TokioIo::new(io);
                    if is_h2 {
                        if let Some(on_http2) = on_http2.take() {
                            on_http2();
                        }
                    }
                    this.state = if is_h2 {
                        State::Http2(Box::pin(builders.http2.serve_connection(io, service)))
                    } else {
                        State::Http1(builders.http1.serve_connection(io, service).with_upgrades())
                    };
                }
                State::Http1(connection) => {
                    return Pin::new(connection).poll(cx).map_err(Into::into);
                }
                State::Http2(connection) => {
                    return connection.as_mut().poll(cx).map_err(Into::into);
                }
                State::Done => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// A socket with the bytes already read from it put back in front.
pub(crate) struct Prefixed<IO> {
    prefix: [u8; 24],
    /// `prefix[at..len]` is still to be read.
    at: usize,
    len: usize,
    io: IO,
}

impl<IO> Prefixed<IO> {
    /// The socket, and the sniffed bytes not yet read from this wrapper.
    #[cfg_attr(not(feature = "ws"), allow(dead_code))]
    pub(crate) fn into_parts(self) -> (IO, Vec<u8>) {
        (self.io, self.prefix[self.at..self.len].to_vec())
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Prefixed<IO> {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.at == this.len {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = (this.len - this.at).min(buf.remaining());
        buf.put_slice(&this.prefix[this.at..this.at + n]);
        this.at += n;
        // And what the socket has now, in the same read: hyper would otherwise see a short
        // read and grow its buffer for the next one. The prefix is answered either way; an
        // error comes again on the next read.
        if this.at == this.len && buf.remaining() > 0 {
            let _ = Pin::new(&mut this.io).poll_read(cx, buf);
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Prefixed<IO> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::Arc;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::service::service_fn;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

    fn builders() -> Arc<Builders> {
        let mut http1 = http1::Builder::new();
        http1.header_read_timeout(None);
        Arc::new(Builders {
            http1,
            http2: http2::Builder::new(TokioExecutor::new()),
        })
    }

    /// A server on one end of an in-memory pipe, answering `hi`; the other end is returned.
    fn serve() -> DuplexStream {
        let (client, server) = duplex(64 * 1024);
        let service = service_fn(|_request| async {
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(b"hi"))))
        });
        tokio::spawn(HttpConnection::new(builders(), server, service, || {}));
        client
    }

    async fn read_some(client: &mut DuplexStream) -> Vec<u8> {
        let mut buf = vec![0; 4096];
        let n = client.read(&mut buf).await.unwrap();
        buf.truncate(n);
        buf
    }

    #[tokio::test]
    async fn the_sniffed_bytes_and_the_rest_come_in_one_read() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let (mut client, mut server) = duplex(1024);
        client.write_all(head).await.unwrap();
        let mut prefix = [0u8; 24];
        server.read_exact(&mut prefix).await.unwrap();
        let mut io = Prefixed {
            prefix,
            at: 0,
            len: 24,
            io: server,
        };
        let mut buf = [0u8; 64];
        let n = io.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], head);
    }

    #[tokio::test]
    async fn a_request_head_split_after_two_bytes_is_http1() {
        let mut client = serve();
        client.write_all(b"GE").await.unwrap();
        tokio::task::yield_now().await;
        client
            .write_all(b"T / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let answer = String::from_utf8(read_some(&mut client).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\nhi"), "{answer}");
    }

    #[tokio::test]
    async fn a_preface_in_pieces_is_http2() {
        let mut client = serve();
        client.write_all(&PREFACE[..5]).await.unwrap();
        tokio::task::yield_now().await;
        client.write_all(&PREFACE[5..]).await.unwrap();
        // An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
        client
            .write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0])
            .await
            .unwrap();
        let frame = read_some(&mut client).await;
        assert!(frame.len() >= 9, "{frame:?}");
        assert_eq!(
            frame[3], 4,
            "the server's first frame is its SETTINGS: {frame:?}"
        );
    }

    #[tokio::test]
    async fn a_connection_closed_before_a_byte_ends_quietly() {
        let (client, server) = duplex(1024);
        let service = service_fn(|_request| async {
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::new())))
        });
        drop(client);
        let served = HttpConnection::new(builders(), server, service, || {}).await;
        assert!(served.is_ok());
    }

    #[tokio::test]
    async fn shutting_down_before_the_protocol_is_known_ends_the_connection() {
        let (_client, server) = duplex(1024);
        let service = service_fn(|_request| async {
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::new())))
        });
        let mut connection = HttpConnection::new(builders(), server, service, || {});
        let waker = std::task::Waker::noop();
        let polled = Pin::new(&mut connection).poll(&mut Context::from_waker(waker));
        assert!(polled.is_pending());
        connection.graceful_shutdown();
        assert!(connection.await.is_ok());
    }
}
