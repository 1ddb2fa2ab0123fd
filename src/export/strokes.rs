//! Paints the exact shapes of block elements, box drawing and Braille
//! ([`super::shapes`]) into a canvas: rectangles filled, arcs and lines stroked with
//! antialiased edges.

use super::canvas::Canvas;
use super::grid::Srgb;
use super::shapes::Shape;

/// Paints `shape` with its cell's top-left corner at (ox, oy).
pub fn draw_shape(canvas: &mut Canvas, ox: u32, oy: u32, shape: &Shape, fg: Srgb) {
    match *shape {
        Shape::Rect {
            x,
            y,
            w,
            h,
            alpha: 255,
        } => canvas.fill(ox + x, oy + y, w, h, fg),
        Shape::Rect { x, y, w, h, alpha } => {
            for yy in oy + y..oy + y + h {
                for xx in ox + x..ox + x + w {
                    canvas.blend(xx, yy, fg, alpha);
                }
            }
        }
        Shape::Arc {
            cx,
            cy,
            r,
            width,
            start,
        } => {
            // The quarter's bounding box, from the circle centre towards `start`+45°.
            let (sx, sy) = match start {
                0 => (1.0, 1.0),
                90 => (-1.0, 1.0),
                180 => (-1.0, -1.0),
                _ => (1.0, -1.0),
            };
            let reach = r + width;
            let (xa, xb) = sorted(cx, cx + sx * reach);
            let (ya, yb) = sorted(cy, cy + sy * reach);
            stroke_region(
                canvas,
                ox,
                oy,
                (xa, ya, xb, yb),
                |px, py| {
                    let (dx, dy) = (px - cx, py - cy);
                    if dx * sx < 0.0 || dy * sy < 0.0 {
                        return 0.0;
                    }
                    let d = (dx * dx + dy * dy).sqrt();
                    width / 2.0 + 0.5 - (d - r).abs()
                },
                fg,
            );
        }
        Shape::Line {
            x0,
            y0,
            x1,
            y1,
            width,
        } => {
            let (xa, xb) = sorted(x0, x1);
            let (ya, yb) = sorted(y0, y1);
            stroke_region(
                canvas,
                ox,
                oy,
                (xa, ya, xb, yb),
                |px, py| width / 2.0 + 0.5 - segment_distance((px, py), (x0, y0), (x1, y1)),
                fg,
            );
        }
    }
}

fn sorted(a: f32, b: f32) -> (f32, f32) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Paints the pixels of a cell-relative box with coverage `f(pixel centre)` (clamped).
fn stroke_region(
    canvas: &mut Canvas,
    ox: u32,
    oy: u32,
    (xa, ya, xb, yb): (f32, f32, f32, f32),
    f: impl Fn(f32, f32) -> f32,
    fg: Srgb,
) {
    let x_start = xa.floor().max(0.0) as u32;
    let y_start = ya.floor().max(0.0) as u32;
    for y in y_start..yb.ceil().max(0.0) as u32 {
        for x in x_start..xb.ceil().max(0.0) as u32 {
            let c = f(x as f32 + 0.5, y as f32 + 0.5).clamp(0.0, 1.0);
            canvas.blend(ox + x, oy + y, fg, (c * 255.0).round() as u8);
        }
    }
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let len2 = abx * abx + aby * aby;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a.0 + t * abx - p.0, a.1 + t * aby - p.1);
    (qx * qx + qy * qy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagonal_is_inked_along_its_length_only() {
        let mut c = Canvas::new(10, 10, Srgb(0, 0, 0));
        let line = Shape::Line {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
            width: 2.0,
        };
        draw_shape(&mut c, 0, 0, &line, Srgb(255, 255, 255));
        // On the line, fully; one pixel off, partly; far off, not at all.
        assert_eq!(c.get(4, 4), Srgb(255, 255, 255));
        let near = c.get(5, 4);
        assert!(near.0 > 0 && near.0 < 255, "{near:?}");
        assert_eq!(c.get(8, 1), Srgb(0, 0, 0));
    }
}
