import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'esbuild';

/** The repository root (builders/ramdisk/ is two levels down). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The agent's command-line entry point, bundled by path: builders import no agent code. */
export const AGENT_ENTRY = 'agent/cli/main.ts';

/**
 * Packages with native add-ons (or that only the console and conductor use). The agent needs
 * none; one reaching the bundle means an import arrow broke, so the build stops and says which.
 */
const FORBIDDEN_PACKAGES = ['better-sqlite3', 'bindings', 'next', 'react', 'drizzle-orm'];

// The bundle is ESM; bundled CommonJS packages still call require() for Node built-ins.
const REQUIRE_SHIM =
  "import { createRequire as __ipaCreateRequire } from 'node:module';\n" +
  'const require = __ipaCreateRequire(import.meta.url);';

export interface BundleResult {
  /** The bundle's text (one ES module). */
  code: Uint8Array;
  /** Source files and packages that went in, for the report. */
  inputs: number;
}

/**
 * Bundles one entry point (the agent, or a hardware-manager plugin) into a single ES module for
 * Node 20. Deterministic: esbuild's output depends only on the sources.
 */
export async function bundleModule(entry: string, cwd = REPO_ROOT): Promise<BundleResult> {
  const entryPoint = isAbsolute(entry) || entry.startsWith('.') ? resolve(cwd, entry) : entry;
  const result = await build({
    entryPoints: [entryPoint],
    absWorkingDir: cwd,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    outfile: 'bundle.mjs',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'silent',
    plugins: [refuseNative()],
  }).catch((err: unknown) => {
    const errors = (err as { errors?: { text: string; location?: { file: string } | null }[] })
      .errors;
    const detail = errors
      ? errors.map((e) => (e.location ? `${e.location.file}: ${e.text}` : e.text)).join('; ')
      : String(err);
    throw new Error(`bundling ${entry} failed: ${detail}`);
  });
  const out = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!out) throw new Error(`bundling ${entry} produced no module`);
  return { code: out.contents, inputs: Object.keys(result.metafile.inputs).length };
}

function refuseNative(): Plugin {
  const names = FORBIDDEN_PACKAGES.map((p) => p.replace(/[-/]/g, '\\$&')).join('|');
  return {
    name: 'refuse-native',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${names})(/|$)`) }, (args) => ({
        errors: [
          {
            text: `${args.path} (imported by ${args.importer}) must not be in the ramdisk: it is a native module or not agent code`,
          },
        ],
      }));
      b.onLoad({ filter: /\.node$/ }, (args) => ({
        errors: [
          { text: `native add-on ${basename(args.path)} cannot be bundled into the ramdisk` },
        ],
      }));
    },
  };
}

/**
 * A file name for a bundled plugin: a path keeps its base name (`./hw/acme.ts` → `acme.mjs`), a
 * package its name (`@acme/hw-manager` → `acme-hw-manager.mjs`).
 */
export function pluginFileName(spec: string): string {
  const isPath = spec.startsWith('file:') || spec.startsWith('.') || isAbsolute(spec);
  const raw = isPath ? basename(spec.replace(/^file:/, '')).replace(/\.[cm]?[jt]s$/, '') : spec;
  const base = raw
    .replace(/^@/, '')
    .replace(/\//g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  return `${base || 'manager'}.mjs`;
}
