import { SbomError } from './errors.js';

/**
 * A package URL (https://github.com/package-url/purl-spec) of type npm or generic, written as
 * packageurl-js 2.x writes it (the BOMs made before this writer used it, and their purls must not
 * change): the name and version trimmed; for npm the namespace and name lowercased; the namespace
 * without empty segments; each part percent-encoded with encodeURIComponent, except `:` and `/` in
 * the namespace and `:` and `+` in the version (`pkg:npm/%40camera/platform@1.0.0+build.1`).
 * A part with a lone UTF-16 surrogate cannot be encoded and throws a URIError, as there.
 */
export function packageUrl(type: 'npm' | 'generic', namespace: string | undefined, name: string, version: string): string {
  const trimmedName = name.trim();
  if (trimmedName === '') {
    throw new SbomError('SBOM_INPUT_INVALID', `a package URL needs a name: "${name}" (${type}) is blank`, {
      details: { type, namespace, name, version },
    });
  }
  const lower = (s: string) => (type === 'npm' ? s.toLowerCase() : s);
  const space =
    namespace === undefined
      ? ''
      : lower(
          namespace
            .split('/')
            .filter((segment) => segment !== '')
            .join('/'),
        );
  const trimmedVersion = version.trim();
  let purl = `pkg:${type}/`;
  if (space !== '') purl += `${encodeURIComponent(space).replace(/%3A/g, ':').replace(/%2F/g, '/')}/`;
  purl += encodeURIComponent(lower(trimmedName));
  if (trimmedVersion !== '') purl += `@${encodeURIComponent(trimmedVersion).replace(/%3A/g, ':').replace(/%2B/g, '+')}`;
  return purl;
}
