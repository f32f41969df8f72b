//! The body wrapper that copies what passes through a request's or a response's body into its
//! slot, as the handler or the client reads it.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, SizeHint};

use super::Recording;

/// Which of a request's two bodies a wrapper captures.
#[derive(Debug, Clone, Copy)]
enum Side {
    Request,
    Response,
}

/// A body that copies what passes through it into its request's slot.
pub struct CapturingBody<B> {
    inner: B,
    recording: Recording,
    side: Side,
}

impl<B> CapturingBody<B> {
    pub(super) fn request(inner: B, recording: Recording) -> Self {
        Self {
            inner,
            recording,
            side: Side::Request,
        }
    }

    pub(super) fn response(inner: B, recording: Recording) -> Self {
        Self {
            inner,
            recording,
            side: Side::Response,
        }
    }
}

impl<B> HttpBody for CapturingBody<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(context);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let side = self.side;
            self.recording.write(|slot| match side {
                Side::Request => slot.request_body.append(data),
                Side::Response => slot.response_body.append(data),
            });
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
