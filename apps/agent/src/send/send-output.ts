import { safeForTerminal, type NodeEvent } from '@fileshare/core';
import { formatBytes, formatDuration, formatRate, plural, progressBar, short } from '../format.js';
import { jsonLine } from '../json.js';
import { out, printEvent, type OutputOptions } from '../output.js';
import { overallExitCode, type SendResult } from './send-to-peers.js';

/** Redraws one progress line on stderr (only on a terminal, never with --json): all transfers of the send summed. */
class ProgressLine {
  private readonly transfers = new Map<string, { bytes: number; total: number; rate: number; done: boolean }>();
  private drawn = false;

  constructor(private readonly enabled: boolean) {}

  update(e: NodeEvent): void {
    if (!this.enabled) return;
    if (e.event === 'transfer-progress') {
      this.transfers.set(e.transferId, { bytes: e.bytes, total: e.totalBytes, rate: e.bytesPerSecond, done: false });
      this.draw();
    } else if (e.event === 'transfer-complete' || e.event === 'transfer-failed') {
      const t = this.transfers.get(e.transferId);
      if (t !== undefined) t.done = true;
    }
  }

  private draw(): void {
    const all = [...this.transfers.values()];
    const running = all.filter((t) => !t.done);
    const bytes = all.reduce((s, t) => s + t.bytes, 0);
    const total = all.reduce((s, t) => s + t.total, 0);
    const rate = running.reduce((s, t) => s + t.rate, 0);
    const eta = rate > 0 ? Math.max(...running.map((t) => (t.total - t.bytes) / Math.max(1, t.rate))) : Infinity;
    const who = all.length > 1 ? ` ${running.length}/${all.length} receivers` : '';
    process.stderr.write(`\r${progressBar(bytes, total)} ${formatBytes(bytes)}/${formatBytes(total)} ${formatRate(rate)} ETA ${formatDuration(eta)}${who}\u001b[K`);
    this.drawn = true;
  }

  /** Ends the line so that the next output starts on its own. */
  finish(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}

const who = (r: SendResult): string => (r.peerId !== undefined ? `${safeForTerminal(r.name ?? '')} (${short(r.peerId)})` : safeForTerminal(r.to));

/** The sentence for one peer's outcome. */
export function describeResult(r: SendResult, multiple: boolean): string {
  if (!r.ok) {
    const reason = `${safeForTerminal(r.message ?? 'failed')}${r.code !== undefined ? ` [${r.code}]` : ''}`;
    return multiple ? `not sent to ${who(r)}: ${reason} (exit ${r.exitCode})` : reason;
  }
  if (r.kind === 'text') return `sent text (${plural(r.characters ?? 0, 'character')}) to ${who(r)}; receiver confirmed`;
  const there = (r.alreadyThere ?? 0) > 0 ? ` (${r.alreadyThere} already there)` : '';
  return `sent ${plural(r.files ?? 0, 'file')}${there}, ${formatBytes(r.bytes ?? 0)} to ${who(r)}; receiver verified every SHA-256`;
}

/** The closing line of a send to several peers. */
export function describeSummary(results: readonly SendResult[]): string {
  const ok = results.filter((r) => r.ok).length;
  if (ok === results.length) return `all ${results.length} receivers got everything`;
  const first = results.find((r) => !r.ok)!;
  return `${ok} of ${results.length} receivers got everything; exit ${overallExitCode(results)} (that of the first failed --to, ${safeForTerminal(first.to)})`;
}

/**
 * What `send` prints, the same whether it runs a node itself or a running daemon does the work:
 * the transfer events (readable lines or JSON), a progress line on a terminal, one result per
 * peer and, for several peers, a summary.
 */
export class SendPrinter {
  private readonly progress: ProgressLine;

  constructor(
    private readonly options: OutputOptions & { verbose: boolean; targets: number },
  ) {
    this.progress = new ProgressLine(!options.json && process.stderr.isTTY === true);
  }

  event(e: NodeEvent): void {
    this.progress.update(e);
    if (e.event === 'transfer-progress') return;
    this.progress.finish();
    printEvent(e, this.options);
  }

  result(r: SendResult): void {
    this.progress.finish();
    const multiple = this.options.targets > 1;
    if (this.options.json) {
      // Kept for scripts written for a single --to: a failed send ends with an `error` event.
      if (!r.ok) out(jsonLine({ event: 'error', code: r.code ?? 'ERR_UNEXPECTED', message: r.message ?? '', to: r.to, ...(r.peerId !== undefined ? { peerId: r.peerId } : {}) }));
      out(jsonLine({ event: 'send-result', ...r }));
      return;
    }
    if (r.ok) out(describeResult(r, multiple));
    else process.stderr.write(`fileshare-agent: ${describeResult(r, multiple)}\n`);
  }

  summary(results: readonly SendResult[]): void {
    this.progress.finish();
    if (!this.options.json && results.length > 1) process.stderr.write(`${describeSummary(results)}\n`);
  }
}
