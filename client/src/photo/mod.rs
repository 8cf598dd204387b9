//! The photo pipeline: how a picture taken on patrol becomes evidence.
//!
//! Vocabulary:
//! - **input**: the bytes the camera or the file picker handed us (JPEG, PNG or WebP), untrusted.
//! - [`Limits`]: what we refuse before spending memory on it (file size, pixel count, edge).
//! - [`ExifInfo`]: what the camera said about the picture (when, where, which way up), read from
//!   the input bytes and kept in the record, because the stored JPEG carries no EXIF.
//! - [`Watermark`]: the evidence stamp (time, grid, place, worker) burnt into the bottom band.
//! - [`ProcessedPhoto`]: the stored JPEG (upright, long edge ≤ [`MAX_EDGE`]), its thumbnail and
//!   its [`PhotoHash`], the SHA-256 of the stored JPEG bytes that names it everywhere.
//! - [`PhotoFiles`]: the content-addressed folder where processed photos live, `ab/<hash>.jpg`.
//!
//! Order of work in [`PhotoPipeline::process`]: size check, format sniffing, header dimensions,
//! JPEG completeness, decode, resize, orientation, watermark, encode, hash. Resizing comes before
//! rotating because rotating a 24-megapixel frame costs more than the resize saves, and the long
//! edge is the same either way.
//!
//! Where each part lives: `pipeline.rs` (limits, decoding, EXIF, resizing, orientation, encoding
//! and [`PhotoError`]), `watermark.rs` (the stamp and its fonts), `files.rs` ([`PhotoFiles`]).
//! Everything public is re-exported here, so callers write `photo::PhotoPipeline`.
//!
//! [`PhotoHash`]: yiwang_core::ids::PhotoHash

mod files;
mod pipeline;
mod watermark;

pub use files::PhotoFiles;
pub use pipeline::{
    read_exif, ExifInfo, Limits, PhotoError, PhotoPipeline, ProcessedPhoto, JPEG_QUALITY, MAX_EDGE,
    THUMB_EDGE,
};
pub use watermark::Watermark;
