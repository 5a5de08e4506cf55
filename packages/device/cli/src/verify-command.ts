import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, verifyImageFile } from '@fwkit/device-verify';
import { loadDeviceIdentity, loadTrustRoot, nowOption, renderSummary, uncheckedOnDevice, verifySummary } from '@fwkit/device-verify/report';
import { reportFailure, type DeviceIo } from './io.js';
import { EXIT_CODES } from './usage.js';

export const VERIFY_LINE = 'fwkit-device verify <image> --trust <root.json> --device <device.json> [--now <date-time>] [--json]';

/** `fwkit-device verify --help`, and what a usage error of verify prints. */
export const VERIFY_HELP = `Usage: ${VERIFY_LINE}

The checks of fwkit verify --device, with its codes and --json output: signatures, the device rules against
<device.json>, every block as it streams.

${EXIT_CODES}`;

/**
 * `fwkit-device verify`: what a camera's updater runs. A device knows who it is, so there is no
 * --model, --hw or --any-device: the device rules always run against its device.json. It reports
 * its own errors, as the device commands do.
 */
export async function runVerify(args: readonly string[], io: DeviceIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        trust: { type: 'string' },
        device: { type: 'string' },
        now: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const [image, ...extra] = positionals;
    if (image === undefined || extra.length > 0) throw new UsageError('verify takes exactly one image path');
    if (values.trust === undefined || values.trust === '') throw new UsageError('verify needs --trust <root.json>');
    if (values.device === undefined || values.device === '') throw new UsageError('verify needs --device <device.json>');
    const now = nowOption(values.now);

    const trust = await loadTrustRoot(io.cwd, values.trust, now);
    const device = await loadDeviceIdentity(io.cwd, values.device);
    const verified = await verifyImageFile(resolve(io.cwd, image), { trust, devices: [device], now });
    io.out(renderSummary(verifySummary(image, verified, uncheckedOnDevice(verified)), verified.exampleKeys, values.json));
    return EXIT.ok;
  } catch (error) {
    return reportFailure(io, error, { program: 'fwkit-device', json: args.includes('--json'), usage: VERIFY_HELP });
  }
}
