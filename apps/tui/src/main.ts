import { EXIT_FAILURE, EXIT_GRACE_MS, EXIT_SIGHUP } from './constants.js';
import { allowInteractiveRendering } from './interactive-rendering.js';

// Someone is watching a terminal, so a TTY wins over CI; run.js (and with it Ink) is imported
// only after that.
if (process.stdout.isTTY) allowInteractiveRendering();
const { run } = await import('./run.js');

let code: number;
try {
  code = await run(process.argv.slice(2), {
    // Core (and with it the native WebRTC module) loads only when the node starts, after run()
    // has drawn the first frame: loading them is most of the start-up time.
    createNode: async (init) => (await import('./create-node.js')).createFileshareNode(init),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (error) {
  // run() reports expected failures itself; this is the last line against a stack trace.
  const { describeError } = await import('./errors.js');
  process.stderr.write(`fileshare: ${describeError(error)}\n`);
  code = EXIT_FAILURE;
}

if (code === EXIT_SIGHUP) {
  // The terminal is gone and the node is closed. Node 20 aborts on exit when it cannot restore
  // the settings of a hung-up terminal (an assertion in ResetStdio), so end the way an
  // unhandled SIGHUP would: re-raise it now that our handler is gone.
  process.kill(process.pid, 'SIGHUP');
} else {
  process.exitCode = code;
  // Everything is closed and the process normally ends on its own; if a stray handle still
  // holds it, the user must get the shell back anyway. Unref'd, so it never delays a clean exit.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}
