//! Finds the line of a document location in YAML text by following keys and `- ` items
//! through the indentation, so messages can point at `file:line` without a position-aware
//! parser. Works on block and flow style; falls back to the deepest ancestor it finds.

/// The 1-based line of `loc` in `text` (or of its deepest locatable ancestor).
pub fn line_of(text: &str, loc: &[String]) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut node = Node::ROOT;
    for seg in loc {
        let next = find_key(&lines, &node, seg)
            .or_else(|| seg.parse::<usize>().ok().and_then(|i| find_item(&lines, &node, i)));
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.line.map_or(1, |l| l + 1)
}

/// A located node: the line holding its key (or its `- `), the column that starts it, and
/// where its inline content begins on that line.
#[derive(Clone, Copy)]
struct Node {
    line: Option<usize>,
    col: isize,
    inline: Option<usize>,
    /// A `- ` item, whose first key sits on its own line.
    item: bool,
}

impl Node {
    const ROOT: Node = Node {
        line: None,
        col: -1,
        inline: None,
        item: false,
    };

    fn at(line: usize, col: usize, inline: Option<usize>, item: bool) -> Node {
        Node {
            line: Some(line),
            col: col as isize,
            inline,
            item,
        }
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The spellings a key may have in YAML.
fn key_tokens(key: &str) -> [String; 3] {
    [
        format!("{key}:"),
        format!("'{}':", key.replace('\'', "''")),
        format!("{}:", serde_json::Value::String(key.to_string())),
    ]
}

/// If `content` starts with `key:`, the offset just after the colon.
fn match_key(content: &str, key: &str) -> Option<usize> {
    key_tokens(key).into_iter().find_map(|tok| {
        let rest = content.strip_prefix(tok.as_str())?;
        (rest.is_empty() || rest.starts_with(' ')).then_some(tok.len())
    })
}

/// The offset of the first non-space character at or after `from`.
fn skip_spaces(line: &str, from: usize) -> usize {
    from + line[from..].len() - line[from..].trim_start().len()
}

fn find_key(lines: &[&str], node: &Node, key: &str) -> Option<Node> {
    if let (Some(l), Some(off)) = (node.line, node.inline) {
        let content = &lines[l][off..];
        if content.starts_with('{') {
            // A flow mapping: the key sits on the same line.
            return key_tokens(key)
                .iter()
                .any(|t| content.contains(&format!("{{{t}")) || content.contains(&format!(" {t}")))
                .then_some(Node::at(l, off, None, false));
        }
        if node.item
            && let Some(after) = match_key(content, key)
        {
            let start = skip_spaces(lines[l], off + after);
            return Some(Node::at(l, off, Some(start), false));
        }
    }
    let start = node.line.map_or(0, |l| l + 1);
    let mut child_col = None;
    for (j, line) in lines.iter().enumerate().skip(start) {
        if is_blank(line) {
            continue;
        }
        let ind = indent(line);
        if ind as isize <= node.col {
            break;
        }
        let col = *child_col.get_or_insert(ind);
        if ind != col {
            continue;
        }
        if let Some(after) = match_key(&line[ind..], key) {
            let start = skip_spaces(line, ind + after);
            return Some(Node::at(j, ind, Some(start), false));
        }
    }
    None
}

fn find_item(lines: &[&str], node: &Node, index: usize) -> Option<Node> {
    if let (Some(l), Some(off)) = (node.line, node.inline)
        && lines[l][off..].starts_with('[')
    {
        return Some(Node::at(l, off, None, false));
    }
    let start = node.line.map_or(0, |l| l + 1);
    let mut dash_col = None;
    let mut seen = 0;
    for (j, line) in lines.iter().enumerate().skip(start) {
        if is_blank(line) {
            continue;
        }
        let ind = indent(line);
        let is_item = line[ind..].starts_with("- ") || &line[ind..] == "-";
        // Sequences may sit at the parent key's own column (`key:\n- a`).
        if (ind as isize) < node.col || (ind as isize == node.col && !is_item) {
            break;
        }
        let col = *dash_col.get_or_insert(ind);
        if ind != col || !is_item {
            continue;
        }
        if seen == index {
            let inline = skip_spaces(line, ind + 1);
            return Some(Node::at(j, ind, Some(inline), true));
        }
        seen += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::line_of;

    fn loc(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    const TEXT: &str = "\
a:
  b:
    - x: 1
      y: 2
    - {x: 3, z: 4}
  c: [1, 2]
d:
- name: n
  e: f
responses:
  '200': {$ref: '#/r'}
";

    #[test]
    fn finds_keys_items_and_flow() {
        assert_eq!(line_of(TEXT, &loc(&["a", "b", "0", "y"])), 4);
        assert_eq!(line_of(TEXT, &loc(&["a", "b", "1", "z"])), 5);
        assert_eq!(line_of(TEXT, &loc(&["a", "c", "1"])), 6);
        assert_eq!(line_of(TEXT, &loc(&["d", "0", "e"])), 9);
        assert_eq!(line_of(TEXT, &loc(&["responses", "200", "$ref"])), 11);
        // Missing leaf: the deepest ancestor found.
        assert_eq!(line_of(TEXT, &loc(&["a", "b", "0", "missing"])), 3);
    }
}
