import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ipCommand } from './commands.js';

/**
 * A tiny watchdog process per LAN. It reads the namespace names on stdin and, if stdin ends
 * without a "done" line (the owner died: SIGKILL, a crash, Jest tearing down a worker), kills
 * whatever runs inside them and deletes them. In-process 'exit' handlers cannot cover SIGKILL,
 * and inside Jest `process.on('exit')` lands on the sandbox's copy of `process` and never fires.
 * It runs in its own session so a Ctrl-C aimed at the owner's terminal does not kill it first.
 */
const REAPER_SCRIPT = `
const { execFileSync } = require('node:child_process');
const ipPath = process.argv[1];
let names = [];
let done = false;
let buffer = '';
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    try {
      const msg = JSON.parse(line);
      if (Array.isArray(msg.netns)) names = msg.netns;
      if (msg.done === true) done = true;
    } catch {}
  }
});
process.stdin.on('end', () => {
  if (done) return;
  const run = (args, input) => {
    try { return execFileSync(ipPath, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'ignore'], timeout: 15000 }); }
    catch { return ''; }
  };
  for (const ns of names) {
    for (const pid of run(['netns', 'pids', ns]).split(/\\s+/).map(Number)) {
      if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    }
  }
  if (names.length > 0) run(['-force', '-batch', '-'], names.map((n) => 'netns del ' + n).join('\\n') + '\\n');
});
`;

export class Reaper {
  private readonly child: ChildProcess;
  private finished = false;

  constructor(netns: readonly string[]) {
    this.child = spawn(process.execPath, ['-e', REAPER_SCRIPT, ipCommand()], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // A reaper that fails to start must not crash the owner; the exit handlers and the stale
    // sweep still cover cleanup.
    this.child.on('error', () => undefined);
    this.child.stdin?.on('error', () => undefined);
    this.child.stdin?.write(JSON.stringify({ netns }) + '\n');
    // Neither the process nor its pipe may keep the owner alive.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** The namespaces are gone (or about to be deleted by us): let the reaper exit quietly. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.child.stdin?.end(JSON.stringify({ done: true }) + '\n');
  }
}
