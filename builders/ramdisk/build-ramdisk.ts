import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand } from '../support/run-command';
import { sha256File } from '../support/sha256-file';
import { AGENT_ENTRY, REPO_ROOT, bundleModule, pluginFileName } from './agent-bundle';
import { type CompressionSpec, compressTo } from './compress';
import { writeCpio } from './cpio-writer';
import {
  DEFAULT_TOOLS,
  DROPBEAR,
  type ToolSpec,
  checkTools,
  describeMissing,
  findProgram,
} from './debian-tools';
import { sharedLibraries } from './elf-libraries';
import {
  AGENT_ENV_FILE,
  AGENT_PATH,
  BOOT_SCRIPTS_DIR,
  DHCP_SCRIPT,
  DROPBEAR_MARKER,
  EARLY_MODULES_FILE,
  RUN_AGENT,
  dhcpScript,
  initScript,
  inittab,
  runAgentScript,
} from './init-scripts';
import {
  DEFAULT_MODULES,
  filterModulesAlias,
  filterModulesDep,
  findKernel,
  moduleName,
  readModuleIndex,
  selectModules,
} from './kernel-modules';
import { RootfsTree } from './rootfs-tree';
import { MODPROBE_RULE_PATH, UDEVD_PATH, findUdevFiles, modprobeRule } from './udev';
import { USR_IMAGE_MODULES, USR_IMAGE_PATH, writeUsrImage } from './usr-image';

export const AGENT_CONFIG_PATH = '/etc/ironic_python_agent/ironic_python_agent.conf';
export const AGENT_CA_PATH = '/etc/ironic_python_agent/ca.crt';
export const PLUGIN_DIR = '/usr/lib/ironic-python-agent/hardware-managers';

/** BusyBox applets that also answer at /sbin (the kernel calls /sbin/modprobe; init is /sbin/init). */
const SBIN_APPLETS = ['init', 'modprobe', 'insmod', 'rmmod', 'lsmod', 'reboot', 'poweroff', 'halt'];

/** Modules loaded on every boot, whatever devices are present (file systems, BMC access). */
const EARLY_MODULES = ['isofs', 'vfat', 'nls_cp437', 'nls_iso8859_1', 'nls_utf8', 'ipmi_devintf'];

export interface RamdiskOptions {
  /** The initramfs file to write. */
  initramfs: string;
  /** Where the kernel image is copied; omitted: not copied. */
  kernel?: string;
  kernelVersion?: string;
  compression: CompressionSpec;
  /** Kernel modules (modprobe names); dependencies are added. */
  modules?: readonly string[];
  /** Programs beyond DEFAULT_TOOLS: names found in PATH, or absolute paths. */
  extraTools?: readonly string[];
  /** Build even when required tools are missing (they are listed as warnings). */
  allowMissingTools?: boolean;
  /** The Node runtime to embed; default /usr/bin/node (Debian's nodejs) or this process's. */
  node?: string;
  /** Strip debug symbols from the Node binary with binutils' strip when available. */
  stripNode?: boolean;
  /** An authorized_keys file for root; adds Debian's dropbear SSH server. */
  sshAuthorizedKeys?: string;
  /** A PEM bundle the agent trusts for Ironic and image downloads (cafile, NODE_EXTRA_CA_CERTS). */
  caFile?: string;
  /** The agent's config file (/etc/ironic_python_agent/ironic_python_agent.conf). */
  configFile?: string;
  /** Hardware-manager plugins (npm package names or paths), each bundled into the image. */
  hardwareManagers?: readonly string[];
  /** Shell scripts run, in the order given, after the network is up and before the agent. */
  bootScripts?: readonly string[];
  /**
   * Run systemd-udevd for disk names and identities: true requires it, false leaves it out,
   * undefined (default) includes it when the build machine has it.
   */
  udev?: boolean;
  /**
   * `squashfs` (default): /usr is a compressed image inside the initramfs, mounted at boot, so
   * the ramdisk runs in far less RAM. `flat`: everything unpacked into RAM.
   */
  layout?: 'squashfs' | 'flat';
  /** Timestamp of every archive entry (seconds); default SOURCE_DATE_EPOCH or 0. */
  mtime?: number;
  /** Progress messages. */
  log?: (message: string) => void;
}

export interface RamdiskResult {
  initramfs: string;
  kernel: string | null;
  kernelVersion: string;
  compressedBytes: number;
  /** The cpio archive before compression: what the kernel unpacks into RAM. */
  uncompressedBytes: number;
  /** Every file's bytes, whether unpacked into RAM or kept in the /usr image. */
  unpackedBytes: number;
  /** The squashfs /usr image, or null with the flat layout. */
  usrImageBytes: number | null;
  sha256: string;
  tools: string[];
  missingOptionalTools: ToolSpec[];
  missingRequiredTools: ToolSpec[];
  modules: number;
  warnings: string[];
}

