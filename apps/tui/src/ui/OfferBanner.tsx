import { Box, Text } from 'ink';
import { formatBytes, summarizeFiles, wordWrap } from '../format.js';
import type { PendingOffer } from '../state/types.js';
import type { View } from '../state/view.js';

/** Border and padding of the banner box, in columns. */
const FRAME = 4;

export interface OfferBannerText {
  /** Who, what and how big. */
  what: string[];
  /** The key that shows the offer. */
  how: string[];
}

/**
 * The banner announcing an offer that arrived while a dialog is open, wrapped to the width;
 * undefined when none is due (no offer, the offer itself on screen, or a trust question about it).
 */
export function offerBanner(offers: readonly PendingOffer[], view: View, columns: number, trustAboutOffer: boolean): OfferBannerText | undefined {
  const offer = offers[0];
  if (!offer || view === 'offer' || view === 'main' || view === 'text' || (view === 'trust' && trustAboutOffer)) return undefined;
  const more = offers.length > 1 ? ` (${offers.length - 1} more waiting)` : '';
  const what = `▶ Incoming offer${more}: ${offer.peerName} wants to send ${summarizeFiles(offer.files)}, ${formatBytes(offer.totalBytes)}.`;
  const key = view === 'send' ? 'Press esc to answer it now; your chosen paths are kept and come back after.' : 'Press esc to answer it now.';
  const width = Math.max(10, columns - FRAME);
  return { what: wordWrap(what, width), how: wordWrap(key, width) };
}

/** Height of the banner with its border, 0 when there is none. */
export function offerBannerHeight(banner: OfferBannerText | undefined): number {
  return banner ? banner.what.length + banner.how.length + 2 : 0;
}

/**
 * An offer that arrives while a dialog is open gets a bordered banner above the dialog: single
 * letters there are typing, so the offer cannot take the keys, but it must not go unseen.
 */
export function OfferBanner({ banner }: { banner: OfferBannerText | undefined }) {
  if (!banner) return null;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="yellow" paddingX={1}>
      {banner.what.map((line, i) => (
        <Text key={`w${i}`} bold color="yellow">
          {line}
        </Text>
      ))}
      {banner.how.map((line, i) => (
        <Text key={`h${i}`}>{line}</Text>
      ))}
    </Box>
  );
}
