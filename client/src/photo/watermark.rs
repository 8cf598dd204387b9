//! The evidence stamp: the [`Watermark`] fields, the two embedded fonts that draw them (DejaVu
//! Sans for Latin, Droid Sans Fallback for CJK) and the band burnt into the bottom of a photo.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, InvalidFont, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use serde::{Deserialize, Serialize};

/// DejaVu Sans draws Latin letters, digits and punctuation: times, coordinates and worker
/// numbers. See `assets/fonts/README.md` for its licence.
const LATIN_FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Droid Sans Fallback covers CJK, so grid names, addresses and worker names print in Chinese
/// whatever fonts the phone has. It has no Latin letters, digits or ASCII punctuation, hence
/// the second font. See `assets/fonts/README.md` for its licence.
const CJK_FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf");

/// The evidence stamp. Values arrive formatted for display (local time, coordinates or an
/// address): the pipeline only draws them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub taken_at: String,
    pub grid: String,
    pub place: String,
    pub worker: String,
}

/// Which of the two embedded fonts draws a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Latin,
    Cjk,
}

/// The watermark's fonts: DejaVu Sans first, Droid Sans Fallback for what it lacks.
struct WatermarkFonts {
    latin: FontRef<'static>,
    cjk: FontRef<'static>,
}

/// Drawn for a character neither font has, so the stamp never prints an empty box.
const MISSING: char = '?';
/// Ends a line cut to fit the photo's width; DejaVu Sans has it.
const ELLIPSIS: char = '…';

impl WatermarkFonts {
    /// The fonts, parsed once per process: parsing a 4 MB CJK font for every photo would cost
    /// more than drawing the text. Fails only if an embedded font does not parse.
    fn get() -> Result<&'static Self, InvalidFont> {
        static FONTS: OnceLock<Result<WatermarkFonts, InvalidFont>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                Ok(Self {
                    latin: FontRef::try_from_slice(LATIN_FONT_BYTES)?,
                    cjk: FontRef::try_from_slice(CJK_FONT_BYTES)?,
                })
            })
            .as_ref()
            .map_err(|e| *e)
    }

    fn font(&self, face: Face) -> &FontRef<'static> {
        match face {
            Face::Latin => &self.latin,
            Face::Cjk => &self.cjk,
        }
    }

    /// The face that draws `c`, and what it draws: `c` itself if either font has a glyph for
    /// it (glyph 0 is the font's missing-glyph box), else [`MISSING`].
    fn pick(&self, c: char) -> (Face, char) {
        if self.latin.glyph_id(c).0 != 0 {
            (Face::Latin, c)
        } else if self.cjk.glyph_id(c).0 != 0 {
            (Face::Cjk, c)
        } else {
            (Face::Latin, MISSING)
        }
    }

    /// Splits `text` into runs of characters drawn with the same face.
    fn runs(&self, text: impl IntoIterator<Item = char>) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for c in text {
            let (face, c) = self.pick(c);
            match runs.last_mut() {
                Some(run) if run.face == face => run.text.push(c),
                _ => runs.push(Run {
                    face,
                    text: c.to_string(),
                }),
            }
        }
        runs
    }

    /// Width of a line as [`Self::draw`] lays it out: each run advances by its own width.
    fn width(&self, runs: &[Run], scale: PxScale) -> u32 {
        runs.iter()
            .map(|run| imageproc::drawing::text_size(scale, self.font(run.face), &run.text).0)
            .sum()
    }

    /// How far below the line's top a face's runs start so that all runs share one baseline.
    /// imageproc places text by the top of its ascent, and ascents differ between fonts (by
    /// less than a pixel for these two, but a font swap should not make the line wobble).
    fn top_offset(&self, face: Face, scale: PxScale) -> i32 {
        let ascent = |font: &FontRef<'static>| font.as_scaled(scale).ascent();
        let baseline = ascent(&self.latin).max(ascent(&self.cjk));
        (baseline - ascent(self.font(face))).round() as i32
    }

    /// Draws a line run by run from (`x`, `y`), `y` being the top of the taller ascent.
    fn draw(&self, image: &mut RgbImage, runs: &[Run], x: i32, y: i32, scale: PxScale) {
        let white = Rgb([255, 255, 255]);
        let mut x = x;
        for run in runs {
            let font = self.font(run.face);
            let y = y + self.top_offset(run.face, scale);
            imageproc::drawing::draw_text_mut(image, white, x, y, scale, font, &run.text);
            x += imageproc::drawing::text_size(scale, font, &run.text).0 as i32;
        }
    }

    /// Cuts a line to the available width, ending it with an ellipsis.
    fn fit(&self, line: &str, scale: PxScale, available: u32) -> Vec<Run> {
        let runs = self.runs(line.chars());
        if self.width(&runs, scale) <= available {
            return runs;
        }
        let mut chars: Vec<char> = line.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate = self.runs(chars.iter().copied().chain([ELLIPSIS]));
            if self.width(&candidate, scale) <= available {
                return candidate;
            }
        }
        Vec::new()
    }
}

