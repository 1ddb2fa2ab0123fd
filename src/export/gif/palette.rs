//! The GIF's one global palette, chosen apart from the encoding: every colour drawn
//! when they fit in 255, else every cell colour plus the most used others, else a
//! median cut weighted by use; never dithered, the same for the same frames. Then each
//! pixel's index: exact, else the nearest colour.

use std::collections::HashMap;

use crate::export::grid::Srgb;
use crate::export::raster::Canvas;

/// The colours of a picture with how many pixels have each, in a fixed order.
pub(super) fn count_colors(canvas: &Canvas) -> Vec<(Srgb, u64)> {
    let mut counts: HashMap<Srgb, u64> = HashMap::new();
    for p in canvas.pixels.chunks_exact(3) {
        *counts.entry(Srgb(p[0], p[1], p[2])).or_insert(0) += 1;
    }
    let mut v: Vec<(Srgb, u64)> = counts.into_iter().collect();
    v.sort_unstable();
    v
}

/// Colours in the palette; the 256th index is the transparent one.
pub(super) const PALETTE_COLORS: usize = 255;

/// Picks at most `max` colours, deterministically:
/// all of them if they fit; else every cell colour plus the most used others; else
/// (more cell colours than `max`) a median cut weighted by use.
pub(super) fn choose_palette(
    histogram: &HashMap<Srgb, u64>,
    keys: &[Srgb],
    max: usize,
) -> Vec<Srgb> {
    let mut all: Vec<(Srgb, u64)> = histogram.iter().map(|(&c, &n)| (c, n)).collect();
    all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if all.len() <= max {
        let mut p: Vec<Srgb> = all.into_iter().map(|(c, _)| c).collect();
        p.sort_unstable();
        return p;
    }
    if keys.len() <= max {
        let mut p: Vec<Srgb> = keys.to_vec();
        for (c, _) in &all {
            if p.len() == max {
                break;
            }
            if keys.binary_search(c).is_err() {
                p.push(*c);
            }
        }
        p.sort_unstable();
        return p;
    }
    median_cut(all, max)
}

fn median_cut(colors: Vec<(Srgb, u64)>, target: usize) -> Vec<Srgb> {
    let channel = |c: Srgb, k: usize| match k {
        0 => c.0,
        1 => c.1,
        _ => c.2,
    };
    let spread = |b: &[(Srgb, u64)]| -> (u8, usize) {
        (0..3)
            .map(|k| {
                let lo = b.iter().map(|e| channel(e.0, k)).min().unwrap_or(0);
                let hi = b.iter().map(|e| channel(e.0, k)).max().unwrap_or(0);
                (hi - lo, k)
            })
            .max_by_key(|&(r, k)| (r, usize::MAX - k))
            .unwrap_or((0, 0))
    };
    let mut boxes: Vec<Vec<(Srgb, u64)>> = vec![colors];
    while boxes.len() < target {
        // Split the box with the widest channel range (first such box on ties).
        let Some((i, (range, k))) = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() > 1)
            .map(|(i, b)| (i, spread(b)))
            .max_by_key(|&(i, (r, _))| (r, usize::MAX - i))
        else {
            break;
        };
        if range == 0 {
            break;
        }
        let mut b = boxes.swap_remove(i);
        b.sort_unstable_by_key(|e| (channel(e.0, k), e.0));
        let total: u64 = b.iter().map(|e| e.1).sum();
        let mut acc = 0;
        let mut cut = 1;
        for (j, e) in b.iter().enumerate() {
            acc += e.1;
            if acc * 2 >= total {
                cut = (j + 1).clamp(1, b.len() - 1);
                break;
            }
        }
        let rest = b.split_off(cut);
        boxes.push(b);
        boxes.push(rest);
    }
    let mut palette: Vec<Srgb> = boxes
        .iter()
        .map(|b| {
            let n: u64 = b.iter().map(|e| e.1).sum::<u64>().max(1);
            let avg = |k| {
                (b.iter()
                    .map(|e| u64::from(channel(e.0, k)) * e.1)
                    .sum::<u64>()
                    / n) as u8
            };
            Srgb(avg(0), avg(1), avg(2))
        })
        .collect();
    palette.sort_unstable();
    palette.dedup();
    palette
}

/// Maps colours to their palette index (exact, else the nearest; ties to the lower index).
pub(super) struct Mapper<'a> {
    palette: &'a [Srgb],
    cache: HashMap<Srgb, u8>,
}

impl<'a> Mapper<'a> {
    pub(super) fn new(palette: &'a [Srgb]) -> Mapper<'a> {
        let cache = palette
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u8))
            .collect();
        Mapper { palette, cache }
    }

    fn nearest(&self, c: Srgb) -> u8 {
        let d = |p: &Srgb| {
            let dr = i32::from(p.0) - i32::from(c.0);
            let dg = i32::from(p.1) - i32::from(c.1);
            let db = i32::from(p.2) - i32::from(c.2);
            dr * dr + dg * dg + db * db
        };
        self.palette
            .iter()
            .enumerate()
            .min_by_key(|&(i, p)| (d(p), i))
            .map_or(0, |(i, _)| i as u8)
    }

    pub(super) fn index(&mut self, canvas: &Canvas) -> Vec<u8> {
        canvas
            .pixels
            .chunks_exact(3)
            .map(|p| {
                let c = Srgb(p[0], p[1], p[2]);
                match self.cache.get(&c) {
                    Some(&i) => i,
                    None => {
                        let i = self.nearest(c);
                        self.cache.insert(c, i);
                        i
                    }
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_colours_stay_exact_when_the_drawn_colours_do_not_fit() {
        // Four colours for a palette of three: both cell colours kept, then the most
        // used other one.
        let histogram: HashMap<Srgb, u64> = [
            (Srgb(0, 0, 0), 1),
            (Srgb(9, 9, 9), 50),
            (Srgb(200, 0, 0), 40),
            (Srgb(255, 255, 255), 2),
        ]
        .into_iter()
        .collect();
        let keys = [Srgb(0, 0, 0), Srgb(255, 255, 255)];
        let palette = choose_palette(&histogram, &keys, 3);
        assert_eq!(
            palette,
            vec![Srgb(0, 0, 0), Srgb(9, 9, 9), Srgb(255, 255, 255)]
        );
        let mut mapper = Mapper::new(&palette);
        let mut canvas = Canvas::new(2, 1, Srgb(200, 0, 0));
        canvas.fill(1, 0, 1, 1, Srgb(250, 250, 250));
        // (200, 0, 0) is nearest to (9, 9, 9); (250, 250, 250) to white.
        assert_eq!(mapper.index(&canvas), vec![1, 2]);
    }
}
