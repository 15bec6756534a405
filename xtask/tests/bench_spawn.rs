//! `bench-spawn` reports exit status, wall time and the peak memory of a process tree.

use std::process::Command;

fn spawn(script: &str) -> (u64, u64, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_bench-spawn"))
        .args(["sh", "-c", script])
        .output()
        .expect("run bench-spawn");
    assert!(output.status.success());
    let line = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    (
        fields[0].parse().unwrap(),
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
    )
}

#[test]
fn reports_exit_codes_and_signals() {
    assert_eq!(spawn("exit 3").2, 3);
    assert_eq!(spawn("kill -9 $$").2, -9);
}

#[test]
fn a_small_command_is_not_charged_for_a_big_parent() {
    let (wall_ns, rss_kib, status) = spawn("true");
    assert_eq!(status, 0);
    assert!(wall_ns > 0);
    assert!(rss_kib < 8 * 1024, "{rss_kib} KiB");
}

#[test]
fn the_peak_is_the_largest_process_of_the_tree() {
    // `sort` holds its one 64 MiB line in memory; the shell waits for it.
    let (_, rss_kib, status) = spawn("head -c 67108864 /dev/zero | sort > /dev/null");
    assert_eq!(status, 0);
    assert!(rss_kib > 60 * 1024, "{rss_kib} KiB");
}
