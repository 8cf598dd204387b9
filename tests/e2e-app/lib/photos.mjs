// Photos: the JPEGs the run chooses in the app, and the ones the app stored in its data folder.

import fs from 'node:fs'
import path from 'node:path'
import jpeg from 'jpeg-js'

/**
 * A real baseline JPEG, 1600×1200: gradients, blocks and noise, different for every `seed`, so
 * each photo of each run has its own hash and the pipeline has real work to do.
 */
export function makeJpeg(file, seed) {
  const width = 1600
  const height = 1200
  const data = Buffer.alloc(width * height * 4)
  let s = (seed * 2654435761) >>> 0 || 1
  const noise = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return (s % 31) - 15
  }
  const hue = (seed * 47) % 255
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      const block = (Math.floor(x / 137) + Math.floor(y / 151) + seed) % 5 === 0
      const r = 50 + (150 * y) / height + 30 * Math.sin(x / 40 + seed)
      const g = 80 + (120 * x) / width + 25 * Math.cos(y / 33)
      const b = hue * 0.5 + 60 + 40 * Math.sin((x + y) / 55)
      const n = noise()
      data[i] = Math.max(0, Math.min(255, (block ? 255 - r : r) + n))
      data[i + 1] = Math.max(0, Math.min(255, (block ? 255 - g : g) + n))
      data[i + 2] = Math.max(0, Math.min(255, (block ? 255 - b : b) + n))
      data[i + 3] = 255
    }
  }
  const bytes = jpeg.encode({ data, width, height }, 88).data
  fs.writeFileSync(file, bytes)
  return bytes
}

/** Every photo the device stored: `<hash>.jpg` files anywhere under its data folder. */
export function devicePhotos(dir) {
  const found = new Map()
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (/^[0-9a-f]{64}\.jpg$/.test(entry.name)) found.set(entry.name.slice(0, 64), p)
    }
  }
  walk(dir)
  return found
}
