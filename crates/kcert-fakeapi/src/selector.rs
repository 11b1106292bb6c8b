//! `labelSelector`, parsed the way kube-apiserver's `labels.Parse` reads it: `k=v`, `k==v`,
//! `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    op: Op,
}

/// Split on the commas that are not inside `( )`.
fn terms(text: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn values(list: &str) -> Result<Vec<String>, String> {
    let inner = list
        .trim()
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: expected a list in ( ), found '{list}'")
        })?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

/// Parse a selector; an empty one selects everything.
pub fn parse(text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    for term in terms(text) {
        let req = if let Some(key) = term.strip_prefix('!') {
            Requirement {
                key: key.trim().into(),
                op: Op::Absent,
            }
        } else if let Some((k, v)) = term.split_once("!=") {
            Requirement {
                key: k.trim().into(),
                op: Op::NotIn(vec![v.trim().into()]),
            }
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            Requirement {
                key: k.trim().into(),
                op: Op::In(vec![v.trim().into()]),
            }
        } else if let Some((k, list)) = term.split_once(" notin ") {
            Requirement {
                key: k.trim().into(),
                op: Op::NotIn(values(list)?),
            }
        } else if let Some((k, list)) = term.split_once(" in ") {
            Requirement {
                key: k.trim().into(),
                op: Op::In(values(list)?),
            }
        } else if term
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            Requirement {
                key: term.into(),
                op: Op::Exists,
            }
        } else {
            return Err(format!("unable to parse requirement: found '{term}'"));
        };
        out.push(req);
    }
    Ok(out)
}

/// Whether `object`'s labels satisfy every requirement.
pub fn matches(reqs: &[Requirement], object: &Value) -> bool {
    let labels = &object["metadata"]["labels"];
    reqs.iter().all(|r| {
        let v = labels[&r.key].as_str();
        match &r.op {
            Op::In(vs) => v.is_some_and(|v| vs.iter().any(|x| x == v)),
            Op::NotIn(vs) => v.is_none_or(|v| !vs.iter().any(|x| x == v)),
            Op::Exists => v.is_some(),
            Op::Absent => v.is_none(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_select_as_kubectl_means_them() {
        let pod =
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "kcert", "tier": "node"}}});
        let yes = |s: &str| matches(&parse(s).unwrap(), &pod);
        assert!(yes(""));
        assert!(yes("app.kubernetes.io/name=kcert"));
        assert!(yes("app.kubernetes.io/name==kcert,tier"));
        assert!(!yes("app.kubernetes.io/name!=kcert"));
        assert!(yes("tier in (node, cp)"));
        assert!(!yes("tier notin (node)"));
        assert!(yes("!missing"));
        assert!(!yes("missing"));
        assert!(parse("a in b").is_err());
    }
}
