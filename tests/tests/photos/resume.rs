//! Resuming: a connection broken mid-chunk keeps every byte that arrived, a chunk that fails its
//! checksum is discarded and the offset stays, and an upload resumes on a server restarted over
//! the same data folder (nothing of an upload lives in a process).

use reqwest::Method;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{
    b64, jpeg, offset_becomes, offset_of, patch_begun, restarted, sha_hex, tus, Tus,
};

/// Writes a PATCH's headers (announcing `total` body bytes) and only `body`, then closes the
/// connection: a phone losing its signal mid-chunk.
async fn patch_cut_off(
    base: &str,
    token: &str,
    loc: &str,
    offset: usize,
    body: &[u8],
    total: usize,
) {
    drop(patch_begun(base, token, loc, offset, body, total).await);
}

/// A chunked PATCH (no Content-Length) whose one chunk carries every remaining byte, cut before
/// the body's end: all the bytes arrived, so the upload completes and the photo is recorded. An
/// upload never stands at its length without its photo (tus clients take that offset as done).
#[tokio::test]
async fn a_body_cut_after_its_last_byte_still_completes_the_photo() {
    use tokio::io::AsyncWriteExt;
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(640, 480, 3);
    let sha = sha_hex(&photo);
    let loc = t.create(&photo).await;
    let first = 100_000;
    assert_eq!(t.patch(&loc, 0, &photo[..first]).await.status(), 204);
    let rest = &photo[first..];
    let addr = s.base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {first}\r\n\
         Content-Type: application/offset+octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n",
        t.token,
        rest.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(rest).await.unwrap();
    stream.write_all(b"\r\n").await.unwrap();
    stream.flush().await.unwrap();
    drop(stream); // no closing zero-length chunk: the body is cut
    let kept = offset_becomes(&t, &loc, photo.len() as u64).await;
    assert_eq!(kept, photo.len() as u64, "every byte arrived");
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(
        got.status(),
        200,
        "and the upload at its length is a stored photo"
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), &photo[..]);
}

#[tokio::test]
async fn a_connection_broken_mid_chunk_keeps_the_bytes_that_arrived() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(640, 480, 2);
    let sha = sha_hex(&photo);
    let loc = t.create(&photo).await;
    assert!(
        photo.len() > 120_000,
        "the photo spans the cut points: {}",
        photo.len()
    );

    // Three cuts: one byte in, at an odd byte mid-file (inside a 1 MiB part), and one
    // byte short of the end (the completion must not run on a short file).
    let cuts = [1usize, 70_001, photo.len() - 1];
    let mut at = 0;
    for cut in cuts {
        patch_cut_off(
            &s.base,
            &t.token,
            &loc,
            at,
            &photo[at..cut],
            photo.len() - at,
        )
        .await;
        let kept = offset_becomes(&t, &loc, cut as u64).await;
        assert_eq!(
            kept, cut as u64,
            "every byte that arrived before the connection broke is kept"
        );
        let stale = t.patch(&loc, at, &photo[at..]).await;
        assert_eq!(
            stale.status(),
            409,
            "resuming from the old offset is refused"
        );
        assert_eq!(error_code(stale).await, "offset_mismatch");
        at = cut;
    }
    assert_eq!(
        t.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "one byte short is not a photo"
    );
    let done = t.patch(&loc, at, &photo[at..]).await;
    assert_eq!(done.status(), 204, "the rest completes the upload");
    assert_eq!(offset_of(&done), photo.len() as u64);
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        sha_hex(&got.bytes().await.unwrap()),
        sha,
        "the pieces of four requests make the exact file"
    );
}

