import type { NodeEvent, PeerInfo, TransferDirection } from '@fileshare/core';
import { HISTORY_LIMIT } from '../constants.js';
import { shortId, summarizeFiles } from '../format.js';
import { completionDetails, moveHistorySelection, nameOf, nextFocus, reduceContent, resumeNote, runningTransfer, transferStarted } from './content.js';
import { closeSendDialog, draftFor, redirectedCliSend, reduceDialogs, restoreParked, withoutCancelQuestion } from './dialogs.js';
import { addToDraft, completeDraft, setDraftInput } from './draft.js';
import { sanitizeEvent, sanitizePeer } from './sanitize.js';
import type {
  CliSend,
  HistoryEntry,
  Input,
  LiveTransfer,
  Outcome,
  PeerView,
  PendingOffer,
  SelfInfo,
  TrustDialog,
  UiAction,
  UiState,
} from './types.js';

export function initialState(self: SelfInfo, peers: readonly PeerInfo[] = [], cliSend?: { to: string; paths: string[] }): UiState {
  const views = peers.map(toPeerView);
  const state: UiState = {
    self,
    peers: views,
    focus: 'peers',
    transfers: [],
    history: [],
    offers: [],
    texts: [],
    screen: 'main',
    quitArmed: false,
  };
  if (views[0]) state.selectedPeerId = views[0].id;
  if (cliSend) state.cliSend = { ...cliSend, status: 'waiting' };
  return state;
}

/** The whole UI as one pure function of node events and key-driven actions. */
export function reduce(state: UiState, input: Input): UiState {
  if ('event' in input) return restoreParked(reduceEvent(state, sanitizeEvent(input)));
  const next = restoreParked(reduceAction(state, input));
  // Any deliberate action other than a first `q` takes back the "press q again" warning.
  if (next.quitArmed && input.type !== 'arm-quit') return { ...next, quitArmed: false };
  return next;
}

