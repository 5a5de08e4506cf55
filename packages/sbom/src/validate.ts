import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { SbomError } from './errors.js';

// One validator: it compiles the CycloneDX 1.6 schemas on first use and caches them.
const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

/**
 * Check a BOM against the official CycloneDX 1.6 JSON schema in its strict form (no
 * properties beyond the spec). Throws SbomError SBOM_INVALID with the validator's errors.
 */
export async function validateSbom(json: string | Uint8Array): Promise<void> {
  let errors: unknown;
  try {
    const text = typeof json === 'string' ? json : new TextDecoder('utf-8', { fatal: true }).decode(json);
    errors = await validator.validate(text);
  } catch (cause) {
    // Not UTF-8 (TypeError from the decoder) or not JSON (SyntaxError from the validator's parse).
    if (cause instanceof SyntaxError || (cause instanceof TypeError && typeof json !== 'string')) {
      throw new SbomError('SBOM_INVALID', `SBOM is not UTF-8 JSON: ${cause.message}`, { cause, details: { errors: [cause.message] } });
    }
    throw cause;
  }
  if (errors !== null && errors !== undefined) {
    throw new SbomError('SBOM_INVALID', `SBOM does not conform to CycloneDX 1.6:\n${JSON.stringify(errors, null, 2)}`, {
      details: { errors },
    });
  }
}
