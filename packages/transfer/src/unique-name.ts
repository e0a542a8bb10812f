import { MAX_TRANSFER_SEGMENT_BYTES } from '@fileshare/protocol';

/** Extensions kept together when numbering, so `a.tar.gz` becomes `a (1).tar.gz`. */
const DOUBLE_EXTENSIONS = /\.tar\.[A-Za-z0-9]{1,8}$/i;
/** Only short, plain extensions count as one: `My.Long Document` has none. */
const EXTENSION = /\.[A-Za-z0-9_-]{1,16}$/;

/** Splits a file name into stem and extension; dot files (`.bashrc`) and folders have no extension. */
export function splitExtension(name: string, isDirectory = false): { stem: string; ext: string } {
  if (isDirectory) return { stem: name, ext: '' };
  const match = DOUBLE_EXTENSIONS.exec(name) ?? EXTENSION.exec(name);
  if (!match || match.index === 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, match.index), ext: name.slice(match.index) };
}

/**
 * The n-th alternative for a name that is taken: `report.pdf` -> `report (1).pdf`, folder
 * `photos` -> `photos (1)`. The stem is shortened (on a code point boundary) so the result stays
 * within the 255-byte name limit.
 */
export function numberedName(name: string, n: number, isDirectory = false): string {
  if (n === 0) return name;
  const { stem, ext } = splitExtension(name, isDirectory);
  const suffix = ` (${n})${ext}`;
  const budget = MAX_TRANSFER_SEGMENT_BYTES - Buffer.byteLength(suffix, 'utf8');
  let kept = '';
  let bytes = 0;
  for (const ch of stem) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    kept += ch;
    bytes += size;
  }
  return `${kept}${suffix}`;
}

/** First name in `name`, `name (1)`, `name (2)`, ... for which `taken` says false. */
export function firstFreeName(name: string, taken: (candidate: string) => boolean, isDirectory = false): string {
  for (let n = 0; ; n++) {
    const candidate = numberedName(name, n, isDirectory);
    if (!taken(candidate)) return candidate;
  }
}
