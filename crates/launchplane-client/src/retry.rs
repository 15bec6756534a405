//! Bounded, jittered exponential backoff, honouring Retry-After.

use std::time::{Duration, Instant};

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
    /// Launchplane calls: 3 attempts.
    pub fn calls(budget: Duration, attempts: u32) -> Self {
        RetryPolicy {
            attempts,
            budget,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }

    /// The OIDC token request: 5 attempts within 30 s.
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
        if next > self.attempts {
            return None;
        }
        let exponential = self
            .base_delay
            .saturating_mul(1 << (next - 2).min(16))
            .min(self.max_delay);
        // Half fixed, half random: spreads retries of parallel jobs without ever waiting ~0.
        let half = exponential / 2;
        let jittered = half + rand::rng().random_range(Duration::ZERO..=half);
        let wait = retry_after.map_or(jittered, |hint| hint.max(jittered));
        (started.elapsed() + wait < self.budget).then_some(wait)
    }
}

/// HTTP statuses worth another attempt of an idempotent request.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
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
    fn only_overload_and_gateway_statuses_retry() {
        for status in [429, 502, 503, 504] {
            assert!(retryable_status(status));
        }
        for status in [400, 401, 403, 404, 405, 409, 500] {
            assert!(!retryable_status(status));
        }
    }
}
