import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { waitForOutput } from '../../src/wait.js';

function nodeChild(script: string) {
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('waitForOutput', () => {
  it('returns matching lines in order without losing lines that came in one chunk', async () => {
    const child = nodeChild(`process.stdout.write('ready\\nfirst\\nsecond\\n'); setTimeout(() => console.log('third'), 50);`);
    await expect(waitForOutput(child, 'ready')).resolves.toBe('ready');
    await expect(waitForOutput(child, /^fi/)).resolves.toBe('first');
    await expect(waitForOutput(child, 'second')).resolves.toBe('second');
    await expect(waitForOutput(child, 'third')).resolves.toBe('third');
  });

  it('rejects when the output ends first, with the last lines in the message', async () => {
    const child = nodeChild(`console.log('only line')`);
    await expect(waitForOutput(child, 'never')).rejects.toMatchObject({
      code: 'ERR_LAN_COMMAND_FAILED',
      message: expect.stringContaining('only line'),
    });
  });

  it('rejects after the timeout and on abort', async () => {
    const child = nodeChild(`setTimeout(() => {}, 5000)`);
    try {
      await expect(waitForOutput(child, 'x', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'ERR_LAN_TIMEOUT' });
      const controller = new AbortController();
      const waiting = waitForOutput(child, 'x', { signal: controller.signal });
      controller.abort(new Error('stop'));
      await expect(waiting).rejects.toThrow('stop');
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });

  it('reads stderr when asked', async () => {
    const child = nodeChild(`console.error('on stderr')`);
    await expect(waitForOutput(child, 'on stderr', { stream: 'stderr' })).resolves.toBe('on stderr');
  });
});
