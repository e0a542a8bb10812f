/**
 * The units both apps show sizes, rates and times in, so a number reads the same in the agent's
 * lines and on the TUI's screen. Decimal units (1 MB = 1,000,000 bytes), like file managers,
 * `ls -h --si` and network speeds.
 */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** `0 B`, `1.23 KB`, `12.3 MB`, `123 GB`: three significant digits; `?` for a non-count. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  const text = value.toFixed(digits);
  // 999.6 KB would print as "1000 KB": move to the next unit instead.
  if (Number(text) >= 1000 && unit < UNITS.length - 1) return `${(Number(text) / 1000).toFixed(2)} ${UNITS[unit + 1]}`;
  return `${text} ${UNITS[unit]}`;
}

/** `4.10 MB/s`; `-- /s` before a rate is known. */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '-- /s';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `42s`, `3m 05s`, `2h 07m`; `--` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
