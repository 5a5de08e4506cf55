// Imports only the device commands' usage lines, which import nothing: `fwkit --help` and
// `fwkit <command> --help` print without loading any command (docs/decisions.md, lazy commands).
// The one source of every command's usage: the overview, each command's --help and the text a
// usage error prints are all made here.
import { deviceCommandUsage, deviceUsageLines, isDeviceCommand } from '@fwkit/device-cli/usage';

const EXIT_CODES = 'Exit codes: 0 ok, 1 verification or validation failed, 2 usage error, 3 internal error (a bug).';

/** One command's usage: synopsis lines (without "fwkit "), what it does, its options and examples. */
interface CommandHelp {
  readonly synopsis: readonly string[];
  readonly about: string;
  readonly options: readonly (readonly [option: string, meaning: string])[];
  readonly examples: readonly string[];
  /** Replaces the common exit-code line where the command adds its own cases. */
  readonly exit?: string;
}

const JSON_OPTION = ['--json', 'one JSON document on stdout: {ok, code, message, ...} (README, schemas/cli-output.schema.json)'] as const;
const KEYS_OPTIONS = [
  ['--keys <dir>', 'every targets-*.key.pem in <dir>, trust root <dir>/root.json'],
  ['--key <pem>... --trust <root.json>', 'instead of --keys: the key files and the trust root'],
  ['--passphrase-fd <n>', 'read the passphrase of encrypted keys from descriptor <n> (or FWKIT_KEY_PASSPHRASE)'],
] as const;

const PROVISION_SYNOPSIS =
  'device provision <device-dir> --model <model> --hw <rev> --image <factory image> --trust <root.json>\n' +
  '             [--bootloader <version>] [--products <dir>] [--policy <policy.json>] [--now <date-time>] [--json]';

