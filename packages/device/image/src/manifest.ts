import {
  bytesEqual,
  canonicalJson,
  IMAGE_FORMAT_VERSION,
  imageManifestFromJSON,
  isRecord,
  parseJson,
  SchemaError,
  type ImageManifest,
} from '@fwkit/device-core';
import { ImageError } from './errors.js';
import { MAX_MANIFEST_BYTES } from './layout.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parse JSON from attacker bytes, requiring them to be exactly the canonical JSON of the value
 * they parse to: one manifest has one byte form, so what is hashed, signed and shown is the same.
 * The strict reader (@fwkit/device-json) refuses a duplicate key outright, rather than leaving it to the
 * canonical comparison to notice that the last value won. Returns undefined when the bytes are not
 * UTF-8 JSON without duplicate keys.
 */
export function parseCanonicalJson(bytes: Uint8Array): { value: unknown; canonical: boolean } | undefined {
  let value: unknown;
  try {
    value = parseJson(UTF8.decode(bytes));
  } catch {
    return undefined;
  }
  let canonical: boolean;
  try {
    canonical = bytesEqual(canonicalJson(value), bytes);
  } catch {
    // Floats and values too deeply nested have no canonical form.
    canonical = false;
  }
  return { value, canonical };
}

/** The signed manifest bytes for `manifest`: its canonical JSON. */
export function encodeManifest(manifest: ImageManifest): Uint8Array {
  return canonicalJson(manifest);
}

/**
 * Decode manifest.json: bounded size, UTF-8 JSON (MANIFEST_INVALID), a format version this reader
 * implements (IMAGE_FORMAT_UNSUPPORTED; checked before the byte form, which a later version may
 * change), canonical bytes (MANIFEST_NONCANONICAL), then the schema and cross-field rules with
 * every issue listed (MANIFEST_INVALID).
 */
export function decodeManifest(bytes: Uint8Array): ImageManifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new ImageError('IMAGE_ENTRY_TOO_LARGE', `manifest.json is ${bytes.byteLength} bytes; the limit is ${MAX_MANIFEST_BYTES}`, {
      details: { entry: 'manifest.json', size: bytes.byteLength, limit: MAX_MANIFEST_BYTES },
    });
  }
  const parsed = parseCanonicalJson(bytes);
  if (parsed === undefined) {
    throw new ImageError('MANIFEST_INVALID', 'manifest.json is not UTF-8 JSON without duplicate keys', {
      details: { issues: [{ path: '', message: 'not UTF-8 JSON without duplicate keys' }] },
    });
  }
  const { value } = parsed;
  if (isRecord(value) && typeof value.formatVersion === 'number' && value.formatVersion !== IMAGE_FORMAT_VERSION) {
    throw new ImageError(
      'IMAGE_FORMAT_UNSUPPORTED',
      `image format ${value.formatVersion} is not supported (this reader implements ${IMAGE_FORMAT_VERSION})`,
      {
        details: { formatVersion: value.formatVersion, supported: [IMAGE_FORMAT_VERSION] },
      },
    );
  }
  if (!parsed.canonical) throw new ImageError('MANIFEST_NONCANONICAL', 'manifest.json is not canonical JSON');
  let manifest: ImageManifest;
  try {
    manifest = imageManifestFromJSON(value, 'manifest.json');
  } catch (error) {
    if (error instanceof SchemaError) {
      throw new ImageError('MANIFEST_INVALID', error.message, { cause: error, details: { issues: error.issues } });
    }
    throw error;
  }
  const total = manifest.payloads.reduce((sum, p) => sum + p.size, 0);
  if (manifest.requires.flashBytes !== total) {
    // The flash rule compares requires.flashBytes with the slot: it must be what is really installed.
    const issues = [{ path: 'requires.flashBytes', message: `must be the sum of the payload sizes (${total})` }];
    throw new ImageError('MANIFEST_INVALID', `manifest.json is invalid:\n  - requires.flashBytes: ${issues[0]?.message ?? ''}`, {
      details: { issues },
    });
  }
  return manifest;
}
