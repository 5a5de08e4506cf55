// Imports nothing: `fwkit --help` and `fwkit device --help` print these lines without loading a device
// command (docs/decisions.md, lazy commands). The one source of the device commands' usage, for both
// programs: `fwkit-device <command>` and `fwkit device <command>`.

export const DEVICE_COMMANDS = ['install', 'boot', 'status', 'commit', 'revert', 'recover'] as const;
export type DeviceCommandName = (typeof DEVICE_COMMANDS)[number];

export const isDeviceCommand = (name: string): name is DeviceCommandName => (DEVICE_COMMANDS as readonly string[]).includes(name);

/** The usage line of each command (`program` is `fwkit-device` or `fwkit device`). */
export function deviceUsageLines(program: string): Record<DeviceCommandName, string> {
  return {
    install: `${program} install <device-dir> --image <image> [--now <date-time>] [--json]`,
    boot: `${program} boot <device-dir> [--serve] [--health-timeout-ms <n>] [--no-isolation] [--now <date-time>] [--json]`,
    status: `${program} status <device-dir> [--json]`,
    commit: `${program} commit <device-dir> [--json]`,
    revert: `${program} revert <device-dir> [--json]`,
    recover: `${program} recover <device-dir> --image <recovery image> [--now <date-time>] [--json]`,
  };
}

const DESCRIPTIONS: Record<DeviceCommandName, string> = {
  install:
    'Streams the image into the inactive slot after every check passed (signatures, model, revision,\n' +
    'compatibility, upgradeFrom, downgrade policy, security counter), then arms it as the trial: "pending reboot".',
  boot:
    'Boots as the bootloader would: a pending trial is tried (an attempt is used first) and committed when its\n' +
    'health check passes (then the security counter is raised), or reverted when its attempts are used up.\n' +
    'Prints the health decision and stops the firmware; --serve keeps it running until SIGINT/SIGTERM.\n' +
    'Each domain runs in its own sandbox (uid, namespaces, cgroups, seccomp: docs/security-domains.md); a host\n' +
    'that cannot isolate is refused with ISOLATION_UNAVAILABLE before anything changes. --no-isolation is the\n' +
    'development mode: plain processes, a banner on stderr, and "isolation": "none" in the health verdict.\n' +
    'Exit 0: the booted firmware is healthy (a pending trial was committed); 1: its health failed (code =\n' +
    'the verdict, e.g. HEALTH_TIMEOUT) or the trial was reverted (TRIAL_REVERTED); the device state is in --json.',
  status: 'The committed ("installed") version, a pending trial, the state, the security counter and the last result.',
  commit: 'Commits the pending trial without a health check (manual flows), then raises the security counter.',
  revert: 'Abandons the pending trial; the committed slot stays.',
  recover:
    'Recovery mode, for a device whose two slots are both bad (boot fails with BOOT_NO_VALID_SLOT): installs an image\n' +
    'signed by the trust root, at or above the security counter, into slot a and commits it without a trial.\n' +
    'Refused with RECOVERY_NOT_NEEDED while a slot still boots (install an update instead). See docs/device.md.',
};

/** The exit codes of every fwkit-device command (and of `fwkit device <command>`). */
export const EXIT_CODES = 'Exit codes: 0 ok, 1 refused or failed (a code says why), 2 usage error, 3 internal error (a bug).';

/** The --help text of one device command. */
export function deviceCommandUsage(program: string, name: DeviceCommandName): string {
  return `Usage: ${deviceUsageLines(program)[name]}\n\n${DESCRIPTIONS[name]}\n\n${EXIT_CODES}`;
}
