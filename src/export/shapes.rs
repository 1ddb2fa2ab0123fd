//! Block elements (U+2580..259F), box drawing (U+2500..257F) and Braille (U+2800..28FF)
//! as geometry instead of font glyphs, so that heatmaps and borders tile without seams
//! whatever font the viewer has. SVG and PNG draw the same shapes.
//!
//! Coordinates are in the cell's own pixels: (0, 0) is its top-left corner and a cell is
//! `w` x `h` pixels (SVG uses its user units). Strokes that meet a cell edge span it
//! fully, so neighbouring cells join exactly.

/// One piece of a character, painted in the cell's foreground colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// A rectangle; `alpha` 255 is opaque (the shades ░▒▓ use less).
    Rect {
        x: u32,
        y: u32,
        w: u32,
        h: u32,
        alpha: u8,
    },
    /// A quarter of the circle around (cx, cy) of radius r, stroked `width` wide,
    /// from angle `start` (0 = +x, 90 = +y, i.e. clockwise on screen) to start + 90.
    Arc {
        cx: f32,
        cy: f32,
        r: f32,
        width: f32,
        start: u16,
    },
    /// A straight stroke.
    Line {
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        width: f32,
    },
}

fn rect(x: u32, y: u32, w: u32, h: u32) -> Shape {
    Shape::Rect {
        x,
        y,
        w,
        h,
        alpha: 255,
    }
}

/// The shapes of `ch` in a `w` x `h` cell, or `None` when the font should draw it.
pub fn shapes(ch: char, w: u32, h: u32) -> Option<Vec<Shape>> {
    if w == 0 || h == 0 {
        return None;
    }
    let code = u32::from(ch);
    let shapes = match code {
        0x2500..=0x257f => merge_collinear(box_drawing(code, w, h)),
        0x2580..=0x259f => block(code, w, h),
        0x2801..=0x28ff => braille(code - 0x2800, w, h),
        _ => return None,
    };
    Some(shapes.into_iter().filter_map(|s| clip(s, w, h)).collect())
}

/// Keeps a rectangle inside the cell (tiny cells could not hold a heavy stroke).
fn clip(shape: Shape, cw: u32, ch: u32) -> Option<Shape> {
    match shape {
        Shape::Rect { x, y, w, h, alpha } => {
            let (x1, y1) = ((x + w).min(cw), (y + h).min(ch));
            (x < x1 && y < y1).then(|| Shape::Rect {
                x,
                y,
                w: x1 - x,
                h: y1 - y,
                alpha,
            })
        }
        other => Some(other),
    }
}

/// Joins rectangles of one stroke: the two arms of `─` become one bar.
fn merge_collinear(mut shapes: Vec<Shape>) -> Vec<Shape> {
    let mut i = 0;
    while i < shapes.len() {
        let mut merged = false;
        for j in i + 1..shapes.len() {
            if let (
                Shape::Rect { x, y, w, h, alpha },
                Shape::Rect {
                    x: x2,
                    y: y2,
                    w: w2,
                    h: h2,
                    alpha: a2,
                },
            ) = (shapes[i], shapes[j])
            {
                let joined = if alpha != a2 {
                    None
                } else if y == y2 && h == h2 && x <= x2 + w2 && x2 <= x + w {
                    let x0 = x.min(x2);
                    Some(Shape::Rect {
                        x: x0,
                        y,
                        w: (x + w).max(x2 + w2) - x0,
                        h,
                        alpha,
                    })
                } else if x == x2 && w == w2 && y <= y2 + h2 && y2 <= y + h {
                    let y0 = y.min(y2);
                    Some(Shape::Rect {
                        x,
                        y: y0,
                        w,
                        h: (y + h).max(y2 + h2) - y0,
                        alpha,
                    })
                } else {
                    None
                };
                if let Some(r) = joined {
                    shapes[i] = r;
                    shapes.remove(j);
                    merged = true;
                    break;
                }
            }
        }
        if !merged {
            i += 1;
        }
    }
    shapes
}

