/**
 * Keyids of every key in keys.example/ (published, for demos and tests only), so `fwkit inspect`
 * and `fwkit verify` can say "signed with EXAMPLE keys" without reading files. A test recomputes
 * them from keys.example/*.pub.pem, so this list cannot drift from the files.
 */
export const EXAMPLE_KEYIDS: ReadonlySet<string> = new Set<string>([
  '8213dfa34809cbe3de281768b3f3569a44dedcca4053c685399b3827efcc7574', // root-1
  'eb6875c153d2d02a536b9dee7ab08c282dd465204f996f616803ec732455d086', // targets-1
  '97fb401d227740298f3c00232bed0d6bb47e82d97b2a558b18579d38a968c88b', // targets-2
  'c0a3ac17d0ac13ea203dd9f6913566ccb9c1aaecb3c9d77011e53f97d96a9edf', // snapshot-1
  'eb277de967682b024463e408395acc6c512cdd1e45c33ee9d958a5dc228cf78d', // timestamp-1
]);

export function isExampleKeyId(keyid: string): boolean {
  return EXAMPLE_KEYIDS.has(keyid);
}
