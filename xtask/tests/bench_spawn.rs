//! `bench-spawn` reports exit status, wall time, CPU time and the peak memory of a process tree.

use std::process::Command;

fn spawn(script: &str) -> (u64, u64, i32) {
    let (wall, rss, status, _) = spawn_cpu(script);
    (wall, rss, status)
}

fn spawn_cpu(script: &str) -> (u64, u64, i32, u64) {
    let output = Command::new(env!("CARGO_BIN_EXE_bench-spawn"))
        .args(["sh", "-c", script])
        .output()
        .expect("run bench-spawn");
    assert!(output.status.success());
    let line = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{line}");
    (
        fields[0].parse().unwrap(),
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
        fields[3].parse().unwrap(),
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

#[test]
fn cpu_time_counts_the_tree_and_not_waiting() {
    // A busy descendant is charged; a sleeping one is not.
    let (wall_ns, _, status, busy_ns) = spawn_cpu("timeout 0.3 sh -c 'while :; do :; done'; true");
    assert_eq!(status, 0);
    assert!(busy_ns >= 150_000_000, "{busy_ns} ns of CPU in {wall_ns} ns");
    let (wall_ns, _, status, idle_ns) = spawn_cpu("sleep 0.3");
    assert_eq!(status, 0);
    assert!(wall_ns >= 300_000_000);
    assert!(idle_ns < 50_000_000, "{idle_ns} ns of CPU for a sleep");
}
