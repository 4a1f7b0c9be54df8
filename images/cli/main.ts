// Runs the image service alone: `npx tsx images/cli/main.ts --data-dir data/images --port 8089`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../lib';
import { ImageService } from '../image-service';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: 'data/images' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8089' },
    'public-url': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'no-samples': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: images/cli/main.ts [--data-dir DIR] [--host ADDR] [--port N] [--public-url URL]\n' +
      '                          [--tls-cert PEM --tls-key PEM] [--no-samples]',
  );
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}
if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
  console.error('--tls-cert and --tls-key go together');
  process.exit(2);
}

const logger = createLogger({ name: 'images', level: process.env.LOG_LEVEL ?? 'info' });
const service = new ImageService({
  dataDir: values['data-dir'],
  host: values.host,
  port,
  samples: !values['no-samples'],
  logger,
  ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  ...(values['tls-cert'] && values['tls-key']
    ? {
        tls: {
          cert: readFileSync(values['tls-cert'], 'utf8'),
          key: readFileSync(values['tls-key'], 'utf8'),
        },
      }
    : {}),
});

await service.start();
for (const image of service.list())
  console.log(`${image.file_url}  ${image.disk_format}  ${image.image_type}  ${image.name}`);
const shutdown = () => {
  void service.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
