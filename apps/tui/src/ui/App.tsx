import type { FileshareNode, NodeEvent } from '@fileshare/core';
import { Box, Text, useApp } from 'ink';
import { useCallback, useReducer, useState } from 'react';
import { useCliSend, type CliSendRequest } from '../hooks/useCliSend.js';
import { useContent } from '../hooks/useContent.js';
import { useKeyboard } from '../hooks/useKeyboard.js';
import { useNodeEvents } from '../hooks/useNodeEvents.js';
import { usePathLineInput } from '../hooks/usePathLineInput.js';
import { useSendDialog } from '../hooks/useSendDialog.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { selectedHistoryEntry } from '../state/content.js';
import type { HistoryStore } from '../state/history-store.js';
import { initialState, reduce } from '../state/reducer.js';
import { currentView, keyHints } from '../state/view.js';
import { CancelQuestion, cancelQuestionHeight, cancelQuestionLines } from './CancelQuestion.js';
import { Header } from './Header.js';
import { ComposeDialog } from './ComposeDialog.js';
import { HelpScreen } from './HelpScreen.js';
import { HistoryList, historyDetails } from './HistoryList.js';
import { packHints, planMainLayout } from './layout.js';
import { OfferBanner, offerBanner, offerBannerHeight } from './OfferBanner.js';
import { OfferPrompt } from './OfferPrompt.js';
import { PeerList, peerListExtraLines } from './PeerList.js';
import { SendDialog } from './SendDialog.js';
import { StatusLines, statusLines } from './StatusLines.js';
import { layoutText, TextDialog } from './TextDialog.js';
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
  /** Where finished transfers are kept across restarts (`history.jsonl` in the state folder). */
  historyStore?: HistoryStore | undefined;
}

export function App({ node, startupEvents, version, send, cwd = process.cwd(), historyStore }: AppProps) {
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
  useCliSend(node, cliSend, dispatch, state.cliSend?.status === 'redirected');
  const dialog = useSendDialog(node, state.draft, dispatch, cwd);
  usePathLineInput(currentView(state) === 'send', dialog);
  const content = useContent(node, state.history, dispatch, historyStore);

  const view = currentView(state);
  // Everything around the body wraps to the width rather than being cut off, so its height
  // depends on the width: header (2), gaps, the offer banner, the cancel question, status, hints.
  const status = statusLines({ notice: state.notice, cliSend: state.cliSend, peers: state.peers, columns });
  const hints = packHints(keyHints(state, view), columns);
  const banner = offerBanner(state.offers, view, columns, state.trust?.transferId !== undefined);
  const cancelling = view === 'main' ? state.transfers.find((t) => t.id === state.cancelAsked) : undefined;
  const question = cancelling ? cancelQuestionLines(cancelling, columns) : [];
  const footer = cancelQuestionHeight(question) + status.length + hints.length;
  const bannerRows = banner ? offerBannerHeight(banner) + 1 : 0;
  // The frame must stay shorter than the terminal.
  const bodyRows = Math.max(6, rows - 1 - 4 - bannerRows - footer);
  // The received text's geometry: its scroll keys need it before it is drawn.
  const textLayout = layoutText(state.texts[0]?.text ?? '', columns, bodyRows - 3);
  useKeyboard({ state, dispatch, node, quit, content: { handlers: content, textPage: textLayout.page, textMaxTop: textLayout.maxTop } });

  let body;
  switch (view) {
    case 'help':
      body = <HelpScreen self={state.self} version={version} columns={columns} maxLines={bodyRows} />;
      break;
    case 'send':
      body = (
        <SendDialog draft={state.draft!} columns={columns} maxLines={bodyRows} />
      );
      break;
    case 'compose':
      body = <ComposeDialog draft={state.compose!} columns={columns} maxLines={bodyRows - 5} />;
      break;
    case 'trust':
      body = <TrustDialog trust={state.trust!} peers={state.peers} columns={columns} />;
      break;
    case 'offer':
      body = (
        <OfferPrompt
          offer={state.offers[0]!}
          queued={state.offers.length - 1}
          peers={state.peers}
          receiveDir={state.self.receiveDir}
          columns={columns}
          note={state.draft ? `Your send to ${state.draft.peerName} is kept: it comes back once you answered.` : undefined}
        />
      );
      break;
    case 'text':
      body = <TextDialog message={state.texts[0]!} queued={state.texts.length - 1} columns={columns} maxLines={bodyRows - 3} />;
      break;
    case 'main': {
      const extra = peerListExtraLines(state.peers, state.selectedPeerId);
      const chosenEntry = state.focus === 'history' ? selectedHistoryEntry(state) : undefined;
      const details = chosenEntry ? historyDetails(chosenEntry, columns).length : 0;
      const plan = planMainLayout(rows, { peers: state.peers.length, transfers: state.transfers.length, history: state.history.length, statusLines: footer - 1 + extra + details });
      body = (
        <Box flexDirection="column" gap={1}>
          <PeerList peers={state.peers} selectedId={state.selectedPeerId} focused={state.focus === 'peers'} maxRows={plan.peers} columns={columns} />
          <TransferList transfers={state.transfers} selectedId={state.selectedTransferId} focused={state.focus === 'transfers'} maxItems={plan.transfers} columns={columns} />
          <HistoryList history={state.history} maxItems={plan.history} selectedId={chosenEntry?.id} focused={state.focus === 'history'} columns={columns} />
        </Box>
      );
      break;
    }
  }

  return (
    <Box flexDirection="column" width={columns}>
      <Header self={state.self} />
      {banner ? (
        <Box marginTop={1}>
          <OfferBanner banner={banner} />
        </Box>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {body}
      </Box>
      <Box marginTop={1} flexDirection="column">
        <CancelQuestion lines={question} />
        <StatusLines lines={status} />
        {hints.map((line, i) => (
          <Text key={i} dimColor>
            {line}
          </Text>
        ))}
      </Box>
    </Box>
  );
}
