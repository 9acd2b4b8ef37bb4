// A POST on a connection of its own, closed after the answer: for requests the Worker answers
// before reading their body (a 401, a 413). On a kept-alive connection, workerd closes the socket
// after such an answer, and the next request sent on it meets "other side closed" (undici's
// fetch reuses the socket before it sees the close): a race of the client's pool, not an answer.
import http from 'node:http';

/**
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string | Uint8Array} body
 * @param {{ chunked?: boolean }} [how] chunked: sent with no Content-Length, in chunked encoding
 * @returns {Promise<{ status: number, json(): Promise<any>, text(): Promise<string> }>}
 */
export function freshPost(url, headers, body, { chunked = false } = {}) {
  const length = chunked ? {} : { 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, connection: 'close', ...length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text: async () => text, json: async () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}