const COMMANDS = {
  build: {
    synopsis: [
      'build (--all | --product <model>...) (--keys <dir> | --key <pem>... --trust <root.json>) [--out <dir>] [--repo <dir>] [--no-cache] [--json]',
    ],
    about:
      'Composes platform and product, bundles each security domain, writes the SBOM, signs, writes the image and\n' +
      'verifies it with the device verifier. Retired models are skipped by --all and refused by name.\n' +
      'SOURCE_DATE_EPOCH fixes the build time (default: the time of the last git commit). An unchanged product is\n' +
      'reused from the cache ($FWKIT_CACHE_DIR, default node_modules/.cache/fwkit/build).',
    options: [
      ['--all | --product <model>', 'every supported model, or the named ones (repeat --product)'],
      ...KEYS_OPTIONS,
      ['--out <dir>', 'where images and SBOMs go, one folder per model (default out)'],
      ['--repo <dir>', 'the checkout to build from (default .)'],
      ['--no-cache', 'build afresh and write nothing to the cache'],
      JSON_OPTION,
    ],
    examples: [
      'fwkit build --all --keys keys.example --out out',
      'fwkit build --product cam-x --key targets.key.pem --trust root.json --json',
    ],
    exit: `${EXIT_CODES}\nStopped by SIGINT/SIGTERM: exit 130/143, nothing written.`,
  },
  release: {
    synopsis: [
      'release (--keys <dir> | --key <pem>... --trust <root.json>) [--demo] [--allow-dirty] [--out <dir>] [--date YYYY-MM-DD]\n' +
        '             [--repo <dir>] [--ledger <ledger.json>] [--json]',
    ],
    about:
      "Builds, signs and verifies every supported model's image, gates the candidate with the compatibility matrix,\n" +
      'and only then writes the images and appends releases/ledger.json. A refusal exits 1 with every coded reason\n' +
      'and writes nothing. The cache is never used.',
    options: [
      ...KEYS_OPTIONS,
      ['--demo', 'a release signed with the example keys (keys.example)'],
      ['--allow-dirty', 'release from files not as committed (recorded in the ledger)'],
      ['--out <dir>', 'where images and SBOMs go (default out)'],
      ['--date YYYY-MM-DD', 'the release date (default: the UTC day of SOURCE_DATE_EPOCH or the last commit)'],
      ['--repo <dir>', 'the checkout (default .)'],
      ['--ledger <ledger.json>', "the one ledger of every release line (a maintenance branch releases into main's)"],
      JSON_OPTION,
    ],
    examples: ['fwkit release --keys keys.example --demo --json'],
    exit: `${EXIT_CODES.replace('failed,', 'failed or the release gate refused,')}\nStopped by SIGINT/SIGTERM: exit 130/143, nothing written.`,
  },
  ledger: {
    synopsis: ['ledger migrate [--repo <dir>] [--ledger <ledger.json>] [--json]'],
    about:
      'Rewrites the ledger in the current schema, as a change of its own to review and commit. Releases from before\n' +
      'the audit fields are marked "predates-audit"; a ledger already current is left as it is.',
    options: [
      ['--repo <dir>', 'the checkout (default .)'],
      ['--ledger <ledger.json>', 'another ledger than <repo>/releases/ledger.json'],
      JSON_OPTION,
    ],
    examples: ['fwkit ledger migrate'],
  },
  matrix: {
    synopsis: [
      'matrix [--release <firmware>] [--date YYYY-MM-DD] [--format text|json|markdown|html] [--output <file>] [--check]\n' +
        '             [--repo <dir>] [--ledger <ledger.json>] [--json]',
    ],
    about:
      "Models × releases (the ledger's, plus the candidate from the sources) with a verdict and every reason per cell.\n" +
      "--check is the release gate for CI: exit 1 with the gate's coded reasons when it fails.",
    options: [
      ['--release <firmware>', 'the matrix as it was when that release went out (from the ledger alone)'],
      ['--date YYYY-MM-DD', 'the day support is judged on'],
      ['--format <format>', 'text (default), json, markdown or html'],
      ['--output <file>', 'write the report to <file> (whole or not at all) instead of stdout'],
      ['--check', 'exit 1 when the gate fails'],
      ['--repo <dir>', 'the checkout (default .)'],
      ['--ledger <ledger.json>', 'another ledger than <repo>/releases/ledger.json'],
      ['--json', 'the same as --format json'],
    ],
    examples: ['fwkit matrix', 'fwkit matrix --check --json', 'fwkit matrix --format html --output matrix.html'],
  },
  verify: {
    synopsis: [
      'verify <image> --trust <root.json> (--device <device.json> | --model <model> --hw <rev> [--products <dir>] | --any-device)\n' +
        '             [--now <date-time>] [--file-digest] [--json]',
    ],
    about:
      "Checks the signatures and their threshold, the image's requirements against the device, then every block and\n" +
      'payload as it streams. Exit 0 only when every check passes.',
    options: [
      ['--trust <root.json>', 'the trust root (TUF root metadata)'],
      ['--device <device.json>', 'the device, as a camera knows itself (upgradeFrom and the security version are checked)'],
      ['--model <model> --hw <rev>', 'every field configuration of that revision, from <products>/<model>/product.json'],
      ['--products <dir>', 'with --model: where the products are (default products)'],
      ['--any-device', 'no device rules: signatures and integrity only'],
      ['--now <date-time>', 'judge expiry at this instant, e.g. 2026-12-03T10:00:00Z (default: now)'],
      ['--file-digest', "also compute the file's SHA-256"],
      JSON_OPTION,
    ],
    examples: [
      'fwkit verify out/cam-x/cam-x-1.4.0.fwimg --trust keys.example/root.json --device products/cam-x/device.example.json',
      'fwkit verify image.fwimg --trust root.json --model cam-x --hw B --json',
    ],
  },
  inspect: {
    synopsis: ['inspect <image> [--trust <root.json> [--now <date-time>]] [--json]'],
    about:
      'What an image holds, read without verifying it: its identity (SHA-256 of the signed manifest), the file digest\n' +
      'and size, versions, requirements, domains, payloads and signatures. Run fwkit verify before trusting any of it.',
    options: [
      ['--trust <root.json>', 'judge each signature entry: which count toward the threshold and which do not, and why'],
      ['--now <date-time>', 'with --trust: judge the trust root at this instant'],
      JSON_OPTION,
    ],
    examples: ['fwkit inspect out/cam-x/cam-x-1.4.0.fwimg', 'fwkit inspect image.fwimg --trust root.json --json'],
  },
  keys: {
    synopsis: ['keys generate --name <name> [--out <dir>] [--json]'],
    about:
      'A new Ed25519 key pair as PEM (PKCS#8 private key, mode 0600; SPKI public key), readable by openssl.\n' +
      '--json prints {ok, code, message, keyid, privateKeyPath, publicKeyPath}.',
    options: [
      ['--name <name>', 'file names <name>.key.pem and <name>.pub.pem (letters, digits, "-", "_", ".")'],
      ['--out <dir>', 'where to write them (default keys/, made with mode 0700)'],
      JSON_OPTION,
    ],
    examples: ['fwkit keys generate --name targets-3', 'fwkit keys generate --name root-1 --out offline-keys --json'],
  },
  root: {
    synopsis: [
      'root init --out <root.json> --expires <date-time> --root <pub.pem>... --targets <pub.pem>...\n' +
        '             --snapshot <pub.pem>... --timestamp <pub.pem>... [--<role>-threshold <n>] [--version <n>]\n' +
        '             [--consistent-snapshot] [--json]',
      'root sign <root.json> --key <key.pem> [--passphrase-fd <n>] [--json]',
      'root show <root.json> [--now <date-time>] [--json]',
    ],
    about:
      'Makes, signs and shows TUF 1.0 root metadata (root.json), the trust root devices are provisioned with: init\n' +
      'writes it unsigned, each root key holder signs it with their own key, and it counts once the root threshold is met.',
    options: [
      ['--out <root.json>', 'init: where to write (never over an existing file)'],
      ['--expires <date-time>', 'init: expiry in whole seconds with its offset, e.g. 2027-12-31T00:00:00Z'],
      ['--<role> <pub.pem>', 'init: a public key of root, targets, snapshot or timestamp (repeat per key)'],
      ['--<role>-threshold <n>', 'init: signatures the role needs (required when it has several keys)'],
      ['--version <n>', 'init: the metadata version (default 1)'],
      ['--consistent-snapshot', 'init: set consistent_snapshot'],
      ['--key <key.pem>', 'sign: the one private key to sign with'],
      ['--passphrase-fd <n>', 'sign: the passphrase of an encrypted key (or FWKIT_KEY_PASSPHRASE)'],
      ['--now <date-time>', 'show: judge expiry at this instant'],
      JSON_OPTION,
    ],
    examples: [
      'fwkit root init --out root.json --expires 2027-12-31T00:00:00Z --root keys/root-1.pub.pem --targets keys/targets-1.pub.pem \\\n' +
        '    --snapshot keys/snapshot-1.pub.pem --timestamp keys/timestamp-1.pub.pem',
      'fwkit root sign root.json --key keys/root-1.key.pem',
      'fwkit root show root.json --json',
    ],
  },
} as const satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof COMMANDS | 'device';