function reduceEvent(state: UiState, e: NodeEvent): UiState {
  switch (e.event) {
    case 'ready':
      return {
        ...state,
        self: { deviceId: e.deviceId, name: e.name, port: e.port, addresses: e.addresses, receiveDir: e.receiveDir },
      };

    case 'peer-discovered': {
      const existing = state.peers.find((p) => p.id === e.peerId);
      if (existing) {
        return withPeers(state, state.peers.map((p) => (p.id === e.peerId ? { ...p, name: e.name, address: e.address, port: e.port, manual: e.manual } : p)));
      }
      const view: PeerView = { id: e.peerId, name: e.name, address: e.address, port: e.port, state: 'discovered', manual: e.manual, verified: false, trusted: false };
      return withPeers(state, [...state.peers, view]);
    }

    case 'peer-verified': {
      const proven = { name: e.name, verified: true, trusted: e.trusted, verificationCode: e.verificationCode };
      if (!state.peers.some((p) => p.id === e.peerId)) {
        const view: PeerView = { id: e.peerId, address: '', port: 0, state: 'connected', manual: false, ...proven };
        return withPeers(state, [...state.peers, view]);
      }
      return withPeers(state, state.peers.map((p) => (p.id === e.peerId ? { ...p, ...proven } : p)));
    }

    case 'peer-updated':
      return withPeers(state, state.peers.map((p) => (p.id === e.peerId ? { ...p, name: e.name, address: e.address, port: e.port } : p)));

    case 'peer-state': {
      if (!state.peers.some((p) => p.id === e.peerId)) {
        // A state for a peer we never saw announced (we subscribed late): show it anyway.
        const view: PeerView = { id: e.peerId, name: shortId(e.peerId), address: '', port: 0, state: e.state, manual: false, verified: false, trusted: false };
        return withPeers(state, [...state.peers, view]);
      }
      return withPeers(
        state,
        state.peers.map((p) => {
          if (p.id !== e.peerId) return p;
          const { reason: _r, ...rest } = p;
          return e.reason !== undefined && e.state === 'not-connected' ? { ...rest, state: e.state, reason: e.reason } : { ...rest, state: e.state };
        }),
      );
    }

    case 'peer-removed':
      return withPeers(state, state.peers.filter((p) => p.id !== e.peerId));

    case 'transfer-offered': {
      if (state.history.some((h) => h.id === e.transferId)) return state;
      const incomingDecision = e.direction === 'receive' && e.awaitingDecision;
      // An offer carries the sender's name; for our own sends that is us, so name the receiver
      // from the peer list instead.
      const name = e.direction === 'send' ? nameOf(state, e.peerId) : e.peerName;
      const transfer: LiveTransfer = {
        id: e.transferId,
        direction: e.direction,
        peerId: e.peerId,
        peerName: name,
        files: e.files,
        totalBytes: e.totalBytes,
        bytes: 0,
        bytesPerSecond: 0,
        phase: incomingDecision ? 'awaiting-decision' : e.direction === 'send' ? 'offered' : 'running',
      };
      let next = upsertTransfer(state, transfer);
      // The transfer list now says "waiting for <peer> to accept"; the notice would repeat it.
      if (e.direction === 'send' && next.notice?.until === 'send-offered') {
        const { notice: _n, ...rest } = next;
        next = rest;
      }
      if (incomingDecision && !state.offers.some((o) => o.transferId === e.transferId)) {
        const pending: PendingOffer = { transferId: e.transferId, peerId: e.peerId, peerName: e.peerName, files: e.files, totalBytes: e.totalBytes, trusted: e.trusted };
        if (e.lookalikeOf !== undefined) pending.lookalikeOf = e.lookalikeOf;
        next = { ...next, offers: [...next.offers, pending] };
      }
      return next;
    }

    case 'transfer-started':
      return transferStarted(state, e);

    case 'transfer-reconnecting': {
      if (!state.transfers.some((t) => t.id === e.transferId)) return state;
      return {
        ...state,
        transfers: state.transfers.map((t) => (t.id === e.transferId ? { ...t, phase: 'reconnecting', bytesPerSecond: 0, graceSeconds: e.graceSeconds } : t)),
      };
    }

    case 'transfer-progress': {
      if (state.history.some((h) => h.id === e.transferId)) return state;
      const existing = state.transfers.find((t) => t.id === e.transferId);
      const base = existing ?? runningTransfer(state, e);
      const updated: LiveTransfer = {
        ...base,
        bytes: e.bytes,
        totalBytes: e.totalBytes,
        bytesPerSecond: e.bytesPerSecond,
        phase: 'running',
      };
      if (e.etaSeconds !== undefined) updated.etaSeconds = e.etaSeconds;
      else delete updated.etaSeconds;
      if (e.currentFile !== undefined) updated.currentFile = e.currentFile;
      // Bytes moving means the offer was decided (possibly elsewhere, e.g. a trusted peer).
      return { ...upsertTransfer(state, updated), offers: state.offers.filter((o) => o.transferId !== e.transferId) };
    }

    case 'transfer-complete': {
      const live = state.transfers.find((t) => t.id === e.transferId);
      const entry: HistoryEntry = {
        id: e.transferId,
        direction: e.direction,
        peerId: e.peerId,
        peerName: live?.peerName ?? nameOf(state, e.peerId),
        what: summarizeFiles(live && live.files.length > 0 ? live.files : e.files.map((f) => ({ path: f.path, kind: 'file' as const }))),
        totalBytes: live?.totalBytes ?? e.files.reduce((sum, f) => sum + f.size, 0),
        outcome: 'verified',
        files: e.files,
      };
      if (e.savedTo !== undefined) entry.savedTo = e.savedTo;
      if (state.history.some((h) => h.id === e.transferId)) return state;
      Object.assign(entry, completionDetails(e, live));
      // A received text is on screen in its own dialog; a notice would only repeat it.
      if (entry.text && e.direction === 'receive') return finish(state, entry);
      const note = resumeNote(entry);
      const text = entry.text
        ? `Your message arrived at ${entry.peerName}.`
        : e.direction === 'send'
          ? `${entry.what} arrived at ${entry.peerName} and was verified${note ? ` (${note})` : ''}.`
          : `Received ${entry.what} from ${entry.peerName}, saved in ${e.savedTo ?? state.self.receiveDir}${note ? ` (${note})` : ''}`;
      return { ...finish(state, entry), notice: { kind: 'info', text } };
    }

    case 'transfer-failed': {
      if (state.history.some((h) => h.id === e.transferId)) return state;
      const entry = failedEntry(state, e.transferId, e.direction, e.peerId, e.code, e.message);
      const next = finish(state, entry);
      const where = e.direction === 'send' ? `to ${entry.peerName}` : `from ${entry.peerName}`;
      const text =
        entry.outcome === 'failed'
          ? `${entry.what} ${where} failed: ${e.message}`
          : `${entry.what} ${where} was ${entry.outcome}: ${e.message}`;
      return { ...next, notice: { kind: entry.outcome === 'failed' ? 'error' : 'info', text } };
    }

    case 'text-received':
      return { ...state, texts: [...state.texts, { transferId: e.transferId, peerId: e.peerId, peerName: e.peerName, text: e.text }] };

    case 'warning':
      return { ...state, notice: { kind: 'warning', text: e.message } };
  }
}

