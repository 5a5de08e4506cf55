// Imports nothing: `fwkit --help` prints it without loading any command (docs/decisions.md, lazy commands).

export const USAGE = `fwkit — build, sign, release and verify camera firmware images

Usage:
  fwkit build (--all | --product <model>...) --keys <dir> [--out <dir>] [--repo <dir>] [--no-cache] [--json]
  fwkit release --keys <dir> [--demo] [--allow-dirty] [--out <dir>] [--date YYYY-MM-DD] [--repo <dir>]
               [--ledger <ledger.json>] [--json]
               (build and release: --key <targets.key.pem>... --trust <root.json> instead of --keys <dir>;
               [--passphrase-fd <n>] for encrypted keys)
  fwkit ledger migrate [--repo <dir>] [--ledger <ledger.json>] [--json]
  fwkit matrix [--release <firmware>] [--date YYYY-MM-DD] [--format text|json|markdown|html] [--output <file>]
               [--check] [--repo <dir>] [--ledger <ledger.json>]
  fwkit verify <image> --trust <root.json> (--device <device.json> | --model <model> --hw <rev> [--products <dir>]
               | --any-device) [--now <date-time, e.g. 2026-12-03T10:00:00Z>] [--file-digest] [--json]
  fwkit inspect <image> [--trust <root.json> [--now <date-time>]] [--json]
  fwkit keys generate --name <name> [--out <dir>, default keys/] [--json]
  fwkit root init --out <root.json> --expires <date-time> --root <pub.pem>... --targets <pub.pem>...
               --snapshot <pub.pem>... --timestamp <pub.pem>... [--<role>-threshold <n>] [--version <n>]
               [--consistent-snapshot] [--json]
  fwkit root sign <root.json> --key <key.pem> [--passphrase-fd <n>] [--json]
  fwkit root show <root.json> [--now <date-time>] [--json]
  fwkit device provision <device-dir> --model <model> --hw <rev> --image <factory image> --trust <root.json>
               [--bootloader <version>] [--products <dir>] [--policy <policy.json>] [--now <date-time>] [--json]
  fwkit device install <device-dir> --image <image> [--now <date-time>] [--json]
  fwkit device boot <device-dir> [--serve] [--health-timeout-ms <n>] [--now <date-time>] [--json]
  fwkit device status <device-dir> [--json]
  fwkit device commit <device-dir> [--json]
  fwkit device revert <device-dir> [--json]
  fwkit device recover <device-dir> --image <recovery image> [--now <date-time>] [--json]
  fwkit device --help, fwkit device <command> --help
  fwkit --version

Exit codes: 0 ok, 1 verification or validation failed (or the release gate refused; device boot: the firmware
is not healthy or its trial was reverted), 2 usage error, 3 internal error (a bug); build and release stopped by
SIGINT/SIGTERM exit 130/143 and write nothing; device boot --serve stopped by them exits with its decision (0).
SOURCE_DATE_EPOCH fixes the build time (default: the time of the last git commit); its UTC day is the release
date and the day support is judged on, unless --date names another.
build reuses an unchanged product's image from its cache ($FWKIT_CACHE_DIR, default node_modules/.cache/fwkit/build);
--no-cache builds afresh and writes nothing there. release never uses the cache.
--ledger: the one ledger of every release line (a maintenance branch releases into main's releases/ledger.json).
Encrypted private keys: the passphrase comes from --passphrase-fd <n> or FWKIT_KEY_PASSPHRASE, never an argument;
a private key file that group or others can read is refused (chmod 600).`;
