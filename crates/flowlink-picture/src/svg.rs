//! Drawing a [`Layout`](crate::layout::Layout) as SVG text: boxes with a title and a
//! subtitle, polyline edges with arrowheads and labels, back edges as arcs. Styling is by
//! class only (the console's style sheet), so the picture needs no inline style and works
//! under a Content-Security-Policy without `unsafe-inline`.

use std::fmt::Write as _;

use crate::layout::{Layout, BACK_ROOM, NODE_H, NODE_W};

/// Escapes text for SVG/HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML text at all.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters with an ellipsis (the full text goes in the box's tooltip).
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One box to draw.
#[derive(Debug, Clone)]
pub struct BoxSpec {
    /// Goes to `data-node` (the simulator highlights by it).
    pub key: String,
    pub title: String,
    pub subtitle: String,
    /// Extra CSS classes (kind of node, state).
    pub class: String,
    /// Where a click goes, if anywhere.
    pub href: Option<String>,
}

/// One edge to draw.
#[derive(Debug, Clone)]
pub struct EdgeSpec {
    pub label: String,
    pub class: String,
}

/// Characters of a box title that fit its width at the style sheet's font size.
const TITLE_CHARS: usize = 23;
const SUBTITLE_CHARS: usize = 31;

/// A cheap, deterministic fingerprint of a picture (FNV-1a over its keys and size), to name
/// its marker.
fn fingerprint(boxes: &[BoxSpec], layout: &Layout) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for b in boxes {
        eat(b.key.as_bytes());
        eat(b"\0");
    }
    eat(&layout.width.to_bits().to_le_bytes());
    eat(&layout.height.to_bits().to_le_bytes());
    h
}

/// The SVG document of a laid-out graph. `boxes` and `edges` are in the order the layout
/// got them.
pub fn draw(layout: &Layout, boxes: &[BoxSpec], edges: &[EdgeSpec], class: &str) -> String {
    let mut s = String::with_capacity(512 + boxes.len() * 400 + edges.len() * 200);
    // Marker ids are document-wide: each picture names its own, or a page with several
    // pictures (one hidden) would point every arrow at the hidden picture's marker.
    let marker = format!("arrow-{:x}", fingerprint(boxes, layout));
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="picture {cls}" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img">"#,
        cls = escape(class),
        w = layout.width,
        h = layout.height,
    );
    let _ = write!(
        s,
        r#"<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>"#
    );
    s.push_str(r#"<g class="edges">"#);
    for (route, spec) in layout.edges.iter().zip(edges) {
        let cls = format!("edge {}", spec.class);
        let label_at = if route.back {
            // An arc below both boxes, from the source's bottom to the target's bottom: the
            // way back stays out of the forward edges' way.
            let (ax, ay) = route.points[0];
            let (bx, by) = route.points[route.points.len() - 1];
            let dip = 16.0 + ((ax - bx).abs() / 6.0).min(BACK_ROOM - 16.0);
            let low = ay.max(by) + dip;
            let _ = write!(
                s,
                r#"<path class="{c} back" d="M{ax:.1},{ay:.1} C{ax:.1},{low:.1} {bx:.1},{low:.1} {bx:.1},{by:.1}" marker-end="url(#{marker})"/>"#,
                c = escape(&cls)
            );
            ((ax + bx) / 2.0, low - dip * 0.25 + 4.0)
        } else {
            let pts: Vec<String> = route
                .points
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = write!(
                s,
                r#"<polyline class="{c}" points="{p}" marker-end="url(#{marker})"/>"#,
                c = escape(&cls),
                p = pts.join(" ")
            );
            // Past the middle of the first segment: the outcomes of one node fan out from
            // one point, so their labels stand apart only towards the targets.
            let (ax, ay) = route.points[0];
            let (bx, by) = route.points[1];
            (ax + (bx - ax) * 0.6, ay + (by - ay) * 0.6 - 4.0)
        };
        if !spec.label.is_empty() {
            let _ = write!(
                s,
                r#"<text class="edge-label" x="{x:.1}" y="{y:.1}" text-anchor="middle">{t}</text>"#,
                x = label_at.0,
                y = label_at.1,
                t = escape(&clip(&spec.label, 14))
            );
        }
    }
    s.push_str("</g><g class=\"nodes\">");
    for (&(x, y), b) in layout.nodes.iter().zip(boxes) {
        if let Some(href) = &b.href {
            let _ = write!(s, r#"<a href="{}">"#, escape(href));
        }
        let _ = write!(
            s,
            r#"<g class="node {c}" data-node="{k}"><title>{full}</title><rect x="{x:.1}" y="{y:.1}" width="{NODE_W}" height="{NODE_H}" rx="6"/><text class="title" x="{tx:.1}" y="{ty:.1}">{t}</text><text class="subtitle" x="{tx:.1}" y="{sy:.1}">{sub}</text></g>"#,
            c = escape(&b.class),
            k = escape(&b.key),
            full = escape(&format!("{} ({})", b.title, b.subtitle)),
            tx = x + 8.0,
            ty = y + 19.0,
            sy = y + 36.0,
            t = escape(&clip(&b.title, TITLE_CHARS)),
            sub = escape(&clip(&b.subtitle, SUBTITLE_CHARS)),
        );
        if b.href.is_some() {
            s.push_str("</a>");
        }
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert(1)">&'"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn clip_keeps_short_text_and_marks_cut_text() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdefgh", 5), "abcd…");
    }
}
