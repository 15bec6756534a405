//! Reading `$GITHUB_OUTPUT` back the way the Actions runner does, for tests of steps that
//! write it.

/// Parses the runner's output-file format: `name=value` lines and `name<<DELIMITER` blocks
/// ending at a line equal to the delimiter. Later entries of a name win, as on the runner;
/// [`output`] reads them that way.
pub fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for next in lines.by_ref() {
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            outputs.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.push((name.to_owned(), value.to_owned()));
        }
    }
    outputs
}

/// The value the runner would give `name`: its last entry.
pub fn output<'o>(outputs: &'o [(String, String)], name: &str) -> Option<&'o str> {
    outputs.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_and_the_last_entry_wins() {
        let text = "a=1\nb<<EOF_x\nline one\nline two\nEOF_x\na=2\n";
        let outputs = parse_outputs(text);
        assert_eq!(output(&outputs, "b"), Some("line one\nline two"));
        assert_eq!(output(&outputs, "a"), Some("2"));
        assert_eq!(output(&outputs, "c"), None);
    }

    #[test]
    fn a_value_cannot_end_its_block_early_without_the_delimiter() {
        let outputs = parse_outputs("x<<D1\nEOF\ny=injected\nD1\n");
        assert_eq!(output(&outputs, "x"), Some("EOF\ny=injected"));
        assert_eq!(output(&outputs, "y"), None);
    }
}
