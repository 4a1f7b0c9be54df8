import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HardwareManagerLoadError } from './errors';
import type { HardwareManager, ManagerFactoryEnv } from './manager';
import { checkManagerShape } from './manager-schema';

/** Imports a module by specifier; tests inject their own. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const nativeImport: ModuleImporter = (specifier) => import(specifier);

/** A path (`./x.js`, `/opt/x.js`, `file:…`) rather than an npm package name. */
export function isPathSpec(spec: string): boolean {
  return (
    spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('file:') || isAbsolute(spec)
  );
}

/** Where `import()` should look: paths are resolved against `cwd`, packages as they are. */
export function importSpecifier(spec: string, cwd = process.cwd()): string {
  if (spec.startsWith('file:')) return spec;
  return isPathSpec(spec) ? pathToFileURL(resolve(cwd, spec)).href : spec;
}

/**
 * Loads the custom managers named in `hardware_managers` (our stand-in for IPA's stevedore entry
 * points). Each module's default export (or its `hardwareManager` export) is a manager or a
 * factory of one; its shape is checked with zod. Any failure names the plugin.
 */
export async function loadManagerPlugins(
  specs: readonly string[],
  env: ManagerFactoryEnv,
  importModule: ModuleImporter = nativeImport,
): Promise<HardwareManager[]> {
  const out: HardwareManager[] = [];
  for (const spec of specs) {
    let mod: unknown;
    try {
      mod = await importModule(importSpecifier(spec));
    } catch (err) {
      throw new HardwareManagerLoadError(spec, `cannot be loaded: ${errorText(err)}`);
    }
    const exported = pickExport(mod);
    if (exported === undefined) {
      throw new HardwareManagerLoadError(
        spec,
        'the module has neither a default export nor a `hardwareManager` export',
      );
    }
    let candidate: unknown = exported;
    if (typeof exported === 'function') {
      try {
        candidate = await (exported as (e: ManagerFactoryEnv) => unknown)(env);
      } catch (err) {
        throw new HardwareManagerLoadError(spec, `its factory failed: ${errorText(err)}`);
      }
    }
    try {
      out.push(checkManagerShape(candidate));
    } catch (err) {
      throw new HardwareManagerLoadError(
        spec,
        `is not a valid hardware manager: ${errorText(err)}`,
      );
    }
  }
  return out;
}

function pickExport(mod: unknown): unknown {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const m = mod as Record<string, unknown>;
  let value = m.hardwareManager ?? m.default;
  // A CommonJS module imported from ESM arrives as { default: module.exports }.
  if (
    typeof value === 'object' &&
    value !== null &&
    !('methods' in value) &&
    ('default' in value || 'hardwareManager' in value)
  ) {
    const inner = value as Record<string, unknown>;
    value = inner.hardwareManager ?? inner.default;
  }
  return value;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
