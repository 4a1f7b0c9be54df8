// `npm run build:ramdisk -- [options]`: the agent ramdisk from this machine's Debian packages.
import { RAMDISK_USAGE, parseRamdiskArgs } from './cli-options';
import { buildRamdisk } from './build-ramdisk';

const MiB = 1024 * 1024;

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseRamdiskArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`build:ramdisk: ${(err as Error).message}\n\n${RAMDISK_USAGE}`);
    return 2;
  }
  if (cli.help) {
    console.log(RAMDISK_USAGE);
    return 0;
  }
  const started = Date.now();
  const result = await buildRamdisk({
    ...cli.options,
    log: (m) => console.error(`build:ramdisk: ${m}`),
  });
  console.log(
    [
      `kernel     ${result.kernel} (${result.kernelVersion})`,
      `initramfs  ${result.initramfs}`,
      `size       ${(result.compressedBytes / MiB).toFixed(1)} MiB compressed, ${(result.uncompressedBytes / MiB).toFixed(1)} MiB unpacked into RAM` +
        (result.usrImageBytes !== null
          ? ` (of which a ${(result.usrImageBytes / MiB).toFixed(1)} MiB /usr image holding ${(result.unpackedBytes / MiB).toFixed(1)} MiB of files)`
          : ''),
      `sha256     ${result.sha256}`,
      `contents   ${result.tools.length} tools, ${result.modules} kernel modules`,
      `built in   ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ...result.warnings.map((w) => `warning    ${w}`),
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`build:ramdisk: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