function render(help: CommandHelp): string {
  const width = Math.max(...help.options.map(([option]) => option.length));
  return [
    ...help.synopsis.map((line, i) => `${i === 0 ? 'Usage:' : '      '} fwkit ${line}`),
    '',
    help.about,
    '',
    'Options:',
    ...help.options.map(([option, meaning]) => `  ${option.padEnd(width)}  ${meaning}`),
    '',
    'Examples:',
    ...help.examples.map((example) => `  ${example}`),
    '',
    help.exit ?? EXIT_CODES,
  ].join('\n');
}

const DEVICE = 'fwkit device';

export const PROVISION_HELP = `Usage: fwkit ${PROVISION_SYNOPSIS}

Creates a device directory: its identity (device.json of the model's hardware revision, from
<products>/<model>/product.json, default products/; the revision's first bootloader unless --bootloader names one),
the trust root, the device policy (policy.json: {"allowDowngrade": false, "trialAttempts": 3} by default; the file
may set either), a fresh device key (0600), and the factory image verified into slot a as committed, with the
security counter at its security version.
<device-dir> must not exist or be an empty directory. A refused provision leaves it exactly as it was: the device is
built in a hidden directory beside it and moved into place only when complete.

Example:
  fwkit device provision cam1 --model cam-x --hw B --image out/cam-x/cam-x-1.4.0.fwimg --trust keys.example/root.json

Exit codes: 0 ok, 1 refused (a code says why), 2 usage error, 3 internal error (a bug).`;

const DEVICE_LINES = [PROVISION_SYNOPSIS, ...Object.values(deviceUsageLines('device'))];

export const DEVICE_HELP = `fwkit device — a simulated device: A/B slots, trial boot, commit or revert, anti-rollback

Usage:
${DEVICE_LINES.map((line) => `  fwkit ${line}`).join('\n')}
  ${DEVICE} <command> --help

install, boot, status, commit, revert and recover are fwkit-device's (the device bundle): the same code, output and exit codes.
Every --json line is {ok, code, message, status, ...}, status being the device status.
Exit codes: 0 ok, 1 refused or failed (boot: the firmware is not healthy or the trial was reverted), 2 usage error,
3 internal error (a bug).`;

const OVERVIEW_LINES = [
  ...Object.values(COMMANDS).flatMap((help: CommandHelp) => help.synopsis),
  ...DEVICE_LINES,
  'help <command>, fwkit <command> --help',
  '--version',
];

export const USAGE = `fwkit — build, sign, release and verify camera firmware images

Usage:
${OVERVIEW_LINES.map((line) => `  fwkit ${line}`).join('\n')}

Exit codes: 0 ok, 1 verification or validation failed (or the release gate refused; device boot: the firmware
is not healthy or its trial was reverted), 2 usage error, 3 internal error (a bug); build and release stopped by
SIGINT/SIGTERM exit 130/143 and write nothing; device boot --serve stopped by them exits with its decision (0).
--json: one JSON document on stdout, {ok, code, message, ...}, the same shape for every command
(schemas/cli-output.schema.json).
Encrypted private keys: the passphrase comes from --passphrase-fd <n> or FWKIT_KEY_PASSPHRASE, never an argument;
a private key file that group or others can read is refused (chmod 600).
fwkit <command> --help shows a command's options and examples.`;

export const isCommandName = (name: string): name is CommandName => name === 'device' || Object.hasOwn(COMMANDS, name);

/**
 * The usage of one command (`device`: of its subcommand `sub` when that is one), or undefined for a
 * name that is none.
 */
export function commandUsage(name: string, sub?: string): string | undefined {
  if (name === 'device') {
    if (sub === 'provision') return PROVISION_HELP;
    return sub !== undefined && isDeviceCommand(sub) ? deviceCommandUsage(DEVICE, sub) : DEVICE_HELP;
  }
  return Object.hasOwn(COMMANDS, name) ? render(COMMANDS[name as keyof typeof COMMANDS]) : undefined;
}