#[tokio::test]
async fn a_chunk_that_fails_its_checksum_is_discarded_and_the_offset_stays() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(400, 300, 3);
    let loc = t.create(&photo).await;
    let first = t
        .patch_checked(&loc, 0, &photo[..1000], &photo[..1000])
        .await;
    assert_eq!(first.status(), 204);

    let mut corrupted = photo[1000..5000].to_vec();
    corrupted[17] ^= 0x40; // one bit flipped in transit
    let bad = t
        .patch_checked(&loc, 1000, &corrupted, &photo[1000..5000])
        .await;
    assert_eq!(bad.status().as_u16(), 460, "tus checksum mismatch status");
    assert_eq!(bad.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(bad).await, "checksum_mismatch");
    assert_eq!(t.offset(&loc).await, 1000, "the bad chunk moved nothing");

    let bad_algo = t
        .request(Method::PATCH, &loc)
        .header("Upload-Offset", "1000")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Checksum", format!("md5 {}", b64([0u8; 16])))
        .body(photo[1000..5000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(bad_algo.status(), 400);
    assert_eq!(error_code(bad_algo).await, "checksum_algorithm_unsupported");

    let wrong_type = t
        .request(Method::PATCH, &loc)
        .header("Upload-Offset", "1000")
        .header("Content-Type", "application/octet-stream")
        .body(photo[1000..5000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_type.status(),
        415,
        "tus PATCH bodies are offset+octet-stream"
    );

    let too_long = t
        .patch(&loc, 1000, &[photo[1000..].to_vec(), vec![0; 10]].concat())
        .await;
    assert_eq!(
        too_long.status(),
        413,
        "more than the rest of the file is refused"
    );
    assert_eq!(t.offset(&loc).await, 1000, "and moves nothing");

    let good = t
        .patch_checked(&loc, 1000, &photo[1000..], &photo[1000..])
        .await;
    assert_eq!(
        good.status(),
        204,
        "the chunk sent again completes the upload"
    );
    assert_eq!(
        t.by_hash(Method::HEAD, &sha_hex(&photo), "").await.status(),
        200
    );
}

#[tokio::test]
async fn an_upload_resumes_on_a_restarted_server() {
    let photo = jpeg(640, 480, 6);
    let sha = sha_hex(&photo);
    let half = photo.len() / 2 + 7;

    let first = TestServer::start().await;
    let t = tus(&first, "worker-0001").await;
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..half]).await.status(), 204);
    let token = t.token;
    let first_base = first.base.clone();
    // Stop the process: its listener, its connections (the client goes), its memory.
    let second = restarted(first).await;

    let t = Tus {
        http: &second.http,
        base: &second.base,
        token,
    };
    assert_ne!(second.base, first_base, "a different listener");
    assert_eq!(
        t.offset(&loc).await,
        half as u64,
        "the new process knows the offset from the ledger"
    );
    let done = t.patch(&loc, half, &photo[half..]).await;
    assert_eq!(done.status(), 204, "and continues the upload");
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        sha_hex(&got.bytes().await.unwrap()),
        sha,
        "half from each process make the exact file"
    );
}

/// A photo sent whole in one PATCH is read before any lease is taken and completed by one ledger
/// transaction that takes the lease and moves the offset together (`patch::whole_photo`). That
/// transaction still yields to a lease another request holds, a bad checksum still keeps
/// nothing, and two such PATCHes at once record the photo once.
#[tokio::test]
async fn a_whole_photo_in_one_patch_respects_a_held_lease_and_its_checksum() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(640, 480, 7);
    let sha = sha_hex(&photo);
    let loc = t.create(&photo).await;

    // A chunk of the first 5,000 bytes, of which 1,000 have arrived: it holds the lease.
    let held = patch_begun(&s.base, &t.token, &loc, 0, &photo[..1000], 5000).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let whole = t.patch(&loc, 0, &photo).await;
    assert_eq!(whole.status(), 409, "the whole photo waits for the lease");
    assert_eq!(error_code(whole).await, "upload_busy");
    assert_eq!(
        t.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "and no photo was recorded around the lease"
    );
    drop(held);
    assert_eq!(
        offset_becomes(&t, &loc, 1000).await,
        1000,
        "the lease holder's bytes are kept"
    );

    // A fresh upload of another photo: a whole body with a wrong checksum keeps nothing.
    let other = jpeg(640, 480, 8);
    let other_sha = sha_hex(&other);
    let loc2 = t.create(&other).await;
    let mut flipped = other.clone();
    flipped[500] ^= 0x01;
    let bad = t.patch_checked(&loc2, 0, &flipped, &other).await;
    assert_eq!(bad.status().as_u16(), 460);
    assert_eq!(error_code(bad).await, "checksum_mismatch");
    assert_eq!(t.offset(&loc2).await, 0, "the bad body moved nothing");

    // The same whole body twice at once: one completes, the other is told the upload moved.
    let (a, b) = tokio::join!(
        t.patch_checked(&loc2, 0, &other, &other),
        t.patch_checked(&loc2, 0, &other, &other)
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(
        statuses.contains(&204) && statuses.iter().all(|s| [204, 409].contains(s)),
        "one of two racing whole bodies completes, the other is a conflict: {statuses:?}"
    );
    assert_eq!(t.offset(&loc2).await, other.len() as u64);
    let got = t.by_hash(Method::GET, &other_sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(sha_hex(&got.bytes().await.unwrap()), other_sha);
    let photos = s.ledger_number(&format!(
        "SELECT count(*) FROM photos WHERE sha256 = '{other_sha}'"
    ));
    assert_eq!(photos, 1, "recorded once");

    // And the first upload completes from where the lease holder left it.
    let done = t.patch(&loc, 1000, &photo[1000..]).await;
    assert_eq!(done.status(), 204);
    assert_eq!(t.by_hash(Method::HEAD, &sha, "").await.status(), 200);
}
