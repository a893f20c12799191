//! `Peers`: the WebSocket peers connected to an app.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use crate::ws::Peer;

/// The WebSocket peers connected to an app ([`H3::peers`](crate::H3::peers),
/// [`H3Event::peers`](crate::H3Event::peers)). Cheap to clone; every clone is the same
/// registry. A peer is listed from just before its `open` hook until its `close` hook has
/// run.
///
/// ```
/// let app = h3rs::H3::new();
/// // Before a deploy: ask every connected client to come back later.
/// for peer in app.peers().list() {
///     peer.close(1012, "Service restart");
/// }
/// assert!(app.peers().is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Peers {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    peers: RwLock<HashMap<u64, Peer>>,
    /// Set when this registry was absorbed by another (a mounted app's, by its parent's).
    absorbed_by: OnceLock<Peers>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peers").field("len", &self.len()).finish()
    }
}

impl Peers {
    /// An empty registry.
    pub fn new() -> Self {
        Peers::default()
    }

    fn current(&self) -> &Peers {
        let mut peers = self;
        while let Some(next) = peers.inner.absorbed_by.get() {
            peers = next;
        }
        peers
    }

    fn map(&self) -> &RwLock<HashMap<u64, Peer>> {
        &self.current().inner.peers
    }

    /// The connected peers, in no particular order.
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// // Who is online, as JSON.
    /// let app = H3::new().get("/online", |event: H3Event| async move {
    ///     let ids: Vec<u64> = event.peers().list().iter().map(|peer| peer.id()).collect();
    ///     h3rs::Json(ids)
    /// });
    /// # let _ = app;
    /// ```
    pub fn list(&self) -> Vec<Peer> {
        let peers = self.map().read().unwrap_or_else(PoisonError::into_inner);
        peers.values().cloned().collect()
    }

    /// The peer with `id`, if it is connected.
    ///
    /// ```
    /// # fn demo(peers: &h3rs::ws::Peers) {
    /// if let Some(peer) = peers.get(42) {
    ///     peer.send("a direct message");
    /// }
    /// # }
    /// ```
    pub fn get(&self, id: u64) -> Option<Peer> {
        let peers = self.map().read().unwrap_or_else(PoisonError::into_inner);
        peers.get(&id).cloned()
    }

    /// How many peers are connected.
    pub fn len(&self) -> usize {
        self.map()
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no peer is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn insert(&self, peer: Peer) {
        let mut peers = self.map().write().unwrap_or_else(PoisonError::into_inner);
        peers.insert(peer.id(), peer);
    }

    pub(crate) fn remove(&self, id: u64) {
        let mut peers = self.map().write().unwrap_or_else(PoisonError::into_inner);
        peers.remove(&id);
    }

    /// Makes `other` and its clones act as this registry, moving its peers here: a mounted
    /// app's registry becomes its parent's.
    pub(crate) fn absorb(&self, other: &Peers) {
        let this = self.current().clone();
        loop {
            let from = other.current();
            if Arc::ptr_eq(&from.inner, &this.inner) {
                return;
            }
            if from.inner.absorbed_by.set(this.clone()).is_ok() {
                let moved = std::mem::take(
                    &mut *from
                        .inner
                        .peers
                        .write()
                        .unwrap_or_else(PoisonError::into_inner),
                );
                this.map()
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(moved);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubsub::Hub;
    use crate::ws::WsOptions;
    use crate::ws::peer::PeerInit;

    fn peer(peers: &Peers) -> Peer {
        Peer::new(PeerInit {
            uri: http::Uri::from_static("/ws"),
            headers: http::HeaderMap::new(),
            params: Default::default(),
            remote_addr: None,
            protocol: None,
            context: http::Extensions::new(),
            hub: Hub::new(),
            peers: peers.clone(),
            options: Arc::new(WsOptions::default()),
        })
    }

    #[test]
    fn an_absorbed_registry_and_its_clones_act_as_the_absorbing_one() {
        let parent = Peers::new();
        let child = Peers::new();
        let clone = child.clone();
        let early = peer(&child);
        early.join();
        parent.absorb(&child);
        assert_eq!((parent.len(), clone.len()), (1, 1));
        // Peers that join through the child's handle are listed by the parent.
        let late = peer(&clone);
        late.join();
        assert_eq!(parent.len(), 2);
        assert_eq!(parent.get(late.id()), Some(late.clone()));
        early.leave();
        late.leave();
        assert!(parent.is_empty() && clone.is_empty());
        // Absorbing back changes nothing.
        child.absorb(&parent);
        assert!(Arc::ptr_eq(&child.current().inner, &parent.current().inner));
    }
}
