// An `--import` hook for start-up tests: appends the URL of every module the process loads, one a
// line, to the file named by FWKIT_MODULE_LOG. ES modules are seen by a load hook (module.register,
// Node >= 20.6; the hook runs on its own thread and appends as each module loads); CommonJS modules
// that other CommonJS modules require never pass that hook, so the CommonJS cache is appended at exit.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const log = process.env.FWKIT_MODULE_LOG;

/** Hook thread: records each module as it loads. */
export async function load(url, context, nextLoad) {
  if (log !== undefined) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}

// Main thread (the --import entry): install this file as the hook, and dump the CommonJS cache at exit.
// In the hook thread `register` is not called: the hook thread has its own `isMainThread === false`.
const { isMainThread } = await import('node:worker_threads');
if (isMainThread && log !== undefined) {
  register(import.meta.url);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
    if (urls.length > 0) appendFileSync(log, `${urls.join('\n')}\n`);
  });
}
