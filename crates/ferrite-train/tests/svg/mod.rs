//! A small reader for the SVG the crate writes: the elements of one name, their attributes and text.

#![allow(dead_code)] // each test file uses part of it

/// One element: its attributes and its text (unescaped, trimmed).
#[derive(Debug, Clone)]
pub struct Element {
    pub attrs: Vec<(String, String)>,
    pub text: String,
}

impl Element {
    /// The attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The attribute parsed as a number.
    pub fn num(&self, name: &str) -> f64 {
        self.attr(name)
            .unwrap_or_else(|| panic!("no attribute {name} in {self:?}"))
            .parse()
            .expect("a number")
    }

    /// A polyline's `points`.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let points = self.attr("points").expect("a points attribute");
        points
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect()
    }
}

/// Every `<name ...>` element of `svg`, in document order.
pub fn elements(svg: &str, name: &str) -> Vec<Element> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            continue;
        }
        let (attrs, after, closed) = parse_attrs(rest);
        rest = after;
        let mut text = String::new();
        if !closed {
            let close = format!("</{name}>");
            let end = rest.find(&close).expect("a closing tag");
            text = unescape(rest[..end].trim());
            rest = &rest[end + close.len()..];
        }
        out.push(Element { attrs, text });
    }
    out
}

/// The attributes up to the end of the start tag; returns them, the rest, and whether the tag
/// closed itself (`/>`).
fn parse_attrs(mut s: &str) -> (Vec<(String, String)>, &str, bool) {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(r) = s.strip_prefix("/>") {
            return (attrs, r, true);
        }
        if let Some(r) = s.strip_prefix('>') {
            return (attrs, r, false);
        }
        let eq = s.find('=').expect("an attribute");
        let key = s[..eq].trim().to_string();
        let quoted = &s[eq + 1..];
        let q = quoted.chars().next().expect("a quote");
        let end = quoted[1..].find(q).expect("a closing quote");
        attrs.push((key, unescape(&quoted[1..1 + end])));
        s = &quoted[end + 2..];
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The texts of every `<text>` element.
pub fn texts(svg: &str) -> Vec<String> {
    elements(svg, "text").into_iter().map(|e| e.text).collect()
}

/// A fresh folder under the system's temporary folder for one test's files.
pub fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrite-train-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}
