import { FileshareError, safeForTerminal, type NodeEvent } from '@fileshare/core';
import { exitCodeFor, EXIT } from './exit-codes.js';
import { exitWhenFlushed } from './exit.js';
import { describeEvent } from './format.js';
import { jsonLine } from './json.js';

export interface OutputOptions {
  json: boolean;
  stateDir?: string;
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A sentence for the person on stderr, inert (it may quote what a peer chose). */
export function note(line: string): void {
  process.stderr.write(`${safeForTerminal(line, { multiline: true })}\n`);
}

/** A node event as a JSON line (--json) or a readable line; events not worth a line print nothing. */
export function printEvent(event: NodeEvent, options: OutputOptions): void {
  if (options.json) {
    out(jsonLine(event));
    return;
  }
  const line = describeEvent(event, options.stateDir !== undefined ? { stateDir: options.stateDir } : {});
  if (line !== undefined) out(line);
}

/**
 * A mistake in how the agent was called, found by the agent itself (commander reports its own):
 * exit 2 with one sentence, before any node starts.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** A machine-readable reason for --json, e.g. ERR_SOURCE_MISSING. */
    readonly code = 'ERR_USAGE',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints an error the way every verb does and returns the exit code it maps to. Only bugs print a stack. */
export function reportError(error: unknown, json: boolean, prefix = ''): number {
  if (error instanceof UsageError) {
    if (json) out(jsonLine({ event: 'error', code: error.code, message: error.message }));
    process.stderr.write(`fileshare-agent: ${safeForTerminal(error.message, { multiline: true })}\n`);
    return EXIT.usage;
  }
  const code = error instanceof FileshareError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (json) out(jsonLine({ event: 'error', code: code ?? 'ERR_UNEXPECTED', message }));
  // The message may quote a peer (a name, a reason it sent), so it is printed inert.
  process.stderr.write(`fileshare-agent: ${safeForTerminal(prefix + message)}${code ? ` [${code}]` : ''}\n`);
  if (!(error instanceof FileshareError) && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return exitCodeFor(code);
}

/** Expected failures print one sentence and exit with their code. */
export async function fail(error: unknown, json: boolean): Promise<never> {
  return exitWhenFlushed(reportError(error, json));
}
