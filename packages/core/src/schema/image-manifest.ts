import { z } from 'zod';
import {
  byteCount,
  domainName,
  hardwareRevision,
  imageFormatVersion,
  interfaceName,
  modelId,
  semverRange,
  semverVersion,
  sha256Hex,
  uniqueBy,
} from './common.js';
import { grantsSchema } from './platform.js';
import { parseDocument } from './validate.js';

/** The image format version fwkit writes and its verifier reads. */
export const IMAGE_FORMAT_VERSION = 1;

/** Longest payload path: keeps every tar entry name inside the 100-byte ustar name field. */
export const MAX_PAYLOAD_PATH = 90;

/**
 * Payload paths: relative, `/`-separated, portable characters only; no empty, `.` or `..`
 * segment. They become tar entry names `payload/<path>` and `blocks/<path>`.
 */
export const payloadPath = z
  .string()
  .max(MAX_PAYLOAD_PATH)
  .regex(/^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*)(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'must be a relative path of portable names')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), { error: 'must not contain "." or ".." segments' });

/** Keys of `requires` that this format version understands. Anything else must make a device refuse. */
export const KNOWN_REQUIREMENTS = ['interfaces', 'bootloader', 'imageFormat', 'ramBytes', 'flashBytes'] as const;

/**
 * What the image needs from the device. Unknown keys are kept (they are signed) so that the
 * rule engine can refuse them: a device cannot honour a requirement it does not understand.
 */
export const imageRequiresSchema = z
  .object({
    interfaces: z.record(interfaceName, semverRange),
    bootloader: semverRange,
    imageFormat: imageFormatVersion,
    ramBytes: byteCount,
    flashBytes: byteCount,
  })
  .catchall(z.unknown());
export type ImageRequires = z.infer<typeof imageRequiresSchema>;

export const payloadSchema = z.strictObject({
  path: payloadPath,
  size: byteCount,
  sha256: sha256Hex,
  /** Security domain whose process may load this payload; `meta` for data such as the SBOM. */
  domain: domainName,
  /** SHA-256 of the payload's block-hash list entry. */
  blocksSha256: sha256Hex,
});
export type Payload = z.infer<typeof payloadSchema>;

export const imageManifestSchema = z
  .object({
    formatVersion: z.literal(IMAGE_FORMAT_VERSION),
    model: modelId,
    modelName: z.string().min(1),
    hardwareRevisions: z.array(hardwareRevision).min(1),
    versions: z.strictObject({
      firmware: semverVersion,
      platform: semverVersion,
      security: z.number().int().nonnegative(),
    }),
    /** Installed firmware versions that may upgrade to this image directly. */
    upgradeFrom: semverRange,
    sourceDateEpoch: z.number().int().nonnegative(),
    requires: imageRequiresSchema,
    domains: z.record(domainName, z.strictObject({ entry: payloadPath, grants: grantsSchema })),
    blockSize: z
      .number()
      .int()
      .refine((n) => n >= 4096 && n <= 1 << 24 && (n & (n - 1)) === 0, { error: 'must be a power of two from 4 KiB to 16 MiB' }),
    payloads: z.array(payloadSchema).min(1),
    sbom: z.strictObject({ path: payloadPath, sha256: sha256Hex, format: z.literal('CycloneDX-1.6+json') }),
  })
  // Unknown top-level fields survive a round trip (they are signed) and are otherwise ignored.
  .catchall(z.unknown())
  .superRefine((m, ctx) => {
    const paths = m.payloads.map((p) => p.path);
    for (const dup of uniqueBy(m.payloads, (p) => p.path)) {
      ctx.addIssue({ code: 'custom', path: ['payloads'], message: `payload "${dup}" is listed twice` });
    }
    const sorted = [...paths].sort();
    if (paths.some((p, i) => p !== sorted[i])) {
      ctx.addIssue({ code: 'custom', path: ['payloads'], message: 'payloads must be sorted by path' });
    }
    const byPath = new Map(m.payloads.map((p) => [p.path, p]));
    for (const [name, domain] of Object.entries(m.domains)) {
      const entry = byPath.get(domain.entry);
      if (entry?.domain !== name) {
        ctx.addIssue({ code: 'custom', path: ['domains', name, 'entry'], message: `no payload of domain "${name}" at "${domain.entry}"` });
      }
    }
    const sbom = byPath.get(m.sbom.path);
    if (sbom?.sha256 !== m.sbom.sha256) {
      ctx.addIssue({ code: 'custom', path: ['sbom'], message: 'must name a payload with the same digest' });
    }
  });
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export function imageManifestFromJSON(value: unknown, what = 'image manifest'): ImageManifest {
  return parseDocument(imageManifestSchema, value, what);
}

/** Number of blocks a payload of `size` bytes is cut into (an empty payload has none). */
export function blockCount(size: number, blockSize: number): number {
  return Math.ceil(size / blockSize);
}
