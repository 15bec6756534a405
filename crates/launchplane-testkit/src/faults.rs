//! Injected faults: what the next requests of a target answer instead of the real thing.

use std::collections::VecDeque;
use std::time::Duration;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// The OIDC token endpoint (not the JWKS).
    TokenEndpoint,
    /// Every Launchplane request, whatever its path.
    Launchplane,
    /// Requests to one operation of the spec, by operation id; these faults come before
    /// those for every request.
    Operation(&'static str),
}

/// What a faulted request gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status with a JSON error body (Launchplane's rejected envelope, `internal_error`).
    JsonError(u16),
    /// This status with a plain-text body.
    PlainError(u16),
    /// This status with an nginx-style HTML error page.
    HtmlError(u16),
    /// The real answer, after this long.
    Delay(Duration),
    /// The request runs at once; its answer is sent after this long. A caller that gives up
    /// first leaves it finished (and stored under its Idempotency-Key), as a Launchplane call
    /// that outlives the caller's timeout.
    Slow(Duration),
    /// The connection is closed without an answer.
    Drop,
    /// The success status with a body that is not JSON.
    MalformedJson,
    /// This status with an empty body.
    EmptyError(u16),
    /// The fault, after this long.
    After(Duration, Box<Fault>),
}

/// Faults waiting for requests, oldest first, each with how many requests it still takes.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<(Fault, usize)>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault, count: usize) {
        if count > 0 {
            self.pending.push_back((fault, count));
        }
    }

    /// The fault the next request gets, if any.
    pub(crate) fn take(&mut self) -> Option<Fault> {
        let (fault, remaining) = self.pending.front_mut()?;
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.pending.pop_front();
        }
        Some(fault)
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

/// The page nginx serves for an upstream error.
pub(crate) fn html_page(status: u16) -> String {
    let title = format!("{status} {}", reason(status));
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
         <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

pub(crate) fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_order_for_their_counts() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::JsonError(503), 2);
        queue.push(Fault::Drop, 1);
        queue.push(Fault::PlainError(502), 0);
        assert_eq!(queue.take(), Some(Fault::JsonError(503)));
        assert_eq!(queue.take(), Some(Fault::JsonError(503)));
        assert_eq!(queue.take(), Some(Fault::Drop));
        assert_eq!(queue.take(), None);
        queue.push(Fault::MalformedJson, 5);
        queue.clear();
        assert_eq!(queue.take(), None);
    }

    #[test]
    fn the_html_page_looks_like_nginx() {
        let page = html_page(502);
        assert!(page.contains("<title>502 Bad Gateway</title>"));
        assert!(page.contains("<center>nginx</center>"));
    }
}
