/** One import edge of a bundled module, as esbuild records it in its metafile. */
export interface MetafileImport {
  readonly path: string;
  readonly kind: string;
  readonly external?: boolean;
}

/**
 * The part of an esbuild metafile the SBOM reads: every module esbuild parsed into a bundle,
 * by path relative to esbuild's `absWorkingDir`. esbuild's own `Metafile` type is assignable to it.
 */
export interface BundleMetafile {
  readonly inputs: Readonly<Record<string, { readonly bytes: number; readonly imports: readonly MetafileImport[] }>>;
}

/** A tool named in `metadata.tools` (fwkit first, then e.g. esbuild). */
export interface SbomTool {
  readonly name: string;
  readonly version: string;
}

/** Everything the BOM is made of. Plain data: reading it from disk is `loadSbomSources`' job. */
/** An organisation as npm's `author` names it. */
export interface SbomSupplier {
  readonly name: string;
  readonly url?: string | undefined;
  readonly email?: string | undefined;
}

export interface SbomInput {
  /** The image the BOM describes; it becomes `metadata.component` (type `firmware`). */
  readonly firmware: {
    readonly model: string;
    readonly modelName: string;
    readonly version: string;
    readonly security: number;
    readonly hardwareRevisions: readonly string[];
    /** The model's last day of support (YYYY-MM-DD): `cdx:lifecycle:milestone:endOfSupport`. */
    readonly endOfSupport: string;
  };
  /**
   * Who makes and supplies the firmware (NTIA minimum element "supplier name"): the BOM's supplier
   * and the supplier of the firmware, the platform and the drivers.
   */
  readonly supplier: SbomSupplier;
  /** The shared platform: its folder (relative to the metafile root) and its package.json facts. */
  readonly platform: { readonly dir: string; readonly name: string; readonly version: string; readonly license?: string | undefined };
  /** The runtime the firmware runs on (platform.json `runtime`): a component of type `platform`. */
  readonly runtime: { readonly name: string; readonly version: string; readonly endOfLife: string };
  /** The model-specific driver code: its folder (relative to the metafile root). */
  readonly product: {
    readonly dir: string;
    readonly id: string;
    readonly name: string;
    /** The drivers' licence (SPDX), from product.json; the platform package's when it names none. */
    readonly license?: string | undefined;
  };
  /** The esbuild metafiles of every domain bundle in the image. */
  readonly metafiles: readonly BundleMetafile[];
  /** SHA-256 (lowercase hex) of every bundled file, keyed by its metafile path. */
  readonly fileDigests: Readonly<Record<string, string | undefined>>;
  /** Parsed package.json of every bundled npm package, keyed by package folder (`node_modules/strnum`). */
  readonly packageJsons: Readonly<Record<string, unknown>>;
  /** Parsed package-lock.json (lockfileVersion 2 or 3) of the checkout. */
  readonly lockfile: unknown;
  /** SOURCE_DATE_EPOCH, seconds: the BOM's timestamp. */
  readonly sourceDateEpoch: number;
  readonly tools: readonly SbomTool[];
}

/** An npm package whose code is in the image, as listed in the BOM. */
export interface BundledPackage {
  /** Folder in the checkout, e.g. `node_modules/fast-xml-parser`. */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly license: string | undefined;
  /** Number of its files that esbuild bundled. */
  readonly files: number;
  /** SHA-256 over what was bundled (see `BUNDLED_SHA256_METHOD`). */
  readonly sha256: string;
  /** SHA-512 of the npm tarball from the lockfile `integrity`, hex; undefined when the lockfile has none. */
  readonly sha512: string | undefined;
  /** Folders of the bundled packages it depends on. */
  readonly dependsOn: readonly string[];
}

export interface Sbom {
  /** The CycloneDX 1.6 JSON document, UTF-8, ending in a newline. Same input ⇒ same bytes. */
  readonly bytes: Uint8Array;
  /** `urn:uuid:…` derived from the SHA-256 of the document without it. */
  readonly serialNumber: string;
  readonly packages: readonly BundledPackage[];
}