function reduceAction(state: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'sync-peers': {
      // A snapshot taken right after subscribing: it is the truth for every peer it lists;
      // peers only we know of came in through events after it was taken and stay.
      const byId = new Map(state.peers.map((p) => [p.id, p]));
      for (const info of a.peers) byId.set(info.id, toPeerView(info));
      return withPeers(state, [...byId.values()]);
    }

    case 'move-selection': {
      if (state.focus === 'history' && state.history.length > 0) return moveHistorySelection(state, a.delta);
      if (state.focus === 'transfers' && state.transfers.length > 0) {
        return { ...state, selectedTransferId: step(state.transfers, state.selectedTransferId, a.delta) };
      }
      if (state.peers.length === 0) return state;
      return { ...state, selectedPeerId: step(state.peers, state.selectedPeerId, a.delta) };
    }

    case 'toggle-focus':
      return nextFocus(state);

    case 'open-send': {
      const peer = state.peers.find((p) => p.id === state.selectedPeerId);
      if (!peer) return { ...state, notice: { kind: 'info', text: 'No peer selected yet. Peers on your network appear in the list once found.' } };
      if (peer.state !== 'connected') {
        return { ...state, notice: { kind: 'info', text: `${peer.name} is ${stateWord(peer)}; wait until it shows "connected".` } };
      }
      const { notice: _n, ...rest } = state;
      return {
        ...rest,
        screen: 'send',
        draft: draftFor(state, peer),
      };
    }

    case 'draft-input':
      return state.draft ? { ...state, draft: setDraftInput(state.draft, a.value) } : state;

    case 'draft-completed':
      // The user kept typing while the folder was read: that answer is for an old input.
      return state.draft ? { ...state, draft: completeDraft(state.draft, a) } : state;

    case 'draft-add':
      return state.draft ? { ...state, draft: addToDraft(state.draft, [a.path]) } : state;

    case 'draft-edit':
    case 'draft-add-many':
    case 'cli-send-waited-long':
    case 'ask-cancel':
    case 'answer-cancel':
      return reduceDialogs(state, a);

    case 'draft-error':
      if (!state.draft) return state;
      return { ...state, draft: { ...state.draft, error: a.message } };

    case 'close-dialog':
      return closeSendDialog(state);

    case 'send-started': {
      const { draft: _d, cliSend: _c, ...rest } = state;
      const name = nameOf(state, a.peerId);
      const what = a.paths.length === 1 ? a.paths[0]! : `${a.paths.length} items`;
      const cliSend = redirectedCliSend(state, a.paths, name);
      return { ...rest, ...(cliSend ? { cliSend } : {}), screen: 'main', notice: { kind: 'info', text: `Offering ${what} to ${name}…`, until: 'send-offered' } };
    }

    case 'send-failed': {
      if (a.transferId !== undefined) {
        if (state.history.some((h) => h.id === a.transferId)) return state;
        const live = state.transfers.find((t) => t.id === a.transferId);
        if (live) return finish(state, failedEntry(state, live.id, live.direction, live.peerId, 'ERR_SEND_FAILED', a.message));
      }
      return { ...state, notice: { kind: 'error', text: `Could not send to ${nameOf(state, a.peerId)}: ${a.message}` } };
    }

    case 'offer-decided': {
      const offer = state.offers.find((o) => o.transferId === a.transferId);
      if (!offer) return state;
      const offers = state.offers.filter((o) => o.transferId !== a.transferId);
      if (a.decision === 'decline') {
        return finish({ ...state, offers }, declinedEntry(offer, 'you declined'));
      }
      const transfers = state.transfers.map((t) => (t.id === a.transferId ? { ...t, phase: 'running' as const } : t));
      const next: UiState = { ...state, offers, transfers };
      if (a.decision === 'trust') {
        next.notice = { kind: 'info', text: `Accepting everything from ${offer.peerName} (${shortId(offer.peerId)}) until you quit; not saved.` };
      }
      return next;
    }

    case 'open-trust': {
      const peer = state.peers.find((p) => p.id === a.peerId);
      const offer = state.offers.find((o) => o.peerId === a.peerId);
      const trust: TrustDialog = {
        peerId: a.peerId,
        peerName: peer?.name ?? offer?.peerName ?? shortId(a.peerId),
        trusted: peer?.trusted ?? offer?.trusted ?? false,
      };
      const code = a.code ?? peer?.verificationCode;
      if (code !== undefined) trust.code = code;
      const lookalikeOf = offer?.lookalikeOf ?? peer?.lookalikeOf;
      if (lookalikeOf !== undefined) trust.lookalikeOf = lookalikeOf;
      if (a.transferId !== undefined) trust.transferId = a.transferId;
      return { ...state, trust };
    }

    case 'close-trust': {
      const { trust: _t, ...rest } = state;
      return rest;
    }

    case 'trust-changed': {
      const name = nameOf(state, a.peerId);
      const peers = state.peers.map((p) => (p.id === a.peerId ? { ...p, trusted: a.trusted } : p));
      const next: UiState = {
        ...withPeers(state, peers),
        notice: {
          kind: 'info',
          text: a.trusted
            ? `Trusted ${name} (${shortId(a.peerId)}), saved: its offers are accepted without asking.`
            : `${name} (${shortId(a.peerId)}) is no longer trusted: its offers are asked about again.`,
        },
      };
      if (state.trust?.peerId === a.peerId) next.trust = { ...state.trust, trusted: a.trusted };
      return next;
    }

    case 'trust-failed':
      return { ...state, notice: { kind: 'error', text: `Could not change the trust of ${nameOf(state, a.peerId)}: ${a.message}` } };

    case 'trust-sync': {
      const byId = new Map(a.peers.map((p) => [p.id, p]));
      const peers = state.peers.map((view) => {
        const info = byId.get(view.id);
        return info ? withTrustMarks(view, info) : view;
      });
      return { ...state, peers };
    }

    case 'peer-blocked': {
      const name = state.peers.find((p) => p.id === a.peerId)?.name ?? state.offers.find((o) => o.peerId === a.peerId)?.peerName ?? shortId(a.peerId);
      let next: UiState = { ...state, peers: state.peers.map((p) => (p.id === a.peerId ? { ...p, blocked: true } : p)) };
      // The node declines what that peer has waiting; the queue says so right away.
      for (const offer of state.offers.filter((o) => o.peerId === a.peerId)) {
        next = finish(next, declinedEntry(offer, 'you blocked it'));
      }
      if (next.trust?.peerId === a.peerId) {
        const { trust: _t, ...rest } = next;
        next = rest;
      }
      return { ...next, notice: { kind: 'info', text: `Blocked ${name} (${shortId(a.peerId)}): its offers are declined until you quit.` } };
    }

    case 'dismiss-text':
      return { ...state, texts: state.texts.slice(1) };

    case 'toggle-help':
      return { ...state, screen: state.screen === 'help' ? 'main' : state.screen === 'main' ? 'help' : state.screen };

    case 'notice':
      return { ...state, notice: a.notice };

    case 'clear-notice': {
      const { notice: _n, ...rest } = state;
      return rest;
    }

    case 'arm-quit':
      return { ...state, quitArmed: true, notice: { kind: 'warning', text: `${activeCount(state)} transfer(s) still running. Press q again to quit and stop them.` } };

    case 'cli-send': {
      if (!state.cliSend) return state;
      const cliSend: CliSend = { ...state.cliSend, status: a.status };
      if (a.message !== undefined) cliSend.message = a.message;
      else delete cliSend.message;
      return { ...state, cliSend };
    }

    default:
      return reduceContent(state, a);
  }
}

