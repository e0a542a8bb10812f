import { safeForTerminal, type Logger } from '@fileshare/core';
import { jsonLine } from './json.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Logs go to stderr so that stdout carries only events (JSON lines with --json). A log message
 * can quote what a peer sent (a name, a refused frame), so it is made inert before printing.
 */
export function stderrLogger(minimum: Level, json: boolean): Logger {
  const write = (level: Level, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < ORDER[minimum]) return;
    const line = json
      ? jsonLine({ level, time: new Date().toISOString(), message, ...fields })
      : `${level}: ${safeForTerminal(message)}${fields && Object.keys(fields).length > 0 ? ` ${jsonLine(fields)}` : ''}`;
    process.stderr.write(`${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
