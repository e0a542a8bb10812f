import { stat } from 'node:fs/promises';
import type { FileshareNode, FileshareNodeInit, NodeEvent } from '@fileshare/core';
import { parseCli } from './cli.js';
import { CLOSE_DEADLINE_MS, EXIT_FAILURE, EXIT_OK, EXIT_SIGHUP, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE } from './constants.js';
import type * as AfterFirstFrame from './after-first-frame.js';
import { ERASE_STARTING_LINE, STARTING_LINE } from './starting.js';
import { readVersion } from './version.js';

// Only commander and a few small modules of this folder are imported up front, so the first frame
// is drawn quickly; Ink, the UI and everything that needs core are loaded after it.
let afterFirstFrame: Promise<typeof AfterFirstFrame> | undefined;
const loadUi = () => (afterFirstFrame ??= import('./after-first-frame.js'));
const describeError = async (error: unknown) => (await loadUi()).describeError(error);

export interface RunIo {
  createNode: (init: FileshareNodeInit) => Promise<FileshareNode>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Where SIGINT/SIGTERM/SIGHUP arrive. Default `process`. */
  signals?: NodeJS.EventEmitter;
  cwd?: string;
  /** How long `node.close()` may take before we give up on it. Default CLOSE_DEADLINE_MS. */
  closeDeadlineMs?: number;
}

const SIGNAL_EXIT_CODES = { SIGINT: EXIT_SIGINT, SIGTERM: EXIT_SIGTERM, SIGHUP: EXIT_SIGHUP } as const;
type SignalName = keyof typeof SIGNAL_EXIT_CODES;

/**
 * The whole program: parse, start a node, run the UI until `q`/ctrl+c or a signal, then close the
 * node (mDNS goodbye, connections, partial files kept for resume). Returns the exit code; every
 * expected failure is reported as one line on stderr, never a stack trace.
 */
export async function run(argv: readonly string[], io: RunIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const signals = io.signals ?? process;
  const fail = (message: string, code: number) => {
    io.stderr.write(`fileshare: ${message}\n`);
    return code;
  };

  const parsed = parseCli(argv, readVersion(), cwd);
  if (parsed.kind === 'exit') {
    if (parsed.stdout) io.stdout.write(parsed.stdout);
    if (parsed.stderr) io.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { init, send } = parsed.options;
  for (const path of send?.paths ?? []) {
    const found = await stat(path).then(
      () => true,
      () => false,
    );
    if (!found) return fail(`no file or folder at ${path}.`, EXIT_USAGE);
  }
  if (!io.stdin.isTTY) {
    return fail('the interactive UI needs a terminal. For scripts and pipes use the agent: fileshare-agent --help.', EXIT_USAGE);
  }

  // Signals may arrive while the node starts; remember them and stop right after.
  let signalled: SignalName | undefined;
  let stopUi: (() => void) | undefined;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as SignalName[]).map((name) => {
    const handler = () => {
      signalled ??= name;
      stopUi?.();
    };
    signals.on(name, handler);
    return () => signals.off(name, handler);
  });

  // When the terminal goes away (window closed, ssh dropped: SIGHUP), writes fail with EIO.
  // Without a listener that is an uncaught exception, and the node would never say goodbye.
  // The listeners stay after run() returns: a last write to a dead terminal must not crash the exit.
  const onStreamError = () => {
    signalled ??= 'SIGHUP';
    stopUi?.();
  };
  const streams = [io.stdin, io.stdout, io.stderr];
  for (const stream of streams) stream.on('error', onStreamError);

  try {
    // The first frame, before anything slow: Ink, the UI's modules, the node with its native module.
    io.stdout.write(STARTING_LINE);

    let node: FileshareNode;
    let ui: Awaited<ReturnType<typeof loadUi>>;
    const startupEvents: NodeEvent[] = [];
    let starting = true;
    const created = io.createNode({ ...init, onEvent: (event) => void (starting && startupEvents.push(event)) });
    try {
      [ui, node] = await Promise.all([loadUi(), created]);
      starting = false;
    } catch (error) {
      io.stdout.write(ERASE_STARTING_LINE);
      // A node that did start (the UI's modules failed to load) must still say goodbye.
      await created.then((started) => started.close()).catch(() => undefined);
      return fail(await describeError(error), EXIT_FAILURE);
    }

    io.stdout.write(ERASE_STARTING_LINE);

    let code = EXIT_OK;
    const historyStore = ui.openHistoryStore(init.stateDir);
    if (signalled === undefined) {
      const { App, render } = ui;
      const instance = render(<App node={node} startupEvents={startupEvents} version={readVersion()} send={send} cwd={cwd} historyStore={historyStore} />, {
        stdin: io.stdin,
        stdout: io.stdout,
        stderr: io.stderr,
        // ctrl+c is a key binding of the app, so it goes through the same exit as `q`.
        exitOnCtrlC: false,
      });
      stopUi = () => instance.unmount();
      try {
        await instance.waitUntilExit();
      } catch (error) {
        code = fail(await describeError(error), EXIT_FAILURE);
      }
    }
    if (signalled !== undefined) code = SIGNAL_EXIT_CODES[signalled];
    // The last entries are written before the process may end.
    await historyStore.close();

    const closed = await closeWithin(node, io.closeDeadlineMs ?? CLOSE_DEADLINE_MS);
    if (closed !== true) return fail(closed, code === EXIT_OK ? EXIT_FAILURE : code);
    return code;
  } finally {
    for (const off of handlers) off();
  }
}

/** `true`, or a sentence saying why the node did not close cleanly. */
async function closeWithin(node: FileshareNode, deadlineMs: number): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`closing took longer than ${Math.round(deadlineMs / 1000)} s; leaving anyway.`), deadlineMs);
  });
  try {
    return await Promise.race([
      node.close().then(
        () => true as const,
        async (error: unknown) => `could not close cleanly: ${await describeError(error)}`,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
