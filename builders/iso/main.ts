// `npm run build:iso -- -o out.iso -i initramfs -k kernel [--kernel-params …]`.
import { buildIso } from './build-iso';
import { ISO_USAGE, parseIsoArgs } from './cli-options';

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseIsoArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`build:iso: ${(err as Error).message}\n\n${ISO_USAGE}`);
    return 2;
  }
  if (cli.help || !cli.options) {
    console.log(ISO_USAGE);
    return 0;
  }
  const result = await buildIso({ ...cli.options, log: (m) => console.error(`build:iso: ${m}`) });
  console.log(
    [
      `iso     ${result.output} (BIOS ${result.bios}, UEFI ${result.uefi})`,
      `size    ${(result.bytes / 1024 / 1024).toFixed(1)} MiB`,
      `sha256  ${result.sha256}`,
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`build:iso: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
