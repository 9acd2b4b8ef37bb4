// A tiny static file server for the browser tests: GET and HEAD only, on 127.0.0.1, files
// under `root` only, with the MIME types a browser insists on (module scripts and wasm).
//
//   const server = await startStaticServer({ root: '/work/main', port: 0 });
//   await page.goto(`${server.url}/js/hosts/browser/index.html`);
//   await server.close();
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The file under `root` a request path names, or null when the path leaves `root` (`..`,
 * encoded or not, absolute-looking segments, NUL bytes) or cannot be decoded.
 * @param {string} root
 * @param {string} pathname
 */
export function resolveUnder(root, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((part) => part === '..')) return null;
  const base = path.resolve(root);
  const full = path.resolve(base, `.${path.posix.normalize(`/${decoded}`)}`);
  if (full !== base && !full.startsWith(base + path.sep)) return null;
  return full;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} text
 * @param {Record<string, string>} [extra] more headers
 */
function send(res, status, text, extra = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(text);
}

/**
 * Serves `root` on 127.0.0.1 (`port` 0: any free port). A folder serves its index.html.
 * @param {{ root: string, port?: number }} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startStaticServer({ root, port = 0 }) {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    let file = resolveUnder(root, pathname);
    if (!file) return send(res, 403, 'forbidden\n');
    let info;
    try {
      info = await stat(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) return send(res, 301, '', { location: `${pathname}/` });
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
    } catch {
      return send(res, 404, 'not found\n');
    }
    if (!info.isFile()) return send(res, 404, 'not found\n');
    res.writeHead(200, {
      'content-type': /** @type {Record<string, string>} */ (MIME_TYPES)[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  // Keep-alive sockets would hold close() open; the tests want it quick.
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
