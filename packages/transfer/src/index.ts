export { createTransferService } from './service.js';
export { TransferError, type TransferErrorCode } from './errors.js';
export type {
  CompletedFile,
  FailedEvent,
  FileEntry,
  IncomingOffer,
  OfferDecision,
  OfferDeclineCode,
  OfferedEvent,
  SendOptions,
  TextEvent,
  TransferDirection,
  TransferEvents,
  TransferProgress,
  TransferResult,
  TransferService,
  TransferServiceInit,
} from './types.js';
export {
  DEFAULT_BUFFER_HIGH_BYTES,
  DEFAULT_BUFFER_LOW_BYTES,
  DEFAULT_CHANNELS_PER_TRANSFER,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_DECISION_TIMEOUT_MS,
  DEFAULT_MAX_INCOMING_PER_PEER,
  DEFAULT_MAX_INCOMING_TOTAL,
  DEFAULT_PARTIAL_RETENTION_MS,
  DEFAULT_WINDOW_BYTES,
  DEFAULT_WINDOW_FILES,
  PARTIAL_DIR_NAME,
} from './constants.js';
