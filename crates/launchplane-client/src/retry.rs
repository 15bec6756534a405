//! Bounded, jittered exponential backoff, honouring Retry-After in both of its HTTP forms.

use std::time::{Duration, Instant, SystemTime};

use rand::Rng;

/// How often and for how long a request may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wall time after which no new attempt starts.
    pub budget: Duration,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Launchplane calls.
    pub fn calls(budget: Duration, attempts: u32) -> Self {
        RetryPolicy {
            attempts,
            budget,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }

    /// The OIDC token request: 5 attempts within 25 s.
    pub fn token() -> Self {
        RetryPolicy {
            attempts: 5,
            budget: Duration::from_secs(25),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }

    /// The wait before attempt `next` (2 for the first retry), or None when the policy is spent.
    pub fn delay(&self, next: u32, started: Instant, retry_after: Option<Duration>) -> Option<Duration> {
        self.delay_after(next, started.elapsed(), retry_after)
    }

    /// As [`delay`](Self::delay), with the time already spent given directly.
    pub fn delay_after(&self, next: u32, elapsed: Duration, retry_after: Option<Duration>) -> Option<Duration> {
        if next < 2 || next > self.attempts {
            return None;
        }
        let doublings = next.saturating_sub(2).min(16);
        let exponential = self.base_delay.saturating_mul(1u32 << doublings).min(self.max_delay);
        // Half fixed, half random: spreads retries of parallel jobs without ever waiting ~0.
        let half = exponential / 2;
        let jittered = half.saturating_add(rand::rng().random_range(Duration::ZERO..=half));
        let wait = retry_after.map_or(jittered, |hint| hint.max(jittered));
        let resumes = elapsed.checked_add(wait)?;
        (resumes < self.budget).then_some(wait)
    }
}

/// HTTP statuses worth another attempt of an idempotent request.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// An answer of the ingress proxy in front of Launchplane rather than of Launchplane itself,
/// which always answers JSON: a 404 (the route not mounted yet while Launchplane restarts)
/// or a 502/503/504 without a JSON body. Launchplane never saw a proxied 404.
pub fn ingress_answer(status: u16, body: &[u8]) -> bool {
    matches!(status, 404 | 502 | 503 | 504) && serde_json::from_slice::<serde_json::Value>(body).is_err()
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date read against
/// `now` (a date already past means "now"). None for anything else.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for u64 is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` of an answer's headers, read against the clock.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_the_attempt_bound() {
        let policy = RetryPolicy::calls(Duration::from_secs(600), 3);
        let start = Instant::now();
        let first = policy.delay(2, start, None).unwrap();
        let second = policy.delay(3, start, None).unwrap();
        assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
        assert!(second >= Duration::from_millis(250) && second <= Duration::from_millis(500));
        assert_eq!(policy.delay(4, start, None), None);
    }

    #[test]
    fn retry_after_is_honoured_but_not_past_the_budget() {
        let policy = RetryPolicy::calls(Duration::from_secs(10), 3);
        let start = Instant::now();
        assert_eq!(
            policy.delay(2, start, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(policy.delay(2, start, Some(Duration::from_secs(30))), None);
    }

    #[test]
    fn edges_neither_underflow_nor_overflow() {
        let policy = RetryPolicy::calls(Duration::MAX, u32::MAX);
        // Attempt numbers below the first retry are not retries.
        assert_eq!(policy.delay_after(0, Duration::ZERO, None), None);
        assert_eq!(policy.delay_after(1, Duration::ZERO, None), None);
        // Huge attempt numbers cap at the maximum delay.
        let late = policy.delay_after(u32::MAX, Duration::ZERO, None).unwrap();
        assert!(
            late >= Duration::from_secs(4) && late <= Duration::from_secs(8),
            "{late:?}"
        );
        // Elapsed time plus a huge hint does not fit a Duration: the policy is spent, no panic.
        assert_eq!(policy.delay_after(2, Duration::MAX, Some(Duration::MAX)), None);
        assert_eq!(policy.delay_after(2, Duration::from_secs(1), Some(Duration::MAX)), None);
        // A zero budget allows nothing; zero delays are still jittered above nothing.
        let spent = RetryPolicy::calls(Duration::ZERO, 3);
        assert_eq!(spent.delay_after(2, Duration::ZERO, Some(Duration::ZERO)), None);
        let instant = RetryPolicy {
            attempts: 3,
            budget: Duration::from_secs(1),
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        };
        assert_eq!(instant.delay_after(2, Duration::ZERO, None), Some(Duration::ZERO));
    }

    #[test]
    fn every_attempt_number_and_elapsed_time_gives_a_bounded_answer() {
        let policy = RetryPolicy::calls(Duration::from_secs(60), 5);
        let elapsed = [0, 1, 59, 60, 61, u64::MAX].map(Duration::from_secs);
        let hints = [
            None,
            Some(Duration::ZERO),
            Some(Duration::from_secs(30)),
            Some(Duration::MAX),
        ];
        for next in (0..=10).chain([u32::MAX - 1, u32::MAX]) {
            for spent in elapsed {
                for hint in hints {
                    if let Some(wait) = policy.delay_after(next, spent, hint) {
                        assert!((2..=5).contains(&next));
                        assert!(spent + wait < policy.budget);
                        assert!(wait >= hint.unwrap_or_default());
                    }
                }
            }
        }
    }

    #[test]
    fn retry_after_reads_delay_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in ["", "-5", "1.5", "soon", "12s"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_reads_http_dates_in_every_format() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        for form in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            assert_eq!(parse_retry_after(form, now), Some(Duration::from_secs(30)), "{form}");
        }
        // A date already past asks for no wait.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 25:00:00 GMT", now), None);
    }

    #[test]
    fn retry_after_header_is_read_from_the_answer() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        headers.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(3590) && wait <= Duration::from_secs(3600),
            "{wait:?}"
        );
    }

    #[test]
    fn ingress_answers_are_the_proxy_statuses_without_json() {
        for status in [404, 502, 503, 504] {
            assert!(ingress_answer(status, b"<html><body>nginx</body></html>"), "{status}");
            assert!(ingress_answer(status, b""), "{status}");
            assert!(!ingress_answer(status, br#"{"status":"rejected"}"#), "{status}");
        }
        for status in [400, 401, 403, 409, 500] {
            assert!(!ingress_answer(status, b"<html></html>"), "{status}");
        }
    }

    #[test]
    fn only_overload_and_gateway_statuses_retry() {
        for status in [429, 502, 503, 504] {
            assert!(retryable_status(status));
        }
        for status in [400, 401, 403, 404, 405, 409, 500] {
            assert!(!retryable_status(status));
        }
    }
}
