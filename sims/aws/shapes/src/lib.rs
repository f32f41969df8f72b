//! The AWS simulator's typed shapes, generated at build time (`build.rs`) from the vendored
//! botocore models in `sims/aws/models`: a module per service with a struct per structure shape
//! its operations reach, `trait Api` (one method per operation, `Unimplemented` until a service
//! implements it) and `dispatch`. Handlers in `sim-aws` are written against these types only;
//! adding an operation means writing its method.
//!
//! [`normal`] is the bridge to the protocol layer: every shape converts from and to the normal
//! form (JSON keyed by member names, timestamps as epoch seconds, blobs as base64), the form the
//! protocol decodes requests into and encodes responses from.
//!
//! This crate is separate from `sim-aws` so that editing a handler does not recompile a few
//! thousand generated types.

pub mod normal;

include!(concat!(env!("OUT_DIR"), "/services.rs"));

#[cfg(test)]
mod tests {
    use crate::normal::{Dispatched, Unimplemented};

    /// A service that implements nothing: every operation answers `Unimplemented`, naming it.
    struct Nothing;

    #[async_trait::async_trait]
    impl crate::sts::Api for Nothing {
        type Ctx = ();
        type Error = Unimplemented;
    }

    #[test]
    fn an_operation_nobody_implemented_says_which_it_is() {
        let outcome = futures_executor(crate::sts::dispatch(
            &Nothing,
            &(),
            "GetCallerIdentity",
            serde_json::json!({}),
        ));
        match outcome {
            Err(Dispatched::Handler(error)) => assert_eq!(
                error,
                Unimplemented {
                    service: "sts",
                    operation: "GetCallerIdentity"
                }
            ),
            other => panic!("expected Unimplemented, got {other:?}"),
        }
        assert!(matches!(
            futures_executor(crate::sts::dispatch(
                &Nothing,
                &(),
                "NoSuchThing",
                serde_json::json!({})
            )),
            Err(Dispatched::UnknownOperation)
        ));
    }

    /// Polls a future that never waits to completion (the default methods are ready at once).
    fn futures_executor<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the default handler should not wait"),
        }
    }
}
