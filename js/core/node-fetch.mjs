// The part of fetch the sender uses, over node:http(s) with keep-alive, for Node hosts (Lambda,
// CLI): the body goes out as it is, where fetch copies an array body and runs it through web
// streams, which cost the Lambda half its CPU and a body's worth of garbage per request.
import http from 'node:http';
import https from 'node:https';

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * POSTs (or any method) `body` to `input`; resolves to `{ status, headers, text() }` like a
 * Response, rejects on network errors and when `signal` aborts (with the signal's reason).
 * @param {string | URL} input
 * @param {{ method?: string, headers?: Record<string, string>, body?: Uint8Array | string, signal?: AbortSignal }} [init]
 */
export function nodeFetch(input, { method = 'GET', headers = {}, body, signal } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(input);
    const agent = agents[url.protocol];
    if (!agent) {
      reject(new TypeError(`unsupported protocol ${url.protocol}`));
      return;
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method,
      agent,
      signal,
      headers: { ...headers, 'content-length': String(bytes ? bytes.length : 0) },
    });
    req.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : [value]) answer.append(name, v);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, ok: res.statusCode >= 200 && res.statusCode < 300, headers: answer, text: async () => text });
      });
    });
    req.end(bytes);
  });
}
