import type { FileshareNode, NodeEvent } from '@fileshare/core';
import { Box, Text, useApp } from 'ink';
import { useCallback, useReducer, useState } from 'react';
import { useCliSend, type CliSendRequest } from '../hooks/useCliSend.js';
import { useKeyboard } from '../hooks/useKeyboard.js';
import { useNodeEvents } from '../hooks/useNodeEvents.js';
import { useSendDialog } from '../hooks/useSendDialog.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { initialState, reduce } from '../state/reducer.js';
import { currentView, keyHints } from '../state/view.js';
import { Header } from './Header.js';
import { HelpScreen } from './HelpScreen.js';
import { HistoryList } from './HistoryList.js';
import { planMainLayout } from './layout.js';
import { OfferPrompt } from './OfferPrompt.js';
import { PeerList, peerListExtraLines } from './PeerList.js';
import { SendDialog } from './SendDialog.js';
import { StatusLines, statusLineCount } from './StatusLines.js';
import { TextDialog } from './TextDialog.js';
import { TransferList } from './TransferList.js';
import { TrustDialog } from './TrustDialog.js';

export interface AppProps {
  node: FileshareNode;
  /** Warnings the node raised while starting, before the UI could subscribe. */
  startupEvents?: readonly NodeEvent[] | undefined;
  version: string;
  /** From `--to <peer> <paths...>`: send once that peer is connected. */
  send?: CliSendRequest | undefined;
  /** Folder relative paths in the path input are read against. Default `process.cwd()`. */
  cwd?: string;
}

export function App({ node, startupEvents, version, send, cwd = process.cwd() }: AppProps) {
  const [state, dispatch] = useReducer(reduce, undefined, () =>
    initialState(
      { deviceId: node.deviceId, name: node.name, port: node.port, addresses: node.addresses, receiveDir: node.receiveDir },
      node.peers(),
      send,
    ),
  );
  // The request object must stay the same across renders, or the effect would send twice.
  const [cliSend] = useState(send);
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const quit = useCallback(() => exit(), [exit]);

  useNodeEvents(node, dispatch, startupEvents);
  useCliSend(node, cliSend, dispatch);
  const dialog = useSendDialog(node, state.draft, dispatch, cwd);
  useKeyboard({ state, dispatch, node, quit, complete: dialog.complete });

  const view = currentView(state);
  const status = statusLineCount(state.notice, state.cliSend);
  // Header (2), two gaps, status, hints; the frame must stay shorter than the terminal.
  const bodyRows = Math.max(6, rows - 1 - 5 - status);

  let body;
  switch (view) {
    case 'help':
      body = <HelpScreen self={state.self} version={version} />;
      break;
    case 'send':
      body = (
        <SendDialog
          draft={state.draft!}
          columns={columns}
          chosenLines={Math.max(1, Math.floor((bodyRows - 8) / 2))}
          candidateLines={Math.max(1, Math.ceil((bodyRows - 8) / 2))}
          onChange={dialog.onChange}
          onSubmit={dialog.onSubmit}
        />
      );
      break;
    case 'trust':
      body = <TrustDialog trust={state.trust!} peers={state.peers} columns={columns} />;
      break;
    case 'offer':
      body = <OfferPrompt offer={state.offers[0]!} queued={state.offers.length - 1} peers={state.peers} receiveDir={state.self.receiveDir} columns={columns} />;
      break;
    case 'text':
      body = <TextDialog message={state.texts[0]!} queued={state.texts.length - 1} columns={columns} maxLines={bodyRows - 3} />;
      break;
    case 'main': {
      const extra = peerListExtraLines(state.peers, state.selectedPeerId);
      const plan = planMainLayout(rows, { peers: state.peers.length, transfers: state.transfers.length, history: state.history.length, statusLines: status + extra });
      body = (
        <Box flexDirection="column" gap={1}>
          <PeerList peers={state.peers} selectedId={state.selectedPeerId} focused={state.focus === 'peers'} maxRows={plan.peers} columns={columns} />
          <TransferList transfers={state.transfers} selectedId={state.selectedTransferId} focused={state.focus === 'transfers'} maxItems={plan.transfers} />
          <HistoryList history={state.history} maxItems={plan.history} />
        </Box>
      );
      break;
    }
  }

  return (
    <Box flexDirection="column" width={columns}>
      <Header self={state.self} />
      <Box marginTop={1} flexDirection="column">
        {body}
      </Box>
      <Box marginTop={1} flexDirection="column">
        <StatusLines notice={state.notice} cliSend={state.cliSend} />
        <Text dimColor wrap="truncate-end">
          {keyHints(state, view)}
        </Text>
      </Box>
    </Box>
  );
}
