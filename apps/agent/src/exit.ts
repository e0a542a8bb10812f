/**
 * Ends the process with `code` once stdout and stderr have handed every byte to the OS.
 *
 * On Linux a pipe to our stdout is non-blocking, so a long write is queued inside the process;
 * `process.exit()` alone throws that queue away. A script reading the JSON lines would then get
 * the last event cut off: with a large transfer that is `transfer-complete` and its file list.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` so far is out, or the reader is gone (EPIPE). */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    // Writes complete in order, so an empty write's callback runs after every earlier one.
    stream.write('', () => resolve());
  });
}
