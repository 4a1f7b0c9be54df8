import { parse as parseIni } from 'ini';
import { type Host, HostError } from '../host';
import { type AgentConfig, defaultAgentConfig } from './agent-config';
import { parseArgv } from './argv';
import { ConfigError } from './config-error';
import { parseKernelCmdline } from './kernel-cmdline';
import { readVmediaConfig } from './vmedia-config';
import { PARAMETERS_FILE, readVmediaParams } from './vmedia-params';
import {
  OPTIONS,
  type OptionName,
  type OptionSpec,
  convertText,
  isOptionName,
  kindDescription,
  optionSchema,
} from './options';

export const DEFAULT_CONFIG_FILE = '/etc/ironic_python_agent/ironic_python_agent.conf';

export interface LoadAgentConfigOptions {
  host: Host;
  argv?: readonly string[];
  /** Early notes (before the logger exists), e.g. why no virtual media parameters were found. */
  notes?: (message: string) => void;
}

/**
 * Settings in order of precedence: defaults < config file `[DEFAULT]` < the boot media's config
 * files < kernel command line (`ipa-*`) < virtual media `parameters.txt` < command-line flags;
 * the media are read only when booted with `boot_method=vmedia`. Every value is checked where it enters, so an error names the option, the
 * value and its source. As in IPA, vmedia parameters win over the command line and both are
 * read as one set of "agent parameters" (`kernel_params`). Unlike IPA, where those parameters
 * are only the defaults of oslo options and so lose to the config file, they win over it here.
 */
export async function loadAgentConfig(options: LoadAgentConfigOptions): Promise<AgentConfig> {
  const { host } = options;
  const argv = parseArgv(options.argv ?? []);
  const config = defaultAgentConfig();
  const target = config as unknown as Record<string, unknown>;
  const set = (name: OptionName, text: string, source: string) => {
    target[name] = checkedValue(name, OPTIONS[name], text, source);
  };

  const applyIni = (text: string, source: string) => {
    for (const [key, value] of Object.entries(defaultSection(text))) {
      if (!isOptionName(key)) continue;
      set(key, iniText(value), source);
    }
  };
  const files = argv.configFiles.length > 0 ? argv.configFiles : [DEFAULT_CONFIG_FILE];
  for (const file of files) {
    const text = await readOptional(host, file);
    if (text === null) {
      if (argv.configFiles.length > 0) {
        throw new ConfigError(`config file ${file} not found`, undefined, `config file ${file}`);
      }
      continue;
    }
    applyIni(text, `config file ${file}`);
  }

  const cmdlineText = (await readOptional(host, '/proc/cmdline')) ?? '';
  const kernel = parseKernelCmdline(cmdlineText);
  let vmedia: Record<string, string> = {};
  if (kernel.boot_method === 'vmedia') {
    const media = await readVmediaConfig(host);
    for (const note of media.notes) options.notes?.(note);
    for (const file of media.files) {
      applyIni(file.text, `virtual media ${media.device ?? '?'}:/${file.path}`);
    }
    const found = await readVmediaParams(host);
    vmedia = found.params;
    for (const note of found.notes) options.notes?.(note);
  }
  const params = { ...kernel, ...vmedia };
  config.kernel_params = params;
  config.bootif = params.BOOTIF ?? null;
  config.boot_method = params.boot_method ?? null;
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    if (!spec.kernel) continue;
    const fromMedia = vmedia[spec.kernel];
    const text = fromMedia ?? kernel[spec.kernel];
    if (text === undefined) continue;
    set(
      name,
      text,
      fromMedia !== undefined
        ? `virtual media ${PARAMETERS_FILE} (${spec.kernel})`
        : `kernel command line (${spec.kernel})`,
    );
  }

  for (const [name, { text, flag }] of argv.values) {
    if (isOptionName(name)) set(name, text, `command line (${flag})`);
  }

  checkCombination(config);
  return config;
}

function checkedValue(name: string, spec: OptionSpec, text: string, source: string): unknown {
  const fail = (): never => {
    throw new ConfigError(
      `${name}: "${text}" from ${source} is not ${kindDescription(spec)}`,
      name,
      source,
    );
  };
  // An empty value clears a nullable option, as oslo.config does.
  if (spec.default === null && text.trim() === '' && spec.kind !== 'string') return null;
  const value = convertText(spec, text);
  if (value === undefined) return fail();
  const parsed = optionSchema(spec).safeParse(value);
  if (!parsed.success) return fail();
  return parsed.data;
}

function checkCombination(config: AgentConfig): void {
  if (config.listen_tls && (!config.tls_cert_file || !config.tls_key_file)) {
    throw new ConfigError(
      'listen_tls: needs both tls_cert_file and tls_key_file',
      'listen_tls',
      'combined settings',
    );
  }
  if (config.ironic_api_version !== null && !/^\d+\.\d+$/.test(config.ironic_api_version)) {
    throw new ConfigError(
      `ironic_api_version: "${config.ironic_api_version}" is not a version like 1.68`,
      'ironic_api_version',
      'combined settings',
    );
  }
}

async function readOptional(host: Host, path: string): Promise<string | null> {
  try {
    return await host.readFile(path);
  } catch (err) {
    if (err instanceof HostError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return null;
    throw err;
  }
}

/** `[DEFAULT]` of an oslo-style INI file; keys before any section count as DEFAULT too. */
function defaultSection(text: string): Record<string, unknown> {
  const parsed = parseIni(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) out[key] = value;
  }
  const section = parsed.DEFAULT;
  if (section && typeof section === 'object' && !Array.isArray(section)) {
    Object.assign(out, section as Record<string, unknown>);
  }
  return out;
}

/** The ini package turns `true`/`false` into booleans and repeated keys into arrays. */
function iniText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}
