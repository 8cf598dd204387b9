import { describe, expect, it } from 'vitest'
import { stripJpegMetadata } from './jpegStrip'

/** A 543-byte JFIF JPEG without metadata (CPython's imghdr test picture). */
const PLAIN = Uint8Array.from(atob('/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z'), (c) => c.charCodeAt(0))

function segment(marker: number, body: Uint8Array): Uint8Array {
  const len = body.length + 2
  return Uint8Array.from([0xff, marker, len >> 8, len & 0xff, ...body])
}

/** An Exif APP1 body with a GPS IFD holding GPSLatitudeRef "N" and GPSLatitude 40°36'54". */
function exifWithGps(): Uint8Array {
  const le16 = (n: number) => [n & 0xff, n >> 8]
  const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]
  const tiff = [
    ...[0x49, 0x49, 0x2a, 0x00], ...le32(8),
    ...le16(1), ...le16(0x8825), ...le16(4), ...le32(1), ...le32(26), ...le32(0),
    ...le16(2), ...le16(1), ...le16(2), ...le32(2), 0x4e, 0, 0, 0,
    ...le16(2), ...le16(5), ...le32(3), ...le32(56), ...le32(0),
    ...le32(40), ...le32(1), ...le32(36), ...le32(1), ...le32(54), ...le32(1),
  ]
  return Uint8Array.from([...new TextEncoder().encode('Exif'), 0, 0, ...tiff])
}

/** PLAIN with the segments inserted after SOI and APP0 (where cameras write them). */
function tagged(...segments: Uint8Array[]): Uint8Array {
  const app0End = 2 + 2 + ((PLAIN[4] << 8) | PLAIN[5])
  return Uint8Array.from([...PLAIN.subarray(0, app0End), ...segments.flatMap((s) => [...s]), ...PLAIN.subarray(app0End)])
}

function markers(bytes: Uint8Array): number[] {
  const out: number[] = []
  let i = 2
  while (i + 4 <= bytes.length && bytes[i] === 0xff && bytes[i + 1] !== 0xda) {
    out.push(bytes[i + 1])
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3])
  }
  return out
}

describe('stripJpegMetadata', () => {
  it('removes a GPS Exif segment, XMP, IPTC and comments, and nothing else', () => {
    const xmp = Uint8Array.from([...new TextEncoder().encode('http://ns.adobe.com/xap/1.0/'), 0, ...new TextEncoder().encode('<x:xmpmeta/>')])
    const input = tagged(
      segment(0xe1, exifWithGps()),
      segment(0xe1, xmp),
      segment(0xed, new TextEncoder().encode('Photoshop 3.0')),
      segment(0xfe, new TextEncoder().encode('shot at 40.615,122.504')),
    )
    expect(markers(input)).toEqual(expect.arrayContaining([0xe1, 0xed, 0xfe]))
    const out = stripJpegMetadata(input)
    // The picture is the metadata-free file byte for byte: it decodes as that file does.
    expect(out).toEqual(PLAIN)
    expect(markers(out)).not.toContain(0xe1)
    expect(new TextDecoder('latin1').decode(out)).not.toContain('Exif')
  })

  it('keeps the ICC profile and leaves a clean JPEG as it is', () => {
    const icc = segment(0xe2, new TextEncoder().encode('ICC_PROFILE\0'))
    const input = tagged(icc, segment(0xe1, exifWithGps()))
    expect(stripJpegMetadata(input)).toEqual(tagged(icc))
    expect(stripJpegMetadata(PLAIN)).toBe(PLAIN)
  })

  it('passes other files and damaged headers through for the server to judge', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(stripJpegMetadata(png)).toBe(png)
    const cut = tagged(segment(0xe1, exifWithGps())).subarray(0, 30)
    expect(stripJpegMetadata(cut)).toBe(cut)
  })
})
