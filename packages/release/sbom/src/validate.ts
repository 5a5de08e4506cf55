import { SbomError } from './errors.js';
import { schemaValidator } from './schema-validator.js';

/**
 * Load the validator now rather than at the first SBOM (~200 KB of compiled code): a build
 * calls this while esbuild bundles, when this process has nothing else to do.
 */
export function prepareSbomValidator(): void {
  schemaValidator();
}

/**
 * Check one of fwkit's BOMs against the official CycloneDX 1.6 JSON schema in its strict form (no
 * properties beyond the spec), narrowed to the properties fwkit writes (narrow-schema.ts): what
 * passes here passes the full schema. Throws SbomError SBOM_INVALID with the validator's errors.
 */
export async function validateSbom(json: string | Uint8Array): Promise<void> {
  let data: unknown;
  try {
    const text = typeof json === 'string' ? json : new TextDecoder('utf-8', { fatal: true }).decode(json);
    data = JSON.parse(text);
  } catch (cause) {
    // Not UTF-8 (TypeError from the decoder) or not JSON (SyntaxError from the parse).
    if (cause instanceof SyntaxError || (cause instanceof TypeError && typeof json !== 'string')) {
      throw new SbomError('SBOM_INVALID', `SBOM is not UTF-8 JSON: ${cause.message}`, { cause, details: { errors: [cause.message] } });
    }
    throw cause;
  }
  const result = schemaValidator()(data);
  if (!result.ok) {
    throw new SbomError('SBOM_INVALID', `SBOM does not conform to CycloneDX 1.6:\n${JSON.stringify(result.errors, null, 2)}`, {
      details: { errors: result.errors },
    });
  }
  return Promise.resolve();
}
