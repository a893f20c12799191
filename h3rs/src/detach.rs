//! Owned copies of request parts that outlive their request.
//!
//! hyper parses a request head in place: the `Uri` and every header value
//! are slices of the connection's 8 KiB read buffer, and keep all of it
//! alive. A WebSocket peer or an SSE stream that kept those parts for its
//! whole life would pin that buffer (and make hyper allocate a second one
//! for its next read), which was most of an idle connection's memory.
//! Copying the few bytes once, when the long-lived thing is made, frees it.

use http::{HeaderMap, HeaderValue, Uri};

/// A copy of `uri` that shares no buffer with the request it came from.
pub(crate) fn uri(uri: &Uri) -> Uri {
    let mut parts = http::uri::Parts::default();
    parts.scheme = uri.scheme().cloned();
    parts.authority = uri
        .authority()
        .and_then(|a| a.as_str().parse::<http::uri::Authority>().ok());
    parts.path_and_query = uri
        .path_and_query()
        .and_then(|pq| pq.as_str().parse::<http::uri::PathAndQuery>().ok());
    Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

/// A copy of `headers` whose values share no buffer with the request.
pub(crate) fn headers(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut owned =
            HeaderValue::from_bytes(value.as_bytes()).expect("a valid header value stays valid");
        owned.set_sensitive(value.is_sensitive());
        copy.append(name.clone(), owned);
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_equal_and_own_their_bytes() {
        let buffer = bytes::Bytes::from_static(b"/rooms/1?x=2 secret");
        let original = Uri::from_maybe_shared(buffer.slice(0..12)).unwrap();
        assert_eq!(uri(&original), original);

        let mut map = HeaderMap::new();
        let mut value = HeaderValue::from_maybe_shared(buffer.slice(13..)).unwrap();
        value.set_sensitive(true);
        map.append("x-token", value);
        map.append("x-token", HeaderValue::from_static("two"));
        let copy = headers(&map);
        assert_eq!(copy, map);
        assert!(copy.get("x-token").unwrap().is_sensitive());
        assert_eq!(copy.get_all("x-token").iter().count(), 2);
    }
}
