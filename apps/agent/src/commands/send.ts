import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { safeForTerminal, type NodeEvent } from '@fileshare/core';
import { DaemonConnection } from '../control/client.js';
import { CONTROL_PROTOCOL_VERSION, CONTROL_SOCKET_FILE, MAX_TARGETS } from '../control/protocol.js';
import { EXIT } from '../exit-codes.js';
import { exitWhenFlushed } from '../exit.js';
import { SEND_HELP } from '../help.js';
import { jsonLine } from '../json.js';
import { collect, nodeInit, parsePositive, stateDirOf, withCommonOptions, type CommonOptions } from '../options.js';
import { note, out, reportError, UsageError } from '../output.js';
import { SendPrinter } from '../send/send-output.js';
import { overallExitCode, sendToPeers, type SendRequest, type SendResult } from '../send/send-to-peers.js';
import { checkSources, planSend, readText, spoolStdin, STDIN, type Spool } from '../send/sources.js';
import { watchInterrupts, withNode, type Interrupts } from '../session.js';

export interface SendOptions extends CommonOptions {
  to?: string[];
  timeout: number;
  text?: string;
  as?: string;
  /** `--no-daemon` sets it false. */
  daemon: boolean;
}

/** The `--to` values in order, each once; at least one. */
export function targetsOf(to: readonly string[] | undefined): string[] {
  const targets = [...new Set((to ?? []).map((t) => t.trim()).filter((t) => t.length > 0))];
  if (targets.length === 0) throw new UsageError('say who receives it: --to NAME, id or id prefix (repeatable).');
  if (targets.length > MAX_TARGETS) throw new UsageError(`at most ${MAX_TARGETS} receivers (--to) at once.`);
  return targets;
}

/** The receiver's `peer-verified` (its verification code) is worth a line even without --verbose. */
function isTargetVerified(event: NodeEvent, targets: readonly string[]): boolean {
  if (event.event !== 'peer-verified') return false;
  return targets.some((to) => {
    const wanted = to.toLowerCase();
    return event.peerId === wanted || (wanted.length >= 4 && event.peerId.startsWith(wanted)) || event.name.toLowerCase() === wanted;
  });
}

const isAbort = (error: unknown): boolean => error instanceof Error && error.name === 'AbortError';

async function send(paths: string[], options: SendOptions, interrupts: Interrupts): Promise<number> {
  let spool: Spool | undefined;
  try {
    const targets = targetsOf(options.to);
    const plan = planSend(paths, options);
    if (plan.kind === 'files') {
      // Before anything starts: a typo must not wait out a peer search or reach a receiver.
      const problems = await checkSources(plan.paths);
      if (problems.length > 0) {
        for (const p of problems) {
          if (options.json) out(jsonLine({ event: 'error', code: 'ERR_SOURCE_INVALID', message: `cannot send ${p.path}: ${p.reason}`, path: p.path }));
          process.stderr.write(`fileshare-agent: cannot send ${safeForTerminal(p.path)}: ${p.reason}\n`);
        }
        return EXIT.usage;
      }
    }
    const readingTerminal = (plan.kind === 'text-from-stdin' || (plan.kind === 'files' && plan.stdinAs !== undefined)) && process.stdin.isTTY === true;
    if (readingTerminal) note('reading from the terminal; end with Ctrl-D');
    let text: string | undefined;
    if (plan.kind === 'text') text = plan.text;
    if (plan.kind === 'text-from-stdin') text = await readText(process.stdin, interrupts.signal);
    if (plan.kind === 'files' && plan.stdinAs !== undefined) {
      spool = await spoolStdin(process.stdin, plan.stdinAs, interrupts.signal, (cleanup) => interrupts.onForcedExit(cleanup));
    }
    const request: SendRequest = {
      to: targets,
      timeoutMs: options.timeout * 1000,
      ...(text !== undefined ? { text } : {}),
      ...(plan.kind === 'files' ? { paths: plan.paths.map((p) => (p === STDIN ? spool!.path : resolve(p))) } : {}),
    };
    const printer = new SendPrinter({ json: options.json, verbose: options.verbose, targets: targets.length, ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}) });
    if (options.daemon) {
      const connection = await DaemonConnection.connect(join(stateDirOf(options), CONTROL_SOCKET_FILE));
      if (connection !== undefined) return await viaDaemon(connection, request, printer, options, interrupts.signal);
    }
    return await direct(request, printer, options, interrupts.signal);
  } catch (error) {
    if (isAbort(error)) {
      process.stderr.write('fileshare-agent: interrupted while reading stdin; nothing was sent.\n');
      return EXIT.cancelled;
    }
    return reportError(error, options.json);
  } finally {
    await spool?.remove();
  }
}

