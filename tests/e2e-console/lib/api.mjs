// The server's HTTP API as the story's devices and desks use it: sign-in, reads, case actions,
// a device's sync push (with the ops it sends), and photo uploads over tus.

import { randomBytes } from 'node:crypto'
import { tusUpload } from '../../e2e-common/tus.mjs'
import { PASSWORD } from './config.mjs'
import { check } from './report.mjs'

/** A UUIDv7 (RFC 9562): 48 bits of milliseconds, version 7, variant 10, random bits. */
export function uuidv7() {
  const b = randomBytes(16)
  const ms = BigInt(Date.now())
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = (b[6] & 0x0f) | 0x70
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** One op of a device's push, made now. */
export function op(type, entityId, data) {
  return { op_id: uuidv7(), type, entity_id: entityId, at: new Date().toISOString(), data }
}

export class Api {
  constructor(base) {
    this.base = base
  }

  /**
   * Signs `username` in; `{ token, user }`. As a device unless `client: 'console'` is given (the
   * browser's console signs in as `console` itself, ui/src/console/session.ts).
   */
  async login(username, { password = PASSWORD, client } = {}) {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username, password, device_id: `e2e-console-${username}`, device_name: 'e2e', ...(client ? { client } : {}),
      }),
    })
    check(res.ok, `the server signs in ${username} (got HTTP ${res.status}: ${await res.clone().text()})`)
    const body = await res.json()
    return { token: body.token, user: body.user }
  }

  async call(who, method, url, body) {
    return fetch(`${this.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
  }

  async json(who, url) {
    const res = await this.call(who, 'GET', url)
    check(res.ok, `GET ${url} as ${who.user.username} answers 200 (got ${res.status}: ${await res.clone().text()})`)
    return res.json()
  }

  /** A POST that must succeed; its answer. */
  async post(who, url, body) {
    const res = await this.call(who, 'POST', url, body)
    check(res.ok, `POST ${url} as ${who.user.username} succeeds (got ${res.status}: ${await res.clone().text()})`)
    return res.json()
  }

  async caseOf(who, id) {
    return this.json(who, `/api/v1/cases/${id}`)
  }

  /** A desk's action on the case's current version; must succeed. */
  async act(who, id, action) {
    const { case: c } = await this.caseOf(who, id)
    const res = await this.call(who, 'POST', `/api/v1/cases/${id}/actions`, { ...action, base_version: c.version })
    check(res.ok, `${who.user.username} may ${action.action} case ${id} (got ${res.status}: ${await res.clone().text()})`)
    return (await res.json()).case
  }

  /** A device's push; every op must be applied. */
  async push(who, ops) {
    const res = await this.call(who, 'POST', '/api/v1/sync/push', { device_id: `e2e-console-${who.user.username}`, ops })
    check(res.ok, `the push is answered 200 (got ${res.status}: ${await res.clone().text()})`)
    const body = await res.json()
    for (const r of body.results) {
      check(r.status === 'applied', `op ${r.op_id} is applied (got ${JSON.stringify(r)})`)
    }
    return body
  }

  /** Uploads a photo over tus 1.0.0 in one PATCH; returns its SHA-256. */
  async upload(who, bytes) {
    return tusUpload(this.base, who.token, bytes, check, 'handled.png')
  }
}
