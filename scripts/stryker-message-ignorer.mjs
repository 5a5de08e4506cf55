// @ts-check
// A Stryker ignorer: leaves out the mutants that can only change what an error SAYS — its message
// and its `details` object — never what is checked or which code is thrown. Tests assert codes,
// not texts (STYLE.md), so such mutants would survive without telling anything about the logic.
// issue 12 allows exactly this exclusion, and docs/testing.md lists what it covers.
//
// Besides the message and details positions themselves, a value is message-only when everything
// it flows into is: a parameter of a helper in the same file (trust's `invalid(message, path)`)
// or a local `const`/function (a field path, a file kind's name) all of whose uses lie inside
// message-only nodes. That is followed through bindings only (a few levels deep); a value that is
// also used anywhere else — a comparison, a return, a code — is never left out.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** Built-in errors take the message first; fwkit's typed errors take (code, message, options). */
const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError']);
/** Helpers whose arguments after the code are (message, details): verify's fail, core's reason. */
const MESSAGE_HELPERS = new Set(['fail', 'reason']);
/**
 * Arguments that only become text or details further on, through a property the ignorer cannot
 * follow: trust's TufRootStructureError(path, reason) is read back only by readRootMetadata, as
 * the message and `details.path` of its TRUST_ROOT_INVALID.
 * @type {Record<string, Record<number, string>>}
 */
const MESSAGE_ONLY_ARGUMENTS = {
  TufRootStructureError: { 0: 'the field path of a TufRootStructureError', 1: 'the reason of a TufRootStructureError' },
};
/** How many local helpers or constants deep a value is followed to the message it ends in. */
const MAX_DEPTH = 4;

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
 * Whether every use of a local binding (a helper's parameter, a `const`) lies inside a
 * message-only node: then what it holds can only change a text or details.
 * @param {import('@babel/core').Binding | undefined} binding
 * @param {number} depth
 */
function onlyInMessages(binding, depth) {
  if (binding === undefined || !binding.constant || binding.referencePaths.length === 0) return false;
  return binding.referencePaths.every((ref) => {
    // Up from the use to its statement: some node on the way must be message-only.
    for (let at = ref; at !== null && !at.isStatement(); at = at.parentPath) {
      if (messageOnly(at, depth + 1) !== undefined) return true;
    }
    return false;
  });
}

/**
 * The argument at `index` of a call to a function declared in this file (`function f(…)` or
 * `const f = (…) => …`) is message-only when that parameter is used only in messages.
 * @param {import('@babel/core').NodePath} call
 * @param {string} name
 * @param {number} index
 * @param {number} depth
 */
function localParameterOnlyInMessages(call, name, index, depth) {
  let fn = call.scope.getBinding(name)?.path;
  if (fn?.isVariableDeclarator()) fn = fn.get('init');
  if (fn === undefined || !fn.isFunction()) return false;
  let param = fn.get('params')[index];
  if (param?.isAssignmentPattern()) param = param.get('left');
  if (param === undefined || !param.isIdentifier()) return false;
  return onlyInMessages(fn.scope.getBinding(param.node.name), depth);
}

/**
 * Why the node at `path` is message-only, or undefined when it is not.
 * @param {import('@babel/core').NodePath} path
 * @param {number} [depth] how many helpers or constants deep this question was asked
 */
function messageOnly(path, depth = 0) {
  const parent = path.parentPath;
  if (parent === null || depth > MAX_DEPTH) return undefined;
  // An argument of a call or `new`.
  if ((parent.isCallExpression() || parent.isNewExpression()) && path.listKey === 'arguments' && typeof path.key === 'number') {
    // The message an Error subclass hands to Error.
    if (parent.isCallExpression() && parent.get('callee').isSuper() && path.key === 0) {
      const superClass = /** @type {any} */ (path.findParent((p) => p.isClass())?.node)?.superClass;
      return superClass?.type === 'Identifier' && BUILTIN_ERRORS.has(superClass.name)
        ? `the message of an ${superClass.name} subclass`
        : undefined;
    }
    const name = calleeName(parent);
    if (name === undefined) return undefined;
    // The options of a typed error when they hold nothing but `details`.
    if (path.key === 2 && path.isObjectExpression() && /Error$/.test(name) && !BUILTIN_ERRORS.has(name)) {
      const props = /** @type {any[]} */ (path.node.properties);
      if (
        props.length > 0 &&
        props.every((p) => p.type === 'ObjectProperty' && !p.computed && p.key.type === 'Identifier' && p.key.name === 'details')
      ) {
        return `the details of a ${name}`;
      }
    }
    if (BUILTIN_ERRORS.has(name)) return path.key === 0 ? `the message of a ${name}` : undefined;
    if (name === 'process.emitWarning') return 'the text of a warning';
    const known = MESSAGE_ONLY_ARGUMENTS[name]?.[path.key];
    if (known !== undefined) return known;
    if (MESSAGE_HELPERS.has(name)) {
      if (path.key === 1) return `the message of ${name}()`;
      if (path.key === 2) return `the details of ${name}()`;
    }
    if (/Error$/.test(name) && path.key === 1) return `the message of a ${name}`;
    // A local helper that only puts this argument into a message or details (trust's `invalid`).
    if (localParameterOnlyInMessages(parent, name, path.key, depth)) return `an argument ${name}() only puts into a message`;
    return undefined;
  }
  // A function of this file called only to make a message (the name of a file kind).
  if (path.isFunctionDeclaration() && path.node.id) {
    if (onlyInMessages(path.parentPath.scope.getBinding(path.node.id.name), depth)) return 'a function used only in messages';
    return undefined;
  }
  // A local constant used only in messages (a field path built for an error).
  if (parent.isVariableDeclarator() && path.key === 'init' && parent.get('id').isIdentifier()) {
    const id = /** @type {any} */ (parent.node.id).name;
    if (onlyInMessages(parent.scope.getBinding(id), depth)) return `a constant used only in messages`;
    return undefined;
  }
  // The text of an issue or a failed check: a `message: …` property (issues listed in an error's
  // details and message, a threshold's failure text).
  if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'message') {
    return 'a message property';
  }
  // The path of an issue (`{ path, message }`): issues only ever go into an error's details and
  // message; which field they name decides nothing.
  if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'path') {
    const siblings = /** @type {any[]} */ (/** @type {any} */ (parent.node).properties ?? []);
    if (siblings.some((p) => p.type === 'ObjectProperty' && !p.computed && p.key.type === 'Identifier' && p.key.name === 'message')) {
      return 'the path of an issue';
    }
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