/**
 * Builds the agent ramdisk from this machine's Debian packages: kernel modules, BusyBox, the
 * Node runtime with its libraries, the agent bundled into one module, the tools its hardware
 * managers run, and the boot scripts. Same inputs, same bytes.
 */
export async function buildRamdisk(options: RamdiskOptions): Promise<RamdiskResult> {
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    log(`warning: ${m}`);
  };
  checkInputFiles(options);
  const tree = new RamdiskTree();
  const scratch = await mkdtemp(join(tmpdir(), 'ipa-ramdisk-'));
  try {
    const kernel = findKernel(options.kernelVersion);
    log(`kernel ${kernel.version} (${kernel.image})`);
    const moduleCount = addModules(tree, kernel, options.modules ?? DEFAULT_MODULES, warn);

    addBaseFiles(tree.fs);
    await addBusybox(tree);

    const nodeBinary = await prepareNode(options, scratch, log);
    await tree.addProgram('/usr/bin/node', nodeBinary.path, nodeBinary.libraryProbe);

    const specs: ToolSpec[] = [...DEFAULT_TOOLS];
    for (const extra of options.extraTools ?? []) {
      specs.push({ name: extra, package: '(given with --tool)', required: true });
    }
    if (options.sshAuthorizedKeys) specs.push(DROPBEAR);
    const check = checkTools(specs);
    if (check.missingRequired.length > 0) {
      const message = `missing tools: ${describeMissing(check.missingRequired)}`;
      if (!options.allowMissingTools) throw new Error(message);
      warn(message);
    }
    if (check.missingOptional.length > 0) {
      log(`optional tools not installed (skipped): ${describeMissing(check.missingOptional)}`);
    }
    for (const { spec, path } of check.found) {
      const at = spec.name.startsWith('/') ? spec.name : path;
      await tree.addProgram(at, path);
      for (const data of spec.dataFiles ?? []) {
        if (existsSync(data)) tree.fs.addHostFile(data, data);
      }
    }
    if (options.udev !== false) {
      const udevadm = check.found.find((f) => f.spec.name === 'udevadm');
      const udev = findUdevFiles();
      if (!udevadm || udev.missing.length > 0) {
        const message = `udev is incomplete (${udevadm ? udev.missing.join(', ') : 'no udevadm'}): disks get no /dev/disk/by-* names or serial numbers; apt-get install udev`;
        if (options.udev === true) throw new Error(message);
        warn(message);
      } else {
        tree.fs.addSymlink(UDEVD_PATH, '../../bin/udevadm');
        for (const rule of udev.rules) tree.fs.addHostFile(rule, rule, 0o644);
        tree.fs.addFile(MODPROBE_RULE_PATH, modprobeRule(), 0o644);
        for (const helper of udev.helpers) await tree.addProgram(helper, helper);
      }
    }
    tree.linkBusyboxApplets();

    log(`bundling the agent (${AGENT_ENTRY})`);
    const agent = await bundleModule(AGENT_ENTRY, REPO_ROOT);
    tree.fs.addFile(AGENT_PATH, agent.code, 0o644);
    log(`agent bundle: ${agent.code.length} bytes from ${agent.inputs} sources`);

    await addCustomisation(tree.fs, options, log);

    const mtime = options.mtime ?? sourceDateEpoch();
    let archive = tree.fs;
    let usrImage: string | null = null;
    if (options.layout !== 'flat') {
      usrImage = join(scratch, 'usr.squashfs');
      log('compressing /usr into a squashfs image (mksquashfs)');
      // The image follows the archive's zstd level (fast builds stay fast); 19 otherwise.
      const level = options.compression.kind === 'zstd' ? (options.compression.level ?? 19) : 19;
      await writeUsrImage(tree.fs.entries(), join(scratch, 'staging'), usrImage, mtime, level);
      archive = earlyTree(tree, kernel);
    }
    mkdirSync(dirname(options.initramfs), { recursive: true });
    log(
      `writing ${options.initramfs} (${options.compression.kind}${options.compression.level !== undefined ? ':' + options.compression.level : ''})`,
    );
    // The kernel unpacks concatenated archives in turn (as with early microcode): the image,
    // already compressed, goes first in a plain archive instead of being compressed again.
    let imageArchiveBytes = 0;
    if (usrImage !== null) {
      imageArchiveBytes = await writeCpio(
        [
          {
            kind: 'file',
            path: USR_IMAGE_PATH,
            mode: 0o444,
            source: usrImage,
            size: statSync(usrImage).size,
          },
        ],
        createWriteStream(options.initramfs),
        { mtime },
      );
    }
    const { input, done } = compressTo(options.initramfs, options.compression, {
      append: usrImage !== null,
    });
    const [mainArchiveBytes] = await Promise.all([
      writeCpio(archive.entries(), input, { mtime }),
      done,
    ]);
    const uncompressedBytes = imageArchiveBytes + mainArchiveBytes;
    const usrImageBytes = usrImage === null ? null : statSync(usrImage).size;

    let kernelOut: string | null = null;
    if (options.kernel) {
      mkdirSync(dirname(options.kernel), { recursive: true });
      copyFileSync(kernel.image, options.kernel);
      kernelOut = options.kernel;
    }
    return {
      initramfs: options.initramfs,
      kernel: kernelOut,
      kernelVersion: kernel.version,
      compressedBytes: statSync(options.initramfs).size,
      uncompressedBytes,
      unpackedBytes: tree.fs.contentBytes(),
      usrImageBytes,
      sha256: await sha256File(options.initramfs),
      tools: check.found.map((f) => f.spec.name),
      missingOptionalTools: check.missingOptional,
      missingRequiredTools: check.missingRequired,
      modules: moduleCount,
      warnings,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The tree plus what is needed to add programs with their shared libraries once. */
class RamdiskTree {
  readonly fs = new RootfsTree();
  busyboxApplets: string[] = [];
  busyboxPath = '';

  /** Copies a program and every library ldd names for it (or for `libraryProbe`). */
  async addProgram(at: string, hostPath: string, libraryProbe = hostPath): Promise<void> {
    this.fs.addHostFile(at, hostPath, 0o755);
    const { libraries } = await sharedLibraries(libraryProbe);
    for (const lib of libraries) this.addLibrary(lib);
  }

  /** A library at its canonical place, and a symlink where ldd found it if that differs. */
  private addLibrary(path: string): void {
    // The build machine's own symlinks (/lib → usr/lib, soname → versioned file) resolved.
    const real = realpathSync(path);
    const canonicalReal = RootfsTree.canonical(real);
    this.fs.addHostFile(canonicalReal, real);
    const canonicalLink = RootfsTree.canonical(path);
    if (canonicalLink !== canonicalReal) this.fs.addSymlink(canonicalLink, canonicalReal);
  }

  /** BusyBox applets for every name no real tool took, in /usr/bin (init and modprobe in sbin too). */
  linkBusyboxApplets(): void {
    for (const applet of this.busyboxApplets) {
      if (applet === 'busybox' || applet === 'linuxrc') continue;
      if (this.fs.has(`/usr/sbin/${applet}`) || this.fs.has(`/usr/bin/${applet}`)) continue;
      this.fs.addSymlink(`/usr/bin/${applet}`, 'busybox');
    }
    for (const applet of [
      'init',
      'modprobe',
      'insmod',
      'rmmod',
      'lsmod',
      'reboot',
      'poweroff',
      'halt',
    ]) {
      if (!this.fs.has(`/usr/sbin/${applet}`))
        this.fs.addSymlink(`/usr/sbin/${applet}`, '../bin/busybox');
    }
  }
}

async function addBusybox(tree: RamdiskTree): Promise<void> {
  const busybox = findProgram('busybox');
  if (!busybox) throw new Error('busybox is not installed: apt-get install busybox-static');
  const { libraries, isStatic } = await sharedLibraries(busybox);
  if (!isStatic || libraries.length > 0) {
    throw new Error(`${busybox} is not statically linked: apt-get install busybox-static`);
  }
  tree.fs.addHostFile('/usr/bin/busybox', busybox, 0o755);
  const list = await runCommand(busybox, ['--list']);
  const applets = list.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort();
  if (!applets.includes('udhcpc') || !applets.includes('init')) {
    throw new Error(`${busybox} lacks udhcpc or init: apt-get install busybox-static`);
  }
  tree.busyboxApplets = applets;
  tree.busyboxPath = busybox;
}

/**
 * What the kernel unpacks when /usr is an image: everything outside /usr, BusyBox with every
 * applet (real tools shadow them once the image is mounted over /usr), the loop and squashfs
 * modules. The image itself travels in an archive of its own.
 */
function earlyTree(full: RamdiskTree, kernel: { version: string; modulesDir: string }): RootfsTree {
  const early = new RootfsTree();
  for (const entry of full.fs.entries()) {
    if (entry.path === '/usr' || entry.path.startsWith('/usr/')) continue;
    early.addEntry(entry);
  }
  early.addHostFile('/usr/bin/busybox', full.busyboxPath, 0o755);
  for (const applet of full.busyboxApplets) {
    if (applet !== 'busybox' && applet !== 'linuxrc')
      early.addSymlink(`/usr/bin/${applet}`, 'busybox');
  }
  for (const applet of SBIN_APPLETS) early.addSymlink(`/usr/sbin/${applet}`, '../bin/busybox');
  const { index, depText } = readModuleIndex(kernel.modulesDir);
  const selection = selectModules(index, USR_IMAGE_MODULES);
  const root = `/usr/lib/modules/${kernel.version}`;
  for (const rel of selection.files) {
    early.addHostFile(`${root}/${rel}`, `${kernel.modulesDir}/${rel}`, 0o644);
  }
  early.addFile(`${root}/modules.dep`, filterModulesDep(depText, new Set(selection.files)));
  return early;
}

function addBaseFiles(fs: RootfsTree): void {
  for (const dir of ['/proc', '/sys', '/dev', '/run', '/mnt', '/var/log', '/var/lib', '/etc']) {
    fs.addDir(dir);
  }
  fs.addDir('/tmp', 0o1777);
  fs.addDir('/root', 0o700);
  fs.addDevice('/dev/console', 'char', 5, 1, 0o600);
  fs.addDevice('/dev/null', 'char', 1, 3, 0o666);
  fs.addFile('/init', initScript(), 0o755);
  fs.addFile('/etc/inittab', inittab());
  fs.addFile(RUN_AGENT, runAgentScript(), 0o755);
  fs.addFile(DHCP_SCRIPT, dhcpScript(), 0o755);
  fs.addFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  fs.addFile('/etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o600);
  fs.addFile('/etc/group', 'root:x:0:\ntty:x:5:\ndisk:x:6:\n');
  fs.addFile(
    '/etc/nsswitch.conf',
    'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n',
  );
  fs.addFile('/etc/hosts', '127.0.0.1 localhost\n::1 localhost\n');
  fs.addFile('/etc/hostname', 'ironic-python-agent\n');
  fs.addFile('/etc/resolv.conf', '');
  fs.addSymlink('/etc/mtab', '/proc/self/mounts');
  fs.addFile(
    '/etc/os-release',
    'NAME="ironic-python-agent ramdisk"\nID=ipa-ramdisk\nID_LIKE=debian\nPRETTY_NAME="ironic-python-agent ramdisk"\n',
  );
}

function addModules(
  tree: RamdiskTree,
  kernel: { version: string; modulesDir: string },
  names: readonly string[],
  warn: (m: string) => void,
): number {
  const { index, depText, aliasText, builtinText } = readModuleIndex(kernel.modulesDir);
  const selection = selectModules(index, [...names, ...EARLY_MODULES]);
  if (selection.unknown.length > 0) {
    warn(`kernel ${kernel.version} has no modules ${selection.unknown.join(', ')}`);
  }
  const root = `/usr/lib/modules/${kernel.version}`;
  for (const rel of selection.files)
    tree.fs.addHostFile(`${root}/${rel}`, `${kernel.modulesDir}/${rel}`, 0o644);
  const files = new Set(selection.files);
  const namesIn = new Set(selection.files.map(moduleName));
  tree.fs.addFile(`${root}/modules.dep`, filterModulesDep(depText, files));
  tree.fs.addFile(`${root}/modules.alias`, filterModulesAlias(aliasText, namesIn));
  tree.fs.addFile(`${root}/modules.builtin`, builtinText);
  tree.fs.addFile(
    EARLY_MODULES_FILE,
    EARLY_MODULES.filter((m) => namesIn.has(m)).join('\n') + '\n',
  );
  return selection.files.length;
}

async function prepareNode(
  options: RamdiskOptions,
  scratch: string,
  log: (m: string) => void,
): Promise<{ path: string; libraryProbe: string }> {
  const node = options.node ?? (existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath);
  const version = await runCommand(node, ['--version']);
  const major = Number(/^v(\d+)/.exec(version.stdout.trim())?.[1] ?? 0);
  if (version.exitCode !== 0 || major < 20) {
    throw new Error(
      `${node} is not Node 20 or later (${version.stdout.trim() || version.stderr.trim()}): apt-get install nodejs`,
    );
  }
  log(`node ${version.stdout.trim()} (${node})`);
  if (options.stripNode === false || !findProgram('strip'))
    return { path: node, libraryProbe: node };
  const stripped = join(scratch, 'node');
  const r = await runCommand('strip', ['--strip-all', '-o', stripped, node]);
  if (r.exitCode !== 0) {
    log(`strip failed, embedding node unstripped: ${r.stderr.trim()}`);
    return { path: node, libraryProbe: node };
  }
  return { path: stripped, libraryProbe: node };
}

async function addCustomisation(
  fs: RootfsTree,
  options: RamdiskOptions,
  log: (m: string) => void,
): Promise<void> {
  const env: string[] = [];
  const configLines: string[] = [];
  if (options.caFile) {
    fs.addHostFile(AGENT_CA_PATH, options.caFile, 0o644);
    env.push(`NODE_EXTRA_CA_CERTS=${AGENT_CA_PATH}`);
    configLines.push(`cafile = ${AGENT_CA_PATH}`);
  }
  const plugins: string[] = [];
  const taken = new Set<string>();
  for (const spec of options.hardwareManagers ?? []) {
    let name = pluginFileName(spec);
    for (let i = 2; taken.has(name); i++) name = name.replace(/(-\d+)?\.mjs$/, `-${i}.mjs`);
    taken.add(name);
    log(`bundling hardware manager ${spec}`);
    const bundle = await bundleModule(spec, process.cwd());
    fs.addFile(`${PLUGIN_DIR}/${name}`, bundle.code);
    plugins.push(`${PLUGIN_DIR}/${name}`);
  }
  if (plugins.length > 0) configLines.push(`hardware_managers = ${plugins.join(',')}`);

  const userConfig = options.configFile ? readFileSync(options.configFile, 'utf8') : null;
  if (userConfig !== null || configLines.length > 0) {
    fs.addFile(AGENT_CONFIG_PATH, mergeAgentConfig(userConfig ?? '', configLines));
  }
  if (env.length > 0) fs.addFile(AGENT_ENV_FILE, env.join('\n') + '\n');

  if (options.sshAuthorizedKeys) {
    fs.addDir('/root/.ssh', 0o700);
    fs.addHostFile('/root/.ssh/authorized_keys', options.sshAuthorizedKeys, 0o600);
    fs.addDir('/etc/dropbear', 0o755);
    fs.addFile(DROPBEAR_MARKER, '');
  }
  (options.bootScripts ?? []).forEach((script, i) => {
    const base = script.split('/').pop() ?? 'script';
    fs.addHostFile(`${BOOT_SCRIPTS_DIR}/${String(i + 1).padStart(2, '0')}-${base}`, script, 0o755);
  });
}

/**
 * The user's config with the builder's settings added to `[DEFAULT]`, unless the user already
 * set them (their value wins). Lines are inserted right after the `[DEFAULT]` header, or in a
 * new one at the top when the file has none.
 */
export function mergeAgentConfig(userConfig: string, lines: readonly string[]): string {
  const setInUser = (key: string) =>
    new RegExp(`^\\s*${key}\\s*=`, 'm').test(defaultSection(userConfig));
  const extra = lines.filter((l) => !setInUser(l.split('=')[0]!.trim()));
  if (extra.length === 0) return userConfig;
  const header = /^\s*\[DEFAULT\]\s*$/m.exec(userConfig);
  if (header) {
    const at = header.index + header[0].length;
    return `${userConfig.slice(0, at)}\n${extra.join('\n')}${userConfig.slice(at)}`;
  }
  const hasSections = /^\s*\[[^\]]+\]\s*$/m.test(userConfig);
  if (!hasSections) {
    // oslo-style files without a header are read as [DEFAULT] by the agent.
    return `${extra.join('\n')}\n${userConfig}`;
  }
  return `[DEFAULT]\n${extra.join('\n')}\n\n${userConfig}`;
}

function defaultSection(text: string): string {
  const out: string[] = [];
  let inDefault = true;
  for (const line of text.split('\n')) {
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (section) inDefault = section[1] === 'DEFAULT';
    else if (inDefault) out.push(line);
  }
  return out.join('\n');
}

/** Every file the caller names must exist before an hour-long compression starts. */
function checkInputFiles(options: RamdiskOptions): void {
  const named: [string, string | undefined][] = [
    ['--ssh-keys', options.sshAuthorizedKeys],
    ['--ca-file', options.caFile],
    ['--config-file', options.configFile],
    ['--node', options.node],
    ...(options.bootScripts ?? []).map((s): [string, string] => ['--boot-script', s]),
  ];
  for (const [flag, path] of named) {
    if (path !== undefined && !existsSync(path)) throw new Error(`${flag} ${path}: no such file`);
  }
}

function sourceDateEpoch(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`SOURCE_DATE_EPOCH=${v} is not a timestamp`);
  return n;
}