/** This command runs its own node (no daemon on the state folder, or --no-daemon). */
function direct(request: SendRequest, printer: SendPrinter, options: SendOptions, signal: AbortSignal): Promise<number> {
  const onEvent = (event: NodeEvent): void => {
    // Our transfers' events come through sendToPeers; other nodes' offers to us are declined.
    if ('transferId' in event) return;
    if (options.json || options.verbose || event.event === 'warning' || isTargetVerified(event, request.to)) printer.event(event);
  };
  // A sender declines whatever is offered to it: it is not a receiving daemon.
  return withNode({ ...nodeInit(options, 'none'), onEvent }, options.json, async (node) => {
    const results = await sendToPeers(node, request, { signal, onEvent: (e) => printer.event(e), onResult: (r) => printer.result(r), announceVerified: false });
    printer.summary(results);
    return overallExitCode(results);
  });
}

/** Options that shape a node this command would start; a running daemon keeps its own. */
function ignoredWithDaemon(options: SendOptions): string[] {
  return [
    ...(options.name !== undefined ? ['--name'] : []),
    ...(options.port !== 0 ? ['--port'] : []),
    ...(options.interface !== undefined ? ['--interface'] : []),
    ...(options.peer.length > 0 ? ['--peer'] : []),
    ...(options.dir !== undefined ? ['--dir'] : []),
  ];
}

/** A running `fileshare-agent run` on this state folder sends for us, with its device id. */
async function viaDaemon(connection: DaemonConnection, request: SendRequest, printer: SendPrinter, options: SendOptions, signal: AbortSignal): Promise<number> {
  const ready = connection.ready;
  if (options.json) out(jsonLine({ ...ready, controlSocket: connection.socketPath }));
  else {
    const ignored = ignoredWithDaemon(options);
    note(`sending through the running agent ${ready.name} (${ready.deviceId.slice(0, 8)}), as that device${ignored.length > 0 ? `; ${ignored.join(', ')} ignored (it keeps its own)` : ''}`);
  }
  // Ctrl-C: the daemon cancels our transfers and reports them (exit 5).
  const onAbort = (): void => connection.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  const results: SendResult[] = [];
  try {
    const exitCode = await connection.request(
      {
        type: 'send',
        v: CONTROL_PROTOCOL_VERSION,
        to: request.to,
        ...(request.paths !== undefined ? { paths: request.paths } : {}),
        ...(request.text !== undefined ? { text: request.text } : {}),
        timeoutSeconds: request.timeoutMs / 1000,
      },
      {
        onEvent: (e) => printer.event(e),
        onResult: (r) => {
          results.push(r);
          printer.result(r);
        },
        onUnknownEvent: (reason) => options.verbose && note(`skipped an event this version does not know (${reason})`),
      },
    );
    printer.summary(request.to.flatMap((to) => results.filter((r) => r.to === to)));
    return exitCode;
  } catch (error) {
    return reportError(error, options.json);
  } finally {
    signal.removeEventListener('abort', onAbort);
    connection.close();
  }
}

export function registerSendCommand(program: Command): void {
  withCommonOptions(
    program
      .command('send')
      .description('send files and folders (or text) to one or more peers; exits 0 once every receiver verified everything')
      .addOption(new Option('--to <peer>', 'receiver: device id, id prefix (4+ characters) or name; repeat for several receivers').argParser(collect))
      .option('--timeout <seconds>', 'how long to wait for each peer to connect', parsePositive, 30)
      .option('--text <text>', 'send this text instead of files; - reads it from stdin (UTF-8, at most 1048576 bytes)')
      .option('--as <name>', 'the file name for what `-` reads from stdin')
      .option('--no-daemon', 'do not use a running `fileshare-agent run` on this state folder; start a separate node')
      .argument('[paths...]', 'files and folders to send; - reads a file from stdin (with --as NAME)'),
  )
    .addHelpText('after', SEND_HELP)
    .action(async (paths: string[], options: SendOptions) => {
      const interrupts = watchInterrupts();
      const code = await send(paths, options, interrupts);
      interrupts.dispose();
      await exitWhenFlushed(code);
    });
}
