import { describe, expect, it } from '@jest/globals';
import { LanError, createLan, lanUnavailableReason } from '../../src/index.js';

describe('availability', () => {
  it('gives either no reason or one sentence, and createLan agrees with it', async () => {
    const reason = lanUnavailableReason();
    if (reason === undefined) {
      await expect(createLan({ hosts: 0 })).rejects.toMatchObject({ code: 'ERR_LAN_INVALID_ARGUMENT' });
    } else {
      expect(reason).not.toContain('\n');
      expect(reason).toMatch(/^LAN rig /);
      const attempt = createLan({ hosts: 1 });
      await expect(attempt).rejects.toBeInstanceOf(LanError);
      await expect(attempt).rejects.toMatchObject({ code: 'ERR_LAN_NEEDS_ROOT', message: reason });
    }
  });
});
