// A classic worker for the browser bench: reads the posted File as text and parses it with
// papaparse 5.7.1, `header: true`, in this worker's own thread (not papaparse's `worker: true`
// mode, which reads a File in chunks and posts every chunk's rows back to the page).
//
// In:  { id, file }     Out: { id, rows, dataLength }   or { id, error }
// rows leaves out the one empty row papaparse makes of a trailing newline.
importScripts('../../node_modules/papaparse/papaparse.min.js');

self.addEventListener('message', async (event) => {
  const { id, file } = event.data;
  try {
    const text = await file.text();
    const { data } = self.Papa.parse(text, { header: true });
    let rows = data.length;
    const last = data[rows - 1];
    if (last && Object.values(last).every((v) => v === '' || v == null)) rows -= 1;
    self.postMessage({ id, rows, dataLength: data.length });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message ?? err) });
  }
});
