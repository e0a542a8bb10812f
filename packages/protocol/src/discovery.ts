import { z } from 'zod';
import { INSTANCE_PREFIX, MAX_DEVICE_NAME_BYTES, PROTOCOL_VERSION, SERVICE_FQDN } from './constants.js';
import { DEVICE_ID_PATTERN, type DeviceId, isDeviceId } from './device-id.js';
import { ProtocolError, type Result, err, ok } from './errors.js';

/**
 * What a fileshare service instance says about itself in its TXT record. Keys on the wire:
 * `id` (device id), `port` (signaling TCP port, decimal), `name` (display name, UTF-8),
 * `v` (protocol version, decimal). Unknown keys are ignored.
 */
export interface ServiceTxt {
  id: DeviceId;
  port: number;
  name: string;
  version: number;
}

const txtSchema = z.object({
  id: z.string().regex(DEVICE_ID_PATTERN),
  port: z.string().regex(/^[0-9]{1,5}$/).transform(Number).pipe(z.number().int().min(1).max(65535)),
  name: z.string().optional(),
  v: z.string().regex(/^[0-9]{1,6}$/).transform(Number).optional(),
});

/**
 * Makes a name safe to show and to advertise: control and bidi-override characters removed,
 * whitespace collapsed, cut to {@link MAX_DEVICE_NAME_BYTES} UTF-8 bytes on a character boundary.
 */
export function sanitizeDeviceName(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  let out = '';
  let bytes = 0;
  for (const ch of cleaned) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_DEVICE_NAME_BYTES) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** TXT strings in `key=value` form (RFC 6763 section 6), in a fixed order. */
export function encodeTxt(txt: ServiceTxt): Buffer[] {
  return [
    Buffer.from(`id=${txt.id}`),
    Buffer.from(`port=${txt.port}`),
    Buffer.from(`name=${sanitizeDeviceName(txt.name)}`),
    Buffer.from(`v=${txt.version}`),
  ];
}

/**
 * Parses TXT strings as received. Per RFC 6763 6.4 the first occurrence of a key wins and keys
 * compare case-insensitively. Never throws.
 */
export function decodeTxt(strings: ReadonlyArray<Uint8Array | string>): Result<ServiceTxt> {
  const fields: Record<string, string> = {};
  for (const raw of strings) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    const eq = text.indexOf('=');
    if (eq <= 0) continue;
    const key = text.slice(0, eq).toLowerCase();
    if (!(key in fields)) fields[key] = text.slice(eq + 1);
  }
  const parsed = txtSchema.safeParse(fields);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    return err(new ProtocolError('ERR_TXT_RECORD_INVALID', `Invalid fileshare TXT record (${what}).`));
  }
  return ok({
    id: parsed.data.id,
    port: parsed.data.port,
    name: sanitizeDeviceName(parsed.data.name ?? ''),
    version: parsed.data.v ?? PROTOCOL_VERSION,
  });
}

/** `Peer-<device_id>` */
export function instanceNameFor(id: DeviceId): string {
  return `${INSTANCE_PREFIX}${id}`;
}

/** `Peer-<device_id>._fileshare._tcp.local` */
export function instanceFqdnFor(id: DeviceId): string {
  return `${instanceNameFor(id)}.${SERVICE_FQDN}`;
}

/** Extracts the device id from an instance FQDN (or bare instance name); case-insensitive per DNS. */
export function parseInstanceName(name: string): Result<DeviceId> {
  const lower = name.toLowerCase();
  const suffix = `.${SERVICE_FQDN}`;
  const bare = lower.endsWith(suffix) ? lower.slice(0, -suffix.length) : lower;
  const prefix = INSTANCE_PREFIX.toLowerCase();
  const id = bare.startsWith(prefix) ? bare.slice(prefix.length) : '';
  return isDeviceId(id)
    ? ok(id)
    : err(new ProtocolError('ERR_INSTANCE_NAME_INVALID', `"${name.slice(0, 100)}" is not a fileshare instance name.`));
}

/** Host name for the A records of a device: `fileshare-<device id>.local` (the full id, so a crafted id prefix cannot alias another device). */
export function hostNameFor(id: DeviceId): string {
  return `fileshare-${id}.local`;
}
