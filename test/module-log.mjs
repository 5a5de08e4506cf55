// An `--import` hook for start-up tests: appends the URL of every module the process loads, one a
// line, to the file named by FWKIT_MODULE_LOG. ES modules are seen by a load hook: in-thread
// `module.registerHooks` where Node has it (22.15+; Node 26 deprecates `module.register`), else
// `module.register` (Node >= 20.6; the hook runs on its own thread and appends as each module
// loads). CommonJS modules that other CommonJS modules require may not pass that hook, so the
// CommonJS cache is appended at exit.
import { appendFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

const log = process.env.FWKIT_MODULE_LOG;

/** Records each module as it loads (in the hook thread with `register`, in this one with `registerHooks`). */
export function load(url, context, nextLoad) {
  if (log !== undefined) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}

// Main thread (the --import entry): install this file as the hook, and dump the CommonJS cache at exit.
// In the hook thread `register` is not called: the hook thread has its own `isMainThread === false`.
const { isMainThread } = await import('node:worker_threads');
if (isMainThread && log !== undefined) {
  if (typeof nodeModule.registerHooks === 'function') nodeModule.registerHooks({ load });
  else nodeModule.register(import.meta.url);
  const cache = nodeModule.createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
    if (urls.length > 0) appendFileSync(log, `${urls.join('\n')}\n`);
  });
}
