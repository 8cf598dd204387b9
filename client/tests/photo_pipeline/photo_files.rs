//! PhotoFiles: the same photo stored once under its SHA-256, and a photo whose bytes do not match
//! its name refused.

use std::time::Duration;

use sha2::{Digest, Sha256};
use yiwang_client::photo::{PhotoFiles, PhotoPipeline, ProcessedPhoto};

use crate::common::{jpeg_of, photo_like, watermark};

#[test]
fn the_same_photo_stored_twice_is_stored_once_under_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let files = PhotoFiles::open(dir.path().join("photos")).unwrap();
    let input = jpeg_of(&photo_like(1000, 750, 21), 90);
    let pipeline = PhotoPipeline::default();
    let first = pipeline
        .process(&input, Some(&watermark("城关镇第一网格")))
        .unwrap();
    let second = pipeline
        .process(&input, Some(&watermark("城关镇第一网格")))
        .unwrap();
    assert_eq!(
        first.hash, second.hash,
        "the pipeline is deterministic: same input, same name"
    );
    assert!(!files.contains(&first.hash), "an empty store holds nothing");

    let path = files.put(&first).unwrap();
    let meta_before = std::fs::metadata(&path).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let path_again = files.put(&second).unwrap();
    let meta_after = std::fs::metadata(&path_again).unwrap();

    assert_eq!(path, path_again, "one content, one path");
    assert_eq!(
        path,
        files.path(&first.hash),
        "put returns the content address"
    );
    assert_eq!(
        meta_before.modified().unwrap(),
        meta_after.modified().unwrap(),
        "the second put writes nothing"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            meta_before.ino(),
            meta_after.ino(),
            "no rename replaced the file: it is the same inode"
        );
    }

    let shard = path.parent().unwrap();
    assert_eq!(
        shard.file_name().unwrap().to_str().unwrap(),
        &first.hash.as_str()[..2],
        "photos are sharded by the first two hex digits"
    );
    let mut names: Vec<String> = std::fs::read_dir(shard)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{}.jpg", first.hash.as_str()),
            format!("{}.thumb.jpg", first.hash.as_str())
        ],
        "exactly the photo and its thumbnail, no leftover temporary files"
    );

    let stored = std::fs::read(&path).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&stored)),
        first.hash.as_str(),
        "the name is the SHA-256 of the file's bytes"
    );
    assert!(files.contains(&first.hash), "a stored photo is found");
    assert_eq!(
        files.read(&first.hash).unwrap(),
        first.jpeg,
        "read returns the stored bytes"
    );
    assert_eq!(
        std::fs::read(files.thumb_path(&first.hash)).unwrap(),
        first.thumbnail,
        "the thumbnail is stored beside the photo"
    );
}

#[test]
fn a_photo_whose_bytes_do_not_match_its_name_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let files = PhotoFiles::open(dir.path()).unwrap();
    let photo = PhotoPipeline::default()
        .process(&jpeg_of(&photo_like(200, 100, 1), 90), None)
        .unwrap();
    let tampered = ProcessedPhoto {
        jpeg: {
            let mut bytes = photo.jpeg.clone();
            bytes.push(0);
            bytes
        },
        ..photo.clone()
    };
    let err = files.put(&tampered).unwrap_err();
    assert_eq!(
        err.code(),
        "photo_corrupt",
        "a wrong name would poison the store"
    );
    assert!(
        !files.contains(&photo.hash),
        "nothing was written under the claimed name"
    );
}