/// Stroke weights of the four arms of a box-drawing character.
const NONE: u8 = 0;
const LIGHT: u8 = 1;
const HEAVY: u8 = 2;
const DOUBLE: u8 = 3;

/// Arms up, right, down, left of U+2500..U+257F (0 none, 1 light, 2 heavy, 3 double);
/// the arcs and diagonals (U+256D..2573) are drawn apart.
const ARMS: [&str; 128] = [
    "0101", "0202", "1010", "2020", "0101", "0202", "1010", "2020", // 2500
    "0101", "0202", "1010", "2020", "0110", "0210", "0120", "0220", // 2508
    "0011", "0012", "0021", "0022", "1100", "1200", "2100", "2200", // 2510
    "1001", "1002", "2001", "2002", "1110", "1210", "2110", "1120", // 2518
    "2120", "2210", "1220", "2220", "1011", "1012", "2011", "1021", // 2520
    "2021", "2012", "1022", "2022", "0111", "0112", "0211", "0212", // 2528
    "0121", "0122", "0221", "0222", "1101", "1102", "1201", "1202", // 2530
    "2101", "2102", "2201", "2202", "1111", "1112", "1211", "1212", // 2538
    "2111", "1121", "2121", "2112", "2211", "1122", "1221", "2212", // 2540
    "1222", "2122", "2221", "2222", "0101", "0202", "1010", "2020", // 2548
    "0303", "3030", "0310", "0130", "0330", "0013", "0031", "0033", // 2550
    "1300", "3100", "3300", "1003", "3001", "3003", "1310", "3130", // 2558
    "3330", "1013", "3031", "3033", "0313", "0131", "0333", "1303", // 2560
    "3101", "3303", "1313", "3131", "3333", "0110", "0011", "1001", // 2568
    "1100", "0000", "0000", "0000", "0001", "1000", "0100", "0010", // 2570
    "0002", "2000", "0200", "0020", "0201", "1020", "0102", "2010", // 2578
];

/// How many dashes a dashed line has per cell (0: solid).
fn dashes(code: u32) -> u32 {
    match code {
        0x2504..=0x2507 => 3,
        0x2508..=0x250b => 4,
        0x254c..=0x254f => 2,
        _ => 0,
    }
}

struct Metrics {
    w: u32,
    h: u32,
    light: u32,
}

impl Metrics {
    /// Heavy is three light strokes wide at every scale, so a 2x picture is the 1x one
    /// enlarged.
    fn thickness(&self, weight: u8) -> u32 {
        match weight {
            HEAVY => 3 * self.light,
            _ => self.light,
        }
    }
    /// Start of a stroke `t` thick centred across `extent`.
    fn centred(extent: u32, t: u32) -> u32 {
        extent.saturating_sub(t) / 2
    }
}

