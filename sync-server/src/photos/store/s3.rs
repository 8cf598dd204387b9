//! The photo store in an S3-compatible bucket (`--photo-store s3://bucket[/prefix]`), through the
//! `object_store` crate: what several server processes on several hosts share.
//!
//! The bucket must exist: the server creates no buckets. Its endpoint, region and credentials
//! come from the standard variables (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …); an `http://` endpoint is allowed as given
//! (a store on the same private network), and requests use path-style addresses unless
//! `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.
//!
//! Every write is one whole object, which S3 shows whole or not at all and acknowledges once
//! stored. A request that fails is retried a few times within [`RETRY_TIMEOUT`]; after that the
//! caller gets [`StoreError::Unavailable`] (a `503 unavailable` to the client), never an
//! acknowledgement of bytes the store does not hold.

use super::{
    part_name, part_start, photo_name, thumbnail_name, upload_dir, Hashed, Part, PhotoKind,
    PhotoStore, StoreError,
};
use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::TryStreamExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt as _, PutPayload, RetryConfig};
use std::time::Duration;
use yiwang_core::ids::PhotoHash;

/// How long one store operation may retry before the caller is told the store is unavailable:
/// well inside the request timeout, so a client hears 503 rather than a dropped connection.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(15);

/// A bucket (and a folder in it) of an S3-compatible store.
#[derive(Debug)]
pub struct S3PhotoStore {
    s3: AmazonS3,
    bucket: String,
    /// `""` or a folder name without slashes at either end.
    prefix: String,
    endpoint: Option<String>,
}

impl S3PhotoStore {
    /// The store `url` names (`s3://bucket[/prefix]`), configured from the environment.
    pub fn open(url: &str) -> anyhow::Result<S3PhotoStore> {
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .ok()
            .filter(|e| !e.trim().is_empty());
        let mut builder = AmazonS3Builder::from_env();
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        Self::build(url, builder, endpoint)
    }

    /// The store `url` names at `endpoint`, with these credentials (nothing from the
    /// environment: several stores in one process, as tests have them).
    pub fn at(
        url: &str,
        endpoint: &str,
        access_key: &str,
        secret_key: &str,
    ) -> anyhow::Result<S3PhotoStore> {
        let builder = AmazonS3Builder::new()
            .with_access_key_id(access_key)
            .with_secret_access_key(secret_key)
            .with_region("us-east-1");
        Self::build(url, builder, Some(endpoint.to_owned()))
    }

