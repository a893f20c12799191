//! `Requirements`: what a route needs from its app before it can serve anything.

use std::any::TypeId;

/// What a handler needs from the app it is registered on: today, the state types its
/// extractors read. The app checks them before it serves, so that a [`State<T>`](crate::State)
/// the app was never given is an error at start (naming the type and the route), not a 500 on
/// every request.
///
/// Extractors declare their needs in [`FromEvent::requires`](crate::FromEvent::requires); the
/// route macros collect them into [`Handler::requires`](crate::Handler::requires).
///
/// ```
/// use h3rs::Requirements;
///
/// #[derive(Clone)]
/// struct Db;
///
/// let mut needs = Requirements::default();
/// needs.state::<Db>();
/// assert_eq!(needs.state_names().collect::<Vec<_>>().len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Requirements {
    states: Vec<(TypeId, &'static str)>,
}

impl Requirements {
    /// Records that the handler reads app state of type `T`.
    pub fn state<T: Send + Sync + 'static>(&mut self) {
        let id = TypeId::of::<T>();
        if !self.states.iter().any(|(known, _)| *known == id) {
            self.states.push((id, std::any::type_name::<T>()));
        }
    }

    /// The names of the state types recorded, in the order they were recorded.
    pub fn state_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.states.iter().map(|(_, name)| *name)
    }

    // Read by the app's check before serving, which lands with the app side of this issue.
    pub(crate) fn states(&self) -> impl Iterator<Item = (TypeId, &'static str)> + '_ {
        self.states.iter().copied()
    }
}
