/**
 * Characters JSON.stringify leaves as they are but a terminal may act on: DEL and the C1
 * controls (U+009B is a CSI on some terminals), the bidi controls that reorder what a reader
 * sees, and the two Unicode line separators. JSON allows any of them as a `\uXXXX` escape, so
 * escaping them changes nothing a parser reads and keeps `--json` output safe to watch.
 */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One JSON line, safe to print on a terminal (C0 controls are escaped by JSON.stringify itself). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
