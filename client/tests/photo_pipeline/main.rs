//! The photo pipeline on real files: pictures made here with the image crate, EXIF and PNG
//! headers spliced in by hand, bad input refused with the code the UI branches on.
//!
//! One test binary, one module per area:
//! - `orientation`: EXIF orientation, time and GPS (EXIF spliced in by hand), scaling and
//!   thumbnails;
//! - `refusals`: bad input refused with the code the UI branches on (PNG headers by hand);
//! - `watermark`: the evidence stamp as drawn on real pictures;
//! - `photo_files`: the content-addressed photo folder.
//!
//! Shared fixtures live in `common`.

mod common;
mod orientation;
mod photo_files;
mod refusals;
mod watermark;
