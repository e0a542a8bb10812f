import { describe, expect, it } from '@jest/globals';
import { FileshareError, ProtocolError } from '@fileshare/protocol';
import { TransferError } from '../../src/index.js';
import { asTransferError, readError, remoteError, sanitizeRemoteText, writeError } from '../../src/errors.js';

describe('transfer errors', () => {
  it('are FileshareErrors with stable codes', () => {
    const e = new TransferError('ERR_TRANSFER_CANCELLED', 'x');
    expect(e).toBeInstanceOf(FileshareError);
    expect(e.name).toBe('TransferError');
  });

  it('map a full disk to ERR_TRANSFER_DISK_FULL and other write failures to ERR_TRANSFER_WRITE_FAILED', () => {
    expect(writeError(Object.assign(new Error('x'), { code: 'ENOSPC' }), 'a').code).toBe('ERR_TRANSFER_DISK_FULL');
    expect(writeError(Object.assign(new Error('x'), { code: 'EDQUOT' }), 'a').code).toBe('ERR_TRANSFER_DISK_FULL');
    expect(writeError(Object.assign(new Error('x'), { code: 'EIO' }), 'a').code).toBe('ERR_TRANSFER_WRITE_FAILED');
    expect(readError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'a').code).toBe('ERR_TRANSFER_SOURCE_NOT_FOUND');
    expect(readError(Object.assign(new Error('x'), { code: 'EACCES' }), 'a').code).toBe('ERR_TRANSFER_READ_FAILED');
  });

  it('keep known remote codes, wrap unknown ones, and strip control characters from remote text', () => {
    expect(remoteError('ERR_TRANSFER_INTEGRITY', 'bad', 'receiver')).toMatchObject({ code: 'ERR_TRANSFER_INTEGRITY', message: 'bad' });
    const odd = remoteError('ERR_NEW_THING', 'x\u001b[2Jy', 'sender');
    expect(odd.code).toBe('ERR_TRANSFER_REMOTE_ERROR');
    expect(odd.message).toBe('The sender reported ERR_NEW_THING: x [2Jy');
    expect(sanitizeRemoteText('a'.repeat(600))).toHaveLength(500);
    expect(sanitizeRemoteText('a\u202eb\u2066c\u061cd\u200fe')).toBe('a b c d e');
    expect(remoteError('ERR_TRANSFER_BUSY', 'later', 'receiver')).toMatchObject({ code: 'ERR_TRANSFER_BUSY', message: 'later' });
    expect(asTransferError(new ProtocolError('ERR_TRANSFER_MESSAGE_INVALID', 'm')).code).toBe('ERR_TRANSFER_MESSAGE_INVALID');
    expect(asTransferError(new Error('boom')).code).toBe('ERR_TRANSFER_FAILED');
  });
});