export function toPeerView(info: PeerInfo): PeerView {
  const p = sanitizePeer(info);
  return withTrustMarks({ id: p.id, name: p.name, address: p.address, port: p.port, state: p.state, manual: p.manual, verified: false, trusted: false }, p);
}

/** The node's view of trust (marks and code) on top of what the UI tracks itself. */
function withTrustMarks(view: PeerView, info: PeerInfo): PeerView {
  const next: PeerView = { ...view, verified: info.verified, trusted: info.trusted };
  if (info.lookalikeOf !== undefined) next.lookalikeOf = info.lookalikeOf;
  else delete next.lookalikeOf;
  // A code stays valid once known: the id is bound to the key the code is made from.
  if (info.verificationCode !== undefined) next.verificationCode = info.verificationCode;
  return next;
}

/** Transfers the user would lose by quitting. */
export function activeCount(state: UiState): number {
  return state.transfers.length;
}

function stateWord(p: PeerView): string {
  if (p.state === 'initiated' || p.state === 'initiating') return 'still connecting';
  if (p.state === 'not-connected') return p.reason !== undefined ? `not connected (${p.reason})` : 'not connected';
  return 'not connected yet';
}


function outcomeOf(code: string): Outcome {
  if (/DECLIN|REJECT/i.test(code)) return 'declined';
  if (/CANCEL|ABORT/i.test(code)) return 'cancelled';
  return 'failed';
}

