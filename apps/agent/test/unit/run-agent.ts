import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const AGENT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built agent as a user would (stdin: `input`, or empty), and collects its exit code and output. */
export function agent(args: string[], options: { input?: string | Buffer } = {}): Promise<AgentRun> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [AGENT, ...args], { timeout: 15000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
    // EPIPE when the agent exits without reading all of it (what a refused input does).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}
