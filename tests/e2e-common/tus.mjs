// What both end-to-end runs share: a photo uploaded over tus 1.0.0 in one PATCH, as the console
// uploads one (the app's own uploads go through its Rust sync agent). No dependencies: Node's
// fetch and crypto only. `check(ok, why)` is the calling run's own check, so a failure reads
// the same as the run's other checks.

import { createHash } from 'node:crypto'

/** Uploads `bytes` as `token`'s user to the server at `base`; returns the photo's SHA-256. */
export async function tusUpload(base, token, bytes, check, filename = 'photo.jpg') {
  const hash = createHash('sha256').update(bytes).digest('hex')
  const b64 = (s) => Buffer.from(s).toString('base64')
  const create = await fetch(`${base}/api/v1/photos`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-metadata': `sha256 ${b64(hash)},filename ${b64(filename)}`,
    },
  })
  check(create.status === 201, `the tus upload is created (got ${create.status}: ${await create.clone().text()})`)
  const patch = await fetch(new URL(create.headers.get('location'), base).href, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    body: bytes,
  })
  check(patch.status === 204, `the photo's bytes are accepted (got ${patch.status}: ${await patch.clone().text()})`)
  return hash
}