function failedEntry(state: UiState, id: string, direction: TransferDirection, peerId: string, code: string, message: string): HistoryEntry {
  const live = state.transfers.find((t) => t.id === id);
  const offer = state.offers.find((o) => o.transferId === id);
  const files = live?.files ?? offer?.files ?? [];
  // A known transfer without entries is a text message (an empty folder is one entry).
  const text = (live !== undefined || offer !== undefined) && files.length === 0;
  const entry: HistoryEntry = {
    id,
    direction,
    peerId,
    peerName: live?.peerName ?? offer?.peerName ?? nameOf(state, peerId),
    what: files.length > 0 ? summarizeFiles(files) : text ? 'a message' : 'transfer',
    totalBytes: live?.totalBytes ?? offer?.totalBytes ?? 0,
    outcome: outcomeOf(code),
    reason: message,
  };
  if (text) entry.text = true;
  return entry;
}

/** The history entry of an incoming offer that was declined here (by a person or by blocking its sender). */
function declinedEntry(offer: PendingOffer, reason: string): HistoryEntry {
  return {
    id: offer.transferId,
    direction: 'receive',
    peerId: offer.peerId,
    peerName: offer.peerName,
    what: summarizeFiles(offer.files),
    totalBytes: offer.totalBytes,
    outcome: 'declined',
    reason,
  };
}

/** Moves a transfer from live (and from the offer queue) into the history, once. */
function finish(state: UiState, entry: HistoryEntry): UiState {
  // A "cancel it?" question about a transfer that just ended has nothing left to ask.
  if (state.cancelAsked === entry.id) return finish(withoutCancelQuestion(state), entry);
  const offers = state.offers.filter((o) => o.transferId !== entry.id);
  const transfers = state.transfers.filter((t) => t.id !== entry.id);
  const known = state.history.some((h) => h.id === entry.id);
  // The one clock read of the reducer: an entry's time is when the UI learned how it ended.
  const history = known ? state.history : [...state.history, { ...entry, time: entry.time ?? Date.now() }].slice(-HISTORY_LIMIT);
  return withTransfers({ ...state, offers, history }, transfers);
}

function upsertTransfer(state: UiState, t: LiveTransfer): UiState {
  const exists = state.transfers.some((x) => x.id === t.id);
  return withTransfers(state, exists ? state.transfers.map((x) => (x.id === t.id ? t : x)) : [...state.transfers, t]);
}

/** Keeps the transfer selection on an existing item and focus on a pane that has items. */
function withTransfers(state: UiState, transfers: LiveTransfer[]): UiState {
  const next: UiState = { ...state, transfers };
  next.selectedTransferId = keepSelection(state.transfers, transfers, state.selectedTransferId);
  if (next.selectedTransferId === undefined) delete next.selectedTransferId;
  if (transfers.length === 0 && next.focus === 'transfers') next.focus = 'peers';
  return next;
}

/** Keeps the selection on the same peer id while the list changes under it. */
function withPeers(state: UiState, peers: PeerView[]): UiState {
  const next: UiState = { ...state, peers };
  next.selectedPeerId = keepSelection(state.peers, peers, state.selectedPeerId);
  if (next.selectedPeerId === undefined) delete next.selectedPeerId;
  return next;
}

function keepSelection(before: readonly { id: string }[], after: readonly { id: string }[], selected: string | undefined): string | undefined {
  if (after.length === 0) return undefined;
  if (selected !== undefined && after.some((x) => x.id === selected)) return selected;
  // The selected item went away: take the one that now sits where it was.
  const oldIndex = selected === undefined ? 0 : Math.max(0, before.findIndex((x) => x.id === selected));
  return after[Math.min(oldIndex, after.length - 1)]!.id;
}

function step(items: readonly { id: string }[], selected: string | undefined, delta: number): string {
  const index = items.findIndex((x) => x.id === selected);
  const from = index < 0 ? 0 : index;
  const to = Math.min(items.length - 1, Math.max(0, from + delta));
  return items[to]!.id;
}
