// Uploads every JPEG in a folder to yiwang-server with the real tus-js-client, the way a
// browser console or a JavaScript device would: 64 KiB chunks, retries, and one upload aborted
// mid-way and resumed from the server's offset. Prints a JSON summary on stdout; exits 1 (with
// the error on stderr) if any upload fails. Run by tests/tests/photos/node_client.rs:
//
//   node tus_upload.mjs <base_url> <bearer_token> <folder>

import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import * as tus from 'tus-js-client'

const CHUNK = 64 * 1024
/** Uploads running at once, as a console uploading a batch would. */
const PARALLEL = 4
/** The aborted upload is stopped once this much is sent: past the first chunk, mid-way in the second. */
const ABORT_AFTER = CHUNK + CHUNK / 2

const [base, token, dir] = process.argv.slice(2)
if (!base || !token || !dir) {
  console.error('usage: node tus_upload.mjs <base_url> <bearer_token> <folder>')
  process.exit(2)
}
const endpoint = `${base}/api/v1/photos`
const headers = { Authorization: `Bearer ${token}` }

function options(file, extra) {
  return {
    endpoint,
    headers,
    metadata: { sha256: file.sha256, filename: file.name, filetype: 'image/jpeg' },
    chunkSize: CHUNK,
    retryDelays: [0, 100, 500],
    ...extra,
  }
}

/** Uploads a file to the end; resolves with the upload URL. */
function uploadWhole(file, extra = {}) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(
      file.bytes,
      options(file, {
        ...extra,
        onError: (err) => reject(new Error(`${file.name}: ${err.message}`)),
        onSuccess: () => resolve(upload.url),
      }),
    )
    upload.start()
  })
}

/** Starts an upload and aborts it once ABORT_AFTER bytes are sent; resolves with what it did. */
function uploadAndAbort(file) {
  return new Promise((resolve, reject) => {
    let aborted = false
    const upload = new tus.Upload(
      file.bytes,
      options(file, {
        onProgress: (sent) => {
          if (aborted || sent < ABORT_AFTER) return
          aborted = true
          upload.abort(false).then(() => resolve({ url: upload.url, progressAtAbort: sent }), reject)
        },
        onError: (err) => reject(new Error(`${file.name} before the abort: ${err.message}`)),
        onSuccess: () => reject(new Error(`${file.name} finished before it could be aborted`)),
      }),
    )
    upload.start()
  })
}

/** Where the server says an upload stands (tus HEAD). */
async function serverOffset(url) {
  const res = await fetch(new URL(url, base), {
    method: 'HEAD',
    headers: { ...headers, 'Tus-Resumable': '1.0.0' },
  })
  if (res.status !== 200) throw new Error(`HEAD ${url}: ${res.status}`)
  return Number.parseInt(res.headers.get('upload-offset'), 10)
}

async function main() {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.jpg')).sort()
  const files = await Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(path.join(dir, name))
      return { name, bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
    }),
  )
  // The largest file is the one cut off: it spans the most chunks.
  const victim = files.reduce((a, b) => (b.size > a.size ? b : a))
  if (victim.size <= ABORT_AFTER + CHUNK) {
    throw new Error(`${victim.name} (${victim.size} bytes) is too small to abort mid-way`)
  }

  const { url, progressAtAbort } = await uploadAndAbort(victim)
  // The server finishes its bookkeeping of the cut-off PATCH in its own time: give it a moment
  // to keep the part of the second chunk that arrived.
  let offsetAfterAbort = await serverOffset(url)
  for (let i = 0; i < 20 && offsetAfterAbort <= CHUNK; i++) {
    await new Promise((r) => setTimeout(r, 50))
    offsetAfterAbort = await serverOffset(url)
  }
  let resumedFrom = null
  await uploadWhole(victim, {
    uploadUrl: url,
    onAfterResponse: (req, res) => {
      if (resumedFrom === null && req.getMethod() === 'HEAD') {
        resumedFrom = Number.parseInt(res.getHeader('Upload-Offset'), 10)
      }
    },
  })

  const rest = files.filter((f) => f !== victim)
  const uploaded = [{ name: victim.name, sha256: victim.sha256, size: victim.size, url }]
  for (let i = 0; i < rest.length; i += PARALLEL) {
    const batch = rest.slice(i, i + PARALLEL)
    const urls = await Promise.all(batch.map((f) => uploadWhole(f)))
    batch.forEach((f, j) => uploaded.push({ name: f.name, sha256: f.sha256, size: f.size, url: urls[j] }))
  }

  const summary = {
    client: 'tus-js-client',
    uploaded,
    aborted: {
      name: victim.name,
      sha256: victim.sha256,
      size: victim.size,
      url,
      progress_at_abort: progressAtAbort,
      offset_after_abort: offsetAfterAbort,
      resumed_from: resumedFrom,
    },
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`)
}

main().catch((err) => {
  console.error(err.stack ?? String(err))
  process.exit(1)
})
