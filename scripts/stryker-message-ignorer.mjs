// @ts-check
// A Stryker ignorer: leaves out the mutants that can only change what an error SAYS — its message
// and its `details` object — never what is checked or which code is thrown. Tests assert codes,
// not texts (STYLE.md), so such mutants would survive without telling anything about the logic.
// issue 12 allows exactly this exclusion, and docs/testing.md lists what it covers.
//
// Besides the message and details positions themselves, a value is message-only when everything
// it flows into is: a parameter of a helper in the same file (trust's `invalid(message, path)`)
// or a local `const`/function (a field path, a file kind's name) all of whose uses lie inside
// message-only nodes, or a parameter of a private method of the same class used that way (the
// reader's `#truncated(what)`). That is followed through bindings only (a few levels deep); a value
// that is also used anywhere else — a comparison, a return, a code — is never left out. An object
// literal all of whose fields are message-only (an issue `{ path, message }`) is message-only as a
// whole: emptying it leaves an object in the same place.
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
 * The original code under Stryker's mutant switches. Stryker instruments a node on leaving it, so
 * a helper declared above its call has already been rewritten when the call is looked at:
 * `const fail = stryMutAct_…(id) ? () => undefined : (stryCov_…(id), (() => { const fail = (issues) => …; return fail; })())`
 * (the arrow function inside keeps its name). This finds the original function again.
 * @param {import('@babel/core').NodePath} path
 */
function withoutMutantSwitches(path) {
  const strykerCall = (/** @type {any} */ node, /** @type {string} */ prefix) =>
    node?.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name.startsWith(prefix);
  let at = path;
  for (let step = 0; step < 8; step++) {
    const node = /** @type {any} */ (at.node);
    if (at.isConditionalExpression() && strykerCall(node.test, 'stryMutAct_')) {
      at = at.get('alternate');
    } else if (at.isSequenceExpression() && node.expressions.slice(0, -1).every((/** @type {any} */ e) => strykerCall(e, 'stryCov_'))) {
      at = at.get(`expressions.${node.expressions.length - 1}`);
    } else if (at.isCallExpression() && node.arguments.length === 0 && node.callee.type === 'ArrowFunctionExpression') {
      // `(() => { const name = original; return name; })()`
      const body = node.callee.body;
      const [declaration, ret] = body.type === 'BlockStatement' ? body.body : [];
      const declarator =
        declaration?.type === 'VariableDeclaration' && declaration.declarations.length === 1 ? declaration.declarations[0] : undefined;
      if (
        body.body.length !== 2 ||
        declarator?.id.type !== 'Identifier' ||
        ret?.type !== 'ReturnStatement' ||
        ret.argument?.type !== 'Identifier' ||
        ret.argument.name !== declarator.id.name
      ) {
        break;
      }
      at = at.get('callee.body.body.0.declarations.0.init');
    } else {
      break;
    }
  }
  return /** @type {import('@babel/core').NodePath} */ (Array.isArray(at) ? path : at);
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
  if (fn?.isVariableDeclarator()) fn = withoutMutantSwitches(fn.get('init'));
  if (fn === undefined || !fn.isFunction()) return false;
  let param = fn.get('params')[index];
  if (param?.isAssignmentPattern()) param = param.get('left');
  if (param === undefined || !param.isIdentifier()) return false;
  return onlyInMessages(fn.scope.getBinding(param.node.name), depth);
}

/**
 * The argument at `index` of a call of a private method of the enclosing class
 * (`this.#truncated('data of')`) is message-only when that parameter is used only in messages.
 * @param {import('@babel/core').NodePath} call
 * @param {number} index
 * @param {number} depth
 */
function privateParameterOnlyInMessages(call, index, depth) {
  const callee = /** @type {any} */ (call.node).callee;
  if (callee?.type !== 'MemberExpression' || callee.object.type !== 'ThisExpression' || callee.property.type !== 'PrivateName') {
    return false;
  }
  const name = callee.property.id.name;
  const body = call.findParent((p) => p.isClassBody());
  const method = /** @type {import('@babel/core').NodePath[]} */ (body?.get('body') ?? []).find(
    (member) => member.isClassPrivateMethod() && member.node.key.id.name === name,
  );
  if (method === undefined || !method.isClassPrivateMethod()) return false;
  let param = method.get('params')[index];
  if (param?.isAssignmentPattern()) param = param.get('left');
  if (param === undefined || !param.isIdentifier()) return false;
  return onlyInMessages(method.scope.getBinding(param.node.name), depth);
}

/**
 * Why the node at `path` is message-only, or undefined when it is not.
 * @param {import('@babel/core').NodePath} path
 * @param {number} [depth] how many helpers or constants deep this question was asked
 */
function messageOnly(path, depth = 0) {
  const why = messageOnlyPlace(path, depth);
  if (why !== undefined || depth > MAX_DEPTH) return why;
  // An issue as a whole (`{ path, message }`): when every field of an object literal is
  // message-only, emptying it changes nothing else (it is still an object, still counted in its list).
  if (path.isObjectExpression() && path.node.properties.length > 0) {
    const fields = path.get('properties');
    if (fields.every((field) => messageOnly(field, depth + 1) !== undefined)) return 'an object of message-only fields (an issue)';
  }
  return undefined;
}

/**
 * Why the node at `path` is message-only by the place it stands in (an argument, a property, a
 * binding used only in messages), or undefined.
 * @param {import('@babel/core').NodePath} path
 * @param {number} depth
 */
function messageOnlyPlace(path, depth) {
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
    if (name === undefined) {
      // A private method of this class that only puts this argument into a message (the reader's `#truncated(what)`).
      return privateParameterOnlyInMessages(parent, path.key, depth) ? 'an argument a private method only puts into a message' : undefined;
    }
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
