import { request as httpRequest } from 'node:http'
import { createRequestGuard, readBody } from '@entrenar/core'
import { serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'
import { pushChunked } from './helpers/push-chunked.js'

describe('an answer given before the request body is read reaches the client', () => {
  it('a body over the cap: the client reads the 413, and the server stops reading near the cap', async () => {
    // Before, Node's destroySoon() closed the socket with the body unread right after the answer: the reset
    // reached the client before it read the 413, which it never saw (EPIPE).
    const server = await serveHandler(async (request) => {
      try {
        await readBody(request, { maxBytes: 8 * 1024 * 1024 })
        return new Response('read', { status: 200 })
      } catch (e) {
        return Response.json({ code: (e as { code?: string }).code }, { status: 413 })
      }
    })
    try {
      for (let i = 0; i < 3; i++) {
        const r = await pushChunked(`${server.url}/up`, 100 * 1024 * 1024)
        expect(r.status).toBe(413)
        expect(JSON.parse(r.body)).toEqual({ code: 'ENTRENAR_BODY_TOO_LARGE' })
        expect(r.sent).toBeLessThan(32 * 1024 * 1024)
      }
    } finally {
      await server.close()
    }
  })

  it('a refusal that reads nothing (401) reaches the client too', async () => {
    const server = await serveHandler(async () => new Response('no', { status: 401 }))
    try {
      const r = await pushChunked(`${server.url}/up`, 100 * 1024 * 1024)
      expect(r.status).toBe(401)
      expect(r.body).toBe('no')
      expect(r.sent).toBeLessThan(32 * 1024 * 1024)
    } finally {
      await server.close()
    }
  })

  it('a body under the cap is read whole, in order, paced by the reader', async () => {
    const server = await serveHandler(async (request) => {
      const text = await readBody(request, { maxBytes: 8 * 1024 * 1024 })
      let sum = 0
      for (let i = 0; i < text.length; i++) sum = (sum * 31 + text.charCodeAt(i)) >>> 0
      return Response.json({ length: text.length, sum })
    })
    try {
      const text = Array.from({ length: 300_000 }, (_, i) => String(i % 997)).join(',')
      let sum = 0
      for (let i = 0; i < text.length; i++) sum = (sum * 31 + text.charCodeAt(i)) >>> 0
      const res = await fetch(`${server.url}/up`, { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } })
      expect(await res.json()).toEqual({ length: text.length, sum })
    } finally {
      await server.close()
    }
  })

  it('a client that goes away mid-body: the body read fails, it does not hang', async () => {
    let outcome: Promise<string> | undefined
    const server = await serveHandler(async (request) => {
      outcome = readBody(request, { maxBytes: 64 * 1024 * 1024 }).then(
        () => 'read',
        () => 'failed',
      )
      return new Response(await outcome)
    })
    try {
      const req = httpRequest(`${server.url}/up`, { method: 'POST', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } })
      req.on('error', () => {})
      req.write(Buffer.alloc(64 * 1024, 0x61))
      while (!outcome) await new Promise((r) => setTimeout(r, 5))
      req.destroy()
      expect(await outcome).toBe('failed')
    } finally {
      await server.close()
    }
  })

  it('the request guard\'s refusals of a streaming attacker reach it too: foreign Host 421, cross-origin 403, text/plain 415, hostile JSON 400', async () => {
    let port = 0
    const guard = createRequestGuard({ port: () => port })
    const server = await serveHandler(async (request) => {
      const refused = guard.check(request)
      if (refused) return refused
      let text: string
      try {
        text = await readBody(request, { maxBytes: 8 * 1024 * 1024 })
      } catch {
        return new Response('too large', { status: 413 })
      }
      try {
        const v = JSON.parse(text) as unknown
        return typeof v === 'object' && v !== null && !Array.isArray(v) ? new Response('ok') : new Response('not an object', { status: 400 })
      } catch {
        return new Response('not JSON', { status: 400 })
      }
    })
    port = Number(new URL(server.url).port)
    try {
      const cases: [Record<string, string>, number][] = [
        [{ host: `evil.example:${port}` }, 421],
        [{ origin: 'http://evil.example' }, 403],
        [{ 'content-type': 'text/plain', origin: 'http://evil.example' }, 403],
        [{ 'content-type': 'text/plain' }, 415],
        [{}, 413],
      ]
      for (const [headers, want] of cases) {
        const r = await pushChunked(`${server.url}/up`, 100 * 1024 * 1024, headers)
        expect(r.status, JSON.stringify(headers)).toBe(want)
        expect(r.sent, JSON.stringify(headers)).toBeLessThan(32 * 1024 * 1024)
      }
      // A hostile value under the cap (64 KiB of spaces is no JSON object) is read whole and refused.
      const hostile = await pushChunked(`${server.url}/up`, 64 * 1024)
      expect(hostile).toMatchObject({ status: 400, body: 'not JSON' })
    } finally {
      await server.close()
    }
  })
})
