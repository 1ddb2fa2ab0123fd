//! The xterm 256-colour palette, both ways and in one place: the RGB an index stands
//! for (what the exports paint for `Color::Indexed`) and the nearest index of an RGB
//! (what the 256-colour mode sends). A leaf: it knows nothing of the rest.

/// An RGB triple, as the palette lists it.
pub type Triple = (u8, u8, u8);

/// xterm's default 16 colours.
pub const BASE: [Triple; 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The six levels of each axis of the 6x6x6 cube (indices 16..=231).
pub const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The grey of step `k` (0..24) of the ramp (indices 232..=255): 8, 18, ..., 238.
fn grey(k: u8) -> u8 {
    8 + 10 * k
}

/// The RGB of palette entry `index`: the 16 base colours, the cube, the grey ramp.
pub fn rgb(index: u8) -> Triple {
    match index {
        0..=15 => BASE[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            (
                LEVELS[usize::from(i / 36)],
                LEVELS[usize::from((i / 6) % 6)],
                LEVELS[usize::from(i % 6)],
            )
        }
        _ => {
            let v = grey(index - 232);
            (v, v, v)
        }
    }
}

/// The nearest entry of the cube or of the grey ramp (never one of the 16 base
/// colours, which terminals theme freely).
pub fn nearest(c: Triple) -> u8 {
    // The cube level nearest to v: below 48 is 0, below 115 is 95, then every 40.
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            ((v as u16 - 35) / 40) as u8
        }
    };
    let (r, g, b) = (level(c.0), level(c.1), level(c.2));
    let cube = (
        LEVELS[usize::from(r)],
        LEVELS[usize::from(g)],
        LEVELS[usize::from(b)],
    );
    let dist = |a: Triple, b: Triple| {
        let d = |x: u8, y: u8| (x as i32 - y as i32).pow(2);
        d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
    };
    let avg = (c.0 as u32 + c.1 as u32 + c.2 as u32) / 3;
    let k = if avg > 238 {
        23
    } else {
        (avg.saturating_sub(3)) / 10
    } as u8;
    let gv = grey(k);
    if dist(c, (gv, gv, gv)) < dist(c, cube) {
        232 + k
    } else {
        16 + 36 * r + 6 * g + b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cube_and_grey_entry_is_its_own_nearest() {
        for index in 16..=255u8 {
            assert_eq!(nearest(rgb(index)), index, "{:?}", rgb(index));
        }
    }

    #[test]
    fn the_ends_of_the_cube_and_the_ramp() {
        assert_eq!(rgb(16), (0, 0, 0));
        assert_eq!(rgb(196), (255, 0, 0));
        assert_eq!(rgb(231), (255, 255, 255));
        assert_eq!(rgb(232), (8, 8, 8));
        assert_eq!(rgb(255), (238, 238, 238));
    }
}
