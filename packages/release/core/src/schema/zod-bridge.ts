import { z } from 'zod';
import { deepFreeze, FAIL, formatPath, SchemaError, type Check, type Issue, type JsonSchema, type SchemaIssue } from '@fwkit/device-core';

/**
 * The release-side (zod) schemas embed the device-side checks through this bridge, so each field
 * rule has one implementation: zod reports the check's issues at their paths, and the JSON Schema
 * generator writes the check's own JSON Schema (`jsonSchemaOverride`).
 */
const jsonSchemas = new WeakMap<object, JsonSchema>();

export function zodOf<T>(check: Check<T>): z.ZodType<T> {
  // A refinement and an overwrite, not a transform: zod drops defaults from input JSON Schemas of transforms.
  const schema = z
    .any()
    .superRefine((value: unknown, ctx) => {
      const issues: Issue[] = [];
      if (check.parse(value, [], issues) !== FAIL) return;
      for (const issue of issues) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    })
    // The parsed copy, so that freezing the result never freezes the caller's input.
    .overwrite((value: unknown) => {
      const parsed = check.parse(value, [], []);
      return parsed === FAIL ? value : parsed;
    });
  // Keyed by the definition, which zod's clones (`.describe()`, `.optional()` inners) share.
  jsonSchemas.set(schema._zod.def, check.jsonSchema);
  return schema;
}

/** For `z.toJSONSchema(…, { override })`: a bridged check is described by its own JSON Schema. */
export function jsonSchemaOverride(ctx: { zodSchema: { _zod: { def: object } }; jsonSchema: Record<string, unknown> }): void {
  const own = jsonSchemas.get(ctx.zodSchema._zod.def);
  // What zod wrote for the bridge (nothing but its description or default) stays.
  if (own !== undefined) Object.assign(ctx.jsonSchema, structuredClone(own));
}

function issuesOf(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validate a release-side document once at the boundary: every problem reported with its path, the result frozen. */
export function parseDocument<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new SchemaError('SCHEMA_INVALID', what, issuesOf(result.error));
  return deepFreeze(result.data);
}
