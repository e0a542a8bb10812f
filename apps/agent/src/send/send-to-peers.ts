import { FileshareError, type FileshareNode, type NodeEvent, type PeerInfo, type TransferResult } from '@fileshare/core';
import { EXIT, exitCodeFor } from '../exit-codes.js';

/** One `send`, as the agent runs it itself or asks a running `run` to. */
export interface SendRequest {
  /** The `--to` values in command-line order, without repeats. */
  to: string[];
  /** Absolute paths (a files send). */
  paths?: string[];
  /** The message (a text send). */
  text?: string;
  /** How long to wait for each peer to be connected. */
  timeoutMs: number;
}

/** What happened for one `--to`: printed as a line, and as a `send-result` JSON line. */
export interface SendResult {
  /** The `--to` value this is about. */
  to: string;
  /** The peer it named, once found. */
  peerId?: string;
  name?: string;
  ok: boolean;
  /** This peer's exit code (see exit-codes.ts): 0 when it verified everything. */
  exitCode: number;
  /** The error code when not ok, e.g. ERR_TRANSFER_DECLINED. */
  code?: string;
  message?: string;
  transferId?: string;
  kind: 'files' | 'text';
  /** Files the receiver verified (a files send), of `bytes` in all; `alreadyThere` of them it already held. */
  files?: number;
  bytes?: number;
  alreadyThere?: number;
  /** Characters of the text (a text send). */
  characters?: number;
}

export interface SendToPeersOptions {
  signal: AbortSignal;
  /** The events of these transfers (and, with announceVerified, each receiver's code). */
  onEvent(event: NodeEvent): void;
  /** Each peer's outcome as soon as it is known. */
  onResult(result: SendResult): void;
  /**
   * Emit a `peer-verified` event for each receiver once found. A node that just started emits
   * its own when the receiver proves its key; a running daemon verified it long ago, and the
   * person sending should still see the code to compare.
   */
  announceVerified: boolean;
}

/** The exit code of a multi-peer send: 0 when every peer verified everything, else the first failing peer's (command-line order). */
export function overallExitCode(results: readonly SendResult[]): number {
  return results.find((r) => !r.ok)?.exitCode ?? EXIT.ok;
}

function failure(to: string, kind: SendResult['kind'], error: unknown, peer?: PeerInfo): SendResult {
  const code = error instanceof FileshareError ? error.code : 'ERR_UNEXPECTED';
  return {
    to,
    ...(peer !== undefined ? { peerId: peer.id, name: peer.name } : {}),
    ok: false,
    exitCode: error instanceof FileshareError ? exitCodeFor(code) : EXIT.failure,
    code,
    message: error instanceof Error ? error.message : String(error),
    kind,
  };
}

function success(to: string, peer: PeerInfo, request: SendRequest, result: TransferResult): SendResult {
  const base = { to, peerId: peer.id, name: peer.name, ok: true, exitCode: EXIT.ok, transferId: result.transferId };
  if (request.text !== undefined) return { ...base, kind: 'text', characters: [...request.text].length };
  return {
    ...base,
    kind: 'files',
    files: result.files.length,
    bytes: result.files.reduce((sum, f) => sum + f.size, 0),
    alreadyThere: result.files.filter((f) => f.alreadyThere === true).length,
  };
}

/**
 * Sends the same files (or text) to every peer named, all at once: each waits for its peer, then
 * offers. A peer named twice (by name and by id) gets one transfer. Resolves with one result per
 * `--to`, in the order given, once every transfer ended; never rejects.
 */
export async function sendToPeers(node: FileshareNode, request: SendRequest, options: SendToPeersOptions): Promise<SendResult[]> {
  const kind: SendResult['kind'] = request.text !== undefined ? 'text' : 'files';
  const ours = new Set<string>();
  const unsubscribe = node.subscribe((event) => {
    if (event.event.startsWith('transfer-') && 'transferId' in event && ours.has(event.transferId)) options.onEvent(event);
  });
  const byPeer = new Map<string, Promise<TransferResult>>();

  const transferTo = (peer: PeerInfo): Promise<TransferResult> => {
    if (options.announceVerified && peer.verificationCode !== undefined) {
      options.onEvent({ event: 'peer-verified', peerId: peer.id, name: peer.name, verificationCode: peer.verificationCode, trusted: peer.trusted });
    }
    const sendOptions = { signal: options.signal, onStarted: (id: string) => void ours.add(id) };
    return request.text !== undefined ? node.sendText(peer.id, request.text, sendOptions) : node.sendFiles(peer.id, request.paths ?? [], sendOptions);
  };

  const one = async (to: string): Promise<SendResult> => {
    let peer: PeerInfo | undefined;
    try {
      peer = await node.waitForPeer(to, { signal: options.signal, timeoutMs: request.timeoutMs });
      let transfer = byPeer.get(peer.id);
      if (transfer === undefined) {
        transfer = transferTo(peer);
        byPeer.set(peer.id, transfer);
      }
      return success(to, peer, request, await transfer);
    } catch (error) {
      return failure(to, kind, error, peer);
    }
  };

  try {
    return await Promise.all(
      request.to.map(async (to) => {
        const result = await one(to);
        options.onResult(result);
        return result;
      }),
    );
  } finally {
    unsubscribe();
  }
}
