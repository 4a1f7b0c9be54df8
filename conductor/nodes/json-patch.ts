import { ConductorError } from './errors';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const patchError = (message: string) => new ConductorError('PatchError', message);

function parsePath(path: string): string[] {
  if (!path.startsWith('/') || path.length < 2) {
    throw patchError(`Invalid patch path '${path}': it must start with '/'.`);
  }
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function validatePatch(body: unknown): PatchOperation[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw patchError('A JSON patch must be a non-empty list of operations.');
  }
  return body.map((raw: unknown) => {
    if (!raw || typeof raw !== 'object')
      throw patchError('Each patch operation must be an object.');
    const op = raw as Record<string, unknown>;
    if (op.op !== 'add' && op.op !== 'replace' && op.op !== 'remove') {
      throw patchError(`Invalid patch operation '${String(op.op)}'; use add, replace or remove.`);
    }
    if (typeof op.path !== 'string') throw patchError("Patch operation lacks a 'path'.");
    if (op.op !== 'remove' && !('value' in op)) {
      throw patchError(`Patch operation '${op.op}' on '${op.path}' lacks a 'value'.`);
    }
    return { op: op.op, path: op.path, value: op.value };
  });
}

/**
 * Applies RFC 6902 add/replace/remove to a copy of `doc`. Top-level keys must be listed in
 * `patchable` (Ironic refuses to add new root attributes); removing a root attribute resets it to
 * `defaults[key]`.
 */
export function applyPatch(
  doc: Record<string, unknown>,
  ops: PatchOperation[],
  patchable: ReadonlySet<string>,
  readOnly: ReadonlySet<string>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const op of ops) {
    const tokens = parsePath(op.path);
    const root = tokens[0]!;
    if (!patchable.has(root)) {
      if (readOnly.has(root)) {
        throw patchError(`'/${root}' is an internal attribute and can not be updated`);
      }
      throw patchError(
        `Adding a new attribute (/${root}) to the root of the resource is not allowed`,
      );
    }
    let parent: Record<string, unknown> = out;
    for (const token of tokens.slice(0, -1)) {
      const next = parent[token];
      if (!next || typeof next !== 'object' || Array.isArray(next)) {
        throw patchError(`can't ${op.op} '${op.path}': the parent does not exist`);
      }
      parent = next as Record<string, unknown>;
    }
    const key = tokens[tokens.length - 1]!;
    const exists = Object.prototype.hasOwnProperty.call(parent, key) && parent[key] !== undefined;
    if (op.op === 'remove' || op.op === 'replace') {
      const isEmptyRoot =
        tokens.length === 1 && (parent[key] === null || parent[key] === undefined);
      if (!exists || (op.op === 'remove' && isEmptyRoot)) {
        throw patchError(`can't ${op.op} non-existent object '${key}'`);
      }
    }
    if (op.op === 'remove') {
      if (tokens.length === 1) parent[key] = structuredClone(defaults[key] ?? null);
      else delete parent[key];
    } else {
      parent[key] = structuredClone(op.value);
    }
  }
  return out;
}
