// Removing what a JPEG says about where and with what it was taken, before the console hashes
// and uploads it. Photos are addressed by the SHA-256 of their bytes, so the server cannot strip
// them itself: it refuses a JPEG that still carries Exif, XMP or IPTC (`photo_has_metadata`).
//
// Lossless: the segments are cut out, the picture data is not touched (no re-encoding through a
// canvas, which would lose quality and need a DOM). Dropped: APP1 (Exif, XMP), APP13 (IPTC) and
// COM. Kept: everything else (JFIF, the ICC colour profile, Adobe's colour transform, tables,
// the scan). The Exif orientation goes with the Exif: a phone picture shot sideways may then
// show sideways, which an operator sees and which misleads nobody about where it was taken.

const SOI = 0xd8
const SOS = 0xda
const EOI = 0xd9
const APP1 = 0xe1
const APP13 = 0xed
const COM = 0xfe

/** Whether `marker` is one of the segments dropped. */
function dropped(marker: number): boolean {
  return marker === APP1 || marker === APP13 || marker === COM
}

/**
 * `bytes` without its metadata segments when it is a JPEG; any other bytes (PNG, WebP, a
 * damaged header) come back unchanged, for the server to judge.
 */
export function stripJpegMetadata(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return bytes
  const keep: Uint8Array[] = [bytes.subarray(0, 2)]
  let i = 2
  let changed = false
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return bytes
    const marker = bytes[i + 1]
    if (marker === 0xff) {
      // A fill byte before a marker.
      i += 1
      continue
    }
    if (marker === SOS || marker === EOI) {
      // The image data and whatever follows are kept as they are.
      keep.push(bytes.subarray(i))
      if (!changed) return bytes
      return concat(keep)
    }
    const len = (bytes[i + 2] << 8) | bytes[i + 3]
    if (len < 2 || i + 2 + len > bytes.length) return bytes
    if (dropped(marker)) changed = true
    else keep.push(bytes.subarray(i, i + 2 + len))
    i += 2 + len
  }
  return bytes
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