/// Characters drawn with one font, measured and drawn as a unit so kerning inside it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    face: Face,
    text: String,
}

/// Labels in Chinese: the stamp is read by county staff and by whoever the evidence is shown to.
const WATERMARK_LABELS: [&str; 4] = ["时间", "网格", "位置", "人员"];
/// Longest value drawn; a pasted paragraph must not turn the stamp into a wall of text.
const WATERMARK_MAX_CHARS: usize = 80;

/// Draws the evidence stamp: a darkened band across the bottom with one white line per
/// non-empty field. Text size follows the image width so the stamp looks the same on any photo.
/// Both fonts are drawn at the same pixel scale, where their ascents and descents match.
/// Fails only if an embedded font does not parse; the pipeline reports that as
/// `PhotoError::Encode`.
pub(super) fn draw_watermark(
    image: &mut RgbImage,
    watermark: &Watermark,
) -> Result<(), InvalidFont> {
    let fonts = WatermarkFonts::get()?;
    let values = [
        &watermark.taken_at,
        &watermark.grid,
        &watermark.place,
        &watermark.worker,
    ];
    let lines: Vec<String> = WATERMARK_LABELS
        .iter()
        .zip(values)
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(label, value)| {
            let value: String = value.trim().chars().take(WATERMARK_MAX_CHARS).collect();
            format!("{label}：{value}")
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }

    let (width, height) = image.dimensions();
    let base_px = (width as f32 / 48.0).max(12.0);
    let margin = (base_px * 0.6).round() as u32;
    let available = width.saturating_sub(2 * margin).max(1);

    // Shrink the whole stamp (to 60% at most) when a line is too wide, then cut what still is.
    let widest = lines
        .iter()
        .map(|line| fonts.width(&fonts.runs(line.chars()), PxScale::from(base_px)))
        .max()
        .unwrap_or(0);
    let px = if widest > available {
        (base_px * available as f32 / widest as f32).max(base_px * 0.6)
    } else {
        base_px
    };
    let scale = PxScale::from(px);
    let lines: Vec<Vec<Run>> = lines
        .iter()
        .map(|line| fonts.fit(line, scale, available))
        .collect();

    let line_height = (px * 1.3).ceil() as u32;
    let padding = (px * 0.5).round() as u32;
    let band_height = (lines.len() as u32 * line_height + 2 * padding).min(height);
    let top = height - band_height;

    // Black at 60% opacity: white text stays readable over snow or sky, the scene still shows.
    for pixel in image.rows_mut().skip(top as usize).flatten() {
        for c in pixel.0.iter_mut() {
            *c = ((u16::from(*c) * 102) >> 8) as u8;
        }
    }

    let text_offset = line_height.saturating_sub(px.ceil() as u32) / 2;
    for (i, runs) in lines.iter().enumerate() {
        let y = top + padding + i as u32 * line_height + text_offset;
        fonts.draw(image, runs, margin as i32, y as i32, scale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_a_stamp_is_drawn_with_a_real_glyph() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let lines = [
            "时间：2026-11-26 09:12",
            "网格：富丽社区第7网格",
            "位置：40.6312N 122.5021E",
            "人员：网格员0007",
        ];
        for line in lines {
            let runs = fonts.runs(line.chars().chain([ELLIPSIS]));
            let drawn: String = runs.iter().map(|run| run.text.as_str()).collect();
            assert_eq!(
                drawn,
                format!("{line}{ELLIPSIS}"),
                "every character of a stamp is drawn as itself, none replaced"
            );
            for run in &runs {
                for c in run.text.chars() {
                    assert_ne!(
                        fonts.font(run.face).glyph_id(c).0,
                        0,
                        "{c:?} (from {line:?}) must have a glyph in {:?}, or the stamp prints \
                         an empty box",
                        run.face
                    );
                }
            }
        }
    }

    #[test]
    fn latin_runs_use_dejavu_and_cjk_runs_the_fallback() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let runs = fonts.runs("网格员0007 B区：25°C".chars());
        let faces: Vec<(Face, &str)> = runs.iter().map(|r| (r.face, r.text.as_str())).collect();
        assert_eq!(
            faces,
            [
                (Face::Cjk, "网格员"),
                (Face::Latin, "0007 B"),
                (Face::Cjk, "区："),
                (Face::Latin, "25°C"),
            ],
            "digits stay ASCII (no full-width twins) and runs split where the font changes"
        );
        let scale = PxScale::from(40.0);
        let width = |text: &str| fonts.width(&fonts.runs(text.chars()), scale);
        assert!(
            width("0007") < width("０００７"),
            "ASCII digits are narrower than full-width ones: {} vs {}",
            width("0007"),
            width("０００７")
        );
        assert_eq!(
            fonts.top_offset(Face::Latin, scale),
            fonts.top_offset(Face::Cjk, scale),
            "at one pixel scale both fonts' ascents round to the same baseline"
        );
    }

    #[test]
    fn a_character_neither_font_has_becomes_a_question_mark() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        // A private-use code point: no public font draws it.
        let c = '\u{F0001}';
        assert_eq!(fonts.latin.glyph_id(c).0, 0, "DejaVu Sans lacks {c:?}");
        assert_eq!(
            fonts.cjk.glyph_id(c).0,
            0,
            "Droid Sans Fallback lacks {c:?}"
        );
        assert_eq!(
            fonts.runs(['网', c, '7']),
            [
                Run {
                    face: Face::Cjk,
                    text: "网".into()
                },
                Run {
                    face: Face::Latin,
                    text: format!("{MISSING}7")
                },
            ],
            "a missing glyph prints as a question mark, never as an empty box"
        );
    }

    #[test]
    fn a_line_too_wide_is_cut_with_an_ellipsis_and_fits() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let scale = PxScale::from(24.0);
        let line = "位置：40.6312N 122.5021E 辽宁省营口市盖州市城关镇人民路十八号院内";
        let full = fonts.width(&fonts.runs(line.chars()), scale);
        let available = full / 2;
        let runs = fonts.fit(line, scale, available);
        let drawn: String = runs.iter().map(|run| run.text.as_str()).collect();
        assert!(
            fonts.width(&runs, scale) <= available,
            "the cut line fits the {available} px it was given"
        );
        assert!(
            drawn.ends_with(ELLIPSIS) && line.starts_with(drawn.trim_end_matches(ELLIPSIS)),
            "the cut line is a prefix of the line plus an ellipsis, got {drawn:?}"
        );
        assert_eq!(
            fonts.fit(line, scale, full),
            fonts.runs(line.chars()),
            "a line that fits is drawn whole"
        );
    }
}
