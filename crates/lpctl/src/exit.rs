//! lpctl's exit codes.

use launchplane_client::Error;

pub const OK: i32 = 0;
pub const REJECTED: i32 = 1;
pub const USAGE: i32 = 2;
pub const TRANSPORT: i32 = 3;

pub fn for_error(error: &Error) -> i32 {
    if error.is_usage() {
        USAGE
    } else if error.is_transport() {
        TRANSPORT
    } else {
        REJECTED
    }
}
