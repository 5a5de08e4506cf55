#!/usr/bin/env node
// Writes the compiled CycloneDX 1.6 schema validator beside @fwkit/release-sbom's compiled code, so that a
// build loads it instead of compiling the schemas with ajv each time (about half of a cold build).
// Its first line names the schemas and package versions it was made from; @fwkit/release-sbom compiles
// afresh when the file is missing or was made from other inputs. `npm run build` runs it after `tsc -b`.
import { rename, writeFile } from 'node:fs/promises';
import { schemaValidatorCode, VALIDATOR_CODE_PATH } from '@fwkit/release-sbom';

const temporary = `${VALIDATOR_CODE_PATH}.${process.pid}.tmp`;
await writeFile(temporary, schemaValidatorCode());
await rename(temporary, VALIDATOR_CODE_PATH);
