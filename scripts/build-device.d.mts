/** The device bundle (scripts/build-device.mjs): where it is written, and the limits it is held to. */
export declare const DEVICE_BUNDLE: string;
export declare const DEVICE_METAFILE: string;
/** Bytes, minified, of dist/device/fwkit-device.mjs. */
export declare const DEVICE_BUNDLE_LIMIT: number;
/** Bytes, minified, of `fwkit-device verify` bundled alone. */
export declare const VERIFIER_LIMIT: number;
export declare function buildDeviceBundle(): Promise<{ bytes: number; metafile: unknown }>;