fn box_drawing(code: u32, w: u32, h: u32) -> Vec<Shape> {
    let m = Metrics {
        w,
        h,
        light: (w / 9).max(1),
    };
    match code {
        0x256d..=0x2570 => return arc(code, &m),
        0x2571..=0x2573 => return diagonals(code, &m),
        _ => {}
    }
    let arms: Vec<u8> = ARMS[(code - 0x2500) as usize]
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let (up, right, down, left) = (arms[0], arms[1], arms[2], arms[3]);
    let n = dashes(code);
    if n > 0 {
        return dashed(n, up != NONE, m.thickness(up.max(right)), &m);
    }
    let l = m.light;
    // The double strokes sit at a and b (each `l` thick, one `l` apart).
    let ax = Metrics::centred(w, 3 * l);
    let bx = ax + 2 * l;
    let ay = Metrics::centred(h, 3 * l);
    let by = ay + 2 * l;
    let tv = m.thickness(up).max(m.thickness(down));
    let th = m.thickness(left).max(m.thickness(right));
    // The extent across the vertical arms (x) and across the horizontal arms (y).
    let (xl, xr) = if up == DOUBLE || down == DOUBLE {
        (ax, bx + l)
    } else if up != NONE || down != NONE {
        let x = Metrics::centred(w, tv);
        (x, x + tv)
    } else {
        let x = Metrics::centred(w, th);
        (x, x + th)
    };
    let (yl, yr) = if left == DOUBLE || right == DOUBLE {
        (ay, by + l)
    } else if left != NONE || right != NONE {
        let y = Metrics::centred(h, th);
        (y, y + th)
    } else {
        let y = Metrics::centred(h, tv);
        (y, y + tv)
    };
    let mut out = Vec::new();
    let hspan = |out: &mut Vec<Shape>, y: u32, t: u32, x0: u32, x1: u32| {
        if x1 > x0 {
            out.push(rect(x0, y, x1 - x0, t));
        }
    };
    // Single (light or heavy) arms run from the edge across the junction.
    for (weight, from_start) in [(left, true), (right, false)] {
        if weight == LIGHT || weight == HEAVY {
            let t = m.thickness(weight);
            let y = Metrics::centred(h, t);
            if from_start {
                hspan(&mut out, y, t, 0, xr);
            } else {
                hspan(&mut out, y, t, xl, w);
            }
        }
    }
    for (weight, from_start) in [(up, true), (down, false)] {
        if weight == LIGHT || weight == HEAVY {
            let t = m.thickness(weight);
            let x = Metrics::centred(w, t);
            let (y0, y1) = if from_start { (0, yr) } else { (yl, h) };
            if y1 > y0 {
                out.push(rect(x, y0, t, y1 - y0));
            }
        }
    }
    // Double arms: two strokes each, broken where a double arm crosses them.
    if left == DOUBLE || right == DOUBLE {
        for (y, breaker) in [(ay, up), (by, down)] {
            if breaker == DOUBLE {
                if left == DOUBLE {
                    hspan(&mut out, y, l, 0, ax + l);
                }
                if right == DOUBLE {
                    hspan(&mut out, y, l, bx, w);
                }
            } else {
                let x0 = if left == DOUBLE { 0 } else { xl };
                let x1 = if right == DOUBLE { w } else { xr };
                hspan(&mut out, y, l, x0, x1);
            }
        }
    }
    if up == DOUBLE || down == DOUBLE {
        for (x, breaker) in [(ax, left), (bx, right)] {
            let mut vspan = |y0: u32, y1: u32| {
                if y1 > y0 {
                    out.push(rect(x, y0, l, y1 - y0));
                }
            };
            if breaker == DOUBLE {
                if up == DOUBLE {
                    vspan(0, ay + l);
                }
                if down == DOUBLE {
                    vspan(by, h);
                }
            } else {
                let y0 = if up == DOUBLE { 0 } else { yl };
                let y1 = if down == DOUBLE { h } else { yr };
                vspan(y0, y1);
            }
        }
    }
    out
}

fn dashed(n: u32, vertical: bool, t: u32, m: &Metrics) -> Vec<Shape> {
    let along = if vertical { m.h } else { m.w };
    let across = if vertical { m.w } else { m.h };
    let offset = Metrics::centred(across, t);
    (0..n)
        .map(|i| {
            let start = i * along / n;
            let end = (i + 1) * along / n;
            let len = ((end - start) * 2).div_ceil(3).max(1);
            if vertical {
                rect(offset, start, t, len)
            } else {
                rect(start, offset, len, t)
            }
        })
        .collect()
}