    fn build(
        url: &str,
        builder: AmazonS3Builder,
        endpoint: Option<String>,
    ) -> anyhow::Result<S3PhotoStore> {
        let rest = url
            .strip_prefix("s3://")
            .context("an S3 photo store is named s3://bucket[/prefix]")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        anyhow::ensure!(
            !bucket.is_empty(),
            "the photo store {url:?} names no bucket: write s3://bucket[/prefix]"
        );
        let prefix = prefix.trim_matches('/').to_owned();
        if let Some(e) = &endpoint {
            anyhow::ensure!(
                e.starts_with("http://") || e.starts_with("https://"),
                "the S3 endpoint {e:?} (AWS_ENDPOINT_URL) must begin with https:// or http://"
            );
        }
        let http = endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        let mut builder = builder
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: RETRY_TIMEOUT,
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(30))
                    .with_allow_http(http),
            );
        if let Some(e) = &endpoint {
            builder = builder.with_endpoint(e);
        }
        let s3 = builder
            .build()
            .with_context(|| format!("configuring the photo store {url}"))?;
        Ok(S3PhotoStore {
            s3,
            bucket: bucket.to_owned(),
            prefix,
            endpoint,
        })
    }

    fn path(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    async fn get_object(&self, name: &str) -> Result<Option<Bytes>, StoreError> {
        match self.s3.get(&self.path(name)).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(unavailable)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn put_object(&self, name: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.s3
            .put(&self.path(name), PutPayload::from_bytes(bytes))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn has_object(&self, name: &str) -> Result<bool, StoreError> {
        match self.s3.head(&self.path(name)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete_object(&self, name: &str) -> Result<(), StoreError> {
        self.delete_path(&self.path(name)).await
    }

    async fn delete_path(&self, path: &ObjectPath) -> Result<(), StoreError> {
        match self.s3.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn list(&self, folder: &str) -> Result<Vec<object_store::ObjectMeta>, StoreError> {
        self.s3
            .list(Some(&self.path(folder)))
            .try_collect()
            .await
            .map_err(unavailable)
    }
}

fn unavailable(e: object_store::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[async_trait]
impl PhotoStore for S3PhotoStore {
    fn describe(&self) -> String {
        let at = self
            .endpoint
            .as_deref()
            .map(|e| format!(" at {e}"))
            .unwrap_or_default();
        if self.prefix.is_empty() {
            format!("the bucket s3://{}{at}", self.bucket)
        } else {
            format!("the bucket s3://{}/{}{at}", self.bucket, self.prefix)
        }
    }

    async fn check(&self) -> Result<(), StoreError> {
        // Listed (some stores create a missing bucket on the first write; a listing names it
        // missing), then written, read back and deleted: a missing bucket, wrong credentials
        // or a store that only reads all show here, before the server takes an upload.
        self.s3
            .list_with_delimiter(Some(&self.path(".yiwang-probe")))
            .await
            .map_err(unavailable)?;
        let name = format!(".yiwang-probe/{}", uuid::Uuid::new_v4().simple());
        self.put_object(&name, Bytes::from_static(b"probe")).await?;
        let back = self.get_object(&name).await?;
        self.delete_object(&name).await?;
        match back.as_deref() {
            Some(b"probe") => Ok(()),
            _ => Err(StoreError::Unavailable(
                "an object written to the store did not read back".into(),
            )),
        }
    }

    async fn put(&self, photo: &Hashed, kind: PhotoKind) -> Result<(), StoreError> {
        // One request: an object stored before under this name holds these very bytes (the
        // name is their hash, and the bytes decide the kind), so writing it again changes
        // nothing, and is cheaper than asking first for each kind.
        self.put_object(&photo_name(photo.hash(), kind), photo.bytes().clone())
            .await
    }

    async fn put_thumbnail(&self, hash: &PhotoHash, thumbnail: Bytes) -> Result<(), StoreError> {
        self.put_object(&thumbnail_name(hash), thumbnail).await
    }

    async fn get(&self, hash: &PhotoHash) -> Result<Option<(PhotoKind, Bytes)>, StoreError> {
        for kind in PhotoKind::ALL {
            if let Some(b) = self.get_object(&photo_name(hash, kind)).await? {
                return Ok(Some((kind, b)));
            }
        }
        Ok(None)
    }

    async fn thumbnail(&self, hash: &PhotoHash) -> Result<Option<Bytes>, StoreError> {
        self.get_object(&thumbnail_name(hash)).await
    }

    async fn exists(&self, hash: &PhotoHash) -> Result<bool, StoreError> {
        for kind in PhotoKind::ALL {
            if self.has_object(&photo_name(hash, kind)).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn delete(&self, hash: &PhotoHash) -> Result<(), StoreError> {
        for kind in PhotoKind::ALL {
            self.delete_object(&photo_name(hash, kind)).await?;
        }
        self.delete_object(&thumbnail_name(hash)).await
    }

    async fn put_part(&self, upload: &str, start: u64, bytes: Bytes) -> Result<(), StoreError> {
        let name = format!("{}/{}", upload_dir(upload), part_name(start));
        self.put_object(&name, bytes).await
    }

    async fn parts(&self, upload: &str) -> Result<Vec<Part>, StoreError> {
        Ok(self
            .list(&upload_dir(upload))
            .await?
            .into_iter()
            .filter_map(|m| {
                let start = part_start(m.location.filename()?)?;
                Some(Part { start, len: m.size })
            })
            .collect())
    }

    async fn read_part(&self, upload: &str, start: u64) -> Result<Option<Bytes>, StoreError> {
        let name = format!("{}/{}", upload_dir(upload), part_name(start));
        self.get_object(&name).await
    }

    async fn delete_upload(&self, upload: &str) -> Result<(), StoreError> {
        for m in self.list(&upload_dir(upload)).await? {
            self.delete_path(&m.location).await?;
        }
        Ok(())
    }

    async fn uploads_with_parts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let listed = self
            .s3
            .list_with_delimiter(Some(&self.path("uploads")))
            .await
            .map_err(unavailable)?;
        Ok(listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_owned))
            .filter(|id| super::valid_upload_id(id))
            .take(limit)
            .collect())
    }
}
