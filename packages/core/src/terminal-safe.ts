/**
 * Making peer-supplied text safe to print. Anything a peer sends (names, texts, paths, error
 * messages) may carry escape sequences that move the cursor, clear the screen, retitle the
 * window or write the clipboard (OSC 52), and bidi controls that make `txt.exe` look like
 * `exe.txt`. Both apps pass every such string through `safeForTerminal` before printing it.
 */

/** Unicode bidirectional formatting characters (shown as `<U+XXXX>`). */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export interface SafeForTerminalOptions {
  /** Keep `\n` and `\t` as they are (a received text). Default false: they are escaped too. */
  multiline?: boolean;
}

function hex2(code: number): string {
  return code.toString(16).padStart(2, '0');
}

/**
 * Returns `text` with every C0 control (U+0000-U+001F), DEL and C1 control (U+0080-U+009F)
 * written as `\xHH` (ESC becomes `\x1b`, the 8-bit CSI `\x9b`), except `\n` and `\t` when
 * `multiline`, and every bidi control written as `<U+202E>`. Everything else is unchanged (a
 * carriage return is always escaped: it would let a text overwrite what was printed before it).
 */
export function safeForTerminal(text: string, options: SafeForTerminalOptions = {}): string {
  const multiline = options.multiline ?? false;
  let out = '';
  let plainStart = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      if (!(multiline && (code === 0x0a || code === 0x09))) replacement = `\\x${hex2(code)}`;
    } else if (code >= 0x61c && BIDI_CONTROLS.test(text.charAt(i))) {
      replacement = `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
    }
    if (replacement !== undefined) {
      out += text.slice(plainStart, i) + replacement;
      plainStart = i + 1;
    }
  }
  return plainStart === 0 ? text : out + text.slice(plainStart);
}
