import { array, checkDocument, integer, literal, looseObject, record, refine, strictObject, string, type Infer } from './check.js';
import {
  byteCount,
  domainName,
  grants,
  hardwareRevision,
  imageFormatVersion,
  interfaceName,
  modelId,
  semverRange,
  semverVersion,
  sha256Hex,
  uniqueBy,
} from './fields.js';

/** The image format version fwkit writes and its verifier reads. */
export const IMAGE_FORMAT_VERSION = 1;

/** Longest payload path: keeps every tar entry name inside the 100-byte ustar name field. */
export const MAX_PAYLOAD_PATH = 90;

/**
 * Payload paths: relative, `/`-separated, portable characters only; no empty, `.` or `..`
 * segment. They become tar entry names `payload/<path>` and `blocks/<path>`.
 */
export const payloadPath = refine(
  string({
    max: MAX_PAYLOAD_PATH,
    pattern: /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*)(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/,
    message: 'must be a relative path of portable names',
  }),
  (p) => !p.split('/').some((s) => s === '.' || s === '..'),
  'must not contain "." or ".." segments',
);

/** Keys of `requires` that this format version understands. Anything else must make a device refuse. */
export const KNOWN_REQUIREMENTS = ['interfaces', 'bootloader', 'imageFormat', 'ramBytes', 'flashBytes'] as const;

/**
 * What the image needs from the device. Unknown keys are kept (they are signed) so that the
 * rule engine can refuse them: a device cannot honour a requirement it does not understand.
 */
export const imageRequires = looseObject({
  interfaces: record(interfaceName, semverRange),
  bootloader: semverRange,
  imageFormat: imageFormatVersion,
  ramBytes: byteCount,
  flashBytes: byteCount,
});
export type ImageRequires = Infer<typeof imageRequires>;

export const payload = strictObject({
  path: payloadPath,
  size: byteCount,
  sha256: sha256Hex,
  /** Security domain whose process may load this payload; `meta` for data such as the SBOM. */
  domain: domainName,
  /** SHA-256 of the payload's block-hash list entry. */
  blocksSha256: sha256Hex,
});
export type Payload = Infer<typeof payload>;

const POWER_OF_TWO_BLOCK = 'must be a power of two from 4 KiB to 16 MiB';

export const imageManifest = looseObject(
  {
    formatVersion: literal(IMAGE_FORMAT_VERSION),
    model: modelId,
    modelName: string({ min: 1 }),
    hardwareRevisions: array(hardwareRevision, 1),
    versions: strictObject({ firmware: semverVersion, platform: semverVersion, security: integer() }),
    /** Installed firmware versions that may upgrade to this image directly. */
    upgradeFrom: semverRange,
    sourceDateEpoch: integer(),
    requires: imageRequires,
    domains: record(domainName, strictObject({ entry: payloadPath, grants })),
    blockSize: refine(integer(), (n) => n >= 4096 && n <= 1 << 24 && (n & (n - 1)) === 0, POWER_OF_TWO_BLOCK),
    payloads: array(payload, 1),
    sbom: strictObject({ path: payloadPath, sha256: sha256Hex, format: literal('CycloneDX-1.6+json') }),
  },
  // Unknown top-level fields survive a round trip (they are signed) and are otherwise ignored.
  (m, report) => {
    const paths = m.payloads.map((p) => p.path);
    for (const dup of uniqueBy(m.payloads, (p) => p.path)) report(['payloads'], `payload "${dup}" is listed twice`);
    const sorted = [...paths].sort();
    if (paths.some((p, i) => p !== sorted[i])) report(['payloads'], 'payloads must be sorted by path');
    const byPath = new Map(m.payloads.map((p) => [p.path, p]));
    for (const [name, domain] of Object.entries(m.domains)) {
      if (byPath.get(domain.entry)?.domain !== name)
        report(['domains', name, 'entry'], `no payload of domain "${name}" at "${domain.entry}"`);
    }
    if (byPath.get(m.sbom.path)?.sha256 !== m.sbom.sha256) report(['sbom'], 'must name a payload with the same digest');
  },
);
export type ImageManifest = Infer<typeof imageManifest>;

export function imageManifestFromJSON(value: unknown, what = 'image manifest'): ImageManifest {
  return checkDocument(imageManifest, value, what);
}

/** Number of blocks a payload of `size` bytes is cut into (an empty payload has none). */
export function blockCount(size: number, blockSize: number): number {
  return Math.ceil(size / blockSize);
}
