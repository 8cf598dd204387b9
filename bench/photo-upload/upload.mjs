// The one client both servers are measured with: tus-js-client, one upload after another,
// each file in one PATCH (no chunkSize), the file's SHA-256 in the metadata (yiwang-server
// requires it; the reference ignores it). The files are read before the clock starts.
// Usage: node upload.mjs ENDPOINT DIR [TOKEN]
// Prints one JSON line: {"files":…,"bytes":…,"seconds":…,"mb_per_s":…}.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as tus from 'tus-js-client';

const [endpoint, dir, token] = process.argv.slice(2);
if (!endpoint || !dir) {
  console.error('usage: node upload.mjs ENDPOINT DIR [TOKEN]');
  process.exit(2);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((name) => {
    const bytes = fs.readFileSync(path.join(dir, name));
    return { name, bytes, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
  });

function uploadOne(file) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file.bytes, {
      endpoint,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      metadata: { sha256: file.sha256, filename: file.name, filetype: 'image/jpeg' },
      retryDelays: null,
      storeFingerprintForResuming: false,
      onError: reject,
      onSuccess: () => resolve(upload.url),
    });
    upload.start();
  });
}

const started = process.hrtime.bigint();
let bytes = 0;
for (const f of files) {
  await uploadOne(f);
  bytes += f.bytes.length;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  JSON.stringify({ files: files.length, bytes, seconds, mb_per_s: bytes / 1e6 / seconds }),
);
