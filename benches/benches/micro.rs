//! Criterion micro-benchmarks of the hot paths, in-process:
//!
//! - `route_200`: a request through an app of 200 routes (`H3::handle`:
//!   routing, the handler, the response), a static and a parameter route;
//! - `sse_encode`: one event with id and two data lines to wire bytes;
//! - `publish_1000`: one publish on a topic with 1,000 local subscribers,
//!   each a bounded queue as WebSocket peers and SSE streams have.
//!
//! ```sh
//! cargo bench -p h3rs-benches --bench micro
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use h3rs::pubsub::{Delivery, Hub, Payload, Subscriber};
use h3rs::sse::SseEvent;
use h3rs::{Body, H3, H3Event};

fn route_200(c: &mut Criterion) {
    let mut app = H3::new();
    for i in 0..100 {
        app = app
            .get(&format!("/api/v1/resource{i}"), |_: H3Event| async {
                "static"
            })
            .get(
                &format!("/api/v1/resource{i}/:id/items"),
                |event: H3Event| async move { event.param::<u64>("id").map(|id| id.to_string()) },
            );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("route_200");
    for (name, path) in [
        ("static", "/api/v1/resource73"),
        ("param", "/api/v1/resource73/42/items"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let request = http::Request::get(path).body(Body::empty()).unwrap();
                let response = runtime.block_on(app.handle(black_box(request)));
                assert_eq!(response.status(), 200);
                response
            })
        });
    }
    group.finish();
}

fn sse_encode(c: &mut Criterion) {
    c.bench_function("sse_encode", |b| {
        b.iter(|| {
            SseEvent::new(black_box("first line\nsecond line"))
                .id(black_box("1234"))
                .to_bytes()
        })
    });
}

/// A subscriber that keeps what it gets in a bounded queue, like a peer.
struct Queued {
    queue: std::sync::Mutex<std::collections::VecDeque<Payload>>,
    taken: AtomicUsize,
}

impl Subscriber for Queued {
    fn deliver(&self, payload: &Payload) -> Delivery {
        let mut queue = self.queue.lock().unwrap();
        if queue.len() == 64 {
            queue.pop_front();
        }
        queue.push_back(payload.clone());
        self.taken.fetch_add(1, Ordering::Relaxed);
        Delivery::Accepted
    }
}

fn publish_1000(c: &mut Criterion) {
    let hub = Hub::default();
    let subscribers: Vec<Arc<Queued>> = (0..1000)
        .map(|_| {
            Arc::new(Queued {
                queue: Default::default(),
                taken: AtomicUsize::new(0),
            })
        })
        .collect();
    let _guards: Vec<_> = subscribers
        .iter()
        .map(|s| hub.subscribe("room", s.clone()))
        .collect();
    c.bench_function("publish_1000", |b| {
        b.iter(|| {
            let reached = hub.publish(black_box("room"), "a chat line of some forty bytes");
            assert_eq!(reached, 1000);
        })
    });
}

criterion_group!(benches, route_200, sse_encode, publish_1000);
criterion_main!(benches);
