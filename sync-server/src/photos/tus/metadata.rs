//! `Upload-Metadata` and `Upload-Checksum`: the tus headers a client sends about its file and
//! its chunks, read strictly.

use super::*;
use crate::error::{ApiError, ApiResult};
use base64::Engine;
use std::collections::BTreeMap;
use yiwang_core::error::ErrorCode;

/// Parses `Upload-Metadata`: comma-separated `key base64(value)` pairs, value optional.
pub fn parse_metadata(raw: &str) -> Result<BTreeMap<String, String>, String> {
    if raw.len() > MAX_METADATA_BYTES {
        return Err(format!(
            "Upload-Metadata is longer than {MAX_METADATA_BYTES} bytes"
        ));
    }
    let mut out = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once(' ') {
            Some((k, v)) => (k, v.trim()),
            None => (pair, ""),
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(format!("{key:?} is not a metadata key"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| format!("the value of {key} is not base64"))?;
        let value = String::from_utf8(bytes)
            .map_err(|_| format!("the value of {key} is not UTF-8 text"))?;
        if out.insert(key.to_owned(), value).is_some() {
            return Err(format!("{key} is given twice"));
        }
    }
    Ok(out)
}

pub(super) fn encode_metadata(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!(
                    "{k} {}",
                    base64::engine::general_purpose::STANDARD.encode(v)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `Upload-Checksum: sha256 <base64 digest>`.
pub(super) fn parse_checksum(raw: &str) -> ApiResult<[u8; 32]> {
    let (algorithm, digest) = raw.split_once(' ').ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidChecksum,
            "Upload-Checksum is `sha256 <base64 digest>`",
        )
    })?;
    if algorithm != "sha256" {
        return Err(ApiError::bad_request(
            ErrorCode::ChecksumAlgorithmUnsupported,
            format!("checksum algorithm {algorithm:?} is not supported; use sha256"),
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .ok()
        .and_then(|d| <[u8; 32]>::try_from(d).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidChecksum,
                "the Upload-Checksum digest is not a base64 SHA-256",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    #[test]
    fn metadata_pairs_decode_and_refuse_what_is_malformed() {
        let m = parse_metadata("sha256 YWJj,filename 5pe26Ze0LmpwZw==,empty").unwrap();
        assert_eq!(m["sha256"], "abc");
        assert_eq!(m["filename"], "时间.jpg", "UTF-8 values survive base64");
        assert_eq!(m["empty"], "", "a key without a value is allowed");
        assert_eq!(
            parse_metadata(&encode_metadata(&m)).unwrap(),
            m,
            "what HEAD echoes parses back the same"
        );
        assert!(parse_metadata("a YWJj,a YWJj").is_err(), "a key twice");
        assert!(parse_metadata("a !!!").is_err(), "not base64");
        assert!(
            parse_metadata(&"k YWJj,".repeat(1000)).is_err(),
            "too long to read"
        );
    }

    #[test]
    fn upload_checksums_are_sha256_in_base64() {
        let digest = Sha256::digest(b"chunk");
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(
            parse_checksum(&format!("sha256 {b64}")).unwrap()[..],
            digest[..]
        );
        assert_eq!(
            parse_checksum(&format!("md5 {b64}")).unwrap_err().code(),
            "checksum_algorithm_unsupported"
        );
        assert_eq!(
            parse_checksum("sha256 AAAA").unwrap_err().code(),
            "invalid_checksum",
            "three bytes are not a SHA-256"
        );
    }

    /// Fuzz target (issue 13): `parse_metadata` on any header text never panics, and every
    /// valid metadata map survives `encode_metadata` → `parse_metadata` unchanged.
    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Keys as tus allows them: printable ASCII without spaces or commas.
        fn key() -> impl Strategy<Value = String> {
            "[!-+\\--~]{1,16}"
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_header_text_is_parsed_or_refused_without_panic(raw in any::<String>()) {
                let _ = parse_metadata(&raw);
            }

            #[test]
            fn near_valid_headers_are_parsed_or_refused(
                pairs in proptest::collection::vec((key(), "[A-Za-z0-9+/=]{0,24}"), 0..6),
                sep in prop_oneof![Just(","), Just(" , "), Just(",,"), Just(" ")],
            ) {
                let raw = pairs
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(sep);
                if let Ok(m) = parse_metadata(&raw) {
                    prop_assert!(m.len() <= pairs.len(), "no pair is invented");
                }
            }

            #[test]
            fn valid_metadata_round_trips(
                m in proptest::collection::btree_map(key(), any::<String>(), 0..6),
            ) {
                let raw = encode_metadata(&m);
                prop_assume!(raw.len() <= MAX_METADATA_BYTES);
                prop_assert_eq!(parse_metadata(&raw), Ok(m));
            }
        }
    }
}