/// ╭ ╮ ╯ ╰: a quarter circle joining the middle of one edge to the middle of the
/// next, and a straight piece where the cell is taller than wide.
fn arc(code: u32, m: &Metrics) -> Vec<Shape> {
    let t = m.light;
    let x = Metrics::centred(m.w, t);
    let y = Metrics::centred(m.h, t);
    let cx = x as f32 + t as f32 / 2.0;
    let cy = y as f32 + t as f32 / 2.0;
    let r = cx.min(m.w as f32 - cx).min(cy).min(m.h as f32 - cy);
    let width = t as f32;
    // (circle centre, start angle, whether the vertical piece goes down)
    let (ccx, ccy, start, down) = match code {
        0x256d => (cx + r, cy + r, 180, true), // ╭ down and right
        0x256e => (cx - r, cy + r, 270, true), // ╮ down and left
        0x256f => (cx - r, cy - r, 0, false),  // ╯ up and left
        _ => (cx + r, cy - r, 90, false),      // ╰ up and right
    };
    let mut out = vec![Shape::Arc {
        cx: ccx,
        cy: ccy,
        r,
        width,
        start,
    }];
    if down {
        let y0 = (cy + r).floor() as u32;
        if m.h > y0 {
            out.push(rect(x, y0, t, m.h - y0));
        }
    } else {
        let y1 = (cy - r).ceil() as u32;
        if y1 > 0 {
            out.push(rect(x, 0, t, y1));
        }
    }
    out
}

fn diagonals(code: u32, m: &Metrics) -> Vec<Shape> {
    let (w, h) = (m.w as f32, m.h as f32);
    let width = m.light as f32;
    let rising = Shape::Line {
        x0: w,
        y0: 0.0,
        x1: 0.0,
        y1: h,
        width,
    };
    let falling = Shape::Line {
        x0: 0.0,
        y0: 0.0,
        x1: w,
        y1: h,
        width,
    };
    match code {
        0x2571 => vec![rising],
        0x2572 => vec![falling],
        _ => vec![rising, falling],
    }
}

fn block(code: u32, w: u32, h: u32) -> Vec<Shape> {
    let eighth_h = |n: u32| (n * h + 4) / 8;
    let eighth_w = |n: u32| (n * w + 4) / 8;
    let (hw, hh) = (w / 2, h / 2);
    // Quadrants: upper-left, upper-right, lower-left, lower-right.
    let quads = |ul: bool, ur: bool, ll: bool, lr: bool| -> Vec<Shape> {
        let mut out = Vec::new();
        if ul {
            out.push(rect(0, 0, hw, hh));
        }
        if ur {
            out.push(rect(hw, 0, w - hw, hh));
        }
        if ll {
            out.push(rect(0, hh, hw, h - hh));
        }
        if lr {
            out.push(rect(hw, hh, w - hw, h - hh));
        }
        out
    };
    let shade = |alpha: u8| {
        vec![Shape::Rect {
            x: 0,
            y: 0,
            w,
            h,
            alpha,
        }]
    };
    match code {
        0x2580 => vec![rect(0, 0, w, hh)],
        0x2581..=0x2588 => {
            let n = eighth_h(code - 0x2580);
            vec![rect(0, h - n, w, n)]
        }
        0x2589..=0x258f => vec![rect(0, 0, eighth_w(8 - (code - 0x2588)), h)],
        0x2590 => vec![rect(hw, 0, w - hw, h)],
        0x2591 => shade(64),
        0x2592 => shade(128),
        0x2593 => shade(191),
        0x2594 => vec![rect(0, 0, w, eighth_h(1))],
        0x2595 => {
            let n = eighth_w(1);
            vec![rect(w - n, 0, n, h)]
        }
        0x2596 => quads(false, false, true, false),
        0x2597 => quads(false, false, false, true),
        0x2598 => quads(true, false, false, false),
        0x2599 => quads(true, false, true, true),
        0x259a => quads(true, false, false, true),
        0x259b => quads(true, true, true, false),
        0x259c => quads(true, true, false, true),
        0x259d => quads(false, true, false, false),
        0x259e => quads(false, true, true, false),
        _ => quads(false, true, true, true),
    }
}

