import { request as httpRequest } from 'node:http'

/**
 * Streams up to `total` bytes chunked and keeps writing whatever the server answers; resolves with
 * the status (0 when none was read), the answer's body and the bytes the server took before it stopped
 * reading (socket back-pressure then holds the writer, and the server closes the connection).
 */
export function pushChunked(url: string, total: number, headers: Record<string, string> = {}): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve) => {
    let sent = 0
    let status = 0
    let body = ''
    let done = false
    const finish = () => {
      if (done) return
      done = true
      resolve({ status, sent, body })
    }
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      status = res.statusCode ?? 0
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
    })
    req.on('error', finish)
    req.on('close', finish)
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const pump = () => {
      while (!done && sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (sent >= total) req.end()
    }
    pump()
  })
}
