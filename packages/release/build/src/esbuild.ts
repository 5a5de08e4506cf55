import { createRequire } from 'node:module';
import type * as Esbuild from 'esbuild';

/**
 * esbuild, required rather than imported. It is a CommonJS package: importing it makes Node scan
 * its ~200 KB entry for export names before it runs (cjs-module-lexer), which cost a cold build
 * ~20 ms before its first bundle; `require` only runs it.
 */
export const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