/// Braille: dot bits 0..7 are (col, row) (0,0) (0,1) (0,2) (1,0) (1,1) (1,2) (0,3) (1,3).
fn braille(bits: u32, w: u32, h: u32) -> Vec<Shape> {
    const DOTS: [(u32, u32); 8] = [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (0, 3),
        (1, 3),
    ];
    let size = (w / 4).max(1);
    DOTS.iter()
        .enumerate()
        .filter(|(bit, _)| bits & (1 << bit) != 0)
        .map(|(_, &(col, row))| {
            let cx = w * (2 * col + 1) / 4;
            let cy = h * (2 * row + 1) / 8;
            rect(
                cx.saturating_sub(size / 2),
                cy.saturating_sub(size / 2),
                size,
                size,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rects(ch: char, w: u32, h: u32) -> Vec<(u32, u32, u32, u32)> {
        shapes(ch, w, h)
            .unwrap()
            .into_iter()
            .map(|s| match s {
                Shape::Rect { x, y, w, h, .. } => (x, y, w, h),
                other => panic!("not a rect: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn half_blocks_split_the_cell_exactly() {
        assert_eq!(rects('▀', 9, 18), vec![(0, 0, 9, 9)]);
        assert_eq!(rects('▄', 9, 18), vec![(0, 9, 9, 9)]);
        assert_eq!(rects('█', 9, 18), vec![(0, 0, 9, 18)]);
        assert_eq!(rects('▌', 9, 18), vec![(0, 0, 5, 18)]);
        assert_eq!(rects('▐', 9, 18), vec![(4, 0, 5, 18)]);
    }

    #[test]
    fn lines_span_the_whole_cell_so_neighbours_join() {
        assert_eq!(rects('─', 9, 18), vec![(0, 8, 9, 1)]);
        assert_eq!(rects('│', 9, 18), vec![(4, 0, 1, 18)]);
        assert_eq!(rects('━', 18, 36), vec![(0, 15, 18, 6)]);
        // A corner: right arm from the vertical stroke to the edge, down arm from the
        // horizontal stroke to the bottom.
        assert_eq!(rects('┌', 9, 18), vec![(4, 8, 5, 1), (4, 8, 1, 10)]);
    }

    #[test]
    fn double_corner_nests_two_strokes() {
        let got = rects('╔', 9, 18);
        // outer: y=7 from x=3 to the right edge and x=3 from y=7 down;
        // inner: y=9 from x=5 and x=5 from y=9.
        assert!(got.contains(&(3, 7, 6, 1)), "{got:?}");
        assert!(got.contains(&(5, 9, 4, 1)), "{got:?}");
        assert!(got.contains(&(3, 7, 1, 11)), "{got:?}");
        assert!(got.contains(&(5, 9, 1, 9)), "{got:?}");
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn every_box_and_block_character_stays_inside_its_cell() {
        for (w, h) in [(9, 18), (18, 36), (1, 2)] {
            for code in 0x2500..=0x28ffu32 {
                let Some(ch) = char::from_u32(code) else {
                    continue;
                };
                for s in shapes(ch, w, h).unwrap_or_default() {
                    if let Shape::Rect {
                        x, y, w: rw, h: rh, ..
                    } = s
                    {
                        assert!(x + rw <= w && y + rh <= h, "{ch} {s:?} in {w}x{h}");
                        assert!(rw > 0 && rh > 0, "{ch} {s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn text_is_left_to_the_font() {
        assert!(shapes('a', 9, 18).is_none());
        assert!(shapes('\u{2800}', 9, 18).is_none());
    }

    #[test]
    fn braille_has_one_rect_per_dot() {
        assert_eq!(rects('⣿', 9, 18).len(), 8);
        assert_eq!(rects('⠁', 9, 18), vec![(1, 1, 2, 2)]);
    }
}
