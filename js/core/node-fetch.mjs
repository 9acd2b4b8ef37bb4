// The part of fetch the sender uses, over node:http(s) with keep-alive, for Node hosts (Lambda,
// CLI): the body goes out as it is, where fetch copies an array body and runs it through web
// streams, which cost the Lambda half its CPU and a body's worth of garbage per request.
import http from 'node:http';
import https from 'node:https';

/** @type {Record<string, http.Agent>} */
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * POSTs (or any method) `body` to `input`; resolves to `{ status, headers, text() }` like a
 * Response, rejects on network errors and when `signal` aborts (with the signal's reason).
 * Bodies are strings or bytes; a stream (the Sender's streamBodies, for Node's fetch) is refused.
 * @param {string | URL} input
 * @param {Parameters<import('./sender.mjs').FetchLike>[1]} [init]
 * @returns {Promise<{ status: number, ok: boolean, headers: Headers, text(): Promise<string> }>}
 */
export function nodeFetch(input, { method = 'GET', headers = {}, body, signal } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(input);
    const agent = agents[url.protocol];
    if (!agent) {
      reject(new TypeError(`unsupported protocol ${url.protocol}`));
      return;
    }
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      reject(new TypeError('nodeFetch sends a string or a Uint8Array body, not a stream'));
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
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) answer.append(name, v);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        // An answer that reaches 'end' has been parsed, status line and all.
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, headers: answer, text: async () => text });
      });
    });
    req.end(bytes);
  });
}
