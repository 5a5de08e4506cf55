// @ts-check
// A Stryker ignorer: leaves out the mutants that can only change what an error SAYS — its message
// and its `details` object — never what is checked or which code is thrown. Tests assert codes,
// not texts (STYLE.md), so such mutants would survive without telling anything about the logic.
// issue 12 allows exactly this exclusion, and test/mutation/README.md lists what it covers.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Built-in errors take the message first; fwkit's typed errors take (code, message, options). */
const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError']);
/** Helpers whose arguments after the code are (message, details): verify's fail, core's reason. */
const MESSAGE_HELPERS = new Set(['fail', 'reason']);

/** @param {import('@babel/core').NodePath} path */
function calleeName(path) {
  const callee = /** @type {any} */ (path.node).callee;
  if (callee?.type === 'Identifier') return callee.name;
  if (callee?.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.property.type === 'Identifier') {
    return `${callee.object.name}.${callee.property.name}`;
  }
  return undefined;
}

/**
 * Why the node at `path` is message-only, or undefined when it is not.
 * @param {import('@babel/core').NodePath} path
 */
function messageOnly(path) {
  const parent = path.parentPath;
  if (parent === null) return undefined;
  // An argument of a call or `new`.
  if ((parent.isCallExpression() || parent.isNewExpression()) && path.listKey === 'arguments' && typeof path.key === 'number') {
    const name = calleeName(parent);
    if (name === undefined) return undefined;
    if (BUILTIN_ERRORS.has(name)) return path.key === 0 ? `the message of a ${name}` : undefined;
    if (name === 'process.emitWarning') return 'the text of a warning';
    if (MESSAGE_HELPERS.has(name)) {
      if (path.key === 1) return `the message of ${name}()`;
      if (path.key === 2) return `the details of ${name}()`;
      return undefined;
    }
    if (/Error$/.test(name) && path.key === 1) return `the message of a ${name}`;
    return undefined;
  }
  // The text of an issue or a failed check: a `message: …` property (issues listed in an error's
  // details and message, a threshold's failure text).
  if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'message') {
    return 'a message property';
  }
  // `details: …` (or a spread that only adds `details`) in the options of a typed error.
  const options = parent.isObjectExpression() ? parent.parentPath : null;
  if (options !== null && (options.isNewExpression() || options.isCallExpression()) && parent.key === 2) {
    const name = calleeName(options);
    if (name === undefined || !/Error$/.test(name) || BUILTIN_ERRORS.has(name)) return undefined;
    if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'details') {
      return `the details of a ${name}`;
    }
    if (path.isSpreadElement() && path.get('argument').isConditionalExpression()) {
      const text = path.getSource();
      if (/^\.\.\.\(\s*[\w.]+\.details === undefined \? \{\} : \{ details: /.test(text)) return `the details of a ${name}`;
    }
  }
  return undefined;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'message', {
    /** @param {import('@babel/core').NodePath} path */
    shouldIgnore(path) {
      const why = messageOnly(path);
      return why === undefined ? undefined : `message-only: ${why}`;
    },
  }),
];
