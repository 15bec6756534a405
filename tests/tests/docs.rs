//! The docs and example workflows name only commands lpctl has, and README's command table
//! names the route each command calls, as lpctl's own help reads it from the spec.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use contract_tests::lpctl;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn help(args: &[&str]) -> Option<String> {
    let output = Command::new(lpctl())
        .args(args)
        .arg("--help")
        .env_clear()
        .output()
        .expect("run lpctl --help");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The subcommand names a help text lists under `Commands:`.
fn subcommands(help: &str) -> BTreeSet<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every lpctl group and the commands under it (empty for a command without subcommands).
fn command_tree() -> BTreeMap<String, BTreeSet<String>> {
    let top = help(&[]).expect("lpctl --help");
    subcommands(&top)
        .into_iter()
        .map(|group| {
            let under = subcommands(&help(&[&group]).unwrap_or_default());
            (group, under)
        })
        .collect()
}

fn is_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The `lpctl <group> [<command>]` calls a text makes: a group lpctl knows after `lpctl `,
/// and the word after it when the group has commands.
fn calls_in(text: &str, tree: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let mut calls = Vec::new();
    for (at, _) in text.match_indices("lpctl ") {
        let mut words = text[at + "lpctl ".len()..]
            .split(|c: char| c.is_whitespace() || "`|\\,;()".contains(c))
            .filter(|w| !w.is_empty());
        let Some(group) = words.next().filter(|w| tree.contains_key(*w)) else {
            continue;
        };
        let command = if tree[group].is_empty() {
            String::new()
        } else {
            words.next().filter(|w| is_word(w)).unwrap_or_default().to_owned()
        };
        calls.push((group.to_owned(), command));
    }
    calls
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    for dir in ["docs", "examples/workflows"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md" || x == "yml"))
            .collect();
        entries.sort();
        files.extend(entries);
    }
    files
}

#[test]
fn docs_and_example_workflows_call_only_commands_lpctl_has() {
    let tree = command_tree();
    assert!(tree.contains_key("odoo") && !tree["odoo"].is_empty(), "{tree:?}");
    let mut unknown = Vec::new();
    let mut checked = 0;
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        // The changelog names removed commands as history.
        let text = if file.ends_with("CHANGELOG.md") {
            String::new()
        } else {
            // The lpctl action runs `command:` as `lpctl <command>`.
            text.replace("command: ", "lpctl ")
        };
        for (group, command) in calls_in(&text, &tree) {
            checked += 1;
            let known = tree[&group].is_empty() || tree[&group].contains(&command);
            if !known {
                unknown.push(format!("{}: lpctl {group} {command}", file.display()));
            }
        }
    }
    assert!(checked > 50, "too few lpctl calls found ({checked}): the parsing broke");
    assert!(
        unknown.is_empty(),
        "docs call commands lpctl does not have:\n{}",
        unknown.join("\n")
    );
}

/// The paths a README operation cell allows: `GET /a[/{b}]` is `/a` and `/a/{b}`; `…` ends a prefix.
fn allowed_routes(cell: &str) -> Vec<(String, String, bool)> {
    let mut routes = Vec::new();
    for part in cell.split(", ") {
        let part = part.trim().trim_matches('`');
        let Some((method, path)) = part.split_once(' ') else {
            continue;
        };
        let (path, prefix) = match path.strip_suffix('…') {
            Some(p) => (p.to_owned(), true),
            None => (path.to_owned(), false),
        };
        if let (Some(open), Some(close)) = (path.find('['), path.find(']')) {
            routes.push((method.to_owned(), path[..open].to_owned(), false));
            routes.push((
                method.to_owned(),
                format!("{}{}", &path[..open], &path[open + 1..close]),
                false,
            ));
        } else {
            routes.push((method.to_owned(), path, prefix));
        }
    }
    routes
}

#[test]
fn readme_command_table_names_the_route_each_command_calls() {
    let tree = command_tree();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .filter(|line| line.starts_with("| `lpctl ") && line.matches(" | ").count() == 1)
        .collect();
    assert!(rows.len() > 5, "README has no command table");
    let mut named = BTreeSet::new();
    for row in rows {
        let (commands, operation) = row
            .trim_matches('|')
            .trim()
            .split_once(" | ")
            .unwrap_or_else(|| panic!("{row}"));
        let routes = allowed_routes(operation);
        for part in commands.split("`, `") {
            let part = part.trim_matches('`').trim_start_matches("lpctl ");
            let mut words = part.split_whitespace();
            let group = words.next().unwrap();
            if group == "call" {
                continue;
            }
            let under = tree
                .get(group)
                .unwrap_or_else(|| panic!("README row `{row}` names `lpctl {group}`, which lpctl lacks ({tree:?})"));
            let names: Vec<String> = match words.next() {
                Some(alternatives) if !under.is_empty() => alternatives.split("\\|").map(str::to_owned).collect(),
                _ => vec![String::new()],
            };
            for name in names {
                let args: Vec<&str> = [group, name.as_str()].into_iter().filter(|a| !a.is_empty()).collect();
                let text =
                    help(&args).unwrap_or_else(|| panic!("README names `lpctl {}`, which lpctl lacks", args.join(" ")));
                let calls = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Calls "))
                    .unwrap_or_else(|| panic!("`lpctl {}` --help names no route", args.join(" ")));
                let mut it = calls.split_whitespace();
                let (method, path) = (it.next().unwrap(), it.next().unwrap());
                let listed = routes.iter().any(|(m, p, prefix)| {
                    m == method
                        && if *prefix {
                            path.starts_with(p.as_str())
                        } else {
                            p == path
                        }
                });
                assert!(
                    listed,
                    "README row `{row}` does not name {method} {path} (lpctl {})",
                    args.join(" ")
                );
                named.insert(args.join(" "));
            }
        }
    }
    let every: BTreeSet<String> = tree
        .iter()
        .filter(|(group, _)| group.as_str() != "call")
        .flat_map(|(group, under)| {
            if under.is_empty() {
                vec![group.clone()]
            } else {
                under.iter().map(|c| format!("{group} {c}")).collect()
            }
        })
        .collect();
    let missing: Vec<_> = every.difference(&named).collect();
    assert!(missing.is_empty(), "README's command table lacks {missing:?}");
}
