// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! A small SVG plot of ns per lookup against table size (log scale), ours and the
//! kernel's, written without a plotting library.

use std::fmt::Write as _;

use super::Row;

const W: f64 = 720.0;
const H: f64 = 420.0;
const L: f64 = 70.0;
const B: f64 = 50.0;

/// The series drawn: (operation, which side, colour, label).
const SERIES: [(&str, bool, &str, &str); 6] = [
    (
        "lookup_name",
        false,
        "#c0392b",
        "kernel kallsyms_lookup_name",
    ),
    ("lookup_name", true, "#2980b9", "ours, 4 KiB cache"),
    ("lookup_name_idx2", true, "#16a085", "ours, +2 B/symbol"),
    ("lookup_name_idx8", true, "#8e44ad", "ours, +8 B/symbol"),
    ("lookup_addr", false, "#e67e22", "kernel kallsyms_lookup"),
    ("lookup_addr", true, "#27ae60", "ours, address lookup"),
];

pub fn svg(rows: &[Row]) -> String {
    let pts = |op: &str, ours: bool| -> Vec<(f64, f64)> {
        let mut v: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.op == op && r.table.starts_with("synthetic-"))
            .map(|r| {
                (
                    f64::from(r.symbols),
                    if ours { r.ours_ns } else { r.kernel_ns },
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    let all: Vec<(f64, f64)> = SERIES
        .iter()
        .flat_map(|(op, o, _, _)| pts(op, *o))
        .collect();
    let (xmin, xmax) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let ymax = all.iter().fold(1.0f64, |a, p| a.max(p.1)) * 1.1;
    let (lx0, lx1) = (xmin.max(1.0).log10(), xmax.max(10.0).log10());
    let x = |v: f64| L + (v.max(1.0).log10() - lx0) / (lx1 - lx0).max(1e-9) * (W - L - 20.0);
    let y = |v: f64| H - B - v / ymax * (H - B - 20.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<line x1="{L}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        H - B,
        W - 20.0,
        H - B
    );
    let _ = writeln!(
        s,
        r#"<line x1="{L}" y1="20" x2="{L}" y2="{}" stroke="black"/>"#,
        H - B
    );
    let mut decade = 10f64.powf(lx0.floor());
    while decade <= xmax * 1.01 {
        if decade >= xmin * 0.99 {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x(decade),
                H - B + 18.0,
                decade
            );
        }
        decade *= 10.0;
    }
    for k in 0..=4 {
        let v = ymax / 4.0 * f64::from(k);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{v:.0}</text>"#,
            L - 6.0,
            y(v) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">symbols in table (log scale)</text>"#,
        (W + L) / 2.0,
        H - 12.0
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">ns per lookup</text>"#,
        H / 2.0,
        H / 2.0
    );
    for (i, (op, ours, colour, label)) in SERIES.iter().enumerate() {
        let p = pts(op, *ours);
        if p.is_empty() {
            continue;
        }
        let path: Vec<String> = p
            .iter()
            .map(|(a, b)| format!("{:.1},{:.1}", x(*a), y(*b)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        for (a, b) in &p {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(*a),
                y(*b)
            );
        }
        let ly = 30.0 + 16.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{}" width="12" height="3" fill="{colour}"/><text x="{}" y="{}">{label}</text>"#,
            L + 14.0,
            ly - 4.0,
            L + 32.0,
            ly
        );
    }
    s.push_str("</svg>\n");
    s
}
