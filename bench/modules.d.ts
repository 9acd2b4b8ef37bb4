// papaparse ships no types (they are in @types/papaparse, which the bench does without: it calls
// Papa.parse(text, { header: true }) and reads `.data.length`, nothing else).
declare module 'papaparse' {
  const Papa: { parse(text: string, config: { header: boolean }): { data: unknown[] } };
  export default Papa;
}
