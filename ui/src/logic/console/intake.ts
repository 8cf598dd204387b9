// The intake form (hotline 8890, service hall, WeChat) and the body `POST /api/v1/cases` takes
// (the server's `IntakeRequest`).

export const INTAKE_CHANNELS = ['hotline8890', 'service_hall', 'wechat'] as const
export type IntakeChannel = (typeof INTAKE_CHANNELS)[number]

export interface IntakeForm {
  channel: IntakeChannel | ''
  category: string
  urgent: boolean
  description: string
  address: string
  contact: string
  /** The grid the problem is in: the case waits at its community unless `unitId` says otherwise. */
  gridId: string
  /** The unit the case should wait at (a township or community chosen without a grid, or above
   *  a located grid); empty: the grid's community, or the operator's own unit. */
  unitId: string
  lat: number | null
  lon: number | null
  photos: string[]
}

export function emptyIntake(): IntakeForm {
  return { channel: 'hotline8890', category: '', urgent: false, description: '', address: '', contact: '', gridId: '', unitId: '', lat: null, lon: null, photos: [] }
}

export type IntakeProblem = 'channel' | 'category' | 'description'

/** Problems in the order the form shows them; empty when it can be sent. */
export function intakeProblems(f: IntakeForm, leaves: ReadonlySet<string>): IntakeProblem[] {
  const out: IntakeProblem[] = []
  if (!(INTAKE_CHANNELS as readonly string[]).includes(f.channel)) out.push('channel')
  if (!leaves.has(f.category)) out.push('category')
  if (f.description.trim().length < 2) out.push('description')
  return out
}

/** The request body: empty optional fields left out; a place needs both coordinates. */
export function intakeBody(f: IntakeForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    channel: f.channel,
    category: f.category,
    urgent: f.urgent,
    description: f.description.trim(),
  }
  if (f.address.trim()) body.address = f.address.trim()
  if (f.contact.trim()) body.contact = f.contact.trim()
  if (f.gridId) body.grid_id = f.gridId
  if (f.unitId) body.unit_id = f.unitId
  if (f.lat !== null && f.lon !== null) {
    body.lat = Math.round(f.lat * 1e6) / 1e6
    body.lon = Math.round(f.lon * 1e6) / 1e6
  }
  if (f.photos.length) body.photos = [...f.photos]
  return body
}
