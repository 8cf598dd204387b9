// The server's HTTP API, as a second device of the same worker and as the county centre.

import fs from 'node:fs'
import { tusUpload } from '../../e2e-common/tus.mjs'
import { PASSWORD } from './config.mjs'
import { check } from './report.mjs'

export class Api {
  constructor(base) {
    this.base = base
  }

  async login(username, deviceId) {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD, device_id: deviceId, device_name: 'e2e checker' }),
    })
    check(res.ok, `the server signs in ${username} (got HTTP ${res.status}: ${await res.clone().text()})`)
    return (await res.json()).token
  }

  async get(token, url) {
    return fetch(`${this.base}${url}`, { headers: { authorization: `Bearer ${token}` } })
  }

  /** Uploads a photo file over tus 1.0.0 in one PATCH, as the console does; its SHA-256. */
  async upload(token, file) {
    return tusUpload(this.base, token, fs.readFileSync(file), check)
  }

  async json(token, url) {
    const res = await this.get(token, url)
    check(res.ok, `GET ${url} answers 200 (got ${res.status}: ${await res.clone().text()})`)
    return res.json()
  }

  /** Everything the user may see, from the empty cursor: the latest record of each id. */
  async pullAll(token) {
    const latest = new Map()
    let cursor = ''
    for (let page = 0; page < 10_000; page++) {
      const q = new URLSearchParams({ limit: '1000' })
      if (cursor) q.set('cursor', cursor)
      const body = await this.json(token, `/api/v1/sync/pull?${q}`)
      for (const c of body.changes) latest.set(`${c.entity}:${c.id}`, c)
      cursor = body.cursor
      if (!body.has_more) break
    }
    const of = (entity) => [...latest.values()].filter((c) => c.entity === entity && !c.deleted).map((c) => c.data)
    return { of }
  }
}
