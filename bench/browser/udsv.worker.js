// A classic worker for the browser bench: reads the posted File as text and parses it with
// uDSV 0.7.3's browser build (dist/uDSV.iife.min.js, global `uDSV`):
// initParser(inferSchema(text)).typedDeep(text), typed nested objects.
//
// In:  { id, file }     Out: { id, rows }   or { id, error }
importScripts('../../node_modules/udsv/dist/uDSV.iife.min.js');

self.addEventListener('message', async (event) => {
  const { id, file } = event.data;
  try {
    const text = await file.text();
    const { inferSchema, initParser } = self.uDSV;
    const rows = initParser(inferSchema(text)).typedDeep(text).length;
    self.postMessage({ id, rows });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message ?? err) });
  }
});
