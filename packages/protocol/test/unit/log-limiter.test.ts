import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LogLimiter } from '../../src/log-limiter.js';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

/** A clock the test moves by hand, with the fake timers moved along. */
function clock() {
  let now = 0;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
      jest.advanceTimersByTime(ms);
    },
  };
}


interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger() {
  const lines: LogLine[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, fields });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('rate-limited warnings', () => {
  it('logs 5 lines per code per window, then one summary line when the window ends', () => {
    const t = clock();
    const logger = recordingLogger();
    const log = new LogLimiter(logger, { linesPerWindow: 5, windowMs: 10_000, subject: 'signaling warnings', now: t.now });
    for (let i = 0; i < 100; i++) log.warn('ERR_X', 'bad', { i });
    log.warn('ERR_Y', 'other', {});
    expect(logger.lines.map((l) => l.fields?.['code'])).toEqual(['ERR_X', 'ERR_X', 'ERR_X', 'ERR_X', 'ERR_X', 'ERR_Y']);

    t.advance(10_000);
    expect(logger.lines).toHaveLength(7);
    expect(logger.lines[6]).toMatchObject({
      level: 'warn',
      message: '95 more signaling warnings with code ERR_X suppressed',
      fields: { code: 'ERR_X', suppressed: 95, windowMs: 10_000 },
    });
    // A new window: five more lines are allowed.
    for (let i = 0; i < 6; i++) log.warn('ERR_X', 'bad', {});
    expect(logger.lines).toHaveLength(12);
    log.close();
    expect(logger.lines[12]).toMatchObject({ fields: { code: 'ERR_X', suppressed: 1 } });
    expect(jest.getTimerCount()).toBe(0);
    log.close();
    expect(logger.lines).toHaveLength(13);
  });
});
